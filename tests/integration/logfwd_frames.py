#!/usr/bin/env python3
"""logfwd_frames.py - read a byte stream of syslog messages framed by
octet counting (RFC 6587 3.4.1: "MSG-LEN SP SYSLOG-MSG", MSG-LEN a
nonzero decimal without leading zeros) and print each message on a line
of its own. Strict: anything else in the stream (a bad length, a missing
space, a stream cut inside a frame) is reported and exits 1, so a test
that reads its output cannot pass on a malformed stream.

    logfwd_frames.py FILE
"""
import sys


def main():
    data = open(sys.argv[1], "rb").read()
    i, n = 0, 0
    out = sys.stdout.buffer
    while i < len(data):
        j = i
        while j < len(data) and j - i < 10 and data[j:j + 1].isdigit():
            j += 1
        if j == i or data[i:i + 1] == b"0" or j >= len(data) or \
                data[j:j + 1] != b" ":
            sys.stderr.write("bad frame header at byte %d: %r\n" %
                             (i, data[i:i + 16]))
            return 1
        size = int(data[i:j])
        msg = data[j + 1:j + 1 + size]
        if len(msg) != size:
            sys.stderr.write("frame at byte %d cut short: %d of %d\n" %
                             (i, len(msg), size))
            return 1
        if b"\n" in msg:
            sys.stderr.write("frame at byte %d holds a newline\n" % i)
            return 1
        out.write(msg + b"\n")
        i = j + 1 + size
        n += 1
    sys.stderr.write("%d frames\n" % n)
    return 0


sys.exit(main())
