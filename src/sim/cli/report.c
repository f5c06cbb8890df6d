// What a run prints: its settings first, its summary last (the report of a violated
// invariant is sim/violation.c).
#include <inttypes.h>
#include <stdlib.h>

#include "faults/faults.h"
#include "sim/cli/options.h"
#include "sim/cli/parse.h"
#include "sim/invariants/invariants.h"
#include "sim/liveness.h"
#include "sim/machine/disk.h"
#include "sim/machine/network.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"

static void print_time(FILE *out, u64 time_ns) {
    fprintf(out, "%" PRIu64 ".%09" PRIu64 " s", time_ns / 1000000000u, time_ns % 1000000000u);
}

static const char *disk_scope_name(enum disk_fault_scope scope) {
    if (scope == DISK_FAULTS_CHECKPOINT) return "recoverable; media damage only on checkpoints being recovered, lost writes only on repairs";
    return scope == DISK_FAULTS_UNRESTRICTED ? "unrestricted" : "recoverable";
}

static void print_disk_settings(const struct sim *sim, FILE *out) {
    const struct sim_config *config = &sim->config;
    if (config->disk_size_bytes == 0) {
        fprintf(out, "disk: none\n");
        return;
    }
    const struct sim_disk *disk = &sim->nodes[0]->disk;
    fprintf(out, "disk: %" PRIu64 " sectors of %u bytes per node; faults %s; atlas: %u copy group%s",
            disk->sector_count, DISK_SECTOR_BYTES, disk_scope_name(config->disk_fault_scope),
            disk->groups_count, disk->groups_count == 1 ? "" : "s");
    for (u32 g = 0; g < disk->groups_count; g++) {
        const struct disk_copy_group *group = &disk->groups[g];
        fprintf(out, "%s %u x %" PRIu64 " sectors from %" PRIu64 " stride %" PRIu64, g == 0 ? ":" : ";",
                group->copies, group->sector_count, group->first_sector, group->stride_sectors);
    }
    fprintf(out, "\n");
}

// Only for a cluster or a liveness phase: runs without either print what they did.
static void print_net_settings(const struct sim *sim, FILE *out) {
    const struct sim_config *config = &sim->config;
    const struct network *network = sim->network;
    if (network->cluster) {
        fprintf(out, "cluster: %u nodes (node I boots with replica.node=I), latency %" PRIu64 "..%" PRIu64
                " us per datagram%s\n",
                network->nodes_count, network->latency_min_ns / 1000u, network->latency_max_ns / 1000u,
                config->net_cut_until_heal ? ", every link cut until the heal" : "");
    }
    if (config->liveness_heal_at_ns == 0) return;
    fprintf(out, "liveness phase: heal at ");
    print_time(out, config->liveness_heal_at_ns);
    fprintf(out, ", bound ");
    print_time(out, config->liveness_bound_ns);
    fprintf(out, "\n");
}

void sim_print_settings(const struct sim *sim, FILE *out) {
    assert(sim != NULL);
    assert(out != NULL);
    const struct sim_config *config = &sim->config;
    fprintf(out, "seed: %" PRIu64 "\n", config->seed);
    fprintf(out, "scenario: %s; nodes %u; ", config->scenario_name, config->nodes_count);
    if (config->time_limit_ns != 0) {
        fprintf(out, "time ");
        print_time(out, config->time_limit_ns);
        fprintf(out, "; ");
    }
    if (config->steps_limit != 0) fprintf(out, "steps %" PRIu64 "; ", config->steps_limit);
    fprintf(out, "bootargs \"%s\"\n", config->bootargs);
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) {
        const struct fault_setting *setting = &sim->faults[kind];
        fprintf(out, "fault %-22s %-3s (%s)", fault_name(kind), setting->enabled ? "on" : "off",
                fault_mode_name(config->faults[kind].mode));
        if (setting->enabled) fprintf(out, " rate %u %s", setting->rate_per_million, fault_rate_unit(kind));
        fprintf(out, "\n");
    }
    print_disk_settings(sim, out);
    print_net_settings(sim, out);
    fprintf(out, "bugs:");
    bool any = false;
    for (u32 bug = BUG_NONE + 1; bug < BUG_COUNT; bug++) {
        if (!config->bugs[bug]) continue;
        fprintf(out, " %s", bug_name(bug));
        any = true;
    }
    if (config->bug_sim_nondeterministic) fprintf(out, " %s", BUG_SIM_NONDETERMINISTIC_NAME);
    if (config->bug_sim_never_converges) fprintf(out, " %s", BUG_SIM_NEVER_CONVERGES_NAME);
    any = any || config->bug_sim_nondeterministic || config->bug_sim_never_converges;
    fprintf(out, "%s\n", any ? "" : " none");
    fflush(out);
}

