#!/usr/bin/env python3
"""Feeds mutated .npy, trace and lesson files through the flashscope binary, as a careless
user or an attacker would, and checks what the command line promises about every one:

  - exit code 0, or 1 or 2 with a message on stderr; never a signal, never a sanitizer's
    exit code, never a hang (a time limit per run);
  - stdout and stderr hold printable ASCII only (no terminal escapes from a file) and a
    message is short;
  - a refused input leaves every output file exactly as it was, and no run leaves a
    temporary file behind; the input file is never changed;
  - no exit 0 on garbage: an independent checker written here from the formats' rules
    (Python's ast and json, a checksum of its own) judges each input, and an input it
    calls garbage must be refused.

.npy files go through `flashscope trace --q/--k/--v`, lessons through `trace --lesson`, and
trace files through `shot --open` (which needs an X display: run under xvfb-run).

  xvfb-run -a python3 tests/fuzz/cli_mutate.py --flashscope build/flashscope --count 10000
"""
import argparse
import ast
import json
import math
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")

ALLOWED_D = (16, 32, 64, 96, 128)
ALLOWED_BLOCK = (16, 32, 64, 128)
PATTERNS = ("random", "sink", "tied", "lowrank", "npy", "drift")
FORMATS = ("fp32", "fp16", "bf16")
STAGES = ("inputs", "scores", "pbar", "block", "acc", "stats", "output")
PRESETS = ("fp32", "fa2-bf16", "fa2-fp16", "paper-bf16")
# The stages each preset does not keep in FP32 (kernels/precision.cpp).
PRESET_STAGES = {"fp32": {}, "fa2-bf16": {"inputs": "bf16", "pbar": "bf16", "output": "bf16"},
                 "fa2-fp16": {"inputs": "fp16", "pbar": "fp16", "output": "fp16"},
                 "paper-bf16": {k: "bf16" for k in STAGES}}
PANELS = ("tiles", "softmax", "scores", "compare", "precision", "errors", "bits", "drift", "throughput")
FLT_MIN, FLT_MAX = 1.1754943508222875e-38, 3.4028234663852886e38
SANITIZER_EXIT = 86  # ASAN_OPTIONS/UBSAN_OPTIONS exitcode below: a memory or UB error
MAX_MESSAGE_BYTES = 16384
SENTINEL = b"an existing output that a refused run must leave as it was\n"

TOKENS = [b"1e400", b"-1e400", b"18446744073709551616", b"18446744073709551615", b"-1",
          b"-9223372036854775809", b"1e-46", b"NaN", b"Infinity", b"null", b"true", b"{}", b"[]",
          b'""', b"0x10", b"99999999999999999999", b"\x1b]0;title\x07\x1b[2J", b"\\u001b[2J",
          b"\xff\xfe", b"\xc3", b"'", b'"', b"\\", b",", b":", b"}", b"]", b")"]


# ---- mutations -------------------------------------------------------------------------------

def mutate_once(rng, s, other, open_ch, close_ch):
    at = rng.randrange(len(s) + 1)
    kind = rng.randrange(11)
    if kind == 0 and s:
        i = rng.randrange(len(s))
        s[i] ^= 1 << rng.randrange(8)
    elif kind == 1 and s:
        s[rng.randrange(len(s))] = rng.randrange(256)
    elif kind == 2:
        del s[at:]
    elif kind == 3:
        s[at:at] = bytes(rng.randrange(256) for _ in range(1 + rng.randrange(16)))
    elif kind == 4:
        del s[at:at + 1 + rng.randrange(64)]
    elif kind == 5:
        start = rng.randrange(len(s) + 1)
        s[at:at] = s[start:start + 1 + rng.randrange(256)]
    elif kind == 6:
        s[at:at] = rng.choice(TOKENS)
    elif kind == 7:
        m = re.compile(rb"[0-9][0-9.eE+-]*").search(bytes(s), at)
        if m:
            s[m.start():m.end()] = rng.choice(TOKENS[:6])
    elif kind == 8:
        s[at:at] = bytes([rng.choice(b'A9 "(')]) * (1000 + rng.randrange(100000))
    elif kind == 9:
        opener = open_ch if rng.randrange(2) else b"{"
        s[at:at] = opener * (10 + rng.randrange(100000)) + close_ch * (rng.randrange(3) * 50)
    else:
        s[:] = s[:at] + other[rng.randrange(len(other) + 1):]


