// console_only_its_session: a reference model of who may use the console, written
// apart from the kernel's console.c. It follows the kernel's trace: a process spawned
// joins its parent's console session (init's is 0), a successful vhangup puts its
// caller in a new session that owns the console, and the exit of a process that made
// the owning session gives the console back to session 0. Then every console read
// (TRACE_CONSOLE_READ, emitted just before the device is asked) must come from a
// process of the owning session, and every write (TRACE_CONSOLE) from one of those or
// from a root process of session 0. A process that lost the console never gets it
// back in the model either: sessions are numbered afresh.
#include <inttypes.h>
#include <stdio.h>

#include "kernel/kernel.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "sim/violation.h"

static struct console_shadow *shadow_of(struct platform *node, u64 pid) {
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        struct console_shadow *shadow = &node->invariants.console[slot];
        if (shadow->pid != 0 && shadow->pid == pid) return shadow;
    }
    return NULL;
}

static const struct proc *proc_of(const struct kernel *k, u64 pid) {
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        if (k->procs[slot].state != PROC_FREE && k->procs[slot].pid == pid) return &k->procs[slot];
    }
    return NULL;
}

static void on_spawn(struct platform *node, u64 pid, u64 parent_pid) {
    const struct kernel *k = &node->kernel;
    const struct proc *proc = proc_of(k, pid);
    assert(proc != NULL);
    const struct console_shadow *parent = parent_pid == 0 ? NULL : shadow_of(node, parent_pid);
    u32 slot = (u32)(proc - k->procs);
    node->invariants.console[slot] = (struct console_shadow){
        .pid = (u32)pid, .session = parent != NULL ? parent->session : 0, .leader = false};
}

static void on_exit(struct platform *node, u64 pid) {
    struct console_shadow *shadow = shadow_of(node, pid);
    if (shadow == NULL) return;
    if (shadow->leader && shadow->session == node->invariants.console_owner) node->invariants.console_owner = 0;
    *shadow = (struct console_shadow){0}; // a zombie uses no console
}

static void on_vhangup(struct platform *node, u64 pid) {
    struct console_shadow *shadow = shadow_of(node, pid);
    if (shadow == NULL) return;
    node->invariants.console_sessions++;
    shadow->session = node->invariants.console_sessions;
    shadow->leader = true;
    node->invariants.console_owner = shadow->session;
}

static void on_use(struct sim *sim, struct platform *node, u64 pid, bool write) {
    sim->invariant_checks[INV_CONSOLE_ONLY_ITS_SESSION]++;
    const struct console_shadow *shadow = shadow_of(node, pid);
    const struct proc *proc = proc_of(&node->kernel, pid);
    u64 session = shadow != NULL ? shadow->session : 0;
    u64 owner = node->invariants.console_owner;
    if (shadow != NULL && session == owner) return;
    if (write && shadow != NULL && session == 0 && proc != NULL && proc->cred.euid == ABI_UID_ROOT) return;
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    snprintf(detail, sizeof detail,
             "pid %" PRIu64 " (euid %u) %s the console from console session %" PRIu64
             " while session %" PRIu64 " owns it%s",
             pid, proc != NULL ? proc->cred.euid : 0, write ? "wrote" : "read", session, owner,
             shadow == NULL ? " (a process the model never saw start)" : "");
    sim_violation(sim, node, INV_CONSOLE_ONLY_ITS_SESSION, detail);
}

void console_on_event(struct sim *sim, struct platform *node, const struct trace_event *event) {
    assert(sim != NULL);
    assert(node != NULL);
    assert(event != NULL);
    switch (event->kind) {
    case TRACE_SPAWN: on_spawn(node, event->a, event->b); return;
    case TRACE_EXIT: on_exit(node, event->a); return;
    case TRACE_SYSCALL:
        assert(event->b == SYS_vhangup);
        if (event->c == 0) on_vhangup(node, event->a);
        return;
    case TRACE_CONSOLE_READ: on_use(sim, node, event->a, false); return;
    case TRACE_CONSOLE: on_use(sim, node, event->a, true); return;
    default: assert(false);
    }
}
