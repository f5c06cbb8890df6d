#!/usr/bin/env bash
# GrainDB replication on the real image (issue 14): two QEMU machines, A (node 0, legacy
# virtio-mmio) and B (node 1, modern: the two register layouts must interoperate),
# each with its own blank disk, joined by virtio-net over `-netdev dgram` (UDP on
# 127.0.0.1, ports REPLICA_PORT_BASE..+1). Bootargs replica.nodes=2 replica.node=I.
#   both: the boot log names the virtio-net device (MAC, queues, legacy/modern);
#   A as xy: graindb put root/x is refused (1, "permission");
#   (a) A puts root/k1 v1; B waits for it (0) and reads v1;
#   (b) B puts root/b1 (A sees it); B is killed (SIGKILL to QEMU); A fills 20 more keys;
#       B boots again from its disk and converges (wait-keys 22), and root/b1 survived;
#   (c) A's link is cut with the QEMU monitor (set_link n0 off): A and B each put a key
#       the other cannot see (B's wait for A's key times out: 1); set_link n0 on: both
#       converge, and graindb status shows the same merkle root on both;
#   (d) a hostile sender injects frames into A's port: the 20 of our EtherType with a
#       fitting length reach the engine and are rejected (status: exactly 20 more
#       rejected datagrams), every other one (other EtherTypes, bad lengths, runts,
#       9000 bytes) is dropped before it; A still replicates, and nothing panicked;
#   (e) a machine without virtio-net (replica.nodes=2 all the same): the boot log says
#       so, and the keyspace works locally (put, get).
source "$(dirname "$0")/lib.sh"
source tests/qemu_lib.sh
logs=build/test-logs/qemu-replica
mkdir -p "$logs"
source tests/replica_qemu_lib.sh
PORT=${REPLICA_PORT_BASE:-47310}
ROOT='/root #'
XY='/home/xy [$]'
disk_a=$logs/a.img
disk_b=$logs/b.img
truncate -s 0 "$disk_a" "$disk_b" && truncate -s 32M "$disk_a" "$disk_b"
MODERN=(-global virtio-mmio.force-legacy=false)

cleanup() { for n in a b b2 c; do node_kill "$n" 2>/dev/null; done; }
trap cleanup EXIT

# run NODE LABEL COMMAND: node_run, then checks that the status is EXPECTED.
expect_rc() {
    local name=$1 label=$2 expected=$3 command=$4
    node_run "$name" "$label" "$command"
    check "$name: '$command' exits $expected (got $node_rc)" test "$node_rc" = "$expected"
}
# The status line's merkle root (the line naming it), or nothing.
merkle_line() { grep -iE "merkle" <<< "$1" | head -1; }

node_start a 0 "$PORT" $((PORT + 1)) "$disk_a"
node_start b 1 $((PORT + 1)) "$PORT" "$disk_b" "${MODERN[@]}"
check "a: boots to the login prompt" node_await a 0 "login:"
check "b: boots to the login prompt" node_await b 0 "login:"
check "a: the boot log names virtio-net (legacy), its MAC and queues" node_await a 0 \
    "hw: net: virtio-net \(legacy\) at 0x[0-9a-f]+, MAC 52:54:00:00:00:01 \(device\), rx queue 8 of [0-9]+, tx queue 8 of [0-9]+, header 10 bytes"
check "b: the boot log names virtio-net (modern), header 12 bytes" node_await b 0 \
    "hw: net: virtio-net \(modern\) at 0x[0-9a-f]+, MAC 52:54:00:00:00:02 \(device\), rx queue 8 of [0-9]+, tx queue 8 of [0-9]+, header 12 bytes"

# xy may not write root's keys.
check "a: xy logs in" node_login a xy "$NODE_XY_PASSWORD" "$XY"
expect_rc a xy-put 1 "graindb put root/x forged"
check "a: xy's put names the permission problem" grep -qi "permission" <<< "$node_out"
offset=$(node_size a)
node_type a "exit"
check "a: root logs in" node_login a root "$NODE_ROOT_PASSWORD" "$ROOT" "$offset"
check "b: root logs in" node_login b root "$NODE_ROOT_PASSWORD" "$ROOT"

