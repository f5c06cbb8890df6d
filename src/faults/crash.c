// Crash fault models: whether a node loses power at the end of a step or at a device
// call inside the kernel, and for how long it stays dark; whether a user run meets an
// illegal instruction, and after how many instructions. Decisions only: the node
// (sim/machine/node_faults.c) carries them out, counts and traces them.
#include "faults/faults.h"

#include "faults/pcg32.h"

static const char *const power_loss_site_names[POWER_LOSS_SITE_COUNT] = {
    [POWER_LOSS_AFTER_STEP] = "after_step",
    [POWER_LOSS_AT_BLOCK_WRITE] = "block_write",
    [POWER_LOSS_AT_FLUSH] = "flush",
    [POWER_LOSS_AT_CONSOLE] = "console",
};

const char *power_loss_site_name(enum power_loss_site site) {
    assert((u32)site < POWER_LOSS_SITE_COUNT);
    return power_loss_site_names[site];
}

bool fault_power_loss_after_step(const struct fault_setting *setting, struct pcg32 *rng,
                                 u64 *delay_ns) {
    assert(setting != NULL);
    assert(rng != NULL);
    assert(delay_ns != NULL);
    *delay_ns = 0;
    if (!fault_strikes(setting, rng)) return false;
    *delay_ns = pcg32_range(rng, POWER_LOSS_REBOOT_DELAY_MIN_NS, POWER_LOSS_REBOOT_DELAY_MAX_NS);
    return true;
}

bool fault_power_loss_at_device(const struct fault_setting *setting, struct pcg32 *rng,
                                enum power_loss_site site, u64 *delay_ns) {
    assert(setting != NULL);
    assert(rng != NULL);
    assert(delay_ns != NULL);
    assert(site != POWER_LOSS_AFTER_STEP);
    assert(site < POWER_LOSS_SITE_COUNT);
    *delay_ns = 0;
    if (!setting->enabled) return false;
    u64 rate = setting->rate_per_million;
    if (site != POWER_LOSS_AT_CONSOLE) rate *= POWER_LOSS_STORAGE_CALL_FACTOR;
    if (rate > FAULT_RATE_PER_MILLION_MAX) rate = FAULT_RATE_PER_MILLION_MAX;
    if (!pcg32_chance_per_million(rng, (u32)rate)) return false;
    *delay_ns = pcg32_range(rng, POWER_LOSS_REBOOT_DELAY_MIN_NS, POWER_LOSS_REBOOT_DELAY_MAX_NS);
    return true;
}

bool fault_process_crash_plan(const struct fault_setting *setting, struct pcg32 *rng,
                              u64 budget_instructions, u64 *after_instructions) {
    assert(setting != NULL);
    assert(rng != NULL);
    assert(after_instructions != NULL);
    assert(budget_instructions >= 1);
    *after_instructions = 0;
    if (!fault_strikes(setting, rng)) return false;
    *after_instructions = pcg32_range(rng, 1, budget_instructions);
    assert(*after_instructions >= 1);
    return true;
}
