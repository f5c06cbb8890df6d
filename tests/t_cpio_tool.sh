#!/bin/sh
# Tests tools/mkcpio: exact newc bytes (built here independently with printf),
# determinism, and the refusals (exit 2 naming the culprit). Run from the repo root.
# Prints "ok NAME" / "not ok NAME - reason"; exits 1 if any case failed.
set -u

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
pass() { echo "ok $1"; }
fail() { echo "not ok $1 - $2"; failed=1; }

tool="$work/mkcpio"
if ! ${CC:-cc} -O2 -std=c11 -Wall -Wextra -Werror -o "$tool" tools/mkcpio.c; then
    echo "not ok cpio_tool_builds - compile failed"
    exit 1
fi
pass cpio_tool_builds

# ---- expected archive, written from the format description ------------------------
entry() { # entry INODE MODE NLINK NAME DATA_FILE_OR_EMPTY
    inode=$1 mode=$2 nlink=$3 name=$4 data=$5
    size=0
    [ -n "$data" ] && size=$(wc -c <"$data" | tr -d ' ')
    name_size=$((${#name} + 1))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        "$inode" "$mode" 0 0 "$nlink" 0 "$size" 0 0 0 0 "$name_size" 0
    printf '%s\0' "$name"
    pad=$(( (4 - (110 + name_size) % 4) % 4 ))
    [ "$pad" -gt 0 ] && head -c "$pad" /dev/zero
    if [ -n "$data" ]; then
        cat "$data"
        pad=$(( (4 - size % 4) % 4 ))
        [ "$pad" -gt 0 ] && head -c "$pad" /dev/zero
    fi
    return 0
}

printf 'hi\n' >"$work/a"
: >"$work/empty"
printf '12345' >"$work/five"
{
    entry 1 $((0040755)) 2 bin ""
    entry 2 $((0100755)) 1 bin/a "$work/a"
    entry 3 $((0040755)) 2 bin/sub ""
    entry 4 $((0100755)) 1 bin/sub/empty "$work/empty"
    entry 5 $((0100755)) 1 top "$work/five"
    entry 6 $((0100755)) 1 bin/b "$work/five"
    entry 0 0 1 'TRAILER!!!' ""
} >"$work/expected.cpio"

if "$tool" "$work/out.cpio" bin/a="$work/a" bin/sub/empty="$work/empty" \
        top="$work/five" bin/b="$work/five" 2>"$work/err"; then
    if cmp -s "$work/out.cpio" "$work/expected.cpio"; then
        pass cpio_exact_bytes
    else
        fail cpio_exact_bytes "archive differs from the expected newc bytes"
    fi
else
    fail cpio_exact_bytes "mkcpio failed: $(cat "$work/err")"
fi

size=$(wc -c <"$work/out.cpio" | tr -d ' ')
if [ $((size % 4)) -eq 0 ]; then pass cpio_size_aligned
else fail cpio_size_aligned "size $size"; fi

# Same inputs, different mtimes and a second run: same bytes.
touch -d '2001-01-01' "$work/a" 2>/dev/null || touch "$work/a"
"$tool" "$work/again.cpio" bin/a="$work/a" bin/sub/empty="$work/empty" \
    top="$work/five" bin/b="$work/five"
if cmp -s "$work/out.cpio" "$work/again.cpio"; then pass cpio_deterministic
else fail cpio_deterministic "two runs differ"; fi

if "$tool" --help | grep -q 'usage: mkcpio'; then pass cpio_help
else fail cpio_help "no usage on --help"; fi

# refuses NAME EXPECTED_TEXT ARGS...: exit 2, the message names EXPECTED_TEXT, no output.
refuses() {
    name=$1 text=$2
    shift 2
    rm -f "$work/bad.cpio"
    "$tool" "$work/bad.cpio" "$@" >/dev/null 2>"$work/err"
    status=$?
    if [ "$status" -ne 2 ]; then
        fail "$name" "exit $status, expected 2"
    elif ! grep -qF -- "$text" "$work/err"; then
        fail "$name" "message does not name '$text': $(cat "$work/err")"
    elif [ -e "$work/bad.cpio" ] || [ -e "$work/bad.cpio.tmp" ]; then
        fail "$name" "left an output file behind"
    else
        pass "$name"
    fi
}
refuses cpio_missing_file "$work/nope" bin/a="$work/a" bin/x="$work/nope"
refuses cpio_directory_input "$work" bin/x="$work"
refuses cpio_no_equals "bin-a" bin-a
refuses cpio_absolute_path "/bin/a" /bin/a="$work/a"
refuses cpio_dotdot_path "bin/../a" bin/../a="$work/a"
refuses cpio_empty_component "bin//a" bin//a="$work/a"
refuses cpio_duplicate "bin/a=" bin/a="$work/a" bin/a="$work/five"
refuses cpio_file_then_dir "bin/a/b=" bin/a="$work/a" bin/a/b="$work/five"
refuses cpio_dir_then_file "bin=" bin/a="$work/a" bin="$work/five"

"$tool" >/dev/null 2>&1
status=$?
if [ "$status" -eq 2 ]; then pass cpio_no_arguments; else fail cpio_no_arguments "exit $status"; fi

exit $failed
