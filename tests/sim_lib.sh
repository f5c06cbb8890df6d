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
