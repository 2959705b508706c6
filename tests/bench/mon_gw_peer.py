#!/usr/bin/python3
"""mon_gw_peer.py - the two ends of mon_gw_bench.sh.

serve PORT            on 0.0.0.0:PORT, per connection: 'S' then a size
                      (decimal, newline): send that many bytes and close;
                      'E': echo every byte until the peer closes
bulk SIZE -- CMD...   as a client through CMD's stdin/stdout (twinctl
                      center connect), or direct HOST:PORT instead of
                      "-- CMD": read SIZE bytes, print MB/s
ping N -- CMD...      N one-byte round trips, print the mean in us
"""
import os
import socket
import subprocess
import sys
import threading
import time


def serve(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
    while True:
        c, _ = s.accept()
        threading.Thread(target=one, args=(c,), daemon=True).start()


def one(c):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    kind = c.recv(1)
    if kind == b"S":
        line = b""
        while not line.endswith(b"\n") and len(line) < 32:
            b = c.recv(1)
            if not b:
                break
            line += b
        left = int(line)
        block = b"x" * 65536
        while left > 0:
            n = c.send(block[:min(left, len(block))])
            left -= n
    elif kind == b"E":
        while True:
            b = c.recv(65536)
            if not b:
                break
            c.sendall(b)
    c.close()


class Pipe:
    """A child's stdin/stdout as one stream."""

    def __init__(self, cmd):
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, bufsize=0)

    def send(self, b):
        self.p.stdin.write(b)

    def recv(self, n):
        return os.read(self.p.stdout.fileno(), n)

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=20)


class Sock:
    def __init__(self, hp):
        host, port = hp.rsplit(":", 1)
        self.s = socket.create_connection((host, int(port)), timeout=30)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, b):
        self.s.sendall(b)

    def recv(self, n):
        return self.s.recv(n)

    def close(self):
        self.s.close()


def stream(args):
    if args[0] == "--":
        return Pipe(args[1:])
    return Sock(args[0])


def bulk(size, args):
    st = stream(args)
    t0 = time.monotonic()
    st.send(b"S%d\n" % size)
    got = 0
    while got < size:
        b = st.recv(1 << 20)
        if not b:
            break
        got += len(b)
    dt = time.monotonic() - t0
    st.close()
    if got != size:
        sys.exit("short: %d of %d bytes" % (got, size))
    print("%.1f" % (size / dt / 1e6))


def ping(n, args):
    st = stream(args)
    st.send(b"E")
    # The first round trip opens the session: not counted.
    st.send(b"."), st.recv(1)
    t0 = time.monotonic()
    for _ in range(n):
        st.send(b".")
        if not st.recv(1):
            sys.exit("closed")
    dt = time.monotonic() - t0
    st.close()
    print("%.0f" % (dt / n * 1e6))


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    elif sys.argv[1] == "bulk":
        bulk(int(sys.argv[2]), sys.argv[3:])
    elif sys.argv[1] == "ping":
        ping(int(sys.argv[2]), sys.argv[3:])
