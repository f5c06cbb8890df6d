// The node clock (src/sim/machine/clock.c): drift within bounds never makes
// monotonic time go back, the inverse used by idle waits is exact, and realtime
// follows the jump offset.
#include <stdio.h>

#include "faults/faults.h"
#include "faults/pcg32.h"
#include "sim/machine/clock.h"

static u32 failures;

static void check(bool ok, const char *name, const char *reason) {
    if (ok) {
        printf("ok %s\n", name);
    } else {
        printf("not ok %s - %s\n", name, reason);
        failures++;
    }
}

static void test_drift_scaling(void) {
    struct node_clock clock = {0};
    check(clock_monotonic_at(&clock, 123456789ull) == 123456789ull, "clock_no_drift_is_identity",
          "monotonic differs from true time without drift");
    clock_set_drift(&clock, 0, 500);
    check(clock_monotonic_at(&clock, 1000000000ull) == 1000500000ull, "clock_drift_fast",
          "+500 ppm over 1 s is not +500 us");
    clock_set_drift(&clock, 0, -500);
    check(clock_monotonic_at(&clock, 1000000000ull) == 999500000ull, "clock_drift_slow",
          "-500 ppm over 1 s is not -500 us");
    clock_set_drift(&clock, 0, 250);
    u64 ten_years_ns = 315360000000000000ull; // no overflow far beyond any run
    check(clock_monotonic_at(&clock, ten_years_ns) == ten_years_ns + ten_years_ns / 4000,
          "clock_drift_no_overflow", "long elapsed time overflowed");
}

static void test_never_backwards(void) {
    struct pcg32 rng;
    pcg32_seed(&rng, 99u, 1u);
    struct node_clock clock = {0};
    u64 true_ns = 0;
    u64 last = 0;
    bool monotonic = true;
    bool inverse_exact = true;
    for (u32 i = 0; i < 200000 && monotonic && inverse_exact; i++) {
        true_ns += pcg32_range(&rng, 0, 3000);
        if (pcg32_bounded(&rng, 50) == 0) {
            i32 ppm = (i32)pcg32_range(&rng, 0, 2 * CLOCK_DRIFT_PPM_MAX) - CLOCK_DRIFT_PPM_MAX;
            clock_set_drift(&clock, true_ns, ppm);
        }
        u64 now = clock_monotonic_at(&clock, true_ns);
        monotonic = now >= last;
        last = now;
        // The earliest true time at which monotonic reaches a deadline ahead.
        u64 deadline = now + pcg32_range(&rng, 1, 5000000);
        u64 wake = clock_true_time_for(&clock, deadline);
        inverse_exact = clock_monotonic_at(&clock, wake) >= deadline &&
                        (wake == clock.true_anchor_ns || clock_monotonic_at(&clock, wake - 1) < deadline);
    }
    check(monotonic, "clock_monotonic_never_decreases_under_drift_changes", "went back");
    check(inverse_exact, "clock_true_time_for_is_earliest", "idle wake time not exact");
}

static void test_realtime(void) {
    struct node_clock clock = {0};
    check(clock_realtime_at(&clock, 5) == CLOCK_EPOCH_NS + 5, "clock_realtime_epoch",
          "realtime is not epoch + true time");
    clock.realtime_offset_ns = -7000;
    check(clock_realtime_at(&clock, 10000) == CLOCK_EPOCH_NS + 3000, "clock_realtime_back",
          "negative offset not applied");
    clock.realtime_offset_ns = CLOCK_OFFSET_MAX_NS;
    check(clock_realtime_at(&clock, 0) == CLOCK_EPOCH_NS + (u64)CLOCK_OFFSET_MAX_NS,
          "clock_realtime_forward", "positive offset not applied");
}

int main(void) {
    test_drift_scaling();
    test_never_backwards();
    test_realtime();
    return failures == 0 ? 0 : 1;
}
