#!/usr/bin/env bash
# Copies what a GUI build of flashscope needs at run time on a machine that lacks the
# packages (the headless GPU server) into one folder, to carry there and name in
# LD_LIBRARY_PATH (bench/gpu_shot.sh does):
#   - the shared libraries ldd resolves for the binary, except glibc's, libstdc++ and
#     libgcc_s, which every Linux has (GLFW, stb, libX11 and its kin);
#   - glvnd's loaders, which flashscope opens at run time and ldd therefore does not list:
#     libEGL.so.1, libGLdispatch.so.0 (libEGL's dispatch) and libOpenGL.so.0.
# The GPU's own EGL library (NVIDIA's libEGL_nvidia.so.0 and its vendor file) belongs to the
# driver and is not copied; nor are the CUDA toolkit's libraries (cuBLAS: hundreds of MB),
# which a GPU server has under /usr/local/cuda (name it in LD_LIBRARY_PATH there).
#
#   bash bench/carry_gui_libs.sh build/flashscope .carry/lib
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: bash bench/carry_gui_libs.sh BINARY FOLDER   (e.g. build/flashscope .carry/lib)" >&2
  exit 2
fi
bin=$1
dest=$2
if [ ! -x "$bin" ] || [ ! -f "$bin" ]; then
  echo "carry_gui_libs.sh: $bin is not an executable file (a GUI build of flashscope)" >&2
  exit 2
fi
if ! ldd_out=$(ldd "$bin" 2>&1); then
  echo "carry_gui_libs.sh: ldd cannot read $bin: $ldd_out" >&2
  exit 2
fi
if grep -q "not found" <<<"$ldd_out"; then
  echo "carry_gui_libs.sh: $bin needs libraries that are not installed here:" >&2
  grep "not found" <<<"$ldd_out" >&2
  exit 1
fi
if ! grep -q "libglfw" <<<"$ldd_out"; then
  echo "carry_gui_libs.sh: $bin does not use GLFW: it is a build without the window (FS_ENABLE_GUI=OFF," \
       "or GLFW and Dear ImGui were not found), so shot cannot run; build with the window" >&2
  exit 2
fi

# glibc's libraries, the C++ runtime and the kernel's vDSO stay behind.
system_library() {
  case "$1" in
    linux-vdso.so.* | ld-linux*.so.* | libc.so.* | libm.so.* | libmvec.so.* | libdl.so.* | libpthread.so.* | \
    librt.so.* | libresolv.so.* | libutil.so.* | libanl.so.* | libnsl.so.* | libBrokenLocale.so.* | \
    libthread_db.so.* | libstdc++.so.* | libgcc_s.so.*) return 0 ;;
  esac
  return 1
}

mkdir -p "$dest"
copied=()
while read -r name path; do
  system_library "$name" && continue
  case "$path" in /usr/local/cuda*) continue ;; esac
  cp -L "$path" "$dest/$name"
  copied+=("$name")
done < <(awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' <<<"$ldd_out")

for name in libEGL.so.1 libGLdispatch.so.0 libOpenGL.so.0; do
  path=$(/sbin/ldconfig -p | awk -v n="$name" '$1 == n && /x86-64/ {print $NF; exit}')
  if [ -z "$path" ]; then
    echo "carry_gui_libs.sh: $name is not installed here (Debian: apt-get install libegl1 libopengl0)" >&2
    exit 1
  fi
  cp -L "$path" "$dest/$name"
  copied+=("$name")
done

echo "copied into $dest: ${copied[*]}"
du -sh "$dest" | awk '{print "total: " $1}'
