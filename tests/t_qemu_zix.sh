#!/usr/bin/env bash
# Zix end to end on the real image (issue 13, "What it must show"). Three boots of one
# blank disk with init.end=login; a feeder types each line once the prompt it answers
# has appeared. A command's exit status is shown by "CMD; write rc LABEL $?; cat rc"
# (the console prints "LABEL STATUS").
#   boot 1, root: builds hello, then again (cached: no builder); runs the built
#     /zix/store/<hash>-hello/bin/hello; builds the 20-recipe chain, clock and nondet;
#     zix check clock -> 0, zix check nondet -> 104; zix build fails -> 100;
#   xy: builds the diamond (top, its inputs first); xy's touch, mkdir, rm and write
#     under /zix/store are refused; zix verify of what xy built -> 0;
#   root: zix root add chain <chain-20>; zix gc: the chain's closure kept (all 20), the
#     unrooted diamond freed; then zix build slow, and QEMU is killed (SIGKILL) while
#     its builder sleeps;
#   boot 2, root: slow is not registered, no leftover in /zix/store; zix build slow
#     succeeds; shutdown -p;
#   host: bytes of chain-07's output flipped in the disk image (python);
#   boot 3, root: zix verify names chain-07 damaged (1); zix verify --repair rebuilds it;
#     zix verify --sigs: every signature verifies (xy may not read the key);
#     zix verify -> 0; zix show, query --referrers, gc --dry-run, root remove, a cycle
#     of two recipes (E_LOOP, 1), an unknown command (2); shutdown -p.
# BASIN_IMAGE picks another Image.
source "$(dirname "$0")/lib.sh"
source tests/qemu_lib.sh
logs=build/test-logs/qemu-zix
mkdir -p "$logs"
disk=$logs/disk.img
fifo=$logs/input.fifo
pidfile=$logs/qemu.pid
XY_PASSWORD=basin-xy
ROOT_PASSWORD=basin-root
IMAGE=${BASIN_IMAGE:-build/riscv/Image}
PROMPT_WAIT_S=150
XY='/home/xy $'
ROOT='/root #'
E=/share/zix/examples
STORE_RE='/zix/store/[0-9a-z]{32}'
# Checkpoints every 16 KiB of log: recovery then replays only the log after the last
# one, so the bytes flipped in chain-07's older record are found by a read (zix verify)
# rather than by the mount, which refuses a disk whose replayed log is corrupt.
APPEND="init.rounds=0 init.end=login loglevel=info fs.checkpoint_interval=16384"

truncate -s 0 "$disk" && truncate -s 32M "$disk"

# The feeders' state: how many times each prompt has been answered on this console.
n_root=0; n_xy=0; n_login=0
send() { console_send "$out" "$@"; } # N PATTERN TEXT, see qemu_lib.sh
as_root() { n_root=$((n_root + 1)); send "$n_root" "$ROOT" "$1"; }
as_xy() { n_xy=$((n_xy + 1)); send "$n_xy" "$XY" "$1"; }
# CMD, then its status as "LABEL STATUS" on a line of its own.
root_rc() { as_root "$2; write rc $1 \$?; cat rc"; }
xy_rc() { as_xy "$2; write rc $1 \$?; cat rc"; }
login() {
    n_login=$((n_login + 1))
    send "$n_login" "login:" "$1" && send "$n_login" "Password:" "$2"
}
# Waits until PATTERN (a fixed string) has appeared N times on the console.
seen() {
    local waited=0
    while [ "$(console_count "$out" "$2")" -lt "$1" ]; do
        sleep 0.2; waited=$((waited + 1))
        [ $waited -gt $((PROMPT_WAIT_S * 5)) ] && return 1
    done
    return 0
}
# Waits until the extended regular expression RE matches a console line.
seen_re() {
    local waited=0
    until tr -d '\r' < "$out" | grep -qE "$1"; do
        sleep 0.2; waited=$((waited + 1))
        [ $waited -gt $((PROMPT_WAIT_S * 5)) ] && return 1
    done
    return 0
}
# The first store path of NAME the console showed (zix ends its lines with the path, so
# hello's is not taken from hello.sh's).
store_path() { tr -d '\r' < "$out" | grep -oE "$STORE_RE-$1\$" | head -1; }
first_path() { grep -oE "$STORE_RE-$1\$" "$logs/first.txt" | head -1; } # boot 1's

