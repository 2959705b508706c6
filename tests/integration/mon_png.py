#!/usr/bin/env python3
"""mon_png.py - count the pixels of given colours in a PNG screenshot.

usage: mon_png.py FILE RRGGBB...

Prints "WIDTHxHEIGHT" and then "RRGGBB COUNT" for each colour asked for.
A small decoder of its own (zlib and the five PNG filters), for 8-bit
RGB and RGBA images, which is what headless Chromium writes; no imaging
library is needed.
"""
import struct
import sys
import zlib


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("%s: not a PNG file" % path)
    pos, idat = 8, b""
    width = height = bpp = None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6):
                sys.exit("%s: only 8-bit RGB or RGBA" % path)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, off = [], bytearray(stride), 0
    for _ in range(height):
        ftype = raw[off]
        line = bytearray(raw[off + 1:off + 1 + stride])
        off += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif ftype == 4:
                line[i] = (line[i] + paeth(a, b, c)) & 255
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    width, height, bpp, rows = decode(sys.argv[1])
    want = {bytes.fromhex(c): 0 for c in sys.argv[2:]}
    for line in rows:
        for i in range(0, len(line), bpp):
            px = bytes(line[i:i + 3])
            if px in want:
                want[px] += 1
    print("%dx%d" % (width, height))
    for c, n in want.items():
        print(c.hex(), n)


if __name__ == "__main__":
    main()
