// The replica checker against the engine and the reads: what a node showed visible
// (its shadow, invariant_replica_shadow.c) must stay held, its highest (hlc, node) must
// be the key's current version, and every read must answer from exactly that set
// (replica_reads_valid: the Jepsen-style part; reads are atomic in the kernel, so an
// operation's invoke and completion are one step and the set is the one at that step).
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/invariants/invariant_replica_internal.h"
#include "sim/machine/node.h"
#include "sim/sim.h"

void replica_key_check(struct sim *sim, struct platform *node, struct replica_node_check *check, const u8 *key,
                       u32 key_len) {
    assert(sim != NULL);
    assert(check != NULL);
    if (check->overflowed) return; // the shadow is incomplete: nothing to judge by
    u32 newest = replica_shadow_newest(check, key, key_len);
    if (newest == REPLICA_CHECK_NONE) return;
    const struct replica *engine = &node->kernel.replica.engine;
    char version[200];
    sim->invariant_checks[INV_REPLICA_ACKED_WRITES_KEPT]++;
    for (u32 at = newest; at != REPLICA_CHECK_NONE; at = check->versions[at].older) {
        if (replica_contains(engine, &check->versions[at].version)) continue;
        replica_format_version(version, sizeof version, &check->versions[at].version);
        replica_fail(sim, node, INV_REPLICA_ACKED_WRITES_KEPT,
                     "%s became visible on node %u this boot and is no longer held by its engine", version, node->id);
    }
    sim->invariant_checks[INV_REPLICA_CURRENT_IS_HIGHEST]++;
    struct replica_version current;
    u32 count = 0;
    i64 result = replica_get(engine, key, key_len, &current, &count);
    const struct replica_version *highest = &check->versions[newest].version;
    if (result >= 0 && replica_check_same(&current, highest)) return;
    char got[200] = "none";
    if (result >= 0) replica_format_version(got, sizeof got, &current);
    replica_format_version(version, sizeof version, highest);
    replica_fail(sim, node, INV_REPLICA_CURRENT_IS_HIGHEST,
                 "the key's current version is %s (get %" PRIi64 "), but the highest (hlc, node) held is %s", got,
                 result, version);
}

// Is the version in the node's shadow (was it shown visible this boot)?
static bool shadow_holds(const struct replica_node_check *check, const struct replica_version *v) {
    u32 at = replica_shadow_newest(check, v->key, v->key_len);
    for (; at != REPLICA_CHECK_NONE; at = check->versions[at].older) {
        if (replica_check_same(&check->versions[at].version, v)) return true;
    }
    return false;
}

// After the boot loaded the persisted versions: every one the engine holds was shown
// (LOADED), and every key's shadow holds as after an addition.
void replica_boot_check(struct sim *sim, struct platform *node, struct replica_node_check *check) {
    assert(sim != NULL);
    assert(check != NULL);
    if (check->overflowed) return;
    const struct replica *engine = &node->kernel.replica.engine;
    u32 held = engine->versions_count <= REPLICA_VERSIONS_MAX ? engine->versions_count : REPLICA_VERSIONS_MAX;
    for (u32 i = 0; i < held; i++) {
        const struct replica_version *v = &engine->versions[i].version;
        sim->invariant_checks[INV_REPLICA_NO_INVENTION]++;
        if (shadow_holds(check, v)) continue;
        char version[200];
        replica_format_version(version, sizeof version, v);
        replica_fail(sim, node, INV_REPLICA_NO_INVENTION, "the engine holds %s after boot, never shown LOADED",
                     version);
    }
    for (u32 slot = 0; slot < check->keys_capacity; slot++) {
        u32 newest = check->keys[slot].newest;
        if (newest == REPLICA_CHECK_NONE) continue;
        const struct replica_version *v = &check->versions[newest].version;
        replica_key_check(sim, node, check, v->key, v->key_len);
    }
}

// The visible version a read must answer (REPLICA_CHECK_NONE: -E_NOENT).
static u32 read_expected(const struct replica_node_check *check, const struct replica_observation *o) {
    u32 at = replica_shadow_newest(check, o->version.key, o->version.key_len);
    if (o->op == ABI_GRAINDB_HISTORY) {
        for (u32 i = 0; i < o->index && at != REPLICA_CHECK_NONE; i++) at = check->versions[at].older;
    } else if (o->op == ABI_GRAINDB_GET_AS_OF) {
        while (at != REPLICA_CHECK_NONE && check->versions[at].version.hlc > o->as_of_hlc) {
            at = check->versions[at].older;
        }
    }
    return at;
}

static const char *read_name(u32 op) {
    if (op == ABI_GRAINDB_HISTORY) return "history";
    if (op == ABI_GRAINDB_GET_AS_OF) return "get_as_of";
    return "get";
}

void replica_read_check(struct sim *sim, struct platform *node, struct replica_node_check *check,
                        const struct replica_observation *o) {
    assert(check != NULL);
    assert(o != NULL);
    if (!o->found && o->error != -E_NOENT && o->error != E_NOENT) {
        sim->replica.reads_errors++; // a refused or failed read answers nothing
        return;
    }
    bool judgeable = o->version.key_len >= 1 && o->version.key_len <= REPLICA_KEY_BYTES_MAX;
    bool known_op = o->op == ABI_GRAINDB_GET || o->op == ABI_GRAINDB_HISTORY || o->op == ABI_GRAINDB_GET_AS_OF;
    if (check->overflowed || !judgeable || !known_op) {
        sim->replica.unjudged++;
        return;
    }
    sim->invariant_checks[INV_REPLICA_READS_VALID]++;
    sim->replica.reads_checked++;
    u32 expected = read_expected(check, o);
    if (expected == REPLICA_CHECK_NONE && !o->found) return;
    if (expected != REPLICA_CHECK_NONE && o->found && replica_check_same(&check->versions[expected].version,
                                                                           &o->version)) {
        return;
    }
    char got[200] = "-E_NOENT";
    char want[200] = "-E_NOENT";
    if (o->found) replica_format_version(got, sizeof got, &o->version);
    if (expected != REPLICA_CHECK_NONE) replica_format_version(want, sizeof want, &check->versions[expected].version);
    u32 newest = replica_shadow_newest(check, o->version.key, o->version.key_len);
    u32 visible = 0;
    for (u32 at = newest; at != REPLICA_CHECK_NONE; at = check->versions[at].older) visible++;
    replica_fail(sim, node, INV_REPLICA_READS_VALID,
                 "pid %u %s (index %u, as_of %" PRIu64 ") answered %s; of the %u versions visible the answer is %s",
                 o->pid, read_name(o->op), o->index, o->as_of_hlc, got, visible, want);
}
