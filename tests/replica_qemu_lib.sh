# Helpers for tests that run a cluster of QEMU machines joined by virtio-net (issue 14).
# Source after lib.sh and qemu_lib.sh, with $logs set. Each node NAME (a, b, ...) is one
# QEMU virt machine: its console reads the fifo $logs/NAME.fifo (the script keeps a
# writer open on descriptor ${node_fd[NAME]}) and writes $logs/NAME.log; its monitor
# listens on $logs/NAME.mon; its network is `-netdev dgram`, UDP point to point on
# 127.0.0.1 (two nodes: each one's local port is the other's remote port), its NIC
# `virtio-net-device,netdev=n0` on the virtio-mmio bus. Commands are typed once the
# previous one ended; a command's status comes back as "rc-LABEL STATUS" on the console.
declare -A node_fd node_pid
NODE_WAIT_S=${NODE_WAIT_S:-120}
NODE_ROOT_PASSWORD=basin-root
NODE_XY_PASSWORD=basin-xy

# node_start NAME NODE_ID LOCAL_PORT REMOTE_PORT DISK [qemu args...]: boots the node
# (bootargs replica.nodes=2 replica.node=NODE_ID, login at the end of init). The MAC's
# last byte is NODE_ID + 1, so the nodes' frames name different sources. LOCAL_PORT
# "none": no network device at all.
node_start() {
    local name=$1 id=$2 lport=$3 rport=$4 disk=$5; shift 5
    local fifo=$logs/$name.fifo
    local net=(-netdev "dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=$lport,remote.type=inet,remote.host=127.0.0.1,remote.port=$rport"
               -device "virtio-net-device,netdev=n0,mac=52:54:00:00:00:0$((id + 1))")
    [ "$lport" = none ] && net=() # a machine without a network device
    rm -f "$fifo" "$logs/$name.pid" "$logs/$name.mon"
    mkfifo "$fifo"
    : > "$logs/$name.log"
    timeout "${NODE_TIMEOUT_S:-900}" qemu-system-riscv64 -machine virt -m 128M -nographic \
        -bios "$OPENSBI_FW" -kernel "${BASIN_IMAGE:-build/riscv/Image}" \
        -append "init.rounds=0 init.end=login replica.nodes=2 replica.node=$id ${NODE_APPEND:-}" \
        $QEMU_RNG_ARGS -drive "file=$disk,format=raw,if=none,id=disk0" \
        -device virtio-blk-device,drive=disk0 \
        "${net[@]}" \
        -pidfile "$logs/$name.pid" -monitor "unix:$logs/$name.mon,server,nowait" \
        "$@" < "$fifo" >> "$logs/$name.log" 2>&1 &
    node_pid[$name]=$!
    local fd
    exec {fd}> "$fifo"
    node_fd[$name]=$fd
}

# node_stop NAME: closes the console and waits for QEMU (after shutdown -p, or a kill).
node_stop() {
    local name=$1 fd=${node_fd[$1]:-}
    [ -n "$fd" ] && exec {fd}>&-
    node_fd[$name]=""
    wait "${node_pid[$name]}" 2>/dev/null
}

# node_kill NAME: SIGKILL to QEMU, a power cut.
node_kill() {
    local name=$1
    [ -s "$logs/$name.pid" ] && kill -KILL "$(cat "$logs/$name.pid")" 2>/dev/null
    node_stop "$name"
}

node_size() { stat -c %s "$logs/$1.log"; }
# node_since NAME OFFSET: the console after byte OFFSET, without carriage returns.
node_since() { tail -c +"$(($2 + 1))" "$logs/$1.log" | tr -d '\r'; }

