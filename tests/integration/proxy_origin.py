#!/usr/bin/env python3
"""proxy_origin.py - origin server for the twin-proxy scenarios.

Serves HTTP/1.1 with keep-alive on every ADDR:PORT given, and records what
reached it in RECORD: one line "conn N PEER" per accepted connection and one
JSON line per request (conn, method, target, version, headers, body length),
written before the request is answered. A test can therefore tell both
what arrived and that nothing arrived.

Fixed routes (query parameters after '?' are ignored):
  /hello         200 "hello\n", text/plain
  /echo          200, body: JSON of the request as received
  /size/N        200 with N bytes, Content-Length framing
  /chunked/N     200 with N bytes in 1000-byte chunks, chunked framing
  /close/N       200 with N bytes, no length: delimited by closing
  /slow/MS       waits MS milliseconds, then 200
  /status/N      answers status N (204 and 304 without a body)
  /hop           a response with hop-by-hop fields (Connection: X-Secret)
  /bad           a response with two Content-Length fields
  /slowsink      reads a Content-Length body at about 1 MB/s
Expect: 100-continue gets an interim 100 before the body is read.

Any other path answers as its query string says (the cache scenarios),
with Date and Server fields (any order, repeatable where noted):
  h=Name:Value   add a response field (repeatable)
  s=CODE         status (default 200)
  n=BYTES        body of that many pattern bytes (default: a short text
                 "METHOD PATH #K", K counting the requests for this target)
  chunked=1      send the body chunked
  t=Name:Value   with chunked=1, a trailer field (repeatable)
  close=1        send the body delimited by closing the connection
  h304=Name:Value  add a field to 304 answers only (repeatable)
  slow=MS        pause MS milliseconds after each 64 KiB of body
  delay=MS       wait before answering (collapsed forwarding)
  vary=FIELD     echo that request field into the body
A request whose If-None-Match equals the ETag given with h=ETag:... or
whose If-Modified-Since equals h=Last-Modified:... gets a bare 304
(unless nc=1). With inm304=1 any request carrying If-None-Match gets a
304, whose h304 fields replace the h= fields of the same name (a 304
that selects another response). GET /_ctl/fail/on (or off) makes every
other request answer 503 (or stop doing so); it is not recorded.

usage: proxy_origin.py RECORD ADDR:PORT...
"""
import email.utils
import http
import json
import socket
import socketserver
import sys
import threading
import time
import urllib.parse

RECORD = sys.argv[1]
LOCK = threading.Lock()
CONN_ID = [0]
COUNTS = {}
STATE = {"fail": False}
PATTERN = bytes(range(256)) * 256


