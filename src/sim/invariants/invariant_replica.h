// The replicated keyspace's invariants and its Jepsen-style history checker (issue 14):
// what the simulator records of every client operation and every version, and the
// convergence test the liveness phase (sim/liveness.c) asks after the heal.
#pragma once

#include <stdio.h>

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

// ---- appended by the replsim helper: the checker's account and hooks ----------------------
struct trace_event;

// Bounds of the checker's host tables (grown on demand up to these). A table that is
// full stops the judgement it feeds (counted in replica_counts.unjudged), never a guess.
#define REPLICA_CHECK_WRITES_MAX (1u << 20)   // PUT_INVOKEs over a run, all nodes
#define REPLICA_CHECK_VERSIONS_MAX (1u << 19) // versions visible on one node in one boot
#define REPLICA_CHECK_KEYS_MAX (1u << 17)     // keys visible on one node in one boot
#define REPLICA_CHECK_TOUCHED_MAX 64u         // keys added to in one step, spot-checked after it
#define REPLICA_CHECK_RECENT_OPS 8u           // client operations shown with a violation

// What the replica invariants saw (the summary's `replica:` line).
struct replica_counts {
    u64 puts_invoked;
    u64 puts_acked;
    u64 puts_failed;
    u64 reads_checked;      // answers held to the visible versions
    u64 reads_errors;       // reads that failed (-E_IO, ...): nothing to compare
    u64 versions_added;     // ADDED, all nodes
    u64 versions_from_peers;
    u64 versions_loaded;
    u64 objects_checked;    // OBJECT_STORED and read values hashed
    u64 values_repaired;    // TRACE_REPLICA_REPAIRED
    u64 boots_checked;      // TRACE_REPLICA_BOOT: the node's acked writes all present
    u64 convergence_checks; // replica_cluster_converged calls
    u64 converged;          // of them, true
    u64 unjudged;           // observations not judged: a checker table was full
};

struct replica_check; // the checker's host tables (invariant_replica.c), NULL until needed
void replica_check_destroy(struct replica_check *check);
// TRACE_REPLICA_* events (invariant_events.c).
void replica_on_event(struct sim *sim, struct platform *node, const struct trace_event *event);
// After each step of a running node: the keys added to this step are spot-checked.
void replica_after_step(struct sim *sim, struct platform *node);
// The `replica:` line of the summary (nothing when the run used no replicated keyspace).
void replica_print_summary(const struct sim *sim, FILE *out);
