// The invariants, on a real kernel booted in the simulator: they hold on the real
// state, and each one catches a corruption of the kind it exists for. Checks that
// report by ending the run (exit 1) are run in a child process.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/kernel.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "tests/unit/unit_child.h"
#include "tests/unit/unit_sim.h"

static u32 failures;
static struct kernel copy; // large: kept off the stack

static void check(bool ok, const char *name, const char *reason) {
    if (ok) {
        printf("ok %s\n", name);
    } else {
        printf("not ok %s - %s\n", name, reason);
        failures++;
    }
}

static struct sim *make_sim(u64 seed) {
    struct sim_config config;
    unit_sim_config(&config, seed, 100000, "init.end=poweroff loglevel=warn");
    struct sim *sim = unit_sim_start(&config);
    return sim;
}

static u32 live_with_tables(const struct kernel *k) {
    u32 count = 0;
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        count += k->procs[slot].state != PROC_FREE && k->procs[slot].root_table_pa != 0;
    }
    return count;
}

static i32 runnable_slot(const struct kernel *k) {
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        if (k->procs[slot].state == PROC_RUNNABLE) return (i32)slot;
    }
    return -1;
}

static void test_process_table(const struct kernel *k) {
    char detail[INVARIANT_DETAIL_BYTES_MAX] = "";
    check(invariant_process_table(k, detail, sizeof(detail)), "process_table_holds_on_real_state",
          detail);
    i32 slot = runnable_slot(k);
    check(slot >= 0, "process_table_has_runnable", "no runnable process to corrupt");
    if (slot < 0) return;

    copy = *k; // queued twice
    copy.run_queue.slots[(copy.run_queue.head + copy.run_queue.count) % PROCS_MAX] = (u8)slot;
    copy.run_queue.count++;
    check(!invariant_process_table(&copy, detail, sizeof(detail)) && strstr(detail, "twice"),
          "process_table_catches_double_enqueue", detail);

    copy = *k; // runnable but not queued
    copy.run_queue.count = 0;
    check(!invariant_process_table(&copy, detail, sizeof(detail)) && strstr(detail, "not queued"),
          "process_table_catches_missing_runnable", detail);

    copy = *k; // two live processes with one pid
    u32 other = (u32)slot == 0 ? 1 : 0;
    copy.procs[other].pid = copy.procs[slot].pid;
    bool both_live = copy.procs[other].state != PROC_FREE;
    check(!both_live || !invariant_process_table(&copy, detail, sizeof(detail)),
          "process_table_catches_duplicate_pid", detail);

    copy = *k; // a parent that does not exist
    copy.procs[slot].parent_pid = 999999;
    check(!invariant_process_table(&copy, detail, sizeof(detail)) && strstr(detail, "parent"),
          "process_table_catches_dead_parent", detail);
}

// The frame table's owner bytes live in the node's RAM: a copy of the kernel gets a
// copy of them, so a test can damage the copy without touching the real table.
static u8 owner_copy[SIM_FRAMES_MAX];
static void copy_frame_owners(const struct kernel *k) {
    memcpy(owner_copy, k->frames.owner, k->frames.count);
    copy.frames.owner = owner_copy;
}

static u32 user_frame_of(const struct kernel *k, u32 slot) {
    for (u32 index = 0; index < k->frames.count; index++) {
        if (k->frames.owner[index] == slot + 1 &&
            k->frames.base_pa + index * PAGE_SIZE_BYTES != k->procs[slot].root_table_pa) {
            return index;
        }
    }
    return FRAME_INDEX_NONE;
}

