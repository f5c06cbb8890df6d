// Swarm testing: every seed switches each fault kind on or off and draws its rate,
// so that across seeds the kinds are tested alone and in every combination. The
// draws happen for every kind, in kind order, whatever the scenario fixes, so a
// scenario's choice for one kind never shifts another kind's draw. Also the kinds'
// names, and fault_strikes, the draw every model's decision starts with.
#include "faults/faults.h"

#include "faults/pcg32.h"

#define FAULT_NAME(id, name, unit, swarm_max) [id] = name,
static const char *const fault_names[FAULT_COUNT] = {FAULT_LIST(FAULT_NAME)};
#undef FAULT_NAME
#define FAULT_UNIT(id, name, unit, swarm_max) [id] = unit,
static const char *const fault_units[FAULT_COUNT] = {FAULT_LIST(FAULT_UNIT)};
#undef FAULT_UNIT
#define FAULT_SWARM_MAX(id, name, unit, swarm_max) [id] = swarm_max,
static const u32 fault_swarm_max[FAULT_COUNT] = {FAULT_LIST(FAULT_SWARM_MAX)};
#undef FAULT_SWARM_MAX

#define SWARM_SCALE_SHIFT_MAX 5 // rates spread over orders of magnitude

const char *fault_name(u32 kind) {
    assert(kind < FAULT_COUNT);
    return fault_names[kind];
}

const char *fault_rate_unit(u32 kind) {
    assert(kind < FAULT_COUNT);
    return fault_units[kind];
}

u32 fault_swarm_rate_max(u32 kind) {
    assert(kind < FAULT_COUNT);
    assert(fault_swarm_max[kind] <= FAULT_RATE_PER_MILLION_MAX);
    return fault_swarm_max[kind];
}

bool fault_strikes(const struct fault_setting *setting, struct pcg32 *rng) {
    assert(setting != NULL);
    assert(rng != NULL);
    assert(setting->rate_per_million <= FAULT_RATE_PER_MILLION_MAX);
    if (!setting->enabled) return false;
    return pcg32_chance_per_million(rng, setting->rate_per_million);
}

const char *fault_mode_name(enum fault_mode mode) {
    switch (mode) {
    case FAULT_MODE_SWARM: return "swarm";
    case FAULT_MODE_ON: return "on";
    case FAULT_MODE_OFF: return "off";
    }
    return "unknown";
}

void faults_swarm_resolve(struct pcg32 *swarm, const struct fault_request requests[FAULT_COUNT],
                          struct fault_setting settings[FAULT_COUNT]) {
    assert(swarm != NULL);
    assert(requests != NULL);
    assert(settings != NULL);
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) {
        bool on = pcg32_bounded(swarm, 2) == 1;
        u32 shift = pcg32_bounded(swarm, SWARM_SCALE_SHIFT_MAX + 1);
        u32 ceiling = fault_swarm_rate_max(kind) >> shift;
        u32 rate = (u32)pcg32_range(swarm, 1, ceiling < 1 ? 1 : ceiling);
        const struct fault_request *request = &requests[kind];
        if (request->rate_given) rate = request->rate_per_million;
        assert(rate <= FAULT_RATE_PER_MILLION_MAX);
        switch (request->mode) {
        case FAULT_MODE_SWARM: settings[kind].enabled = on; break;
        case FAULT_MODE_ON: settings[kind].enabled = true; break;
        case FAULT_MODE_OFF: settings[kind].enabled = false; break;
        }
        settings[kind].rate_per_million = settings[kind].enabled ? rate : 0;
    }
}
