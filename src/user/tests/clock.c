// clock: reads both clocks many times. The monotonic clock must never decrease (the
// verdict is deterministic); the values themselves print with "~". The realtime
// clock may jump either way (the simulator injects such jumps), so it is only shown.
#include "user/lib/basin.h"

BASIN_PROGRAM("clock");

#define CLOCK_READS 1000u

int main(void) {
    u64 first_ns = monotonic_ns(), previous_ns = first_ns;
    u64 realtime_first_ns = realtime_ns(), realtime_last_ns = realtime_first_ns;
    u32 decreased = 0, realtime_backwards = 0;
    for (u32 i = 0; i < CLOCK_READS; i++) {
        u64 now_ns = monotonic_ns();
        u64 realtime_now_ns = realtime_ns();
        if (now_ns < previous_ns) decreased++;
        if (realtime_now_ns < realtime_last_ns) realtime_backwards++;
        previous_ns = now_ns;
        realtime_last_ns = realtime_now_ns;
    }
    note("monotonic %lu .. %lu ns", (unsigned long)first_ns, (unsigned long)previous_ns);
    note("realtime %lu .. %lu ns, went back %u times", (unsigned long)realtime_first_ns,
         (unsigned long)realtime_last_ns, realtime_backwards);
    if (decreased != 0) {
        say("FAIL: monotonic decreased %u times in %u reads", decreased, CLOCK_READS);
        return 1;
    }
    say("monotonic never decreased in %u reads", CLOCK_READS);
    return 0;
}
