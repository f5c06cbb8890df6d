#!/usr/bin/env bash
# The edge phase (init.edges=1, scenarios/edges.scenario: boot after boot, no faults):
# the seed passes, and the kernel takes the paths the phase is for:
#   - /etc/limits.conf as the previous boot left it: bad lines (ignored with a
#     warning), too big (the built-in limits), none (the built-in limits);
#   - the audit log rotated, xy's events beyond its share summed up;
#   - more files written at once than the kernel has buffers, every one read back;
#   - a breakpoint and a misaligned atomic, each killed with its own cause;
#   - fsck at mount (fs.verify=1) clean; /bin/init moved away for a boot (the
#     archive's starts) and put back.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
logs=build/test-logs/edges
mkdir -p "$logs"
out=$logs/edges-1.log
"$SIM" --seed 1 --scenario scenarios/edges.scenario --log debug > "$out" 2>&1
status=$?
if [ $status -eq 0 ] && grep -q "result: pass" "$out"; then ok "edges seed 1 passes"
else not_ok "edges seed 1 passes" "status $status; $(grep -m1 -E 'invariant violated|unexpected|FAIL' "$out")"; fi

expect() { # name pattern
    if grep -q -- "$2" "$out"; then ok "$1"; else not_ok "$1" "no line matching '$2' in $out"; fi
}
expect "limits.conf with bad lines: ignored, defaults kept" "limits: /etc/limits.conf: 3 lines ignored (the first: line 2)"
expect "limits.conf too big: unusable" "limits: /etc/limits.conf unusable (error 27)"
expect "no limits.conf: built-in limits" "limits: no /etc/limits.conf; the built-in limits apply"
expect "audit log rotated" "auth: /var/log/auth full; now /var/log/auth.1"
expect "xy's events beyond its share counted" "beyond its share: counted"
expect "20 files written at once, all read back" "init: edges: 20 files written at once, 0 failures"
phases=$(grep -c "init: edges phase done, 0 unexpected" "$out")
if [ "$phases" -ge 4 ]; then ok "edge phase done without surprises on every boot ($phases)"
else not_ok "edge phase done on 4 boots" "$phases boots finished it"; fi
expect "a breakpoint kills with its own cause" "init: illegal ebreak killed: breakpoint"
expect "a misaligned atomic kills with its own cause" "init: illegal misaligned killed: misaligned access"
expect "root's changes to the audit log made" "init: edges: audit log appended to and made 0644: 0 failures"
expect "fsck at mount: clean" "filesystem: verify: clean"
expect "no /bin/init on disk: the archive's starts" "/bin/init on disk unusable (error 2); starting the initial archive's"
expect "/bin/init put back by the archive's init" "init: edges: /bin/init put back: 0 ok"
