#!/usr/bin/env bash
# On the headless GPU server, from the repository root: screenshots drawn through EGL on the
# GPU (no X server, no display), and the time per UI frame, drawn the same way.
#
#   BIN=.carry OUT=$OUT bash bench/gpu_shot.sh
#
# BIN holds a GUI build of flashscope and, in BIN/lib (or LIBS), what
# `bash bench/carry_gui_libs.sh BIN/flashscope BIN/lib` copied next to it: GLFW, stb, libX11
# and kin, and glvnd's libEGL.so.1, libGLdispatch.so.0 and libOpenGL.so.0. NVIDIA's EGL
# library comes with the driver. OUT receives 5 PNGs, shots.log and frames.txt (8 files at
# most come back from a device run).
set -uo pipefail
BIN=${BIN:?BIN: the folder holding a GUI build of flashscope}
OUT=${OUT:?OUT: the folder for the PNGs and logs}
LIBS=${LIBS:-$BIN/lib}
FRAMES=${FRAMES:-300}
fs="$BIN/flashscope"
lessons=scenarios/lessons  # the binary's own lesson folder is the path of the tree it was built in
if [ ! -x "$fs" ]; then
  echo "gpu_shot.sh: $fs is missing or not executable" >&2
  exit 2
fi
if [ ! -f "$lessons/intro.json" ]; then
  echo "gpu_shot.sh: run from the repository root ($lessons/intro.json is not here)" >&2
  exit 2
fi
# The CUDA toolkit's libraries (cuBLAS) are the server's own.
export LD_LIBRARY_PATH="$LIBS:/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# glvnd finds vendor files in /usr/share/glvnd/egl_vendor.d and /etc/glvnd/egl_vendor.d; some
# driver installs put NVIDIA's elsewhere.
nvidia_vendor=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
if [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ] && [ -f "$nvidia_vendor" ] &&
   ! ls /usr/share/glvnd/egl_vendor.d/*nvidia*.json /etc/glvnd/egl_vendor.d/*nvidia*.json > /dev/null 2>&1; then
  export __EGL_VENDOR_LIBRARY_FILENAMES="$nvidia_vendor"
  echo "EGL vendor file: $nvidia_vendor"
fi
mkdir -p "$OUT"
if ldd "$fs" | grep "not found"; then
  echo "gpu_shot.sh: the libraries above are missing: carry what bench/carry_gui_libs.sh copies, in $LIBS" >&2
  exit 1
fi
for name in libEGL.so.1 libGLdispatch.so.0; do
  [ -f "$LIBS/$name" ] || /sbin/ldconfig -p | grep -q "$name" ||
    echo "gpu_shot.sh: warning: $name is neither in $LIBS nor installed: EGL will not start" >&2
done
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] ||
  echo "gpu_shot.sh: warning: DejaVu Sans is not installed here: the shots use Dear ImGui's built-in font" >&2

{
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || echo "nvidia-smi: not available"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
} | tee "$OUT/frames.txt"

# name, then the shot's options
shots=(
  "intro|--lesson $lessons/intro.json --step 5"
  "precision_exact_ones|--lesson $lessons/exact_ones.json --beat 3"
  "bit_view_worked_example|--lesson $lessons/biased_rounding.json --beat 2"
  "throughput_live|--lesson $lessons/intro.json --backend cuda --panels tiles,throughput --n 1024 --d 128"
  "causal_light_4k|--lesson $lessons/causal.json --light --scale 2 --size 3840x2160"
)
status=0
: > "$OUT/shots.log"
for entry in "${shots[@]}"; do
  name=${entry%%|*}
  args=${entry#*|}
  # shellcheck disable=SC2086
  if "$fs" shot --gl egl $args --out "$OUT/$name.png" >> "$OUT/shots.log" 2>&1; then
    echo "shot $name: ok"
  else
    echo "shot $name: FAILED (see shots.log)"
    status=1
  fi
done
tail -n 2 "$OUT/shots.log"
if grep -q "drawn through EGL.*llvmpipe" "$OUT/shots.log"; then
  echo "gpu_shot.sh: warning: drawn by Mesa's llvmpipe on the CPU, not by the GPU (is NVIDIA's EGL vendor file found?)"
fi

for size in 1920x1080 3840x2160; do
  "$fs" --gl egl --measure-frames "$FRAMES" --size "$size" --lesson "$lessons/intro.json" 2>&1 |
    tee -a "$OUT/frames.txt" || status=1
done
# The frame time while the live ladder runs on its worker thread (CUDA backend): enough frames
# for several passes of the ladder (about one a second).
echo "with the live throughput panel:" | tee -a "$OUT/frames.txt"
"$fs" --gl egl --measure-frames "${FRAMES_LIVE:-5000}" --size 1920x1080 --lesson "$lessons/intro.json" \
  --backend cuda --panels tiles,throughput --n 1024 --d 128 2>&1 | tee -a "$OUT/frames.txt" || status=1
exit $status
