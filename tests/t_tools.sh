#!/usr/bin/env bash
# The file tools ln, stat, touch and cp in the simulator: init's filesystem phase runs
# tooltest as xy (sh -c lines, results read back). Checks its verdict, the tools'
# error lines on the console (each names the bad argument and the error), and that a
# second run on the same disk passes too. First, the initial archive: the tools a user
# runs in /bin, the test programs in /test (outside the shell's PATH) and never in /bin,
# and no tool linked with the test library (its oracles and models).
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
logs=build/test-logs/tools
mkdir -p "$logs"

# The archive's names: each newc header is "070701" and 104 hex digits, then the name.
archive_names() { grep -aoE '070701[0-9A-F]{104}[A-Za-z0-9_./!-]+' build/riscv/initrd.cpio | cut -c111-; }
archive_names > "$logs/archive.txt"
tools=$(cd src/user/programs && ls -- *.c | sed 's/\.c$//')
tests=$(cd src/user/tests && ls -- *.c | sed 's/\.c$//')
check "archive: /bin holds exactly the tools of src/user/programs" \
    test "$(grep '^bin/' "$logs/archive.txt" | sed 's,^bin/,,' | sort)" = "$(echo "$tools" | sort)"
check "archive: /test holds exactly the programs of src/user/tests" \
    test "$(grep '^test/' "$logs/archive.txt" | sed 's,^test/,,' | sort)" = "$(echo "$tests" | sort)"
in_bin=$(for t in $tests; do grep -qx "bin/$t" "$logs/archive.txt" && echo "$t"; done)
check "archive: no test program under /bin${in_bin:+ ($in_bin)}" test -z "$in_bin"
check "archive: only /bin, /test and /share (Zix's examples) at the top" \
    test -z "$(grep -vE '^(bin|test)(/|$)|^share(/zix(/examples(/[^/]+)?)?)?$|^TRAILER!!!$' "$logs/archive.txt")"
check "archive: /share/zix/examples holds exactly src/user/examples/zix" \
    test "$(grep '^share/zix/examples/' "$logs/archive.txt" | sed 's,^share/zix/examples/,,' | sort)" = \
         "$(ls src/user/examples/zix | sort)"
nm=${RV_PREFIX:-riscv64-unknown-elf-}nm
oracles=$("$nm" --defined-only build/riscv/user/tests/lib/*.o | awk '$2 ~ /^[TDRB]$/ {print $3}' | sort -u)
linked=$(for elf in build/riscv/user/programs/*.elf; do
    "$nm" --defined-only "$elf" | awk '{print $3}'; done | sort -u | comm -12 - <(echo "$oracles"))
check "the test library defines symbols (${oracles:+$(echo "$oracles" | wc -l)})" test -n "$oracles"
check "no tool links the test library${linked:+ ($(echo $linked))}" test -z "$linked"

"$SIM" --seed 1 --scenario scenarios/no-faults-fs.scenario > "$logs/seed1.log" 2>&1
status=$?
log=$logs/seed1.log
check "sim run with init.fs=1 passes" test $status -eq 0
check "init ran tooltest as xy, exit 0" grep -q '^n0| init: tooltest exited 0$' "$log"
check "tooltest: 0 failures" grep -q '^n0| tooltest: 0 failures$' "$log"
check "tooltest: no FAIL line" bash -c "! grep -q '^n0| tooltest: .*FAIL' '$log'"
check "touch names a file it may not touch" grep -q '^n0| touch: /etc/passwd: E_ACCES$' "$log"
check "touch names a file it cannot create" grep -q '^n0| touch: /etc/tooltest: E_ACCES$' "$log"
check "cp refuses a file onto itself" grep -q '^n0| cp: a and a are the same file$' "$log"
check "cp names a missing source" grep -q '^n0| cp: nope: E_NOENT$' "$log"
check "cp names a directory source" grep -q '^n0| cp: sub: E_ISDIR$' "$log"
check "cp names an unreadable source" grep -q '^n0| cp: /etc/shadow: E_ACCES$' "$log"
check "ln names an existing new name" grep -q '^n0| ln: h: E_EXIST$' "$log"
check "ln names a missing target" grep -q '^n0| ln: nope: E_NOENT$' "$log"
check "ln names a directory it may not link" grep -q '^n0| ln: sub: E_PERM$' "$log"
check "ln names an unknown option" grep -q '^n0| ln: unknown option -x$' "$log"
check "stat names a missing file" grep -q '^n0| stat: nope: E_NOENT$' "$log"
check "usage errors say what is missing" grep -q '^n0| cp: need SRC and DST$' "$log"

# The same disk again: tooltest cleans up after an earlier run and passes again.
scenario=$logs/reboot.scenario
printf 'include = %s\nbootargs = init.end=reboot init.fs=1\ntime = 3s\n' \
    "$PWD/scenarios/no-faults-fs.scenario" > "$scenario"
"$SIM" --seed 3 --scenario "$scenario" > "$logs/reboot.log" 2>&1
status=$?
runs=$(grep -c '^n0| init: tooltest exited 0$' "$logs/reboot.log")
check "reboots: sim passes" test $status -eq 0
check "reboots: tooltest passed on 2+ boots of one disk ($runs)" test "$runs" -ge 2
check "reboots: tooltest never failed" bash -c "! grep -q '^n0| init: tooltest exited [^0]' '$logs/reboot.log'"
