// A node's clocks (clock.h). Integer math only: the same seed gives the same clocks
// with any compiler. Monotonic drifts within ±CLOCK_DRIFT_PPM_MAX but never runs
// backwards.
#include "sim/machine/clock.h"

#include "faults/faults.h" // CLOCK_DRIFT_PPM_MAX, CLOCK_OFFSET_MAX_NS: the faults' bounds

// d * (1e6 + ppm) / 1e6 without overflow for any plausible d, and non-decreasing in d.
static u64 scale_by_drift(u64 elapsed_ns, i32 drift_ppm) {
    assert(drift_ppm >= -CLOCK_DRIFT_PPM_MAX);
    assert(drift_ppm <= CLOCK_DRIFT_PPM_MAX);
    u64 rate = (u64)((i64)PPM_ONE + drift_ppm);
    u64 whole = elapsed_ns / PPM_ONE;
    u64 part = elapsed_ns % PPM_ONE;
    return whole * rate + part * rate / PPM_ONE;
}

u64 clock_monotonic_at(const struct node_clock *clock, u64 true_ns) {
    assert(clock != NULL);
    assert(true_ns >= clock->true_anchor_ns);
    return clock->monotonic_anchor_ns + scale_by_drift(true_ns - clock->true_anchor_ns, clock->drift_ppm);
}

u64 clock_realtime_at(const struct node_clock *clock, u64 true_ns) {
    assert(clock != NULL);
    assert(clock->realtime_offset_ns >= -CLOCK_OFFSET_MAX_NS);
    assert(clock->realtime_offset_ns <= CLOCK_OFFSET_MAX_NS);
    u64 base_ns = CLOCK_EPOCH_NS + true_ns;
    if (clock->realtime_offset_ns >= 0) return base_ns + (u64)clock->realtime_offset_ns;
    return base_ns - (u64)(-clock->realtime_offset_ns);
}

u64 clock_true_time_for(const struct node_clock *clock, u64 monotonic_ns) {
    assert(clock != NULL);
    if (monotonic_ns <= clock->monotonic_anchor_ns) return clock->true_anchor_ns;
    u64 target = monotonic_ns - clock->monotonic_anchor_ns;
    u64 rate = (u64)((i64)PPM_ONE + clock->drift_ppm);
    // Invert the scaling, then settle on the exact smallest elapsed time.
    u64 elapsed = target / rate * PPM_ONE + ((target % rate) * PPM_ONE + rate - 1) / rate;
    u32 adjustments = 0;
    while (scale_by_drift(elapsed, clock->drift_ppm) < target) {
        elapsed++;
        adjustments++;
    }
    while (elapsed > 0 && scale_by_drift(elapsed - 1, clock->drift_ppm) >= target) {
        elapsed--;
        adjustments++;
    }
    assert(adjustments <= 4);
    return clock->true_anchor_ns + elapsed;
}

void clock_set_drift(struct node_clock *clock, u64 true_ns, i32 drift_ppm) {
    assert(clock != NULL);
    assert(drift_ppm >= -CLOCK_DRIFT_PPM_MAX);
    assert(drift_ppm <= CLOCK_DRIFT_PPM_MAX);
    clock->monotonic_anchor_ns = clock_monotonic_at(clock, true_ns);
    clock->true_anchor_ns = true_ns;
    clock->drift_ppm = drift_ppm;
}

void clock_power_on(struct node_clock *clock, u64 true_ns) {
    assert(clock != NULL);
    clock->monotonic_anchor_ns = 0;
    clock->true_anchor_ns = true_ns;
    clock->drift_ppm = 0;
    assert(clock_monotonic_at(clock, true_ns) == 0);
}

void clock_jump_realtime(struct node_clock *clock, u64 amount_ns, bool forward) {
    assert(clock != NULL);
    assert(amount_ns <= (u64)CLOCK_OFFSET_MAX_NS);
    i64 offset_ns = clock->realtime_offset_ns;
    offset_ns = forward ? offset_ns + (i64)amount_ns : offset_ns - (i64)amount_ns;
    if (offset_ns > CLOCK_OFFSET_MAX_NS) offset_ns = CLOCK_OFFSET_MAX_NS;
    if (offset_ns < -CLOCK_OFFSET_MAX_NS) offset_ns = -CLOCK_OFFSET_MAX_NS;
    clock->realtime_offset_ns = offset_ns;
}
