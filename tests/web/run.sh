#!/usr/bin/env bash
# The web page in a real browser: builds it (app/web/build.sh), serves it on 127.0.0.1 and
# opens URLs in headless Chromium (WebGL2 through SwiftShader): three lessons at a beat, and
# two problems given in the URL (FA1's order, causal; the paper's BF16 policy with the
# stabilized softmax). For each URL it checks that the page loads without an uncaught error,
# that it shows what the URL names, that its canvas is not blank (the screenshot's colours and
# their spread), and that its trace is the native build's bit for bit (the page prints the
# digest of the trace it shows; `flashscope trace` prints the same digest for the same problem).
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

# open URL SCREENSHOT LOG [FLAGS]: the page in headless Chromium, its console in LOG.
open_page() {
  local start end
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  timeout 120 chromium --headless=new --no-sandbox --use-gl=angle --use-angle=swiftshader --enable-unsafe-swiftshader \
    --window-size=1280,800 --enable-logging=stderr --v=0 --virtual-time-budget=20000 ${4:-} \
    --screenshot="$2" "$1" > "$3" 2>&1 || true
  end=$(date +%s.%N)
  echo "  browser: $(python3 -c "print(f'{$end - $start:.1f}')") s to load, draw and screenshot"
}

# query | the native trace command's problem flags | what the page's line must say
cases=(
  "lesson=causal&beat=2|--lesson scenarios/lessons/causal.json|lesson /lessons/causal.json, beat 2:"
  "lesson=intro&beat=1|--lesson scenarios/lessons/intro.json|lesson /lessons/intro.json, beat 1:"
  "lesson=ties&beat=3|--lesson scenarios/lessons/ties.json|lesson /lessons/ties.json, beat 3:"
  "n=200&d=64&br=64&bc=32&causal=true&order=fa1&seed=11|--lesson scenarios/lessons/intro.json --n 200 --d 64 --br 64 --bc 32 --causal --order fa1 --seed 11|N=200 d=64 Br=64 Bc=32 causal"
  "n=130&precision=paper-bf16&softmax=stabilized&pattern=drift|--lesson scenarios/lessons/intro.json --n 130 --precision paper-bf16 --softmax stabilized --pattern drift|N=130 d=32"
)
for case in "${cases[@]}"; do
  IFS='|' read -r query flags expect <<< "$case"
  name=$(echo "$query" | tr -c 'a-z0-9\n' '_')
  url="http://127.0.0.1:$port/flashscope.html?$query"
  echo "== $url"
  open_page "$url" "$work/$name.png" "$work/$name.log"
  if grep -E "Uncaught|Aborted|FlashScope stopped|RuntimeError|cannot be shown" "$work/$name.log" | grep -i console; then
    fail "$query: the page reported an error"
  fi
  line=$(grep -o "flashscope page: .*trace digest [0-9a-f]*" "$work/$name.log" | tail -1 || true)
  echo "  page:   ${line:-nothing}"
  [ -n "$line" ] || { fail "$query: the page printed no trace"; continue; }
  case "$line" in
    *"$expect"*) ;;
    *) fail "$query: the page's line does not say \"$expect\"" ;;
  esac
  page_digest=${line##* }
  # shellcheck disable=SC2086
  native_line=$("$native/flashscope" trace --backend cpu $flags --out "$work/$name.fstrace" | grep "trace digest")
  native_digest=$(echo "$native_line" | awk '{print $3}')
  echo "  native: $native_line"
  [ "$page_digest" = "$native_digest" ] || fail "$query: the page's trace $page_digest is not the native $native_digest"
  # Not blank: many colours, and a spread of brightness.
  python3 tests/web/png_spread.py "$work/$name.png" || fail "$query: the canvas looks blank"
done
# A high-density screen: twice the pixels, the UI scale following, and still drawn.
url="http://127.0.0.1:$port/flashscope.html?lesson=causal&beat=1"
echo "== $url at device pixel ratio 2"
open_page "$url" "$work/dpr2.png" "$work/dpr2.log" --force-device-scale-factor=2
canvas=$(grep -o "flashscope page: canvas [^\"]*" "$work/dpr2.log" | tail -1 || true)
echo "  page:   ${canvas:-nothing}"
[ "$canvas" = "flashscope page: canvas 2560x1600 at device pixel ratio 2, UI scale 2" ] ||
  fail "at device pixel ratio 2 the canvas is not 2560x1600 pixels with UI scale 2"
python3 tests/web/png_spread.py "$work/dpr2.png" || fail "at device pixel ratio 2 the canvas looks blank"

[ "$failures" -eq 0 ] && echo "web page: every check passed" || { echo "web page: $failures failed"; exit 1; }
