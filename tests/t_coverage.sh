#!/usr/bin/env bash
# ./build.sh coverage (tools/coverage.sh): its argument errors, and the report of a tiny
# sweep (one short scenario, one seed): per-file lines, the totals and their flags, the
# hardware-only files apart, the lines never reached in uncovered.txt. It builds into
# build/coverage-test (COVERAGE_OUT), leaving a full sweep's data in build/coverage.
source "$(dirname "$0")/lib.sh"
out=build/test-logs/coverage-smoke.log
mkdir -p build/test-logs

refused() { # name expected-message args...
    local name=$1 message=$2 status=0; shift 2
    tools/coverage.sh "$@" > "$out.err" 2>&1 || status=$?
    if [ $status -eq 2 ] && grep -q -- "$message" "$out.err"; then ok "coverage refuses $name"
    else not_ok "coverage refuses $name" "exit $status: $(head -1 "$out.err")"; fi
}
refused "--seeds 0" "--seeds wants a number 1..1000, not '0'" --seeds 0
refused "--jobs x" "--jobs wants a number 1..256, not 'x'" --jobs x
refused "a missing scenario" "no scenario file 'scenarios/nope.scenario'" --scenario scenarios/nope.scenario
refused "an unknown option" "unknown option '--bogus'" --bogus
refused "a missing value" "--seeds needs a value" --seeds
refused "--log loud" "--log wants error, warn, info, debug or trace, not 'loud'" --log loud
check "coverage --help names its options" bash -c "./build.sh coverage --help | grep -q -- '--scenario FILE'"

status=0
COVERAGE_OUT=build/coverage-test ./build.sh coverage --seeds 1 --jobs 2 --scenario scenarios/no-faults.scenario > "$out" 2>&1 || status=$?
check "a one-seed sweep passes (exit 0)" test "$status" -eq 0
check "the sweep names its scenario" grep -q '^  no-faults  *passed' "$out"
check "a kernel file has a coverage row" grep -Eq '^src/kernel/proc/proc\.c +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+%' "$out"
check "GrainDB's checkpoint.c has a row" grep -Eq '^src/subsystems/graindb/checkpoint\.c +[0-9]+' "$out"
check "files below 90% are flagged" grep -Eq '% +< 90%$' "$out"
check "the portable total is printed and flagged" grep -Eq '^total portable \(kernel, subsystems, lib\) [0-9]+ of [0-9]+ lines +[0-9.]+%' "$out"
check "GrainDB files below 90% are counted" grep -Eq '^graindb files below 90%: [0-9]+ of [0-9]+' "$out"
check "hardware-only files are listed apart" grep -Eq '^  src/lib/fdt/fdt\.c +0/[0-9]+ lines: ' "$out"
check "uncovered lines go to build/coverage-test/uncovered.txt" grep -q 'in build/coverage-test/uncovered.txt$' "$out"
check "uncovered.txt holds path:lines ranges with their function" \
    grep -Eqm1 '^src/(kernel|subsystems)/[a-z_/]+\.[ch]:[0-9]+(-[0-9]+)?  [a-z_0-9]+$' build/coverage-test/uncovered.txt

bad=$(mktemp)
printf 'unreachable src/kernel/kernel.c:x why\n' > "$bad"
status=0
python3 tools/coverage_report.py build/coverage-test --explain "$bad" > "$out.err" 2>&1 || status=$?
check "a malformed tools/coverage_unreachable.txt line is refused (exit 2)" test "$status" -eq 2
rm -f "$bad"

fn_file=$(mktemp)
printf 'unreachable src/kernel/proc/proc.c:fn=no_such_function why\n' > "$fn_file"
status=0
python3 tools/coverage_report.py build/coverage-test --explain "$fn_file" --uncovered "$fn_file.out" > "$out.fn" 2>&1 || status=$?
check "an unreachable entry by function name is accepted" test "$status" -eq 0
check "the explained count is printed" grep -q '^explained unreachable lines: 0 ' "$out.fn"
rm -f "$fn_file" "$fn_file.out"
