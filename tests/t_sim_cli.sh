#!/usr/bin/env bash
# basin-sim's command line: exit codes (0 pass, 1 violation, 2 bad usage), errors
# that name the bad input, the first lines of a run, and ./build.sh's own usage.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect "--help exits 0" 0 '^usage: basin-sim' --help
expect "unknown option exits 2 naming it" 2 "unknown option '--bogus'" --bogus
expect "bad seed exits 2 naming it" 2 "bad value 'abc' for --seed" --seed abc
expect "unknown bug exits 2 naming it" 2 "bad value 'nope' for --bug" --seed 1 --bug nope
expect "bad --time exits 2" 2 "--time" --seed 1 --time 5parsecs
expect "too many nodes exits 2" 2 "--nodes" --seed 1 --nodes 99
printf 'nodes = 2\n# comment\nfoo = 3\n' > "$tmp/bad.scenario"
expect "scenario unknown key names file, line and key" 2 "bad.scenario:3: key 'foo'" --seed 1 --scenario "$tmp/bad.scenario"
printf 'nodes = many\n' > "$tmp/bad2.scenario"
expect "scenario bad value names file, line and key" 2 "bad2.scenario:1: key 'nodes'" --seed 1 --scenario "$tmp/bad2.scenario"
printf 'nodes = 1\nnodes = 2\n' > "$tmp/dup.scenario"
expect "scenario duplicate key is an error" 2 "dup.scenario:2: key 'nodes'" --seed 1 --scenario "$tmp/dup.scenario"
expect "missing scenario file exits 2" 2 "nonexistent" --seed 1 --scenario "$tmp/nonexistent"
# A file that extends a base: include first, then only what differs.
mkdir -p "$tmp/sub"
printf 'nodes = 2\ntime = 5s\nfault.power_loss = on\n' > "$tmp/base.scenario"
printf 'include = ../base.scenario\nnodes = 3\n' > "$tmp/sub/child.scenario"
expect "include: the base's keys apply" 0 "^time = 5s$" --print-scenario --scenario "$tmp/sub/child.scenario"
expect "include: the file's own keys override the base" 0 "^nodes = 3$" --print-scenario --scenario "$tmp/sub/child.scenario"
expect "include: a run uses the merged settings" 0 "nodes 3; steps 1;" --seed 1 --steps 1 --log warn --scenario "$tmp/sub/child.scenario"
printf 'include = cycle2.scenario\n' > "$tmp/cycle1.scenario"
printf 'include = cycle1.scenario\n' > "$tmp/cycle2.scenario"
expect "include: a cycle exits 2 naming the files" 2 "cycle1.scenario: include cycle .*cycle2.scenario:1" --print-scenario --scenario "$tmp/cycle1.scenario"
printf '# base missing\ninclude = gone.scenario\n' > "$tmp/orphan.scenario"
expect "include: a missing base exits 2 naming it and the line" 2 "gone.scenario: cannot open .*orphan.scenario:2" --print-scenario --scenario "$tmp/orphan.scenario"
printf 'include = bad.scenario\n' > "$tmp/uses-bad.scenario"
expect "include: a bad key in the base names the base's line" 2 "bad.scenario:3: key 'foo'.*uses-bad.scenario:1" --print-scenario --scenario "$tmp/uses-bad.scenario"
expect "--print-scenario of the default is default.scenario's settings" 0 "^fault.disk_flush_error = swarm$" --print-scenario
expect "--list-bugs names each bug's invariant" 0 "caught by" --list-bugs
expect "--list-invariants" 0 "^frame_ownership" --list-invariants
expect "a run prints the seed first" 0 "^seed: 42$" --seed 42 --scenario scenarios/one-life.scenario --log warn
head -1 "$tmp/out" | grep -q '^seed: 42$'
check "the seed is the very first line" test $? -eq 0
expect "a run prints the fault settings" 0 "^fault power_loss" --seed 42 --scenario scenarios/one-life.scenario --log warn
expect "a run ends with the trace hash" 0 "^trace hash: [0-9a-f]{16}$" --seed 42 --scenario scenarios/one-life.scenario --log warn
expect "--steps stops the run" 0 "^steps: 50$" --seed 42 --steps 50 --log warn
expect "without --seed a seed is drawn and printed" 0 "^seed: [0-9]+$" --steps 10 --log warn
expect "a violation exits 1 with the reproduce command" 1 "^reproduce: \./build\.sh sim --seed 3 " --seed 3 --scenario scenarios/bug-hunt.scenario --bug shutdown-halt-any-uid

./build.sh help > "$tmp/usage" 2>&1
check "./build.sh help lists the commands" grep -q "sim \[ARGS\]" "$tmp/usage"
./build.sh frobnicate > "$tmp/usage" 2>&1
check "./build.sh with an unknown command exits 2" test $? -eq 2
