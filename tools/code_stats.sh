#!/usr/bin/env bash
# Counts what the conventions ask of C files: functions, their length in lines, and
# always-on assertions (assert(...), user programs' basin_assert(...), not STATIC_ASSERT)
# per function, compound ones (joined with && or ||, on one line or more) apart.
# A function is found the way our style writes one: its signature starts in column 0
# and its closing brace is alone in column 0.
#
#   tools/code_stats.sh functions FILE...   one line per function: file line length asserts compound name
#   tools/code_stats.sh summary FILE...     files, functions, over-70, asserts/function, without any, compound
#   tools/code_stats.sh long N FILE...      the functions longer than N lines
set -euo pipefail

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }

functions() {
    awk '
    function flush() { if (name != "") printf "%s %d %d %d %d %s\n", FILENAME_, start, NR_ - start + 1, asserts, compound, name; name = "" }
    FNR == 1 { state = 0; name = ""; pending = "" }
    {
        FILENAME_ = FILENAME; NR_ = FNR; line = $0
        if (state == 0) {
            if (line ~ /^[A-Za-z_][A-Za-z0-9_ \t\*]*[A-Za-z0-9_]+\(/ && line !~ /^(typedef|return|if|for|while|switch|STATIC_ASSERT|#)/ && line !~ /^[^(]*=/) {
                sig = line; sub(/\(.*/, "", sig); n = split(sig, parts, /[ \t\*]+/); candidate = parts[n]
                start = FNR; asserts = 0; compound = 0
                if (line ~ /;[ \t]*$/ && line !~ /\{/) { state = 0; next }
                if (line ~ /\{[ \t]*$/) { state = 2; name = candidate; next }
                if (line ~ /\{.*\}[ \t;]*$/) { name = candidate; count(line); NR_ = FNR; flush(); next }
                state = 1; next
            }
            next
        }
        if (state == 1) {
            if (line ~ /;[ \t]*$/ && line !~ /\{/) { state = 0; next }
            if (line ~ /\{[ \t]*$/) { state = 2; name = candidate }
            next
        }
        if (pending != "") {
            pending = pending " " line
            if (pending ~ /;/) { if (pending ~ /^[^;]*(&&|\|\|)/) compound++; pending = "" }
        }
        count(line)
        if (line ~ /^\}/) { flush(); state = 0; pending = "" }
    }
    function count(text,   rest, at, arg) {
        rest = text
        while ((at = match(rest, /(^|[^A-Za-z0-9_])(basin_)?assert\(/)) > 0) {
            asserts++
            arg = substr(rest, at + RLENGTH)
            if (arg ~ /^[^;]*(&&|\|\|)/) compound++
            else if (arg !~ /;/) pending = arg # the condition goes on: judged at its ;
            rest = substr(rest, at + RLENGTH)
        }
    }' "$@"
}

summary() {
    local files=$#
    functions "$@" | awk -v files="$files" '
        { n++; if ($3 > 70) long++; a += $4; c += $5; if ($4 == 0) none++ }
        END { if (n == 0) n = 1
              printf "files %d functions %d over_70 %d asserts %d per_function %.2f without %d (%.0f%%) compound %d\n",
                     files, n, long + 0, a, a / n, none + 0, 100 * none / n, c }'
}

case "${1:-}" in
    functions) shift; functions "$@" ;;
    summary) shift; summary "$@" ;;
    long) shift; limit=$1; shift; functions "$@" | awk -v limit="$limit" '$3 > limit' ;;
    -h|--help) usage ;;
    *) usage >&2; exit 2 ;;
esac
