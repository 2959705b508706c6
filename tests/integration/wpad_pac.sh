#!/bin/bash
# wpad_pac.sh - evaluates generated PAC scripts with pactester.
#
# The scripts come from `twinctl pac --client ADDR`, which builds them from
# the config exactly as twin-wpad does (no daemon involved), for peer A's
# and peer B's mirrored configs.  pactester (libpacparser) runs each one
# and the exact result strings are checked:
#   - even and odd IPv4 clients, IPv6 clients (lowest bit);
#   - peer A and peer B give every client the same script;
#   - DIRECT networks given as CIDR and as addr/mask, IPv6 networks;
#   - plain host names (on and off), DIRECT domains;
#   - balance off, one proxy down, both down, fallback DIRECT;
#   - the my-ip-address variant with IPv4, loopback, IPv6 and garbage
#     myIpAddress() values;
#   - bad hosts are refused at config time, never pasted into a script.

# Helper functions below are called through CHECK:
# shellcheck disable=SC2317
set -u
. "$(dirname "$0")/lib.sh"

need_cmd pactester

PA="PROXY $A:8080"
PB="PROXY $B:8080"
AB="$PA; $PB"
BA="$PB; $PA"
URL=http://www.example.com/

# mkconf FILE SELF PARTNER EXTRA...: write a peer config with a wpad block.
mkconf() {
    local f=$1 self=$2 partner=$3
    shift 3
    cat >"$f" <<EOF
peer { name $(basename "$f" .conf); address ${self%:*}; }
wpad {
	listen $FIP:80;
	proxy $self;
	partner-proxy $partner;
	direct 127.0.0.0/255.255.255.0;
	direct 198.19.0.0/16;
	direct fd00::/8;
	direct-domain example.org;
	direct-domain .corp.example;
	$*
}
EOF
}

# pac CONF CLIENT: write the script CLIENT gets to $T/out.pac; the proxies
# named in DOWN (self, partner) are marked down.
DOWN=""
pac() {
    local conf=$1 client=$2 d
    local -a args=()
    for d in $DOWN; do args+=(--down "$d"); done
    "$TWINCTL" pac --client "$client" -f "$conf" "${args[@]}" >"$T/out.pac"
}

