// randbytes: prints COUNT bytes of getrandom in hex, on one line. Zix's clock example
// records them: a builder's getrandom is a fixed stream, so its output is reproducible.
#include <stdlib.h>

#include "user/lib/tool.h"

BASIN_PROGRAM("randbytes");

static const char usage[] = "usage: randbytes COUNT\n"
                            "Prints COUNT (1..256) bytes of getrandom in hex.\n";

int main(int argc, char **argv) {
    int first = 0;
    (void)tool_options(argc, argv, "", usage, &first);
    if (argc - first != 1) tool_usage_error(usage, "one COUNT expected");
    char *end = NULL;
    long count = strtol(argv[first], &end, 10);
    if (*end != '\0' || count < 1 || count > ABI_GETRANDOM_LEN_MAX) {
        tool_usage_error(usage, "%s: not a count from 1 to %u", argv[first], ABI_GETRANDOM_LEN_MAX);
    }
    u8 bytes[ABI_GETRANDOM_LEN_MAX];
    i64 got = sys_getrandom(bytes, (u64)count, 0);
    if (got != count) { tool_complain("getrandom", got < 0 ? got : -E_IO); return TOOL_EXIT_FAILED; }
    static const char digits[] = "0123456789abcdef";
    char hex[2 * ABI_GETRANDOM_LEN_MAX + 1];
    for (long i = 0; i < count; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    hex[2 * count] = '\n';
    i64 wrote = tool_write_all(BASIN_FD_STDOUT, hex, (u64)(2 * count + 1));
    return wrote < 0 ? TOOL_EXIT_FAILED : TOOL_EXIT_OK;
}
