#!/usr/bin/env bash
# Users on the real image (issue 5, "What it must show"): QEMU boots with a blank
# disk and init.end=login; on the console a feeder types, each line only once the
# prompt it answers has appeared: log in as xy; whoami says xy; shutdown -r is
# refused; cat /etc/shadow is refused; sudo whoami with xy's password says root; a
# file written to /home/xy survives `sudo shutdown -r` and the reboot; root logs in
# and powers off. Passwords: the build's defaults (src/kernel/passwords_default.h).
source "$(dirname "$0")/lib.sh"
source tests/qemu_lib.sh
logs=build/test-logs/qemu-login
mkdir -p "$logs"
out=$logs/console.log
disk=$logs/disk.img
fifo=$logs/input.fifo
XY_PASSWORD=basin-xy
ROOT_PASSWORD=basin-root
PROMPT_WAIT_S=60

truncate -s 0 "$disk" && truncate -s 32M "$disk"
rm -f "$fifo" "$out" "$logs/feeder.log" && mkfifo "$fifo" && : > "$out"

# count PATTERN: how many times it appeared on the console (the console does not
# echo what is typed, so a prompt after a silent command shares the line).
count() { tr -d '\r' < "$out" | grep -oF -- "$1" | wc -l; }
# send N PATTERN TEXT: once PATTERN has appeared N times, type TEXT and Enter.
send() {
    local n=$1 pattern=$2 text=$3 waited=0
    while [ "$(count "$pattern")" -lt "$n" ]; do
        sleep 0.2; waited=$((waited + 1))
        if [ $waited -gt $((PROMPT_WAIT_S * 5)) ]; then echo "feeder: no '$pattern' (#$n)" >> "$logs/feeder.log"; return 1; fi
    done
    sleep 0.3
    printf '%s\r' "$text" >&3
}

feed() {
    exec 3> "$fifo"
    send 1 "login:" xy && send 1 "Password:" "$XY_PASSWORD" &&
    send 1 '/home/xy $' whoami &&
    send 2 '/home/xy $' 'shutdown -r' &&
    send 3 '/home/xy $' 'cat /etc/shadow' &&
    send 4 '/home/xy $' 'sudo whoami' && send 1 "password for xy:" "$XY_PASSWORD" &&
    send 5 '/home/xy $' 'write /home/xy/keep survived the reboot' &&
    send 6 '/home/xy $' 'sudo shutdown -r' && send 2 "password for xy:" "$XY_PASSWORD" &&
    send 2 "login:" xy && send 2 "Password:" "$XY_PASSWORD" &&
    send 7 '/home/xy $' 'cat /home/xy/keep' &&
    send 8 '/home/xy $' 'exit' &&
    send 3 "login:" root && send 3 "Password:" "$ROOT_PASSWORD" &&
    send 1 '/root #' 'shutdown -p'
    sleep 30 # QEMU ends at the power-off; keep the input open until then
    exec 3>&-
}

feed &
feeder=$!
timeout 240 qemu-system-riscv64 -machine virt -m 128M -nographic -bios "$OPENSBI_FW" \
    -kernel build/riscv/Image -append "init.rounds=0 init.end=login" \
    -drive "file=$disk,format=raw,if=none,id=disk0" -device virtio-blk-device,drive=disk0 \
    < "$fifo" > "$out" 2>&1
status=$?
kill "$feeder" 2>/dev/null
wait "$feeder" 2>/dev/null
lines=$logs/console.txt
tr -d '\r' < "$out" > "$lines"

check "QEMU powered off at root's shutdown -p" test $status -eq 0
after() { grep -A3 -F -- "$1" "$lines" | grep -qxF -- "$2"; } # a line soon after the prompt
check "whoami as xy says xy" grep -qxF '/home/xy $ xy' "$lines"
check "shutdown -r as xy is refused (E_PERM)" grep -qF 'shutdown: shutdown: E_PERM' "$lines"
check "cat /etc/shadow as xy is refused (E_ACCES)" grep -qF 'cat: /etc/shadow: E_ACCES' "$lines"
check "sudo whoami with xy's password says root" after 'password for xy:' root
check "sudo shutdown -r rebooted the machine" test "$(grep -c 'init: end login' "$lines")" -eq 2
check "the file in /home/xy survived the reboot" grep -qE '(^|\$ )survived the reboot$' "$lines"
check "root logged in after xy's session" grep -qF '/root # ' "$lines"
check "no shadow line was ever printed" test "$(grep -c 'pbkdf2' "$lines")" -eq 0
