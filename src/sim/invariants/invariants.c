// The invariant registry and the checks that do not walk memory. frame_ownership
// lives in invariant_frames.c.
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/kernel.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/violation.h"

#define INVARIANT_NAME(id, name, description) [id] = name,
static const char *const invariant_names[INVARIANT_COUNT] = {INVARIANT_LIST(INVARIANT_NAME)};
#undef INVARIANT_NAME
#define INVARIANT_DESCRIPTION(id, name, description) [id] = description,
static const char *const invariant_descriptions[INVARIANT_COUNT] = {
    INVARIANT_LIST(INVARIANT_DESCRIPTION)};
#undef INVARIANT_DESCRIPTION

const char *invariant_name(u32 id) {
    assert(id < INVARIANT_COUNT);
    return invariant_names[id];
}

const char *invariant_description(u32 id) {
    assert(id < INVARIANT_COUNT);
    return invariant_descriptions[id];
}

__attribute__((format(printf, 3, 4))) static bool fail(char *detail, u32 capacity,
                                                      const char *format, ...) {
    assert(detail != NULL);
    assert(capacity > 0);
    va_list args;
    va_start(args, format);
    vsnprintf(detail, capacity, format, args);
    va_end(args);
    return false;
}

static bool run_queue_consistent(const struct kernel *k, char *detail, u32 capacity) {
    const struct run_queue *queue = &k->run_queue;
    if (queue->count > PROCS_MAX || queue->head >= PROCS_MAX) {
        return fail(detail, capacity, "run queue head %u count %u out of range", queue->head,
                    queue->count);
    }
    bool queued[PROCS_MAX] = {false};
    for (u32 i = 0; i < queue->count; i++) {
        u32 slot = queue->slots[(queue->head + i) % PROCS_MAX];
        if (slot >= PROCS_MAX) return fail(detail, capacity, "run queue holds slot %u", slot);
        const struct proc *proc = &k->procs[slot];
        if (proc->state != PROC_RUNNABLE) {
            return fail(detail, capacity, "slot %u (pid %u) is queued in state %u", slot,
                        proc->pid, (u32)proc->state);
        }
        if (queued[slot]) {
            return fail(detail, capacity, "slot %u (pid %u) is on the run queue twice", slot,
                        proc->pid);
        }
        queued[slot] = true;
    }
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        if (k->procs[slot].state == PROC_RUNNABLE && !queued[slot]) {
            return fail(detail, capacity, "slot %u (pid %u) is RUNNABLE but not queued", slot,
                        k->procs[slot].pid);
        }
    }
    return true;
}

static bool pid_live(const struct kernel *k, u32 pid) {
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        if (k->procs[slot].state != PROC_FREE && k->procs[slot].pid == pid) return true;
    }
    return false;
}

bool invariant_process_table(const struct kernel *k, char *detail, u32 capacity) {
    assert(k != NULL);
    assert(detail != NULL);
    if (k->current_slot > PROCS_MAX) return fail(detail, capacity, "current_slot %u", k->current_slot);
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        const struct proc *proc = &k->procs[slot];
        if ((u32)proc->state > (u32)PROC_ZOMBIE) {
            return fail(detail, capacity, "slot %u has state %u", slot, (u32)proc->state);
        }
        if (proc->state == PROC_FREE) continue;
        if (proc->pid == 0) return fail(detail, capacity, "live slot %u has pid 0", slot);
        for (u32 other = slot + 1; other < PROCS_MAX; other++) {
            if (k->procs[other].state != PROC_FREE && k->procs[other].pid == proc->pid) {
                return fail(detail, capacity, "pid %u in slots %u and %u", proc->pid, slot, other);
            }
        }
        if (proc->parent_pid != 0 && !pid_live(k, proc->parent_pid)) {
            return fail(detail, capacity, "pid %u has parent pid %u, which is not live", proc->pid,
                        proc->parent_pid);
        }
    }
    return run_queue_consistent(k, detail, capacity);
}

void invariants_node_reset(struct platform *node) {
    assert(node != NULL);
    memset(&node->invariants, 0, sizeof(node->invariants));
}

static void check(struct sim *sim, struct platform *node, u32 invariant, bool holds,
                  const char *detail) {
    assert(invariant < INVARIANT_COUNT);
    sim->invariant_checks[invariant]++;
    if (!holds) sim_violation(sim, node, invariant, detail);
}

void invariants_after_step(struct sim *sim, struct platform *node) {
    assert(sim != NULL);
    assert(node != NULL);
    assert(node->state != NODE_DOWN); // a dark node's state is poison, not a kernel
    // Reaching here means the step returned: no panic (a panic reports itself).
    check(sim, node, INV_KERNEL_NO_PANIC, true, "");
    // The disk outlives whatever the kernel does next: storage is checked even when it
    // stopped (a halt or reboot never leaves a batch open).
    storage_after_step(sim, node);
    files_after_step(sim, node);
    // A kernel that stopped (halt, power off, reboot) froze mid-syscall: its tables
    // are never used again, so they are held to account only while it runs.
    if (node->kernel.run_state != KERNEL_RUNNING) return;
    char detail[INVARIANT_DETAIL_BYTES_MAX] = "";
    bool holds = invariant_process_table(&node->kernel, detail, sizeof(detail));
    check(sim, node, INV_PROCESS_TABLE_CONSISTENT, holds, detail);
    holds = invariant_frame_ownership(node, &node->kernel, detail, sizeof(detail));
    check(sim, node, INV_FRAME_OWNERSHIP, holds, detail);
    privilege_after_step(sim, node);
    sleep_after_step(sim, node);
    z6_log_after_step(sim, node);
    z6_after_step(sim, node);
    zix_after_step(sim, node);
    replica_after_step(sim, node);
}
