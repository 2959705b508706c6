#!/usr/bin/env python3
"""lb_client.py - HTTP clients for the twin-lb scenarios.

usage:
  lb_client.py ka HOST PORT PATH COOKIE...
      One keep-alive connection, one GET of PATH per COOKIE argument, each
      with that Cookie field ("-": none), one after the other. Prints a
      line per response: "STATUS BODY SETCOOKIE" (BODY: the first word of
      the body, the server's name in the scenarios; SETCOOKIE: the value of
      our cookie set by the response, or "-"), then "connections N" (N
      must be 1: the server kept the connection open).
  lb_client.py load HOST PORT PATH COUNT SECONDS
      At most COUNT GETs of PATH within SECONDS, in bursts of five on one
      keep-alive connection and single ones on new connections, in turn.
      Prints "ok N failed N" and one line per failure; exits 1 if any
      failed, 2 if fewer than COUNT ran in time.
"""
import http.client
import sys
import time

COOKIE = "twinlb"


def set_cookie(resp):
    for name, value in resp.getheaders():
        if name.lower() == "set-cookie" and value.startswith(COOKIE + "="):
            return value.split(";")[0][len(COOKIE) + 1:]
    return "-"


def ka(host, port, path, cookies):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    connects = 0
    for c in cookies:
        headers = {} if c == "-" else {"Cookie": c}
        if conn.sock is None:
            connects += 1
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read().decode("latin-1").split()
        print("%d %s %s" % (resp.status, body[0] if body else "-",
                            set_cookie(resp)))
        sys.stdout.flush()
    print("connections %d" % connects)
    return 0


def load(host, port, path, count, seconds):
    deadline = time.monotonic() + seconds
    ok = failed = done = 0
    burst = True
    while done < count and time.monotonic() < deadline:
        n = min(5 if burst else 1, count - done)
        conn = http.client.HTTPConnection(host, port, timeout=10)
        for _ in range(n):
            done += 1
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                if resp.status == 200:
                    ok += 1
                else:
                    failed += 1
                    print("request %d: status %d" % (done, resp.status))
            except (OSError, http.client.HTTPException) as e:
                failed += 1
                print("request %d: %s" % (done, e))
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.close()
        burst = not burst
    print("ok %d failed %d" % (ok, failed))
    if failed:
        return 1
    return 0 if done == count else 2


def main():
    mode, host, port, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        sys.argv[4]
    if mode == "ka":
        return ka(host, port, path, sys.argv[5:])
    if mode == "load":
        return load(host, port, path, int(sys.argv[5]), float(sys.argv[6]))
    print("unknown mode " + mode)
    return 2


sys.exit(main())
