// sleep: waits SECONDS (whole seconds, at most a day) on the monotonic clock. Zix's
// slow example uses it for a builder that takes a while.
#include <stdlib.h>

#include "user/lib/tool.h"

BASIN_PROGRAM("sleep");

#define SLEEP_NS_PER_S 1000000000ull
#define SLEEP_SECONDS_MAX 86400l

static const char usage[] = "usage: sleep SECONDS\n"
                            "Waits SECONDS (0..86400) on the monotonic clock.\n";

int main(int argc, char **argv) {
    int first = 0;
    (void)tool_options(argc, argv, "", usage, &first);
    if (argc - first != 1) tool_usage_error(usage, "one SECONDS expected");
    char *end = NULL;
    long seconds = strtol(argv[first], &end, 10);
    if (*end != '\0' || seconds < 0 || seconds > SLEEP_SECONDS_MAX) {
        tool_usage_error(usage, "%s: not a number of seconds from 0 to %ld", argv[first], SLEEP_SECONDS_MAX);
    }
    u64 deadline_ns = monotonic_ns() + (u64)seconds * SLEEP_NS_PER_S;
    // sleep_until may return early (a signal ignored, a spurious wake): wait again.
    while (monotonic_ns() < deadline_ns) {
        i64 result = sys_sleep_until(deadline_ns);
        if (result < 0) { tool_complain("sleep_until", result); return TOOL_EXIT_FAILED; }
    }
    return TOOL_EXIT_OK;
}
