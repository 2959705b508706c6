#!/bin/sh
# build.sh: configure and build twinproxy out of tree; the compiler's output
# goes to DIR/build.log and is shown only if the build fails.
# usage: build.sh DIR [configure options...]
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
dir=$(cd "$1" && pwd)
shift
log=$dir/build.log
: >"$log"
fail() {
	tail -n 60 "$log"
	echo "build failed; the whole log is $log" >&2
	exit 1
}
[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh) >>"$log" 2>&1 || fail
cd "$dir"
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ]; then
	"$top/configure" "$@" >>"$log" 2>&1 || fail
fi
make -j"$(nproc)" >>"$log" 2>&1 || fail
