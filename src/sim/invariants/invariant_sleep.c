// sleepers_wake_on_time: a process in sleep_until is made runnable on time.
//
// The bound is on being made runnable (the kernel's part), in two exact rules:
// - the first kernel step that begins at or after a sleeper's deadline (on the node's
//   monotonic clock) makes it runnable: after that step it is no longer asleep;
// - an idle step (nothing runnable) waits no further than the earliest sleeper's
//   deadline, plus SLEEP_IDLE_LATE_BOUND_NS for the step's own cost and the rounding of
//   a drifting clock.
// So a sleeper is made runnable at most one step after its deadline: the step in
// progress when the deadline passed, which is a process's time slice (at most
// TIME_SLICE_NS of user time) plus the kernel's handling of its trap, device time
// included. Running then waits for the processes queued ahead of it (round robin, at
// most PROCS_MAX - 1 slices); that part is scheduling, not the sleeper's wake-up.
#include <inttypes.h>
#include <stdio.h>

#include "kernel/kernel.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/violation.h"

#define SLEEP_IDLE_LATE_BOUND_NS 1000ull

void sleep_on_step_start(struct platform *node) {
    assert(node != NULL);
    node->invariants.step_start_monotonic_ns = platform_monotonic_ns(node);
    node->invariants.step_idled = false;
}

void sleep_after_step(struct sim *sim, struct platform *node) {
    assert(sim != NULL);
    assert(node != NULL);
    const struct kernel *k = &node->kernel;
    const struct invariant_node_state *state = &node->invariants;
    u32 earliest_slot = PROCS_MAX;
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        const struct proc *proc_ = &k->procs[slot];
        if (proc_->state != PROC_SLEEPING) continue;
        sim->invariant_checks[INV_SLEEPERS_WAKE_ON_TIME]++;
        u64 deadline_ns = proc_->sleep_deadline_ns;
        if (deadline_ns <= state->step_start_monotonic_ns) {
            char detail[INVARIANT_DETAIL_BYTES_MAX];
            snprintf(detail, sizeof(detail),
                     "pid %u still asleep after a step that began at monotonic %" PRIu64 " ns, %" PRIu64
                     " ns past its deadline %" PRIu64 " ns",
                     proc_->pid, state->step_start_monotonic_ns, state->step_start_monotonic_ns - deadline_ns,
                     deadline_ns);
            sim_violation(sim, node, INV_SLEEPERS_WAKE_ON_TIME, detail);
        }
        if (earliest_slot == PROCS_MAX || deadline_ns < k->procs[earliest_slot].sleep_deadline_ns) earliest_slot = slot;
    }
    if (!state->step_idled || earliest_slot == PROCS_MAX) return;
    const struct proc *sleeper = &k->procs[earliest_slot];
    u64 now_ns = platform_monotonic_ns(node);
    if (now_ns <= sleeper->sleep_deadline_ns + SLEEP_IDLE_LATE_BOUND_NS) return;
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    snprintf(detail, sizeof(detail),
             "the node idled until monotonic %" PRIu64 " ns, %" PRIu64 " ns past the deadline %" PRIu64
             " ns of pid %u",
             now_ns, now_ns - sleeper->sleep_deadline_ns, sleeper->sleep_deadline_ns, sleeper->pid);
    sim_violation(sim, node, INV_SLEEPERS_WAKE_ON_TIME, detail);
}
