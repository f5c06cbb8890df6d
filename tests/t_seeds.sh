#!/usr/bin/env bash
# Replays every regression seed in seeds/ (each once failed); all must pass now.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
mkdir -p build/test-logs/seeds
count=0
for file in seeds/*.args; do
    [ -e "$file" ] || continue
    count=$((count + 1))
    args=$(grep -v '^\s*#' "$file" | tr '\n' ' ')
    out=build/test-logs/seeds/$(basename "$file" .args).log
    # shellcheck disable=SC2086
    "$SIM" $args > "$out" 2>&1
    status=$?
    if [ $status -eq 0 ]; then ok "seed file $(basename "$file") passes"
    else not_ok "seed file $(basename "$file")" "exit $status: $(grep -m1 'invariant violated' "$out")"; fi
done
check "seeds/ holds regression seeds ($count)" test "$count" -ge 1
