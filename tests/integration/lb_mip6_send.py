#!/usr/bin/python3
# lb_mip6_send.py - crafted Mobile IPv6 packets for lb_mip6_pkt.sh, sent
# with scapy on the link IF to the balancer's MAC LBMAC.
#
#   lb_mip6_send.py FIFO IF LBMAC VIP HOA
#
# Scapy is slow to start, so this reads commands, one a line, from the
# named pipe FIFO (reopened at each end of file) and prints "ok LINE" when
# a command's packets are out:
#
#   syn SRC SPORT              a TCP SYN to VIP port 80 from SRC
#   syn-hao SRC SPORT          the same from care-of address SRC, with the
#                              home address option HOA
#   bad-hao SRC SPORT          the same with a 15-byte home address option
#   esp SRC SPI N              N ESP packets of security association SPI
#   bu SRC SEQ [badsum|alt=A]  a binding update for HOA from SRC (with the
#                              option HOA), sequence SEQ, lifetime 60 s;
#                              a wrong checksum, or an alternate care-of
#                              address A
import sys

from scapy.all import (Ether, IPv6, TCP, Raw, IPv6ExtHdrDestOpt, HAO,
                       conf, sendp)
from scapy.layers.inet6 import MIP6MH_BU, MIP6OptAltCoA
from scapy.layers.ipsec import ESP

fifo, ifname, lbmac, vip, hoa = sys.argv[1:6]
conf.verb = 0


def eth(src):
    return Ether(dst=lbmac) / IPv6(src=src, dst=vip)


def syn(src, sport, hao=None):
    p = eth(src)
    if hao is not None:
        p = p / IPv6ExtHdrDestOpt(options=[HAO(hoa=hao)])
    return p / TCP(sport=int(sport), dport=80, flags="S", seq=1000)


def run(words):
    cmd, src = words[0], words[1]
    if cmd == "syn":
        pkts = [syn(src, words[2])]
    elif cmd == "syn-hao":
        pkts = [syn(src, words[2], hoa)]
    elif cmd == "bad-hao":
        b = bytearray(bytes(syn(src, words[2], hoa)))
        b[14 + 40 + 7] = 15
        pkts = [Ether(bytes(b))]
    elif cmd == "esp":
        pkts = [eth(src) / ESP(spi=int(words[2], 0), seq=i + 1,
                               data=b"z" * 32) for i in range(int(words[3]))]
    elif cmd == "bu":
        opts = []
        extra = words[3] if len(words) > 3 else ""
        if extra.startswith("alt="):
            opts = [MIP6OptAltCoA(acoa=extra[4:])]
        bu = MIP6MH_BU(seq=int(words[2]), flags="A", mhtime=15,
                       options=opts)
        if extra == "badsum":
            bu.cksum = 0x1234
        pkts = [eth(src) / IPv6ExtHdrDestOpt(options=[HAO(hoa=hoa)]) / bu]
    else:
        raise ValueError(cmd)
    sendp(pkts, iface=ifname)


print("ready", flush=True)
while True:
    with open(fifo) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                run(line.split())
                print("ok", line, flush=True)
            except Exception as e:          # a test bug: say so, go on
                print("error", line, e, flush=True)