static const char *end_text(enum sim_end end) {
    switch (end) {
    case SIM_END_ALL_OFF: return "all nodes off";
    case SIM_END_TIME: return "time limit reached";
    case SIM_END_STEPS: return "step limit reached";
    case SIM_END_CONVERGED: return "converged";
    }
    return "unknown";
}

// The storage lines of the summary: only for a run with a disk.
static void print_storage_summary(const struct sim *sim, FILE *out) {
    assert(sim->config.disk_size_bytes != 0);
    u64 refused = 0;
    for (u32 id = 0; id < sim->config.nodes_count; id++) refused += sim->nodes[id]->disk.atlas_refused;
    fprintf(out, "disk faults refused by the atlas: %" PRIu64 " (%s)\n", refused,
            disk_scope_name(sim->config.disk_fault_scope));
    u64 fsck_skipped = 0;
    u64 state_skipped = 0;
    u64 lost_excused = 0;
    u64 fsck_damaged = 0;
    for (u32 id = 0; id < sim->config.nodes_count; id++) {
        fsck_damaged += sim->nodes[id]->storage.fsck_damaged_recoveries;
        fsck_skipped += sim->nodes[id]->storage.fsck_skipped;
        state_skipped += sim->nodes[id]->storage.state_skipped;
        lost_excused += sim->nodes[id]->storage.lost_excused;
    }
    fprintf(out, "acknowledged commits lost with every copy destroyed (unrestricted): %" PRIu64 "\n",
            lost_excused);
    fprintf(out, "storage checks deferred by their cost budget: fsck after %" PRIu64
            " uneventful recoveries, merkle and tree after %" PRIu64 " commits\n",
            fsck_skipped, state_skipped);
    fprintf(out, "fsck not held after recoveries that media damage struck: %" PRIu64 "\n", fsck_damaged);
    fprintf(out, "repairs read back: %" PRIu64 " pieces checked, %" PRIu64 " reported unverified by GrainDB; "
            "acknowledged files not checked (no inspectable filesystem): %" PRIu64 "\n",
            sim->invariant_checks[INV_REPAIRS_READ_BACK], sim->repairs_unverified, sim->files_unchecked);
    fprintf(out, "mounts that replayed the log past a damaged checkpoint: %" PRIu64 " (%" PRIu64
            " with no room for a new one: un-named)\n",
            sim->checkpoints_damaged_at_mount, sim->checkpoints_unnamed_at_mount);
    u64 compactions = 0;
    for (u32 id = 0; id < sim->config.nodes_count; id++) compactions += sim->nodes[id]->storage.compactions;
    fprintf(out, "storage compactions seen (GrainDB generations, all nodes): %" PRIu64 "\n", compactions);
}

#define WORKLOAD_NAME_PRINT_BYTES 32

// What the run exercised: lives and how they ended, the workload's checks by name (how
// far the workload got), syscalls and GrainDB commits.
static void print_ran(const struct sim *sim, FILE *out) {
    assert(sim != NULL);
    assert(out != NULL);
    u32 boots = 0, by_cause[BOOT_CAUSE_COUNT] = {0};
    for (u32 id = 0; id < sim->config.nodes_count; id++) {
        const struct platform *node = sim->nodes[id];
        boots += node->boots;
        for (u32 cause = 0; cause < BOOT_CAUSE_COUNT; cause++) by_cause[cause] += node->boots_by_cause[cause];
    }
    const struct workload_counts *workload = &sim->workload;
    fprintf(out, "ran: %u boots (%u cold, %u after init's reboot, %u after a power loss); %" PRIu64
            " lives held to the life limit reached init's end; %" PRIu64 " syscalls; %" PRIu64 " GrainDB commits\n",
            boots, by_cause[BOOT_COLD], by_cause[BOOT_REBOOT], by_cause[BOOT_POWER_LOSS], workload->lives_ended,
            sim->security.syscalls, workload->commits);
    fprintf(out, "workload checks reported:");
    if (workload->names_count == 0) fprintf(out, " none");
    for (u32 index = 0; index < workload->names_count; index++) {
        // Any program may report any name (the fuzzers do): a bounded, printable part.
        fprintf(out, "%s %.*s %" PRIu64, index == 0 ? "" : ",", WORKLOAD_NAME_PRINT_BYTES, workload->names[index].name,
                workload->names[index].count);
    }
    if (workload->names_dropped > 0) fprintf(out, "; %" PRIu64 " more under other names", workload->names_dropped);
    fprintf(out, "\n");
}

