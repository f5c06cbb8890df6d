// The replica checker's shadow of what one node holds this boot: every version that
// became visible (ADDED, LOADED), by key, newest (hlc, node) first. The reads are
// judged against it, and it is what the engine must still hold.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/xxhash_inline.h"
#include "sim/invariants/invariant_replica_internal.h"

#define SHADOW_KEYS_INITIAL 1024u
#define SHADOW_VERSIONS_INITIAL 4096u

bool replica_check_same(const struct replica_version *a, const struct replica_version *b) {
    assert(a != NULL);
    assert(b != NULL);
    if (a->hlc != b->hlc || a->node != b->node || a->uid != b->uid) return false;
    if (a->value_bytes != b->value_bytes || a->key_len != b->key_len) return false;
    if (a->key_len > REPLICA_KEY_BYTES_MAX) return false;
    if (memcmp(a->key, b->key, a->key_len) != 0) return false;
    return memcmp(a->value_hash, b->value_hash, REPLICA_HASH_BYTES) == 0;
}

i32 replica_check_order(const struct replica_version *a, const struct replica_version *b) {
    assert(a != NULL);
    assert(b != NULL);
    if (a->hlc != b->hlc) return a->hlc > b->hlc ? 1 : -1;
    if (a->node != b->node) return a->node > b->node ? 1 : -1;
    return 0;
}

u64 replica_check_key_hash(const u8 *key, u32 key_len) {
    assert(key != NULL);
    assert(key_len <= REPLICA_KEY_BYTES_MAX);
    return (u64)XXH3_64bits(key, key_len);
}

void replica_shadow_reset(struct replica_node_check *check) {
    assert(check != NULL);
    for (u32 slot = 0; slot < check->keys_capacity; slot++) check->keys[slot].newest = REPLICA_CHECK_NONE;
    check->keys_count = 0;
    check->versions_count = 0;
    check->visible_hlc_max = 0;
    check->overflowed = false;
    check->touched_count = 0;
    memset(check->pending, 0, sizeof check->pending);
    assert(check->keys_count == 0);
}

// The slot of the key, or the empty slot where it would go.
static u32 shadow_slot(const struct replica_node_check *check, const u8 *key, u32 key_len, u64 key_hash) {
    assert(check->keys_capacity != 0);
    assert((check->keys_capacity & (check->keys_capacity - 1)) == 0);
    u32 mask = check->keys_capacity - 1;
    for (u32 probe = 0, slot = (u32)key_hash & mask;; probe++, slot = (slot + 1) & mask) {
        assert(probe < check->keys_capacity); // the table is never full (load <= 1/2)
        const struct replica_shadow_key *entry = &check->keys[slot];
        if (entry->newest == REPLICA_CHECK_NONE) return slot;
        if (entry->key_hash != key_hash) continue;
        const struct replica_version *newest = &check->versions[entry->newest].version;
        if (newest->key_len == key_len && memcmp(newest->key, key, key_len) == 0) return slot;
    }
}

static bool shadow_grow_keys(struct replica_node_check *check) {
    u32 capacity = check->keys_capacity == 0 ? SHADOW_KEYS_INITIAL : check->keys_capacity * 2;
    if (capacity > REPLICA_CHECK_KEYS_MAX * 2) return false;
    struct replica_shadow_key *old = check->keys;
    u32 old_capacity = check->keys_capacity;
    check->keys = calloc(capacity, sizeof *check->keys);
    if (check->keys == NULL) {
        fprintf(stderr, "basin-sim: out of memory for the replica checker's keys\n");
        exit(2);
    }
    check->keys_capacity = capacity;
    for (u32 slot = 0; slot < capacity; slot++) check->keys[slot].newest = REPLICA_CHECK_NONE;
    for (u32 slot = 0; slot < old_capacity; slot++) {
        if (old[slot].newest == REPLICA_CHECK_NONE) continue;
        const struct replica_version *v = &check->versions[old[slot].newest].version;
        check->keys[shadow_slot(check, v->key, v->key_len, old[slot].key_hash)] = old[slot];
    }
    free(old);
    return true;
}

static bool shadow_grow_versions(struct replica_node_check *check) {
    u32 capacity = check->versions_capacity == 0 ? SHADOW_VERSIONS_INITIAL : check->versions_capacity * 2;
    if (capacity > REPLICA_CHECK_VERSIONS_MAX) return false;
    struct replica_shadow_version *grown = realloc(check->versions, (size_t)capacity * sizeof *grown);
    if (grown == NULL) {
        fprintf(stderr, "basin-sim: out of memory for the replica checker's versions\n");
        exit(2);
    }
    check->versions = grown;
    check->versions_capacity = capacity;
    return true;
}