# expect WANT CONF CLIENT [pactester args...]: the script CONF gives CLIENT
# returns WANT for URL (or for the -u/-h given).
expect() {
    local want=$1 conf=$2 client=$3 got
    shift 3
    pac "$conf" "$client" || return 1
    [ $# -gt 0 ] || set -- -u "$URL"
    got=$(pactester -p "$T/out.pac" "$@") || return 1
    echo "client $client, pactester $*: got '$got', want '$want'"
    [ "$got" = "$want" ]
}

mkconf "$T/a.conf" "$A:8080" "$B:8080"
mkconf "$T/b.conf" "$B:8080" "$A:8080"

# ---- per-client assignment ------------------------------------------------

for c in a b; do
    CHECK "peer $c: even client $C2 gets A first" \
        expect "$AB" "$T/$c.conf" "$C2"
    CHECK "peer $c: odd client $C1 gets B first" \
        expect "$BA" "$T/$c.conf" "$C1"
    CHECK "peer $c: IPv6 client fd00::10 (low bit 0) gets A first" \
        expect "$AB" "$T/$c.conf" fd00::10
    CHECK "peer $c: IPv6 client ::1 (low bit 1) gets B first" \
        expect "$BA" "$T/$c.conf" ::1
done

same_script() {
    local client=$1
    pac "$T/a.conf" "$client" && tail -n +4 "$T/out.pac" >"$T/sa.pac" &&
    pac "$T/b.conf" "$client" && tail -n +4 "$T/out.pac" >"$T/sb.pac" &&
    cmp "$T/sa.pac" "$T/sb.pac"
}
for client in "$C1" "$C2" ::1 fd00::10; do
    CHECK "peers A and B give $client the very same script" \
        same_script "$client"
done

says() {
    local want=$1
    shift
    pac "$@" || return 1
    head -n 3 "$T/out.pac"
    grep -qF -- "$want" "$T/out.pac"
}
CHECK "twinctl says why the odd client gets B first" \
    says "// $C1 is odd: $B:8080 first (odd address: second in canonical order)" \
    "$T/a.conf" "$C1"
CHECK "twinctl prints the even client's proxy order" \
    says "// proxy order: $AB" "$T/a.conf" "$C2"

# ---- DIRECT rules ---------------------------------------------------------

CHECK "addr/mask network: 127.0.0.5 is DIRECT" \
    expect DIRECT "$T/a.conf" "$C1" -u http://127.0.0.5/
CHECK "addr/mask network: 127.0.1.5 is outside /24, proxied" \
    expect "$BA" "$T/a.conf" "$C1" -u http://127.0.1.5/
CHECK "CIDR network: 198.19.200.1 is DIRECT" \
    expect DIRECT "$T/a.conf" "$C2" -u http://198.19.200.1:8000/x
CHECK "CIDR network: 198.20.0.1 is proxied" \
    expect "$AB" "$T/a.conf" "$C2" -u http://198.20.0.1/
CHECK "IPv6 network: fd00::1 is DIRECT" \
    expect DIRECT "$T/a.conf" "$C2" -u 'http://[fd00::1]/' -h fd00::1
CHECK "IPv6 network: [fd00::1] with brackets is DIRECT" \
    expect DIRECT "$T/a.conf" "$C2" -u 'http://[fd00::1]/' -h '[fd00::1]'
CHECK "IPv6 literal outside the networks is proxied" \
    expect "$AB" "$T/a.conf" "$C2" -u 'http://[2001:db8::1]/' -h 2001:db8::1
CHECK "plain host name is DIRECT" \
    expect DIRECT "$T/a.conf" "$C1" -u http://intranet/
CHECK "domain: example.org itself is DIRECT" \
    expect DIRECT "$T/a.conf" "$C1" -u http://example.org/
CHECK "domain: www.Example.ORG is DIRECT (case does not matter)" \
    expect DIRECT "$T/a.conf" "$C1" -u http://www.Example.ORG/
CHECK "domain: notexample.org is proxied" \
    expect "$BA" "$T/a.conf" "$C1" -u http://notexample.org/
CHECK "domain .corp.example: a.corp.example is DIRECT" \
    expect DIRECT "$T/a.conf" "$C1" -u http://a.corp.example/
CHECK "domain .corp.example: corp.example itself is proxied" \
    expect "$BA" "$T/a.conf" "$C1" -u http://corp.example/
no_dns() { pac "$T/a.conf" "$C1" && no_line "$T/out.pac" 'dnsResolve|isResolvable|alert'; }
CHECK "the script never resolves names" no_dns

mkconf "$T/noplain.conf" "$A:8080" "$B:8080" "plain-hosts-direct no;"
CHECK "plain-hosts-direct no: a plain host name is proxied" \
    expect "$AB" "$T/noplain.conf" "$C2" -u http://intranet/

# ---- balance, health, fallback ----------------------------------------------

mkconf "$T/a-nobal.conf" "$A:8080" "$B:8080" "balance no;"
mkconf "$T/b-nobal.conf" "$B:8080" "$A:8080" "balance no;"
for client in "$C1" "$C2"; do
    CHECK "balance off on A: $client gets A first" \
        expect "$AB" "$T/a-nobal.conf" "$client"
    CHECK "balance off on B: $client gets B first" \
        expect "$BA" "$T/b-nobal.conf" "$client"
done

DOWN=partner
for client in "$C1" "$C2" ::1; do
    CHECK "B down: $client gets A first, B last" \
        expect "$AB" "$T/a.conf" "$client"
    CHECK "A down (seen from B): $client gets B first, A last" \
        expect "$BA" "$T/b.conf" "$client"
done
DOWN="self partner"
CHECK "both down: the odd client keeps B first, script valid" \
    expect "$BA" "$T/a.conf" "$C1"
CHECK "both down: the even client keeps A first, script valid" \
    expect "$AB" "$T/a.conf" "$C2"
DOWN=""

mkconf "$T/fb.conf" "$A:8080" "$B:8080" "fallback-direct yes;"
CHECK "fallback-direct: DIRECT after both proxies" \
    expect "$BA; DIRECT" "$T/fb.conf" "$C1"

# ---- my-ip-address variant ------------------------------------------------

mkconf "$T/myip.conf" "$B:8080" "$A:8080" "script my-ip-address;"
myip() {
    local want=$1 ip=$2 got
    pac "$T/myip.conf" "$C1" || return 1
    got=$(pactester -p "$T/out.pac" -u "$URL" -c "$ip") || return 1
    echo "myIpAddress '$ip': got '$got', want '$want'"
    [ "$got" = "$want" ]
}
CHECK "my-ip-address: 198.18.0.12 (even) gets A first" myip "$AB" "$C2"
CHECK "my-ip-address: 198.18.0.11 (odd) gets B first" myip "$BA" "$C1"
CHECK "my-ip-address: 198.18.0.011 (odd, leading zero) gets B first" \
    myip "$BA" 198.18.0.011
CHECK "my-ip-address: 127.0.0.1 gets the fixed order" myip "$AB" 127.0.0.1
CHECK "my-ip-address: 127.0.0.3 gets the fixed order" myip "$AB" 127.0.0.3
CHECK "my-ip-address: 0.0.0.0 gets the fixed order" myip "$AB" 0.0.0.0
CHECK "my-ip-address: an IPv6 address gets the fixed order" \
    myip "$AB" 2001:db8::3
CHECK "my-ip-address: garbage gets the fixed order" myip "$AB" 'not an ip'
CHECK "my-ip-address: 300.1.1.1 gets the fixed order" myip "$AB" 300.1.1.1
CHECK "my-ip-address: 1.2.3.4.5 gets the fixed order" myip "$AB" 1.2.3.4.5
CHECK "my-ip-address: an empty answer gets the fixed order" myip "$AB" ''
CHECK "my-ip-address: DIRECT rules still apply" \
    expect DIRECT "$T/myip.conf" "$C1" -u http://127.0.0.9/
myex() { pac "$T/myip.conf" "$C1" && no_line "$T/out.pac" 'myIpAddressEx|dnsResolve'; }
CHECK "my-ip-address: no myIpAddressEx, no DNS" myex

mkconf "$T/evil.conf" "$A:8080" 'x";alert(1);//:80'

# ---- twin-wpad -n ------------------------------------------------------------

check_only() {
    local out
    out=$("$TWIN_WPAD" -n -f "$T/b.conf") || return 1
    printf '%s\n' "$out" | tail -n 3
    grep -qxF "# even clients: $AB" <<<"$out" &&
    grep -qxF "# odd clients: $BA" <<<"$out"
}
CHECK "twin-wpad -n checks the config and prints both orders" check_only
CHECK "twin-wpad -n fails on a host that is not valid" \
    not "$TWIN_WPAD" -n -f "$T/evil.conf"

# ---- bad input --------------------------------------------------------------

CHECK "a host that could break out of the script is refused" \
    not "$TWINCTL" pac --client "$C1" -f "$T/evil.conf"
CHECK "twinctl pac refuses a client that is not an address" \
    not "$TWINCTL" pac --client 198.18.0 -f "$T/a.conf"
CHECK "twinctl pac without --client prints usage and fails" \
    not "$TWINCTL" pac -f "$T/a.conf"
ascii() { pac "$T/a.conf" "$C1" && LC_ALL=C no_line -P "$T/out.pac" '[^\x09\x0a\x20-\x7e]'; }
CHECK "the script is plain ASCII" ascii

finish
