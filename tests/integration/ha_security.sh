#!/bin/bash
# ha_security.sh - twin-ha: heartbeats that must change nothing.
# From the client namespace: packets signed with a wrong key (from c1's
# own address and spoofed from a's), truncated packets, and a valid
# heartbeat of a's captured on the wire and replayed with a's source
# address. b must stay standby, a the only holder, and b must count each
# kind. Also: a key file readable by others is refused.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"

need_cmd python3 tcpdump
ha_topo
ha_conf a "$A" "$B" primary
ha_conf b "$B" "$A" backup

# ---- the key file must be private ------------------------------------------
chmod 640 "$T/ha.key"
CHECK "a key file readable by the group is refused at start" \
    not on a timeout 5 "$TWIN_HA" -d -f "$T/a.conf"
on a timeout 5 "$TWIN_HA" -d -f "$T/a.conf" >"$T/keyerr.txt" 2>&1
CHECK "the refusal names the reason" \
    grep -q "readable or writable by group or others" "$T/keyerr.txt"
chmod 600 "$T/ha.key"

# ---- redundancy off: the daemon only answers status ------------------------
mkdir -p "$T/run-off"
printf 'peer { name off; address %s; run-dir "%s"; }\n' "$C1" "$T/run-off" >"$T/off.conf"
spawn c1 off.log "$TWIN_HA" -d -f "$T/off.conf"
off_pid=$SPAWN_PID
wait_until 10 test -S "$T/run-off/ha.sock" || ERROR "twin-ha (redundancy off) did not start"
CHECK "redundancy off: status says so" \
    sh -c "'$TWINCTL' -f '$T/off.conf' status | grep -q 'redundancy off'"
CHECK "redundancy off: takeover is refused" \
    refused -f "$T/off.conf" takeover
stop "$off_pid"

ha_start a
ha_start b
wait_until 5 one_holder a || ERROR "a did not become the holder"
wait_until 3 status_has b 'running as standby' >/dev/null

# Capture one of a's heartbeats on b.
on b timeout 5 tcpdump -i eth0 -c 1 -w "$T/hb.pcap" "udp and src host $A and dst port 7900" \
    >/dev/null 2>&1
CHECK "a heartbeat of a's was captured on b" test -s "$T/hb.pcap"

cat >"$T/inject.py" <<'EOP'
# inject.py MODE: send bad heartbeats to b from here (c1).
import hashlib, hmac, os, socket, struct, sys

A, B, PORT = "198.18.0.1", "198.18.0.2", 7900

def body(state, seq):
    b = b"TWHA" + bytes([1, 1, 4, 0x01]) + socket.inet_aton(A) + bytes(12)
    b += bytes([0, state, 0, 0]) + struct.pack("!IQQQ", 200, 0, 1 << 62, seq)
    return b

def spoof(payload, src=A):
    # Raw IPv4/UDP with a's source address (checksum 0: allowed for UDP).
    udp = struct.pack("!HHHH", 7900, PORT, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17,
                     0, socket.inet_aton(src), socket.inet_aton(B))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(ip + udp, (B, 0))

u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
mode = sys.argv[1]
if mode == "forged":
    # Claims ACTIVE, default primary, with a wrong key.
    for i in range(20):
        b = body(2, 10 + i)
        mac = hmac.new(b"not-the-key-not-the-key", b, hashlib.sha256).digest()
        u.sendto(b + mac, (B, PORT))
        spoof(b + mac)
elif mode == "truncated":
    for i in range(5):
        u.sendto(b"TWHA\x01\x01", (B, PORT))
        spoof(os.urandom(40))
elif mode == "replay":
    data = open(sys.argv[2], "rb").read()
    # pcap: 24-byte file header, 16-byte record header, Ethernet, IPv4, UDP.
    caplen = struct.unpack("<I", data[32:36])[0]
    frame = data[40:40 + caplen]
    ihl = (frame[14] & 0x0f) * 4
    payload = frame[14 + ihl + 8:]
    assert len(payload) == 88, len(payload)
    for i in range(3):
        spoof(payload)
EOP

state_before=$(ctl b status | grep '^self')
CHECK "forged heartbeats sent from c1" on c1 python3 "$T/inject.py" forged
CHECK "truncated heartbeats sent from c1" on c1 python3 "$T/inject.py" truncated
CHECK "a captured heartbeat replayed from c1 with a's address" \
    on c1 python3 "$T/inject.py" replay "$T/hb.pcap"
forged() { local n; n=$(counter b forged); echo "forged: $n"; [ "$n" -ge 40 ]; }
CHECK "b counted every forged packet (40)" wait_until 3 forged
trunc() { local n; n=$(counter b truncated); echo "truncated: $n"; [ "$n" -ge 10 ]; }
CHECK "b counted the truncated packets (10)" wait_until 3 trunc
replayed() { local n; n=$(counter b replayed); echo "replayed: $n"; [ "$n" -ge 3 ]; }
CHECK "b counted the replayed heartbeat (3)" wait_until 3 replayed
CHECK "b is still standby" status_has b 'This server: running as standby\.'
CHECK "b still sees a as active" status_has b "partner $A state ACTIVE"
CHECK "a is still the only holder" one_holder a
CHECK "b made no transition since" \
    test "$(grep -c 'state .* -> ' "$T/logs/b.log")" -eq 1
CHECK "b logged a refused packet" grep -q "refused: forged" "$T/logs/b.log"
nlines=$(grep -c "refused" "$T/logs/b.log")
echo "# b logged $nlines 'refused' lines for 58 bad packets"
CHECK "bad packets are logged without flooding (<= 3 lines)" test "$nlines" -le 3

# ---- a partner with a different floating-IP configuration ------------------
stop "${HA_PID[b]}"
ha_conf b "$B" "$A" backup "floating-ip 198.18.0.101/$PFX"
ha_start b
CHECK "b logs the config mismatch loudly" \
    wait_until 3 grep -q "CONFIG MISMATCH: partner $A" "$T/logs/b.log"
CHECK "a logs the config mismatch loudly" \
    wait_until 3 grep -q "CONFIG MISMATCH: partner $B" "$T/logs/a.log"
CHECK "the pair still works: a is the only holder" one_holder a
finish
