#!/usr/bin/env bash
# Mechanical checks of the portability rules: src/kernel and src/subsystems have no
# writable globals (nm on the host and RISC-V objects), include only freestanding
# headers and each other, and call no host allocation, time or randomness. And of the
# house rules (issue 10): no function over 70 lines; folders include only what the
# dependency table below allows; assertions per function reported, with a floor for
# the security paths and no compound ones in the kernel. Each check is shown able to
# fail on a deliberate violation, through the same functions.
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
# BearSSL's EC and ECDSA header only in Zix's signatures (kernel/zix/zix_sign_crypto.c).
bad_includes=$(grep -rnE '^\s*#\s*include' $portable_dirs | \
    grep -vE '#\s*include\s*<(stdint|stddef|stdbool|stdarg)\.h>' | \
    grep -vE '#\s*include\s*<(bearssl_hash|bearssl_hmac|bearssl_rand|xxhash)\.h>' | \
    grep -vE '^src/kernel/zix/zix_sign_crypto\.c:[0-9]+:\s*#\s*include\s*<bearssl_ec\.h>' | \
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

# ---- function length (issue 10): no function over 70 lines ------------------------
# tools/code_stats.sh finds functions our way: signature at column 0, closing brace
# alone at column 0. FUNCTION_LINES_MAX is the convention's limit.
FUNCTION_LINES_MAX=70
long_functions() { tools/code_stats.sh long "$FUNCTION_LINES_MAX" "$@"; }

length_files=$(find src hw tests/unit tests/graindb tests/z6 tests/zix tests/replica tools -name '*.[ch]' 2>/dev/null | sort)
long=$(long_functions $length_files)
if [ -z "$long" ]; then ok "functions-at-most-${FUNCTION_LINES_MAX}-lines ($(echo $length_files | wc -w) files)"
else not_ok "functions-at-most-${FUNCTION_LINES_MAX}-lines" "$(echo "$long" | head -3 | tr '\n' ';')"; fi

# ---- folder dependencies (issue 10) ---------------------------------------------
# The kernel's rooms (src/kernel/<room>/) and what each may include besides its own
# headers: the PUBLIC headers of these rooms. A room's private headers (internal.h,
# *_internal.h) are included only from its own folder (and by tests). The order is a
# line, so there is no circle: lib < cred < limits < fs < proc < random < users < boot
# (each uses only rooms to its left; proc and limits need none but lib).
#
#   room     may include the public headers of
#   lib      (nothing; the kernel's abi.h only)
#   cred     lib
#   limits   lib
#   fs       lib cred limits
#   proc     lib
#   random   lib proc
#   users    lib cred fs proc random
#   boot     lib cred fs limits proc random users
#
# Besides the table:
# - Every room but lib may include the level above the rooms for what all share:
#   kernel/kernel.h (struct kernel, which holds every room's state: the one upward
#   include), kernel/syscall.h (the syscall layer's helpers) and the leaf headers
#   kernel/abi.h, platform.h, bugs.h, trace_events.h, report.h, observe.h.
# - A room's syscall_*.c files are the syscall layer (the sys_* calls kernel/syscall.c
#   dispatches to): they may include every room's public header.
# - The level above (src/kernel/*.c, *.h) may include every room's public header.
# - src/kernel may include src/subsystems' public headers (graindb.h), never their
#   internal.h; src/kernel, src/subsystems and src/lib never include sim/, faults/ or hw/.
# - src/lib/<x> includes only src/lib and kernel/lib.
# - src/subsystems/<x> includes only itself and kernel/lib, and the kernel's leaf
#   headers of the machine it runs on: kernel/abi.h (error numbers), kernel/platform.h
#   (the machine boundary) and kernel/trace_events.h.
declare -A ROOM_MAY_USE=(
    [lib]=""
    [cred]="lib"
    [limits]="lib"
    [fs]="lib cred limits"
    [proc]="lib"
    [random]="lib proc"
    [users]="lib cred fs proc random"
    [boot]="lib cred fs limits proc random users"
    [z6]="lib cred fs proc users"
    [zix]="lib cred fs proc users random"
    [replica]="lib cred fs proc users"
)
SYSCALL_LAYER_MAY_USE="lib cred limits fs proc random users z6 zix replica"
ROOM_TOP_HEADERS="kernel.h syscall.h abi.h platform.h bugs.h trace_events.h report.h observe.h"
SUBSYSTEM_KERNEL_HEADERS="kernel/abi.h kernel/platform.h kernel/trace_events.h kernel/observe.h"

is_private_header() { case ${1##*/} in internal.h|*_internal.h) return 0;; esac; return 1; }
word_in() { case " $2 " in *" $1 "*) return 0;; esac; return 1; }

# include_allowed FILE HEADER (both from the repository root): prints why not and fails.
include_allowed() {
    local file=$1 header=$2
    case $header in sim/*|faults/*|hw/*) echo "the simulator, faults and boards are outside"; return 1;; esac
    case $file in
    src/lib/*)
        case $header in lib/*|kernel/lib/*) return 0;; esac
        echo "src/lib includes only src/lib and kernel/lib"; return 1;;
    src/subsystems/*)
        local own=${file#src/subsystems/}; own=${own%%/*}
        case $header in subsystems/$own/*|kernel/lib/*) return 0;; esac
        if word_in "$header" "$SUBSYSTEM_KERNEL_HEADERS"; then return 0; fi
        echo "a subsystem includes only itself, kernel/lib and the kernel's leaf headers"; return 1;;
    esac
    local rest=${file#src/kernel/} room=top
    [ "$rest" != "${rest#*/}" ] && room=${rest%%/*}
    case $header in
    subsystems/*)
        if is_private_header "$header"; then echo "private to ${header%/*}"; return 1; fi
        [ "$room" != lib ] && return 0
        echo "kernel/lib includes no subsystem"; return 1;;
    kernel/*/*) ;;
    kernel/*)
        if [ "$room" = top ]; then return 0; fi
        if [ "$room" = lib ]; then [ "$header" = kernel/abi.h ] && return 0; echo "kernel/lib includes only lib and abi.h"; return 1; fi
        if word_in "${header#kernel/}" "$ROOM_TOP_HEADERS"; then return 0; fi
        echo "not a header the rooms share"; return 1;;
    *) echo "not a project header of the kernel"; return 1;;
    esac
    local target=${header#kernel/}; target=${target%%/*}
    [ "$target" = "$room" ] && return 0
    if is_private_header "$header"; then echo "private to kernel/$target"; return 1; fi
    [ "$room" = top ] && return 0
    case ${file##*/} in syscall_*.c) word_in "$target" "$SYSCALL_LAYER_MAY_USE" && return 0;; esac
    word_in "$target" "${ROOM_MAY_USE[$room]-}" && return 0
    echo "kernel/$room may not use kernel/$target"; return 1
}

