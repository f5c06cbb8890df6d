#!/usr/bin/env bash
# The replicated keyspace's syscall (issue 14) on one simulated node, driven by init's
# replica phase (init.replica=1, src/user/tests/replicatest.c), replication off (no
# replica.nodes): the keyspace works alone. Boot 1: put, get (value, hlc, node, uid,
# SHA-256 of the value), history order and versions_count, as-of, E_NOENT, E_INVAL,
# E_FAULT, E_PERM (xy on root's keys; root writes xy's), status fields, /bin/graindb's
# output, errors and exit codes, and xy's share of versions (E_DQUOT at 2048: the disk
# is 16 MB so that the users' quarter of GrainDB's zone holds more than that). init
# then reboots: boot 2 finds every value and history of boot 1, an HLC above them, and
# xy's share still used up.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
logs=build/test-logs/replica
mkdir -p "$logs"
log=$logs/seed1.log

"$SIM" --seed 1 --scenario scenarios/no-faults.scenario \
    --set "bootargs=init.rounds=0 init.replica=1 init.end=reboot" --set disk.size=16M \
    --set time=${REPLICA_TEST_TIME:-2s} > "$log" 2>&1
status=$?
has() { grep -qxF "n0| $1" "$log"; }
count() { grep -cxF "n0| $1" "$log"; }

check "sim run passes" test $status -eq 0
check "no FAIL line" bash -c '! grep -qE "FAIL" "$1"' _ "$log"
check "boot 1: root's checks" has "replicatest: root: boot 1"
check "boot 2: root's checks" has "replicatest: root: boot 2"
check "replicatest root: 0 failures on 2+ boots" test "$(count 'replicatest: replicatest root: 0 failures')" -ge 2
check "replicatest xy: 0 failures on 2+ boots" test "$(count 'replicatest: replicatest xy: 0 failures')" -ge 2
check "replicatest share: 0 failures" has "replicatest: replicatest share: 0 failures"
check "init's replica phase: every job as expected, every boot" \
    test "$(count 'init: replica phase done, 0 unexpected')" -ge 2
check "put and get: the version, with SHA-256 of its value" has "replicatest: root: put's reply: the value hash is SHA-256(one): ok"
check "history: current first, then older" has "replicatest: root: history(rt/h, 2) = 0 ok"
check "history past the end: E_NOENT" has "replicatest: root: history(rt/h, 3) = -2 E_NOENT ok"
check "as-of: the newest at or below" has "replicatest: root: as-of(hlc of h2 - 1) is h1: ok"
check "as-of below every version: E_NOENT" has "replicatest: root: as-of(rt/h, hlc of h1 - 1) = -2 E_NOENT ok"
check "E_INVAL: a key of 48 bytes" has "replicatest: root: put(a key of 48 bytes, no NUL) = -22 E_INVAL ok"
check "E_INVAL: a value of 257 bytes" has "replicatest: root: put(a value of 257 bytes) = -22 E_INVAL ok"
check "E_FAULT: a reply into text" has "replicatest: root: get(reply into text) = -14 E_FAULT ok"
check "E_PERM: xy on root's key" has "replicatest: xy: put(rt/x) (root's) = -1 E_PERM ok"
check "E_PERM: xy on root's user's key" has "replicatest: xy: put(root/x) (root's user) = -1 E_PERM ok"
check "root writes xy's keys" has "replicatest: root: put(xy/fromroot) (root writes everywhere) = 0 ok"
check "status: one node, replication off" has "replicatest: root: status: node 0 of 1 (replication off): ok"
check "xy's share: E_DQUOT after 2048 versions" has "replicatest: xy's share: 2044 puts accepted before E_DQUOT"
check "after the reboot: the values of boot 1" has "replicatest: root: rt/keep kept its value: ok"
check "after the reboot: the HLC stays above" has "replicatest: root: this boot's hlc is above the last boot's: ok"
check "after the reboot: xy's share stays used up" has "replicatest: xy: put(xy/after) (the share stays used up) = -122 E_DQUOT ok"
# /bin/graindb, run through sh -c by replicatest: its output on the console.
check "graindb put prints the version" grep -qE '^n0\| rt/tool: hlc=[0-9]+ node=0$' "$log"
check "graindb get prints the value" has "hello"
check "graindb history: current first (hlc node uid size hash value)" \
    bash -c 'grep -A1 -E "^n0\| [0-9]+ 0 0 5 [0-9a-f]{16} world$" "$1" | tail -1 | grep -qE "^n0\| [0-9]+ 0 0 5 [0-9a-f]{16} hello$"' _ "$log"
check "graindb get -v: hlc, node, uid, size, hash" \
    grep -qE '^n0\| hlc=[0-9]+ \([0-9]+ ms \+ [0-9]+\) node=0 uid=0 size=5 hash=[0-9a-f]{64}$' "$log"
check "graindb names a missing key" has "graindb: get rt/missing: not found (E_NOENT)"
check "graindb names a refused put" has "graindb: put rt/x: permission denied (E_PERM)"
check "graindb wait times out naming why" has "graindb: wait rt/tool: timed out (another value is current)"
check "graindb fill says how many" grep -qE '^n0\| filled 5 keys in [0-9]+ ms$' "$log"
check "graindb status: the Merkle root in 16 hex digits" grep -qE '^n0\| merkle root [0-9a-f]{16}$' "$log"
check "graindb status: node and cluster" has "node 0 of 1 (replication off)"
check "graindb: an unknown command is a usage error" has "graindb: unknown command bogus"
check "graindb: a bad --as-of is a usage error" has "graindb: get: --as-of banana: not an HLC"
check "every sh -c of graindb gave the exit expected" \
    bash -c '! grep -E "sh -c .graindb.* FAIL" "$1" | grep -q .' _ "$log"

# Under injected faults (power losses, a failing disk, crashed processes, a jumping
# clock) the kernel never panics and every invariant holds while replicatest reboots
# again and again; the checks that fail name the faults that struck (excused).
for run in power-loss:1 disk-write-errors:1 process-crash:2 clock-chaos:2; do
    scenario=${run%%:*} seed=${run##*:}
    fault_log=$logs/seed$seed-$scenario.log
    "$SIM" --seed "$seed" --scenario "scenarios/$scenario.scenario" \
        --set "bootargs=init.rounds=0 init.replica=1 init.end=reboot" --set time=5s > "$fault_log" 2>&1
    check "faults ($scenario, seed $seed): the run passes" test $? -eq 0
    check "faults ($scenario, seed $seed): replicatest ran and passed at least once" \
        grep -qxF "n0| replicatest: replicatest root: 0 failures" "$fault_log"
done
