// Where a node meets the clock and crash fault models (faults/clock.c, crash.c): each
// is asked with the run's setting of its kind and the node's own stream, and what it
// decides is carried out here, on the node's clock or power, and counted and traced.
// The disk's faults are carried out in disk_faults.c.
#include "faults/faults.h"
#include "kernel/kernel.h"
#include "sim/machine/clock.h"
#include "sim/machine/node.h"
#include "sim/machine/streams.h"
#include "sim/sim.h"

static void drift_change(struct platform *node, i32 drift_ppm) {
    assert(drift_ppm >= -CLOCK_DRIFT_PPM_MAX);
    assert(drift_ppm <= CLOCK_DRIFT_PPM_MAX);
    clock_set_drift(&node->clock, node->now_ns, drift_ppm);
    u64 magnitude = (u64)(drift_ppm < 0 ? -drift_ppm : drift_ppm);
    sim_count_fault(node, FAULT_CLOCK_DRIFT, magnitude, drift_ppm < 0);
}

void node_clock_power_on(struct platform *node) {
    assert(node != NULL);
    assert(node->sim != NULL);
    clock_power_on(&node->clock, node->now_ns);
    if (node->sim->faults[FAULT_CLOCK_DRIFT].enabled) {
        drift_change(node, fault_clock_drift_draw(&node->streams[STREAM_CLOCK_DRIFT]));
    }
    assert(clock_monotonic_at(&node->clock, node->now_ns) == 0);
}

void node_clock_after_step(struct platform *node) {
    assert(node != NULL);
    assert(node->sim != NULL);
    assert(node->state == NODE_RUNNING);
    const struct fault_setting *settings = node->sim->faults;
    u64 amount_ns = 0;
    bool forward = false;
    if (fault_clock_jump_strikes(&settings[FAULT_CLOCK_JUMP], &node->streams[STREAM_CLOCK_JUMP],
                                 &amount_ns, &forward)) {
        clock_jump_realtime(&node->clock, amount_ns, forward);
        sim_count_fault(node, FAULT_CLOCK_JUMP, amount_ns, forward);
    }
    i32 drift_ppm = 0;
    if (fault_clock_drift_strikes(&settings[FAULT_CLOCK_DRIFT], &node->streams[STREAM_CLOCK_DRIFT],
                                  &drift_ppm)) {
        drift_change(node, drift_ppm);
    }
}

bool node_power_loss_strikes(struct platform *node, u64 *delay_ns) {
    assert(node != NULL);
    assert(delay_ns != NULL);
    assert(node->state == NODE_RUNNING);
    if (!fault_power_loss_after_step(&node->sim->faults[FAULT_POWER_LOSS],
                                     &node->streams[STREAM_POWER_LOSS], delay_ns)) {
        return false;
    }
    sim_count_fault(node, FAULT_POWER_LOSS, *delay_ns, POWER_LOSS_AFTER_STEP);
    return true;
}

bool node_power_loss_at_device(struct platform *node, enum power_loss_site site, u64 *delay_ns) {
    assert(node != NULL);
    assert(delay_ns != NULL);
    return fault_power_loss_at_device(&node->sim->faults[FAULT_POWER_LOSS],
                                      &node->streams[STREAM_POWER_LOSS_DEVICE], site, delay_ns);
}

// The pid whose context this is: the kernel runs a process through its own saved
// context (pointer equality only, never ordering), else the current slot's.
static u32 context_pid(const struct kernel *k, const struct user_context *context) {
    assert(k != NULL);
    assert(context != NULL);
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        if (&k->procs[slot].context == context) return k->procs[slot].pid;
    }
    if (k->current_slot < PROCS_MAX) return k->procs[k->current_slot].pid;
    return 0;
}

bool node_process_crash_plan(struct platform *node, const struct user_context *context,
                             u64 budget_instructions, u64 *after_instructions) {
    assert(node != NULL);
    assert(context != NULL);
    assert(after_instructions != NULL);
    bool crash = fault_process_crash_plan(&node->sim->faults[FAULT_PROCESS_CRASH],
                                          &node->streams[STREAM_PROCESS_CRASH], budget_instructions,
                                          after_instructions);
    // init (pid 1) is exempt: its death ends the machine by design, which would hide
    // the rest of the workload. Decided after the draw, so the stream does not depend
    // on who runs.
    if (crash && context_pid(&node->kernel, context) == 1) {
        *after_instructions = 0;
        return false;
    }
    return crash;
}
