#!/bin/sh
# demo.sh: the main command. Installs what is missing, builds twinproxy in
# build/, checks the example configurations, and runs the demo pair in
# network namespaces (tests/demo/pair.sh), which it removes at the end.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/deps.sh"
echo "== building twinproxy in build/"
sh "$top/scripts/build.sh" "$top/build"
echo
echo "== checking the example peer configurations in etc/"
for f in "$top"/etc/*.conf; do
	"$top/build/twinctl" check -q -f "$f"
done
TOP_SRCDIR=$top TOP_BUILDDIR=$top/build exec bash "$top/tests/demo/pair.sh"