// What z6 did (the z6 invariants' model counted it): printed once z6 booted.
static void print_z6(const struct sim *sim, FILE *out) {
    const struct z6_counts *z6 = &sim->z6;
    assert(out != NULL);
    if (z6->boots == 0) return;
    fprintf(out, "z6: %" PRIu64 " boots; %" PRIu64 " spawns (%" PRIu64 " restarts, %" PRIu64 " failed), %" PRIu64
            " finishes; %" PRIu64 " crashes, %" PRIu64 " clean exits; %" PRIu64 " TERMs, %" PRIu64 " KILLs; %" PRIu64
            " services failed at their crash limit; %" PRIu64 " commands\n",
            z6->boots, z6->spawns, z6->restarts, z6->spawn_failures, z6->finishes, z6->crashes, z6->clean_exits,
            z6->terms, z6->kills, z6->failed, z6->commands);
}

// What Zix did (the zix invariants counted it): printed once it did anything.
static void print_zix(const struct sim *sim, FILE *out) {
    const struct zix_counts *zix = &sim->zix;
    assert(out != NULL);
    if (zix->builds + zix->cache_hits + zix->registered + zix->leftovers_removed == 0) return;
    fprintf(out, "zix: %" PRIu64 " builds, %" PRIu64 " cache hits, %" PRIu64 " registered, %" PRIu64 " failed, %" PRIu64
            " checks same; %" PRIu64 " gc deletions; %" PRIu64 " sandbox refusals, %" PRIu64 " accesses judged; %" PRIu64
            " leftovers removed; %" PRIu64 " trees hashed (%" PRIu64 " unreadable); %" PRIu64 " not judged\n",
            zix->builds, zix->cache_hits, zix->registered, zix->failed, zix->checks_same, zix->gc_deletions,
            zix->sandbox_refusals, zix->sandbox_allowed, zix->leftovers_removed, zix->trees_hashed, zix->trees_unreadable,
            zix->unchecked);
}

void sim_print_summary(const struct sim *sim, enum sim_end end, FILE *out) {
    assert(sim != NULL);
    assert(out != NULL);
    fprintf(out, "result: pass (%s)\n", end_text(end));
    fprintf(out, "steps: %" PRIu64 "\n", sim->step);
    fprintf(out, "simulated time: ");
    print_time(out, sim->time_ns);
    fprintf(out, "\nfaults injected:");
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) {
        fprintf(out, " %s %" PRIu64 "%s", fault_name(kind), sim->faults_injected[kind],
                kind + 1 < FAULT_COUNT ? "," : "\n");
    }
    fprintf(out, "power losses by site:");
    for (u32 site = 0; site < POWER_LOSS_SITE_COUNT; site++) {
        fprintf(out, " %s %" PRIu64 "%s", power_loss_site_name((enum power_loss_site)site),
                sim->power_loss_sites[site], site + 1 < POWER_LOSS_SITE_COUNT ? "," : "\n");
    }
    if (sim->config.disk_size_bytes != 0) print_storage_summary(sim, out);
    u64 total = 0;
    for (u32 id = 0; id < INVARIANT_COUNT; id++) total += sim->invariant_checks[id];
    fprintf(out, "invariant checks: %" PRIu64 " (", total);
    for (u32 id = 0; id < INVARIANT_COUNT; id++) {
        fprintf(out, "%s %" PRIu64 "%s", invariant_name(id), sim->invariant_checks[id],
                id + 1 < INVARIANT_COUNT ? ", " : ")\n");
    }
    const struct security_counts *security = &sim->security;
    fprintf(out, "security: %" PRIu64 " syscalls; %" PRIu64 " denials checked to change nothing (%" PRIu64
            " without a snapshot); %" PRIu64 " filesystem changes by non-root held to the permission model\n",
            security->syscalls, security->denials_checked, security->denials_unchecked,
            security->non_root_changes_checked);
    const struct workload_counts *workload = &sim->workload;
    fprintf(out, "workload: %" PRIu64 " verdicts reported (%" PRIu64 " with failures, %" PRIu64
            " failures excused by the faults they named); %" PRIu64 " nodes held to reaching init's end (%" PRIu64
            " not: they lost power)\n",
            workload->reports, workload->reports_failed, workload->failures_excused, workload->ends_checked,
            workload->ends_unchecked);
    print_ran(sim, out);
    print_z6(sim, out);
    print_zix(sim, out);
    replica_print_summary(sim, out);
    network_print_summary(sim->network, out);
    liveness_print_summary(sim, out);
    u64 instructions = 0;
    for (u32 id = 0; id < sim->config.nodes_count; id++) instructions += sim->nodes[id]->user_instructions;
    fprintf(out, "user instructions: %" PRIu64 "\n", instructions);
    fprintf(out, "trace events: %" PRIu64 "\n", sim->trace.count);
    fprintf(out, "trace hash: %016" PRIx64 "\n", trace_hash(&sim->trace));
    for (u32 id = 0; id < sim->config.nodes_count; id++) {
        const struct platform *node = sim->nodes[id];
        fprintf(out, "node %u: boots %u, %s\n", id, node->boots, node_state_text(node));
    }
    fflush(out);
}
