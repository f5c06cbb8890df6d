#!/usr/bin/env bash
# The syscall fuzzer (src/user/tests/fuzz.c) over many seeds, as root and as xy.
#  1. scenarios/fuzz.scenario, FUZZ_SEEDS seeds (default 48): every run passes every
#     invariant, both fuzzers end with 0 escalations, 0 wrong denials, 0 wrong errors,
#     and init reports 0 unexpected. The counts are summed and printed, and written to
#     build/test-logs/fuzz/summary.txt (the closing note quotes them).
#  2. scenarios/fuzz-together.scenario (both fuzzers at once, interleaved), FUZZ_TOGETHER_SEEDS
#     seeds (default 16): every invariant holds, no mismatch, 0 unexpected; and
#     scenarios/fuzz-faults.scenario (power loss, crashes, clock and disk faults),
#     FUZZ_FAULT_SEEDS seeds (default 16): every run passes every invariant.
#  3. Determinism: a seed run twice, and without invariant checks, has one trace hash.
#  4. The fuzzer's own model, with the simulator's invariants off, still catches an
#     escalation (planted bug open-write-checks-read): it is a second, independent check,
#     and its verdict reaches the harness: basin-sim exits 1 naming workload_checks_pass
#     and the check, and its reproduce command fails the same way (same trace hash).
#     The realtime clock jumps in every fuzz run (the scenarios switch clock_jump on):
#     the jumps per seed are summed and printed. z6_status and z6_control are fuzzed
#     (bad indexes, pointers, names and commands, as root and as xy): the allowed
#     commands the kernel carried out are counted.
#  5. The real image on QEMU runs the fuzz phase on a blank disk with no mismatch.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
source tests/qemu_lib.sh
logs=build/test-logs/fuzz
mkdir -p "$logs"
SEEDS=${FUZZ_SEEDS:-48}
FAULT_SEEDS=${FUZZ_FAULT_SEEDS:-16}
TOGETHER_SEEDS=${FUZZ_TOGETHER_SEEDS:-16}

# field LOG NAME: the sum over the fuzz lines of LOG of the number before NAME.
fuzz_field() { grep -E '^ *n0\| fuzz: uid ' "$1" | grep -oE "[0-9]+ $2" | awk '{s += $1} END {print s + 0}'; }
mismatch_field() { grep -E '^ *n0\| fuzz: uid ' "$1" | grep -oE "$2 [0-9]+" | awk '{s += $NF} END {print s + 0}'; }
security_field() { grep -E '^security: ' "$1" | grep -oE "[0-9]+ $2" | awk '{s += $1} END {print s + 0}'; }
jumps_field() { grep -m1 '^faults injected:' "$1" | grep -oE 'clock_jump [0-9]+' | grep -oE '[0-9]+$'; }

totals=(0 0 0 0 0 0 0 0 0 0)
failed=""
jumps=0
jumpless=""
for seed in $(seq 1 "$SEEDS"); do
    out=$logs/fuzz-$seed.log
    "$SIM" --seed "$seed" --scenario scenarios/fuzz.scenario > "$out" 2>&1
    status=$?
    lines=$(grep -cE '^ *n0\| fuzz: uid ' "$out")
    bad=$(( $(mismatch_field "$out" escalations) + $(mismatch_field "$out" "wrong denials") +
            $(mismatch_field "$out" "wrong errors") ))
    if [ $status -ne 0 ] || [ "$lines" -ne 2 ] || [ $bad -ne 0 ] ||
       ! grep -q 'init: fuzz phase done, 0 unexpected' "$out"; then
        failed="$failed $seed"; continue
    fi
    i=0
    for value in "$(fuzz_field "$out" fuzzed)" "$(fuzz_field "$out" denials)" "$(fuzz_field "$out" allowed)" \
                 "$(fuzz_field "$out" errors)" "$(fuzz_field "$out" unpredicted)" "$(fuzz_field "$out" tolerated)" \
                 "$(security_field "$out" syscalls)" "$(security_field "$out" denials)" \
                 "$(security_field "$out" 'filesystem changes')" "$bad"; do
        totals[$i]=$(( ${totals[$i]} + value )); i=$((i + 1))
    done
    seed_jumps=$(jumps_field "$out")
    jumps=$((jumps + ${seed_jumps:-0}))
    [ "${seed_jumps:-0}" -gt 0 ] || jumpless="$jumpless $seed"
done
if [ -z "$failed" ]; then ok "fuzz: $SEEDS seeds pass, no escalation, wrong denial or wrong error"
else not_ok "fuzz" "seeds failed:$failed (logs in $logs)"; fi
summary="fuzz over $SEEDS seeds (root and xy, 1500 calls each per seed, $jumps realtime clock jumps in all, $((jumps / SEEDS)) per seed): ${totals[0]} syscalls fuzzed; the fuzzers' model checked ${totals[1]} denials, ${totals[2]} allowed calls and ${totals[3]} other errors (${totals[4]} unpredicted, ${totals[5]} tolerated); escalations found: ${totals[9]}. The simulator saw ${totals[6]} syscalls, checked ${totals[7]} denials to change nothing and held ${totals[8]} filesystem changes by non-root to its permission model."
echo "$summary" > "$logs/summary.txt"
echo "# $summary"
check "fuzz: denials were checked" test "${totals[1]}" -gt 0 -a "${totals[7]}" -gt 0
check "fuzz: non-root changes were held to the model" test "${totals[8]}" -gt 0
check "fuzz: the realtime clock jumped in every seed ($jumps jumps)" test -z "$jumpless"
# z6's syscalls are fuzzed too: the kernel logs each command it carried out (the
# fuzzers aim those only at xy's own service, web; the refused ones change nothing).
z6_commands=$(for seed in $(seq 1 "$SEEDS"); do cat "$logs/fuzz-$seed.log"; done | grep -cE 'kernel: z6: web: command [0-3] by pid [0-9]+ \(uid (0|1000)\)$')
check "fuzz: z6_control carried out commands on xy's service ($z6_commands over $SEEDS seeds)" test "$z6_commands" -gt 0

