#!/usr/bin/env bash
# ./build.sh coverage: which lines of the portable code a seed sweep never reaches.
# Builds basin-sim into build/coverage with the portable code (src/kernel, src/subsystems,
# src/lib) and src/faults compiled -O0 --coverage (the interpreter keeps -O2), runs seeds
# 1..N of every scenario, then prints per file line coverage (tools/coverage_report.py).
#
# gcov data of parallel processes: every seed runs in a child process of basin-sim
# (--jobs); each child writes its counters into the same .gcda files when it exits, and
# libgcov merges them under a file lock (fcntl), so no run's counts are lost. (Counts the
# parent made before a fork may count twice; reached or not is all we report.) A seed that dies
# of a signal writes nothing: its scenario is then reported as failed.
set -euo pipefail
cd "$(dirname "$0")/.."

# COVERAGE_OUT: another build and data folder (tests/t_coverage.sh keeps the last full
# sweep's data in build/coverage that way).
OUT=${COVERAGE_OUT:-build/coverage}
# Three: rare recovery paths (a damaged checkpoint, a repair that never reads back) are
# reached by two seeds of storage-checkpoint-damage only now and then.
seeds=3
# debug, not error: the kernel's debug lines (workload reports and their rate limit,
# the formatter's rarer conversions) are code too, and run only when printed.
log_level=debug
jobs=$(nproc 2>/dev/null || echo 2)
scenarios=()

usage() {
    cat <<'USAGE'
usage: ./build.sh coverage [--seeds N] [--jobs N] [--log LEVEL] [--scenario FILE]...
Builds basin-sim with gcov into build/coverage, runs seeds 1..N (default 3) of every
scenario in scenarios/ (or of the --scenario files given) with `basin-sim --seeds 1..N
--jobs N --log LEVEL`, and prints line coverage per file of src/kernel, src/subsystems,
src/lib and src/faults: lines, lines reached, lines explained unreachable, percentage of
the reachable lines, flagged below 90%; totals, flagged below 95%; the hardware-only
files apart; the lines never reached go to build/coverage/uncovered.txt (path:lines and
function). Unreachable lines and hardware-only files are explained in
tools/coverage_unreachable.txt.
  --seeds N        seeds per scenario, 1..1000 (default 3)
  --jobs N         seeds run at once (default: the number of cores)
  --log LEVEL      the runs' kernel log level (default debug: code that only runs when
                   it prints is reached too; error is faster)
  --scenario FILE  sweep this scenario only; repeatable (default: scenarios/*.scenario)
Exit status: 0 every seed passed, 1 a seed failed (its scenario and reproduce command
are printed; the report still follows), 2 bad usage or build failure.
USAGE
}

positive() { # name value max
    if ! [[ "$2" =~ ^[0-9]+$ ]] || [ "$2" -lt 1 ] || [ "$2" -gt "$3" ]; then
        echo "coverage: $1 wants a number 1..$3, not '$2'" >&2
        exit 2
    fi
}

while [ $# -gt 0 ]; do
    case "$1" in
        --seeds|--jobs|--log|--scenario)
            if [ $# -lt 2 ]; then echo "coverage: $1 needs a value" >&2; exit 2; fi
            case "$1" in
                --seeds) positive --seeds "$2" 1000; seeds=$2 ;;
                --jobs) positive --jobs "$2" 256; jobs=$2 ;;
                --log)
                    case "$2" in error|warn|info|debug|trace) log_level=$2 ;;
                        *) echo "coverage: --log wants error, warn, info, debug or trace, not '$2'" >&2; exit 2 ;;
                    esac ;;
                --scenario)
                    [ -f "$2" ] || { echo "coverage: no scenario file '$2'" >&2; exit 2; }
                    scenarios+=("$2") ;;
            esac
            shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "coverage: unknown option '$1' (see ./build.sh coverage --help)" >&2; exit 2 ;;
    esac
done
[ ${#scenarios[@]} -gt 0 ] || scenarios=(scenarios/*.scenario)

echo "coverage: building $OUT/basin-sim (portable code -O0 --coverage)"
if ! make -s -j"$jobs" BUILD="$OUT" CFLAGS="-O2 -g" COVERAGE_CFLAGS="-O0 --coverage" \
        "$OUT/basin-sim" > "$OUT.build.log" 2>&1; then
    cat "$OUT.build.log" >&2
    echo "coverage: build failed" >&2
    exit 2
fi
find "$OUT/host" -name '*.gcda' -delete
mkdir -p "$OUT/logs"

# One scenario's seeds: its log, exit status and wall seconds in $OUT/logs.
run_scenario() { # scenario-file seed-jobs
    local name status=0 begin=$SECONDS
    name=$(basename "$1" .scenario)
    "$OUT/basin-sim" --seeds "1..$seeds" --jobs "$2" --scenario "$1" --log "$log_level" \
        > "$OUT/logs/$name.log" 2>&1 || status=$?
    echo "$status $((SECONDS - begin))" > "$OUT/logs/$name.status"
    # As each scenario ends (the order of a parallel sweep): progress while it runs.
    printf '  %-40s %s (%d s)\n' "$name" "$([ "$status" = 0 ] && echo passed || echo "FAILED, exit $status")" \
        $((SECONDS - begin))
}
export -f run_scenario
export OUT seeds log_level

# With more scenarios than jobs, scenarios run side by side (one seed at a time each):
# no core waits for the slowest seed of a scenario.
scenario_jobs=1 seed_jobs=$jobs
if [ ${#scenarios[@]} -ge "$jobs" ]; then scenario_jobs=$jobs seed_jobs=1; fi
failed=()
start=$SECONDS
echo "coverage: seeds 1..$seeds of ${#scenarios[@]} scenarios, jobs $jobs, --log $log_level"
rm -f "$OUT"/logs/*.status
printf '%s\n' "${scenarios[@]}" | xargs -P "$scenario_jobs" -I{} bash -c 'run_scenario "$1" "$2"' _ {} "$seed_jobs"
for scenario in "${scenarios[@]}"; do
    name=$(basename "$scenario" .scenario)
    read -r status _ < "$OUT/logs/$name.status" || status=missing
    if [ "$status" != 0 ]; then
        failed+=("$name")
        echo "coverage: $name failed (exit $status; $OUT/logs/$name.log):"
        grep -v '^seeds [0-9]*/' "$OUT/logs/$name.log" | sed 's/^/    /' | tail -20
    fi
done
echo "coverage: sweep done in $((SECONDS - start)) s, ${#failed[@]} scenario(s) failed${failed[*]:+: ${failed[*]}}"
python3 tools/coverage_report.py "$OUT" --explain tools/coverage_unreachable.txt --uncovered "$OUT/uncovered.txt"
[ ${#failed[@]} -eq 0 ] || exit 1
