#!/usr/bin/env bash
# Zix's store side (issue 13) in the simulator, through init's zixstore phase
# (init.zixstore=1: src/user/tests/zixstore.c) and init.end=reboot, so that each boot
# after the first finds what the one before planted:
#   - zix_store's argument errors as xy and as root (not store paths, too long,
#     unmapped, unknown ops, indexes past the end) and an empty store's E_NOENT;
#   - GC is root's (E_PERM for xy); /zix/store, /zix/roots, /zix/check, /zix/tmp and
#     /etc/zix are not xy's; root's dry run and collection of an empty store free
#     nothing, a dangling root names nothing;
#   - through the build side (as root): lib, and app whose executable names lib, built;
#     INFO finds app's reference to lib, NTH lists them sorted, RECIPE is canonical,
#     VERIFY matches until root damages app (E_BADMSG); GC keeps both while a link in
#     /zix/roots names app, frees both (unregistered, trees removed) without it, and
#     they build again to the same paths; xy verifies every registered path; the next
#     boot's GC frees what this one left;
#   - root plants what a crash leaves (an unregistered /zix/store entry with a file in
#     it, a /zix/check directory, a /zix/tmp link); the kernel removes each at the next
#     boot's first step, traced and logged, before init runs: the next boot's check
#     finds them gone, and every invariant holds (denied calls change nothing, the
#     trees stay consistent, the commits are accounted).
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
logs=build/test-logs/zix-store
mkdir -p "$logs"
log=$logs/seed1.log

"$SIM" --seed 1 --scenario scenarios/no-faults-fs.scenario \
    --set "bootargs=init.rounds=0 init.zixstore=1 init.end=reboot" --set time=2s > "$log" 2>&1
status=$?
has() { grep -qxF "n0| $1" "$log"; }
count_of() { grep -cxF "n0| $1" "$log"; }
kernel_count() { grep -cE "^n0\| \[ *[0-9.]+\] kernel: $1\$" "$log"; }
boots=$(sed -nE 's/^node 0: boots ([0-9]+), .*/\1/p' "$log")

check "sim run passes (every invariant held)" test $status -eq 0
check "several boots ($boots)" test "${boots:-0}" -ge 3
check "every phase ended as expected" test "$(count_of "init: zixstore phase done, 0 unexpected")" -ge 3
check "no check failed" bash -c '! grep -q "zixstore: .* FAIL" "$1"' _ "$log"
check "xy's argument checks" has "init: zixstore user as xy exited 0"
check "root's argument checks" has "init: zixstore user as root exited 0"
check "an unmapped path is E_FAULT" has "zixstore: info(0x10) = -14 E_FAULT ok"
check "an empty store has no 0th path" has "zixstore: nth(0) of an empty store = -2 E_NOENT ok"
check "GC is root's" has "zixstore: gc as xy = -1 E_PERM ok"
check "xy cannot write the store" has "zixstore: mkdir in /zix/store = -13 E_ACCES ok"
check "xy cannot read /etc/zix" has "zixstore: open /etc/zix = -13 E_ACCES ok"
check "root's GC of an empty store" has "zixstore: gc: 0 failures"
check "built as root, every boot" test "$(count_of "init: zixstore built as root exited 0")" -ge 3
check "verified as xy, every boot" test "$(count_of "init: zixstore verify as xy exited 0")" -ge 3
check "app refers to lib" has "zixstore: app: one reference, lib = 1 ok"
check "damaged contents fail VERIFY" has "zixstore: verify(damaged app) = -74 E_BADMSG ok"
check "a root keeps app and, through its reference, lib" test "$(kernel_count "zix: gc: 1 roots, 2 kept, 0 freed")" -ge 3
check "without roots both go" test "$(kernel_count "zix: gc: /zix/store/[0-9a-z]{32}-app freed")" -ge 3
# Two such collections a boot (built's, then the next boot's gc job), but the first boot's.
built=$(count_of "init: zixstore built as root exited 0")
check "the next boot's GC frees what the last left" \
    test "$(kernel_count "zix: gc: 0 roots, 0 kept, 2 freed")" -ge $((2 * built - 1))
planted=$(count_of "zixstore: leftovers planted")
gone=$(count_of "zixstore: leftovers gone")
check "leftovers planted ($planted) and found gone the boot after ($gone)" \
    bash -c '[ "$1" -ge 1 ] && [ "$2" -ge 1 ] && [ "$2" -le "$1" ]' _ "$planted" "$gone"
# Each boot after a planting removes them; the last boot may end before its check runs.
in_range() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
for leftover in "/zix/store/0123456789abcdfghijklmnpqrsvwxyz-leftover" /zix/check/planted /zix/tmp/planted; do
    removed=$(kernel_count "zix: leftover $leftover removed")
    check "the boots removed $leftover ($removed)" in_range "$removed" "$gone" "$planted"
done
first_removal=$(grep -nE "kernel: zix: leftover /zix/store/" "$log" | head -1 | cut -d: -f1)
next_init=$(awk -v from="${first_removal:-0}" 'NR > from && /^n0\| init: rounds 0/ { print NR; exit }' "$log")
check "removed before init ran again" test "${first_removal:-0}" -gt 0 -a "${next_init:-0}" -gt "${first_removal:-0}"
