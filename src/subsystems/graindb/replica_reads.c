// Reads: a key's current version, its history from the newest, the newest as of an hlc,
// and a Merkle leaf's versions (keys in byte order, each key's from the newest).
#include "subsystems/graindb/replica_internal.h"

static u32
key_lookup(const struct replica *r, const u8 *key, u32 key_len)
{
    if (!replica_key_valid(key, key_len)) return REPLICA_NONE;
    return replica_key_find(r, key, key_len);
}

i64
replica_get(const struct replica *r, const u8 *key, u32 key_len, struct replica_version *out,
            u32 *versions_count_out)
{
    assert(r != NULL);
    assert(out != NULL);
    u32 key_index = key_lookup(r, key, key_len);
    if (key_index == REPLICA_NONE) return -E_NOENT;
    const struct replica_key_entry *entry = &r->keys[key_index];
    if (entry->current == REPLICA_NONE) return -E_NOENT;
    *out = r->versions[entry->current].version;
    if (versions_count_out != NULL) *versions_count_out = entry->versions_count;
    return 0;
}

i64
replica_history(const struct replica *r, const u8 *key, u32 key_len, u32 index,
                struct replica_version *out, u32 *versions_count_out)
{
    assert(r != NULL);
    assert(out != NULL);
    u32 key_index = key_lookup(r, key, key_len);
    if (key_index == REPLICA_NONE) return -E_NOENT;
    const struct replica_key_entry *entry = &r->keys[key_index];
    if (versions_count_out != NULL) *versions_count_out = entry->versions_count;
    u32 at = entry->newest;
    for (u32 skipped = 0; skipped < index && at != REPLICA_NONE; skipped++) {
        at = r->versions[at].older;
    }
    if (at == REPLICA_NONE) return -E_NOENT;
    *out = r->versions[at].version;
    return 0;
}

i64
replica_get_as_of(const struct replica *r, const u8 *key, u32 key_len, u64 as_of_hlc,
                  struct replica_version *out)
{
    assert(r != NULL);
    assert(out != NULL);
    u32 key_index = key_lookup(r, key, key_len);
    if (key_index == REPLICA_NONE) return -E_NOENT;
    u32 at = r->keys[key_index].newest;
    while (at != REPLICA_NONE && r->versions[at].version.hlc > as_of_hlc) {
        at = r->versions[at].older;
    }
    if (at == REPLICA_NONE) return -E_NOENT;
    *out = r->versions[at].version;
    return 0;
}

u32
replica_leaf_versions(const struct replica *r, u32 leaf, u32 start,
                      struct replica_version *out, u32 capacity)
{
    assert(r != NULL);
    if (capacity > 0) assert(out != NULL);
    if (leaf >= REPLICA_TREE_LEAVES_COUNT) return 0;
    u32 seen = 0;
    u32 written = 0;
    for (u32 k = r->leaf_first_key[leaf]; k != REPLICA_NONE; k = r->keys[k].next_in_leaf) {
        for (u32 at = r->keys[k].newest; at != REPLICA_NONE; at = r->versions[at].older) {
            if (written == capacity) return written;
            if (seen >= start) out[written++] = r->versions[at].version;
            seen++;
        }
    }
    assert(written <= capacity);
    return written;
}
