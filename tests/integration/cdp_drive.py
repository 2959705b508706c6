#!/usr/bin/env python3
# cdp_drive.py - drive a headless Chromium through its DevTools protocol
# over --remote-debugging-pipe (fd 3: commands in, fd 4: events out, each
# message JSON ended by a NUL byte), for the browser scenarios.
#
# usage: cdp_drive.py CHROMIUM DATADIR PAC_URL STEP...
#   STEP is a URL to load in the same tab (one line of JSON per load on
#   stdout: url, ms, ok, text), or wait:FILE to wait until FILE exists
#   (at most 60 s), or sleep:SECONDS.
# Every wait is bounded: a load gives up after 30 s, the whole run after
# 150 s; Chromium is killed at the end whatever happened.

import json
import os
import select
import subprocess
import sys
import time

LOAD_TIMEOUT = 30.0
RUN_TIMEOUT = 150.0


class Browser:
    def __init__(self, chromium, datadir, pac):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        args = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--disable-extensions",
                "--disable-default-apps", "--no-default-browser-check",
                "--no-pings", "--disable-domain-reliability",
                "--disable-client-side-phishing-detection",
                "--disable-features=Translate,OptimizationHints,"
                "MediaRouter,AutofillServerCommunication,"
                "CertificateTransparencyComponentUpdater",
                "--password-store=basic", "--use-mock-keychain",
                "--user-data-dir=" + datadir,
                "--proxy-pac-url=" + pac, "--remote-debugging-pipe",
                "about:blank"]
        self.proc = subprocess.Popen(args, preexec_fn=fds, pass_fds=(3, 4),
                                     stdin=subprocess.DEVNULL,
                                     stdout=sys.stderr, stderr=sys.stderr)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no message from Chromium")
            r, _, _ = select.select([self.from_chrome], [], [], left)
            if not r:
                continue
            data = os.read(self.from_chrome, 65536)
            if not data:
                raise EOFError("Chromium closed its pipe")
            self.buf += data
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, timeout=10.0):
        i = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            m = self.read(deadline)
            if m.get("id") == i:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, name, session, deadline):
        while True:
            for k, m in enumerate(self.events):
                if m.get("method") == name and m.get("sessionId") == session:
                    del self.events[:k + 1]
                    return m
            self.events.clear()
            m = self.read(deadline)
            if m.get("method") == name and m.get("sessionId") == session:
                return m

    def close(self):
        try:
            self.proc.kill()
            self.proc.wait(timeout=10)
        except Exception:
            pass


def main():
    chromium, datadir, pac = sys.argv[1:4]
    start = time.monotonic()
    b = Browser(chromium, datadir, pac)
    try:
        t = b.call("Target.createTarget", {"url": "about:blank"},
                   timeout=30)
        s = b.call("Target.attachToTarget",
                   {"targetId": t["targetId"], "flatten": True})["sessionId"]
        b.call("Page.enable", session=s)
        for step in sys.argv[4:]:
            if time.monotonic() - start > RUN_TIMEOUT:
                raise TimeoutError("run took too long")
            if step.startswith("wait:"):
                for _ in range(1200):
                    if os.path.exists(step[5:]):
                        break
                    time.sleep(0.05)
                continue
            if step.startswith("sleep:"):
                time.sleep(float(step[6:]))
                continue
            t0 = time.monotonic()
            ok = True
            err = ""
            try:
                r = b.call("Page.navigate", {"url": step}, session=s,
                           timeout=LOAD_TIMEOUT)
                err = r.get("errorText", "")
                b.wait_event("Page.loadEventFired", s,
                             t0 + LOAD_TIMEOUT)
            except TimeoutError as e:
                ok, err = False, str(e)
            ms = int((time.monotonic() - t0) * 1000)
            text = ""
            if ok:
                r = b.call("Runtime.evaluate",
                           {"expression": "document.body ? "
                            "document.body.innerText : ''",
                            "returnByValue": True}, session=s)
                text = r.get("result", {}).get("value", "")
            print(json.dumps({"url": step, "ms": ms, "ok": ok and not err,
                              "error": err, "text": text.strip()}),
                  flush=True)
    finally:
        b.close()


if __name__ == "__main__":
    main()
