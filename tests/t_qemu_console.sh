#!/usr/bin/env bash
# Console sessions, password delays and the audit log on the real image (issue 9, "What
# it must show"). QEMU boots a blank disk with init.end=login; a feeder types each line
# once the prompt it answers has appeared. xy logs in and plays the attacker:
#   - `/test/authflood guess root 6`: six wrong passwords for root (each refused, each next
#     one slower: the kernel's delay for xy's guesses at root);
#   - `/test/authflood noise 400`: 400 different sudo events, far beyond xy's share of
#     /var/log/auth;
#   - `/test/authflood -b guess root 1000`: keeps guessing root's password in the background;
#   - `/test/ttyspy /tmp/spy.txt 12`: a console reader left running (it starts 2 s later,
#     once xy has logged out) that records what it reads and tries to print a fake
#     login prompt;
#   - logs out.
# Three seconds after the next "login:" appears (so the reader is active), root logs in
# with its password: at once, on the first try, whatever xy's loop does. Root is told
# what the audit log counted but did not write, reads /var/log/auth (xy's guesses, its
# repeats coalesced, the over-share note), lists /var/log (no archive: xy could not
# force a rotation, the file is within its bound), runs `audit`, and after the reader
# has ended reads /tmp/spy.txt: the reader got E_IO for every read and write after the
# logout, read no byte and printed no fake prompt. Then root powers off.
source "$(dirname "$0")/lib.sh"
source tests/qemu_lib.sh
logs=build/test-logs/qemu-console
mkdir -p "$logs"
out=$logs/console.log
disk=$logs/disk.img
fifo=$logs/input.fifo
XY_PASSWORD=basin-xy
ROOT_PASSWORD=basin-root
IMAGE=${BASIN_IMAGE:-build/riscv/Image}
PROMPT_WAIT_S=90
SPY_SECONDS=12

truncate -s 0 "$disk" && truncate -s 32M "$disk"
rm -f "$fifo" "$out" "$out.feeder" && mkfifo "$fifo" && : > "$out"

count() { console_count "$out" "$1"; }
send() { console_send "$out" "$@"; } # N PATTERN TEXT, see qemu_lib.sh

feed() {
    exec 3> "$fifo"
    send 1 "login:" xy && send 1 "Password:" "$XY_PASSWORD" &&
    send 1 '/home/xy $' '/test/authflood guess root 6' &&
    send 2 '/home/xy $' '/test/authflood noise 400' &&
    send 3 '/home/xy $' '/test/authflood -b guess root 1000' &&
    send 4 '/home/xy $' "/test/ttyspy /tmp/spy.txt $SPY_SECONDS" &&
    send 5 '/home/xy $' 'exit' &&
    # The reader starts 2 s after it was started: let it run before root types.
    { while [ "$(count 'login:')" -lt 2 ]; do sleep 0.2; done; sleep 3; } &&
    send 2 "login:" root && send 2 "Password:" "$ROOT_PASSWORD" &&
    send 1 '/root #' 'cat /var/log/auth' &&
    send 2 '/root #' 'ls -l /var/log' &&
    send 3 '/root #' 'audit' &&
    { sleep "$SPY_SECONDS"; } &&
    send 4 '/root #' 'cat /tmp/spy.txt' &&
    send 5 '/root #' 'shutdown -p'
    sleep 30 # QEMU ends at the power-off; keep the input open until then
    exec 3>&-
}

lines=$logs/console.txt
qemu_fed_boot feed 240 "$IMAGE" "init.rounds=0 init.end=login loglevel=warn" "$disk" "$fifo" "$out" "$lines"
status=$?

check "QEMU powered off at root's shutdown -p" test $status -eq 0
check "xy's six wrong passwords for root: each refused, none locked" \
    grep -qF 'authflood: 6 wrong passwords for root: 6 refused, 0 otherwise' "$lines"
