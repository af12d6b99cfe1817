#!/usr/bin/env bash
# Builds the web page into build-web/ (flashscope.html, .js, .wasm, .data) with Debian's
# Emscripten, from the same sources as the desktop app; with --serve, serves it on
# http://127.0.0.1:8000/flashscope.html afterwards (app/web/serve.py: with the headers that give
# the page its threads).
#
#   bash app/web/build.sh [--serve]
#
# Needs the packages emscripten (and chromium for the browser test, tests/web/run.sh). Dear
# ImGui's sources at the version the desktop build uses (1.86) come from Debian's source
# package, fetched once into build-web/imgui-src through this machine's own apt sources.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build-web
mkdir -p "$out"
if [ ! -f "$out/imgui-src/imgui.cpp" ]; then
  apt_dir=$(mktemp -d)
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/etc"
  uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  printf 'Types: deb-src\nURIs: %s\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$uri" > "$apt_dir/etc/src.sources"
  o=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt_dir/etc" -o "Dir::State::Lists=$apt_dir/lists")
  apt-get "${o[@]}" update > "$apt_dir/update.log" 2>&1 || { cat "$apt_dir/update.log"; exit 1; }
  (cd "$apt_dir" && apt-get "${o[@]}" source --download-only imgui > fetch.log 2>&1) ||
    { cat "$apt_dir/fetch.log"; exit 1; }
  rm -rf "$out/imgui-src.tmp" && mkdir -p "$out/imgui-src.tmp"
  tar -C "$out/imgui-src.tmp" --strip-components=1 -xJf "$apt_dir"/imgui_1.86*.orig.tar.xz
  rm -rf "$out/imgui-src" && mv "$out/imgui-src.tmp" "$out/imgui-src"
  rm -rf "$apt_dir"
fi
# Debian's Emscripten: its JavaScript optimizer finds acorn here; its cache is the packaged one.
export NODE_PATH=/usr/share/nodejs
emcmake cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFS_IMGUI_SOURCE_DIR="$PWD/$out/imgui-src" > "$out/configure.log" ||
  { cat "$out/configure.log"; exit 1; }
cmake --build "$out" -j "$(nproc)"
ls -l "$out"/flashscope.{html,js,worker.js,wasm,data} "$out"/isolate_sw.js
if [ "${1:-}" = "--serve" ]; then
  echo "serving http://127.0.0.1:8000/flashscope.html (Ctrl-C stops)"
  exec python3 app/web/serve.py "$out" 8000
fi