feed_first() {
    exec 3> "$fifo"
    login root "$ROOT_PASSWORD" &&
    root_rc build-hello "zix build $E/hello.recipe" &&
    root_rc rebuild-hello "zix build $E/hello.recipe" &&
    seen 1 "rebuild-hello " && as_root "$(store_path hello)/bin/hello" &&
    root_rc build-chain "zix build $E/chain-20.recipe" &&
    root_rc build-clock "zix build $E/clock.recipe $E/nondet.recipe" &&
    root_rc check-clock "zix check $E/clock.recipe" &&
    root_rc check-nondet "zix check $E/nondet.recipe" &&
    root_rc build-fails "zix build $E/fails.recipe" &&
    as_root 'exit' &&
    login xy "$XY_PASSWORD" &&
    xy_rc xy-build "zix build $E/diamond-top.recipe" &&
    seen 1 "xy-build " && top=$(store_path diamond-top) &&
    xy_rc xy-touch "touch /zix/store/forged" &&
    xy_rc xy-mkdir "mkdir /zix/store/forged" &&
    xy_rc xy-rm "rm $top/record" &&
    xy_rc xy-write "write $top/record forged" &&
    xy_rc xy-verify "zix verify $top" &&
    xy_rc xy-gc "zix gc" &&
    xy_rc xy-root "zix root add mine $top" &&
    xy_rc xy-key "cat /etc/zix/signing-key" &&
    xy_rc xy-sigs "zix verify --sigs $top" &&
    as_xy 'exit' &&
    login root "$ROOT_PASSWORD" &&
    root_rc root-add "zix root add chain $(store_path chain-20)" &&
    root_rc roots "zix roots" &&
    root_rc gc "zix gc" &&
    root_rc closure "zix query --closure $(store_path chain-20)" &&
    root_rc path-top "zix path $E/diamond-top.recipe" &&
    as_root "zix build $E/slow.recipe" &&
    seen_re "building $STORE_RE-slow\$" && sleep 3 &&
    echo "killed" > "$logs/killed" && kill -KILL "$(cat "$pidfile")"
    sleep 5
    exec 3>&-
}

feed_second() {
    exec 3> "$fifo"
    login root "$ROOT_PASSWORD" &&
    root_rc path-slow "zix path $E/slow.recipe" &&
    root_rc ls-store "ls /zix/store" &&
    root_rc build-slow "zix build $E/slow.recipe" &&
    as_root 'shutdown -p'
    sleep 30
    exec 3>&-
}

feed_third() {
    exec 3> "$fifo"
    login root "$ROOT_PASSWORD" &&
    root_rc verify-damaged "zix verify" &&
    root_rc verify-repair "zix verify --repair" &&
    root_rc verify-after "zix verify" &&
    root_rc verify-sigs "zix verify --sigs" &&
    root_rc show "zix show $(first_path chain-07)" &&
    root_rc referrers "zix query --referrers $(first_path chain-06)" &&
    root_rc dry-run "zix gc --dry-run" &&
    root_rc unroot "zix root remove chain" &&
    root_rc roots-after "zix roots" &&
    as_root "write /tmp/c1.recipe name = c1; write -a /tmp/c1.recipe builder = /bin/sh" &&
    as_root "write -a /tmp/c1.recipe input x = recipe c2.recipe" &&
    as_root "write /tmp/c2.recipe name = c2; write -a /tmp/c2.recipe builder = /bin/sh" &&
    as_root "write -a /tmp/c2.recipe input y = recipe c1.recipe" &&
    root_rc cycle "zix build /tmp/c1.recipe" &&
    root_rc usage "zix frobnicate" &&
    as_root 'shutdown -p'
    sleep 30
    exec 3>&-
}

