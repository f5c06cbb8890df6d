#!/usr/bin/env bash
# ./build.sh fleet: a fleet of this machine (':') and of two "remote" hosts (an ssh
# stand-in that runs the command here under another home, so the copy of the build is
# exercised) merges to the same per-seed results as basin-sim --seeds; a planted bug
# fails with its group and reproduce command; missing seeds fail; bad input exits 2.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home # ':' gets its per-run directory under the home
mkdir -p "$HOME"
ARGS=(--steps 800 --log warn)
strip_wall() { sed 's/,"wall_ms":[0-9]*//' "$1"; }

"$SIM" --seeds 1..8 --jobs 2 --json "$tmp/seeds.json" "${ARGS[@]}" > /dev/null 2>&1
echo ":" > "$tmp/local.hosts"
./build.sh fleet --hosts "$tmp/local.hosts" --seeds 1..8 --jobs-per-host 2 --json "$tmp/local.json" \
    -- "${ARGS[@]}" > "$tmp/local.out" 2> "$tmp/local.err"
check "a local fleet over seeds 1..8 exits 0" test $? -eq 0
check "its merged JSON equals basin-sim --seeds 1..8 (seed, result, invariant, steps, trace hash)" \
    test "$(strip_wall "$tmp/local.json")" = "$(strip_wall "$tmp/seeds.json")"
check "the summary counts the seeds" grep -qE '^seeds 1\.\.8: 8 passed, 0 failed \(merged from ' "$tmp/local.out"
check "the fleet prints its wall time and seeds per second" \
    grep -qE '^fleet: 8 seeds in [0-9]+\.[0-9]{3} s wall over 1 login\(s\): [0-9]+\.[0-9] seeds/s$' "$tmp/local.out"
check "the run's per-run directory is removed at the end" test -z "$(ls -A "$HOME/.basin-fleet" 2>/dev/null)"

# An ssh stand-in: the command runs here, in $tmp/remote-HOST as that host's home.
# 'unreachable' fails as ssh does when it cannot connect; 'flaky' takes the copy of the
# build, then drops every job's connection.
cat > "$tmp/ssh" <<EOF
#!/usr/bin/env bash
while [ \$# -gt 0 ]; do
    case "\$1" in -[lpoiSFEbcDeIJLmOQRWwB]) shift 2 ;; --) shift; break ;; -*) shift ;; *) break ;; esac
done
host=\$1; shift
[ "\${1:-}" = -- ] && shift
[ "\$host" = unreachable ] && { echo "ssh: connect to host \$host port 22: Connection refused" >&2; exit 255; }
[ "\$host" = flaky ] && [[ "\$*" != *"tar -xf"* ]] && { echo "ssh: connection to \$host closed" >&2; exit 255; }
export HOME=$tmp/remote-\$host
mkdir -p "\$HOME" && cd "\$HOME" && exec bash -c "\$*"
EOF
chmod +x "$tmp/ssh"
printf '# two hosts\n2/hostA\n1/hostB   # one job there\n' > "$tmp/remote.hosts"
env -u SHELL PARALLEL_SSH=$tmp/ssh tools/fleet.sh --hosts "$tmp/remote.hosts" --seeds 1..8 --chunk 3 --keep \
    --scenario scenarios/default.scenario --json "$tmp/remote.json" -- "${ARGS[@]}" > "$tmp/remote.out" 2>&1
check "a fleet of two copied-to hosts exits 0, even with SHELL unset (as under CI)" test $? -eq 0
"$SIM" --seeds 1..8 --jobs 2 --scenario scenarios/default.scenario --json "$tmp/seeds-default.json" "${ARGS[@]}" > /dev/null 2>&1
check "its merged JSON equals basin-sim --seeds 1..8" \
    test "$(strip_wall "$tmp/remote.json")" = "$(strip_wall "$tmp/seeds-default.json")"
run_a=$(echo "$tmp"/remote-hostA/.basin-fleet/*)
check "each host got build/basin-sim and scenarios/ in its per-run directory" \
    test -x "$run_a/build/basin-sim" -a -f "$run_a/scenarios/default.scenario" -a -f "$tmp/remote-hostB/.basin-fleet/$(basename "$run_a")/build/basin-sim"
count_lines() { cat "$@" 2>/dev/null | wc -l; }
check "both hosts ran chunks, the 8 seeds between them" \
    test "$(count_lines "$tmp"/remote-hostA/.basin-fleet/*/chunk-*.json)" -gt 0 -a \
    "$(count_lines "$tmp"/remote-hostB/.basin-fleet/*/chunk-*.json)" -gt 0 -a \
    "$(count_lines "$tmp"/remote-host{A,B}/.basin-fleet/*/chunk-*.json)" -eq 8

printf '1/hostC\n1/flaky\n' > "$tmp/flaky.hosts"
PARALLEL_SSH=$tmp/ssh tools/fleet.sh --hosts "$tmp/flaky.hosts" --seeds 1..4 --json "$tmp/flaky.json" \
    -- "${ARGS[@]}" > "$tmp/flaky.out" 2>&1
check "jobs dropped by a flaky host run again on the other one (exit 0, every seed)" \
    test "$?:$(strip_wall "$tmp/flaky.json")" = "0:$(head -4 "$tmp/seeds.json" | sed 's/,"wall_ms":[0-9]*//')"

