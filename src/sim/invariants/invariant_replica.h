// The replicated keyspace's invariants and its Jepsen-style history checker (issue 14):
// what the simulator records of every client operation and every version, and the
// convergence test the liveness phase (sim/liveness.c) asks after the heal.
#pragma once

#include "kernel/lib/types.h"

struct sim;
struct platform;
struct replica_observation;

// observe_sim.c: every OBSERVE_REPLICA event of a node.
void replica_on_observation(struct sim *sim, struct platform *node,
                            const struct replica_observation *observation);
// The liveness phase: true when every running node holds the same versions (equal Merkle
// roots) and the same current version of every key. When false, `why` (NUL-terminated,
// at most why_bytes) names the nodes that differ and one key or root that differs.
bool replica_cluster_converged(struct sim *sim, char *why, u32 why_bytes);
