// z6_log_lines_kept: every line the kernel says it wrote to a z6 service's log is in
// the log's files.
//
// The kernel traces each line it appends (TRACE_Z6_LOG_LINE: service, FNV-1a, bytes)
// and each it drops (TRACE_Z6_LOG_DROPPED: service, drops so far, error). Apart from
// that, it counts what the files grew by as the filesystem reports their sizes around
// each append (z6host_log.h: grown_bytes). After each step the simulator compares, per
// service, the bytes of the lines traced this boot with that growth: a line that is
// traced but not written (a rotation that loses it, a write to the wrong file that is
// then renamed away, an append at the wrong offset that overwrites) makes them differ.
// Lines beyond the rotation bounds leave with whole archives, after being counted, so
// they never make a difference; drops are traced and must come in order (1, 2, ...).
// Both sides start at 0 at each boot (the kernel's z6 state and the node's shadow).
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kernel/kernel.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/violation.h"

void z6_log_reloaded(struct platform *node) {
    struct invariant_node_state *state = &node->invariants;
    const struct z6_reload_counts *counts = &node->kernel.z6.reload_counts;
    assert(counts->old_count <= Z6_SERVICES_MAX);
    memcpy(state->z6_logs_moving, state->z6_logs, sizeof state->z6_logs_moving);
    memset(state->z6_logs, 0, sizeof state->z6_logs);
    for (u32 j = 0; j < counts->old_count; j++) {
        u32 moved = counts->moved_to[j];
        assert(moved <= Z6_SERVICES_MAX);
        if (moved < Z6_SERVICES_MAX) state->z6_logs[moved] = state->z6_logs_moving[j];
    }
}

void z6_log_on_event(struct sim *sim, struct platform *node, const struct trace_event *event) {
    assert(sim != NULL);
    bool z6_log_event = event->kind == TRACE_Z6_LOG_LINE || event->kind == TRACE_Z6_LOG_DROPPED;
    assert(z6_log_event);
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    if (event->a >= Z6_SERVICES_MAX) {
        snprintf(detail, sizeof detail, "a log line traced for service index %" PRIu64 " (at most %u services)",
                 event->a, Z6_SERVICES_MAX);
        sim_violation(sim, node, INV_Z6_LOG_LINES_KEPT, detail);
        return;
    }
    struct z6_log_shadow *shadow = &node->invariants.z6_logs[event->a];
    if (event->kind == TRACE_Z6_LOG_LINE) {
        shadow->lines++;
        shadow->bytes += event->c;
        return;
    }
    shadow->dropped++;
    sim->invariant_checks[INV_Z6_LOG_LINES_KEPT]++;
    if (event->b == shadow->dropped) return;
    snprintf(detail, sizeof detail, "service %" PRIu64 ": the kernel says %" PRIu64 " lines dropped, %" PRIu64
             " drops were traced", event->a, event->b, shadow->dropped);
    sim_violation(sim, node, INV_Z6_LOG_LINES_KEPT, detail);
}

void z6_log_after_step(struct sim *sim, struct platform *node) {
    assert(sim != NULL);
    assert(node != NULL);
    const struct kernel *k = &node->kernel;
    if (!k->z6.hosted) return;
    for (u32 i = 0; i < k->z6.engine.service_count; i++) {
        const struct z6_log *log = &k->z6.logs.services[i];
        const struct z6_log_shadow *shadow = &node->invariants.z6_logs[i];
        sim->invariant_checks[INV_Z6_LOG_LINES_KEPT]++;
        if (log->grown_bytes == shadow->bytes && log->lines == shadow->lines) continue;
        char detail[INVARIANT_DETAIL_BYTES_MAX];
        snprintf(detail, sizeof detail,
                 "service %s: %" PRIu64 " lines (%" PRIu64 " bytes) traced as written to its log this boot, "
                 "but its log files grew by %" PRIu64 " bytes (the kernel counts %" PRIu64 " lines, %" PRIu64
                 " rotations, %" PRIu64 " dropped)",
                 k->z6.engine.services[i].config.name, shadow->lines, shadow->bytes, log->grown_bytes, log->lines,
                 log->rotations, log->dropped);
        sim_violation(sim, node, INV_Z6_LOG_LINES_KEPT, detail);
    }
}
