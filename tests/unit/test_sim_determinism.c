// Determinism of whole runs (same seed, same trace hash), and the stream discipline
// that keeps one purpose's draws independent of the others.
#include <stdio.h>
#include <string.h>

#include "faults/faults.h"
#include "faults/pcg32.h"
#include "kernel/kernel.h"
#include "sim/machine/streams.h"
#include "sim/sim.h"
#include "sim/trace.h"

static u32 failures;

static void check(bool ok, const char *name, const char *reason) {
    if (ok) {
        printf("ok %s\n", name);
    } else {
        printf("not ok %s - %s\n", name, reason);
        failures++;
    }
}

struct outcome {
    u64 hash;
    u64 steps;
    u64 time_ns;
    u64 faults[FAULT_COUNT];
};

static struct outcome run(u64 seed, u32 nodes, enum fault_mode mode) {
    struct sim_config config;
    memset(&config, 0, sizeof(config));
    config.seed = seed;
    config.nodes_count = nodes;
    config.steps_limit = 800;
    config.time_limit_ns = 2000000000ull;
    config.log_level = LOG_WARN;
    snprintf(config.bootargs, sizeof(config.bootargs), "init.end=poweroff loglevel=warn");
    snprintf(config.command, sizeof(config.command), "test");
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) {
        config.faults[kind].mode = mode;
        config.faults[kind].rate_given = mode == FAULT_MODE_ON;
        config.faults[kind].rate_per_million = 2000;
    }
    struct sim *sim = sim_create(&config);
    assert(sim != NULL);
    (void)sim_run(sim);
    struct outcome result = {.hash = trace_hash(&sim->trace), .steps = sim->step,
                             .time_ns = sim->time_ns};
    memcpy(result.faults, sim->faults_injected, sizeof(result.faults));
    sim_destroy(sim);
    return result;
}

static bool same(const struct outcome *a, const struct outcome *b) {
    return a->hash == b->hash && a->steps == b->steps && a->time_ns == b->time_ns &&
           memcmp(a->faults, b->faults, sizeof(a->faults)) == 0;
}

static void test_runs(void) {
    struct outcome first = run(11, 2, FAULT_MODE_ON);
    struct outcome again = run(11, 2, FAULT_MODE_ON);
    check(same(&first, &again), "same_seed_same_run", "hash, steps, time or faults differ");
    u64 injected = 0;
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) injected += first.faults[kind];
    check(injected > 0, "faults_injected_when_on", "no fault injected at 2000 per million");
    struct outcome other = run(12, 2, FAULT_MODE_ON);
    check(other.hash != first.hash, "other_seed_other_run", "two seeds gave the same trace hash");
    struct outcome quiet = run(11, 1, FAULT_MODE_OFF);
    struct outcome quiet_again = run(11, 1, FAULT_MODE_OFF);
    u64 none = 0;
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) none += quiet.faults[kind];
    check(same(&quiet, &quiet_again) && none == 0, "no_faults_run_repeats",
          "fault-free run differs or injected faults");
}

static void test_swarm_independence(void) {
    struct fault_request requests[FAULT_COUNT];
    memset(requests, 0, sizeof(requests));
    struct fault_setting base[FAULT_COUNT];
    struct pcg32 swarm;
    pcg32_seed(&swarm, 77, stream_id(STREAM_SWARM, 0));
    faults_swarm_resolve(&swarm, requests, base);
    bool independent = true;
    for (u32 forced = 0; forced < FAULT_COUNT; forced++) {
        struct fault_request changed[FAULT_COUNT];
        memcpy(changed, requests, sizeof(changed));
        changed[forced].mode = FAULT_MODE_ON;
        changed[forced].rate_given = true;
        changed[forced].rate_per_million = 123;
        struct fault_setting settings[FAULT_COUNT];
        pcg32_seed(&swarm, 77, stream_id(STREAM_SWARM, 0));
        faults_swarm_resolve(&swarm, changed, settings);
        for (u32 kind = 0; kind < FAULT_COUNT; kind++) {
            if (kind == forced) {
                independent = independent && settings[kind].enabled &&
                              settings[kind].rate_per_million == 123;
            } else {
                independent = independent && settings[kind].enabled == base[kind].enabled &&
                              settings[kind].rate_per_million == base[kind].rate_per_million;
            }
        }
    }
    check(independent, "swarm_choice_per_kind_independent",
          "fixing one kind changed another kind's swarm choice");

    bool distinct = true;
    for (u32 p1 = 0; p1 < STREAM_COUNT; p1++) {
        for (u32 n1 = 0; n1 < NODES_MAX; n1++) {
            for (u32 p2 = 0; p2 < STREAM_COUNT; p2++) {
                for (u32 n2 = 0; n2 < NODES_MAX; n2++) {
                    if (p1 == p2 && n1 == n2) continue;
                    distinct = distinct && stream_id((enum sim_stream)p1, n1) !=
                                               stream_id((enum sim_stream)p2, n2);
                }
            }
        }
    }
    check(distinct, "stream_ids_distinct", "two purposes or nodes share a stream id");
}

int main(void) {
    test_runs();
    test_swarm_independence();
    return failures == 0 ? 0 : 1;
}
