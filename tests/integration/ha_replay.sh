#!/bin/bash
# ha_replay.sh - twin-ha: heartbeats recorded before a restart change
# nothing, and restarts are heard at once whatever the wall clock says.
#
# b (backup) is active and a (primary, failback no) standby while the
# switch records b's heartbeats to a. b is then stopped for good, a is
# killed with -9 and restarted while c1 replays the recording with b's
# address: a must not believe b alive (nobody would hold the floating IP);
# it takes over after interval x count and counts the replays. Then: b
# restarted is heard; both peers killed and restarted at once end with one
# holder and no warning; b restarted with its wall clock a year behind is
# heard at once. First of all, a FIFO or a symbolic link given as the key
# file is refused at start, promptly, with a message saying what it is.

# shellcheck disable=SC2317  # helpers are called through CHECK
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"

need_cmd python3 tcpdump faketime
ha_topo
ha_conf a "$A" "$B" primary "failback no"
ha_conf b "$B" "$A" backup "failback no"

# kill9 NAME: kill NAME's twin-ha with -9 and reap it.
kill9() {
    ha_kill "$1" KILL
    wait_until 3 not _tp_alive "${HA_PID[$1]}" ||
        ERROR "$1's twin-ha survived kill -9"
    { wait "${HA_PID[$1]}"; } 2>/dev/null
}

# ---- the key file must be a regular file -----------------------------------
# key_refused CONF WORD: twin-ha exits with status 1 by itself (not by the
# timeout, which also kills a daemon blocked in open) within 3 s, saying
# WORD.
key_refused() {
    local t0 t1 rc
    t0=$(now_ms)
    on a timeout -k 1 5 "$TWIN_HA" -d -f "$1" >"$T/keyerr.txt" 2>&1
    rc=$?
    t1=$(now_ms)
    cat "$T/keyerr.txt"
    echo "exit status $rc after $((t1 - t0)) ms"
    [ "$rc" -eq 1 ] && [ $((t1 - t0)) -lt 3000 ] &&
        grep -q -- "$2" "$T/keyerr.txt"
}
mkfifo -m 600 "$T/fifo.key"
ln -s "$T/ha.key" "$T/link.key"
sed "s|$T/ha.key|$T/fifo.key|" "$T/a.conf" >"$T/fifo.conf"
sed "s|$T/ha.key|$T/link.key|" "$T/a.conf" >"$T/link.conf"
CHECK "a FIFO as the key file is refused at start, without waiting" \
    key_refused "$T/fifo.conf" "fifo.key: a FIFO, not a regular file"
CHECK "a symbolic link as the key file is refused at start" \
    key_refused "$T/link.conf" "link.key: a symbolic link"

# ---- record b's heartbeats while b is active -------------------------------
ha_start b
wait_until 5 one_holder b || ERROR "b, started alone, did not take over"
ha_start a
wait_until 5 status_has a 'This server: running as standby\.' >/dev/null ||
    ERROR "a did not join as standby"
# The switch port of a sees every frame to a (port mirroring).
on sw timeout 15 tcpdump -i v-a -c 25 -w "$T/b-hb.pcap" \
    "udp and src host $B and dst port 7900" >/dev/null 2>&1
nrec=$(tcpdump -r "$T/b-hb.pcap" 2>/dev/null | wc -l)
CHECK "25 heartbeats of b's recorded on the switch" test "$nrec" -ge 25

cat >"$T/replay.py" <<'EOP'
# replay.py PCAP SRC DST: send each UDP payload of PCAP again from SRC to
# DST port 7900 (raw socket, so with SRC as the source), 200 ms apart.
import socket, struct, sys, time

data = open(sys.argv[1], "rb").read()
src, dst = sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
off, n = 24, 0
while off + 16 <= len(data) and n < 100:
    caplen = struct.unpack("<I", data[off + 8:off + 12])[0]
    frame = data[off + 16:off + 16 + caplen]
    off += 16 + caplen
    ihl = (frame[14] & 0x0f) * 4
    payload = frame[14 + ihl + 8:]
    assert len(payload) == 88, len(payload)
    udp = struct.pack("!HHHH", 7900, 7900, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17,
                     0, socket.inet_aton(src), socket.inet_aton(dst))
    s.sendto(ip + udp, (dst, 0))
    n += 1
    time.sleep(0.2)
print("replayed", n)
EOP

