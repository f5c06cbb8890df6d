// Clock faults: realtime jumps forward and backward by a drawn amount; monotonic
// drifts within ±CLOCK_DRIFT_PPM_MAX but never runs backwards. Integer math only:
// the same seed gives the same clocks with any compiler.
#include "sim/sim.h"

// d * (1e6 + ppm) / 1e6 without overflow for any plausible d, and non-decreasing in d.
static u64 scale_by_drift(u64 elapsed_ns, i32 drift_ppm) {
    assert(drift_ppm >= -CLOCK_DRIFT_PPM_MAX && drift_ppm <= CLOCK_DRIFT_PPM_MAX);
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
    assert(clock->realtime_offset_ns >= -CLOCK_OFFSET_MAX_NS &&
           clock->realtime_offset_ns <= CLOCK_OFFSET_MAX_NS);
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
    assert(drift_ppm >= -CLOCK_DRIFT_PPM_MAX && drift_ppm <= CLOCK_DRIFT_PPM_MAX);
    clock->monotonic_anchor_ns = clock_monotonic_at(clock, true_ns);
    clock->true_anchor_ns = true_ns;
    clock->drift_ppm = drift_ppm;
}

static void drift_change(struct platform *node) {
    struct pcg32 *rng = &node->streams[STREAM_CLOCK_DRIFT];
    i32 drift_ppm = (i32)pcg32_range(rng, 0, 2 * CLOCK_DRIFT_PPM_MAX) - CLOCK_DRIFT_PPM_MAX;
    clock_set_drift(&node->clock, node->now_ns, drift_ppm);
    u64 magnitude = (u64)(drift_ppm < 0 ? -drift_ppm : drift_ppm);
    sim_count_fault(node, FAULT_CLOCK_DRIFT, magnitude, drift_ppm < 0);
}

void fault_clock_power_on(struct platform *node) {
    assert(node != NULL && node->sim != NULL);
    // realtime_offset_ns is kept: the RTC survives resets and power losses.
    node->clock.monotonic_anchor_ns = 0;
    node->clock.true_anchor_ns = node->now_ns;
    node->clock.drift_ppm = 0;
    if (node->sim->faults[FAULT_CLOCK_DRIFT].enabled) drift_change(node);
    assert(clock_monotonic_at(&node->clock, node->now_ns) == 0);
}

static void realtime_jump(struct platform *node) {
    struct pcg32 *rng = &node->streams[STREAM_CLOCK_JUMP];
    u64 amount_ns = pcg32_range(rng, CLOCK_JUMP_MIN_NS, CLOCK_JUMP_MAX_NS);
    bool forward = pcg32_bounded(rng, 2) == 1;
    i64 offset_ns = node->clock.realtime_offset_ns;
    offset_ns = forward ? offset_ns + (i64)amount_ns : offset_ns - (i64)amount_ns;
    if (offset_ns > CLOCK_OFFSET_MAX_NS) offset_ns = CLOCK_OFFSET_MAX_NS;
    if (offset_ns < -CLOCK_OFFSET_MAX_NS) offset_ns = -CLOCK_OFFSET_MAX_NS;
    node->clock.realtime_offset_ns = offset_ns;
    sim_count_fault(node, FAULT_CLOCK_JUMP, amount_ns, forward);
}

void fault_clock_after_step(struct platform *node) {
    assert(node != NULL && node->state == NODE_RUNNING);
    const struct sim *sim = node->sim;
    const struct fault_setting *jump = &sim->faults[FAULT_CLOCK_JUMP];
    const struct fault_setting *drift = &sim->faults[FAULT_CLOCK_DRIFT];
    if (jump->enabled &&
        pcg32_chance_per_million(&node->streams[STREAM_CLOCK_JUMP], jump->rate_per_million)) {
        realtime_jump(node);
    }
    if (drift->enabled &&
        pcg32_chance_per_million(&node->streams[STREAM_CLOCK_DRIFT], drift->rate_per_million)) {
        drift_change(node);
    }
}