def pattern(n):
    out = bytearray()
    while len(out) < n:
        out += PATTERN[: n - len(out)]
    return bytes(out)


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
        except (EOFError, ConnectionError, ValueError, BrokenPipeError):
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
        if target.startswith("/slowsink"):
            # Read the body slowly (about 1 MB/s), then answer.
            n = int(headers.get("content-length", "0"))
            got = 0
            while got < n:
                piece = self.rfile.read(min(65536, n - got))
                if not piece:
                    raise EOFError
                got += len(piece)
                time.sleep(0.05)
            self.send(200, b"sunk\n", [], True)
            return False
        if headers.get("expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()
        body = read_body(self.rfile, headers)
        close = headers.get("connection", "").lower() == "close" or \
            version == "HTTP/1.0"
        parts = target.split("?")[0].strip("/").split("/")
        route = parts[0]
        num = len(parts) == 2 and parts[1].isdigit()
        arg = int(parts[1]) if num else 0
        if route == "_ctl" and parts[1:2] == ["fail"]:
            STATE["fail"] = parts[2:] == ["on"]
            self.send(200, b"", [], close)
            return not close
        rec = {"conn": cid, "method": method, "target": target,
               "version": version, "headers": raw, "body": len(body)}
        record(json.dumps(rec))
        if len(parts) == 1 and route == "echo":
            self.send(200, json.dumps(rec).encode(),
                      ["Content-Type: application/json"], close)
        elif num and route == "size":
            self.send(200, b"x" * arg, ["Content-Type: text/plain"], close)
        elif num and route == "chunked":
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
        elif num and route == "close":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain"
                             b"\r\n\r\n" + b"z" * arg)
            self.wfile.flush()
            return False
        elif num and route == "slow":
            time.sleep(arg / 1000.0)
            self.send(200, b"slow\n", [], close)
        elif num and route == "status":
            self.send(arg, b"" if arg in (204, 304) else b"status\n",
                      [], close)
        elif len(parts) == 1 and route == "hop":
            self.send(200, b"hop\n", ["Connection: X-Secret, keep-alive",
                                       "X-Secret: 1", "Keep-Alive: timeout=5",
                                       "X-Kept: 1", "Upgrade: h2c"], close)
        elif len(parts) == 1 and route == "bad":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                             b"Content-Length: 6\r\n\r\nhello!")
            self.wfile.flush()
            return False
        elif len(parts) == 1 and route == "hello":
            self.send(200, b"hello\n", ["Content-Type: text/plain"], close)
        else:
            return self.by_query(method, target, raw, close)
        return not close

    def by_query(self, method, target, raw, close):
        """Answer as the query string says; False to close."""
        u = urllib.parse.urlsplit(target)
        q = urllib.parse.parse_qs(u.query)

        def field(name):
            for k, v in raw:
                if k.lower() == name.lower():
                    return v
            return None

        with LOCK:
            COUNTS[target] = COUNTS.get(target, 0) + 1
            count = COUNTS[target]
        if "delay" in q:
            time.sleep(int(q["delay"][0]) / 1000)
        fields = []
        for h in q.get("h", []):
            name, _, value = h.partition(":")
            fields.append((name.strip(), value.strip()))
        status = int(q.get("s", ["200"])[0])
        if STATE["fail"]:
            status, fields = 503, []
        etag = dict((k.lower(), v) for k, v in fields).get("etag")
        lm = dict((k.lower(), v) for k, v in fields).get("last-modified")
        inm = field("If-None-Match")
        ims = field("If-Modified-Since")
        any304 = "inm304" in q and inm is not None
        # Like http.server: a status line, then Server and Date.
        reason = http.HTTPStatus(status).phrase \
            if status in http.HTTPStatus._value2member_map_ else ""
        date = email.utils.formatdate(usegmt=True)
        if not STATE["fail"] and "nc" not in q and \
                ((etag and inm == etag) or any304 or
                 (inm is None and lm and ims == lm)):
            extra = [(n.strip(), v.strip()) for n, _, v in
                     (h.partition(":") for h in q.get("h304", []))]
            names = set(n.lower() for n, _ in extra) if any304 else set()
            out = "HTTP/1.1 304 Not Modified\r\nServer: proxy_origin\r\n" \
                "Date: %s\r\n" % date
            for k, v in fields:
                if k.lower() not in names:
                    out += "%s: %s\r\n" % (k, v)
            for k, v in extra:
                out += "%s: %s\r\n" % (k, v)
            self.wfile.write(out.encode("latin-1") + b"\r\n")
            self.wfile.flush()
            return not close
        if "n" in q:
            body = pattern(int(q["n"][0]))
        else:
            text = "%s %s #%d" % (method, u.path, count)
            if "vary" in q:
                v = field(q["vary"][0])
                text += " %s=%s" % (q["vary"][0], "-" if v is None else v)
            body = (text + "\n").encode()
        out = "HTTP/1.1 %d %s\r\nServer: proxy_origin\r\nDate: %s\r\n" % (
            status, reason, date)
        for k, v in fields:
            out += "%s: %s\r\n" % (k, v)
        chunked = "chunked" in q
        if chunked:
            out += "Transfer-Encoding: chunked\r\n"
        elif "close" in q:
            out += "Connection: close\r\n"
            close = True
        else:
            out += "Content-Length: %d\r\n" % len(body)
        self.wfile.write(out.encode("latin-1") + b"\r\n")
        self.wfile.flush()
        if method == "HEAD" or status in (204, 304):
            return not close
        slow = int(q.get("slow", ["0"])[0]) / 1000
        step = 65536
        for off in range(0, len(body), step):
            piece = body[off:off + step]
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                self.wfile.write(piece)
            self.wfile.flush()
            if slow:
                time.sleep(slow)
        if chunked:
            trailers = "".join("%s\r\n" % t for t in q.get("t", []))
            self.wfile.write(b"0\r\n" + trailers.encode("latin-1") +
                             b"\r\n")
            self.wfile.flush()
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
