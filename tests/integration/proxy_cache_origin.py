#!/usr/bin/env python3
# proxy_cache_origin.py - an origin whose responses the cache scenarios
# control through the query string, recording every request it gets.
#
# usage: proxy_cache_origin.py RECORD ADDR:PORT
#
# Query parameters (any order, repeatable where noted):
#   h=Name:Value   add a response field (repeatable)
#   s=CODE         status (default 200)
#   n=BYTES        body of that many pattern bytes (default: a short text
#                  naming the path and how many times it was fetched)
#   chunked=1      send the body chunked
#   close=1        send the body delimited by closing the connection
#   h304=Name:Value  add a field to 304 answers only (repeatable)
#   slow=MS        pause MS milliseconds after each 64 KiB of body
#   delay=MS       wait before answering (collapsed forwarding)
#   vary=FIELD     echo that request field into the body
# A request whose If-None-Match equals the ETag given with h=ETag:... or
# whose If-Modified-Since equals h=Last-Modified:... gets a bare 304
# (unless nc=1). With inm304=1 any request carrying If-None-Match gets a
# 304, whose h304 fields replace the h= fields of the same name (a 304
# that selects another response). GET /_ctl/fail/on (or off) makes every
# other request answer 503 (or stop doing so).
# Each request is written to RECORD as one JSON line {"method", "path",
# "headers"} before it is answered.
import json
import socketserver
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

REC = sys.argv[1]
HOST, PORT = sys.argv[2].rsplit(":", 1)
LOCK = threading.Lock()
COUNTS = {}
STATE = {"fail": False}
PATTERN = bytes(range(256)) * 256


def pattern(n):
    out = bytearray()
    while len(out) < n:
        out += PATTERN[: n - len(out)]
    return bytes(out)


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if u.path.startswith("/_ctl/fail/"):
            STATE["fail"] = u.path.endswith("/on")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with LOCK:
            COUNTS[self.path] = COUNTS.get(self.path, 0) + 1
            count = COUNTS[self.path]
            with open(REC, "a") as f:
                f.write(json.dumps({"method": self.command,
                                    "path": self.path,
                                    "headers": list(self.headers.items())})
                        + "\n")
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
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        any304 = "inm304" in q and inm is not None
        if not STATE["fail"] and "nc" not in q and \
                ((etag and inm == etag) or any304 or
                 (inm is None and lm and ims == lm)):
            extra = [(n.strip(), v.strip()) for n, _, v in
                     (h.partition(":") for h in q.get("h304", []))]
            names = set(n.lower() for n, _ in extra) if any304 else set()
            self.send_response(304)
            for k, v in fields:
                if k.lower() not in names:
                    self.send_header(k, v)
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            return
        if "n" in q:
            body = pattern(int(q["n"][0]))
        else:
            text = "%s %s #%d" % (self.command, u.path, count)
            if "vary" in q:
                text += " %s=%s" % (q["vary"][0],
                                    self.headers.get(q["vary"][0], "-"))
            body = (text + "\n").encode()
        self.send_response(status)
        for k, v in fields:
            self.send_header(k, v)
        chunked = "chunked" in q
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif "close" in q:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD" or status in (204, 304):
            return
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
            self.wfile.write(b"0\r\n\r\n")

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = answer


srv = Server((HOST.strip("[]"), int(PORT)), Handler)
print("listening on %s:%s" % (HOST, PORT), flush=True)
srv.serve_forever()
