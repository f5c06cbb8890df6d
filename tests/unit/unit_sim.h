// A simulator for host unit tests: one node, no faults, a quiet kernel log. Tests fill
// in what they need between unit_sim_config() and unit_sim_start().
#pragma once

#include <stdio.h>
#include <string.h>

#include "sim/sim.h"

static void unit_sim_config(struct sim_config *config, u64 seed, u64 steps_limit, const char *bootargs) {
    assert(config != NULL && bootargs != NULL);
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