# node_await NAME OFFSET ERE: waits until ERE matches the console after OFFSET.
node_await() {
    local name=$1 offset=$2 re=$3 waited=0
    until node_since "$name" "$offset" | grep -qE -- "$re"; do
        sleep 0.2; waited=$((waited + 1))
        if [ $waited -gt $((NODE_WAIT_S * 5)) ]; then
            echo "# $name: no '$re' within ${NODE_WAIT_S}s" >&2
            return 1
        fi
    done
}

node_type() { printf '%s\r' "$2" >&"${node_fd[$1]}"; }

# node_login NAME USER PASSWORD PROMPT [OFFSET]: logs in at the first login prompt
# after byte OFFSET of the console (0: since boot).
node_login() {
    local name=$1 user=$2 password=$3 prompt=$4 offset
    offset=$(node_size "$name")
    node_await "$name" "${5:-0}" "login:" || return 1
    sleep 0.3; node_type "$name" "$user"
    node_await "$name" "$offset" "Password:" || return 1
    sleep 0.2; offset=$(node_size "$name"); node_type "$name" "$password"
    node_await "$name" "$offset" "$prompt"
}

# node_run NAME LABEL COMMAND: types COMMAND at the shell; sets node_out to what the
# console printed for it (its output and the status line) and node_rc to its status
# (999 when the status never came).
node_run() {
    local name=$1 label=$2 command=$3 offset
    offset=$(node_size "$name")
    node_type "$name" "$command; write rc rc-$label \$?; cat rc"
    if node_await "$name" "$offset" "rc-$label [0-9]+"; then
        node_out=$(node_since "$name" "$offset")
        node_rc=$(grep -oE "rc-$label [0-9]+" <<< "$node_out" | head -1 | cut -d' ' -f2)
    else
        node_out=$(node_since "$name" "$offset")
        node_rc=999
    fi
    sleep 0.3 # the prompt that follows
}

# node_monitor NAME COMMAND: one command to QEMU's human monitor (set_link n0 off).
node_monitor() {
    python3 - "$logs/$1.mon" "$2" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(2)
time.sleep(0.3)
try:
    s.recv(65536)  # the banner and the prompt
except socket.timeout:
    pass
s.sendall((sys.argv[2] + "\n").encode())
time.sleep(0.5)
s.close()
EOF
}

# node_inject PORT: what a hostile machine on the segment can send, as UDP datagrams
# to a node's local port (QEMU's dgram backend takes any sender): 20 frames of our
# EtherType whose length field fits but whose datagram is junk (the engine must reject
# each one), and frames the platform must drop before the engine: other EtherTypes, a
# length of 0, past the frame, past the limit, runts, a frame larger than any receive
# buffer (9000 bytes).
node_inject() {
    python3 - "$1" <<'EOF_PY'
import random, socket, struct, sys
rng = random.Random(14)
eth = b"\xff" * 6 + b"\x02\x66\x6f\x65\x00\x01"
frames = []
for i in range(20):
    junk = bytes(rng.randrange(256) for _ in range(40 + i * 50))
    frames.append(eth + b"\x88\xb5" + struct.pack("<H", len(junk)) + junk)
frames += [eth + b"\x08\x00" + bytes(100),                       # IPv4
           eth + b"\x88\xb5" + struct.pack("<H", 0) + bytes(60),
           eth + b"\x88\xb5" + struct.pack("<H", 500) + bytes(100),   # past the frame
           eth + b"\x88\xb5" + struct.pack("<H", 1401) + bytes(1401), # past the limit
           eth + b"\x88\xb5" + struct.pack("<H", 0xffff) + bytes(1480),
           eth[:10], eth + b"\x88", eth + b"\x88\xb5\x00",
           eth + b"\x88\xb5" + struct.pack("<H", 100) + bytes(8986)]  # 9000 bytes
# Not sent: an empty UDP datagram, which QEMU 7.2's dgram backend takes for the end of
# the connection (it stops reading its socket for good: the machine hears nothing more).
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for f in frames:
    s.sendto(f, ("127.0.0.1", int(sys.argv[1])))
EOF_PY
}
