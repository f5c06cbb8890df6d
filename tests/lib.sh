# Helpers for shell tests: source it, then call ok/not_ok/check.
# Every case prints exactly one line: "ok NAME" or "not ok NAME - reason".
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
ok() { echo "ok $1"; }
not_ok() { echo "not ok $1 - $2"; }
# check NAME COMMAND...: ok when the command succeeds.
check() {
    local name=$1; shift
    if "$@"; then ok "$name"; else not_ok "$name" "command failed: $*"; fi
}
