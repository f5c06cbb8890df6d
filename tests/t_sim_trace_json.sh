#!/usr/bin/env bash
# basin-sim --trace-json FILE: the run as Chrome trace event JSON (Perfetto,
# chrome://tracing). The file parses, names its tracks, holds syscall and disk slices,
# boots, power losses and violations as instants, slices in order per track; it is the
# same for the same seed and changes nothing of the run (the trace hash).
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v python3 > /dev/null; then
    not_ok "python3 present" "python3 is needed to parse the trace JSON (Debian package python3)"
    exit 0
fi

# check_json NAME FILE CHECKS...: each check is a Python expression over ev (the
# events), xs (the X events) and inst (instant names); all must hold.
check_json() {
    local name=$1 file=$2; shift 2
    local why
    if why=$(python3 - "$file" "$@" 2>&1 <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
ev = doc["traceEvents"]
assert doc["displayTimeUnit"] == "ns", "displayTimeUnit"
xs = [e for e in ev if e["ph"] == "X"]
inst = [e["name"] for e in ev if e["ph"] == "i"]
for check in sys.argv[2:]:
    if not eval(check):
        print("failed: " + check)
        sys.exit(1)
PY
    ); then ok "$name"; else not_ok "$name" "$(echo "$why" | tail -1)"; fi
}

run() { # OUT JSON ARGS...: a run, its output in OUT, --trace-json JSON (none if "-")
    local out=$1 json=$2; shift 2
    if [ "$json" = - ]; then "$SIM" "$@" > "$out" 2>&1; else "$SIM" "$@" --trace-json "$json" > "$out" 2>&1; fi
}

fs=(--seed 1 --scenario scenarios/no-faults-fs.scenario --steps 3000)
run "$tmp/a.out" "$tmp/a.json" "${fs[@]}"
run "$tmp/b.out" "$tmp/b.json" "${fs[@]}"
run "$tmp/plain.out" - "${fs[@]}"
check_json "no-faults-fs: parses, names node 0 and its kernel and disk tracks" "$tmp/a.json" \
    'any(e["ph"] == "M" and e["name"] == "process_name" and e["pid"] == 0 and e["args"]["name"] == "node 0" for e in ev)' \
    'any(e["ph"] == "M" and e["name"] == "thread_name" and e["args"]["name"] == "kernel" for e in ev)' \
    'any(e["ph"] == "M" and e["name"] == "thread_name" and e["args"]["name"] == "disk" for e in ev)' \
    'any(e["ph"] == "M" and e["name"] == "thread_name" and e["args"]["name"].startswith("pid 1 ") for e in ev)'
check_json "no-faults-fs: syscall slices on process tracks" "$tmp/a.json" \
    'any(e["cat"] == "syscall" and e["name"] == "open" and 0 < e["tid"] < 10**9 for e in xs)' \
    'all(e["tid"] == e["args"]["a"] for e in xs if e["cat"] == "syscall")'
check_json "no-faults-fs: disk reads, writes and flushes as slices on the disk track" "$tmp/a.json" \
    '{"read", "write", "flush"} <= {e["name"] for e in xs if e["cat"] == "disk"}' \
    'all(e["tid"] == 10**9 and e["dur"] > 0 for e in xs if e["cat"] == "disk" and e["args"]["result"] == 0)'
check_json "no-faults-fs: a boot instant" "$tmp/a.json" '"boot 1" in inst'
check_json "no-faults-fs: X slices start in order and do not overlap per track" "$tmp/a.json" '
(lambda ends: all(ends.__setitem__((e["pid"], e["tid"]), e["ts"] + e["dur"]) or True
                  for e in xs if e["ts"] >= ends.get((e["pid"], e["tid"]), 0) - 1e-6))({})'
if cmp -s "$tmp/a.json" "$tmp/b.json"; then ok "the same seed gives the same JSON"
else not_ok "the same seed gives the same JSON" "a.json and b.json differ"; fi
hash_json=$(trace_hash "$tmp/a.out"); hash_plain=$(trace_hash "$tmp/plain.out")
if [ -n "$hash_json" ] && [ "$hash_json" = "$hash_plain" ]; then ok "--trace-json leaves the trace hash as it was"
else not_ok "--trace-json leaves the trace hash as it was" "'$hash_json' with, '$hash_plain' without"; fi

# Two nodes, power losses, reboots.
run "$tmp/p.out" "$tmp/p.json" --seed 3 --scenario scenarios/power-loss.scenario --time 300ms
run "$tmp/p2.out" - --seed 3 --scenario scenarios/power-loss.scenario --time 300ms
check_json "power loss: a track per node and a power-loss instant" "$tmp/p.json" \
    '{0, 1} <= {e["pid"] for e in ev if e["name"] == "process_name"}' \
    '"power loss" in inst' \
    'all(e["s"] == "p" for e in ev if e["name"] == "power loss")'
if [ "$(trace_hash "$tmp/p.out")" = "$(trace_hash "$tmp/p2.out")" ]; then ok "power loss: the trace hash is the same with --trace-json"
else not_ok "power loss: the trace hash is the same with --trace-json" "hashes differ"; fi

# A violation exits from inside the run: the JSON is closed there and holds it.
run "$tmp/v.out" "$tmp/v.json" --seed 3 --scenario scenarios/bug-hunt.scenario --bug shutdown-halt-any-uid
status=$?
if [ $status -eq 1 ]; then ok "violation: exit status 1"; else not_ok "violation: exit status 1" "exit $status"; fi
check_json "violation: the JSON parses and ends with the violation instant" "$tmp/v.json" \
    '"violation shutdown_needs_root" in inst' \
    '[e for e in ev if e["ph"] == "i"][-1]["s"] == "g"'

"$SIM" --seed 1 --steps 1 --trace-json "$tmp/no/such/dir.json" > "$tmp/bad.out" 2>&1
status=$?
if [ $status -eq 2 ] && grep -q -- "--trace-json" "$tmp/bad.out"; then ok "an unwritable --trace-json file exits 2 naming the option"
else not_ok "an unwritable --trace-json file exits 2 naming the option" "exit $status"; fi
if "$SIM" --help | grep -q -- "--trace-json FILE"; then ok "--help lists --trace-json"
else not_ok "--help lists --trace-json" "not in --help"; fi
