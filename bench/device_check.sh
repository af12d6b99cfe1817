#!/usr/bin/env bash
# On the GPU machine, from the repository root: the [gpu] tests, compute-sanitizer
# (memcheck, racecheck, initcheck) on the traced and the untraced fa2_teach kernel, on the
# traced fa1 kernel (FlashAttention-1's loop order) and on every kernel of the ladder
# (through the bench), and the
# GPU traces that tests/data/ keeps for the CPU replay test (bench/record_traces.sh, into
# $OUT/traces). Logs and traces go to $OUT.
#
#   BIN=.carry OUT=/tmp/out bash bench/device_check.sh
# BIN holds flashscope and flashscope_tests built headless (-DFS_ENABLE_GUI=OFF).
set -u
BIN=${BIN:-build}
OUT=${OUT:-/tmp/flashscope_device}
mkdir -p "$OUT"
status=0

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"

echo "== [gpu] tests"
"$BIN/flashscope_tests" "[gpu]" --durations yes > "$OUT/gpu_tests.log" 2>&1 || status=1
tail -4 "$OUT/gpu_tests.log"

echo "== compute-sanitizer"
runs=(
  "trace --backend cuda --n 200 --d 64 --br 64 --bc 32 --out /tmp/s.fstrace"
  "trace --backend cuda --n 130 --d 128 --br 128 --bc 128 --causal --pattern tied --out /tmp/s.fstrace"
  "trace --backend cuda --n 77 --d 96 --br 16 --bc 64 --pattern sink --out /tmp/s.fstrace"
  "trace --backend cuda --n 150 --d 64 --br 32 --bc 64 --causal --pattern drift --precision paper-bf16 --softmax stabilized --out /tmp/s.fstrace"
  "trace --backend cuda --n 100 --d 128 --br 64 --bc 32 --pattern tied --precision fa2-bf16 --out /tmp/s.fstrace"
  "trace --backend cuda --n 90 --d 16 --br 128 --bc 16 --pattern tied --precision fa2-fp16 --softmax stabilized --out /tmp/s.fstrace"
  "trace --backend cuda --order fa1 --n 200 --d 64 --br 64 --bc 32 --out /tmp/s.fstrace"
  "trace --backend cuda --order fa1 --n 130 --d 96 --br 128 --bc 64 --causal --pattern tied --out /tmp/s.fstrace"
  "trace --backend cuda --order fa1 --n 77 --d 16 --br 16 --bc 128 --causal --pattern sink --out /tmp/s.fstrace"
  "trace --backend cuda --n 1000 --d 16 --br 64 --bc 64 --causal --q-block 9 --out /tmp/s.fstrace"
  "trace --backend cuda --order fa1 --n 600 --d 32 --br 64 --bc 32 --q-block 7 --out /tmp/s.fstrace"
  "bench --shape 2x3x300x64c --warmup 0 --repeats 1 --no-ceilings"
  "bench --shape 1x2x257x128 --warmup 0 --repeats 1 --no-ceilings --dtype fp16"
  "bench --shape 1x1x100x32 --warmup 0 --repeats 1 --no-ceilings --dtype bf16 --kernels fa2_mma --precision paper-bf16 --softmax stabilized"
  "bench --shape 1x2x300x128c --warmup 0 --repeats 1 --no-ceilings --dtype bf16 --kernels fa2_mma --sweep"
  "bench --shape 1x1x333x96 --warmup 0 --repeats 1 --no-ceilings --dtype bf16 --kernels fa2_mma --softmax stabilized"
)
: > "$OUT/sanitizer.log"
for tool in memcheck racecheck initcheck; do
  for args in "${runs[@]}"; do
    # shellcheck disable=SC2086
    if compute-sanitizer --tool "$tool" --error-exitcode 9 "$BIN/flashscope" $args >> "$OUT/sanitizer.log" 2>&1; then
      echo "$tool clean: flashscope $args"
    else
      echo "$tool FAILED: flashscope $args"
      status=1
    fi
  done
done
grep -E "ERROR SUMMARY|RACECHECK SUMMARY" "$OUT/sanitizer.log" | sort | uniq -c

echo "== traces for tests/data (bench/record_traces.sh)"
BIN="$BIN" OUT="$OUT/traces" bash bench/record_traces.sh > "$OUT/record_traces.log" 2>&1 || status=1
tail -14 "$OUT/record_traces.log"
exit $status