# boot NAME FEED TIMEOUT_S: one boot of the disk; its console in $logs/NAME.log and,
# without carriage returns, $logs/NAME.txt. Returns QEMU's status.
boot() {
    out=$logs/$1.log
    rm -f "$fifo" "$out" "$out.feeder" "$pidfile" && mkfifo "$fifo" && : > "$out"
    qemu_fed_boot "$2" "$3" "$IMAGE" "$APPEND" "$disk" "$fifo" "$out" "$logs/$1.txt" \
        -device virtio-rng-device -pidfile "$pidfile"
}
# rc NAME LABEL: the status the console printed for LABEL.
rc() { sed -nE "s/^(.*[#$] )?$2 ([0-9]+)\$/\2/p" "$logs/$1.txt" | tail -1; }
# The lines of the console between LABEL's command (the previous status) and its status.
rc_is() { local got; got=$(rc "$1" "$2"); echo "# $2: status ${got:-none}"; [ "$got" = "$3" ]; }

rm -f "$logs/killed"
boot first feed_first 300 2>/dev/null # (bash's "Killed" notice of the SIGKILLed QEMU)
status=$?
t1=$logs/first.txt
check "boot 1 ended by the SIGKILL during zix build slow" test -s "$logs/killed" -a $status -ne 0
hello=$(grep -oE "$STORE_RE-hello\$" "$t1" | head -1)
check "zix build hello: 0, prints its store path" bash -c '[ "$1" = 0 ] && grep -qxE "(.*# )?$2" "$3"' _ \
    "$(rc first build-hello)" "$hello" "$t1"
check "hello built once: one 'building', then 'cached' (no builder)" \
    bash -c '[ "$(grep -cE "building $1\$" "$3")" = 1 ] && grep -qE "cached $1\$" "$3" && [ "$2" = 0 ]' _ \
    "$hello" "$(rc first rebuild-hello)" "$t1"
check "the kernel spawned hello's builder once (build 1), not for the cached build" \
    test "$(grep -cE "kernel: zix: build [0-9]+: $hello started" "$t1")" -eq 1
check "the examples' builders touched nothing the sandbox refuses (0 refusals each)" \
    bash -c '[ "$(grep -cE "kernel: zix: build [0-9]+: .* ended: " "$1")" -ge 30 ] &&
             ! grep -E "kernel: zix: build [0-9]+: .* ended: " "$1" | grep -vq ", 0 sandbox refusals$"' _ "$t1"
check "the built hello runs from its store path" grep -qE '(^|# )Hello from the Zix store!$' "$t1"
check "the chain builds (exit 0): 20 builds, chain-01 first" \
    bash -c '[ "$1" = 0 ] && [ "$(grep -cE "building /zix/store/[0-9a-z]{32}-chain-[0-9]{2}\$" "$2")" = 20 ] &&
             grep -E "building /zix/store/[0-9a-z]{32}-chain-" "$2" | head -1 | grep -q "chain-01$"' _ \
    "$(rc first build-chain)" "$t1"
check "clock and nondet build (exit 0)" rc_is first build-clock 0
check "zix check clock: same (exit 0)" bash -c '[ "$1" = 0 ] && grep -qE -- "-clock: same: sha256:[0-9a-f]{64}$" "$2"' _ \
    "$(rc first check-clock)" "$t1"
check "zix check nondet: different (exit 104), both hashes" \
    bash -c '[ "$1" = 104 ] && grep -qE -- "-nondet: different: the rebuild hashes to sha256:[0-9a-f]{64}, registered sha256:[0-9a-f]{64}$" "$2"' _ \
    "$(rc first check-nondet)" "$t1"
check "zix build fails: exit 100, the builder's end and its log named" \
    bash -c '[ "$1" = 100 ] && grep -qE "build of /zix/store/[0-9a-z]{32}-fails failed: builder exited 1; log: /var/log/zix/" "$2"' _ \
    "$(rc first build-fails)" "$t1"
check "xy builds the diamond (exit 0): base, left, right, top" \
    bash -c '[ "$1" = 0 ] && [ "$(grep -cE "building /zix/store/[0-9a-z]{32}-diamond-(base|left|right|top)\$" "$2")" = 4 ]' _ \
    "$(rc first xy-build)" "$t1"
