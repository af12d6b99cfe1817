#!/usr/bin/env bash
# Records, with the CUDA kernel, the traces that tests/test_replay.cpp replays on the CPU
# emulation in CI: so that the replay guards the edge cases (partial tiles, padding rows,
# causal with a partial diagonal tile, an explicit scale, every input pattern) without a GPU.
#
#   BIN=build-gpu OUT=/tmp/traces bash bench/record_traces.sh      # on the GPU machine
#
# BIN holds flashscope (built with CUDA; -DFS_ENABLE_GUI=OFF is enough). The traces, and the
# .npy inputs of the npy trace, go to $OUT; copy them all into tests/data/.
# BACKEND=cpu records the same problems with the CPU emulation, to try the script and see the
# sizes on a machine without a GPU; such files must never go into tests/data/.
set -euo pipefail
BIN=$(cd "${BIN:-build}" && pwd)
OUT=${OUT:-/tmp/flashscope_traces}
BACKEND=${BACKEND:-cuda}
mkdir -p "$OUT"
cd "$OUT"  # the npy trace names its inputs relative to here; the replay looks beside it

record() {
  local name=$1
  shift
  "$BIN/flashscope" trace --backend "$BACKEND" "$@" --out "$name.fstrace"
}

# The two traces kept since the first GPU runs.
record gpu_random_n256_d64 --n 256 --d 64 --br 64 --bc 64 --pattern random --seed 11
record gpu_tied_causal_n192_d32 --n 192 --d 32 --br 32 --bc 16 --causal --pattern tied --seed 5
# The precision lab: paper-bf16 on the drift pattern, standard and stabilized softmax.
for softmax in standard stabilized; do
  record "gpu_drift_paper_bf16_${softmax}_n128_d32" --n 128 --d 32 --br 32 --bc 32 --pattern drift --seed 3 \
    --precision paper-bf16 --softmax "$softmax"
done

# Edge cases. 77 = 2 x 32 + 13 = 4 x 16 + 13: the last Q and K/V tiles are partial and the
# last Q block has 19 padding rows left as poison.
record gpu_random_partial_n77_d32 --n 77 --d 32 --br 32 --bc 16 --pattern random --seed 21
# Causal, Br < Bc: rows 48..49 end in a diagonal K/V tile of 18 keys, partly masked.
record gpu_random_causal_diag_n50_d16 --n 50 --d 16 --br 16 --bc 32 --causal --seed 22
# Causal, Br > Bc, odd N: the last key has no twin, and the diagonal tile is partial.
record gpu_tied_causal_diag_n45_d32 --n 45 --d 32 --br 32 --bc 16 --causal --pattern tied --seed 23
record gpu_random_scale_n64_d32 --n 64 --d 32 --br 16 --bc 32 --causal --softmax-scale 0.3 --seed 24
record gpu_sink_n96_d64 --n 96 --d 64 --br 64 --bc 32 --pattern sink --seed 25
record gpu_lowrank_r3_n80_d32 --n 80 --d 32 --br 32 --bc 32 --pattern lowrank --rank 3 --seed 26
# d = 128 with 16 x 16 tiles; 33 rows leave a Q block of one row and 15 padding rows.
record gpu_random_n33_d128 --n 33 --d 128 --br 16 --bc 16 --softmax-scale 0.05 --seed 27

# FlashAttention-1's loop order (the fa1 kernel): K/V blocks outer, O, l and m through global
# memory at every step. Partial tiles and padding rows; causal with Br < Bc (a K/V block starts
# at the Q block of its first key) and with Br > Bc (rows of a Q block above all keys of a
# diagonal K/V block: r_m = -inf, P-tilde = 0); square blocks with d = 64.
record gpu_fa1_random_partial_n77_d32 --order fa1 --n 77 --d 32 --br 32 --bc 16 --pattern random --seed 31
record gpu_fa1_random_causal_diag_n50_d16 --order fa1 --n 50 --d 16 --br 16 --bc 32 --causal --seed 32
record gpu_fa1_tied_causal_n45_d32 --order fa1 --n 45 --d 32 --br 32 --bc 16 --causal --pattern tied --seed 33
record gpu_fa1_random_n128_d64 --order fa1 --n 128 --d 64 --br 64 --bc 64 --seed 34

# Windowed traces (--q-block): one Q block's steps, O and L whole. A middle block with partial
# tiles (FA2), FA1 causal with Br > Bc, and the longest N, past the trace budget, whose last
# causal Q block visits every K/V block (16-row Q blocks keep the file small).
record gpu_window_q2_partial_n77_d32 --n 77 --d 32 --br 16 --bc 32 --q-block 2 --pattern tied --seed 41
record gpu_fa1_window_q3_causal_n130_d16 --order fa1 --n 130 --d 16 --br 32 --bc 16 --causal --q-block 3 --seed 42
record gpu_window_q511_causal_n8192_d16 --n 8192 --d 16 --br 16 --bc 128 --causal --q-block 511 --seed 43

# Inputs from .npy files: Q and V float16, K float32, written from closed forms.
python3 - <<'EOF'
import math
import struct

def save(path, code, rows, cols, value):
    descr = {"e": "<f2", "f": "<f4"}[code]
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }" % (descr, rows, cols)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"  # data starts 64-aligned
    with open(path, "wb") as out:
        out.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        values = [value(r, c) for r in range(rows) for c in range(cols)]
        out.write(struct.pack("<%d%s" % (len(values), code), *values))

save("npy_q_n40_d16.npy", "e", 40, 16, lambda r, c: math.sin(0.7 * r + 1.3 * c))
save("npy_k_n40_d16.npy", "f", 40, 16, lambda r, c: 1.5 * math.cos(0.5 * r - 0.9 * c))
save("npy_v_n40_d16.npy", "e", 40, 16, lambda r, c: math.sin(0.31 * r * c + 0.2))
EOF
record gpu_npy_n40_d16 --n 40 --d 16 --br 16 --bc 16 --causal \
  --q npy_q_n40_d16.npy --k npy_k_n40_d16.npy --v npy_v_n40_d16.npy

ls -l "$OUT"
