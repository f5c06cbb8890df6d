// Clock fault models: whether realtime jumps after a step, by how much and which way,
// and the drift monotonic time runs at. Decisions only: the node's clock
// (sim/machine/clock.c) carries them out.
#include "faults/faults.h"

#include "faults/pcg32.h"

bool fault_clock_jump_strikes(const struct fault_setting *setting, struct pcg32 *rng,
                              u64 *amount_ns, bool *forward) {
    assert(setting != NULL);
    assert(rng != NULL);
    assert(amount_ns != NULL);
    assert(forward != NULL);
    *amount_ns = 0;
    *forward = false;
    if (!fault_strikes(setting, rng)) return false;
    *amount_ns = pcg32_range(rng, CLOCK_JUMP_MIN_NS, CLOCK_JUMP_MAX_NS);
    *forward = pcg32_bounded(rng, 2) == 1;
    return true;
}

i32 fault_clock_drift_draw(struct pcg32 *rng) {
    assert(rng != NULL);
    i32 drift_ppm = (i32)pcg32_range(rng, 0, 2 * CLOCK_DRIFT_PPM_MAX) - CLOCK_DRIFT_PPM_MAX;
    assert(drift_ppm >= -CLOCK_DRIFT_PPM_MAX);
    assert(drift_ppm <= CLOCK_DRIFT_PPM_MAX);
    return drift_ppm;
}

bool fault_clock_drift_strikes(const struct fault_setting *setting, struct pcg32 *rng,
                               i32 *drift_ppm) {
    assert(setting != NULL);
    assert(rng != NULL);
    assert(drift_ppm != NULL);
    *drift_ppm = 0;
    if (!fault_strikes(setting, rng)) return false;
    *drift_ppm = fault_clock_drift_draw(rng);
    return true;
}
