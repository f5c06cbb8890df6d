// A simulator for host unit tests: one node, no faults, a quiet kernel log. Tests fill
// in what they need between unit_sim_config() and unit_sim_start().
#pragma once

#include <stdio.h>
#include <string.h>

#include "sim/machine/node.h" // sim_set_panic_target
#include "sim/sim.h"

static void unit_sim_config(struct sim_config *config, u64 seed, u64 steps_limit, const char *bootargs) {
    assert(config != NULL);
    assert(bootargs != NULL);
    memset(config, 0, sizeof(*config));
    config->seed = seed;
    config->nodes_count = 1;
    config->steps_limit = steps_limit;
    config->log_level = LOG_WARN;
    snprintf(config->bootargs, sizeof(config->bootargs), "%s", bootargs);
    snprintf(config->command, sizeof(config->command), "test");
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) config->faults[kind].mode = FAULT_MODE_OFF;
}

// The sim of config; a panic inside it reports through it.
static struct sim *unit_sim_start(const struct sim_config *config) {
    struct sim *sim = sim_create(config);
    assert(sim != NULL);
    sim_set_panic_target(sim);
    return sim;
}

// One node on a blank disk of disk_bytes, recoverable faults only (none are switched
// on), stepped until its filesystem is mounted (and, with seed_file_done, until its first
// step has dealt with the seed file): a kernel for a test to drive directly. Asserts it
// got there.
static inline struct sim *unit_sim_boot_mounted(u64 seed, u64 steps_max, u64 disk_bytes, const char *bootargs,
                                                bool seed_file_done) {
    struct sim_config config;
    unit_sim_config(&config, seed, steps_max, bootargs);
    config.log_level = LOG_ERROR;
    config.disk_size_bytes = disk_bytes;
    config.disk_fault_scope = DISK_FAULTS_RECOVERABLE;
    struct sim *sim = unit_sim_start(&config);
    enum sim_end end;
    for (u64 i = 0; i < steps_max; i++) {
        const struct platform *node = sim->nodes[0];
        bool mounted = node->state == NODE_RUNNING && node->kernel.fs.state == FS_MOUNTED;
        // Tests that count log bytes stop before the seed file's rewrite reaches the log.
        bool seeded = !seed_file_done || (node->boots >= 1 && !node->kernel.random.seed_file_due);
        if (mounted && seeded) break;
        if (!sim_step(sim, &end)) break;
    }
    assert(sim->nodes[0]->kernel.fs.state == FS_MOUNTED);
    return sim;
}
