#!/usr/bin/env bash
# Mechanical checks of the portability rules: src/kernel and src/subsystems have no
# writable globals (nm on the host and RISC-V objects), include only freestanding
# headers and each other, and call no host allocation, time or randomness.
source "$(dirname "$0")/lib.sh"

portable_dirs=$(ls -d src/kernel src/subsystems src/lib 2>/dev/null)

for variant in build/host build/riscv; do
    objects=$(find $variant/kernel $variant/subsystems $variant/lib -name '*.o' 2>/dev/null | sort)
    if [ -z "$objects" ]; then not_ok "no-writable-globals $variant" "no objects built"; continue; fi
    # d/D data, b/B bss, g/G s/S small data/bss, C common, V weak object.
    writable=$(nm $objects 2>/dev/null | grep -E '^[0-9a-f]* +[bBdDgGsSCV] ' || true)
    if [ -z "$writable" ]; then ok "no-writable-globals $variant ($(echo $objects | wc -w) objects)"
    else not_ok "no-writable-globals $variant" "$(echo "$writable" | head -5 | tr '\n' ';')"; fi
done

# Includes: quoted headers of src/kernel or src/subsystems, the freestanding set, and
# the real libraries the design names (BearSSL's SHA-256, HMAC and HMAC-DRBG, xxHash).
bad_includes=$(grep -rnE '^\s*#\s*include' $portable_dirs | \
    grep -vE '#\s*include\s*<(stdint|stddef|stdbool|stdarg)\.h>' | \
    grep -vE '#\s*include\s*<(bearssl_hash|bearssl_hmac|bearssl_rand|xxhash)\.h>' | \
    grep -vE '#\s*include\s*"(kernel|subsystems|lib)/[a-z0-9_/]+\.h"' || true)
if [ -z "$bad_includes" ]; then ok "portable-includes"; else not_ok "portable-includes" "$(echo "$bad_includes" | head -3 | tr '\n' ';')"; fi

# String literals and // comments are blanked first: only code counts.
forbidden=$(for f in $(find $portable_dirs -name '*.[ch]'); do
        sed -e 's/"\([^"\\]\|\\.\)*"/""/g' -e 's|//.*$||' "$f" | \
            grep -nE '\b(malloc|calloc|realloc|free|rand|srand|random|time|gettimeofday|clock_gettime|getenv)\s*\(' | sed "s|^|$f:|"
    done)
if [ -z "$forbidden" ]; then ok "no-host-time-alloc-random"; else not_ok "no-host-time-alloc-random" "$(echo "$forbidden" | head -3 | tr '\n' ';')"; fi

# The check itself must be able to fail: a planted writable global is flagged.
tmp=$(mktemp -d)
printf 'int counter;\nint bump(void) { return ++counter; }\n' > "$tmp/g.c"
cc -c -o "$tmp/g.o" "$tmp/g.c"
if nm "$tmp/g.o" | grep -qE '^[0-9a-f]* +[bBdDgGsSCV] '; then ok "writable-global-detector-works"
else not_ok "writable-global-detector-works" "nm did not flag a planted global"; fi
rm -rf "$tmp"