def mutate(rng, data, other, open_ch, close_ch):
    s = bytearray(data)
    for _ in range(1 + rng.randrange(4)):
        mutate_once(rng, s, other, open_ch, close_ch)
    return bytes(s)


# ---- independent checkers: False means garbage by the format's own rules ---------------------

def npy_shape_ok(shape):
    return (isinstance(shape, (tuple, list)) and len(shape) == 2 and
            all(type(x) is int for x in shape) and 1 <= shape[0] <= 8192 and shape[1] in ALLOWED_D)


def check_npy(b, expect_shape):
    if b[:6] != b"\x93NUMPY" or len(b) < 10:
        return False
    major, minor = b[6], b[7]
    if minor != 0 or major not in (1, 2, 3):
        return False
    length_bytes = 2 if major == 1 else 4
    if len(b) < 8 + length_bytes:
        return False
    header_len = int.from_bytes(b[8:8 + length_bytes], "little")
    start = 8 + length_bytes + header_len
    if len(b) < start:
        return False
    header = b[8 + length_bytes:start].decode("latin1").strip(" \t\r\n\0")
    header = re.sub(r"(?<=[0-9])L\b", "", header)  # Python 2's long suffix, as numpy allows
    try:
        d = ast.literal_eval(header)
    except Exception:
        return False
    if not isinstance(d, dict) or set(d) != {"descr", "fortran_order", "shape"}:
        return False
    if d["descr"] not in ("<f4", "<f2") or d["fortran_order"] is not False:
        return False
    shape = d["shape"]
    if not npy_shape_ok(shape) or tuple(shape) != expect_shape:
        return False
    item = 4 if d["descr"] == "<f4" else 2
    count = shape[0] * shape[1]
    if len(b) - start < count * item:
        return False
    values = struct.unpack("<%d%s" % (count, "f" if item == 4 else "e"), b[start:start + count * item])
    return all(math.isfinite(v) for v in values)


def is_int(v):
    return type(v) is int


def all_fp32(precision):
    """Whether a problem's "precision" (a preset name or an object) leaves every stage FP32."""
    if isinstance(precision, dict):
        base = PRESET_STAGES[precision.get("preset", "fp32")]
        return all(precision.get(k, base.get(k, "fp32")) == "fp32" for k in STAGES)
    return precision == "fp32"


def check_problem(p):
    fields = {"n", "d", "br", "bc", "causal", "scale", "seed", "pattern", "rank", "q", "k", "v", "dout",
              "precision", "softmax", "beta", "eps", "order"}
    if not isinstance(p, dict) or not set(p) <= fields:
        return False
    n, d = p.get("n", 256), p.get("d", 64)
    pattern = p.get("pattern", "random")
    if not (is_int(n) and 1 <= n <= 8192 and is_int(d) and d in ALLOWED_D):
        return False
    for block in (p.get("br", 64), p.get("bc", 64)):
        if not (is_int(block) and block in ALLOWED_BLOCK):
            return False
    if not isinstance(p.get("causal", False), bool):
        return False
    scale = p.get("scale", 0)
    if type(scale) not in (int, float) or not (scale == 0 or FLT_MIN <= scale <= FLT_MAX):
        return False
    seed = p.get("seed", 1)
    if not (is_int(seed) and 0 <= seed < 2 ** 64):
        return False
    if pattern not in PATTERNS or not is_int(p.get("rank", 4)):
        return False
    if pattern == "lowrank" and not 1 <= p.get("rank", 4) <= min(d, 64):
        return False
    precision = p.get("precision", "fp32")
    if isinstance(precision, dict):
        if not set(precision) <= set(STAGES) | {"preset"} or precision.get("preset", "fp32") not in PRESETS:
            return False
        if any(precision[k] not in FORMATS for k in STAGES if k in precision):
            return False
    elif precision not in PRESETS:
        return False
    if p.get("softmax", "standard") not in ("standard", "stabilized"):
        return False
    # FA1's loop order runs FP32 with the standard softmax only (precision is checked above).
    order = p.get("order", "fa2")
    if order not in ("fa2", "fa1"):
        return False
    if order == "fa1" and (p.get("softmax", "standard") != "standard" or not all_fp32(precision)):
        return False
    beta, eps = p.get("beta", 2), p.get("eps", 1e-3)
    if type(beta) not in (int, float) or not 1 < beta <= 16 or type(eps) not in (int, float) or not 0 < eps <= 1:
        return False
    if "dout" in p:  # a file the run must then read: the corpus has none, so refused
        return False
    for key in ("q", "k", "v"):
        if (key in p) != (pattern == "npy"):
            return False
        if key in p and (not isinstance(p[key], str) or not p[key] or len(p[key].encode()) > 4096 or
                         any(ord(c) < 32 or ord(c) == 127 for c in p[key])):
            return False
    return True