for what in touch mkdir rm write; do
    check "xy's $what under /zix/store is refused (status 1)" \
        bash -c '[ "$1" = 1 ] && grep -qE "^(.*\\$ )?$2: /zix/store/[^ ]*: (.*: )?E_(ACCES|PERM|ROFS)" "$3"' _ \
        "$(rc first "xy-$what")" "$what" "$t1"
done
check "what xy built still verifies (exit 0)" rc_is first xy-verify 0
chain20=$(grep -oE "$STORE_RE-chain-20\$" "$t1" | head -1)
check "root adds the root chain -> chain-20; zix roots lists it" \
    bash -c '[ "$1" = 0 ] && [ "$2" = 0 ] && grep -qE "chain -> $3\$" "$4"' _ \
    "$(rc first root-add)" "$(rc first roots)" "$chain20" "$t1"
check "zix gc (exit 0) freed the unrooted diamond (4 paths)" \
    bash -c '[ "$1" = 0 ] && [ "$(grep -cE "^(.*# )?freed /zix/store/[0-9a-z]{32}-diamond-(base|left|right|top)\$" "$2")" = 4 ]' _ \
    "$(rc first gc)" "$t1"
check "zix gc freed nothing of the chain" bash -c '! grep -qE "freed /zix/store/[0-9a-z]{32}-chain-" "$1"' _ "$t1"
# zix query --closure's output: the lines after gc's status, up to closure's.
closure=$(sed -nE '/(^|# )gc [0-9]+$/,/(^|# )closure [0-9]+$/p' "$t1" | grep -oE "$STORE_RE-[a-z0-9.-]+\$" | sort)
check "after gc the rooted closure is whole: the 20 chain paths and record.sh (exit 0)" \
    bash -c '[ "$1" = 0 ] && [ "$(echo "$2" | grep -cE -- "-chain-[0-9]{2}\$")" = 20 ] &&
             [ "$(echo "$2" | wc -l)" = 21 ] && [ "$(echo "$2" | sort -u | wc -l)" = 21 ] &&
             echo "$2" | grep -qE -- "-record.sh\$"' _ "$(rc first closure)" "$closure"
check "after gc the diamond's top is not registered" grep -qE -- "-diamond-top not registered$" "$t1"
check "zix build slow was building when QEMU was killed" grep -qE "building $STORE_RE-slow\$" "$t1"

boot second feed_second 180
status=$?
t2=$logs/second.txt
check "boot 2 ended at shutdown -p" test $status -eq 0
check "after the kill nothing is registered for slow" grep -qE -- "-slow not registered$" "$t2"
# ls's output: the lines after path-slow's status, up to ls-store's.
ls_store=$(sed -nE '/(^|# )path-slow [0-9]+$/,/(^|# )ls-store [0-9]+$/p' "$t2")
check "after the kill no leftover of slow in /zix/store" \
    bash -c '[ "$1" = 0 ] && [ -n "$2" ] && ! echo "$2" | grep -qE "[0-9a-z]{32}-slow\$"' _ \
    "$(rc second ls-store)" "$ls_store"
check "the next zix build slow succeeds (exit 0)" \
    bash -c '[ "$1" = 0 ] && grep -qxE "(.*# )?/zix/store/[0-9a-z]{32}-slow" "$2"' _ "$(rc second build-slow)" "$t2"

# With QEMU off: flip a byte in every copy of chain-07's output on the disk image.
chain07=$(grep -oE "$STORE_RE-chain-07\$" "$t1" | head -1)
flipped=$(python3 - "$disk" <<'EOF'
import sys
path = sys.argv[1]
data = bytearray(open(path, 'rb').read())
needle = b'chain-07 /zix/store/'
count, at = 0, data.find(needle)
while at >= 0:
    data[at + 4] ^= 0x01  # 'n' -> 'o': the record now reads "chaio-07 ..."
    count += 1
    at = data.find(needle, at + 1)
open(path, 'wb').write(data)
print(count)
EOF
)
echo "# copies of chain-07's output flipped: $flipped"
check "chain-07's output found in the disk image and flipped" test "${flipped:-0}" -ge 1

