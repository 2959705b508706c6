#!/usr/bin/env python3
"""lb_badserver.py - servers that fail the way real ones do, for the
twin-lb scenarios.

usage: lb_badserver.py ADDR PORT close|silent
  close   reads what a connection sends (one read), then closes it
          without a byte of answer
  silent  accepts connections and never answers (holds them open)
Prints "listening on ADDR:PORT" once it listens; runs until killed.
"""
import socket
import sys

addr, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(64)
print("listening on %s:%d" % (addr, port), flush=True)
held = []
while True:
    c, _ = s.accept()
    if mode == "close":
        c.settimeout(5)
        try:
            c.recv(65536)
        except OSError:
            pass
        c.close()
    else:
        held.append(c)