def strict_json(b):
    """The value of JSON text, or raises: no NaN or Infinity, no number beyond a double."""
    def bad_constant(name):
        raise ValueError(name)

    def finite_float(text):
        v = float(text)
        if not math.isfinite(v):
            raise ValueError(text)
        return v
    return json.loads(b.decode("utf-8"), parse_constant=bad_constant, parse_float=finite_float)


def depth(v, limit=64):
    stack = [(v, 1)]
    while stack:
        x, level = stack.pop()
        if isinstance(x, (list, dict)):
            if level > limit:
                return False
            stack.extend((c, level + 1) for c in (x.values() if isinstance(x, dict) else x))
    return True


def check_lesson(b):
    if len(b) > 1 << 20:
        return False
    try:
        root = strict_json(b)
    except Exception:
        return False
    if not isinstance(root, dict) or not set(root) <= {"title", "summary", "problem", "beats"} or not depth(root):
        return False
    if not isinstance(root.get("title"), str) or len(root["title"]) > 200:
        return False
    if "summary" in root and (not isinstance(root["summary"], str) or len(root["summary"]) > 4000):
        return False
    if "problem" not in root or not check_problem(root["problem"]):
        return False
    beats = root.get("beats")
    if not isinstance(beats, list) or not beats:
        return False
    for beat in beats:
        # A beat may also change the problem, open a cell in the bit view, ask for drift runs or
        # open a bench report in the throughput panel; the loader checks those, this checker lets
        # them through (it never calls them garbage).
        if not isinstance(beat, dict) or not set(beat) <= {"title", "text", "step", "row", "panels", "problem",
                                                           "cell", "drift_runs", "throughput", "numbers"}:
            return False
        if not isinstance(beat.get("title"), str) or len(beat["title"]) > 200:
            return False
        if not isinstance(beat.get("text"), str) or len(beat["text"]) > 4000:
            return False
        for key in ("step", "row"):
            if key in beat and not (is_int(beat[key]) and beat[key] >= -1):
                return False
        if "row" in beat and beat["row"] >= root["problem"].get("n", 256):
            return False
        panels = beat.get("panels", [])
        if not isinstance(panels, list) or any(x not in PANELS for x in panels):
            return False
    return True


