#!/usr/bin/env bash
# Storage under faults: many seeds of every storage scenario (the filesystem workload
# with power loss and each disk fault kind, recoverable and unrestricted, and swarms)
# pass every invariant; each kind is really injected by its scenario (the counts per
# kind, summed over the seeds, are printed); checking a run never changes it; and
# every storage planted bug is caught by the invariant it names, in the scenario the
# table below gives it.
#   STORAGE_SEEDS (default 8): seeds per scenario
#   STORAGE_BUG_SEEDS_MAX (default 100): seeds tried per planted bug
#   STORAGE_JOBS (default: the number of CPUs): runs in parallel
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
SEEDS=${STORAGE_SEEDS:-8}
BUG_SEEDS_MAX=${STORAGE_BUG_SEEDS_MAX:-100}
JOBS=${STORAGE_JOBS:-$(nproc)}
logs=build/test-logs/storage
rm -rf "$logs"
mkdir -p "$logs"

# The kind each scenario exists for ("-": a swarm or a mix; checked for passing only).
declare -A KIND=(
    [storage-power-loss]=power_loss [storage-torn-writes]=disk_torn_write
    [storage-read-errors]=disk_read_error [storage-write-errors]=disk_write_error
    [storage-latent]=disk_latent_error [storage-corruption]=disk_corruption
    [storage-lost-writes]=disk_lost_write [storage-misdirected]=disk_misdirected_write
    [storage-latency]=disk_latency [storage-flush-errors]=disk_flush_error
    [storage-latent-unrestricted]=disk_latent_error [storage-corruption-unrestricted]=disk_corruption
    [storage-lost-writes-unrestricted]=disk_lost_write
    [storage-misdirected-unrestricted]=disk_misdirected_write
    [storage-torn-writes-unrestricted]=disk_torn_write
    [storage-mixed]=- [storage-mixed-unrestricted]=- [storage-unrestricted]=-
    [storage-bug-hunt]=- [storage-bug-hunt-unrestricted]=- [storage-compaction]=-
    [disk-read-errors]=disk_read_error [disk-write-errors]=disk_write_error
    [disk-latent]=disk_latent_error [disk-corruption]=disk_corruption
    [disk-torn-writes]=disk_torn_write [disk-lost-writes]=disk_lost_write
    [disk-misdirected]=disk_misdirected_write [disk-latency]=disk_latency
    [disk-flush-errors]=disk_flush_error [disk-mixed]=- [disk-unrestricted]=-
)

# Storage planted bugs and the scenario that finds each. A graindb-* or fs-* bug not
# listed here is hunted in storage-bug-hunt.
declare -A BUG_SCENARIO=(
    [graindb-ack-before-flush]=storage-bug-hunt
    [graindb-merkle-skips-deletes]=storage-mixed # in storage-bug-hunt fsck often sees it first
    [graindb-retry-failed-flush]=storage-bug-hunt
    [graindb-history-drops-previous]=storage-bug-hunt
    [graindb-replay-partial-batch]=storage-bug-hunt
    [graindb-skip-read-verify]=storage-bug-hunt-unrestricted
    [graindb-recovery-cuts-at-bad]=storage-bug-hunt-unrestricted
    [graindb-ignore-mirror]=storage-bug-hunt-unrestricted
    [fs-remove-keeps-entry]=storage-bug-hunt
    [fs-rename-keeps-parent]=storage-bug-hunt
    [fs-read-error-as-data]=storage-bug-hunt-unrestricted
    [fs-link-keeps-nlink]=no-faults-fs
    [graindb-skip-superblock-repair]=storage-corruption
    [graindb-repair-skips-readback]=storage-lost-writes
    [fs-failed-commit-clears-dirty]=storage-write-errors
    [graindb-compact-switch-before-flush]=storage-compaction
    [graindb-compact-ignores-links]=storage-compaction
    [graindb-compact-keeps-tombstones]=storage-compaction
    [graindb-read-error-as-damage]=storage-read-errors
    [graindb-damaged-checkpoint-skips-base]=storage-checkpoint-damage
)

fault_names=$("$SIM" --seed 1 --steps 1 --log error 2>/dev/null | awk '$1 == "fault" {print $2}')
[ -n "$fault_names" ] || not_ok "fault kinds" "basin-sim printed no fault lines"

# ---- every scenario, SEEDS seeds, in parallel ----------------------------------------------
scenarios=()
for name in "${!KIND[@]}"; do [ -f "scenarios/$name.scenario" ] && scenarios+=("$name"); done
for file in scenarios/storage-*.scenario; do
    name=$(basename "$file" .scenario)
    [ -n "${KIND[$name]:-}" ] || { scenarios+=("$name"); KIND[$name]=-; }
