#!/usr/bin/env python3
"""proxy_origin.py - origin server for the twin-proxy scenarios.

Serves HTTP/1.1 with keep-alive on every ADDR:PORT given, and records what
reached it in RECORD: one line "conn N PEER" per accepted connection and one
JSON line per request (conn, method, target, version, headers, body length).
A test can therefore tell both what arrived and that nothing arrived.

Routes (query parameters after '?'):
  /echo          200, body: JSON of the request as received
  /size/N        200 with N bytes, Content-Length framing
  /chunked/N     200 with N bytes in 1000-byte chunks, chunked framing
  /close/N       200 with N bytes, no length: delimited by closing
  /slow/MS       waits MS milliseconds, then 200
  /status/N      answers status N (204 and 304 without a body)
  /bad           a response with two Content-Length fields
  anything else  200 "hello\n"
Expect: 100-continue gets an interim 100 before the body is read.

usage: proxy_origin.py RECORD ADDR:PORT...
"""
import json
import socket
import socketserver
import sys
import threading
import time

RECORD = sys.argv[1]
LOCK = threading.Lock()
CONN_ID = [0]


def record(line):
    with LOCK:
        with open(RECORD, "a") as f:
            f.write(line + "\n")


def read_line(rf):
    line = rf.readline(65537)
    if not line:
        raise EOFError
    return line.decode("latin-1").rstrip("\r\n")


def read_body(rf, headers):
    te = headers.get("transfer-encoding", "")
    if "chunked" in te.lower():
        body = b""
        while True:
            size = int(read_line(rf).split(";")[0], 16)
            if size == 0:
                while read_line(rf) != "":
                    pass
                return body
            body += rf.read(size)
            rf.readline()
    n = int(headers.get("content-length", "0"))
    return rf.read(n) if n > 0 else b""


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        with LOCK:
            CONN_ID[0] += 1
            cid = CONN_ID[0]
        record("conn %d %s" % (cid, self.client_address[0]))
        try:
            while self.one(cid):
                pass
        except (EOFError, ConnectionError, ValueError):
            pass

    def send(self, status, body, headers=(), close=False, length=True):
        reason = {100: "Continue", 200: "OK", 204: "No Content",
                  304: "Not Modified", 404: "Not Found"}.get(status, "X")
        out = "HTTP/1.1 %d %s\r\n" % (status, reason)
        for h in headers:
            out += h + "\r\n"
        if length and status not in (204, 304):
            out += "Content-Length: %d\r\n" % len(body)
        if close:
            out += "Connection: close\r\n"
        self.wfile.write(out.encode() + b"\r\n" + body)
        self.wfile.flush()

    def one(self, cid):
        line = read_line(self.rfile)
        while line == "":
            line = read_line(self.rfile)
        method, target, version = line.split(" ")
        headers, raw = {}, []
        while True:
            h = read_line(self.rfile)
            if h == "":
                break
            name, value = h.split(":", 1)
            raw.append([name, value.strip()])
            headers[name.lower()] = value.strip()
        if headers.get("expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()
        body = read_body(self.rfile, headers)
        rec = {"conn": cid, "method": method, "target": target,
               "version": version, "headers": raw, "body": len(body)}
        record(json.dumps(rec))
        close = headers.get("connection", "").lower() == "close" or \
            version == "HTTP/1.0"
        parts = target.split("?")[0].strip("/").split("/")
        route = parts[0]
        arg = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        if route == "echo":
            self.send(200, json.dumps(rec).encode(),
                      ["Content-Type: application/json"], close)
        elif route == "size":
            self.send(200, b"x" * arg, ["Content-Type: text/plain"], close)
        elif route == "chunked":
            out = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" \
                  b"Transfer-Encoding: chunked\r\n\r\n"
            left = arg
            while left > 0:
                n = min(1000, left)
                out += b"%x;ext=1\r\n" % n + b"y" * n + b"\r\n"
                left -= n
            out += b"0\r\nX-Trailer: t\r\n\r\n"
            self.wfile.write(out)
            self.wfile.flush()
        elif route == "close":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain"
                             b"\r\n\r\n" + b"z" * arg)
            self.wfile.flush()
            return False
        elif route == "slow":
            time.sleep(arg / 1000.0)
            self.send(200, b"slow\n", [], close)
        elif route == "status":
            self.send(arg, b"" if arg in (204, 304) else b"status\n",
                      [], close)
        elif route == "bad":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                             b"Content-Length: 6\r\n\r\nhello!")
            self.wfile.flush()
            return False
        else:
            self.send(200, b"hello\n", ["Content-Type: text/plain"], close)
        return not close


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    servers = []
    for spec in sys.argv[2:]:
        host, port = spec.rsplit(":", 1)
        host = host.strip("[]")
        cls = Server
        if ":" in host:
            class Server6(Server):
                address_family = socket.AF_INET6
            cls = Server6
        s = cls((host, int(port)), Handler)
        servers.append(s)
        threading.Thread(target=s.serve_forever, daemon=True).start()
        print("listening on %s" % spec, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