u32 replica_shadow_newest(const struct replica_node_check *check, const u8 *key, u32 key_len) {
    assert(check != NULL);
    assert(key_len <= REPLICA_KEY_BYTES_MAX);
    if (check->keys_capacity == 0) return REPLICA_CHECK_NONE;
    u32 slot = shadow_slot(check, key, key_len, replica_check_key_hash(key, key_len));
    return check->keys[slot].newest;
}

// Links the version into its key's list at its (hlc, node) place; 0 when held already.
static i32 shadow_link(struct replica_node_check *check, struct replica_shadow_key *entry, u32 index) {
    const struct replica_version *version = &check->versions[index].version;
    u32 *link = &entry->newest;
    while (*link != REPLICA_CHECK_NONE) {
        const struct replica_version *here = &check->versions[*link].version;
        i32 order = replica_check_order(version, here);
        if (order > 0) break;
        if (order == 0) return 0; // (key, hlc, node) names one version
        link = &check->versions[*link].older;
    }
    check->versions[index].older = *link;
    *link = index;
    entry->count++;
    check->versions_count++;
    assert(entry->count <= check->versions_count);
    return 1;
}

i32 replica_shadow_add(struct replica_node_check *check, const struct replica_version *version) {
    assert(check != NULL);
    assert(version != NULL);
    if (version->key_len > REPLICA_KEY_BYTES_MAX) return -1;
    if (check->keys_count * 2 >= check->keys_capacity && !shadow_grow_keys(check)) return -1;
    if (check->versions_count == check->versions_capacity && !shadow_grow_versions(check)) return -1;
    u64 key_hash = replica_check_key_hash(version->key, version->key_len);
    u32 slot = shadow_slot(check, version->key, version->key_len, key_hash);
    struct replica_shadow_key *entry = &check->keys[slot];
    u32 index = check->versions_count;
    check->versions[index].version = *version;
    check->versions[index].older = REPLICA_CHECK_NONE;
    bool new_key = entry->newest == REPLICA_CHECK_NONE;
    if (new_key) *entry = (struct replica_shadow_key){.key_hash = key_hash, .newest = REPLICA_CHECK_NONE};
    i32 added = shadow_link(check, entry, index);
    if (new_key) check->keys_count++;
    if (added == 1 && version->hlc > check->visible_hlc_max) check->visible_hlc_max = version->hlc;
    return added;
}

void replica_format_version(char *out, u32 out_bytes, const struct replica_version *version) {
    assert(out != NULL);
    assert(version != NULL);
    u32 key_len = version->key_len <= REPLICA_KEY_BYTES_MAX ? version->key_len : 0;
    const u8 *h = version->value_hash;
    snprintf(out, out_bytes, "%.*s@(hlc %" PRIu64 " = %" PRIu64 " ms + %" PRIu64 ", node %u) uid %u %u bytes hash %02x%02x%02x%02x",
             (int)key_len, (const char *)version->key, version->hlc, version->hlc >> REPLICA_HLC_COUNTER_BITS,
             (u64)(version->hlc & REPLICA_HLC_COUNTER_MASK), version->node, version->uid, version->value_bytes, h[0], h[1],
             h[2], h[3]);
}

static const char *op_name(u32 op) {
    switch (op) {
    case ABI_GRAINDB_PUT: return "put";
    case ABI_GRAINDB_GET: return "get";
    case ABI_GRAINDB_HISTORY: return "history";
    case ABI_GRAINDB_GET_AS_OF: return "get_as_of";
    }
    return "op?";
}

void replica_recent_print(const struct replica_node_check *check, u32 node_id) {
    assert(check != NULL);
    printf("last client operations on node %u (oldest first):\n", node_id);
    for (u32 i = 0; i < REPLICA_CHECK_RECENT_OPS; i++) {
        const struct replica_recent_op *op = &check->recent[(check->recent_next + i) % REPLICA_CHECK_RECENT_OPS];
        if (op->step == 0) continue;
        char version[200];
        replica_format_version(version, sizeof version, &op->version);
        printf("  step %" PRIu64 " t=%" PRIu64 " ns pid %u %s -> %" PRIi64 " %s\n", op->step, op->time_ns, op->pid,
               op_name(op->op), op->result, version);
    }
}
