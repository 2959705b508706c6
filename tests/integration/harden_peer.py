#!/usr/bin/env python3
"""harden_peer.py - hostile peers for the harden_* scenarios.

Every mode is bounded in time (SECONDS) and prints one summary line.

  origin1xx ADDR:PORT SECONDS
      An origin that answers every request with an endless stream of
      "100 Continue" responses, 1 KiB of fields each, as fast as the proxy
      takes them. Prints "listening on ADDR:PORT", then per connection
      "closed after N interim" when the proxy closes it.
  pipeline HOST PORT SECONDS REQUEST
      A client that sends REQUEST (a Python bytes literal body) over and
      over on one connection and never reads. Prints "sent N requests".
  unixflood PATH SECONDS LINE
      The same over a unix socket (a control socket), LINE a text line.
  stallbody HOST PORT REQUEST WAIT
      Sends REQUEST (a head announcing a body, with part of the body) and
      then nothing; waits up to WAIT s for the proxy to close. Prints
      "closed after S s: STATUS-LINE" (or "-"), or "still open".
  originstall ADDR:PORT SECONDS
      An origin whose response announces 100 bytes and sends one.
  originslowhead ADDR:PORT SECONDS
      An origin that sends its response head a byte every 0.3 s.
      Both print "closed by the proxy after S s" or "still open ...".
  slowhead HOST PORT BYTES [PACE_US]
      Sends a request head of about BYTES bytes one byte per segment
      (TCP_NODELAY), PACE_US microseconds apart, then prints the status
      line of the answer.
  drip HOST PORT SECONDS REQUEST
      Sends REQUEST one byte every 0.5 s for SECONDS (a connection that
      never finishes anything), then prints whether the peer had closed.
"""
import ast
import socket
import sys
import threading
import time


def lit(text):
    return ast.literal_eval("b'''" + text.replace("'", "\\'") + "'''")


def read_head(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return None
        data += piece
    return data


def origin1xx(spec, seconds):
    host, port = spec.rsplit(":", 1)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, int(port)))
    srv.listen(16)
    print("listening on %s" % spec, flush=True)
    head = b"HTTP/1.1 100 Continue\r\nX-Pad: " + b"p" * 1000 + b"\r\n\r\n"
    deadline = time.time() + seconds

    def serve(conn):
        n = 0
        conn.settimeout(1)
        try:
            if read_head(conn) is None:
                return
            while time.time() < deadline:
                try:
                    conn.sendall(head)
                    n += 1
                except socket.timeout:
                    continue
            print("gave up after %d interim" % n, flush=True)
        except OSError:
            print("closed by the proxy after %d interim" % n, flush=True)
        conn.close()

    srv.settimeout(1)
    while time.time() < deadline:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        threading.Thread(target=serve, args=(conn,), daemon=True).start()
    time.sleep(1)


def origin_slow(spec, seconds, mode):
    """An origin that stalls: mode "body" sends a head announcing 100
    bytes and one of them, "head" sends its head a byte every 0.3 s;
    then nothing more until SECONDS have passed."""
    host, port = spec.rsplit(":", 1)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, int(port)))
    srv.listen(16)
    print("listening on %s" % spec, flush=True)
    deadline = time.time() + seconds

    def serve(conn):
        start = time.time()
        try:
            if read_head(conn) is None:
                return
            if mode == "body":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
                             b"\r\nx")
            else:
                head = b"HTTP/1.1 200 OK\r\n" + b"X-Drip: y\r\n" * 1000
                for i in range(len(head)):
                    if time.time() > deadline:
                        break
                    conn.sendall(head[i:i + 1])
                    time.sleep(0.3)
            conn.settimeout(max(0.1, deadline - time.time()))
            while conn.recv(65536):
                pass
            print("closed by the proxy after %.1f s" % (time.time() - start),
                  flush=True)
        except socket.timeout:
            print("still open after %.1f s" % (time.time() - start),
                  flush=True)
        except OSError:
            print("closed by the proxy after %.1f s" % (time.time() - start),
                  flush=True)
        conn.close()

    srv.settimeout(1)
    while time.time() < deadline:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        threading.Thread(target=serve, args=(conn,), daemon=True).start()
    time.sleep(1)


def flood(sock, seconds, data):
    # A small receive buffer: what the daemon sends piles up on its side.
    sock.settimeout(0.5)
    deadline = time.time() + seconds
    n = 0
    why = "time is up"
    while time.time() < deadline:
        try:
            sock.sendall(data)
            n += 1
        except socket.timeout:
            continue
        except OSError as e:
            why = "closed: %s" % e
            break
    print("sent %d requests (%s)" % (n, why), flush=True)
    sock.close()


def small_rcvbuf(family):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return s


def pipeline(host, port, seconds, request):
    s = small_rcvbuf(socket.AF_INET)
    s.settimeout(5)
    s.connect((host, int(port)))
    flood(s, seconds, lit(request))


def unixflood(path, seconds, line):
    s = small_rcvbuf(socket.AF_UNIX)
    s.connect(path)
    flood(s, seconds, line.encode() + b"\n")


def stallbody(host, port, request, wait):
    s = socket.create_connection((host, int(port)), timeout=wait)
    start = time.time()
    s.sendall(lit(request))
    got = b""
    try:
        while True:
            piece = s.recv(65536)
            if not piece:
                break
            got += piece
    except socket.timeout:
        print("still open", flush=True)
        return
    except ConnectionResetError:
        pass
    first = got.split(b"\r\n", 1)[0].decode("latin-1")
    print("closed after %.1f s: %s" % (time.time() - start, first or "-"),
          flush=True)


def slowhead(host, port, nbytes, pace=0.0):
    s = socket.create_connection((host, int(port)), timeout=60)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    head = b"GET http://198.18.0.200:8000/hello HTTP/1.1\r\n" \
        b"Host: 198.18.0.200:8000\r\n"
    line = b"X-Filler: " + b"f" * 1190 + b"\r\n"
    while len(head) + len(line) + 2 < int(nbytes):
        head += line
    head += b"\r\n"
    for i in range(len(head)):
        s.send(head[i:i + 1])
        # Paced, so that each byte is a read of its own at the proxy.
        if pace > 0:
            time.sleep(pace)
    got = b""
    while b"\r\n" not in got:
        piece = s.recv(4096)
        if not piece:
            break
        got += piece
    print(got.split(b"\r\n", 1)[0].decode("latin-1"), flush=True)


def drip(host, port, seconds, request):
    s = socket.create_connection((host, int(port)), timeout=1)
    data = lit(request)
    deadline = time.time() + seconds
    i = 0
    while time.time() < deadline:
        try:
            s.send(data[i % len(data):i % len(data) + 1])
        except OSError:
            print("closed by the peer after %d bytes" % i, flush=True)
            return
        i += 1
        time.sleep(0.5)
    print("still open after %d bytes" % i, flush=True)


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "origin1xx":
        origin1xx(args[0], float(args[1]))
    elif mode == "pipeline":
        pipeline(args[0], args[1], float(args[2]), args[3])
    elif mode == "unixflood":
        unixflood(args[0], float(args[1]), args[2])
    elif mode == "stallbody":
        stallbody(args[0], args[1], args[2], float(args[3]))
    elif mode in ("originstall", "originslowhead"):
        origin_slow(args[0], float(args[1]),
                    "body" if mode == "originstall" else "head")
    elif mode == "slowhead":
        slowhead(args[0], args[1], args[2],
                 float(args[3]) / 1e6 if len(args) > 3 else 0.0)
    elif mode == "drip":
        drip(args[0], args[1], float(args[2]), args[3])
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