done
mapfile -t scenarios < <(printf '%s\n' "${scenarios[@]}" | sort -u)
run_one() { # scenario seed
    "$SIM" --seed "$2" --scenario "scenarios/$1.scenario" --log warn > "$logs/$1-$2.log" 2>&1
    echo $? > "$logs/$1-$2.status"
}
export -f run_one
export SIM logs
for name in "${scenarios[@]}"; do
    for seed in $(seq 1 "$SEEDS"); do echo "$name $seed"; done
done | xargs -P "$JOBS" -n 2 bash -c 'run_one "$0" "$1"'

fault_count() { grep -m1 '^faults injected:' "$1" | grep -oE "(^| )$2 [0-9]+" | grep -oE '[0-9]+$'; }
declare -A TOTAL
for name in "${scenarios[@]}"; do
    failures=""
    for seed in $(seq 1 "$SEEDS"); do
        out=$logs/$name-$seed.log
        status=$(cat "$logs/$name-$seed.status" 2>/dev/null || echo missing)
        if [ "$status" != 0 ]; then
            failures="$failures seed $seed exit $status ($(grep -m1 -oE 'invariant violated: [a-z_]+' "$out" | sed 's/invariant violated: //'));"
        fi
        for kind in $fault_names; do
            TOTAL[$name.$kind]=$(( ${TOTAL[$name.$kind]:-0} + $(fault_count "$out" "$kind" || echo 0) ))
        done
    done
    counts=""
    for kind in $fault_names; do
        [ "${TOTAL[$name.$kind]}" -gt 0 ] && counts="$counts $kind ${TOTAL[$name.$kind]},"
    done
    echo "# $name: faults injected over $SEEDS seeds:${counts%,}"
    if [ -n "$failures" ]; then not_ok "$name: $SEEDS seeds pass" "$failures see $logs/"
    else ok "$name: $SEEDS seeds pass"; fi
    kind=${KIND[$name]}
    if [ "$kind" != - ]; then
        check "$name: $kind injected (${TOTAL[$name.$kind]} times over $SEEDS seeds)" test "${TOTAL[$name.$kind]}" -gt 0
    fi
done

# Sums over all the scenarios above, per kind.
summary=""
for kind in $fault_names; do
    sum=0
    for name in "${scenarios[@]}"; do sum=$(( sum + ${TOTAL[$name.$kind]} )); done
    summary="$summary $kind $sum,"
done
echo "# all storage and disk scenarios, $SEEDS seeds each, faults injected:${summary%,}"

# The compaction scenario really compacts (GrainDB's generations, summed over its seeds).
compacted=$(cat "$logs"/storage-compaction-*.log | grep -oE '^storage compactions seen[^:]*: [0-9]+' |
            awk '{s += $NF} END {print s + 0}')
check "storage-compaction: GrainDB compacted $compacted times over $SEEDS seeds" test "$compacted" -ge "$SEEDS"

# Damaged checkpoints were recovered from the log, and repairs failed to read back.
sum_field() { cat "$logs"/storage-checkpoint-damage-[0-9]*.log | grep -oE "$1" | grep -oE '[0-9]+' | awk '{s += $1} END {print s + 0}'; }
replayed=$(sum_field '^mounts that replayed the log past a damaged checkpoint: [0-9]+')
unnamed=$(sum_field '[0-9]+ with no room for a new one')
unverified=$(sum_field '[0-9]+ reported unverified by GrainDB')
check "storage-checkpoint-damage: $replayed mounts replayed the log past a damaged checkpoint ($unnamed un-named), $unverified repairs did not read back" \
    test "$replayed" -gt 0 -a "$unnamed" -gt 0 -a "$unverified" -gt 0

# Power really failed inside the kernel, at block writes and flushes.
sites=$(cat "$logs"/storage-power-loss-*.log | grep '^power losses by site:' |
        awk '{for (i = 5; i < NF; i += 2) s[$i] += $(i + 1)} END {print s["block_write"] + 0, s["flush"] + 0}')
read -r at_write at_flush <<< "$sites"
check "power lost at block writes ($at_write) and flushes ($at_flush)" test "$at_write" -gt 0 -a "$at_flush" -gt 0
# Recoveries were checked: fsck ran after some of them.
fsck=$(cat "$logs"/storage-power-loss-*.log | grep -oE 'fsck_clean_after_recovery [0-9]+' | awk '{s += $2} END {print s + 0}')
check "fsck ran after recoveries ($fsck times)" test "$fsck" -gt 0

# ---- checking a run does not change it -------------------------------------------------------
for name in storage-mixed storage-unrestricted; do
    "$SIM" --seed 3 --scenario "scenarios/$name.scenario" --log warn --no-invariants > "$logs/$name-bare.log" 2>&1
    a=$(trace_hash "$logs/$name-3.log")
    b=$(trace_hash "$logs/$name-bare.log")
    check "$name: same trace hash with and without invariants ($a)" test -n "$a" -a "$a" = "$b"
