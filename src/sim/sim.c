// The event loop: step the live node with the earliest time (ties: lowest id), check
// the invariants on it, then let the fault streams act on it.
#include "sim/sim.h"
#include "faults/faults.h"
#include "faults/pcg32.h"
#include "kernel/kernel.h"
#include "sim/invariants/invariants.h"
#include "sim/liveness.h"
#include "sim/machine/network.h"
#include "sim/machine/node.h"
#include "sim/machine/streams.h"
#include "sim/trace.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sim *sim_create(const struct sim_config *config) {
    assert(config != NULL);
    assert(config->nodes_count >= 1);
    assert(config->nodes_count <= NODES_MAX);
    struct sim *sim = calloc(1, sizeof(*sim));
    if (sim == NULL) return NULL;
    sim->config = *config;
    sim->workload.life_end = -1; // read from the boot arguments when first needed
    if (!trace_init(&sim->trace, config->trace_file)) {
        free(sim);
        return NULL;
    }
    sim->trace.json = config->trace_json;
    sim->trace.stream = config->event_stream;
    pcg32_seed(&sim->swarm, config->seed, stream_id(STREAM_SWARM, 0));
    faults_swarm_resolve(&sim->swarm, config->faults, sim->faults);
    sim->network = network_create(sim);
    if (sim->network == NULL) {
        sim_destroy(sim);
        return NULL;
    }
    for (u32 id = 0; id < config->nodes_count; id++) {
        sim->nodes[id] = node_create(sim, id, config->seed);
        if (sim->nodes[id] == NULL) {
            sim_destroy(sim);
            return NULL;
        }
    }
    return sim;
}

void sim_destroy(struct sim *sim) {
    if (sim == NULL) return;
    for (u32 id = 0; id < NODES_MAX; id++) node_destroy(sim->nodes[id]);
    storage_scratch_destroy(sim->storage_scratch);
    zix_run_destroy(sim->zix_run);
    replica_check_destroy(sim->replica_check);
    network_destroy(sim->network);
    trace_deinit(&sim->trace);
    free(sim);
}

// The planted bug sim-nondeterministic, deliberately wrong: a host value (this
// process's id, different in every run) becomes an argument of one event.
static u64 bug_nondeterministic_b(const struct sim *sim, u32 kind, u64 b) {
    if (!sim->config.bug_sim_nondeterministic) return b;
    if (kind != TRACE_SIM_STEP || sim->step != SIM_BUG_NONDETERMINISTIC_STEP) return b;
    return b ^ (u64)getpid();
}

void sim_trace(struct platform *node, u32 kind, u64 a, u64 b, u64 c) {
    assert(node != NULL);
    assert(node->sim != NULL);
    struct sim *sim = node->sim;
    struct trace_event event = {.node = node->id, .kind = kind, .step = sim->step,
                                .time_ns = node->now_ns, .a = a,
                                .b = bug_nondeterministic_b(sim, kind, b), .c = c};
    trace_record(&sim->trace, &event);
    // The workload's verdicts are judged even with --no-invariants (invariants_on_event
    // skips the rest then).
    if (kind < TRACE_SIM_BASE && node->state == NODE_RUNNING) invariants_on_event(sim, node, &event);
}

void sim_count_fault(struct platform *node, u32 kind, u64 detail_b, u64 detail_c) {
    assert(node != NULL);
    assert(node->sim != NULL);
    assert(kind < FAULT_COUNT);
    node->sim->faults_injected[kind]++;
    node->faults_seen[kind]++;
    bool damage = kind == FAULT_DISK_LATENT_ERROR || kind == FAULT_DISK_CORRUPTION ||
                  kind == FAULT_DISK_LOST_WRITE || kind == FAULT_DISK_MISDIRECTED_WRITE;
    if (damage) node->invariants.storage_boot_damage++;
    sim_trace(node, TRACE_SIM_FAULT, kind, detail_b, detail_c);
}

// The node to step next: not off, earliest time, lowest id on ties. NULL: all off.
static struct platform *sim_pick(struct sim *sim) {
    struct platform *best = NULL;
    for (u32 id = 0; id < sim->config.nodes_count; id++) {
        struct platform *node = sim->nodes[id];
        if (node->state == NODE_OFF) continue;
        if (best == NULL || node->now_ns < best->now_ns) best = node;
    }
    return best;
}

