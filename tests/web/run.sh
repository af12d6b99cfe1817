#!/usr/bin/env bash
# The web page in a real browser: builds it (app/web/build.sh), serves it on 127.0.0.1 with the
# headers that give it threads (app/web/serve.py) and drives headless Chromium through the
# DevTools protocol (tests/web/page_test.py; WebGL2 through SwiftShader): lesson and problem
# links, each trace the native build's bit for bit and the URL the page writes opening the
# same; a high-density screen; touch (taps, swipes that step); a GPU trace chosen in the file
# picker and .npy inputs dropped on the canvas, against the native build, and bad files with
# the desktop's messages; O and L and a capture as downloads, O and L byte for byte the native
# files; a long problem with its progress while the page keeps drawing; and the page from a
# static host that sends no headers, made cross-origin isolated by its service worker.
#
#   bash tests/web/run.sh [NATIVE_BUILD_DIR]     (default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
native=${1:-build}
[ -x "$native/flashscope" ] || { echo "tests/web/run.sh: no native flashscope in $native (build it first)"; exit 2; }
bash app/web/build.sh > /dev/null
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
python3 app/web/serve.py build-web "$port" > "$work/http.log" 2>&1 &
server=$!
# The same folder as a static host serves it: no headers.
(cd build-web && exec python3 -m http.server "$((port + 1))" --bind 127.0.0.1 > "$work/static.log" 2>&1) &
static=$!
trap 'kill $server $static 2>/dev/null || true; rm -rf "$work"' EXIT
for p in "$port" "$((port + 1))"; do
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$p/flashscope.html" > /dev/null && break; sleep 0.1; done
done
FS_BROWSER_PROFILE="$work/profile" python3 tests/web/page_test.py "http://127.0.0.1:$port/flashscope.html" \
  "$native/flashscope" "$work" "http://127.0.0.1:$((port + 1))/flashscope.html"
