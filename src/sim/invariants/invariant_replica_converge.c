// replica_converges_after_heal, asked by the liveness phase after the heal: every running
// node holds the same versions (equal Merkle roots) and gives every key the same current
// version; then (a safety check, not a liveness one) every acked put is held everywhere.
// Also the `replica:` summary line.
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/invariants/invariant_replica_internal.h"
#include "sim/machine/node.h"
#include "sim/sim.h"

// The first key of a's engine whose current version differs on b (false: none).
static bool current_differs(const struct replica *a, const struct replica *b, char *why, u32 why_bytes, u32 a_id,
                            u32 b_id) {
    u32 keys = a->keys_count <= REPLICA_KEYS_MAX ? a->keys_count : REPLICA_KEYS_MAX;
    for (u32 i = 0; i < keys; i++) {
        const struct replica_key_entry *key = &a->keys[i];
        u32 key_len = key->key_len <= REPLICA_KEY_BYTES_MAX ? key->key_len : REPLICA_KEY_BYTES_MAX;
        struct replica_version in_a, in_b;
        u32 count_a = 0, count_b = 0;
        i64 result_a = replica_get(a, key->key, key_len, &in_a, &count_a);
        i64 result_b = replica_get(b, key->key, key_len, &in_b, &count_b);
        if (result_a >= 0 && result_b >= 0 && replica_check_same(&in_a, &in_b)) continue;
        char version_a[200] = "none", version_b[200] = "none";
        if (result_a >= 0) replica_format_version(version_a, sizeof version_a, &in_a);
        if (result_b >= 0) replica_format_version(version_b, sizeof version_b, &in_b);
        snprintf(why, why_bytes, "key %.*s: node %u's current is %s, node %u's is %s", (int)key_len,
                 (const char *)key->key, a_id, version_a, b_id, version_b);
        return true;
    }
    return false;
}

static bool nodes_differ(struct platform *a, struct platform *b, char *why, u32 why_bytes) {
    struct replica *ra = &a->kernel.replica.engine, *rb = &b->kernel.replica.engine;
    u64 root_a = replica_merkle_root(ra), root_b = replica_merkle_root(rb);
    if (root_a != root_b || ra->versions_count != rb->versions_count) {
        snprintf(why, why_bytes,
                 "node %u: merkle root %016" PRIx64 " over %u versions, node %u: %016" PRIx64 " over %u versions",
                 a->id, root_a, ra->versions_count, b->id, root_b, rb->versions_count);
        return true;
    }
    if (current_differs(ra, rb, why, why_bytes, a->id, b->id)) return true;
    return current_differs(rb, ra, why, why_bytes, b->id, a->id);
}

// Every node that is not off for good is up with its keyspace loaded; a running node
// whose filesystem is unusable this life (no keyspace: it holds no version and never
// will) is named in *keyless (the first such one).
static bool nodes_ready(struct sim *sim, char *why, u32 why_bytes, struct platform **keyless) {
    assert(keyless != NULL);
    *keyless = NULL;
    for (u32 id = 0; id < sim->config.nodes_count; id++) {
        struct platform *node = sim->nodes[id];
        if (node->state == NODE_OFF) continue; // powered off for good: not waited for
        if (node->state == NODE_DOWN) {
            snprintf(why, why_bytes, "node %u is down (waiting to boot)", id);
            return false;
        }
        if (!node->kernel.replica.enabled) {
            if (*keyless == NULL) *keyless = node;
            continue;
        }
        if (!node->kernel.replica.loaded) {
            snprintf(why, why_bytes, "node %u has not loaded its keyspace yet", id);
            return false;
        }
    }
    return true;
}

bool replica_cluster_converged(struct sim *sim, char *why, u32 why_bytes) {
    assert(sim != NULL);
    assert(why != NULL);
    assert(why_bytes > 0);
    why[0] = '\0';
    sim->replica.convergence_checks++;
    sim->invariant_checks[INV_REPLICA_CONVERGES_AFTER_HEAL]++;
    struct platform *keyless = NULL;
    if (!nodes_ready(sim, why, why_bytes, &keyless)) return false;
    struct platform *first = NULL;
    for (u32 id = 0; id < sim->config.nodes_count; id++) {
        struct platform *node = sim->nodes[id];
        if (node->state != NODE_RUNNING || !node->kernel.replica.enabled) continue;
        if (first == NULL) first = node;
        else if (nodes_differ(first, node, why, why_bytes)) return false;
    }
    // A node without a keyspace agrees only with a cluster that holds nothing.
    if (keyless != NULL && first != NULL && first->kernel.replica.engine.versions_count != 0) {
        snprintf(why, why_bytes, "node %u runs without a keyspace (its filesystem is unusable) while node %u holds %u versions",
                 keyless->id, first->id, first->kernel.replica.engine.versions_count);
        return false;
    }
    sim->replica.converged++;
    if (sim->config.no_invariants || sim->replica_check == NULL) return true;
    for (u32 id = 0; id < sim->config.nodes_count; id++) {
        struct platform *node = sim->nodes[id];
        if (node->state == NODE_RUNNING && node->kernel.replica.enabled) replica_acked_all_held(sim, NULL, node);
    }
    return true;
}

void replica_print_summary(const struct sim *sim, FILE *out) {
    assert(sim != NULL);
    assert(out != NULL);
    const struct replica_counts *r = &sim->replica;
    if (r->puts_invoked + r->versions_added + r->versions_loaded + r->convergence_checks == 0) return;
    fprintf(out,
            "replica: %" PRIu64 " puts invoked, %" PRIu64 " acked, %" PRIu64 " failed; %" PRIu64
            " reads checked (%" PRIu64 " failed reads); %" PRIu64 " versions added (%" PRIu64 " from peers), %" PRIu64
            " loaded at boots; %" PRIu64 " values hashed; %" PRIu64 " values repaired; %" PRIu64
            " boots checked; convergence asked %" PRIu64 " times, converged %" PRIu64,
            r->puts_invoked, r->puts_acked, r->puts_failed, r->reads_checked, r->reads_errors, r->versions_added,
            r->versions_from_peers, r->versions_loaded, r->objects_checked, r->values_repaired, r->boots_checked,
            r->convergence_checks, r->converged);
    const struct sim_liveness *liveness = &sim->liveness;
    if (liveness->converged) {
        fprintf(out, " (%" PRIu64 ".%03" PRIu64 " ms after the heal)", liveness->convergence_ns / 1000000u,
                liveness->convergence_ns / 1000u % 1000u);
    }
    fprintf(out, "; %" PRIu64 " not judged\n", r->unjudged);
}
