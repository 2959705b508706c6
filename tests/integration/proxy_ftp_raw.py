#!/usr/bin/env python3
"""proxy_ftp_raw.py - a raw FTP client for the FTP proxy scenarios. It
says exactly what it is told, so the checks see the proxy's own answers
(real clients give up or work around them).

  talk HOST PORT CMD...
      after the greeting, send each CMD as a line (CRLF added) and print
      every reply line; a CMD starting with "raw:" is sent as given, with
      Python escapes (raw:NOOP\\n is a bare LF), and "sleep:S" waits S s
  theft HOST PORT USER FILE PORTFILE GOFILE OUT
      log in as USER, PASV, write the data port to PORTFILE, wait (at
      most 20 s) for GOFILE to exist, then connect and RETR FILE into OUT
  abor HOST PORT USER FILE
      log in as USER, PASV, RETR FILE, read 1 MB of it, send ABOR, print
      the replies up to ABOR's, then PWD and its reply
  nodata HOST PORT USER FILE
      log in as USER, PASV, RETR FILE, never connect: print the replies
  wait HOST PORT USER
      log in as USER, then print what comes until the proxy closes (at
      most 30 s)
Every socket has a timeout; the script ends within about 30 s.
"""
import os
import re
import socket
import sys
import time


def replies(f, out):
    """Read one reply (all its lines); return its code, or None at EOF."""
    first = None
    while True:
        line = f.readline()
        if not line:
            return None
        text = line.decode("latin-1").rstrip("\r\n")
        out.write(text + "\n")
        out.flush()
        if first is None:
            if len(text) < 3 or not text[:3].isdigit():
                return None
            first = text[:3]
            if len(text) == 3 or text[3] != "-":
                return int(first)
        elif text[:3] == first and (len(text) == 3 or text[3] == " "):
            return int(first)


def connect(host, port):
    s = socket.create_connection((host, int(port)), timeout=15)
    return s, s.makefile("rb")


def send(s, cmd):
    if cmd.startswith("raw:"):
        data = cmd[4:].encode("latin-1").decode("unicode_escape")
        s.sendall(data.encode("latin-1"))
    else:
        s.sendall(cmd.encode("latin-1") + b"\r\n")


def talk(host, port, cmds):
    s, f = connect(host, port)
    out = sys.stdout
    if replies(f, out) is None:
        return 1
    for c in cmds:
        if c.startswith("sleep:"):
            time.sleep(float(c[6:]))
            continue
        out.write(">>> " + c + "\n")
        send(s, c)
        if c.startswith("raw:") and not c.endswith("\\r\\n") and \
                not c.endswith("\\n"):
            continue
        if replies(f, out) is None:
            out.write("(closed)\n")
            return 0
    s.close()
    return 0


def login(s, f, user):
    out = sys.stdout
    replies(f, out)
    send(s, "USER " + user)
    code = replies(f, out)
    if code == 331:
        send(s, "PASS x@")
        code = replies(f, out)
    return code == 230


def theft(host, port, user, path, portfile, gofile, outfile):
    s, f = connect(host, port)
    if not login(s, f, user):
        return 1
    send(s, "TYPE I")
    replies(f, sys.stdout)
    send(s, "PASV")
    line = f.readline().decode("latin-1")
    sys.stdout.write(line)
    m = re.search(r"\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)", line)
    if not m:
        return 1
    dport = int(m.group(5)) * 256 + int(m.group(6))
    dhost = ".".join(m.group(i) for i in range(1, 5))
    with open(portfile + ".new", "w") as p:
        p.write("%s %d\n" % (dhost, dport))
    os.rename(portfile + ".new", portfile)
    for _ in range(400):
        if os.path.exists(gofile):
            break
        time.sleep(0.05)
    d = socket.create_connection((dhost, dport), timeout=15)
    send(s, "RETR " + path)
    code = replies(f, sys.stdout)
    if code is None or code >= 400:
        return 1
    with open(outfile, "wb") as o:
        while True:
            b = d.recv(65536)
            if not b:
                break
            o.write(b)
    d.close()
    code = replies(f, sys.stdout)
    return 0 if code == 226 else 1


def pasv(s, f):
    """PASV; return the data address the reply names."""
    send(s, "PASV")
    line = f.readline().decode("latin-1")
    sys.stdout.write(line)
    m = re.search(r"\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)", line)
    if not m:
        return None
    return (".".join(m.group(i) for i in range(1, 5)),
            int(m.group(5)) * 256 + int(m.group(6)))


def abor(host, port, user, path):
    s, f = connect(host, port)
    if not login(s, f, user):
        return 1
    send(s, "TYPE I")
    replies(f, sys.stdout)
    addr = pasv(s, f)
    if addr is None:
        return 1
    d = socket.create_connection(addr, timeout=15)
    send(s, "RETR " + path)
    if replies(f, sys.stdout) != 150:
        return 1
    got = 0
    while got < 1 << 20:
        b = d.recv(65536)
        if not b:
            break
        got += len(b)
    sys.stdout.write("read %d bytes\n" % got)
    send(s, "ABOR")
    # The transfer's end (426), then ABOR's own reply (226 or 225).
    while True:
        code = replies(f, sys.stdout)
        if code is None or code in (225, 226):
            break
    d.close()
    send(s, "PWD")
    return 0 if replies(f, sys.stdout) == 257 else 1


def nodata(host, port, user, path):
    s, f = connect(host, port)
    if not login(s, f, user):
        return 1
    if pasv(s, f) is None:
        return 1
    send(s, "RETR " + path)
    while True:
        code = replies(f, sys.stdout)
        if code is None or code >= 200:
            break
    send(s, "NOOP")
    return 0 if replies(f, sys.stdout) == 200 else 1


def wait(host, port, user):
    s, f = connect(host, port)
    s.settimeout(30)
    if not login(s, f, user):
        return 1
    while True:
        code = replies(f, sys.stdout)
        if code is None:
            sys.stdout.write("(closed)\n")
            return 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "talk":
        return talk(argv[1], argv[2], argv[3:])
    if len(argv) == 8 and argv[0] == "theft":
        return theft(*argv[1:])
    if len(argv) == 5 and argv[0] == "abor":
        return abor(*argv[1:])
    if len(argv) == 5 and argv[0] == "nodata":
        return nodata(*argv[1:])
    if len(argv) == 4 and argv[0] == "wait":
        return wait(*argv[1:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
