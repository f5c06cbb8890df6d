#!/usr/bin/env bash
# z6 end to end on the real image (issue 12, "What it must show"): QEMU boots a blank
# disk with init.end=login, so the console's login is z6's getty service. A feeder types,
# each line once the prompt it answers has appeared:
#   xy: z6ctl status lists the services up; xy's kill of ticker's pid and z6ctl stop of root's ticker is refused
#   (E_PERM); sudo z6ctl stop ticker works (status: down); sudo z6ctl start ticker; the
#   printer's log has rotated (archives @N.s beside current, z6ctl log shows its last
#   line); exit: the getty prompt comes back (z6 restarted login);
#   root: kill TICKER_PID: ticker is back, a new pid, last exit signal 15; the
#   crash-looper crasher ends failed (its crash limit, 4 a minute); exit;
#   xy again: sudo shutdown -r: z6 stops the services first, the machine reboots, the
#   services are back (ticker up) and the down one (standby) stays down (root's
#   z6ctl status); root's shutdown -p ends QEMU.
# BASIN_IMAGE picks another Image.
source "$(dirname "$0")/lib.sh"
source tests/qemu_lib.sh
logs=build/test-logs/qemu-z6
mkdir -p "$logs"
out=$logs/console.log
disk=$logs/disk.img
fifo=$logs/input.fifo
lines=$logs/console.txt
XY_PASSWORD=basin-xy
ROOT_PASSWORD=basin-root
IMAGE=${BASIN_IMAGE:-build/riscv/Image}
PROMPT_WAIT_S=60
XY='/home/xy $'
ROOT='/root #'

truncate -s 0 "$disk" && truncate -s 32M "$disk"
rm -f "$fifo" "$out" "$out.feeder" && mkfifo "$fifo" && : > "$out"

send() { console_send "$out" "$@"; } # N PATTERN TEXT, see qemu_lib.sh
# ticker's pid in the last status line the console shows for it.
ticker_pid() { tr -d '\r' < "$out" | sed -nE 's/^(.*# )?ticker +up +([0-9]+) .*/\2/p' | tail -1; }

# Waits (as console_send does) until PATTERN has appeared N times.
prompt_seen() {
    local waited=0
    while [ "$(console_count "$out" "$2")" -lt "$1" ]; do
        sleep 0.2; waited=$((waited + 1))
        [ $waited -gt $((PROMPT_WAIT_S * 5)) ] && return 1
    done
    return 0
}

feed() {
    exec 3> "$fifo"
    send 1 "login:" xy && send 1 "Password:" "$XY_PASSWORD" &&
    send 1 "$XY" 'z6ctl status' &&
    prompt_seen 2 "$XY" && send 2 "$XY" "kill $(ticker_pid)" &&
    send 3 "$XY" 'z6ctl stop ticker' &&
    send 4 "$XY" 'sudo z6ctl stop ticker' && send 1 "password for xy:" "$XY_PASSWORD" &&
    send 5 "$XY" 'z6ctl status ticker' &&
    send 6 "$XY" 'sudo z6ctl start ticker' &&
    send 7 "$XY" 'ls /var/log/z6/printer' &&
    send 8 "$XY" 'z6ctl log printer 1' &&
    send 9 "$XY" 'exit' &&
    send 2 "login:" root && send 2 "Password:" "$ROOT_PASSWORD" &&
    send 1 "$ROOT" 'z6ctl status ticker' &&
    prompt_seen 2 "$ROOT" && send 2 "$ROOT" "kill $(ticker_pid)" && # the pid once its status is shown
    sleep 2 &&
    send 3 "$ROOT" 'z6ctl status ticker' &&
    send 1 "z6: crasher: failed" 'z6ctl status crasher' &&
    send 5 "$ROOT" 'exit' &&
    send 3 "login:" xy && send 3 "Password:" "$XY_PASSWORD" &&
    send 10 "$XY" 'sudo shutdown -r' && send 2 "password for xy:" "$XY_PASSWORD" &&
    send 4 "login:" root && send 4 "Password:" "$ROOT_PASSWORD" &&
    send 6 "$ROOT" 'z6ctl status' &&
    send 7 "$ROOT" 'shutdown -p'
    sleep 30 # QEMU ends at the power-off; keep the input open until then
    exec 3>&-
}