# ---- b gone, a restarted, the recording replayed ---------------------------
stop "${HA_PID[b]}"
wait_until 3 one_holder a >/dev/null || ERROR "a did not take over from b"
kill9 a
CHECK "killed with -9, a left the floating IP on its interface" holds a
rm -f "$T/run-a/ha.sock"
spawn c1 replay.log python3 "$T/replay.py" "$T/b-hb.pcap" "$B" "$A"
replay_pid=$SPAWN_PID
t0=$(now_ms)
spawn a a2.log "$TWIN_HA" -d -v -f "$T/a.conf"
HA_PID[a]=$SPAWN_PID
wait_until 10 test -S "$T/run-a/ha.sock" || ERROR "a did not restart"
# The socket exists once the leftover floating IP is removed.
CHECK "a, restarted, takes the floating IP while the recording plays" \
    wait_until 2.5 holds a
echo "# a holds the floating IP $(( $(now_ms) - t0 )) ms after its restart"
CHECK "the recording was still playing then" _tp_alive "$replay_pid"
CHECK "a went from INIT to ACTIVE for want of heartbeats" \
    grep -q "state INIT -> ACTIVE: no heartbeat from the partner" \
    "$T/logs/a2.log"
CHECK "a never believed b alive in this run" \
    sh -c "test -s '$T/logs/a2.log' && ! grep -q 'partner $B heard' '$T/logs/a2.log'"
CHECK "a's status: partner communication error" \
    status_has a 'Partner server: communication error \(no heartbeat since start\)'
wrongc() { local n; n=$(counter a wrong-challenge); echo "wrong-challenge: $n"; [ "$n" -ge 8 ]; }
CHECK "a counted the replayed heartbeats as wrong challenges" \
    wait_until 3 wrongc
CHECK "a warned that they answer no heartbeat of this run" \
    wait_until 3 grep -q "refused: wrong challenge: it answers no recent heartbeat" \
    "$T/logs/a2.log"
CHECK "a is the only holder" one_holder a
stop "$replay_pid" 10

# ---- b restarted: heard again ---------------------------------------------
ha_start b
CHECK "b, restarted, joins as standby" \
    wait_until 3 status_has b 'This server: running as standby\.'
CHECK "a hears b again" \
    wait_until 3 status_has a 'Partner server: running as standby\.'

# ---- both killed with -9 and restarted at once -----------------------------
kill9 a
kill9 b
rm -f "$T/run-a/ha.sock" "$T/run-b/ha.sock"
spawn a a3.log "$TWIN_HA" -d -v -f "$T/a.conf"
HA_PID[a]=$SPAWN_PID
spawn b b3.log "$TWIN_HA" -d -v -f "$T/b.conf"
HA_PID[b]=$SPAWN_PID
wait_until 10 test -S "$T/run-a/ha.sock" -a -S "$T/run-b/ha.sock" ||
    ERROR "a and b did not restart"
CHECK "both restarted at once: a (primary) is the only holder" \
    wait_until 5 one_holder a
CHECK "a hears b as standby" \
    wait_until 3 status_has a 'Partner server: running as standby\.'
CHECK "b hears a as active" \
    wait_until 3 status_has b 'Partner server: running as active\.'
CHECK "the handshake logged no refused heartbeat on a" \
    sh -c "test -s '$T/logs/a3.log' && ! grep -q refused '$T/logs/a3.log'"
CHECK "nor on b" \
    sh -c "test -s '$T/logs/b3.log' && ! grep -q refused '$T/logs/b3.log'"

# ---- b restarted with its wall clock a year behind -------------------------
stop "${HA_PID[b]}"
CHECK "faketime sets the wall clock a year back" \
    test "$(faketime -f -365d date +%Y)" -eq $(( $(date +%Y) - 1 ))
wait_until 3 status_has a 'Partner server: (communication error|in fault)' \
    >/dev/null || ERROR "a did not notice b's stop"
rm -f "$T/run-b/ha.sock"
spawn b b4.log env FAKETIME_DONT_FAKE_MONOTONIC=1 \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    faketime -f -365d "$TWIN_HA" -d -v -f "$T/b.conf"
# faketime runs the daemon as its child: that is the one to signal.
ft_pid=$SPAWN_PID
wait_until 5 pgrep -P "$ft_pid" || ERROR "faketime did not start twin-ha"
HA_PID[b]=$(pgrep -P "$ft_pid" | head -n 1)
echo "${HA_PID[b]}" >>"$T/pids"
wait_until 10 test -S "$T/run-b/ha.sock" || ERROR "b did not restart"
CHECK "b, a year behind, joins as standby" \
    wait_until 3 status_has b 'This server: running as standby\.'
CHECK "a hears b at once despite b's clock" \
    wait_until 3 status_has a 'Partner server: running as standby\.'
CHECK "a is the only holder" one_holder a
ha_kill b TERM
wait_until 5 not _tp_alive "$ft_pid" || ERROR "b did not stop"
wait "$ft_pid"
CHECK "b, a year behind, stops cleanly" test "$?" -eq 0
finish
