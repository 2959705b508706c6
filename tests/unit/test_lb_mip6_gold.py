#!/usr/bin/python3
# test_lb_mip6_gold.py: writes test_lb_mip6_gold.h, the golden frames of
# test_lb_mip6.c, with scapy (python3-scapy), whose checksums follow RFC
# 6275: over the home address when a home address option is present, over
# the final destination with a routing header.
#
#   /usr/bin/python3 tests/unit/test_lb_mip6_gold.py >tests/unit/test_lb_mip6_gold.h
import ipaddress

from scapy.all import (Ether, IPv6, TCP, UDP, Raw, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrFragment,
                       IPv6ExtHdrRouting, HAO, RouterAlert)
from scapy.layers.inet6 import MIP6MH_BU, MIP6OptAltCoA
from scapy.layers.ipsec import AH, ESP

LB, PEER = "02:00:00:00:00:01", "02:00:00:00:00:02"
COA = "2001:2:0:a:211:22ff:fe33:4455"    # modified EUI-64
COA2 = "2001:2:0:b:211:22ff:fe33:4455"
COA3 = "2001:2:0:c:211:22ff:fe33:4455"
HOA = "2001:2:0:99::5"
VIP = "2001:2::100"


def eth():
    return Ether(dst=LB, src=PEER)


def syn():
    return TCP(sport=40001, dport=80, flags="S", seq=1000, window=8192)


def synack():
    return TCP(sport=80, dport=40001, flags="SA", seq=5000, ack=1001,
               window=8192)


def tcp_csum(p):
    """The TCP checksum scapy computes for packet p (built)."""
    return Ether(bytes(p))[TCP].chksum


frames = []


def add(name, pkt, why):
    frames.append((name, bytes(pkt), why))


add("mip_syn_hao", eth() / IPv6(src=COA, dst=VIP) /
    IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) / syn(),
    "a SYN from care-of address COA with the home address option HOA")
add("mip_syn_home", eth() / IPv6(src=HOA, dst=VIP) / syn(),
    "the same SYN from home: what translating mip_syn_hao gives")

# A destination options header with another option after the home
# address option: PadN(2), HAO, option 0x1e of 6 bytes (32 bytes). The
# TCP checksum is over the home address.
ck = tcp_csum(eth() / IPv6(src=HOA, dst=VIP) / syn())
hoa_b = ipaddress.IPv6Address(HOA).packed
dopt = bytes([6, 3, 1, 2, 0, 0, 201, 16]) + hoa_b + \
    bytes([0x1e, 6]) + b"abcdef"
t = syn()
t.chksum = ck
add("mip_syn_hao_opt", eth() / IPv6(src=COA, dst=VIP, nh=60) / Raw(dopt) /
    t, "a SYN whose destination options hold another option after HAO")
dopt2 = bytes([6, 1, 1, 4, 0, 0, 0, 0, 0x1e, 6]) + b"abcdef"
add("mip_syn_opt_home", eth() / IPv6(src=HOA, dst=VIP, nh=60) /
    Raw(dopt2) / t,
    "mip_syn_hao_opt translated: the header 16 bytes shorter")

add("mip_hbh_hao", eth() / IPv6(src=COA, dst=VIP) /
    IPv6ExtHdrHopByHop(options=[RouterAlert()]) /
    IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) / syn(),
    "hop-by-hop options, then the home address option")
add("mip_hbh_home", eth() / IPv6(src=HOA, dst=VIP) /
    IPv6ExtHdrHopByHop(options=[RouterAlert()]) / syn(),
    "mip_hbh_hao translated")
add("mip_frag_hao", eth() / IPv6(src=COA, dst=VIP) /
    IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) /
    IPv6ExtHdrFragment(id=77, m=1, offset=0) / syn(),
    "home address option, then a first fragment")
add("mip_ah_hao", eth() / IPv6(src=COA, dst=VIP) /
    IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) /
    AH(nh=6, payloadlen=4, spi=0x99, seq=1, icv=b"\x00" * 12) / syn(),
    "home address option, then AH, then TCP")
add("mip_esp", eth() / IPv6(src=COA, dst=VIP) /
    ESP(spi=0x00001234, seq=1, data=b"x" * 16),
    "ESP of SPI 0x1234 from COA")
add("mip_esp_hao", eth() / IPv6(src=COA, dst=VIP) /
    IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) /
    ESP(spi=0x00001234, seq=2, data=b"y" * 16),
    "ESP of SPI 0x1234 with the home address option")
add("mip_udp_plain", eth() / IPv6(src="2001:2::77", dst=VIP) /
    UDP(sport=500, dport=500) / Raw(b"ike"),
    "UDP from a node that is not mobile (not EUI-64)")
add("mip_bu", eth() / IPv6(src=COA2, dst=VIP) /
    IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) /
    MIP6MH_BU(seq=7, flags="A", mhtime=100,
              options=[MIP6OptAltCoA(acoa=COA3)]),
    "binding update 7 from COA2 for HOA, alternate care-of address COA3")
add("mip_bu_plain", eth() / IPv6(src=COA2, dst=VIP) /
    IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) /
    MIP6MH_BU(seq=8, flags="A", mhtime=100),
    "binding update 8 from COA2 for HOA, no option")
add("mip_bu_home", eth() / IPv6(src=HOA, dst=VIP) /
    MIP6MH_BU(seq=9, flags="", mhtime=0),
    "binding update 9 from HOA itself, lifetime 0: back home")
add("mip_bu_hreg", eth() / IPv6(src=COA2, dst="2001:2:0:99::1") /
    IPv6ExtHdrDestOpt(options=[HAO(hoa=HOA)]) /
    MIP6MH_BU(seq=10, flags="AH", mhtime=100),
    "a home registration, for a home agent")
add("mip_reply", eth() / IPv6(src=VIP, dst=HOA) / synack(),
    "the cluster's SYN-ACK to the home address")
add("mip_reply_rh2", eth() / IPv6(src=VIP, dst=COA) /
    IPv6ExtHdrRouting(type=2, segleft=1, addresses=[HOA]) / synack(),
    "mip_reply sent to the care-of address (type 2 routing header)")
add("mip_reply_hbh", eth() / IPv6(src=VIP, dst=HOA) /
    IPv6ExtHdrHopByHop(options=[RouterAlert()]) / synack(),
    "a reply with hop-by-hop options")
add("mip_reply_hbh_rh2", eth() / IPv6(src=VIP, dst=COA) /
    IPv6ExtHdrHopByHop(options=[RouterAlert()]) /
    IPv6ExtHdrRouting(type=2, segleft=1, addresses=[HOA]) / synack(),
    "mip_reply_hbh to the care-of address: the routing header after")
add("mip_srv_rh2", eth() / IPv6(src="2001:2:0:1::11", dst=COA) /
    IPv6ExtHdrRouting(type=2, segleft=1, addresses=[HOA]) / synack(),
    "a correspondent server's own reply to the care-of address")

print("/*")
print(" * test_lb_mip6_gold.h: golden frames of test_lb_mip6.c, written by")
print(" * test_lb_mip6_gold.py (scapy). Care-of addresses")
print(" * 2001:2:0:a,b,c:211:22ff:fe33:4455, home address 2001:2:0:99::5,")
print(" * cluster 2001:2::100. Do not edit: run the script.")
print(" */")
for name, b, why in frames:
    print("/* %s */" % why)
    print("static const uint8_t %s[] = {" % name)
    for i in range(0, len(b), 12):
        print("\t" + " ".join("0x%02x," % x for x in b[i:i + 12]))
    print("};")
