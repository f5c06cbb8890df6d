#!/usr/bin/env bash
# Real randomness on the real image (issue 9, item 6). Four machines, each the same
# Image on a blank disk: two with a virtio-rng device, two without (timer jitter,
# QEMU's /chosen/rng-seed and the seed file only). On each, root logs in on the
# console and runs `/test/random` (getrandom), `cat /etc/shadow` (the salts of the first
# boot), `ls -l` and `hexdump` of /var/lib/random-seed, then `shutdown -r`; after the
# reboot, `ls -l` and `hexdump` of the seed file again, and `shutdown -p`.
# Checked: the two machines of each pair printed different getrandom bytes and have
# different salts; the seed file exists after the first boot, is root's 0600 and
# 64 bytes, and holds other bytes after the reboot (the second boot mixed it in and
# replaced it); the boot log names the entropy sources. Then one boot of a CPU whose
# ISA string names Zkr: OpenSBI 1.1 does not grant S-mode the seed CSR, and the
# kernel's probe must say so and go on, never crash.
source "$(dirname "$0")/lib.sh"
source tests/qemu_lib.sh
logs=build/test-logs/qemu-random
mkdir -p "$logs"
ROOT_PASSWORD=${BASIN_ROOT_PASSWORD:-basin-root}
PROMPT_WAIT_S=60
SEED_PATH=/var/lib/random-seed

feed() {
    local log=$1 fifo=$2
    exec 3> "$fifo"
    console_send "$log" 1 "login:" root && console_send "$log" 1 "Password:" "$ROOT_PASSWORD" &&
    console_send "$log" 1 '/root #' /test/random &&
    console_send "$log" 2 '/root #' 'cat /etc/shadow' &&
    console_send "$log" 3 '/root #' "ls -l $SEED_PATH" &&
    console_send "$log" 4 '/root #' "hexdump $SEED_PATH" &&
    console_send "$log" 5 '/root #' 'shutdown -r' &&
    console_send "$log" 2 "login:" root && console_send "$log" 2 "Password:" "$ROOT_PASSWORD" &&
    console_send "$log" 6 '/root #' "ls -l $SEED_PATH" &&
    console_send "$log" 7 '/root #' "hexdump $SEED_PATH" &&
    console_send "$log" 8 '/root #' 'shutdown -p'
    sleep 30 # QEMU ends at the power-off; keep the input open until then
    exec 3>&-
}

# machine NAME [QEMU ARGS...]: one machine on a blank disk; its console in
# $logs/NAME.txt (carriage returns removed). Returns QEMU's status.
machine() {
    local name=$1; shift
    local log=$logs/$name.log disk=$logs/$name.img fifo=$logs/$name.fifo
    rm -f "$disk" "$fifo" "$log.feeder" && truncate -s 32M "$disk" && mkfifo "$fifo" && : > "$log"
    qemu_fed_boot feed 240 build/riscv/Image "init.rounds=0 init.end=login" "$disk" "$fifo" "$log" \
        "$logs/$name.txt" "$@"
    local status=$?
    rm -f "$fifo"
    return $status
}

random_lines() { grep -oE '~random: [0-9a-f]{64}' "$logs/$1.txt"; }
salts() { grep -oE '\$pbkdf2-sha256\$[0-9]+\$[0-9a-f]{32}\$' "$logs/$1.txt"; }
# seed_dump NAME BOOT: the seed file's hexdump lines as boot BOOT (1 or 2) printed them.
seed_dump() {
    grep -oE '000000[0-3]0 ( [0-9a-f]{2}){16}$' "$logs/$1.txt" | sed -n "$(( ($2 - 1) * 4 + 1 )),$(( $2 * 4 ))p"
}

# check_machine NAME SOURCE_PATTERN: what one machine must show on its own.
check_machine() {
    local name=$1 sources=$2 text=$logs/$1.txt
    check "$name: powered off at the end (QEMU exit 0)" test "${statuses[$name]}" -eq 0
    check "$name: the boot log names its entropy sources" grep -qE "hw: entropy: $sources" "$text"
    check "$name: random printed two different reads" \
        test "$(random_lines "$name" | sort -u | wc -l)" -eq 2
    check "$name: /etc/shadow shows two salted hashes (root, xy)" test "$(salts "$name" | sort -u | wc -l)" -eq 2
    check "$name: the first boot wrote the seed file" grep -qF "no $SEED_PATH yet (a first boot?): writing one" "$text"
    check "$name: the seed file is root's, 0600, 64 bytes, after each boot" \
        test "$(grep -cE -- "-rw------- +0 +64 v[0-9]+ $SEED_PATH\$" "$text")" -eq 2
    check "$name: the second boot mixed the seed file in" grep -qF "random: mixed in $SEED_PATH (64 bytes)" "$text"
    local first second
    first=$(seed_dump "$name" 1) second=$(seed_dump "$name" 2)
    check "$name: hexdump printed 64 bytes at each boot" \
        test "$(echo "$first" | wc -l)" -eq 4 -a "$(echo "$second" | wc -l)" -eq 4
    check "$name: the seed file changed across the reboot" test -n "$first" -a "$first" != "$second"
}

# check_pair A B: two machines of the same kind differ.
check_pair() {
    local a=$1 b=$2
    local random_a random_b salts_a salts_b
    random_a=$(random_lines "$a") random_b=$(random_lines "$b")
    salts_a=$(salts "$a") salts_b=$(salts "$b")
    check "$a vs $b: getrandom gave different bytes" test -n "$random_a" -a -n "$random_b" -a "$random_a" != "$random_b"
    check "$a vs $b: no salt in common" \
        test "$(printf '%s\n%s\n' "$salts_a" "$salts_b" | sort | uniq -d | wc -l)" -eq 0 -a -n "$salts_a" -a -n "$salts_b"
}

declare -A statuses
for name in rng-a rng-b; do machine "$name" -device virtio-rng-device; statuses[$name]=$?; done
for name in jitter-a jitter-b; do machine "$name"; statuses[$name]=$?; done
for name in rng-a rng-b; do check_machine "$name" "virtio-rng at 0x[0-9a-f]+ \(answered 32 bytes\)"; done
for name in jitter-a jitter-b; do check_machine "$name" "virtio-rng none; Zkr absent from the ISA string; jitter from rdcycle"; done
check_pair rng-a rng-b
check_pair jitter-a jitter-b

# Zkr in the ISA string (QEMU -cpu rv64,zkr=true) under Debian's OpenSBI 1.1.
zkr=$logs/zkr.log
QEMU_RNG_ARGS="" qemu_boot "$zkr" "init.end=poweroff" -cpu rv64,zkr=true
status=$?
check "zkr: the machine booted, ran the workload and powered off" test $status -eq 0
check "zkr: the probe says the seed CSR traps in S-mode" \
    grep -qF "Zkr in the ISA string, but the seed CSR traps in S-mode (mseccfg.SSEED clear)" "$zkr"
check "zkr: getrandom works (random: two reads differ)" grep -qF "random: two reads of 32 bytes differ" "$zkr"
