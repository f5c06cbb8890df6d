// Adding a version: set union. Each key's versions form one list ordered by (hlc, node)
// from the highest; a version already held is not added again, and one that claims a
// held identity (key, hlc, node) with other fields is refused (a peer's lie).
#include "subsystems/graindb/replica_internal.h"

i32
replica_version_order(const struct replica_version *a, const struct replica_version *b)
{
    assert(a != NULL);
    assert(b != NULL);
    if (a->hlc != b->hlc) return a->hlc > b->hlc ? 1 : -1;
    if (a->node != b->node) return a->node > b->node ? 1 : -1;
    return 0;
}

bool
replica_version_valid(const struct replica *r, const struct replica_version *v)
{
    assert(r != NULL);
    assert(v != NULL);
    if (!replica_key_valid(v->key, v->key_len)) return false;
    if (v->node >= r->nodes) return false;
    return v->value_bytes <= REPLICA_VALUE_BYTES_MAX;
}

static bool
same_fields(const struct replica_version *a, const struct replica_version *b)
{
    return a->uid == b->uid && a->value_bytes == b->value_bytes &&
           mem_equal(a->value_hash, b->value_hash, REPLICA_HASH_BYTES);
}

// The link where v belongs in its key's list; *held set when v's identity is there.
static u32 *
history_link(struct replica *r, struct replica_key_entry *key, const struct replica_version *v,
             u32 *held)
{
    *held = REPLICA_NONE;
    u32 *link = &key->newest;
    while (*link != REPLICA_NONE) {
        i32 order = replica_version_order(&r->versions[*link].version, v);
        if (order == 0) *held = *link;
        if (order <= 0) break;
        link = &r->versions[*link].older;
    }
    return link;
}

static void
link_version(struct replica *r, u32 key_index, u32 *link, u32 index)
{
    struct replica_key_entry *key = &r->keys[key_index];
    struct replica_version_entry *entry = &r->versions[index];
    bool newest = link == &key->newest;
    entry->older = *link;
    *link = index;
    key->versions_count++;
    if (newest && REPLICA_PLANTED(r, REPLICA_BUG_HISTORY_DROPS_OLDER)) {
        // Planted: the newer version replaces the older ones in the history.
        entry->older = REPLICA_NONE;
        key->versions_count = 1;
    }
    if (newest) key->current = index;
    // Planted: the current version is the one that arrived last, whatever its order.
    if (REPLICA_PLANTED(r, REPLICA_BUG_CURRENT_LAST_ARRIVED)) key->current = index;
    assert(key->newest != REPLICA_NONE);
}

static void
store_version(struct replica *r, u32 key_index, u32 *link, const struct replica_version *v)
{
    u32 index = r->versions_count;
    assert(index < REPLICA_VERSIONS_MAX);
    struct replica_version_entry *entry = &r->versions[index];
    mem_set(entry, 0, sizeof(*entry));
    entry->version = *v;
    mem_set(entry->version.key + v->key_len, 0, REPLICA_KEY_BYTES_MAX - v->key_len);
    entry->key_index = key_index;
    entry->digest = replica_version_digest(v);
    r->versions_count++;
    if (v->uid != 0) r->user_versions_count++;
    u32 leaf = (u32)(r->keys[key_index].key_hash >> (64u - REPLICA_TREE_LEAF_BITS));
    r->tree[REPLICA_TREE_LEAVES_FIRST + leaf] ^= entry->digest;
    u32 parent = leaf / REPLICA_TREE_FANOUT;
    r->tree_dirty_parents[parent / 64u] |= 1ull << (parent % 64u);
    r->tree_dirty = true;
    link_version(r, key_index, link, index);
}

i64
replica_add(struct replica *r, const struct replica_version *version)
{
    assert(r != NULL);
    assert(version != NULL);
    if (!replica_version_valid(r, version)) return -E_INVAL;
    u32 key_index = replica_key_find(r, version->key, version->key_len);
    if (key_index != REPLICA_NONE) {
        u32 held = REPLICA_NONE;
        struct replica_key_entry *key = &r->keys[key_index];
        u32 *link = history_link(r, key, version, &held);
        if (held != REPLICA_NONE) return same_fields(&r->versions[held].version, version) ? 0 : -E_INVAL;
        // Planted: an older version than the newest was replaced already.
        if (REPLICA_PLANTED(r, REPLICA_BUG_HISTORY_DROPS_OLDER) && link != &key->newest) return 0;
        if (r->versions_count >= REPLICA_VERSIONS_MAX) return -E_NOMEM;
        store_version(r, key_index, link, version);
        return 1;
    }
    if (r->versions_count >= REPLICA_VERSIONS_MAX) return -E_NOMEM;
    key_index = replica_key_insert(r, version->key, version->key_len);
    if (key_index == REPLICA_NONE) return -E_NOMEM;
    store_version(r, key_index, &r->keys[key_index].newest, version);
    return 1;
}

i64
replica_load(struct replica *r, const struct replica_version *version)
{
    assert(r != NULL);
    assert(version != NULL);
    i64 result = replica_add(r, version);
    // This node's own past: raised even under the planted HLC_IGNORES_REMOTE.
    if (result >= 0 && version->hlc > r->hlc_last) {
        r->hlc_last = version->hlc > REPLICA_HLC_MAX ? REPLICA_HLC_MAX : version->hlc;
    }
    return result;
}

bool
replica_contains(const struct replica *r, const struct replica_version *version)
{
    assert(r != NULL);
    assert(version != NULL);
    if (!replica_key_valid(version->key, version->key_len)) return false;
    u32 key_index = replica_key_find(r, version->key, version->key_len);
    if (key_index == REPLICA_NONE) return false;
    u32 at = r->keys[key_index].newest;
    while (at != REPLICA_NONE) {
        const struct replica_version *held = &r->versions[at].version;
        if (replica_version_order(held, version) == 0) return same_fields(held, version);
        at = r->versions[at].older;
    }
    return false;
}