boot third feed_third 180
status=$?
t3=$logs/third.txt
check "boot 3 ended at shutdown -p" test $status -eq 0
check "zix verify names chain-07 damaged (exit 1)" \
    bash -c '[ "$1" = 1 ] && grep -qE "^(.*# )?$2: damaged" "$3"' _ "$(rc third verify-damaged)" "$chain07" "$t3"
check "zix verify names nothing else damaged" \
    bash -c '! grep -E ": damaged" "$1" | grep -vqF "$2: damaged"' _ "$t3" "$chain07"
check "zix verify --repair rebuilds chain-07 (exit 0)" \
    bash -c '[ "$1" = 0 ] && grep -qE "^(.*# )?$2: repaired\$" "$3"' _ "$(rc third verify-repair)" "$chain07" "$t3"
check "zix verify after the repair: exit 0" rc_is third verify-after 0
check "zix verify --sigs: every path's signature verifies under the machine's key (exit 0)" \
    bash -c '[ "$1" = 0 ] && ! grep -q "signature does not verify" "$2"' _ "$(rc third verify-sigs)" "$t3"
chain06=$(grep -oE "$STORE_RE-chain-06\$" "$t1" | head -1)
record=$(grep -oE "$STORE_RE-record.sh\$" "$t1" | head -1)
check "zix show chain-07: its 2 references (chain-06, record.sh), signed, its recipe" \
    bash -c '[ "$1" = 0 ] && grep -qxE "(.*# )?path: $2" "$5" && grep -qx "references: 2" "$5" &&
             grep -qx "  $3" "$5" && grep -qx "  $4" "$5" && grep -qx "signed: yes" "$5" &&
             grep -qx "input previous = path $3" "$5"' _ "$(rc third show)" "$chain07" "$chain06" "$record" "$t3"
check "zix query --referrers chain-06: chain-07 (exit 0)" \
    bash -c '[ "$1" = 0 ] && sed -nE "/show [0-9]+\$/,/referrers [0-9]+\$/p" "$3" | grep -qE "^(.*# )?$2\$"' _ \
    "$(rc third referrers)" "$chain07" "$t3"
check "zix gc --dry-run: the unrooted slow would be freed, nothing freed" \
    bash -c '[ "$1" = 0 ] && grep -qE "would free $2-slow\$" "$3" && grep -qE "would be freed" "$3" &&
             ! grep -qE "^(.*# )?freed " "$3"' _ "$(rc third dry-run)" "$STORE_RE" "$t3"
check "zix root remove chain: zix roots then lists nothing" \
    bash -c '[ "$1" = 0 ] && [ "$2" = 0 ] && [ -z "$(sed -nE "/unroot [0-9]+\$/,/roots-after [0-9]+\$/p" "$3" | grep -- " -> ")" ]' _ \
    "$(rc third unroot)" "$(rc third roots-after)" "$t3"
check "zix build of recipes that take each other: E_LOOP named, exit 1" \
    bash -c '[ "$1" = 1 ] && grep -qE "zix: /tmp/c1.recipe: E_LOOP: recipe inputs form a cycle" "$2"' _ "$(rc third cycle)" "$t3"
check "zix with an unknown command: usage, exit 2" \
    bash -c '[ "$1" = 2 ] && grep -qE "zix: unknown command frobnicate" "$2" && grep -qE "^usage: zix build RECIPE" "$2"' _ \
    "$(rc third usage)" "$t3"
check "xy cannot read the machine's signing key (exit 1); xy's verify --sigs of the diamond passes (exit 0)" \
    bash -c '[ "$1" = 1 ] && [ "$2" = 0 ]' _ "$(rc first xy-key)" "$(rc first xy-sigs)"
check "xy's zix gc and zix root add: refused, root only (exit 1)" \
    bash -c '[ "$1" = 1 ] && [ "$2" = 1 ] && grep -qE "zix: gc: E_PERM: root only" "$3" &&
             grep -qE "zix: root add mine: E_PERM: root only" "$3"' _ "$(rc first xy-gc)" "$(rc first xy-root)" "$t1"
