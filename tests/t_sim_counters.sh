#!/usr/bin/env bash
# The counters a user program may read, in the simulator: the same outcome as on QEMU
# (tests/t_qemu.sh). The `rdtime` program (init runs it in the workload) reads the time
# CSR (allowed: OpenSBI emulates it on the real machine; the interpreter gives the
# node's clock in 10 MHz ticks), then rdcycle, which is an illegal instruction on both
# targets: the kernel kills it. The value read is the same for the same seed.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
logs=build/test-logs/sim-counters
mkdir -p "$logs"

run() { "$SIM" --seed "$1" --scenario scenarios/no-faults.scenario --log info > "$logs/seed$1-$2.log" 2>&1; }
run 1 a; status=$?
log=$logs/seed1-a.log
check "sim run passes" test $status -eq 0
check "rdtime: the time CSR is readable and never went back" \
    grep -q '^n0| rdtime: the time CSR is readable and never went back in 100 reads$' "$log"
check "rdtime: rdcycle killed it as an illegal instruction (addr = the rdcycle bits)" \
    grep -qE '^n0\| init: rdtime killed: illegal instruction pc=0x[0-9a-f]+ addr=0xc00025f3$' "$log"
check "rdtime: no FAIL line" bash -c "! grep -q '^n0| rdtime: FAIL' '$log'"
ticks=$(grep -oE '~rdtime: time [0-9]+ \.\. [0-9]+ ticks' "$log")
check "rdtime: a nonzero time was read ($ticks)" bash -c "[[ '$ticks' =~ time\ [1-9][0-9]*\  ]]"
run 1 b
check "rdtime: the same seed reads the same time" test "$ticks" = "$(grep -oE '~rdtime: time [0-9]+ \.\. [0-9]+ ticks' "$logs/seed1-b.log")"
