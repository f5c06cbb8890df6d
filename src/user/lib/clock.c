// Clock reads for programs that cannot do anything sensible without a clock.
#include "user/lib/basin.h"

static u64 clock_read(u64 clock, const char *name) {
    u64 now_ns = 0;
    i64 result = sys_clock_gettime(clock, &now_ns);
    if (result != 0) fail("clock_gettime(%s) = %ld %s", name, (long)result, error_name(result));
    return now_ns;
}

u64 monotonic_ns(void) { return clock_read(ABI_CLOCK_MONOTONIC, "monotonic"); }

u64 realtime_ns(void) { return clock_read(ABI_CLOCK_REALTIME, "realtime"); }
