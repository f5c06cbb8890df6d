// The workload's own verdicts (workload_checks_pass) and its end (workload_reaches_end).
//
// A self-checking program (init, the fuzzers, the storage verifier, fstest, permtest,
// shtest) reports each check through the report syscall: a name, a failure count and
// the faults that can make the check fail on a correct kernel (ABI_REPORT_EXCUSE_*).
// Failures fail the run unless one of those faults struck the node, in this life or an
// earlier one: what a crash, a power loss or a disk error leaves behind (a half-made
// scratch directory, an unreadable file) outlives the reboot. A full filesystem is no
// fault, but it excuses too (disk full: a commit failed with E_NOSPC on the node): the
// small disks of the compaction scenarios fill up, and a check that creates files must
// then fail on a correct kernel. Clock faults and disk latency excuse nothing: a
// correct workload must pass under them. These checks stay
// on with --no-invariants, which turns off only the simulator's own models.
//
// The end: a node whose init powers off or halts when its workload is done must get
// there within the scenario's own time limit. Scenarios give the workload a wide margin
// (a fault-free default run needs a tenth of its 2 s), so not getting there is a hang:
// a process that never wakes, a wait that never returns. A power loss restarts the
// workload from the beginning, so nodes that lost power are not held to it (counted).
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "faults/faults.h"
#include "kernel/kernel.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/disk.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "sim/violation.h"

#define INIT_END_WORD "init.end="
#define INIT_END_WORD_LEN 9u

static bool fault_is_disk_error(u32 kind) {
    return kind >= FAULT_DISK_READ_ERROR && kind < FAULT_COUNT && kind != FAULT_DISK_LATENCY;
}

u64 workload_faults_struck(const struct platform *node) {
    assert(node != NULL);
    u64 struck = 0;
    if (node->faults_seen[FAULT_PROCESS_CRASH] > 0) struck |= ABI_REPORT_EXCUSE_CRASH;
    if (node->faults_seen[FAULT_POWER_LOSS] > 0) struck |= ABI_REPORT_EXCUSE_POWER_LOSS;
    u64 disk = 0;
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) {
        if (fault_is_disk_error(kind)) disk += node->faults_seen[kind];
    }
    if (disk > 0) struck |= ABI_REPORT_EXCUSE_DISK_ERRORS;
    // Outside the atlas any damage may take the last copy of acknowledged data.
    if (disk > 0 && node->disk.fault_scope == DISK_FAULTS_UNRESTRICTED) struck |= ABI_REPORT_EXCUSE_DATA_LOST;
    if (node->disk_full_seen) struck |= ABI_REPORT_EXCUSE_DISK_FULL;
    assert((struck & ~(u64)ABI_REPORT_EXCUSES_ALL) == 0);
    return struck;
}

static void excuses_text(u64 excuses, char *out, u32 capacity) {
    static const char *const names[] = {"crash", "power loss", "disk errors", "data lost", "disk full"};
    u32 used = 0;
    out[0] = '\0';
    for (u32 bit = 0; bit < ARRAY_COUNT(names) && used < capacity; bit++) {
        if ((excuses & (1ull << bit)) == 0) continue;
        used += (u32)snprintf(out + used, capacity - used, "%s%s", used == 0 ? "" : ", ", names[bit]);
    }
    if (used == 0) snprintf(out, capacity, "none");
}

// What the summary says ran: each check name and how often it was reported. Any
// program may report any name (the fuzzers do): the summary is one line of text.
static void count_name(struct workload_counts *counts, const char *reported) {
    assert(counts->names_count <= WORKLOAD_NAMES_MAX);
    char name[ABI_REPORT_NAME_LEN_MAX + 1];
    snprintf(name, sizeof(name), "%s", reported);
    for (u32 at = 0; name[at] != '\0'; at++) {
        if (name[at] < ' ' || name[at] > '~') name[at] = '?';
    }
    for (u32 index = 0; index < counts->names_count; index++) {
        if (strcmp(counts->names[index].name, name) != 0) continue;
        counts->names[index].count++;
        return;
    }
    if (counts->names_count == WORKLOAD_NAMES_MAX) {
        counts->names_dropped++;
        return;
    }
    u32 index = counts->names_count++;
    memcpy(counts->names[index].name, name, sizeof(name));
    counts->names[index].count = 1;
}

// A commit, or a change refused while staging for want of room: the disk was full.
void workload_on_commit(struct sim *sim, struct platform *node, const struct trace_event *event) {
    assert(sim != NULL);
    bool commit_event = event->kind == TRACE_DB_COMMIT || event->kind == TRACE_FS_NO_ROOM;
    assert(commit_event);
    if (event->kind == TRACE_FS_NO_ROOM) {
        node->disk_full_seen = true;
        return;
    }
    if (event->c == 0) sim->workload.commits++;
    if ((i64)event->c == -E_NOSPC) node->disk_full_seen = true;
}

void workload_on_report(struct sim *sim, struct platform *node, const struct trace_event *event) {
    assert(sim != NULL);
    assert(node != NULL);
    assert(event != NULL);
    assert(event->kind == TRACE_REPORT);
    struct workload_counts *counts = &sim->workload;
    sim->invariant_checks[INV_WORKLOAD_CHECKS_PASS]++;
    counts->reports++;
    count_name(counts, node->kernel.report.name);
    u64 failures = event->b, excuses = event->c;
    if (failures == 0) return;
    counts->reports_failed++;
    u64 struck = workload_faults_struck(node);
    if ((excuses & struck) != 0) {
        counts->failures_excused += failures;
        return;
    }
    const struct kernel *k = &node->kernel;
    const char *program = k->current_slot < PROCS_MAX ? k->procs[k->current_slot].name : "?";
    u32 uid = k->current_slot < PROCS_MAX ? k->procs[k->current_slot].cred.ruid : 0;
    char allowed[64], seen[64], detail[INVARIANT_DETAIL_BYTES_MAX];
    excuses_text(excuses, allowed, sizeof(allowed));
    excuses_text(struck, seen, sizeof(seen));
    snprintf(detail, sizeof(detail),
             "pid %" PRIu64 " (%s, uid %u) reported check '%s': %" PRIu64 " failure%s (excused by: %s; "
             "faults that struck this node: %s)",
             event->a, program, uid, k->report.name, failures, failures == 1 ? "" : "s", allowed, seen);
    sim_violation(sim, node, INV_WORKLOAD_CHECKS_PASS, detail);
}

