#!/bin/bash
# metrics_lib.sh - scraping the daemons' /metrics endpoints in scenarios.
# Sourced after lib.sh (it uses on and T); scrapes go to $T/NAME.prom.

CT='text/plain; version=0.0.4; charset=utf-8'

# scrape HOST ADDR PORT NAME: GET /metrics from HOST into $T/NAME.prom
# (head in $T/NAME.hdr); fails unless 200 with the 0.0.4 content type.
scrape() {
    on "$1" curl -sS -f --noproxy '*' -m 3 -D "$T/$4.hdr" \
        -o "$T/$4.prom" "http://$2:$3/metrics" || return 1
    tr -d '\r' <"$T/$4.hdr" | grep -qix "content-type: $CT" || {
        echo "$4: no Content-Type: $CT"; cat "$T/$4.hdr"; return 1; }
}
# promok NAME: promtool accepts $T/NAME.prom (and it is not empty).
promok() {
    [ -s "$T/$1.prom" ] || { echo "$1.prom is empty or missing"; return 1; }
    promtool check metrics <"$T/$1.prom"
}
# mval NAME SERIES: the value of SERIES (name{labels} exactly as written)
# in $T/NAME.prom; fails when absent.
mval() {
    awk -v s="$2" '$1 == s { print $2; f = 1 } END { exit !f }' \
        "$T/$1.prom"
}
# mis NAME SERIES VALUE: SERIES has VALUE.
mis() {
    local v
    v=$(mval "$1" "$2") || { echo "$1: no $2"; return 1; }
    echo "$1: $2 = $v (want $3)"
    [ "$v" = "$3" ]
}
# mge NAME SERIES MIN: SERIES is at least MIN.
mge() {
    local v
    v=$(mval "$1" "$2") || { echo "$1: no $2"; return 1; }
    echo "$1: $2 = $v (want >= $3)"
    [ "$v" -ge "$3" ]
}
# scrape_is HOST ADDR PORT NAME SERIES VALUE: scrape, then mis.
scrape_is() { scrape "$1" "$2" "$3" "$4" && mis "$4" "$5" "$6"; }
