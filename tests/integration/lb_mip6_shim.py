#!/usr/bin/python3
# lb_mip6_shim.py - a Mobile IPv6 node for the lb_mip6 scenarios, in user
# space (the test kernels have no CONFIG_IPV6_MIP6).
#
#   lb_mip6_shim.py TUN IF LBMAC HOA VIP PLACE...
#
# The node's own TCP runs in the kernel on its home address HOA, on the
# TUN device TUN (created here; the scenario moves it to another
# namespace, where HOA and a route to VIP through it are configured).
# What that kernel sends is put on the link IF as a route-optimised
# packet (RFC 6275): the source becomes the current care-of address and
# a destination options header carries the home address option. What
# comes back for the node (from VIP, to a care-of address with a type 2
# routing header naming HOA, or to HOA itself) is turned back into a
# packet to HOA and written to the TUN device, virtio header and all, so
# that GSO frames and partial checksums from the servers stay valid.
#
# PLACE is "home" (packets go out unchanged, from HOA) or a care-of
# address; the node starts at the first and SIGUSR1 moves it to the next
# (cyclically), printing "at PLACE". Counters go to stdout on SIGUSR2.
import fcntl
import ipaddress
import os
import select
import signal
import socket
import struct
import sys

TUNSETIFF = 0x400454ca
IFF_TUN, IFF_NO_PI, IFF_VNET_HDR = 0x0001, 0x1000, 0x4000
ETH_P_ALL, ETH_P_IPV6 = 0x0003, 0x86dd
SOL_PACKET, PACKET_VNET_HDR, PACKET_IGNORE_OUTGOING = 263, 15, 23
VNET = struct.Struct("<BBHHHH")     # flags gso_type hdr_len gso_size
VNET_NEEDS_CSUM = 1                  # csum_start csum_offset
DSTOPTS, ROUTING = 60, 43


def addr(s):
    return ipaddress.IPv6Address(s).packed


tun_name, ifname, lbmac, hoa_s, vip_s = sys.argv[1:6]
places = sys.argv[6:]
HOA, VIP = addr(hoa_s), addr(vip_s)
COAS = [addr(p) for p in places if p != "home"]
LBMAC = bytes.fromhex(lbmac.replace(":", ""))
with open("/sys/class/net/%s/address" % ifname) as f:
    MYMAC = bytes.fromhex(f.read().strip().replace(":", ""))

tun = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", tun_name.encode(),
                                        IFF_TUN | IFF_NO_PI | IFF_VNET_HDR))
# ETH_P_ALL: such a tap sees frames before the ingress hook, where the
# scenario's nftables rule keeps the replies from this namespace's kernel.
pk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                   socket.htons(ETH_P_ALL))
pk.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
pk.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
pk.bind((ifname, ETH_P_ALL))

where = [0]
count = {"out": 0, "in": 0, "in_rh2": 0, "dropped": 0}


def move(sig, frame):
    where[0] = (where[0] + 1) % len(places)
    print("at", places[where[0]], flush=True)


def stats(sig, frame):
    print(" ".join("%s %d" % kv for kv in sorted(count.items())), flush=True)


signal.signal(signal.SIGUSR1, move)
signal.signal(signal.SIGUSR2, stats)
signal.signal(signal.SIGTERM, lambda s, f: sys.exit(0))


def out(buf):
    """A packet of the node's kernel: onto the link, route-optimised."""
    vh, ip = VNET.unpack(buf[:VNET.size]), bytearray(buf[VNET.size:])
    if len(ip) < 40 or ip[0] >> 4 != 6 or ip[8:24] != HOA:
        count["dropped"] += 1
        return
    flags, gso, hdr_len, gso_size, cs, co = vh
    place = places[where[0]]
    if place != "home":
        opt = bytes([ip[6], 2, 1, 2, 0, 0, 201, 16]) + HOA
        plen = struct.unpack("!H", ip[4:6])[0] + len(opt)
        ip[4:6] = struct.pack("!H", plen)
        ip[6] = DSTOPTS
        ip[8:24] = addr(place)
        ip[40:40] = opt
        if flags & VNET_NEEDS_CSUM:
            cs += len(opt)
        if hdr_len:
            hdr_len += len(opt)
    eth = LBMAC + MYMAC + struct.pack("!H", ETH_P_IPV6)
    vh = VNET.pack(flags, gso, hdr_len + 14 if hdr_len else 0, gso_size,
                   cs + 14 if flags & VNET_NEEDS_CSUM else 0, co)
    pk.send(vh + eth + bytes(ip))
    count["out"] += 1


def back(buf):
    """A frame on the link: the node's, if from VIP to it; to the kernel."""
    vh, f = VNET.unpack(buf[:VNET.size]), bytearray(buf[VNET.size:])
    if len(f) < 54 or f[12:14] != b"\x86\xdd" or f[22:38] != VIP:
        return
    flags, gso, hdr_len, gso_size, cs, co = vh
    dst = bytes(f[38:54])
    cut = 0
    if dst in COAS and f[20] == ROUTING and len(f) >= 78 and \
            f[56] == 2 and f[57] == 1 and f[55] == 2:
        # The type 2 routing header: its address is the final one.
        home = bytes(f[62:78])
        if home != HOA:
            count["dropped"] += 1
            return
        f[20] = f[54]
        plen = struct.unpack("!H", f[18:20])[0] - 24
        f[18:20] = struct.pack("!H", plen)
        f[38:54] = home
        del f[54:78]
        cut = 24
        count["in_rh2"] += 1
    elif dst != HOA:
        return
    if flags & VNET_NEEDS_CSUM:
        cs -= 14 + cut
    hdr_len = max(0, hdr_len - 14 - cut)
    os.write(tun, VNET.pack(flags, gso, hdr_len, gso_size, cs, co) +
             bytes(f[14:]))
    count["in"] += 1


print("at", places[0], flush=True)
print("tun", tun_name, flush=True)
while True:
    try:
        r, _, _ = select.select([tun, pk], [], [])
    except InterruptedError:
        continue
    if tun in r:
        out(os.read(tun, 65536 + VNET.size))
    if pk in r:
        back(pk.recv(65536 + VNET.size + 64))
