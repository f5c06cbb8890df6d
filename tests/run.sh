#!/usr/bin/env bash
# Runs every test: host unit tests (tests/unit/test_*.c) and shell tests
# (tests/t_*.sh). Each prints "ok NAME" or "not ok NAME - why" per case; this
# script counts them and ends with "N passed, N failed".
# usage: tests/run.sh [PATTERN]   (only shell tests whose name contains PATTERN)
set -uo pipefail
cd "$(dirname "$0")/.."
pattern=${1:-}
log_dir=build/test-logs
mkdir -p "$log_dir"
passed=0
failed=0
failures=()

count() { # file with ok/not ok lines, name of the suite
    local file=$1 suite=$2 p f
    p=$(grep -c '^ok ' "$file" || true)
    f=$(grep -c '^not ok ' "$file" || true)
    passed=$((passed + p))
    failed=$((failed + f))
    while IFS= read -r line; do failures+=("$suite: $line"); done < <(grep '^not ok ' "$file" || true)
}

suite_failed() { # a suite that crashed or printed nothing counts as one failure
    failed=$((failed + 1))
    failures+=("$1: not ok - $2")
}

echo "== build (gcc -O2)"
if ! make -s -j"$(nproc)" all unit-tests > "$log_dir/build.log" 2>&1; then
    cat "$log_dir/build.log"
    echo "0 passed, 1 failed"
    exit 1
fi

if [ -z "$pattern" ]; then
    for test_binary in build/tests/test_*; do
        # Only the test programs: the build also leaves dependency files (.d) there.
        [[ "$test_binary" == *.d || ! -x "$test_binary" ]] && continue
        name=$(basename "$test_binary")
        echo "== unit: $name"
        out="$log_dir/$name.log"
        timeout 600 "$test_binary" > "$out" 2>&1
        status=$?
        grep -E '^(ok|not ok) ' "$out" | sed 's/^/   /' | grep -v '^   ok ' || true
        count "$out" "$name"
        if [ $status -ne 0 ] && ! grep -q '^not ok ' "$out"; then suite_failed "$name" "exit status $status"; tail -5 "$out"; fi
        if ! grep -qE '^(ok|not ok) ' "$out"; then suite_failed "$name" "no results"; fi
    done
fi

for script in tests/t_*.sh; do
    name=$(basename "$script" .sh)
    [ -n "$pattern" ] && [[ "$name" != *"$pattern"* ]] && continue
    echo "== $name"
    out="$log_dir/$name.log"
    start=$(date +%s)
    timeout 1800 bash "$script" > "$out" 2>&1
    status=$?
    grep -E '^(ok|not ok) ' "$out" | grep -v '^ok ' | sed 's/^/   /' || true
    echo "   ($(grep -c '^ok ' "$out" || true) ok, $(( $(date +%s) - start ))s)"
    count "$out" "$name"
    if [ $status -ne 0 ] && ! grep -q '^not ok ' "$out"; then suite_failed "$name" "exit status $status"; tail -20 "$out"; fi
    if ! grep -qE '^(ok|not ok) ' "$out"; then suite_failed "$name" "no results"; fi
done

if [ ${#failures[@]} -gt 0 ]; then
    echo "== failures (logs in $log_dir/)"
    printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