# (a) a write on A is read on B.
expect_rc a put-k1 0 "graindb put root/k1 v1"
expect_rc b wait-k1 0 "graindb wait root/k1 v1 --timeout-ms 20000"
expect_rc b get-k1 0 "graindb get root/k1"
check "b: get root/k1 prints v1" grep -qx "v1" <<< "$node_out"

# (b) B's own write, B killed, A writes on, B boots again and catches up.
expect_rc b put-b1 0 "graindb put root/b1 from-b"
expect_rc a wait-b1 0 "graindb wait root/b1 from-b --timeout-ms 20000"
node_kill b
expect_rc a fill 0 "graindb fill root/f 20"
node_start b2 1 $((PORT + 1)) "$PORT" "$disk_b" "${MODERN[@]}"
check "b (second boot): root logs in" node_login b2 root "$NODE_ROOT_PASSWORD" "$ROOT"
expect_rc b2 wait-keys 0 "graindb wait-keys 22 --timeout-ms 30000"
expect_rc b2 get-b1 0 "graindb get root/b1"
check "b (second boot): its write before the kill survived" grep -qx "from-b" <<< "$node_out"
expect_rc b2 get-f19 0 "graindb get root/f19"
expect_rc b2 get-k1-again 0 "graindb get root/k1"
check "b (second boot): root/k1 is still v1" grep -qx "v1" <<< "$node_out"

# (c) a partition, writes on both sides, the link back: both converge.
node_monitor a "set_link n0 off"
expect_rc a put-pa 0 "graindb put root/pa side-a"
expect_rc b2 put-pb 0 "graindb put root/pb side-b"
expect_rc b2 wait-pa-cut 1 "graindb wait root/pa side-a --timeout-ms 3000"
node_monitor a "set_link n0 on"
expect_rc a wait-pb 0 "graindb wait root/pb side-b --timeout-ms 20000"
expect_rc b2 wait-pa 0 "graindb wait root/pa side-a --timeout-ms 20000"
same=no
for attempt in 1 2 3 4 5; do
    node_run a status-$attempt "graindb status"; status_a=$(merkle_line "$node_out")
    node_run b2 status-$attempt "graindb status"; status_b=$(merkle_line "$node_out")
    if [ -n "$status_a" ] && [ "$status_a" = "$status_b" ]; then same=yes; break; fi
    sleep 1
done
check "both: graindb status shows the same merkle root ('$status_a' / '$status_b')" test "$same" = yes

# (d) hostile frames.
rejected() { grep -oE "rejected: [0-9]+ datagrams" <<< "$1" | grep -oE "[0-9]+"; }
node_run a status-before "graindb status"; before=$(rejected "$node_out")
node_inject "$PORT"
sleep 1
node_run a status-after "graindb status"; after=$(rejected "$node_out")
check "a: the 20 junk datagrams were rejected by the engine, the 10 bad frames dropped before it ($before -> $after)" \
    test "${after:-x}" = "$(( ${before:-0} + 20 ))"
expect_rc b2 put-after 0 "graindb put root/after hostile-frames"
expect_rc a wait-after 0 "graindb wait root/after hostile-frames --timeout-ms 20000"
check "a: the network device still works (no virtio-net failure logged)" \
    bash -c '! grep -qE "net: virtio-net.*(not used|failed)" "$1"' _ "$logs/a.log"
check "no panic on either machine" bash -c '! grep -q "panic" "$1" "$2" "$3"' _ "$logs/a.log" "$logs/b.log" "$logs/b2.log"

node_type a "shutdown -p"
node_type b2 "shutdown -p"
sleep 2

# (e) no network device.
disk_c=$logs/c.img
truncate -s 0 "$disk_c" && truncate -s 32M "$disk_c"
node_start c 0 none none "$disk_c"
check "c: the boot log says there is no network device" node_await c 0 "hw: net: none \(no virtio-net device\)"
check "c: root logs in" node_login c root "$NODE_ROOT_PASSWORD" "$ROOT"
expect_rc c put-solo 0 "graindb put root/solo alone"
expect_rc c get-solo 0 "graindb get root/solo"
check "c: get root/solo prints alone" grep -qx "alone" <<< "$node_out"
node_type c "shutdown -p"
sleep 1