# include_violations ROOT: every project include under ROOT's src/kernel, src/subsystems
# and src/lib that the rules above forbid, one per line.
include_violations() {
    local root=$1 file line header why
    (cd "$root" && grep -rnE '^\s*#\s*include\s*"' src/kernel src/subsystems src/lib 2>/dev/null) |
        while IFS=: read -r file line rest; do
            header=${rest#*\"}; header=${header%%\"*}
            why=$(include_allowed "$file" "$header") || echo "$file:$line: $header: $why"
        done
}

violations=$(include_violations .)
if [ -z "$violations" ]; then ok "folder-dependencies (rooms: ${!ROOM_MAY_USE[*]})"
else not_ok "folder-dependencies" "$(echo "$violations" | head -3 | tr '\n' ';')"; fi

# ---- assertions (issue 10) --------------------------------------------------------
# Reported for the kernel and for its security paths (tests/security_paths.txt: one
# path per line, a file or a folder, '#' comments). The security paths average at
# least SECURITY_ASSERTS_PER_FUNCTION_MIN; nothing in src/ or hw/ (kernel, simulator,
# faults, boards, user programs' basin_assert) has a compound assertion (assert(a && b)
# or ||, on one line or more): split ones say which condition failed.
SECURITY_ASSERTS_PER_FUNCTION_MIN=2.0
security_files() {
    local list=$1/tests/security_paths.txt entry
    sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$list" | while read -r entry; do
        if [ -d "$1/$entry" ]; then (cd "$1" && find "$entry" -name '*.c' | sort)
        elif [ -f "$1/$entry" ]; then echo "$entry"
        else echo "missing:$entry"; fi
    done
}
stat_field() { echo "$1" | sed -nE "s/.* $2 ([0-9.]+).*/\1/p"; }

# assertion_verdict ROOT: prints the numbers; fails on a compound assertion in
# src/ or hw/, or security paths below the minimum.
assertion_verdict() {
    local root=$1 stats=$PWD/tools/code_stats.sh kernel everywhere security compound per files failed=0
    kernel=$(cd "$root" && $stats summary $(find src/kernel -name '*.c' | sort))
    echo "kernel: $kernel"
    everywhere=$(cd "$root" && $stats summary $(find src hw -name '*.[ch]' 2>/dev/null | sort))
    compound=$(stat_field "$everywhere" compound)
    echo "src and hw: $everywhere"
    if [ "${compound:-1}" != 0 ]; then
        echo "src and hw: $compound compound assertions: $(cd "$root" && $stats functions $(find src hw -name '*.[ch]' 2>/dev/null | sort) |
            awk '$5 > 0 { printf "%s:%s %s; ", $1, $2, $6 }')"
        failed=1
    fi
    if [ -f "$root/tests/security_paths.txt" ]; then
        files=$(security_files "$root")
        if echo "$files" | grep -q '^missing:'; then echo "security paths: $(echo "$files" | grep '^missing:' | tr '\n' ' ')"; return 1; fi
        security=$(cd "$root" && $stats summary $files)
        per=$(stat_field "$security" per_function)
        echo "security paths: $security"
        if ! awk -v per="$per" -v min="$SECURITY_ASSERTS_PER_FUNCTION_MIN" 'BEGIN { exit !(per >= min) }'; then
            echo "security paths: $per assertions per function, below $SECURITY_ASSERTS_PER_FUNCTION_MIN"; failed=1
        fi
    else
        echo "security paths: no tests/security_paths.txt, skipped"
    fi
    return $failed
}

