#!/usr/bin/env python3
"""Times FlashScope's kernels and PyTorch's SDPA backends on the same shapes in one run.

Runs `flashscope bench --json` for FlashScope's kernels, then times
torch.nn.functional.scaled_dot_product_attention on the same shapes with the same method
(CUDA events, warm-up, L2 flushed between runs, median of repeats), and prints each
FlashScope kernel's throughput as a ratio of every SDPA backend's. Writes one JSON file with
the GPU name, the date and the commit.

    python3 bench/sdpa_compare.py --flashscope build/flashscope --out bench/results/x.json

FLOPs = 4 * B * H * N^2 * d, halved for causal. The FP32 kernels (fa2_teach, fa1, standard
in fp32) compare fairly with SDPA in FP32 (memory-efficient and math backends); the BF16
kernels (fa2_mma, standard in bf16) with the flash and cuDNN backends. Every ratio is printed.
Arguments after -- go to `flashscope bench` (e.g. -- --kernels fa2_mma --dtype bf16 --sweep).
"""
import argparse
import datetime
import json
import statistics
import subprocess
import sys

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

BACKENDS = [
    ("sdpa_efficient_fp32", SDPBackend.EFFICIENT_ATTENTION, torch.float32),
    ("sdpa_math_fp32", SDPBackend.MATH, torch.float32),
    ("sdpa_flash_bf16", SDPBackend.FLASH_ATTENTION, torch.bfloat16),
    ("sdpa_cudnn_bf16", SDPBackend.CUDNN_ATTENTION, torch.bfloat16),
]


def flops(b, h, n, d, causal):
    return 4.0 * b * h * n * n * d * (0.5 if causal else 1.0)


def time_sdpa(b, h, n, d, causal, backend, dtype, warmup, repeats):
    gen = torch.Generator(device="cuda").manual_seed(1234)
    q, k, v = (torch.randn(b, h, n, d, device="cuda", dtype=dtype, generator=gen) for _ in range(3))
    flush = torch.empty(256 << 20, dtype=torch.uint8, device="cuda")
    with sdpa_kernel([backend]):
        out = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
        assert torch.isfinite(out).all(), "SDPA produced non-finite output"
        for _ in range(warmup):
            torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
        times = []
        for _ in range(repeats):
            flush.zero_()
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end))
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--flashscope", default="build/flashscope", help="path of the flashscope binary")
    ap.add_argument("--shape", action="append", help="BxHxNxD[c], repeatable (default: flashscope's set)")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--commit", default="unknown", help="commit the binary was built from")
    ap.add_argument("--out", required=True, help="JSON file to write")
    ap.add_argument("bench_args", nargs="*",
                    help="more arguments for flashscope bench after --, e.g. -- --kernels fa2_mma --sweep")
    args = ap.parse_args()

    fs_json = args.out + ".flashscope.json"
    cmd = [args.flashscope, "bench", "--warmup", str(args.warmup), "--repeats", str(args.repeats), "--json", fs_json]
    for s in args.shape or []:
        cmd += ["--shape", s]
    cmd += args.bench_args
    print("running:", " ".join(cmd), flush=True)
    # A kernel that fails validation makes the bench exit 1; its report is still written.
    subprocess.run(cmd, check=False)
    with open(fs_json) as f:
        report = json.load(f)

    sdpa = {}  # (b, h, n, d, causal) -> {backend: {...}}
    for r in report["results"]:
        key = (r["batch"], r["heads"], r["n"], r["d"], r["causal"])
        if key in sdpa:
            continue
        sdpa[key] = {}
        for name, backend, dtype in BACKENDS:
            try:
                ms = time_sdpa(*key, backend, dtype, args.warmup, args.repeats)
                sdpa[key][name] = {"median_ms": ms, "tflops": flops(*key) / (ms * 1e-3) / 1e12}
            except Exception as e:  # a backend that does not support this shape or dtype
                sdpa[key][name] = {"error": str(e).splitlines()[0][:200]}
            torch.cuda.empty_cache()

    rows = []
    for r in report["results"]:
        key = (r["batch"], r["heads"], r["n"], r["d"], r["causal"])
        row = dict(r)
        row["sdpa"] = {}
        for name, v in sdpa[key].items():
            row["sdpa"][name] = dict(v)
            if "tflops" in v and r["status"] == "ok":
                row["sdpa"][name]["ratio"] = r["tflops"] / v["tflops"]
        rows.append(row)
        shape = f"{r['batch']}x{r['heads']}x{r['n']}x{r['d']}{'c' if r['causal'] else ''}"
        if r["status"] != "ok":
            print(f"{r['kernel']:9} {r['dtype']:4} {shape:15} {r['status']}: {r['note']}", flush=True)
            continue
        ratios = "  ".join(
            f"{k}={v['tflops']:.1f} (x{v['ratio']:.3f})" if "ratio" in v else f"{k}=n/a"
            for k, v in row["sdpa"].items())
        print(f"{r['kernel']:9} {r['dtype']:4} {r['precision']:10} {r['softmax']:10} {r['tile']:14} {shape:15} "
              f"{r['tflops']:7.2f} TFLOP/s | {ratios}", flush=True)

    doc = {
        "gpu": torch.cuda.get_device_name(0),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": args.commit,
        "torch": torch.__version__,
        "method": f"CUDA events, {args.warmup} warm-up, median of {args.repeats}, L2 flushed between runs",
        "flops": "4*B*H*N^2*d, x0.5 causal",
        "ceilings": report.get("ceilings"),
        "flashscope_report": {k: report[k] for k in ("device", "recorded_at", "host", "warmup", "repeats")},
        "results": rows,
    }
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=2)
    print("wrote", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
