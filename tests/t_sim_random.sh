#!/usr/bin/env bash
# getrandom in the simulator (issue 9, item 6): the node's seeded stream through the
# kernel's HMAC-DRBG, so a run stays reproducible. The `random` program's bytes (as
# init runs it in the workload) are the same for the same seed, differ for another
# seed, and the two reads of one run differ.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
logs=build/test-logs/sim-random
mkdir -p "$logs"

# random_lines SEED RUN: the `~random:` lines of one run (no faults: init always runs it).
random_lines() {
    "$SIM" --seed "$1" --scenario scenarios/no-faults.scenario --log info > "$logs/seed$1-$2.log" 2>&1
    grep -oE '~random: [0-9a-f]{64}' "$logs/seed$1-$2.log"
}
a=$(random_lines 5 1)
a_again=$(random_lines 5 2)
b=$(random_lines 6 1)
check "seed 5: random printed two different reads" test "$(echo "$a" | sort -u | wc -l)" -eq 2
check "seed 5 twice: the same bytes" test -n "$a" -a "$a" = "$a_again"
check "seed 6: other bytes than seed 5" test -n "$b" -a "$a" != "$b"
check "seed 5 and 6 share no read" test "$(printf '%s\n%s\n' "$a" "$b" | sort | uniq -d | wc -l)" -eq 0