if verdict=$(assertion_verdict .); then ok "assertions ($(echo "$verdict" | tr '\n' ';'))"
else not_ok "assertions" "$(echo "$verdict" | tr '\n' ';')"; fi

# ---- each check can fail: deliberate violations, through the same functions --------
tmp=$(mktemp -d)
{   echo 'int planted_long(int x) {'
    for i in $(seq 1 69); do echo "    x += $i;"; done
    echo '}'
    echo 'int planted_short(int x) {'
    for i in $(seq 1 68); do echo "    x += $i;"; done
    echo '}'
} > "$tmp/long.c"
flagged=$(long_functions "$tmp/long.c" | awk '{print $6 "=" $3}' | tr '\n' ' ')
if [ "$flagged" = "planted_long=71 " ]; then ok "function-length-detector-works (71 lines flagged, 70 not)"
else not_ok "function-length-detector-works" "flagged: '$flagged'"; fi

# A copy of one room with a planted file: a private header of another room, a room
# the table does not allow, and the simulator. The copied files themselves pass.
mkdir -p "$tmp/src/kernel"
cp -r src/kernel/limits "$tmp/src/kernel/limits"
printf '#include "kernel/users/internal.h"\n#include "kernel/users/accounts.h"\n#include "sim/sim.h"\n#include "kernel/lib/mem.h"\n' \
    > "$tmp/src/kernel/limits/planted.c"
planted=$(include_violations "$tmp")
expected="src/kernel/limits/planted.c:1 src/kernel/limits/planted.c:2 src/kernel/limits/planted.c:3"
if [ "$(echo "$planted" | cut -d: -f1,2 | tr '\n' ' ' | sed 's/ $//')" = "$expected" ]; then
    ok "folder-dependency-detector-works (3 planted includes flagged, the room's own files not)"
else not_ok "folder-dependency-detector-works" "$(echo "$planted" | tr '\n' ';')"; fi

# A small kernel that passes (two split assertions per function, listed as its
# security path) fails once it gains a compound assertion, or a security function
# without one.
mkdir -p "$tmp/copy/src/kernel" "$tmp/copy/tests"
printf 'void clean(int a, int b) {\n    assert(a);\n    assert(b);\n}\n' > "$tmp/copy/src/kernel/clean.c"
echo "src/kernel/clean.c # the planted security path" > "$tmp/copy/tests/security_paths.txt"
if verdict=$(assertion_verdict "$tmp/copy"); then ok "assertion-check-passes-a-clean-kernel"
else not_ok "assertion-check-passes-a-clean-kernel" "$(echo "$verdict" | tr '\n' ';')"; fi
# A compound assertion is flagged in the kernel, in the simulator across two lines, in
# a board file, and as a user program's basin_assert.
mkdir -p "$tmp/copy/src/sim" "$tmp/copy/hw" "$tmp/copy/src/user"
planted_compound=(
    "src/kernel/planted.c:void planted_assert(int a, int b) {\n    assert(a && b);\n}\n"
    "src/sim/planted.c:void planted_assert(int a, int b) {\n    assert(a\n           || b);\n}\n"
    "hw/planted.c:static void planted_assert(int a, int b) {\n    assert(a != 0 && b != 0);\n}\n"
    "src/user/planted.c:int main(int a, char **b) {\n    basin_assert(a > 0 && b != 0);\n    return 0;\n}\n"
)
for planted in "${planted_compound[@]}"; do
    file=${planted%%:*}
    printf "${planted#*:}" > "$tmp/copy/$file"
    if verdict=$(assertion_verdict "$tmp/copy"); then not_ok "compound-assertion-detector-works ($file)" "not flagged: $verdict"
    elif echo "$verdict" | grep -q "1 compound assertions: $file:1 "; then ok "compound-assertion-detector-works ($file)"
    else not_ok "compound-assertion-detector-works ($file)" "$(echo "$verdict" | tr '\n' ';')"; fi
    rm "$tmp/copy/$file"
done
printf 'void bare(int a) {\n    (void)a;\n}\n' >> "$tmp/copy/src/kernel/clean.c"
if verdict=$(assertion_verdict "$tmp/copy"); then not_ok "security-assertions-detector-works" "not flagged: $verdict"
elif echo "$verdict" | grep -q 'below'; then ok "security-assertions-detector-works (1.00 per function flagged)"
else not_ok "security-assertions-detector-works" "$(echo "$verdict" | tr '\n' ';')"; fi
rm -rf "$tmp"
