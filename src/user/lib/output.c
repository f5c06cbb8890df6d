// Line output: the program-name prefix, the "~" mark for lines that may differ
// between machines, and one write() per line so concurrent programs interleave only
// at line boundaries.
#include <stdio.h>
#include <string.h>

#include "user/lib/basin.h"

i64 basin_line(i64 fd, bool nondeterministic, const char *format, va_list args) {
    char line[BASIN_LINE_LEN_MAX];
    int prefix = snprintf(line, sizeof(line), "%s%s: ", nondeterministic ? "~" : "",
                          basin_program_name);
    if (prefix < 0 || (u64)prefix >= sizeof(line) - 1) return -E_INVAL;
    int body = vsnprintf(line + prefix, sizeof(line) - (u64)prefix, format, args);
    if (body < 0) return -E_INVAL;
    u64 length = (u64)prefix + (u64)body;
    if (length > sizeof(line) - 2) {
        // Truncated: say so visibly instead of silently cutting the line.
        length = sizeof(line) - 2;
        memcpy(line + length - 3, "...", 3);
    }
    line[length] = '\n';
    length += 1;
    return sys_write(fd, line, length);
}

void say(const char *format, ...) {
    va_list args;
    va_start(args, format);
    basin_line(BASIN_FD_STDOUT, false, format, args);
    va_end(args);
}

void note(const char *format, ...) {
    va_list args;
    va_start(args, format);
    basin_line(BASIN_FD_STDOUT, true, format, args);
    va_end(args);
}

_Noreturn void fail(const char *format, ...) {
    char what[BASIN_LINE_LEN_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(what, sizeof(what), format, args);
    va_end(args);
    say("FAIL: %s", what);
    basin_exit(1);
}

_Noreturn void basin_assert_failed(const char *what) { fail("%s", what); }