// init's end from the boot arguments, as init reads them (the last init.end= word wins;
// poweroff when there is none). True when it is one the node should reach.
static bool init_ends_machine(const char *bootargs, char *end, u32 capacity) {
    snprintf(end, capacity, "poweroff");
    for (const char *word = bootargs; *word != '\0';) {
        while (*word == ' ') word++;
        u32 length = 0;
        while (word[length] != '\0' && word[length] != ' ') length++;
        if (length > INIT_END_WORD_LEN && strncmp(word, INIT_END_WORD, INIT_END_WORD_LEN) == 0) {
            snprintf(end, capacity, "%.*s", (int)(length - INIT_END_WORD_LEN), word + INIT_END_WORD_LEN);
        }
        word += length;
    }
    return strcmp(end, "poweroff") == 0 || strcmp(end, "halt") == 0;
}

void workload_check_ends(struct sim *sim) {
    assert(sim != NULL);
    assert(sim->config.limits_from_scenario);
    char end[32];
    if (sim->config.time_limit_ns == 0) return; // a scenario limited by steps makes no time promise
    if (!init_ends_machine(sim->config.bootargs, end, sizeof(end))) return;
    for (u32 id = 0; id < sim->config.nodes_count; id++) {
        struct platform *node = sim->nodes[id];
        if (node->faults_seen[FAULT_POWER_LOSS] > 0) {
            sim->workload.ends_unchecked++;
            continue;
        }
        sim->workload.ends_checked++;
        sim->invariant_checks[INV_WORKLOAD_REACHES_END]++;
        if (node->state == NODE_OFF) continue;
        char detail[INVARIANT_DETAIL_BYTES_MAX];
        snprintf(detail, sizeof(detail),
                 "node %u is %s at the scenario's time limit (%" PRIu64 ".%03" PRIu64 " s): init.end=%s "
                 "was never reached (boot %u)",
                 id, node_state_text(node), sim->config.time_limit_ns / 1000000000u,
                 sim->config.time_limit_ns / 1000000u % 1000u, end, node->boots);
        sim_violation(sim, node, INV_WORKLOAD_REACHES_END, detail);
    }
}

// Whether init's end (from the boot arguments) closes a life: reboot, poweroff and halt
// do; idle and login never end, so their lives are not bounded.
static bool life_end_bounded(struct sim *sim) {
    struct workload_counts *counts = &sim->workload;
    if (counts->life_end < 0) {
        char end[32];
        bool ends = init_ends_machine(sim->config.bootargs, end, sizeof(end)) || strcmp(end, "reboot") == 0;
        counts->life_end = ends ? 1 : 0;
    }
    assert(counts->life_end >= 0);
    assert(counts->life_end <= 1);
    return counts->life_end == 1;
}

void workload_on_boot(struct sim *sim, struct platform *node, u32 cause) {
    assert(sim != NULL);
    assert(cause < BOOT_CAUSE_COUNT);
    node->life_start_ns = node->now_ns;
    node->life_latency_start_ns = node->latency_injected_ns;
    // A life that ended by init's reboot met the limit: the check below fires otherwise.
    if (cause != BOOT_REBOOT || sim->config.life_limit_ns == 0 || !life_end_bounded(sim)) return;
    sim->workload.lives_ended++;
    sim->invariant_checks[INV_WORKLOAD_REACHES_END]++;
}

void workload_check_life(struct sim *sim, struct platform *node) {
    assert(sim != NULL);
    assert(node != NULL);
    u64 limit_ns = sim->config.life_limit_ns;
    if (limit_ns == 0 || node->state != NODE_RUNNING || node->boots == 0) return;
    assert(node->now_ns >= node->life_start_ns);
    assert(node->latency_injected_ns >= node->life_latency_start_ns);
    // Injected disk latency slows a life down without any fault of the kernel's: the
    // limit is on the rest of its time, so that only a hang or a runaway loop fails it.
    u64 latency_ns = node->latency_injected_ns - node->life_latency_start_ns;
    u64 lived_ns = node->now_ns - node->life_start_ns;
    if (lived_ns <= limit_ns + latency_ns || !life_end_bounded(sim)) return;
    char end[32];
    init_ends_machine(sim->config.bootargs, end, sizeof(end));
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    snprintf(detail, sizeof(detail),
             "node %u's life %u (booted at %" PRIu64 ".%03" PRIu64 " s) has run longer than the scenario's "
             "life limit (%" PRIu64 ".%03" PRIu64 " s, plus the %" PRIu64 " ms of disk latency injected in it) "
             "without init reaching its end (init.end=%s)",
             node->id, node->boots, node->life_start_ns / 1000000000u, node->life_start_ns / 1000000u % 1000u,
             limit_ns / 1000000000u, limit_ns / 1000000u % 1000u, latency_ns / 1000000u, end);
    sim_violation(sim, node, INV_WORKLOAD_REACHES_END, detail);
}
