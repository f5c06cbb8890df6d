// Invariants checked at the moment they concern: clock reads and wake-ups (from the
// kernel's trace events), power requests, and boots.
#include <inttypes.h>
#include <stdio.h>

#include "kernel/kernel.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/disk.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "sim/violation.h"

static i32 slot_of_pid(const struct kernel *k, u64 pid) {
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        if (k->procs[slot].state != PROC_FREE && k->procs[slot].pid == pid) return (i32)slot;
    }
    return -1;
}

// Shadows are kept per proc slot and tagged with the pid, so a new process in a
// reused slot starts fresh; all of them are reset at boot.
static void monotonic_read(struct sim *sim, struct platform *node, u64 pid, u64 value_ns) {
    sim->invariant_checks[INV_MONOTONIC_NEVER_DECREASES]++;
    i32 slot = slot_of_pid(&node->kernel, pid);
    if (slot < 0) return; // not a process (kernel-internal read): nothing to compare with
    struct monotonic_shadow *shadow = &node->invariants.monotonic[slot];
    if (shadow->pid == pid && value_ns < shadow->last_ns) {
        char detail[INVARIANT_DETAIL_BYTES_MAX];
        snprintf(detail, sizeof(detail),
                 "pid %" PRIu64 " read CLOCK_MONOTONIC %" PRIu64 " ns after %" PRIu64
                 " ns (%" PRIu64 " ns back)",
                 pid, value_ns, shadow->last_ns, shadow->last_ns - value_ns);
        sim_violation(sim, node, INV_MONOTONIC_NEVER_DECREASES, detail);
    }
    shadow->pid = (u32)pid;
    shadow->last_ns = value_ns;
}

static void wake(struct sim *sim, struct platform *node, u64 pid, u64 deadline_ns) {
    sim->invariant_checks[INV_SLEEP_UNTIL_NOT_EARLY]++;
    u64 now_ns = platform_monotonic_ns(node);
    if (now_ns >= deadline_ns) return;
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    snprintf(detail, sizeof(detail),
             "pid %" PRIu64 " woken at monotonic %" PRIu64 " ns, deadline %" PRIu64
             " ns (%" PRIu64 " ns early)",
             pid, now_ns, deadline_ns, deadline_ns - now_ns);
    sim_violation(sim, node, INV_SLEEP_UNTIL_NOT_EARLY, detail);
}

// The rule as the ABI states it (abi.h, kill), apart from the kernel's cred_may_signal.
static void kill_check(struct sim *sim, struct platform *node, u64 sender_pid, u64 target_pid) {
    sim->invariant_checks[INV_KILL_NEEDS_PERMISSION]++;
    const struct kernel *k = &node->kernel;
    i32 sender = slot_of_pid(k, sender_pid), target = slot_of_pid(k, target_pid);
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    if (sender < 0 || target < 0) {
        snprintf(detail, sizeof detail, "pid %" PRIu64 " killed pid %" PRIu64 ", one of them not in the table",
                 sender_pid, target_pid);
        sim_violation(sim, node, INV_KILL_NEEDS_PERMISSION, detail);
        return;
    }
    const struct cred *from = &k->procs[sender].cred, *to = &k->procs[target].cred;
    bool allowed = target_pid != 1 && (from->euid == ABI_UID_ROOT || from->ruid == to->ruid);
    if (allowed) return;
    snprintf(detail, sizeof detail, "pid %" PRIu64 " (ruid %u, euid %u) killed pid %" PRIu64 " (ruid %u)",
             sender_pid, from->ruid, from->euid, target_pid, to->ruid);
    sim_violation(sim, node, INV_KILL_NEEDS_PERMISSION, detail);
}

static void shutdown_caller_check(struct sim *sim, struct platform *node, const char *what);

