#!/usr/bin/env python3
"""proxy_garbage.py - throw malformed and mutated requests at a proxy.

usage: proxy_garbage.py HOST PORT ORIGIN COUNT SEED
Each round opens a connection, sends random bytes, or a valid request
(GET, POST with either body framing, CONNECT) with a few bytes flipped,
inserted or cut, half-closes and reads the answer for at most 2 s.
Prints how many rounds got an answer; exits 0 (the proxy surviving is what
the scenario checks).
"""
import random
import socket
import sys

host, port, origin = sys.argv[1], int(sys.argv[2]), sys.argv[3]
count, seed = int(sys.argv[4]), int(sys.argv[5])
rnd = random.Random(seed)
U = "http://%s" % origin
BASES = [
    b"GET %s/echo HTTP/1.1\r\nHost: %s\r\n\r\n" % (U.encode(), origin.encode()),
    b"POST %s/echo HTTP/1.1\r\nHost: %s\r\nContent-Length: 5\r\n\r\nhello"
    % (U.encode(), origin.encode()),
    b"POST %s/echo HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5;a=b\r\nhello\r\n0\r\nX: y\r\n\r\n" % (U.encode(), origin.encode()),
    b"CONNECT %s:443 HTTP/1.1\r\nHost: %s:443\r\n\r\n"
    % (origin.split(":")[0].encode(), origin.split(":")[0].encode()),
    b"GET %s/chunked/3000 HTTP/1.0\r\n\r\n" % U.encode(),
]
SPECIAL = b"\r\n :;,\t\x00\x7f\xff0-+\"%#?/@[]"

answered = 0
for i in range(count):
    kind = rnd.random()
    if kind < 0.2:
        data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 300)))
    else:
        data = bytearray(rnd.choice(BASES))
        for _ in range(rnd.randrange(1, 4)):
            op = rnd.random()
            pos = rnd.randrange(len(data))
            if op < 0.4:
                data[pos] = rnd.choice(SPECIAL)
            elif op < 0.7:
                data[pos:pos] = bytes([rnd.choice(SPECIAL)])
            elif op < 0.85:
                del data[pos]
            else:
                data = data[:pos]
                if not data:
                    data = bytearray(b"\r\n")
        data = bytes(data)
    try:
        s = socket.create_connection((host, port), timeout=2)
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        if out:
            answered += 1
        s.close()
    except (socket.timeout, ConnectionError, OSError):
        pass
print("%d rounds, %d answered" % (count, answered))
