// The simulator's side of observe.h: the one entry point through which the portable
// code shows what it does. Each kind goes where the platform hooks sent it before:
// trace events into the run's trace, filesystem changes to the permission model and
// the acknowledged-files invariant, planted-bug sites to the --bug switches, objects
// called damaged to damage_is_real.
#include "sim/invariants/invariant_replica.h"
#include "kernel/observe.h"
#include "kernel/kernel.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/invariants/invariant_zix.h"
#include "sim/sim.h"
#include "sim/trace.h"

static void observe_fs_change_sim(struct platform *p, const struct fs_change *change) {
    assert(change != NULL);
    assert(p->sim != NULL);
    if (p->sim->config.no_invariants) return;
    writes_on_change(p->sim, p, change);
    files_on_change(p, change);
    zix_on_fs_change(p->sim, p, change);
}

bool observe(struct platform *p, const struct observe_event *event) {
    assert(p != NULL);
    assert(event != NULL);
    switch (event->kind) {
    case OBSERVE_TRACE:
        assert(!p->inspecting); // an inspection must leave no trace
        assert(event->trace.kind != TRACE_NONE);
        assert(event->trace.kind < TRACE_SIM_BASE);
        sim_trace(p, event->trace.kind, event->trace.a, event->trace.b, event->trace.c);
        return false;
    case OBSERVE_FS_CHANGE:
        observe_fs_change_sim(p, event->fs_change);
        return false;
    case OBSERVE_OBJECT_DAMAGED:
        assert(p->sim != NULL);
        if (!p->sim->config.no_invariants) damage_on_object_damaged(p->sim, p, event->object_hash);
        return false;
    case OBSERVE_REPLICA:
        assert(p->sim != NULL);
        if (!p->sim->config.no_invariants) replica_on_observation(p->sim, p, event->replica);
        return false;
    case OBSERVE_BUG_SITE:
        assert(p->sim != NULL);
        assert(event->bug < BUG_COUNT);
        return p->sim->config.bugs[event->bug];
    }
    assert(!"unknown observe_event kind");
    return false;
}
