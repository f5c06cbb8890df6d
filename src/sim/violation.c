// The report of a violated invariant (violation.h).
#include "sim/violation.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "sim/trace_json.h"

void sim_print_recent_events(const struct sim *sim, FILE *out) {
    struct trace_event events[SIM_REPORT_EVENTS];
    u32 count = trace_recent(&sim->trace, events, SIM_REPORT_EVENTS);
    fprintf(out, "last %u trace events:\n", count);
    for (u32 i = 0; i < count; i++) {
        char line[TRACE_LINE_BYTES_MAX];
        trace_format(&events[i], line, sizeof(line));
        fprintf(out, "  %s\n", line);
    }
}

_Noreturn void sim_violation(struct sim *sim, struct platform *node, u32 invariant,
                             const char *detail) {
    assert(sim != NULL);
    assert(detail != NULL);
    assert(invariant < INVARIANT_COUNT);
    FILE *out = stdout;
    if (node != NULL) {
        console_flush(node);
        sim_trace(node, TRACE_SIM_VIOLATION, invariant, 0, 0);
    }
    fprintf(out, "\ninvariant violated: %s\n", invariant_name(invariant));
    fprintf(out, "  seed: %" PRIu64 "\n  step: %" PRIu64 "\n", sim->config.seed, sim->step);
    if (node != NULL) {
        fprintf(out, "  node: %u (boot %u, simulated time ", node->id, node->boots);
        fprintf(out, "%" PRIu64 ".%09" PRIu64 " s)\n", node->now_ns / 1000000000u,
                node->now_ns % 1000000000u);
    } else {
        fprintf(out, "  node: none\n");
    }
    fprintf(out, "  detail: %s\n", detail);
    sim_print_recent_events(sim, out);
    if (node != NULL) {
        fprintf(out, "last console lines of node %u:\n", node->id);
        console_print_tail(node, out, SIM_REPORT_CONSOLE_LINES);
    }
    fprintf(out, "result: FAIL (invariant %s)\n", invariant_name(invariant));
    fprintf(out, "trace hash: %016" PRIx64 " (up to the violation)\n", trace_hash(&sim->trace));
    fprintf(out, "reproduce: %s\n", sim->config.command);
    fflush(out);
    if (sim->config.trace_file != NULL) fflush(sim->config.trace_file);
    // The run ends here: close the JSON so the timeline opens up to the violation.
    if (sim->trace.json != NULL && !trace_json_finish(sim->trace.json)) {
        fprintf(stderr, "basin-sim: writing the --trace-json file failed\n");
    }
    if (sim->config.violation_hook != NULL) sim->config.violation_hook(sim, invariant);
    exit(1);
}
