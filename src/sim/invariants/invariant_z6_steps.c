// The z6 invariants checked after a step: the engine's table against the process
// table (only after a step with a z6 event or an exit: nothing else changes either),
// and the deadlines the model owes (a TERM's end, a spawn), only while one is pending.
#include <inttypes.h>
#include <stdio.h>

#include "kernel/kernel.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/sim.h"

#define NS_PER_MS 1000000ull

// The process of pid, if it is a supervised one with no parent (a zombie not yet
// reported to z6 still counts: the exit is reported at the next step).
static const char *supervised_problem(const struct kernel *k, u64 pid) {
    assert(k != NULL);
    assert(pid != 0);
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        const struct proc *proc_ = &k->procs[slot];
        if (proc_->state == PROC_FREE || proc_->pid != pid) continue;
        if (!proc_->supervised) return "is not supervised";
        return proc_->parent_pid != 0 ? "has a parent" : NULL;
    }
    return "is in no process slot";
}

static void table_check(struct sim *sim, struct platform *node) {
    const struct kernel *k = &node->kernel;
    const struct z6_shadow *shadow = &node->invariants.z6;
    assert(shadow->count == k->z6.engine.service_count);
    sim->invariant_checks[INV_Z6_TABLE_MATCHES_PROCESSES]++;
    for (u32 i = 0; i < shadow->count; i++) {
        const struct z6_service *service = &k->z6.engine.services[i];
        const struct z6_service_shadow *seen = &shadow->services[i];
        if (service->pid != seen->run_pid || service->finish_pid != seen->finish_pid) {
            z6_violation(sim, node, INV_Z6_TABLE_MATCHES_PROCESSES, "%s: z6 records run pid %" PRIu64 " finish pid %" PRIu64
                         ", the trace announced %" PRIu64 " and %" PRIu64, service->config.name, service->pid,
                         service->finish_pid, seen->run_pid, seen->finish_pid);
        }
        u64 pids[2] = {service->pid, service->finish_pid};
        for (u32 p = 0; p < 2; p++) {
            const char *problem = pids[p] == 0 ? NULL : supervised_problem(k, pids[p]);
            if (problem == NULL) continue;
            z6_violation(sim, node, INV_Z6_TABLE_MATCHES_PROCESSES, "%s: its %s pid %" PRIu64 " %s",
                         service->config.name, p == 0 ? "run" : "finish", pids[p], problem);
        }
    }
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        const struct proc *proc_ = &k->procs[slot];
        if (proc_->state == PROC_FREE || !proc_->supervised) continue;
        u32 records = 0; // exactly one run or finish of one service: no duplicates
        for (u32 i = 0; i < shadow->count; i++) {
            records += k->z6.engine.services[i].pid == proc_->pid;
            records += k->z6.engine.services[i].finish_pid == proc_->pid;
        }
        if (records == 1) continue;
        z6_violation(sim, node, INV_Z6_TABLE_MATCHES_PROCESSES, "supervised pid %u (%s) is recorded %u times (once: as a "
                     "service's run or finish)", proc_->pid, proc_->name, records);
    }
}

// Deadlines are judged after a step that began past them: z6 acts at a step's start.
static void deadlines_check(struct sim *sim, struct platform *node, u32 index, u64 now_ns) {
    struct z6_service_shadow *service = &node->invariants.z6.services[index];
    const struct z6_config *config = &z6_loaded(node, index)->config;
    u64 began_ns = node->invariants.step_start_monotonic_ns;
    assert(index < node->invariants.z6.count);
    if (service->term_sent && config->timeout_kill_ms != 0) {
        sim->invariant_checks[INV_Z6_STOP_ENDS_IN_TIME]++;
        u64 due_ns = service->term_ns + (u64)config->timeout_kill_ms * NS_PER_MS + Z6_INVARIANT_SLACK_NS;
        if (began_ns > due_ns) {
            z6_violation(sim, node, INV_Z6_STOP_ENDS_IN_TIME, "%s: pid %" PRIu64 " runs after a step that began %" PRIu64
                         " ns after its TERM, timeout-kill %u ms", config->name, service->run_pid,
                         began_ns - service->term_ns, config->timeout_kill_ms);
        }
    }
    if (service->restart_due_ns == 0 || began_ns <= service->restart_due_ns + Z6_INVARIANT_SLACK_NS) return;
    sim->invariant_checks[INV_Z6_RESTART_POLICY]++;
    u32 missing = 0;
    if (node->kernel.z6.engine.shutting_down) {
        z6_spawn_settled(node, index); // a shutdown owes nothing
    } else if (!z6_dependencies_usable(node, index, &missing)) {
        service->restart_due_ns = now_ns; // owed by the next step, if they are usable then
    } else {
        z6_violation(sim, node, INV_Z6_RESTART_POLICY, "%s (restart %u, delay %u ms) not spawned %" PRIu64
                     " ns after it was owed (a step began then)", config->name, (u32)config->restart, config->restart_delay_ms,
                     (u64)(began_ns - service->restart_due_ns));
    }
}

void z6_after_step(struct sim *sim, struct platform *node) {
    struct z6_shadow *shadow = &node->invariants.z6;
    assert(sim != NULL);
    assert(node->kernel.run_state == KERNEL_RUNNING);
    if (!shadow->booted) return;
    // An ended supervised process is z6's news: the machine never idles before z6 has it
    // (else z6 counts the process up, and its restart waits for the next wake-up).
    if (node->invariants.step_idled && node->kernel.supervised_exits > 0) {
        z6_violation(sim, node, INV_Z6_TABLE_MATCHES_PROCESSES, "the node idles with %u supervised exits not given to z6",
                     node->kernel.supervised_exits);
    }
    if (shadow->table_due) table_check(sim, node);
    shadow->table_due = false;
    if (shadow->timed == 0) return;
    u64 now_ns = platform_monotonic_ns(node);
    for (u32 i = 0; i < shadow->count; i++) deadlines_check(sim, node, i, now_ns);
}
