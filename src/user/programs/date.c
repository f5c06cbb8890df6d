// date: prints a clock as seconds.nanoseconds since its start: the realtime clock
// (since the epoch), or with -m the monotonic clock (since boot; in a Zix builder's
// sandbox, since the build started). Zix's examples record it: a builder's realtime
// clock reads 1 s after the epoch, so its output is reproducible; the monotonic clock
// advances, so an output that records it is not.
#include "user/lib/tool.h"

BASIN_PROGRAM("date");

#define DATE_NS_PER_S 1000000000ull

static const char usage[] = "usage: date [-m]\n"
                            "Prints the realtime clock as SECONDS.NANOSECONDS since the epoch.\n"
                            "  -m  the monotonic clock instead (since boot)\n";

int main(int argc, char **argv) {
    int first = 0;
    u32 flags = tool_options(argc, argv, "m", usage, &first);
    if (first != argc) tool_usage_error(usage, "unexpected operand %s", argv[first]);
    u64 clock = tool_flag(flags, 'm') ? ABI_CLOCK_MONOTONIC : ABI_CLOCK_REALTIME;
    u64 now_ns = 0;
    i64 result = sys_clock_gettime(clock, &now_ns);
    if (result < 0) { tool_complain("clock_gettime", result); return TOOL_EXIT_FAILED; }
    i64 wrote = tool_print(BASIN_FD_STDOUT, "%lu.%09lu\n", (unsigned long)(now_ns / DATE_NS_PER_S),
                           (unsigned long)(now_ns % DATE_NS_PER_S));
    return wrote < 0 ? TOOL_EXIT_FAILED : TOOL_EXIT_OK;
}
