// One checked syscall result per line: "<what> = <value> [<error name>] ok", or FAIL
// with the expectation. Programs count the failures and exit with that count.
#include <stdio.h>

#include "user/tests/lib/test.h"

#define RESULT_TEXT_LEN_MAX 40

// "-14 E_FAULT" for errors, "3" for other results.
static void result_format(i64 result, char *out, u64 capacity) {
    if (result < 0) snprintf(out, capacity, "%ld %s", (long)result, error_name(result));
    else snprintf(out, capacity, "%ld", (long)result);
}

bool expect_result(const char *what, i64 result, i64 expected) {
    basin_assert(what != NULL);
    char got[RESULT_TEXT_LEN_MAX], wanted[RESULT_TEXT_LEN_MAX];
    result_format(result, got, sizeof(got));
    if (result == expected) {
        say("%s = %s ok", what, got);
        return true;
    }
    result_format(expected, wanted, sizeof(wanted));
    say("%s = %s FAIL: expected %s", what, got, wanted);
    return false;
}