qemu_fed_boot feed 240 "$IMAGE" "init.rounds=0 init.end=login loglevel=info" "$disk" "$fifo" "$out" "$lines" \
    -device virtio-rng-device
status=$?

check "QEMU powered off at root's shutdown -p" test $status -eq 0
# The status blocks, in order: xy's full one, ticker after the stop, root's ticker before
# and after the kill, crasher, and root's full one after the reboot.
status_lines() { sed -nE 's/^(.*[#$] )?((ticker|web|crasher|printer|notifier|waiter|standby|getty) +[a-z]+ +[0-9]+ .*)$/\2/p' "$lines"; }
status_lines | sed 's/^/# /'
first_full=$(status_lines | head -8)
has_first() { echo "$first_full" | grep -qE "$1"; }
check "xy's z6ctl status lists the 8 services" test "$(echo "$first_full" | awk '{ print $1 }' | sort -u | wc -l)" -eq 8
check "status: ticker up with a pid" has_first '^ticker +up +[1-9][0-9]* '
check "status: printer and notifier up (notifier ready)" \
    bash -c 'echo "$1" | grep -qE "^printer +up " && echo "$1" | grep -qE "^notifier +ready .* yes$"' _ "$first_full"
check "status: standby down" has_first '^standby +down +0 '
check "xy's kill of root's ticker: refused (E_PERM)" grep -qE "kill: [0-9]+: E_PERM" "$lines"
check "xy's z6ctl stop ticker: refused (E_PERM)" grep -qF "z6ctl: stop ticker: E_PERM" "$lines"
check "sudo z6ctl stop ticker works: ticker down" test "$(status_lines | sed -n 9p | awk '{ print $1, $2 }')" = "ticker down"
check "the printer's log rotated: archives @N.s beside current" \
    bash -c 'grep -qE "@[0-9]{10}\.s" "$1" && grep -qE "(^|[ $] ?)current" "$1"' _ "$lines"
check "z6ctl log printer 1: its last line, stamped" \
    grep -qE '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z line 59$' "$lines"
check "after each logout the getty prompt came back (xy's, root's)" test "$(console_count "$out" "login:")" -ge 4
before_pid=$(status_lines | sed -n 10p | awk '{ print $3 }')
after=$(status_lines | sed -n 11p)
echo "# ticker before the kill: pid $before_pid; after: $after"
check "root's kill: ticker is back, up with another pid (killed: $before_pid)" \
    bash -c '[[ "$1" =~ ^ticker\ +up\ +([0-9]+)\  ]] && [ "${BASH_REMATCH[1]}" != "$2" ]' _ "$after" "$before_pid"
check "root's kill: ticker's last exit is signal 15" bash -c '[[ "$1" =~ signal\ 15 ]]' _ "$after"
check "the crash-looper crasher ended failed" test "$(status_lines | sed -n 12p | awk '{ print $1, $2 }')" = "crasher failed"
check "xy's sudo shutdown -r stopped the services first" grep -qF "z6: stopping services" "$lines"
check "the machine rebooted (init's second start)" test "$(grep -c 'init: end login' "$lines")" -eq 2
last_full=$(status_lines | tail -8)
echo "$last_full" | sed 's/^/# after the reboot: /'
check "after the reboot: ticker is up again" bash -c 'echo "$1" | grep -qE "^ticker +up +[1-9]"' _ "$last_full"
check "after the reboot: standby (down) stayed down" bash -c 'echo "$1" | grep -qE "^standby +down +0 "' _ "$last_full"