void invariants_on_event(struct sim *sim, struct platform *node, const struct trace_event *event) {
    assert(sim != NULL);
    assert(node != NULL);
    assert(event != NULL);
    assert(event->node == node->id);
    if (event->kind == TRACE_REPORT) {
        workload_on_report(sim, node, event);
        return;
    }
    if (event->kind == TRACE_DB_COMMIT || event->kind == TRACE_FS_NO_ROOM) workload_on_commit(sim, node, event);
    if (sim->config.no_invariants) return; // benchmark runs: only the workload's verdicts
    if (event->kind == TRACE_CLOCK_READ && event->b == ABI_CLOCK_MONOTONIC) {
        monotonic_read(sim, node, event->a, event->c);
    } else if (event->kind == TRACE_WAKE) {
        wake(sim, node, event->a, event->b);
    } else if (event->kind == TRACE_DB_REPAIR || event->kind == TRACE_DB_REPAIR_UNVERIFIED) {
        repairs_on_event(sim, node, event);
    } else if (event->kind == TRACE_FILE_SYNCED) {
        files_on_synced(node, event);
    } else if (event->kind == TRACE_SHUTDOWN) {
        // Allowed by the syscall: judged now, since the machine goes down only once z6
        // stopped the services, at a step of the kernel's own.
        shutdown_caller_check(sim, node, "a shutdown allowed");
    } else if (event->kind == TRACE_KILL) {
        kill_check(sim, node, event->a, event->b);
    } else if (event->kind == TRACE_Z6_LOG_LINE || event->kind == TRACE_Z6_LOG_DROPPED) {
        z6_log_on_event(sim, node, event);
    } else if (event->kind == TRACE_IDLE) {
        node->invariants.step_idled = true;
    } else if (event->kind >= TRACE_ZIX_BUILD_START && event->kind <= TRACE_ZIX_SANDBOX_ALLOWED) {
        zix_on_event(sim, node, event);
    } else if (event->kind >= TRACE_REPLICA_BOOT && event->kind <= TRACE_REPLICA_SYNC) {
        replica_on_event(sim, node, event);
    } else if (event->kind >= TRACE_Z6_BOOT && event->kind <= TRACE_Z6_RELOAD) {
        z6_on_event(sim, node, event);
    } else if (event->kind == TRACE_SPAWN || event->kind == TRACE_EXIT || event->kind == TRACE_CONSOLE ||
               event->kind == TRACE_CONSOLE_READ) {
        console_on_event(sim, node, event);
        if (event->kind == TRACE_EXIT) z6_on_event(sim, node, event);
    } else if (event->kind == TRACE_SCHEDULE) {
        seed_file_on_schedule(sim, node);
        denial_on_schedule(node, event);
    } else if (event->kind == TRACE_RANDOM_SEED_FILE) {
        seed_file_on_event(sim, node, event);
    } else if (event->kind == TRACE_SYSCALL) {
        denial_on_syscall(sim, node, event);
        privilege_on_syscall(node, event);
        zix_on_event(sim, node, event); // a link in /zix/roots may have changed
        if (event->b == SYS_sudo) privilege_on_sudo(sim, node, event);
        if (event->b == SYS_vhangup) console_on_event(sim, node, event);
    } else if (event->kind == TRACE_FS_MOUNT || event->kind == TRACE_DB_COMMIT_START ||
               event->kind == TRACE_DB_COMMIT || event->kind == TRACE_FS_OBJECT_WRITE ||
               event->kind == TRACE_FS_OBJECT_READ) {
        if (event->kind == TRACE_FS_MOUNT && event->a == FS_MOUNTED) node->invariants.files_mount_pending = true;
        storage_on_event(sim, node, event);
    }
}

static const char *power_request_name(u32 request) {
    switch (request) {
    case POWER_REQUEST_HALT: return "halt";
    case POWER_REQUEST_REBOOT: return "reboot";
    case POWER_REQUEST_POWER_OFF: return "power-off";
    }
    return "unknown";
}

// The process current when the machine is asked to stop must be allowed to: effective
// uid 0, or the shutdown capability as the kernel loaded it from /etc/capabilities at
// boot (only root can write that file).
static void shutdown_caller_check(struct sim *sim, struct platform *node, const char *what) {
    sim->invariant_checks[INV_SHUTDOWN_NEEDS_ROOT]++;
    const struct kernel *k = &node->kernel;
    assert(what != NULL);
    if (k->current_slot >= PROCS_MAX) return; // the kernel's own decision, no process
    const struct proc *proc = &k->procs[k->current_slot];
    if (proc->cred.euid == ABI_UID_ROOT || kernel_capable(k, &proc->cred, CAPABILITY_SHUTDOWN)) return;
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    snprintf(detail, sizeof(detail), "%s while pid %u (euid %u, no shutdown capability) is current", what,
             proc->pid, proc->cred.euid);
    sim_violation(sim, node, INV_SHUTDOWN_NEEDS_ROOT, detail);
}

void invariants_on_power_request(struct sim *sim, struct platform *node, u32 request) {
    assert(sim != NULL);
    assert(node != NULL);
    assert(request != POWER_REQUEST_NONE);
    char what[32]; // "power-off requested" at most
    snprintf(what, sizeof what, "%s requested", power_request_name(request));
    shutdown_caller_check(sim, node, what);
}

void invariants_on_boot(struct sim *sim, struct platform *node, u64 digest) {
    assert(sim != NULL);
    assert(node != NULL);
    assert(node->boots >= 1);
    if (node->boots == 1) return; // the first boot is the reference
    // With disk faults outside the atlas a boot may stop the machine on purpose: init's
    // file was destroyed (or the disk refused), so init could not be started.
    bool unrestricted = node->disk.fault_scope == DISK_FAULTS_UNRESTRICTED;
    if (unrestricted && node->kernel.run_state != KERNEL_RUNNING) return;
    sim->invariant_checks[INV_REBOOT_STATE_FRESH]++;
    if (digest == node->first_boot_digest) return;
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    snprintf(detail, sizeof(detail),
             "boot %u (after %s) has state digest %016" PRIx64 ", first boot had %016" PRIx64,
             node->boots, node->next_boot_cause == BOOT_POWER_LOSS ? "power loss" : "reboot",
             digest, node->first_boot_digest);
    sim_violation(sim, node, INV_REBOOT_STATE_FRESH, detail);
}
