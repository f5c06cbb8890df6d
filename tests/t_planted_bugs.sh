#!/usr/bin/env bash
# Every planted bug is caught by the invariant it names, within a bounded number of
# seeds; and without the bug the same seeds pass.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
SEEDS_MAX=${BUG_SEEDS_MAX:-100}
mkdir -p build/test-logs/bugs

# Lines: NAME  caught by INVARIANT  what it breaks
# Storage bugs (graindb-*, fs-*) need their own scenarios: tests/t_storage.sh hunts them;
# z6's (z6-*) need the z6 scenario: tests/t_z6_sim.sh hunts them; Zix's (zix-*) the zix
# scenario: tests/t_zix_sim.sh; the replicated keyspace's (replica-*) the replica
# scenarios: tests/t_replica_sim.sh.
bugs=$("$SIM" --list-bugs 2>&1 | awk '$2 == "caught" && $3 == "by" && $1 !~ /^(graindb|fs|z6|zix|replica)-/ {print $1, $4}')
[ -n "$bugs" ] || not_ok "list-bugs" "basin-sim --list-bugs printed no bugs"
while read -r bug invariant; do
    [ -n "$bug" ] || continue
    scenario=scenarios/bug-hunt.scenario
    # The permission bugs need hostile callers: the syscall fuzzer's scenario.
    case "$invariant:$bug" in
        non_root_never_writes_etc_or_others:*|denied_syscall_changes_nothing:*|*:sudo-stamp-any-session)
            scenario=scenarios/fuzz.scenario ;;
        # Only a workload notices these: fstest (the filesystem phase) and a node that
        # must power off when init is done.
        workload_checks_pass:*) scenario=scenarios/no-faults-fs.scenario ;;
        workload_reaches_end:*) scenario=scenarios/no-faults.scenario ;;
        # A login changes the groups: permtest's switch_user, in the filesystem phase.
        *:switch-user-keeps-groups) scenario=scenarios/no-faults-fs.scenario ;;
        disk_usage_accounted:*) # needs files replaced by rename: the filesystem phase
            scenario=scenarios/no-faults-fs.scenario ;;
        # killtest's xy part signals root's process: the filesystem phase.
        kill_needs_permission:*) scenario=scenarios/no-faults-fs.scenario ;;
    esac
    caught=""
    workload_first=""
    for seed in $(seq 1 "$SEEDS_MAX"); do
        out=build/test-logs/bugs/$bug-$seed.log
        "$SIM" --seed "$seed" --scenario "$scenario" --bug "$bug" --log warn > "$out" 2>&1
        status=$?
        # A workload's own check (the fuzzer's model, say) may notice the bug first:
        # good, but the named invariant must still catch it, on a later seed.
        if [ $status -eq 1 ] && [ "$invariant" != workload_checks_pass ] &&
           grep -q "invariant violated: workload_checks_pass" "$out"; then
            workload_first=${workload_first:-$seed}; continue
        fi
        if [ $status -eq 1 ]; then
            if grep -q "invariant violated: $invariant" "$out"; then caught=$seed; else
                not_ok "bug $bug" "seed $seed failed another way: $(grep -m1 'invariant violated' "$out")"; caught=wrong
            fi
            break
        fi
    done
    if [ "$caught" = wrong ]; then continue; fi
    if [ -z "$caught" ]; then not_ok "bug $bug" "not caught by $invariant in $SEEDS_MAX seeds"; continue; fi
    # The report carries the command that reproduces it, and that command fails the same way.
    replay=$(grep -oE '\./build\.sh sim .*' "$out" | head -1 | sed 's|^\./build\.sh sim ||')
    if [ -z "$replay" ]; then not_ok "bug $bug" "no reproduce command in the report"; continue; fi
    # shellcheck disable=SC2086
    "$SIM" $replay > "$out.replay" 2>&1
    if [ $? -eq 1 ] && grep -q "invariant violated: $invariant" "$out.replay" &&
       [ "$(trace_hash "$out")" = "$(trace_hash "$out.replay")" ]; then
        ok "bug $bug caught by $invariant at seed $caught${workload_first:+ (a workload check found it first, at seed $workload_first)}; replay reproduces it"
    else
        not_ok "bug $bug" "replay '$replay' did not reproduce the failure"
    fi
    # Without the bug the same seed passes.
    "$SIM" --seed "$caught" --scenario "$scenario" --log warn > "$out.clean" 2>&1
    check "seed $caught passes without $bug" test $? -eq 0
done <<< "$bugs"