done
"$SIM" --seed 3 --scenario scenarios/storage-mixed.scenario --log warn > "$logs/again.log" 2>&1
check "storage-mixed: the same seed gives the same trace hash" test "$(trace_hash "$logs/again.log")" = "$(trace_hash "$logs/storage-mixed-3.log")"

# The same storage runs on the compiler variants tests/t_determinism.sh built (if any).
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for variant in build/variants/*/basin-sim; do
    [ -x "$variant" ] || continue
    name=$(basename "$(dirname "$variant")")
    same=yes
    for run in "storage-mixed 3" "storage-unrestricted 3" "storage-power-loss 1"; do
        read -r scenario seed <<< "$run"
        "$variant" --seed "$seed" --scenario "scenarios/$scenario.scenario" --log warn > "$logs/variant-$name-$scenario.log" 2>&1
        [ "$(trace_hash "$logs/variant-$name-$scenario.log")" = "$(trace_hash "$logs/$scenario-$seed.log")" ] || same="no ($scenario)"
    done
    check "variant $name: storage runs give the same trace hashes" test "$same" = yes
done

# ---- storage planted bugs ----------------------------------------------------------------------
bugs=$("$SIM" --list-bugs 2>&1 | awk '$2 == "caught" && $3 == "by" && ($1 ~ /^graindb-/ || $1 ~ /^fs-/) {print $1, $4}')
[ -n "$bugs" ] || not_ok "storage planted bugs" "basin-sim --list-bugs lists no graindb-* or fs-* bug"
# A seed where another invariant reports the bug's damage first (a wrong Merkle root
# stored by a commit is also what fsck finds after the next recovery) is passed over
# only if that seed passes without the bug, i.e. the report was the bug's doing; the
# hunt goes on for a seed its own invariant catches. Such seeds are named in the ok line.
hunt() { # bug invariant scenario: prints "SEED [OTHERS]", "wrong:..." or nothing
    local bug=$1 invariant=$2 scenario=$3 seed out other others=""
    for seed in $(seq 1 "$BUG_SEEDS_MAX"); do
        out=$logs/bug-$bug-$seed.log
        "$SIM" --seed "$seed" --scenario "scenarios/$scenario.scenario" --bug "$bug" --log warn > "$out" 2>&1
        case $? in
            0) continue ;;
            # A workload's own check may notice the bug first: the named invariant must
            # still catch it, on a later seed.
            1) if [ "$invariant" != workload_checks_pass ] && grep -q "invariant violated: workload_checks_pass\$" "$out"; then continue; fi
               if grep -q "invariant violated: $invariant\$" "$out"; then echo "$seed$others"; return; fi
               other=$(grep -m1 -oE 'invariant violated: [a-z_]+' "$out")
               if ! "$SIM" --seed "$seed" --scenario "scenarios/$scenario.scenario" --log warn > "$out.clean" 2>&1; then
                   echo "wrong:$seed:$other (and the seed fails without the bug too)"; return
               fi
               others="$others (seed $seed: ${other#invariant violated: } first)" ;;
            *) echo "wrong:$seed:exit status $?"; return ;;
        esac
    done
}
while read -r bug invariant; do
    [ -n "$bug" ] || continue
    scenario=${BUG_SCENARIO[$bug]:-storage-bug-hunt}
    caught=$(hunt "$bug" "$invariant" "$scenario")
    case $caught in
        "") not_ok "bug $bug" "not caught by $invariant in $BUG_SEEDS_MAX seeds of $scenario"; continue ;;
        wrong:*) not_ok "bug $bug" "$scenario seed ${caught#wrong:} instead of $invariant"; continue ;;
        [0-9]*\ *) passed_over=" ${caught#* }"; caught=${caught%% *} ;;
        *) passed_over="" ;;
    esac
    out=$logs/bug-$bug-$caught.log
    replay=$(grep -oE '\./build\.sh sim .*' "$out" | head -1 | sed 's|^\./build\.sh sim ||')
    # shellcheck disable=SC2086
    "$SIM" $replay > "$out.replay" 2>&1
    if [ $? -eq 1 ] && grep -q "invariant violated: $invariant" "$out.replay" &&
       [ "$(trace_hash "$out")" = "$(trace_hash "$out.replay")" ]; then
        ok "bug $bug caught by $invariant at seed $caught of $scenario; replay reproduces it$passed_over"
    else
        not_ok "bug $bug" "replay '$replay' did not reproduce the failure"
    fi
    "$SIM" --seed "$caught" --scenario "scenarios/$scenario.scenario" --log warn > "$out.clean" 2>&1
    check "$scenario seed $caught passes without $bug" test $? -eq 0
done <<< "$bugs"
