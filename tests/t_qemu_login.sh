#!/usr/bin/env bash
# Users on the real image (issue 5, "What it must show"): QEMU boots with a blank
# disk and init.end=login; on the console a feeder types, each line only once the
# prompt it answers has appeared: log in as xy; whoami says xy; shutdown -r is
# refused; cat /etc/shadow is refused; sudo whoami with xy's password says root; a
# second sudo whoami does not ask (the kernel remembers); sudo -k makes it ask again;
# xy changes its password with passwd; a file written to /home/xy survives
# `sudo shutdown -r` and the reboot; the old password is refused and the new one
# logs in; six wrong passwords to su are each refused (E_ACCES, slower each time, never
# locked: issue 9); root logs in, is told what the audit log lost (nothing), reads
# /var/log/auth (the events, no password, repeats coalesced) and powers off. Passwords: the build's
# defaults (src/kernel/users/passwords_default.h). BASIN_IMAGE picks another Image.
source "$(dirname "$0")/lib.sh"
source tests/qemu_lib.sh
logs=build/test-logs/qemu-login
mkdir -p "$logs"
out=$logs/console.log
disk=$logs/disk.img
fifo=$logs/input.fifo
XY_PASSWORD=basin-xy
ROOT_PASSWORD=basin-root
NEW_XY_PASSWORD=xy-changed-7
WRONG_PASSWORD=wrong-guess
IMAGE=${BASIN_IMAGE:-build/riscv/Image}
PROMPT_WAIT_S=60

truncate -s 0 "$disk" && truncate -s 32M "$disk"
rm -f "$fifo" "$out" "$out.feeder" && mkfifo "$fifo" && : > "$out"

count() { console_count "$out" "$1"; }
send() { console_send "$out" "$@"; } # N PATTERN TEXT, see qemu_lib.sh

feed() {
    exec 3> "$fifo"
    send 1 "login:" xy && send 1 "Password:" "$XY_PASSWORD" &&
    send 1 '/home/xy $' whoami &&
    send 2 '/home/xy $' 'shutdown -r' &&
    send 3 '/home/xy $' 'cat /etc/shadow' &&
    send 4 '/home/xy $' 'sudo whoami' && send 1 "password for xy:" "$XY_PASSWORD" &&
    send 5 '/home/xy $' 'sudo whoami' &&
    send 6 '/home/xy $' 'sudo -k' &&
    send 7 '/home/xy $' 'sudo whoami' && send 2 "password for xy:" "$XY_PASSWORD" &&
    send 8 '/home/xy $' 'passwd' && send 1 "Current password:" "$XY_PASSWORD" &&
    send 1 "New password:" "$NEW_XY_PASSWORD" && send 1 "Retype new password:" "$NEW_XY_PASSWORD" &&
    send 9 '/home/xy $' 'write /home/xy/keep survived the reboot' &&
    send 10 '/home/xy $' 'sudo shutdown -r' &&
    send 2 "login:" xy && send 2 "Password:" "$XY_PASSWORD" &&
    send 3 "login:" xy && send 3 "Password:" "$NEW_XY_PASSWORD" &&
    send 11 '/home/xy $' 'cat /home/xy/keep' &&
    for i in 1 2 3 4 5 6; do
        send $((11 + i)) '/home/xy $' 'su xy' && send $((3 + i)) "Password:" "$WRONG_PASSWORD" || return 1
    done &&
    send 18 '/home/xy $' 'exit' &&
    send 4 "login:" root && send 10 "Password:" "$ROOT_PASSWORD" &&
    send 1 '/root #' 'cat /var/log/auth' &&
    send 2 '/root #' 'shutdown -p'
    sleep 30 # QEMU ends at the power-off; keep the input open until then
    exec 3>&-
}

lines=$logs/console.txt
qemu_fed_boot feed 240 "$IMAGE" "init.rounds=0 init.end=login loglevel=warn" "$disk" "$fifo" "$out" "$lines" \
    -device virtio-rng-device
status=$?

check "QEMU powered off at root's shutdown -p" test $status -eq 0
after() { grep -A3 -F -- "$1" "$lines" | grep -qxF -- "$2"; } # a line soon after the prompt
check "whoami as xy says xy" grep -qxF '/home/xy $ xy' "$lines"
check "shutdown -r as xy is refused (E_PERM)" grep -qF 'shutdown: shutdown: E_PERM' "$lines"
check "cat /etc/shadow as xy is refused (E_ACCES)" grep -qF 'cat: /etc/shadow: E_ACCES' "$lines"
check "sudo whoami with xy's password says root" after 'password for xy:' root
check "a second sudo whoami did not ask (remembered)" grep -qxF '/home/xy $ root' "$lines"
check "sudo asked for a password twice: first, and after sudo -k" test "$(count 'password for xy:')" -eq 2
check "passwd changed xy's password" grep -qxF 'passwd: password changed for xy' "$lines"
check "sudo shutdown -r rebooted the machine" test "$(grep -c 'init: end login' "$lines")" -eq 2
check "the file in /home/xy survived the reboot" grep -qE '(^|\$ )survived the reboot$' "$lines"
check "the old password was refused after the change" test "$(grep -c 'Login incorrect' "$lines")" -eq 1
check "six wrong passwords: su said E_ACCES six times" test "$(grep -c 'su: xy: E_ACCES' "$lines")" -eq 6
check "no attempt was locked out (no E_AGAIN, no lock)" test "$(grep -ciE 'E_AGAIN|locked' "$lines")" -eq 0
check "root logged in after xy's session" grep -qF '/root # ' "$lines"
# The console login is z6's getty service (init.end=login starts it): after xy's exit
# the prompt came back because z6 restarted login, not init.
check "the prompt came back after xy logged out (its 4th showing)" test "$(count 'login:')" -ge 4
check "init did not run login itself (getty is z6's)" test "$(grep -c 'init runs login itself' "$lines")" -eq 0
check "root was told the audit log lost nothing" \
    grep -qF 'audit: since the last root login, 0 events could not be written; 0 events of users beyond their share' "$lines"
check "no shadow line was ever printed" test "$(grep -c 'pbkdf2' "$lines")" -eq 0
auth_lines=$logs/auth.txt
grep -oE '[0-9]+\.[0-9]{9} pid=[0-9]+ uid=[0-9]+ .*' "$lines" > "$auth_lines"
has() { grep -qE -- "$1" "$auth_lines"; }
check "root read /var/log/auth ($(wc -l < "$auth_lines") lines)" test "$(wc -l < "$auth_lines")" -ge 10
check "auth log: login as xy" has 'uid=0 switch_user allowed to=1000$'
check "auth log: sudo with the password" has 'uid=1000 sudo allowed /bin/whoami$'
check "auth log: sudo remembered" has 'uid=1000 sudo cached /bin/whoami$'
check "auth log: sudo -k" has 'uid=1000 sudo forgot'
check "auth log: sudo without a remembered password" has 'uid=1000 sudo needs-password /bin/whoami$'
check "auth log: passwd" has 'uid=1000 passwd changed target=1000$'
check "auth log: the old password refused" has 'uid=0 switch_user refused to=1000$'
check "auth log: su's wrong passwords" has 'uid=1000 switch_user refused to=1000$'
check "auth log: no lockout event" test "$(grep -cE 'lockout|locked' "$auth_lines")" -eq 0
check "no password on the console or in the log" \
    test "$(grep -cF -e "$XY_PASSWORD" -e "$NEW_XY_PASSWORD" -e "$WRONG_PASSWORD" -e "$ROOT_PASSWORD" "$lines")" -eq 0
