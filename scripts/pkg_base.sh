#!/bin/bash
# pkg_base.sh: the Debian 12 chroot that tests/integration/pkg_debian.sh
# installs the packages in, made from the host's apt mirror while the
# packages are installed (scripts/deps.sh), so that the test itself needs
# no network. A minbase system with systemd (for systemd-analyze verify)
# and the packages' run-time dependencies, kept as a tarball in
# /var/cache/twinproxy-test (PKG_BASE); made again when the list below
# changes or the tarball is a week old.
set -eu

OUT=${PKG_BASE:-/var/cache/twinproxy-test/bookworm.tar}
# What debian/control and the binaries' shared libraries need; a missing
# one makes pkg_debian.sh's offline install fail, naming it.
INCLUDE="systemd adduser procps libevent-2.1-7 libevent-core-2.1-7
	libevent-extra-2.1-7 libevent-openssl-2.1-7 libevent-pthreads-2.1-7
	libssl3 libpcap0.8 libbsd0 libsqlite3-0"
INCLUDE=$(echo $INCLUDE)

if [ -s "$OUT" ] && [ "$(cat "$OUT.include" 2>/dev/null)" = "$INCLUDE" ] &&
    [ -z "$(find "$OUT" -mtime +7)" ]; then
	exit 0
fi
command -v mmdebstrap >/dev/null ||
	{ echo "pkg_base: mmdebstrap is not installed" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pkg-base.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The host's Debian 12 sources (main only), in one-line form.
python3 - '^bookworm(-updates|-security)?$' >"$tmp/sources.list" <<'EOP'
import glob, re, sys
ok = re.compile(sys.argv[1])
out = []
def emit(uri, suite, comps, keyring):
    comps = [c for c in comps if c == "main"]
    if not ok.match(suite) or not comps:
        return
    opt = " [signed-by=%s]" % keyring if keyring else ""
    line = "deb%s %s %s %s" % (opt, uri, suite, " ".join(comps))
    if line not in out:
        out.append(line)
for f in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
    try:
        lines = open(f).read().splitlines()
    except OSError:
        continue
    for l in lines:
        l = l.split("#", 1)[0].strip()
        m = re.match(r"^deb\s+(\[([^]]*)\]\s+)?(\S+)\s+(\S+)\s+(.*)$", l)
        if not m:
            continue
        key = None
        for o in (m.group(2) or "").split():
            if o.startswith("signed-by="):
                key = o.split("=", 1)[1]
        emit(m.group(3), m.group(4), m.group(5).split(), key)
for f in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
    for st in re.split(r"\n\s*\n", open(f).read()):
        d = {}
        for l in st.splitlines():
            if l.startswith("#") or ":" not in l or l[0].isspace():
                continue
            k, v = l.split(":", 1)
            d[k.strip().lower()] = v.split()
        if "deb" not in d.get("types", []) or \
                d.get("enabled", ["yes"]) == ["no"]:
            continue
        key = (d.get("signed-by") or [None])[0]
        for uri in d.get("uris", []):
            for s in d.get("suites", []):
                emit(uri, s, d.get("components", []), key)
print("\n".join(out))
EOP
[ -s "$tmp/sources.list" ] ||
	{ echo "pkg_base: no Debian 12 entry in /etc/apt/sources.list*" >&2; exit 1; }
echo "pkg_base: making the Debian 12 chroot for pkg_debian.sh ($OUT)"
TMPDIR=$tmp timeout 900 mmdebstrap --quiet --mode=root --variant=minbase \
    --skip=cleanup/apt/lists --aptopt='APT::Install-Recommends "false"' \
    --include="$(echo "$INCLUDE" | tr ' ' ,)" \
    bookworm "$tmp/base.tar" "$tmp/sources.list"
mv "$tmp/base.tar" "$OUT"
echo "$INCLUDE" >"$OUT.include"
