#!/usr/bin/env python3
"""proxy_rawclient.py - send raw bytes to a proxy and print its answer.

usage: proxy_rawclient.py HOST PORT REQUEST [MORE]
REQUEST is a Python bytes literal body ("GET http://x/ HTTP/1.1\\r\\n...")
so bare LFs, odd spacing and control bytes are sent exactly as written.
MORE, in the same form, is sent 0.3 s later as a separate segment (the
outcome must not depend on whether the two arrive together), or, with
RAW_WAIT_FILE set, once that file exists.
Prints the whole response; exits 0 when the proxy closed the connection,
3 when it was still open after 5 s.
"""
import ast
import os
import socket
import sys
import time


def lit(text):
    return ast.literal_eval("b'''" + text.replace("'", "\\'") + "'''")


host, port = sys.argv[1], int(sys.argv[2])
s = socket.create_connection((host, port), timeout=5)
s.sendall(lit(sys.argv[3]))
if len(sys.argv) > 4:
    wait_file = os.environ.get("RAW_WAIT_FILE")
    if wait_file:
        # Hold MORE back until the scenario says go (bounded: 10 s).
        for _ in range(200):
            if os.path.exists(wait_file):
                break
            time.sleep(0.05)
    else:
        time.sleep(0.3)
    try:
        s.sendall(lit(sys.argv[4]))
    except OSError:
        pass
out = b""
closed = False
deadline = time.time() + 5
try:
    while time.time() < deadline:
        chunk = s.recv(65536)
        if not chunk:
            closed = True
            break
        out += chunk
except ConnectionError:
    closed = True
except socket.timeout:
    pass
sys.stdout.write(out.decode("latin-1"))
sys.exit(0 if closed else 3)
