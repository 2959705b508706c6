#!/usr/bin/env python3
"""proxy_rawclient.py - send raw bytes to a proxy and print its answer.

usage: proxy_rawclient.py HOST PORT REQUEST
REQUEST is a Python bytes literal body ("GET http://x/ HTTP/1.1\\r\\n...")
so bare LFs, odd spacing and control bytes are sent exactly as written.
Prints the whole response (until the proxy closes or 5 s pass); exits 0.
"""
import ast
import socket
import sys
import time

host, port, req = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = ast.literal_eval("b'''" + req.replace("'", "\\'") + "'''")
s = socket.create_connection((host, port), timeout=5)
s.sendall(data)
out = b""
deadline = time.time() + 5
try:
    while time.time() < deadline:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
except (socket.timeout, ConnectionError):
    pass
sys.stdout.write(out.decode("latin-1"))
