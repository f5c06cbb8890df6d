// PLACEHOLDER of the contract commit (issue 14): the replica invariants and the history
// checker are written against invariant_replica.h.
#include "sim/invariants/invariant_replica.h"

#include <assert.h>

#include "sim/sim.h"

void replica_on_observation(struct sim *sim, struct platform *node,
                            const struct replica_observation *observation) {
    assert(sim != NULL);
    assert(node != NULL);
    (void)observation;
}

bool replica_cluster_converged(struct sim *sim, char *why, u32 why_bytes) {
    assert(sim != NULL);
    assert(why != NULL);
    (void)why_bytes;
    return true;
}
