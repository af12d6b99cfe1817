#!/usr/bin/env python3
"""Writes the flashscope bench report held inside a comparison file of bench/sdpa_compare.py.

A comparison file keeps the report's header under "flashscope_report" (device, recorded_at,
host, warmup, repeats), its "ceilings" at the top, and every field of each result plus an
"sdpa" object. This puts them back together as the report `flashscope bench --json` wrote
(docs/BENCH.md: format "flashscope-bench", version 2), which the app opens with
ReportFromJson: the "sdpa" objects are dropped, nothing else is changed.

    python3 bench/report_from_comparison.py bench/results/x_vs_sdpa.json --out x.flashscope.json

Keys are sorted and indented by 2, as the bench writes them: for the ladder's comparison the
output parses to the same values as the report recorded with it (a few numbers are spelled
with another 17th digit that names the same double).
"""
import argparse
import json
import sys

HEADER = ("device", "recorded_at", "host", "warmup", "repeats")
CEILINGS = ("copy_bytes", "copy_gbps", "gemm_bf16_tflops", "gemm_fp32_tflops", "gemm_n")
RESULT = ("kernel", "batch", "heads", "n", "d", "causal", "dtype", "precision", "softmax", "tile",
          "status", "note", "median_ms", "min_ms", "tflops", "pct_of_gemm", "gbps", "device_bytes",
          "registers", "max_rel_err", "mean_signed_err", "rel_l2_err", "tolerance")


def missing(obj, keys, where):
    if not isinstance(obj, dict):
        return [where.rstrip(".") + " (not an object)"]
    return [where + k for k in keys if k not in obj]


def report_from_comparison(doc):
    """The flashscope report inside comparison `doc`; raises ValueError naming what is missing."""
    header = doc.get("flashscope_report")
    problems = missing(header, HEADER, "flashscope_report.")
    problems += missing(doc.get("ceilings"), CEILINGS, "ceilings.")
    results = doc.get("results")
    if not isinstance(results, list):
        problems.append("results (not an array)")
        results = []
    for i, r in enumerate(results):
        problems += missing(r, RESULT, f"results[{i}].")
    if problems:
        raise ValueError("not a comparison of bench/sdpa_compare.py; missing: " + ", ".join(problems))
    report = {"format": "flashscope-bench", "version": 2}
    report.update(header)  # device_memory_bytes too, where a comparison keeps it
    report["ceilings"] = doc["ceilings"]
    report["results"] = [{k: v for k, v in r.items() if k != "sdpa"} for r in results]
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("comparison", help="a JSON file written by bench/sdpa_compare.py")
    parser.add_argument("--out", required=True, help="the flashscope report to write")
    args = parser.parse_args()
    with open(args.comparison) as f:
        doc = json.load(f)
    try:
        report = report_from_comparison(doc)
    except ValueError as e:
        print(f"{args.comparison}: {e}", file=sys.stderr)
        return 1
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"wrote {args.out}: {len(report['results'])} results recorded on {report['device']} "
          f"at {report['recorded_at']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
