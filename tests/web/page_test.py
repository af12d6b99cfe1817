"""The web page in headless Chromium, driven as a person would (tests/web/cdp.py): links, a
high-density screen, touch, the file picker, files dropped on the canvas, downloads, and a long
problem. What the page shows is read from fs_page_state (the page's JSON of its step, status,
trace digest and run) and compared with the native build's output for the same problem or file.

    python3 tests/web/page_test.py BASE_URL NATIVE_FLASHSCOPE WORK_DIR [STATIC_URL]

STATIC_URL: the same page from a server that sends no headers (a static host), where the
page's service worker must make it cross-origin isolated.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import png_spread  # noqa: E402
from cdp import Browser, PageError  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WIDTH, HEIGHT = 1280, 800
ERROR_WORDS = ("Uncaught", "Aborted", "RuntimeError", "FlashScope stopped", "cannot be shown")


class Checks:
    def __init__(self):
        self.failures = 0

    def check(self, ok, what):
        print(("  ok:   " if ok else "FAIL: ") + what)
        if not ok:
            self.failures += 1
        return ok


def native(*args):
    out = subprocess.run([NATIVE, *args], capture_output=True, text=True, cwd=ROOT)
    return out.stdout + out.stderr


def native_digest(*args):
    for line in native(*args).splitlines():
        if line.startswith("trace digest "):
            return line.split()[2]
    return None


def state(b):
    try:
        return json.loads(b.evaluate("Module.ccall('fs_page_state', 'string', [], [])"))
    except (PageError, TypeError, ValueError):
        return None  # not started yet


def wait_for(b, done, timeout=60, what="the page"):
    deadline = time.time() + timeout
    s = None
    while time.time() < deadline:
        s = state(b)
        if s is not None and done(s):
            return s
        time.sleep(0.1)
    raise PageError(f"{what}: not reached in {timeout} s (last state: {s})")


def settled(s):
    return bool(s["digest"]) and not s["busy"]


def open_page(b, query, scale=1):
    b.call("Emulation.setDeviceMetricsOverride",
           {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": scale, "mobile": False})
    start = time.time()
    b.open(BASE + ("?" + query if query else ""))
    s = wait_for(b, settled, what=query)
    first = [t for _, t in b.console if "first frame" in t]
    print(f"  page: {time.time() - start:.1f} s to a settled trace; {first[0] if first else 'no first-frame line'}")
    return s


def no_errors(c, b, what):
    bad = [t for kind, t in b.console if kind == "error" or any(w in t for w in ERROR_WORDS)] + b.exceptions
    c.check(not bad, f"{what}: no error on the console" + (f" (got: {bad[:3]})" if bad else ""))


def not_blank(c, b, name):
    path = os.path.join(WORK, name + ".png")
    b.screenshot(path)
    c.check(png_spread.main(path) == 0, f"{name}: the canvas is not blank")


def links(c, b):
    cases = [  # query | the native trace's problem flags | what the page's problem must say
        ("lesson=causal&beat=2", ["--lesson", "scenarios/lessons/causal.json"], "N=256 d=32 Br=32 Bc=32 causal"),
        ("lesson=intro&beat=1", ["--lesson", "scenarios/lessons/intro.json"], ""),
        ("lesson=ties&beat=3", ["--lesson", "scenarios/lessons/ties.json"], ""),
        ("n=200&d=64&br=64&bc=32&causal=true&order=fa1&seed=11",
         "--lesson scenarios/lessons/intro.json --n 200 --d 64 --br 64 --bc 32 --causal --order fa1 --seed 11".split(),
         "N=200 d=64 Br=64 Bc=32 causal"),
        ("n=130&precision=paper-bf16&softmax=stabilized&pattern=drift",
         "--lesson scenarios/lessons/intro.json --n 130 --precision paper-bf16 --softmax stabilized --pattern drift".split(),
         "N=130 d=32"),
    ]
    for query, flags, expect in cases:
        print(f"== ?{query}")
        s = open_page(b, query)
        no_errors(c, b, query)
        c.check(expect in s["problem"], f"the page shows {s['problem']!r}" + (f", which says {expect!r}" if expect else ""))
        want = native_digest("trace", "--backend", "cpu", *flags, "--out", os.path.join(WORK, "t.fstrace"))
        c.check(s["digest"] == want, f"the page's trace {s['digest']} is the native build's {want}")
        not_blank(c, b, query.replace("&", "_").replace("=", "-"))
        # The page keeps its URL on what it shows: opened again, that URL shows the same trace.
        search = b.evaluate("window.location.search")
        if "beat=" in query:
            c.check(search == "?" + query, f"the URL stays {search!r}")
        else:
            b.open(BASE + search)
            again = wait_for(b, settled, what=search)
            c.check(again["digest"] == s["digest"], f"the URL the page wrote ({search}) opens the same trace")


def refusals(c, b):
    print("== links that ask for what cannot be shown: the status line says so, and keeps saying so")
    for query, says, problem in (("lesson=intro&beat=1&br=48", 'field "br" is 48; allowed: 16, 32, 64, 128', "N=128 d=32"),
                                 ("lesson=nope&n=200", "Lesson not opened: /lessons/nope.json", "N=200")):
        b.open(BASE + "?" + query)
        s = wait_for(b, lambda s: settled(s) and problem in s["problem"], 30, query)
        time.sleep(0.5)  # frames after the run was shown
        s = state(b)
        c.check(s["status_error"] and says in s["status"], f"?{query}: {s['status']!r}")


def high_density(c, b):
    print("== device pixel ratio 2")
    open_page(b, "lesson=causal&beat=1", scale=2)
    deadline = time.time() + 10  # the console's events may come after the page's state
    while not any("canvas" in t for _, t in b.console) and time.time() < deadline:
        time.sleep(0.1)
    lines = [t for _, t in b.console if "canvas" in t]
    c.check(bool(lines) and lines[-1] == "flashscope page: canvas 2560x1600 at device pixel ratio 2, UI scale 2",
            f"the canvas takes the screen's pixels ({lines[-1] if lines else 'nothing'})")
    not_blank(c, b, "dpr2")


def touch(c, b):
    print("== touch: a tap on the menu and on a button, swipes to step")
    s0 = open_page(b, "lesson=causal&beat=1")
    b.touch([(1000, 600), (850, 602), (700, 604)])  # to the left: the next step
    s1 = wait_for(b, lambda s: s["step"] != s0["step"], 10, "a swipe to the left")
    c.check(s1["step"] == s0["step"] + 1, f"a swipe to the left steps from {s0['step']} to {s1['step']}")
    b.touch([(700, 600), (1000, 600)])  # back
    s2 = wait_for(b, lambda s: s["step"] != s1["step"], 10, "a swipe to the right")
    c.check(s2["step"] == s0["step"], f"a swipe to the right steps back to {s2['step']}")
    b.touch([(126, 347)])  # the lesson's "Next >" button
    s3 = wait_for(b, lambda s: s["beat"] == 2, 10, "a tap on Next")
    c.check(s3["beat"] == 2, "a tap on the lesson's Next button goes to beat 2")
    no_errors(c, b, "touch")


def tap_menu(b, item_y):
    """File, then the item at item_y (CSS pixels)."""
    b.touch([(20, 10)])
    time.sleep(0.3)
    b.touch([(60, item_y)])


def picker(c, b):
    print("== File > Open files...: a GPU trace chosen in the browser's picker")
    open_page(b, "lesson=causal&beat=1")
    b.call("Page.setInterceptFileChooserDialog", {"enabled": True})
    mark = b.mark()
    tap_menu(b, 37)
    chooser = b.wait_event("Page.fileChooserOpened", since=mark, timeout=10)
    c.check(chooser.get("mode") == "selectMultiple", "the picker opens for several files")
    trace = os.path.join(ROOT, "tests/data/gpu_random_n256_d64.fstrace")
    b.call("DOM.setFileInputFiles", {"files": [trace], "backendNodeId": chooser["backendNodeId"]})
    s = wait_for(b, lambda s: s["trace_file"].endswith("gpu_random_n256_d64.fstrace"), 20, "the picked trace")
    want = native_digest("shot", "--open", trace, "--out", os.path.join(WORK, "shot.png"))
    c.check(s["digest"] == want, f"the picked trace {s['digest']} is what the desktop app opens ({want})")
    c.check("recorded with CUDA" in s["status"] or "Opened" in s["status"], f"status: {s['status']}")
    # A bench report saved on a GPU: the throughput panel shows it, with where and when.
    report = os.path.join(ROOT, "tests/data/h100_ladder_sample.json")
    mark = b.mark()
    tap_menu(b, 37)
    chooser = b.wait_event("Page.fileChooserOpened", since=mark, timeout=10)
    b.call("DOM.setFileInputFiles", {"files": [report], "backendNodeId": chooser["backendNodeId"]})
    s = wait_for(b, lambda s: s["bench_report"] != "", 20, "the picked bench report")
    saved = json.load(open(report))
    want = (f"/uploads/h100_ladder_sample.json: recorded on {saved['device']} at {saved['recorded_at']} "
            f"({saved['host']})")
    c.check(s["bench_report"] == want, f"the throughput panel shows the saved report: {s['bench_report']!r}")
    not_blank(c, b, "bench_report")
    b.call("Page.setInterceptFileChooserDialog", {"enabled": False})
    no_errors(c, b, "the picker")


def drops(c, b):
    print("== files dropped on the canvas: .npy inputs, a damaged trace, a file of no kind")
    open_page(b, "lesson=intro&beat=1")
    npy = [os.path.join(ROOT, f"tests/data/npy_{r}_n40_d16.npy") for r in "qkv"]
    b.drop(640, 400, npy)
    s = wait_for(b, lambda s: "npy" in s["problem"] and settled(s), 20, "the dropped inputs")
    want = native_digest("trace", "--backend", "cpu", "--lesson", "scenarios/lessons/intro.json", "--q", npy[0], "--k",
                         npy[1], "--v", npy[2], "--n", "40", "--d", "16", "--out", os.path.join(WORK, "n.fstrace"))
    c.check(s["digest"] == want, f"the dropped inputs run to {s['digest']}, the native run of the files {want}")
    c.check(s["status"].startswith("Inputs from npy_q_n40_d16.npy"), f"status: {s['status']}")
    bad = os.path.join(WORK, "damaged.fstrace")
    with open(bad, "wb") as f:
        f.write(b"FSTRACE\0\2\0\0\0garbage")
    b.drop(640, 400, [bad])
    s = wait_for(b, lambda s: s["status_error"], 10, "the damaged trace's message")
    desktop = [line for line in native("shot", "--open", bad, "--out", os.path.join(WORK, "bad.png")).splitlines()
               if "Trace file not opened" in line]
    expected = desktop[0].split("flashscope shot: ", 1)[1].replace(WORK + "/", "/.glfw_dropped_files/") if desktop else "?"
    c.check(s["status"] == expected, f"the damaged trace: {s['status']!r}, the desktop's message")
    c.check(s["digest"] == want, "what was shown stays")
    no_errors(c, b, "drops")
    other = os.path.join(WORK, "notes.txt")
    with open(other, "w") as f:
        f.write("not a trace\n")
    b.drop(640, 400, [other])
    s = wait_for(b, lambda s: "notes.txt" in s["status"], 10, "the text file's message")
    c.check(s["status_error"] and "FlashScope opens trace files" in s["status"], f"status: {s['status']}")
    # A file larger than a page takes (sparse: nothing is written) is refused before it is read.
    huge = os.path.join(WORK, "huge.fstrace")
    with open(huge, "wb") as f:
        f.truncate(1200 << 20)
    b.drop(640, 400, [huge])
    s = wait_for(b, lambda s: "huge.fstrace" in s["status"], 10, "the huge file's message")
    c.check(s["status"] == "Not opened: huge.fstrace (1.2 GiB): a web page takes files up to 1 GiB; the desktop app "
            "opens larger ones (README)", f"status: {s['status']}")
    c.check(s["digest"] == want, "what was shown stays")
    no_errors(c, b, "drops")


def downloads(c, b):
    print("== downloads: Save O and L, and F12")
    folder = os.path.join(WORK, "downloads")
    os.makedirs(folder, exist_ok=True)
    b.call("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": folder, "eventsEnabled": True},
           session=None)
    open_page(b, "lesson=causal&beat=1")

    def downloaded(count, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            names = sorted(n for n in os.listdir(folder) if not n.endswith(".crdownload"))
            if len(names) >= count:
                return names
            time.sleep(0.1)
        return sorted(os.listdir(folder))

    tap_menu(b, 77)
    names = downloaded(2)
    c.check(len(names) == 2 and all(n.endswith(".npy") for n in names), f"two .npy downloads: {names}")
    o_path, l_path = os.path.join(WORK, "O.npy"), os.path.join(WORK, "L.npy")
    native("trace", "--backend", "cpu", "--lesson", "scenarios/lessons/causal.json", "--out",
           os.path.join(WORK, "c.fstrace"), "--save-o", o_path, "--save-l", l_path)
    for suffix, ref in (("_O.npy", o_path), ("_L.npy", l_path)):
        got = [n for n in names if n.endswith(suffix)]
        same = bool(got) and open(os.path.join(folder, got[0]), "rb").read() == open(ref, "rb").read()
        c.check(same, f"{got[0] if got else suffix} is the native --save-{suffix[1]} file byte for byte")
    b.key("F12", "F12", 123)
    names = downloaded(3)
    pngs = [n for n in names if n.endswith(".png")]
    c.check(len(pngs) == 1, f"F12 downloads a PNG: {pngs}")
    if pngs:
        w, h, _, _ = png_spread.pixels(os.path.join(folder, pngs[0]))
        c.check((w, h) == (WIDTH, HEIGHT), f"the capture is the canvas, {w}x{h}")
        c.check(png_spread.main(os.path.join(folder, pngs[0])) == 0, "the capture is not blank")
    no_errors(c, b, "downloads")


def long_problem(c, b):
    print("== a long problem: progress, and the page keeps drawing")
    query = "lesson=intro&beat=1&n=4096&d=128&br=128&bc=128"
    b.call("Emulation.setDeviceMetricsOverride", {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
    start = time.time()
    b.open(BASE + "?" + query)
    s = wait_for(b, lambda s: s["busy"], 30, "the run's start")
    seen, frames0, t0 = [], s["frames"], time.time()
    while s["busy"] and time.time() - start < 300:
        if s["running"]:  # under way (a run finished but not yet shown is busy with no fraction)
            seen.append(s["fraction"])
        time.sleep(0.25)
        s = state(b)
    busy_s = time.time() - t0
    c.check(not s["busy"] and "N=4096 d=128" in s["problem"], f"the run finished: {s['problem']}")
    fps = (s["frames"] - frames0) / max(busy_s, 1e-9)
    c.check(fps >= 2, f"the page drew {fps:.0f} frames a second while the run took {busy_s:.1f} s")
    c.check(len(seen) >= 2 and max(seen) > 0 and seen == sorted(seen), "its progress rose: " +
            ", ".join(f"{x:.2f}" for x in seen[:: max(1, len(seen) // 8)]))
    t = time.time()
    native("trace", "--backend", "cpu", *f"--lesson scenarios/lessons/intro.json --n 4096 --d 128 "
           f"--br 128 --bc 128".split(), "--out", os.path.join(WORK, "long.fstrace"))
    print(f"  measured: the page ran it in {busy_s:.1f} s on {b.evaluate('navigator.hardwareConcurrency')} cores; "
          f"native (flashscope trace, {os.cpu_count()} cores): {time.time() - t:.1f} s")
    no_errors(c, b, query)


def static_host(c, b):
    print("== a static host that sends no headers: the page's service worker isolates it")
    if not STATIC:
        c.check(False, "no static server given")
        return
    b.call("Emulation.setDeviceMetricsOverride", {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
    b.open(STATIC + "?lesson=causal&beat=2")
    s = wait_for(b, settled, 60, "the page on a static host")
    c.check(b.evaluate("window.crossOriginIsolated") is True, "the page is cross-origin isolated")
    c.check(b.evaluate("!!(navigator.serviceWorker && navigator.serviceWorker.controller)"),
            "under its service worker (isolate_sw.js)")
    want = native_digest("trace", "--backend", "cpu", "--lesson", "scenarios/lessons/causal.json", "--out",
                         os.path.join(WORK, "s.fstrace"))
    c.check(s["digest"] == want, f"and shows the same trace ({s['digest']})")
    no_errors(c, b, "the static host")


def main():
    global BASE, NATIVE, WORK, STATIC
    BASE, NATIVE, WORK = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    STATIC = sys.argv[4] if len(sys.argv) > 4 else None
    c = Checks()
    b = Browser(WIDTH, HEIGHT)
    try:
        parts = (links, refusals, high_density, touch, picker, drops, downloads, long_problem, static_host)
        only = os.environ.get("FS_WEB_PARTS")  # e.g. "links,touch": those parts alone
        for part in [p for p in parts if not only or p.__name__ in only.split(",")]:
            try:
                part(c, b)
            except PageError as e:
                c.check(False, f"{part.__name__}: {e}")
    finally:
        b.close()
    print("web page: every check passed" if c.failures == 0 else f"web page: {c.failures} failed")
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
