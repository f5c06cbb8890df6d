# Helpers for tests that run basin-sim. Source after lib.sh.
SIM=${SIM:-build/basin-sim}
# The trace hash a run printed (16 hex digits), or empty.
trace_hash() { grep -oE 'trace hash:? +[0-9a-f]{16}' "$1" | grep -oE '[0-9a-f]{16}$' | tail -1; }
# Builds a host variant of basin-sim into build/variants/NAME; prints its path.
build_variant() { # NAME CC CFLAGS
    local name=$1 cc=$2 cflags=$3 dir=build/variants/$1
    if make -s -j"$(nproc)" BUILD="$dir" CC="$cc" CFLAGS="$cflags" sim > "$dir.log" 2>&1; then
        echo "$dir/basin-sim"
    else
        mkdir -p "$(dirname "$dir")"; cat "$dir.log" >&2; return 1
    fi
}

# expect NAME STATUS PATTERN ARGS...: basin-sim ARGS exits STATUS and prints a line
# matching PATTERN. The output stays in "$tmp/out" (the caller's $tmp) for more checks.
expect() {
    local name=$1 status=$2 pattern=$3; shift 3
    "$SIM" "$@" > "$tmp/out" 2>&1
    local got=$?
    if [ $got -ne "$status" ]; then not_ok "$name" "exit $got, expected $status: $(head -2 "$tmp/out" | tr '\n' ' ')"
    elif ! grep -qE -- "$pattern" "$tmp/out"; then not_ok "$name" "no line matching '$pattern'"
    else ok "$name"; fi
}