static void test_frames(struct platform *node) {
    const struct kernel *k = &node->kernel;
    char detail[INVARIANT_DETAIL_BYTES_MAX] = "";
    check(invariant_frame_ownership(node, k, detail, sizeof(detail)), "frames_hold_on_real_state",
          detail);
    check(live_with_tables(k) >= 2, "frames_several_address_spaces", "fewer than 2 processes");
    u32 slot = 0;
    while (slot < PROCS_MAX && (k->procs[slot].state == PROC_FREE || k->procs[slot].root_table_pa == 0)) slot++;
    u32 index = user_frame_of(k, slot);
    check(index != FRAME_INDEX_NONE, "frames_found_user_frame", "no owned frame");
    if (index == FRAME_INDEX_NONE) return;

    copy = *k; // a reachable frame marked free (the frame-double-alloc defect)
    copy_frame_owners(k);
    copy.frames.owner[index] = FRAME_FREE;
    copy.frames.free_count++;
    check(!invariant_frame_ownership(node, &copy, detail, sizeof(detail)) && strstr(detail, "free frame"),
          "frames_catch_reachable_free_frame", detail);

    copy = *k; // owned by another process
    copy_frame_owners(k);
    copy.frames.owner[index] = (u8)(slot + 2);
    check(!invariant_frame_ownership(node, &copy, detail, sizeof(detail)),
          "frames_catch_foreign_owner", detail);

    copy = *k;
    copy_frame_owners(k);
    copy.procs[slot].frames_owned++;
    check(!invariant_frame_ownership(node, &copy, detail, sizeof(detail)) && strstr(detail, "frames_owned"),
          "frames_catch_owned_count", detail);

    copy = *k;
    copy_frame_owners(k);
    copy.frames.free_count--;
    check(!invariant_frame_ownership(node, &copy, detail, sizeof(detail)) && strstr(detail, "free_count"),
          "frames_catch_free_count", detail);

    // Map the root table of one process into another's as a user page: the frame is
    // then reachable twice.
    u32 other = slot + 1;
    while (other < PROCS_MAX && (k->procs[other].state == PROC_FREE || k->procs[other].root_table_pa == 0)) other++;
    if (other >= PROCS_MAX) return;
    u64 *root = node_pa_to_ptr(node, k->procs[other].root_table_pa, PAGE_SIZE_BYTES);
    u64 saved = root[511];
    u64 foreign_pa = k->procs[slot].root_table_pa;
    root[511] = ((foreign_pa >> 12) << 10) | 1u; // a pointer entry to a foreign table
    check(!invariant_frame_ownership(node, k, detail, sizeof(detail)), "frames_catch_shared_table",
          detail);
    root[511] = saved;
    check(invariant_frame_ownership(node, k, detail, sizeof(detail)), "frames_hold_after_restore",
          detail);
}

static bool child_reports(void (*fn)(struct sim *, struct platform *), struct sim *sim, struct platform *node,
                          const char *invariant) {
    return unit_child_reports(fn, sim, node, invariant);
}

static u32 some_pid(const struct kernel *k) { return k->procs[runnable_slot(k)].pid; }

static void monotonic_back(struct sim *sim, struct platform *node) {
    u32 pid = some_pid(&node->kernel);
    sim_trace(node, TRACE_CLOCK_READ, pid, ABI_CLOCK_MONOTONIC, 5000);
    sim_trace(node, TRACE_CLOCK_READ, pid, ABI_CLOCK_MONOTONIC, 4999);
}

static void wake_early(struct sim *sim, struct platform *node) {
    sim_trace(node, TRACE_WAKE, some_pid(&node->kernel), platform_monotonic_ns(node) + 1, 0);
}

static void shutdown_as_user(struct sim *sim, struct platform *node) {
    struct kernel *k = &node->kernel;
    k->current_slot = (u32)runnable_slot(k);
    k->procs[k->current_slot].cred = cred_of_user(ABI_UID_USER);
    platform_power_off(node);
}

// A process gains euid 0 with no syscall that allows it.
static void privilege_rises(struct sim *sim, struct platform *node) {
    struct kernel *k = &node->kernel;
    privilege_after_step(sim, node); // the shadows see the processes as they are
    u32 slot = (u32)runnable_slot(k);
    struct proc *proc = &k->procs[slot];
    proc->cred = cred_of_user(ABI_UID_USER);
    node->invariants.privilege[slot].cred = proc->cred; // as if it had always been xy
    struct trace_event event = {.node = node->id, .kind = TRACE_SYSCALL, .a = proc->pid, .b = SYS_getpid, .c = 0};
    privilege_on_syscall(node, &event);
    proc->cred.euid = ABI_UID_ROOT;
    privilege_after_step(sim, node);
}