def fnv1a64(b):
    h = 0xCBF29CE484222325
    for c in b:
        h = ((h ^ c) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def check_trace(b):
    if len(b) < 24 or b[:8] != b"FSTRACE\0" or int.from_bytes(b[8:12], "little") != 2:
        return False
    header_len = int.from_bytes(b[12:16], "little")
    if 16 + header_len + 8 > len(b) or fnv1a64(b[:-8]) != int.from_bytes(b[-8:], "little"):
        return False
    try:
        h = strict_json(b[16:16 + header_len])
    except Exception:
        return False
    if not isinstance(h, dict) or not depth(h):
        return False
    if (h.get("format"), h.get("dtype"), h.get("byte_order")) != ("FlashScope trace", "float32", "little"):
        return False
    try:
        floats = [h["arrays"][a]["floats"] for a in ("data", "o", "lse")]
    except Exception:
        return False
    if not all(is_int(x) and x >= 0 for x in floats) or 16 + header_len + 8 + 4 * sum(floats) != len(b):
        return False
    if not check_problem(h.get("problem")):
        return False
    for key in ("backend", "device", "recorded_at", "host"):
        v = h.get(key)
        if not isinstance(v, str) or len(v) > 200 or any(ord(c) < 32 or ord(c) == 127 for c in v):
            return False
    ms = h.get("kernel_ms")
    return type(ms) in (int, float) and ms >= 0


# ---- running flashscope ----------------------------------------------------------------------

def printable(b):
    return all(c == 10 or 32 <= c < 127 for c in b)


class Runner:
    def __init__(self, binary, work, timeout, failures_dir):
        self.binary = os.path.abspath(binary)
        self.work = work
        self.timeout = timeout
        self.failures_dir = failures_dir
        self.stats = {}

    def run(self, parser, index, inputs, args, outputs, garbage):
        """inputs: {name: bytes} written into the work directory; outputs: names the run may
        write. Returns a list of problems (empty when every promise held)."""
        run_dir = os.path.join(self.work, "run")
        shutil.rmtree(run_dir, ignore_errors=True)
        os.makedirs(run_dir)
        for name, data in inputs.items():
            with open(os.path.join(run_dir, name), "wb") as f:
                f.write(data)
        for name in outputs:
            with open(os.path.join(run_dir, name), "wb") as f:
                f.write(SENTINEL)
        before = set(os.listdir(run_dir))
        problems = []
        start = time.monotonic()
        try:
            proc = subprocess.run([self.binary] + args, cwd=run_dir, capture_output=True, timeout=self.timeout)
            code, out, err = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as e:
            code, out, err = None, e.stdout or b"", e.stderr or b""
            problems.append("hang: no exit within %d s" % self.timeout)
        elapsed = time.monotonic() - start
        if code is not None:
            if code < 0:
                problems.append("killed by signal %d" % -code)
            elif code not in (0, 1, 2):
                problems.append("exit code %d" % code)
            elif code != 0 and not err.strip():
                problems.append("exit %d without a message" % code)
        if not printable(out) or not printable(err):
            problems.append("control or non-ASCII bytes in the output")
        if len(err) > MAX_MESSAGE_BYTES:
            problems.append("a message of %d bytes" % len(err))
        after = set(os.listdir(run_dir))
        if after != before:
            problems.append("files appeared or vanished: %s" % sorted(after ^ before))
        for name, data in inputs.items():
            if os.path.exists(os.path.join(run_dir, name)) and open(os.path.join(run_dir, name), "rb").read() != data:
                problems.append("the input %s was changed" % name)
        for name in outputs:
            path = os.path.join(run_dir, name)
            content = open(path, "rb").read() if os.path.exists(path) else None
            if code != 0 and content != SENTINEL:
                problems.append("a refused run changed the output %s" % name)
            if code == 0 and content == SENTINEL:
                problems.append("an accepted run left the output %s unwritten" % name)
        if code == 0 and garbage:
            problems.append("exit 0 on garbage (the independent checker refuses this input)")

        s = self.stats.setdefault(parser, {"runs": 0, "exit_0": 0, "exit_1": 0, "exit_2": 0, "garbage": 0,
                                           "garbage_refused": 0, "valid_by_checker_but_refused": 0,
                                           "failures": 0, "seconds": 0.0, "slowest_s": 0.0})
        s["runs"] += 1
        if code in (0, 1, 2):
            s["exit_%d" % code] += 1
        s["garbage"] += bool(garbage)
        s["garbage_refused"] += bool(garbage and code in (1, 2))
        s["valid_by_checker_but_refused"] += bool(garbage is False and code in (1, 2))
        s["seconds"] += elapsed
        s["slowest_s"] = max(s["slowest_s"], elapsed)
        if problems:
            s["failures"] += 1
            keep = os.path.join(self.failures_dir, "%s_%d" % (parser, index))
            os.makedirs(keep, exist_ok=True)
            for name, data in inputs.items():
                open(os.path.join(keep, name), "wb").write(data)
            open(os.path.join(keep, "report.txt"), "w").write(
                "args: %s\nexit: %s\nproblems: %s\nstderr: %r\n" % (args, code, problems, err[:2000]))
        return problems


def seeds(kind):
    d = os.path.join(CORPUS, kind)
    return [open(os.path.join(d, f), "rb").read() for f in sorted(os.listdir(d))]


def npy_shape(b):
    """The shape of an unmutated seed, from its header."""
    length_bytes = 2 if b[6] == 1 else 4
    header_len = int.from_bytes(b[8:8 + length_bytes], "little")
    return tuple(ast.literal_eval(b[8 + length_bytes:8 + length_bytes + header_len].decode("latin1").strip())["shape"])


def run_npy(runner, rng, i, corpus):
    seed = corpus[i % len(corpus)]
    bad = mutate(rng, seed, corpus[(i + 1) % len(corpus)], b"(", b")")
    role = "qkv"[i % 3]  # which of Q, K, V is the mutated file
    files = {r: (bad if r == role else seed) for r in "qkv"}
    shape = npy_shape(seed)
    garbage = not check_npy(bad, shape) or not check_npy(seed, shape)
    args = ["trace", "--backend", "cpu", "--q", "q.npy", "--k", "k.npy", "--v", "v.npy", "--br", "16", "--bc", "16",
            "--out", "out.fstrace", "--save-o", "o.npy"]
    if len(shape) == 2:
        args += ["--n", str(shape[0]), "--d", str(shape[1])]
    return runner.run("npy", i, {r + ".npy": b for r, b in files.items()}, args, ["out.fstrace", "o.npy"], garbage)


def run_lesson(runner, rng, i, corpus, npy_files):
    seed = corpus[i % len(corpus)]
    bad = mutate(rng, seed, corpus[(i + 1) % len(corpus)], b"[", b"]")
    inputs = {"lesson.json": bad}
    inputs.update(npy_files)  # a lesson with pattern npy names q.npy, k.npy and v.npy
    args = ["trace", "--backend", "cpu", "--lesson", "lesson.json", "--out", "out.fstrace", "--save-o", "o.npy"]
    return runner.run("lesson", i, inputs, args, ["out.fstrace", "o.npy"], not check_lesson(bad))


def run_trace(runner, rng, i, corpus):
    seed = corpus[i % len(corpus)]
    bad = bytearray(mutate(rng, seed, corpus[(i + 1) % len(corpus)], b"[", b"]"))
    if rng.randrange(2) and len(bad) >= 24:  # a right checksum reaches the checks behind it
        bad[-8:] = fnv1a64(bytes(bad[:-8])).to_bytes(8, "little")
    bad = bytes(bad)
    args = ["shot", "--open", "in.fstrace", "--size", "320x240", "--out", "out.png"]
    return runner.run("trace", i, {"in.fstrace": bad}, args, ["out.png"], not check_trace(bad))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--flashscope", required=True, help="the flashscope binary")
    ap.add_argument("--count", type=int, default=1000, help="mutated inputs per parser")
    ap.add_argument("--parsers", default="npy,lesson,trace")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=60, help="seconds a run may take")
    ap.add_argument("--failures", default="cli_mutate_failures", help="where failing inputs are kept")
    ap.add_argument("--json", help="also write the figures as JSON here")
    args = ap.parse_args()

    # A sanitizer's report must not look like an ordinary refusal (exit 1).
    os.environ["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + ":exitcode=%d" % SANITIZER_EXIT
    os.environ["UBSAN_OPTIONS"] = os.environ.get("UBSAN_OPTIONS", "") + ":halt_on_error=1:exitcode=%d" % SANITIZER_EXIT
    work = tempfile.mkdtemp(prefix="flashscope_cli_mutate_")
    runner = Runner(args.flashscope, work, args.timeout, os.path.abspath(args.failures))
    rng = random.Random(args.seed)
    npy_corpus = seeds("npy")
    by_name = dict(zip(sorted(os.listdir(os.path.join(CORPUS, "npy"))), npy_corpus))
    npy_files = {r + ".npy": by_name["f4_20x16.npy"] for r in "qkv"}
    total_failures = 0
    try:
        for parser in args.parsers.split(","):
            corpus = seeds(parser)
            start = time.monotonic()
            for i in range(args.count):
                if parser == "npy":
                    problems = run_npy(runner, rng, i, corpus)
                elif parser == "lesson":
                    problems = run_lesson(runner, rng, i, corpus, npy_files)
                else:
                    problems = run_trace(runner, rng, i, corpus)
                if problems:
                    total_failures += 1
                    print("FAIL %s #%d: %s" % (parser, i, "; ".join(problems)), flush=True)
            s = runner.stats[parser]
            print("%-6s %6d runs in %5.0f s: exit 0/1/2 = %d/%d/%d; garbage by the independent checker %d, "
                  "all refused: %s; failures %d" % (parser, s["runs"], time.monotonic() - start, s["exit_0"],
                                                    s["exit_1"], s["exit_2"], s["garbage"],
                                                    s["garbage"] == s["garbage_refused"], s["failures"]), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(runner.stats, f, indent=1)
    if total_failures:
        print("%d failing inputs kept in %s" % (total_failures, args.failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