check "xy's 400 sudo events were made" grep -qF 'authflood: 400 sudo events, 400 refused' "$lines"
check "the background guesser started" grep -qF 'authflood: running in the background' "$lines"
check "the console reader started" grep -qF 'ttyspy: reading the console in the background' "$lines"
check "root logged in on the first try while xy's loop ran" test "$(grep -c 'Login incorrect' "$lines")" -eq 0
check "root's shell ran" grep -qF '/root # ' "$lines"
check "nothing is ever locked" test "$(grep -ciE 'locked|E_AGAIN' "$lines")" -eq 0
check "root was told of xy's events beyond its share" \
    grep -qE '^audit: since the last root login, 0 events could not be written; [0-9]+ events of users beyond their share' "$lines"
suppressed=$(grep -oE '; [0-9]+ events of users beyond their share' "$lines" | grep -oE '[0-9]+' | head -1)
check "at least 300 of xy's events were beyond its share (${suppressed:-none})" test "${suppressed:-0}" -ge 300
check "no fake prompt of the reader reached the console" test "$(grep -c 'ttyspy-fake-login' "$lines")" -eq 0

auth_lines=$logs/auth.txt
grep -oE '^(/root # )?[0-9]+\.[0-9]{9} pid=[0-9]+ uid=[0-9]+ .*' "$lines" | sed 's|^/root # ||' > "$auth_lines"
has() { grep -qE -- "$1" "$auth_lines"; }
check "auth log: xy's login" has 'uid=0 switch_user allowed to=1000$'
check "auth log: xy's wrong passwords for root" has 'uid=1000 switch_user refused to=0$'
# The guesses come slower and slower (the kernel's delay), and a coalesced repeat waits
# at most AUTH_LOG_REPEAT_WAIT_NS (30 s): on a slow host the six may be cut into two
# groups. What must hold: repeats coalesce, and every guess is counted.
singles=$(grep -c 'uid=1000 switch_user refused to=0$' "$auth_lines")
repeats=$(sed -nE 's/.*uid=1000 repeated ([0-9]+) times: switch_user refused to=0$/\1/p' "$auth_lines" | awk '{ n += $1 } END { print n + 0 }')
check "auth log: the repeats coalesced (a 'repeated N times' line)" has 'uid=1000 repeated [0-9]+ times: switch_user refused to=0$'
check "auth log: each guess is not a line of its own, and each is counted ($singles lines, $repeats repeats)" \
    test "$singles" -lt 6 -a $((singles + repeats)) -ge 6
check "auth log: xy's share ran out, said once by the kernel" \
    test "$(grep -c 'pid=0 uid=0 audit over-share uid=1000 share=2048 bytes' "$auth_lines")" -eq 1
noise=$(grep -c 'uid=1000 sudo needs-password /bin/noise-' "$auth_lines")
check "auth log: only xy's share of its noise was written ($noise lines)" test "$noise" -ge 10 -a "$noise" -le 30
check "auth log: root's login after it all" has 'uid=0 switch_user allowed to=0$'
size=$(grep -oE -- '-rw------- +0 +[0-9]+ v[0-9]+ auth$' "$lines" | awk '{print $3}' | head -1)
check "/var/log/auth is root's, 0600, within its bound (${size:-?} bytes)" test "${size:-99999}" -le 16384
check "no archive: xy's noise forced no rotation" test "$(grep -cE ' auth\.[0-9]+$' "$lines")" -eq 0
check "audit: no rotation, events beyond share counted" \
    bash -c "grep -qxF 'rotations 0' '$lines' && grep -qE '^beyond share [1-9][0-9]* ' '$lines'"
spy=$logs/spy.txt
sed -n '/^\/root # read /,/^done: /p' "$lines" | sed 's|^/root # ||' > "$spy"
check "the reader recorded its end" grep -qE '^done: ' "$spy"
check "the reader's reads failed with E_IO after the logout" grep -qxF 'read E_IO' "$spy"
check "the reader's writes failed with E_IO after the logout" grep -qxF 'write E_IO' "$spy"
check "the reader read nothing and printed nothing" grep -qxF 'done: 0 bytes read, 0 fake prompts written' "$spy"
check "the reader never saw root's password or name" test "$(grep -cE 'bytes:|basin-root' "$spy")" -eq 0
check "no password on the console" \
    test "$(grep -cF -e "$XY_PASSWORD" -e "$ROOT_PASSWORD" "$lines")" -eq 0
