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
	failed=""
	for f in tests/unit/*.log tests/integration/*.log; do
		[ -f "$f" ] || continue
		grep -q '^:test-result: \(FAIL\|ERROR\)' "${f%.log}.trs" \
		    2>/dev/null || continue
		failed="$failed $f"
		echo "==================== $f"
		tail -n 80 "$f"
	done
	# Last, and short: what failed in each, so that the end of the
	# output names it (CUnit's failures, sanitizer reports, "not ok").
	for f in $failed; do
		echo "==================== failed: $f"
		grep -E -A3 '^ *[0-9]+\. .*:[0-9]+ +- |\.\.\.FAILED|ERROR: [A-Za-z]+Sanitizer|runtime error:|^not ok ' \
		    "$f" | head -n 24
	done
	exit 1
fi
