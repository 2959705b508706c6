#!/bin/sh
# demo.sh: the main command. Installs what is missing, builds twinproxy in
# build/, and runs the demo pair in network namespaces.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/deps.sh"
sh "$top/scripts/build.sh" "$top/build"
echo
echo "== checking the example peer configurations"
for f in "$top"/etc/*.conf; do
	"$top/build/twinctl" check -q -f "$f"
done
if [ -f "$top/tests/demo/pair.sh" ]; then
	echo
	exec bash "$top/tests/demo/pair.sh"
fi