failed=""
together_fuzzed=0
for seed in $(seq 1 "$TOGETHER_SEEDS"); do
    out=$logs/fuzz-together-$seed.log
    "$SIM" --seed "$seed" --scenario scenarios/fuzz-together.scenario > "$out" 2>&1
    status=$?
    bad=$(( $(mismatch_field "$out" escalations) + $(mismatch_field "$out" "wrong denials") +
            $(mismatch_field "$out" "wrong errors") ))
    if [ $status -ne 0 ] || [ "$(grep -cE '^ *n0\| fuzz: uid ' "$out")" -ne 2 ] || [ $bad -ne 0 ] ||
       ! grep -q 'init: fuzz phase done, 0 unexpected' "$out"; then
        failed="$failed $seed"; continue
    fi
    together_fuzzed=$((together_fuzzed + $(fuzz_field "$out" fuzzed)))
done
if [ -z "$failed" ]; then ok "fuzz together (root and xy at once): $TOGETHER_SEEDS seeds pass, $together_fuzzed calls"
else not_ok "fuzz together" "seeds failed:$failed (logs in $logs)"; fi

failed=""
for seed in $(seq 1 "$FAULT_SEEDS"); do
    out=$logs/fuzz-faults-$seed.log
    "$SIM" --seed "$seed" --scenario scenarios/fuzz-faults.scenario > "$out" 2>&1 || failed="$failed $seed"
done
if [ -z "$failed" ]; then ok "fuzz under faults: $FAULT_SEEDS seeds pass every invariant"
else not_ok "fuzz under faults" "seeds failed:$failed (logs in $logs)"; fi

a=$logs/determinism-a.log; b=$logs/determinism-b.log; c=$logs/determinism-unchecked.log
"$SIM" --seed 7 --scenario scenarios/fuzz.scenario > "$a" 2>&1
"$SIM" --seed 7 --scenario scenarios/fuzz.scenario > "$b" 2>&1
"$SIM" --seed 7 --scenario scenarios/fuzz.scenario --no-invariants > "$c" 2>&1
check "fuzz: seed 7 twice gives one trace hash" test -n "$(trace_hash "$a")" -a "$(trace_hash "$a")" = "$(trace_hash "$b")"
check "fuzz: seed 7 without invariant checks gives the same hash" test "$(trace_hash "$a")" = "$(trace_hash "$c")"

out=$logs/model-alone.log
"$SIM" --seed 1 --scenario scenarios/fuzz.scenario --no-invariants --bug open-write-checks-read > "$out" 2>&1
status=$?
check "fuzz: its own model reports the escalation of open-write-checks-read" \
    grep -qE 'n0\| fuzz: ESCALATION: open\(' "$out"
check "fuzz: its verdict fails the run even with --no-invariants (exit $status)" \
    test $status -eq 1 -a "$(grep -c 'invariant violated: workload_checks_pass' "$out")" -eq 1
check "fuzz: the failure names the check" grep -q "reported check 'fuzz escalations'" "$out"
replay=$(grep -oE '\./build\.sh sim .*' "$out" | head -1 | sed 's|^\./build\.sh sim ||')
# shellcheck disable=SC2086
"$SIM" $replay > "$out.replay" 2>&1
check "fuzz: the reproduce command ($replay) fails the same way" \
    test $? -eq 1 -a -n "$(trace_hash "$out")" -a "$(trace_hash "$out")" = "$(trace_hash "$out.replay")"
"$SIM" --seed 1 --scenario scenarios/fuzz.scenario --no-invariants > "$out.clean" 2>&1
check "fuzz: the same seed passes without the bug" test $? -eq 0

disk=$logs/qemu-disk.img
out=$logs/qemu.log
truncate -s 0 "$disk" && truncate -s 32M "$disk"
qemu_boot "$out" "init.rounds=0 init.fuzz=400 init.end=poweroff" \
    -drive "file=$disk,format=raw,if=none,id=disk0" -device virtio-blk-device,drive=disk0
check "fuzz on QEMU: powered off" test $? -eq 0
check "fuzz on QEMU: two fuzzers reported" test "$(tr -d '\r' < "$out" | grep -c '^fuzz: uid ')" -eq 2
check "fuzz on QEMU: no mismatch" grep -q 'init: fuzz phase done, 0 unexpected' "$out"
tr -d '\r' < "$out" | grep '^fuzz: uid ' | sed 's/^/# qemu: /'
