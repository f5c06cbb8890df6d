// The liveness phase (issue 14): at liveness.heal_at every fault kind is switched off for
// the rest of the run, partitions heal and the cut ends; from then the simulator asks
// replica_cluster_converged (sim/invariants/invariant_replica.h), at most once per
// simulated millisecond. The first true answer ends the run (SIM_END_CONVERGED, exit 0);
// heal_at + liveness.bound passing first is a liveness failure: a report like a
// violation's, then exit status LIVENESS_EXIT_FAILURE.
#pragma once

#include <stdio.h>

#include "kernel/lib/types.h"

#define LIVENESS_EXIT_FAILURE 3
#define LIVENESS_BOUND_DEFAULT_NS 10000000000ull // 10 s, when only heal_at is given
#define LIVENESS_WHY_BYTES_MAX 256
#define LIVENESS_CHECK_PERIOD_NS 1000000ull // one question per simulated millisecond
#define LIVENESS_NAME "replica_converges_after_heal" // what a liveness failure is named
#define BUG_SIM_NEVER_CONVERGES_NAME "sim-never-converges" // simulator-side, not in bugs.h

struct sim;
struct platform;

// After each step (node: the one stepped): heals at heal_at, then asks. True when the
// cluster converged: the run ends. A failure does not return.
bool liveness_after_step(struct sim *sim, struct platform *node);
// True while the phase holds the run past its time limit: healed, not converged yet
// (the bound, not the time limit, judges it: a heal that came late because a node's
// step jumped past heal_at must still get its whole bound).
bool liveness_holds_run(const struct sim *sim);
// `liveness: healed at T, converged after X ms (bound B)` (or that it did not heal or
// converge yet), when the run has a liveness phase.
void liveness_print_summary(const struct sim *sim, FILE *out);
