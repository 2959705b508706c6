#!/bin/sh
# test.sh: the test command. Installs missing packages, builds with
# AddressSanitizer, UndefinedBehaviorSanitizer and -Werror in build-check/,
# and runs `make check` (CUnit unit tests and network-namespace scenarios).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/deps.sh"
sh "$top/scripts/build.sh" "$top/build-check" --enable-asan --enable-werror
cd "$top/build-check"
if ! make -j"$(nproc)" check; then
	for f in tests/unit/*.log tests/integration/*.log; do
		[ -f "$f" ] || continue
		grep -q '^FAIL\|^ERROR' "${f%.log}.trs" 2>/dev/null || continue
		echo "==================== $f"
		tail -n 80 "$f"
	done
	exit 1
fi
