// Crash faults: a node loses power at the end of a step or at a device call inside
// the kernel (RAM and kernel state are gone; it powers on again after a drawn delay),
// and a running process meets an illegal instruction after a drawn number of
// instructions.
#include "sim/sim.h"

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

bool fault_power_loss_strikes(struct platform *node, u64 *delay_ns) {
    assert(node != NULL && delay_ns != NULL);
    assert(node->state == NODE_RUNNING);
    const struct fault_setting *setting = &node->sim->faults[FAULT_POWER_LOSS];
    *delay_ns = 0;
    if (!setting->enabled) return false;
    struct pcg32 *rng = &node->streams[STREAM_POWER_LOSS];
    if (!pcg32_chance_per_million(rng, setting->rate_per_million)) return false;
    *delay_ns = pcg32_range(rng, POWER_LOSS_REBOOT_DELAY_MIN_NS, POWER_LOSS_REBOOT_DELAY_MAX_NS);
    sim_count_fault(node, FAULT_POWER_LOSS, *delay_ns, POWER_LOSS_AFTER_STEP);
    return true;
}

bool fault_power_loss_at_device(struct platform *node, enum power_loss_site site, u64 *delay_ns) {
    assert(node != NULL && delay_ns != NULL);
    assert(site != POWER_LOSS_AFTER_STEP && site < POWER_LOSS_SITE_COUNT);
    const struct fault_setting *setting = &node->sim->faults[FAULT_POWER_LOSS];
    *delay_ns = 0;
    if (!setting->enabled) return false;
    struct pcg32 *rng = &node->streams[STREAM_POWER_LOSS_DEVICE];
    u64 rate = setting->rate_per_million;
    if (site != POWER_LOSS_AT_CONSOLE) rate *= POWER_LOSS_STORAGE_CALL_FACTOR;
    if (rate > FAULT_RATE_PER_MILLION_MAX) rate = FAULT_RATE_PER_MILLION_MAX;
    if (!pcg32_chance_per_million(rng, (u32)rate)) return false;
    *delay_ns = pcg32_range(rng, POWER_LOSS_REBOOT_DELAY_MIN_NS, POWER_LOSS_REBOOT_DELAY_MAX_NS);
    return true;
}

// The pid whose context this is: the kernel runs a process through its own saved
// context (pointer equality only, never ordering), else the current slot's.
static u32 context_pid(const struct kernel *k, const struct user_context *context) {
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        if (&k->procs[slot].context == context) return k->procs[slot].pid;
    }
    if (k->current_slot < PROCS_MAX) return k->procs[k->current_slot].pid;
    return 0;
}

bool fault_process_crash_plan(struct platform *node, const struct user_context *context,
                              u64 budget_instructions, u64 *after_instructions) {
    assert(node != NULL && context != NULL && after_instructions != NULL);
    assert(budget_instructions >= 1);
    const struct fault_setting *setting = &node->sim->faults[FAULT_PROCESS_CRASH];
    *after_instructions = 0;
    if (!setting->enabled) return false;
    struct pcg32 *rng = &node->streams[STREAM_PROCESS_CRASH];
    if (!pcg32_chance_per_million(rng, setting->rate_per_million)) return false;
    // Drawn before the exemption test so the stream does not depend on who runs.
    u64 after = pcg32_range(rng, 1, budget_instructions);
    if (context_pid(&node->kernel, context) == 1) return false;
    *after_instructions = after;
    return true;
}