// The same rise is fine after a successful switch_user, and only then.
static bool privilege_switch_allowed(struct sim *sim, struct platform *node) {
    struct kernel *k = &node->kernel;
    struct proc *proc = &k->procs[runnable_slot(k)];
    struct cred saved = proc->cred;
    privilege_after_step(sim, node);
    struct trace_event event = {.node = node->id, .kind = TRACE_SYSCALL, .a = proc->pid, .b = SYS_switch_user, .c = 0};
    privilege_on_syscall(node, &event);
    proc->cred = cred_of_user(proc->cred.euid == ABI_UID_ROOT ? ABI_UID_USER : ABI_UID_ROOT);
    u64 before = sim->invariant_checks[INV_PRIVILEGE_ONLY_THROUGH_AUTHENTICATION];
    privilege_after_step(sim, node); // would exit the test on a violation
    bool counted = sim->invariant_checks[INV_PRIVILEGE_ONLY_THROUGH_AUTHENTICATION] == before + 1;
    proc->cred = saved;
    event.b = SYS_switch_user;
    privilege_on_syscall(node, &event);
    privilege_after_step(sim, node);
    return counted;
}

static void digest_changed(struct sim *sim, struct platform *node) {
    node->boots = 2;
    invariants_on_boot(sim, node, node->first_boot_digest ^ 1u);
}

static void panic_reported(struct sim *sim, struct platform *node) {
    sim->current = node;
    assert(1 + 1 == 3);
}

static void test_reporting(struct sim *sim, struct platform *node) {
    check(child_reports(monotonic_back, sim, node, "monotonic_never_decreases"),
          "monotonic_going_back_is_reported", "no report or wrong exit status");
    check(child_reports(wake_early, sim, node, "sleep_until_not_early"),
          "early_wake_is_reported", "no report or wrong exit status");
    check(child_reports(shutdown_as_user, sim, node, "shutdown_needs_root"),
          "shutdown_by_user_is_reported", "no report or wrong exit status");
    check(child_reports(privilege_rises, sim, node, "privilege_only_through_authentication"),
          "privilege_rise_without_syscall_is_reported", "no report or wrong exit status");
    check(privilege_switch_allowed(sim, node), "privilege_change_by_switch_user_is_allowed",
          "check not counted");
    check(child_reports(digest_changed, sim, node, "reboot_state_fresh"),
          "reboot_digest_change_is_reported", "no report or wrong exit status");
    check(child_reports(panic_reported, sim, node, "kernel_no_panic"),
          "panic_is_reported", "no report or wrong exit status");
    // The same root shutdown is fine, and so is a kernel-initiated one.
    u64 before = sim->invariant_checks[INV_SHUTDOWN_NEEDS_ROOT];
    invariants_on_power_request(sim, node, POWER_REQUEST_HALT);
    check(sim->invariant_checks[INV_SHUTDOWN_NEEDS_ROOT] == before + 1, "shutdown_check_counted",
          "check not counted");
}

int main(void) {
    struct sim *sim = make_sim(3);
    struct platform *node = sim->nodes[0];
    enum sim_end end;
    // Step until init has its workload running (several address spaces).
    for (u32 i = 0; i < 5000 && (live_with_tables(&node->kernel) < 3 || runnable_slot(&node->kernel) < 0); i++) {
        if (!sim_step(sim, &end)) break;
    }
    test_process_table(&node->kernel);
    test_frames(node);
    test_reporting(sim, node);
    // No faults, no stop: every step ran the per-step checks once.
    check(sim->step > 0 && sim->invariant_checks[INV_PROCESS_TABLE_CONSISTENT] == sim->step &&
              sim->invariant_checks[INV_FRAME_OWNERSHIP] == sim->step &&
              sim->invariant_checks[INV_KERNEL_NO_PANIC] == sim->step,
          "invariants_counted_per_step", "per-step check counts differ from the step count");
    sim_destroy(sim);
    return failures == 0 ? 0 : 1;
}
