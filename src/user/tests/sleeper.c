// sleeper: sleep_until(now + 5 ms) several times; the monotonic clock after waking
// must never be before the deadline. Timings are scheduling's, so they print with "~".
#include "user/lib/basin.h"

BASIN_PROGRAM("sleeper");

#define SLEEPS_COUNT 5u
#define SLEEP_NS 5000000ull

int main(void) {
    u32 early = 0;
    for (u32 i = 0; i < SLEEPS_COUNT; i++) {
        u64 deadline_ns = monotonic_ns() + SLEEP_NS;
        i64 result = sys_sleep_until(deadline_ns);
        u64 woke_ns = monotonic_ns();
        if (result != 0) fail("sleep_until = %ld %s", (long)result, error_name(result));
        if (woke_ns < deadline_ns) {
            say("FAIL: sleep %u woke %lu ns before its deadline", i + 1,
                (unsigned long)(deadline_ns - woke_ns));
            early++;
        } else {
            note("sleep %u woke %lu ns after its deadline", i + 1,
                 (unsigned long)(woke_ns - deadline_ns));
        }
    }
    say("slept %u times", SLEEPS_COUNT);
    if (early != 0) return 1;
    say("never early");
    return 0;
}
