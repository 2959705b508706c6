#!/usr/bin/python3
"""mon_gw_targets.py - the targets of mon_gw_limits.sh, on 127.0.0.1.

mon_gw_targets.py BASE LOG MAX_S
  BASE      zeros: send 64 KiB blocks of zeros as fast as the peer takes
            them; every 250 ms write "sent N" (bytes so far) to LOG
  BASE + 1  silent: accept, send nothing, wait for the peer to close
  BASE + 2  ticker: one byte every 300 ms until the peer closes
  BASE + 3  sink: read until the peer closes, then write
            "sink SHA256 BYTES" to LOG
Every connection ends after MAX_S seconds, and the program after
2 * MAX_S: no loop runs unbounded.
"""
import hashlib
import os
import socket
import sys
import threading
import time


def zeros(c, log, deadline):
    block = bytes(65536)
    sent = 0
    last = 0.0
    c.settimeout(0.25)
    while time.monotonic() < deadline:
        try:
            sent += c.send(block)
        except socket.timeout:
            pass
        except OSError:
            break
        now = time.monotonic()
        if now - last >= 0.25:
            last = now
            with open(log, "a") as f:
                f.write("sent %d\n" % sent)
    with open(log, "a") as f:
        f.write("sent %d\nend\n" % sent)


def silent(c, deadline):
    c.settimeout(0.25)
    while time.monotonic() < deadline:
        try:
            if not c.recv(4096):
                break
        except socket.timeout:
            pass
        except OSError:
            break


def ticker(c, deadline):
    while time.monotonic() < deadline:
        try:
            c.send(b".")
        except OSError:
            break
        time.sleep(0.3)


def sink(c, log, deadline):
    h = hashlib.sha256()
    n = 0
    c.settimeout(0.25)
    while time.monotonic() < deadline:
        try:
            b = c.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            break
        if not b:
            break
        h.update(b)
        n += len(b)
    with open(log, "a") as f:
        f.write("sink %s %d\n" % (h.hexdigest(), n))


def serve(s, kind, log, max_s):
    while True:
        c, _ = s.accept()
        deadline = time.monotonic() + max_s
        if kind == 0:
            t = threading.Thread(target=zeros, args=(c, log, deadline))
        elif kind == 1:
            t = threading.Thread(target=silent, args=(c, deadline))
        elif kind == 3:
            t = threading.Thread(target=sink, args=(c, log, deadline))
        else:
            t = threading.Thread(target=ticker, args=(c, deadline))
        t.daemon = True
        t.start()


def main():
    base, log, max_s = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    for kind in range(4):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", base + kind))
        s.listen(8)
        t = threading.Thread(target=serve, args=(s, kind, log, max_s))
        t.daemon = True
        t.start()
    time.sleep(2 * max_s)
    os._exit(0)


if __name__ == "__main__":
    main()
