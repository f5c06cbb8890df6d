// The liveness phase (liveness.h).
#include "sim/liveness.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults/faults.h"
#include "sim/invariants/invariant_replica.h"
#include "sim/machine/network.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "sim/trace_json.h"
#include "sim/violation.h"

static void print_ms(FILE *out, u64 time_ns) {
    fprintf(out, "%" PRIu64 ".%03" PRIu64 " ms", time_ns / 1000000u, time_ns / 1000u % 1000u);
}

// Every fault kind off for the rest of the run (a kind that is off draws nothing), the
// partition healed, the cut ended. Nodes that are down come back when scheduled.
static void heal(struct sim *sim, struct platform *node) {
    memcpy(sim->liveness.faults_before_heal, sim->faults, sizeof(sim->faults));
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) {
        sim->faults[kind].enabled = false;
        sim->faults[kind].rate_per_million = 0;
    }
    network_heal(sim->network, node);
    sim->liveness.healed = true;
    sim->liveness.healed_at_ns = sim->time_ns;
    sim_trace(node, TRACE_SIM_LIVENESS_HEAL, sim->time_ns, sim->config.liveness_bound_ns, 0);
}

static _Noreturn void liveness_failure(struct sim *sim, struct platform *node, const char *why) {
    FILE *out = stdout;
    for (u32 id = 0; id < sim->config.nodes_count; id++) console_flush(sim->nodes[id]);
    fprintf(out, "\nliveness failure: not converged within ");
    print_ms(out, sim->config.liveness_bound_ns);
    fprintf(out, " after the heal at ");
    print_ms(out, sim->liveness.healed_at_ns);
    fprintf(out, "\n  seed: %" PRIu64 "\n  step: %" PRIu64 "\n  node: %u (last stepped)\n",
            sim->config.seed, sim->step, node->id);
    fprintf(out, "  why: %s\n", why);
    sim_print_recent_events(sim, out);
    fprintf(out, "result: FAIL (liveness: %s)\n", LIVENESS_NAME);
    fprintf(out, "trace hash: %016" PRIx64 " (up to the failure)\n", trace_hash(&sim->trace));
    fprintf(out, "reproduce: %s\n", sim->config.command);
    fflush(out);
    if (sim->config.trace_file != NULL) fflush(sim->config.trace_file);
    if (sim->trace.json != NULL && !trace_json_finish(sim->trace.json)) {
        fprintf(stderr, "basin-sim: writing the --trace-json file failed\n");
    }
    if (sim->config.liveness_hook != NULL) sim->config.liveness_hook(sim);
    exit(LIVENESS_EXIT_FAILURE);
}

static bool converged(struct sim *sim, char *why, u32 why_bytes) {
    snprintf(why, why_bytes, "(no reason given)");
    bool answer = replica_cluster_converged(sim, why, why_bytes);
    if (sim->config.bug_sim_never_converges) {
        snprintf(why, why_bytes, "the planted bug %s answers 'not converged'", BUG_SIM_NEVER_CONVERGES_NAME);
        return false;
    }
    return answer;
}

bool liveness_after_step(struct sim *sim, struct platform *node) {
    assert(sim != NULL);
    assert(node != NULL);
    struct sim_liveness *l = &sim->liveness;
    if (sim->config.liveness_heal_at_ns == 0 || l->converged) return false;
    if (!l->healed) {
        if (sim->time_ns < sim->config.liveness_heal_at_ns) return false;
        heal(sim, node);
    }
    u64 now_ms = sim->time_ns / LIVENESS_CHECK_PERIOD_NS;
    if (l->checks > 0 && now_ms == l->last_check_ms) return false;
    l->checks++;
    l->last_check_ms = now_ms;
    char why[LIVENESS_WHY_BYTES_MAX];
    if (converged(sim, why, sizeof(why))) {
        l->converged = true;
        l->convergence_ns = sim->time_ns - l->healed_at_ns;
        sim_trace(node, TRACE_SIM_LIVENESS_CONVERGED, l->convergence_ns, 0, 0);
        return true;
    }
    if (sim->time_ns - l->healed_at_ns >= sim->config.liveness_bound_ns) liveness_failure(sim, node, why);
    return false;
}

bool liveness_holds_run(const struct sim *sim) {
    assert(sim != NULL);
    const struct sim_liveness *l = &sim->liveness;
    if (sim->config.liveness_heal_at_ns == 0) return false;
    return l->healed && !l->converged;
}

void liveness_print_summary(const struct sim *sim, FILE *out) {
    assert(sim != NULL);
    assert(out != NULL);
    const struct sim_liveness *l = &sim->liveness;
    if (sim->config.liveness_heal_at_ns == 0) return;
    if (!l->healed) {
        fprintf(out, "liveness: not healed yet (heal at ");
        print_ms(out, sim->config.liveness_heal_at_ns);
        fprintf(out, ")\n");
        return;
    }
    fprintf(out, "liveness: healed at ");
    print_ms(out, l->healed_at_ns);
    if (l->converged) {
        fprintf(out, ", converged after ");
        print_ms(out, l->convergence_ns);
    } else {
        fprintf(out, ", not converged yet");
    }
    fprintf(out, " (bound ");
    print_ms(out, sim->config.liveness_bound_ns);
    fprintf(out, "), %" PRIu64 " checks\n", l->checks);
}
