#!/bin/sh
# coverage.sh: line coverage of each fuzz target's parser files, measured
# by replaying its corpus once (no fuzzing) in a build with clang's source
# coverage. Run through "make fuzz-coverage" from the build directory,
# which passes the compiler, flags and each target's source list; the
# corpus of a target is its seeds (tests/fuzz/corpus_NAME) plus what a run
# left in tests/fuzz/fuzz_NAME.work, if anything.
#
# usage: coverage.sh [NAME...]	(default: every target; make fuzz-coverage
# FUZZ="cfg ctl" passes names)
# Output: llvm-cov's report (files of the parser only), then one summary
# line a target: "NAME: L of N lines (P%)".
set -eu

: "${SRCDIR:?run through make fuzz-coverage}"
: "${FUZZ_CC:=clang}"
names=${*:?usage: coverage.sh NAME...}
out=tests/fuzz/coverage
mkdir -p "$out"

profdata=$(command -v llvm-profdata-14 || command -v llvm-profdata) ||
    { echo "coverage.sh: llvm-profdata not found (Debian: llvm-14)" >&2; exit 1; }
cov=$(command -v llvm-cov-14 || command -v llvm-cov) ||
    { echo "coverage.sh: llvm-cov not found (Debian: llvm-14)" >&2; exit 1; }

summary='' srcs='' files=''
for name in $names; do
    upper=$(echo "$name" | tr '[:lower:]' '[:upper:]')
    eval "srcs=\${FUZZ_${upper}_SRCS:-}"
    [ -n "$srcs" ] || { echo "coverage.sh: no sources for $name" >&2; exit 1; }
    # Report on the parser's own files only.
    eval "files=\${FUZZ_${upper}_PARSER:-}"
    bin=$out/cov_$name
    # shellcheck disable=SC2086  # lists of words
    $FUZZ_CC -g -O0 -fsanitize=fuzzer -fprofile-instr-generate \
        -fcoverage-mapping $FUZZ_CPPFLAGS -o "$bin" $srcs $FUZZ_LIBS
    dirs=$SRCDIR/tests/fuzz/corpus_$name
    [ -d "tests/fuzz/fuzz_$name.work" ] && dirs="$dirs tests/fuzz/fuzz_$name.work"
    rm -f "$out/$name".*.profraw
    # shellcheck disable=SC2086
    LLVM_PROFILE_FILE="$out/$name.%p.profraw" "$bin" -runs=0 $dirs \
        >"$out/$name.log" 2>&1 ||
        { echo "coverage.sh: replay of $name failed, see $out/$name.log" >&2
          exit 1; }
    "$profdata" merge -sparse -o "$out/$name.profdata" "$out/$name".*.profraw
    # shellcheck disable=SC2086
    echo "== fuzz_$name ($(find $dirs -type f | wc -l) inputs)"
    # shellcheck disable=SC2086
    "$cov" report -instr-profile="$out/$name.profdata" "$bin" $files |
        tee "$out/$name.txt"
    # TOTAL line: ... Lines Missed Cover ... (the 8th to 10th columns).
    line=$(awk '$1 == "TOTAL" { print $8, $9, $10 }' "$out/$name.txt")
    # shellcheck disable=SC2086
    set -- $line
    summary="$summary
$name: $(($1 - $2)) of $1 lines ($3)"
done
echo "== line coverage$summary"