static void after_stop(struct platform *node) {
    enum kernel_run_state run_state = node->kernel.run_state;
    if (run_state == KERNEL_REBOOTING) {
        u64 delay_ns = pcg32_range(&node->streams[STREAM_LATENCY], REBOOT_DELAY_MIN_NS,
                                   REBOOT_DELAY_MAX_NS);
        node_schedule_reboot(node, delay_ns);
        return;
    }
    // Halted, powered off (or a kernel that stopped while claiming to run: it will
    // not step again either way).
    node_turn_off(node, run_state);
}

static void apply_faults(struct platform *node) {
    node_clock_after_step(node);
    u64 delay_ns = 0;
    if (node_power_loss_strikes(node, &delay_ns)) node_power_loss(node, delay_ns);
}

// A power loss inside the kernel call (kernel_call.c) leaves the node down: nothing
// of the step is checked (its state is poison) and no other fault acts on it.
static void run_node_step(struct sim *sim, struct platform *node) {
    sim->current = node;
    if (node->state == NODE_DOWN) {
        if (node_boot(node)) {
            node_advance(node, SIM_STEP_COST_NS);
            if (!sim->config.no_invariants) invariants_after_step(sim, node);
            apply_faults(node);
        }
        sim->current = NULL;
        return;
    }
    enum kernel_step_result result = KERNEL_STEP_RAN;
    sleep_on_step_start(node);
    if (!node_kernel_call(node, &result)) {
        sim->current = NULL;
        return;
    }
    node_advance(node, SIM_STEP_COST_NS);
    sim_trace(node, TRACE_SIM_STEP, result, 0, 0);
    if (!sim->config.no_invariants) invariants_after_step(sim, node);
    if (result == KERNEL_STEP_STOPPED) after_stop(node);
    else apply_faults(node);
    sim->current = NULL;
}

bool sim_step(struct sim *sim, enum sim_end *end) {
    assert(sim != NULL);
    assert(end != NULL);
    struct platform *node = sim_pick(sim);
    if (node == NULL) {
        *end = SIM_END_ALL_OFF;
        return false;
    }
    if (sim->config.time_limit_ns != 0 && node->now_ns >= sim->config.time_limit_ns &&
        !liveness_holds_run(sim)) {
        *end = SIM_END_TIME;
        return false;
    }
    if (sim->config.steps_limit != 0 && sim->step >= sim->config.steps_limit) {
        *end = SIM_END_STEPS;
        return false;
    }
    sim->step++;
    u64 before_ns = node->now_ns;
    run_node_step(sim, node);
    workload_check_life(sim, node);
    // A power loss or reboot moves the node to when it comes back; that is not "now".
    u64 reached_ns = node->state == NODE_DOWN ? before_ns : node->now_ns;
    if (reached_ns > sim->time_ns) sim->time_ns = reached_ns;
    network_after_step(sim, node);
    if (liveness_after_step(sim, node)) {
        *end = SIM_END_CONVERGED;
        return false;
    }
    return true;
}

enum sim_end sim_run(struct sim *sim) {
    assert(sim != NULL);
    bool bounded = sim->config.time_limit_ns != 0 || sim->config.steps_limit != 0;
    assert(bounded); // a run without a time or steps limit would never end
    sim_set_panic_target(sim);
    enum sim_end end = SIM_END_ALL_OFF;
    while (sim_step(sim, &end)) {
        if (sim->config.progress && sim->step % SIM_PROGRESS_STEPS == 0) {
            fprintf(stderr, "basin-sim: step %" PRIu64 ", simulated %" PRIu64 ".%03" PRIu64 " s\n",
                    sim->step, sim->time_ns / 1000000000u, sim->time_ns / 1000000u % 1000u);
        }
    }
    for (u32 id = 0; id < sim->config.nodes_count; id++) console_flush(sim->nodes[id]);
    // A run the liveness phase ended early is cut short like one at its step limit.
    bool cut_short = end == SIM_END_STEPS || end == SIM_END_CONVERGED;
    if (!cut_short && sim->config.limits_from_scenario) workload_check_ends(sim);
    return end;
}
