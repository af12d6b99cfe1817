"""Headless Chromium driven through the DevTools protocol over a pipe (--remote-debugging-pipe:
JSON messages ending in a NUL byte, on the browser's file descriptors 3 and 4), with nothing
but the standard library: open a page, read its console, evaluate in it, take screenshots, and
send it what a person does (keys, touches, a file chosen in the picker, files dropped)."""
import base64
import json
import os
import subprocess
import threading
import time


class PageError(Exception):
    pass


class Browser:
    def __init__(self, width=1280, height=800, scale=1, extra=()):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def pipes():  # in the child: the protocol's descriptors are 3 (reads) and 4 (writes)
            r, w = os.dup(to_browser_r), os.dup(from_browser_w)  # out of the way of 3 and 4 first
            os.dup2(r, 3)
            os.dup2(w, 4)

        args = ["chromium", "--headless=new", "--no-sandbox", "--remote-debugging-pipe", "--use-gl=angle",
                "--use-angle=swiftshader", "--enable-unsafe-swiftshader", f"--window-size={width},{height}",
                f"--force-device-scale-factor={scale}", "--no-first-run", "--no-default-browser-check",
                "--touch-events=enabled",  # a touch screen: Input.dispatchTouchEvent reaches the page
                "--user-data-dir=" + os.environ.get("FS_BROWSER_PROFILE", "/tmp/flashscope-chromium-profile"),
                *extra, "about:blank"]
        self.log = open(os.environ.get("FS_BROWSER_LOG", os.devnull), "w")
        self.proc = subprocess.Popen(args, preexec_fn=pipes, close_fds=False, stdout=self.log, stderr=self.log)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._replies = {}
        self._events = []
        self._cv = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.console = []     # (type, text) of the page's console calls
        self.exceptions = []  # uncaught exceptions' texts
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=None)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=None)["sessionId"]
        for domain in ("Page", "Runtime"):
            self.call(domain + ".enable")

    def _read(self):
        buf = b""
        while True:
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                break
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                with self._cv:
                    if "id" in msg:
                        self._replies[msg["id"]] = msg
                    else:
                        self._on_event(msg)
                        self._events.append(msg)
                    self._cv.notify_all()

    def _on_event(self, msg):
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            self.console.append((params.get("type"), text))
        elif method == "Runtime.exceptionThrown":
            d = params.get("exceptionDetails", {})
            self.exceptions.append(d.get("exception", {}).get("description") or d.get("text", ""))

    def call(self, method, params=None, session="page", timeout=60):
        with self._cv:
            self._next_id += 1
            mid = self._next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session == "page":
            msg["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        with self._cv:
            while mid not in self._replies:
                left = deadline - time.time()
                if left <= 0:
                    raise PageError(f"{method}: no reply in {timeout} s")
                self._cv.wait(left)
            reply = self._replies.pop(mid)
        if "error" in reply:
            raise PageError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    def wait_event(self, method, since=0, timeout=30):
        """The first event `method` at or after index `since` of the event list."""
        deadline = time.time() + timeout
        with self._cv:
            while True:
                for e in self._events[since:]:
                    if e.get("method") == method:
                        return e.get("params", {})
                left = deadline - time.time()
                if left <= 0:
                    raise PageError(f"no {method} in {timeout} s")
                self._cv.wait(left)

    def mark(self):
        with self._cv:
            return len(self._events)

    def open(self, url):
        """Loads url and returns once it has loaded (its scripts may still be starting)."""
        self.console.clear()
        self.exceptions.clear()
        mark = self.mark()
        self.call("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired", since=mark, timeout=60)

    def evaluate(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise PageError(r["exceptionDetails"].get("exception", {}).get("description", "an exception"))
        return r.get("result", {}).get("value")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def key(self, key, code, key_code):
        for kind in ("rawKeyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": code,
                                                 "windowsVirtualKeyCode": key_code})

    def touch(self, points):
        """A finger's path in CSS pixels: down at the first point, through the others, up."""
        self.call("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]})
        for x, y in points[1:]:
            self.call("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
        self.call("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    def drop(self, x, y, files):
        data = {"items": [], "files": files, "dragOperationsMask": 1}
        for kind in ("dragEnter", "dragOver", "drop"):
            self.call("Input.dispatchDragEvent", {"type": kind, "x": x, "y": y, "data": data})

    def close(self):
        try:
            self.call("Browser.close", session=None, timeout=5)
        except (PageError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
