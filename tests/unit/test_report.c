// The report syscall on a booted kernel (one simulated node, no disk): the arguments
// it refuses (each carrying a failure, so a report that got through would end this test
// with the simulator's workload_checks_pass), the log's rate limit per user with
// root's bucket apart, and which injected faults excuse a report's failures.
#include <string.h>

#include "faults/faults.h"
#include "kernel/kernel.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/usercopy.h"
#include "kernel/syscall.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_sim.h"

#define STEPS_MAX 20000u
#define INIT_SLOT 0u
#define NAME_VA (ABI_USER_STACK_TOP_VA - ABI_USER_STACK_PAGES * PAGE_SIZE_BYTES + 64)
#define XY_SLOT_FAKE_UID ABI_UID_USER

static struct sim *boot_node(void) {
    struct sim_config config;
    unit_sim_config(&config, 3, STEPS_MAX, "init.rounds=0 init.end=idle loglevel=debug");
    struct sim *sim = unit_sim_start(&config);
    enum sim_end end;
    for (u32 i = 0; i < STEPS_MAX; i++) {
        struct platform *node = sim->nodes[0];
        if (node->state == NODE_RUNNING && node->kernel.procs[INIT_SLOT].state == PROC_SLEEPING) break;
        if (!sim_step(sim, &end)) break;
    }
    assert(sim->nodes[0]->kernel.procs[INIT_SLOT].state == PROC_SLEEPING);
    return sim;
}

// report(name, failures, excuses) by init, with name put in its stack first.
static i64 report(struct kernel *k, const char *name, u64 length, u64 failures, u64 excuses) {
    struct proc *init = &k->procs[INIT_SLOT];
    i64 copied = copy_to_user(k, init, NAME_VA, name, length);
    assert(copied == 0);
    const u64 args[SYSCALL_ARGS_MAX] = {NAME_VA, failures, excuses};
    init->state = PROC_RUNNABLE; // as while its syscall is handled
    k->current_slot = INIT_SLOT;
    i64 result = sys_report(k, INIT_SLOT, args);
    k->current_slot = SLOT_NONE;
    init->state = PROC_SLEEPING;
    return result;
}

static u32 console_count(const struct platform *node, const char *needle) {
    u64 bytes = node->console.written_bytes < CONSOLE_RING_BYTES ? node->console.written_bytes : CONSOLE_RING_BYTES;
    char text[CONSOLE_RING_BYTES + 1];
    memcpy(text, node->console.ring, bytes);
    text[bytes] = '\0';
    u32 count = 0;
    for (const char *at = strstr(text, needle); at != NULL; at = strstr(at + 1, needle)) count++;
    return count;
}

static void test_refused(struct sim *sim, struct kernel *k) {
    char long_name[ABI_REPORT_NAME_LEN_MAX + 2];
    memset(long_name, 'n', sizeof long_name);
    long_name[ABI_REPORT_NAME_LEN_MAX + 1] = '\0';
    u64 reports = sim->workload.reports;
    UNIT_CHECK("report_name_one_byte_too_long", report(k, long_name, sizeof long_name, 1, 0) == -E_NAMETOOLONG);
    long_name[ABI_REPORT_NAME_LEN_MAX] = '\0';
    UNIT_CHECK("report_name_of_max_length", report(k, long_name, ABI_REPORT_NAME_LEN_MAX + 1, 0, 0) == 0);
    UNIT_CHECK("report_empty_name", report(k, "", 1, 1, 0) == -E_INVAL);
    UNIT_CHECK("report_escape_in_name", report(k, "a\x1b[2Jb", 7, 1, 0) == -E_INVAL);
    UNIT_CHECK("report_high_byte_in_name", report(k, "a\xffz", 4, 1, 0) == -E_INVAL);
    UNIT_CHECK("report_unknown_excuse", report(k, "check", 6, 1, ABI_REPORT_EXCUSES_ALL + 1) == -E_INVAL);
    const u64 bad[SYSCALL_ARGS_MAX] = {0x10, 1, 0};
    k->current_slot = INIT_SLOT;
    k->procs[INIT_SLOT].state = PROC_RUNNABLE;
    UNIT_CHECK("report_bad_pointer", sys_report(k, INIT_SLOT, bad) == -E_FAULT);
    k->procs[INIT_SLOT].state = PROC_SLEEPING;
    k->current_slot = SLOT_NONE;
    UNIT_CHECK("report_refusals_reach_no_one", sim->workload.reports == reports + 1);
    UNIT_CHECK("report_refusal_leaves_no_name", k->report.name[0] == '\0');
}

