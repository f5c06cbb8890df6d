#!/usr/bin/env bash
# basin-sim --seeds/--count: many seeds in child processes give the same per-seed results
# as single runs, with one job or two; failures are grouped by invariant, saved in seeds/
# format and replay; bad ranges are refused naming them.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ARGS=(--steps 800 --log warn)

# json_field FILE SEED FIELD: a field of one seed's JSON line (strings without quotes).
json_field() {
    grep -E "^\{\"seed\":$2," "$1" | grep -oE "\"$3\":(\"[^\"]*\"|[^,}]*)" | head -1 | sed -E 's/^"[a-z_]+"://; s/"//g'
}

"$SIM" --seeds 1..6 --jobs 2 --json "$tmp/j2.json" "${ARGS[@]}" > "$tmp/j2.out" 2> "$tmp/j2.err"
check "--seeds 1..6 of a passing scenario exits 0" test $? -eq 0
check "--json has one line per seed" test "$(wc -l < "$tmp/j2.json")" -eq 6
check "--json lines are in seed order" test "$(grep -oE '^\{"seed":[0-9]+' "$tmp/j2.json" | tr -dc '0-9\n' | tr '\n' ' ')" = "1 2 3 4 5 6 "
check "without a terminal progress is plain lines on stderr" grep -qE '^seeds 6/6, 0 failed, [0-9]+\.[0-9]{2} seeds/s, ETA [0-9]+ s$' "$tmp/j2.err"
same=yes
for seed in 1 2 3 4 5 6; do
    "$SIM" --seed "$seed" "${ARGS[@]}" > "$tmp/single-$seed.out" 2>&1
    result=$(grep -oE '^result: [a-z]+' "$tmp/single-$seed.out" | sed 's/result: //')
    if [ "$result" != "$(json_field "$tmp/j2.json" "$seed" result)" ] ||
       [ "$(trace_hash "$tmp/single-$seed.out")" != "$(json_field "$tmp/j2.json" "$seed" trace_hash)" ] ||
       [ "$(json_field "$tmp/j2.json" "$seed" invariant)" != null ] ||
       [ "$(grep -oE '^steps: [0-9]+' "$tmp/single-$seed.out" | sed 's/steps: //')" != "$(json_field "$tmp/j2.json" "$seed" steps)" ]; then
        same="no: seed $seed single '$result' $(trace_hash "$tmp/single-$seed.out"), --seeds: $(grep "\"seed\":$seed," "$tmp/j2.json")"
    fi
done
check "--jobs 2 per-seed results equal six single runs ($same)" test "$same" = yes
"$SIM" --seeds 1..6 --jobs 1 --json "$tmp/j1.json" "${ARGS[@]}" > /dev/null 2>&1
check "--jobs 1 and --jobs 2 give the same JSON apart from wall time" \
    test "$(sed 's/,"wall_ms":[0-9]*//' "$tmp/j1.json")" = "$(sed 's/,"wall_ms":[0-9]*//' "$tmp/j2.json")"

# A planted bug caught at seed 1 of its scenario (tests/t_planted_bugs.sh, t_sim_cli.sh).
BUG=(--scenario scenarios/bug-hunt.scenario --bug shutdown-halt-any-uid --log warn)
"$SIM" --seeds 1..3 --jobs 2 --json "$tmp/bug.json" --save-failures "$tmp/failures" "${BUG[@]}" > "$tmp/bug.out" 2>&1
check "a failing seed makes the exit status 1" test $? -eq 1
check "failures are grouped under the bug's invariant with the first seed" \
    grep -qE '^  shutdown_needs_root: 3 seeds, first seed 1$' "$tmp/bug.out"
check "the group carries the single run's reproduce command" \
    grep -qxF "    reproduce: ./build.sh sim --seed 1 --scenario scenarios/bug-hunt.scenario --bug shutdown-halt-any-uid --log warn" "$tmp/bug.out"
"$SIM" --seed 2 "${BUG[@]}" > "$tmp/bug-single.out" 2>&1
check "a failing seed's JSON matches its single run (fail, invariant, trace hash)" \
    test "fail shutdown_needs_root $(trace_hash "$tmp/bug-single.out")" = \
    "$(json_field "$tmp/bug.json" 2 result) $(json_field "$tmp/bug.json" 2 invariant) $(json_field "$tmp/bug.json" 2 trace_hash)"
saved=$tmp/failures/1-shutdown_needs_root.args
check "--save-failures writes <seed>-<invariant>.args" test -f "$saved"
check "the saved file starts with a # comment" grep -q '^# shutdown_needs_root' "$saved"
# shellcheck disable=SC2046
"$SIM" $(grep -v '^#' "$saved") > "$tmp/replay.out" 2>&1
check "the saved arguments replay the failure" test "$?:$(grep -c 'invariant violated: shutdown_needs_root' "$tmp/replay.out")" = "1:1"

"$SIM" --count 2 --seed 7 --jobs 2 --json "$tmp/count.json" "${ARGS[@]}" > "$tmp/count.out" 2>&1
check "--count N from --seed S runs S..S+N-1" test "$(grep -c . "$tmp/count.json"):$(json_field "$tmp/count.json" 8 result)" = "2:pass"
"$SIM" --count 1 --steps 10 --log warn > "$tmp/drawn.out" 2>&1
check "--count without --seed prints the drawn base seed" grep -qE '^base seed: [0-9]+ \(drawn' "$tmp/drawn.out"

expect_usage() { # NAME PATTERN ARGS...: exit status 2 and a message matching PATTERN
    local name=$1 pattern=$2; shift 2
    "$SIM" "$@" > "$tmp/usage.out" 2>&1
    local got=$?
    if [ $got -ne 2 ]; then not_ok "$name" "exit $got, expected 2"
    elif ! grep -qE -- "$pattern" "$tmp/usage.out"; then not_ok "$name" "no line matching '$pattern': $(head -1 "$tmp/usage.out")"
    else ok "$name"; fi
}
expect_usage "--seeds 5..1 exits 2 naming it" "bad value '5\.\.1' for --seeds" --seeds 5..1
expect_usage "--seeds x..3 exits 2 naming it" "bad value 'x\.\.3' for --seeds" --seeds x..3
expect_usage "--jobs 0 exits 2 naming it" "bad value '0' for --jobs" --seeds 1..2 --jobs 0
expect_usage "--jobs without --seeds exits 2" "need --seeds or --count" --seed 1 --jobs 2
expect_usage "--trace with --seeds exits 2" "--trace" --seeds 1..2 --trace "$tmp/t"
expect_usage "--seeds with --count exits 2" "exclude each other" --seeds 1..2 --count 2
"$SIM" --help > "$tmp/help" 2>&1
check "--help lists the many-seed options" grep -qE -- '--save-failures DIR' "$tmp/help"
