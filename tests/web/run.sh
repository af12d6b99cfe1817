#!/usr/bin/env bash
# The web page in a real browser: builds it (app/web/build.sh), serves it on 127.0.0.1 and
# opens lesson URLs in headless Chromium (WebGL2 through SwiftShader). For each URL it checks
# that the page loads without an uncaught error, that it opened the lesson and beat the URL
# names, that its canvas is not blank (the screenshot's colours and their spread), and that its
# trace is the native build's bit for bit (the page prints the digest of the trace it shows;
# `flashscope trace` prints the same digest for the same problem).
#
#   bash tests/web/run.sh [NATIVE_BUILD_DIR]     (default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
native=${1:-build}
[ -x "$native/flashscope" ] || { echo "tests/web/run.sh: no native flashscope in $native (build it first)"; exit 2; }
bash app/web/build.sh > /dev/null
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
(cd build-web && exec python3 -m http.server "$port" --bind 127.0.0.1 > "$work/http.log" 2>&1) &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/flashscope.html" > /dev/null && break; sleep 0.1; done

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# open URL SCREENSHOT LOG: the page in headless Chromium, its console in LOG.
open_page() {
  local start end
  start=$(date +%s.%N)
  timeout 120 chromium --headless=new --no-sandbox --use-gl=angle --use-angle=swiftshader --enable-unsafe-swiftshader \
    --window-size=1280,800 --enable-logging=stderr --v=0 --virtual-time-budget=20000 \
    --screenshot="$2" "$1" > "$3" 2>&1 || true
  end=$(date +%s.%N)
  echo "  browser: $(python3 -c "print(f'{$end - $start:.1f}')") s to load, draw and screenshot"
}

for case in "causal 2" "intro 1" "ties 3"; do
  set -- $case
  lesson=$1 beat=$2
  url="http://127.0.0.1:$port/flashscope.html?lesson=$lesson&beat=$beat"
  echo "== $url"
  open_page "$url" "$work/$lesson.png" "$work/$lesson.log"
  if grep -E "Uncaught|Aborted|FlashScope stopped|RuntimeError" "$work/$lesson.log" | grep -i console; then
    fail "$lesson: the page reported an error"
  fi
  line=$(grep -o "flashscope page: .*trace digest [0-9a-f]*" "$work/$lesson.log" | head -1 || true)
  echo "  page:   ${line:-nothing}"
  [ -n "$line" ] || { fail "$lesson: the page printed no trace"; continue; }
  case "$line" in
    *"lesson /lessons/$lesson.json, beat $beat:"*) ;;
    *) fail "$lesson: the page did not open lesson $lesson at beat $beat" ;;
  esac
  page_digest=${line##* }
  native_line=$("$native/flashscope" trace --backend cpu --lesson "scenarios/lessons/$lesson.json" \
    --out "$work/$lesson.fstrace" | grep "trace digest")
  native_digest=$(echo "$native_line" | awk '{print $3}')
  echo "  native: $native_line"
  [ "$page_digest" = "$native_digest" ] || fail "$lesson: the page's trace $page_digest is not the native $native_digest"
  # Not blank: many colours, and a spread of brightness.
  python3 tests/web/png_spread.py "$work/$lesson.png" || fail "$lesson: the canvas looks blank"
done
[ "$failures" -eq 0 ] && echo "web page: every check passed" || { echo "web page: $failures failed"; exit 1; }