BUG=(--bug shutdown-halt-any-uid --log warn)
./build.sh fleet --hosts "$tmp/local.hosts" --seeds 1..4 --jobs-per-host 2 \
    --scenario scenarios/bug-hunt.scenario -- "${BUG[@]}" > "$tmp/bug.out" 2>&1
check "a fleet over a planted bug's seeds exits 1" test $? -eq 1
check "its failures are grouped under the bug's invariant with the first seed" \
    grep -qxF '  shutdown_needs_root: 4 seeds, first seed 1' "$tmp/bug.out"
check "the group carries the reproduce command" \
    grep -qxF '    reproduce: ./build.sh sim --seed 1 --scenario scenarios/bug-hunt.scenario --bug shutdown-halt-any-uid --log warn' "$tmp/bug.out"

# --merge-json on its own: any order, repeats that agree, a seed without a line.
(sed -n 5p "$tmp/seeds.json"; sed -n 1p "$tmp/seeds.json"; sed -n 1p "$tmp/seeds.json"; sed -n 3,4p "$tmp/seeds.json") > "$tmp/part.json"
"$SIM" --merge-json "$tmp/part.json" --seeds 1..5 "${ARGS[@]}" --json "$tmp/part-merged.json" > "$tmp/part.out" 2>&1
check "a seed without a JSON line fails the merge (exit 1)" test $? -eq 1
check "it is grouped as missing with its reproduce command" \
    test "$(grep -A1 '^  missing: ' "$tmp/part.out")" = "  missing: 1 seed, first seed 2 (no result came back for it)
    reproduce: ./build.sh sim --seed 2 --steps 800 --log warn"
check "the merged lines are in seed order" \
    test "$(grep -oE '^\{"seed":[0-9]+,"result":"[a-z]+"' "$tmp/part-merged.json" | tr -d '{"' | tr '\n' ' ')" = \
    "seed:1,result:pass seed:2,result:missing seed:3,result:pass seed:4,result:pass seed:5,result:pass "

expect_usage() { # NAME PATTERN COMMAND...: exit status 2 and a message matching PATTERN
    local name=$1 pattern=$2; shift 2
    "$@" > "$tmp/usage.out" 2>&1
    local got=$?
    if [ $got -ne 2 ]; then not_ok "$name" "exit $got, expected 2: $(head -3 "$tmp/usage.out")"
    elif ! grep -qE -- "$pattern" "$tmp/usage.out"; then not_ok "$name" "no line matching '$pattern': $(head -1 "$tmp/usage.out")"
    else ok "$name"; fi
}
FLEET=(tools/fleet.sh --seeds 1..2)
expect_usage "a missing hosts file exits 2 naming it" "cannot read the hosts file '$tmp/nope'" "${FLEET[@]}" --hosts "$tmp/nope"
printf ':\nssh -p 22 host\n' > "$tmp/bad.hosts"
expect_usage "a bad hosts line exits 2 naming the line" "line 2: 'ssh -p 22 host' is not a login" "${FLEET[@]}" --hosts "$tmp/bad.hosts"
printf '# nobody\n\n' > "$tmp/empty.hosts"
expect_usage "a hosts file without logins exits 2" "names no login" "${FLEET[@]}" --hosts "$tmp/empty.hosts"
expect_usage "--seeds 5..1 exits 2 naming it" "bad value '5\.\.1' for --seeds" tools/fleet.sh --hosts "$tmp/local.hosts" --seeds 5..1
expect_usage "--seeds x exits 2 naming it" "bad value 'x' for --seeds" tools/fleet.sh --hosts "$tmp/local.hosts" --seeds x
expect_usage "a bad basin-sim option after -- exits 2 naming it" "bad value 'nope' for --bug" \
    "${FLEET[@]}" --hosts "$tmp/local.hosts" -- --bug nope
expect_usage "--jobs after -- is refused" "'--jobs' after -- is not for a fleet" "${FLEET[@]}" --hosts "$tmp/local.hosts" -- --jobs 2
printf 'hostA\nunreachable\n' > "$tmp/unreachable.hosts"
expect_usage "a login that cannot be set up exits 2 naming it" "cannot set up unreachable: ssh: connect" \
    env PARALLEL_SSH="$tmp/ssh" "${FLEET[@]}" --hosts "$tmp/unreachable.hosts"
echo '{"seed":1,"result":"maybe"}' > "$tmp/bad.json"
expect_usage "--merge-json names a bad line" "bad.json line 1: " "$SIM" --merge-json "$tmp/bad.json" --seeds 1..2
expect_usage "--merge-json refuses a seed outside --seeds" "line 1: its seed is outside" \
    "$SIM" --merge-json "$tmp/seeds.json" --seeds 2..8
expect_usage "--merge-json needs --seeds" "needs --seeds" "$SIM" --merge-json "$tmp/seeds.json"
tools/fleet.sh --help > "$tmp/help" 2>&1
check "fleet --help lists its options" grep -qE -- '--jobs-per-host N' "$tmp/help"
"$SIM" --help > "$tmp/simhelp" 2>&1
check "basin-sim --help lists --merge-json" grep -qE -- '--merge-json FILE' "$tmp/simhelp"