// A user's bucket pays REPORT_LOG_BURST lines, then counts; root's is its own; time refills.
static void test_rate_limit(struct sim *sim, struct kernel *k) {
    struct platform *node = sim->nodes[0];
    u32 before = console_count(node, "report: pid");
    k->procs[INIT_SLOT].cred = cred_of_user(XY_SLOT_FAKE_UID);
    for (u32 i = 0; i < 3 * REPORT_LOG_BURST; i++) (void)report(k, "flood", 6, 0, 0);
    u32 logged = console_count(node, "report: pid") - before;
    UNIT_CHECK("report_log_user_burst_only", logged == REPORT_LOG_BURST);
    k->procs[INIT_SLOT].cred = cred_of_user(ABI_UID_ROOT);
    UNIT_CHECK("report_root_bucket_apart", report(k, "root's", 7, 0, 0) == 0 &&
                                               console_count(node, "report: pid") - before == REPORT_LOG_BURST + 1);
    node_advance(node, 2 * REPORT_LOG_REFILL_NS + 1);
    k->procs[INIT_SLOT].cred = cred_of_user(XY_SLOT_FAKE_UID);
    for (u32 i = 0; i < 4; i++) (void)report(k, "later", 6, 0, 0);
    UNIT_CHECK("report_log_refilled_by_time", console_count(node, "report: pid") - before == REPORT_LOG_BURST + 3);
    UNIT_CHECK("report_log_says_what_it_dropped", console_count(node, "earlier reports not logged") == 1);
    UNIT_CHECK("report_events_never_limited", sim->workload.reports >= 3 * REPORT_LOG_BURST + 5);
    k->procs[INIT_SLOT].cred = cred_of_user(ABI_UID_ROOT);
}

// Failures are excused only by a fault the report names that struck the node.
static void test_excuses(struct sim *sim) {
    struct platform *node = sim->nodes[0];
    UNIT_CHECK("report_no_fault_struck", workload_faults_struck(node) == 0);
    node->faults_seen[FAULT_CLOCK_JUMP] = 3;
    node->faults_seen[FAULT_DISK_LATENCY] = 2;
    UNIT_CHECK("report_clock_and_latency_excuse_nothing", workload_faults_struck(node) == 0);
    node->faults_seen[FAULT_DISK_FLUSH_ERROR] = 1;
    UNIT_CHECK("report_disk_errors_struck", workload_faults_struck(node) == ABI_REPORT_EXCUSE_DISK_ERRORS);
    node->faults_seen[FAULT_PROCESS_CRASH] = 1;
    u64 excused = sim->workload.failures_excused;
    struct trace_event event = {.node = 0, .kind = TRACE_REPORT, .a = 1, .b = 4, .c = ABI_REPORT_EXCUSE_CRASH};
    workload_on_report(sim, node, &event);
    UNIT_CHECK("report_failures_excused_by_a_named_fault", sim->workload.failures_excused == excused + 4);
    event.b = 0;
    event.c = 0;
    workload_on_report(sim, node, &event);
    UNIT_CHECK("report_without_failures_passes", sim->workload.failures_excused == excused + 4);
    memset(node->faults_seen, 0, sizeof node->faults_seen);
    // A commit that failed for want of room excuses DISK_FULL, and nothing else does.
    struct trace_event commit = {.node = 0, .kind = TRACE_DB_COMMIT, .a = 9, .c = (u64)(i64)-E_IO};
    workload_on_commit(sim, node, &commit);
    UNIT_CHECK("report_other_commit_errors_are_not_disk_full", workload_faults_struck(node) == 0);
    commit.c = (u64)(i64)-E_NOSPC;
    workload_on_commit(sim, node, &commit);
    UNIT_CHECK("report_disk_full_struck", workload_faults_struck(node) == ABI_REPORT_EXCUSE_DISK_FULL);
    node->disk_full_seen = false;
}

int main(void) {
    struct sim *sim = boot_node();
    struct kernel *k = &sim->nodes[0]->kernel;
    test_refused(sim, k);
    test_rate_limit(sim, k);
    test_excuses(sim);
    sim_destroy(sim);
    UNIT_EXIT();
}
