// The engine's tables: keys in an open-addressing table (probing from XXH3-64 of the
// key), each key on its Merkle leaf's list in key byte order, so that every walk over
// keys has one order on every node whatever the order of arrival.
#include "kernel/lib/xxhash_inline.h"
#include "subsystems/graindb/replica_internal.h"

STATIC_ASSERT((REPLICA_KEY_SLOTS_COUNT & (REPLICA_KEY_SLOTS_COUNT - 1u)) == 0);
STATIC_ASSERT(REPLICA_KEY_SLOTS_COUNT >= 2u * REPLICA_KEYS_MAX);
STATIC_ASSERT(REPLICA_TREE_LEAVES_COUNT == (1u << REPLICA_TREE_LEAF_BITS));
STATIC_ASSERT(REPLICA_TREE_LEAVES_FIRST + REPLICA_TREE_LEAVES_COUNT == REPLICA_TREE_NODES_COUNT);

u64
replica_xxh3(const void *bytes, u32 count)
{
    if (count > 0) assert(bytes != NULL);
    return (u64)XXH3_64bits(bytes, (size_t)count);
}

void
replica_init(struct replica *r, u32 node, u32 nodes)
{
    assert(r != NULL);
    assert(nodes >= 1);
    assert(nodes <= REPLICA_NODES_MAX);
    assert(node < nodes);
    mem_set(r, 0, sizeof(*r));
    r->node = node;
    r->nodes = nodes;
    for (u32 leaf = 0; leaf < REPLICA_TREE_LEAVES_COUNT; leaf++) {
        r->leaf_first_key[leaf] = REPLICA_NONE;
    }
    r->sync_peer_next = (node + 1u) % nodes;
    // Every inner node is computed once, from the empty leaves.
    for (u32 i = 0; i < ARRAY_COUNT(r->tree_dirty_parents); i++) r->tree_dirty_parents[i] = ~0ull;
    r->tree_dirty = true;
}

bool
replica_key_valid(const u8 *key, u32 key_len)
{
    if (key == NULL) return false;
    if (key_len == 0 || key_len > REPLICA_KEY_BYTES_MAX) return false;
    for (u32 i = 0; i < key_len; i++) {
        if (key[i] < '!' || key[i] > '~') return false;
    }
    return true;
}

u64
replica_key_hash(const u8 *key, u32 key_len)
{
    assert(key != NULL);
    assert(key_len <= REPLICA_KEY_BYTES_MAX);
    return replica_xxh3(key, key_len);
}

u32
replica_leaf_of_key(const u8 *key, u32 key_len)
{
    assert(key != NULL);
    u32 leaf = (u32)(replica_key_hash(key, key_len) >> (64u - REPLICA_TREE_LEAF_BITS));
    assert(leaf < REPLICA_TREE_LEAVES_COUNT);
    return leaf;
}

static bool
key_equal(const struct replica_key_entry *entry, const u8 *key, u32 key_len)
{
    return entry->key_len == key_len && mem_equal(entry->key, key, key_len);
}

u32
replica_key_find(const struct replica *r, const u8 *key, u32 key_len)
{
    assert(r != NULL);
    assert(key_len <= REPLICA_KEY_BYTES_MAX);
    u32 mask = REPLICA_KEY_SLOTS_COUNT - 1u;
    u32 slot = (u32)replica_key_hash(key, key_len) & mask;
    // The table is at most half full (STATIC_ASSERT above): an empty slot ends the probe.
    for (u32 probes = 0; probes < REPLICA_KEY_SLOTS_COUNT; probes++) {
        u32 held = r->key_slots[slot];
        if (held == 0) return REPLICA_NONE;
        if (key_equal(&r->keys[held - 1u], key, key_len)) return held - 1u;
        slot = (slot + 1u) & mask;
    }
    return REPLICA_NONE;
}

// Byte order, a shorter key before the longer one it begins.
static i32
key_compare(const struct replica_key_entry *a, const struct replica_key_entry *b)
{
    u32 common = a->key_len < b->key_len ? a->key_len : b->key_len;
    for (u32 i = 0; i < common; i++) {
        if (a->key[i] != b->key[i]) return a->key[i] < b->key[i] ? -1 : 1;
    }
    if (a->key_len == b->key_len) return 0;
    return a->key_len < b->key_len ? -1 : 1;
}

static void
leaf_link(struct replica *r, u32 key_index)
{
    struct replica_key_entry *entry = &r->keys[key_index];
    u32 leaf = (u32)(entry->key_hash >> (64u - REPLICA_TREE_LEAF_BITS));
    u32 *link = &r->leaf_first_key[leaf];
    while (*link != REPLICA_NONE && key_compare(&r->keys[*link], entry) < 0) {
        link = &r->keys[*link].next_in_leaf;
    }
    if (*link != REPLICA_NONE) assert(key_compare(&r->keys[*link], entry) > 0);
    entry->next_in_leaf = *link;
    *link = key_index;
}

u32
replica_key_insert(struct replica *r, const u8 *key, u32 key_len)
{
    assert(replica_key_valid(key, key_len));
    u32 found = replica_key_find(r, key, key_len);
    if (found != REPLICA_NONE) return found;
    if (r->keys_count >= REPLICA_KEYS_MAX) return REPLICA_NONE;
    u32 index = r->keys_count;
    struct replica_key_entry *entry = &r->keys[index];
    mem_set(entry, 0, sizeof(*entry));
    mem_copy(entry->key, key, key_len);
    entry->key_len = (u8)key_len;
    entry->key_hash = replica_key_hash(key, key_len);
    entry->current = REPLICA_NONE;
    entry->newest = REPLICA_NONE;
    u32 mask = REPLICA_KEY_SLOTS_COUNT - 1u;
    u32 slot = (u32)entry->key_hash & mask;
    while (r->key_slots[slot] != 0) slot = (slot + 1u) & mask;
    r->key_slots[slot] = index + 1u;
    r->keys_count++;
    leaf_link(r, index);
    assert(replica_key_find(r, key, key_len) == index);
    return index;
}

u64
replica_wire_checksum(const u8 *header, const u8 *payload, u32 payload_bytes)
{
    assert(header != NULL);
    if (payload_bytes > 0) assert(payload != NULL);
    // The checksum's own 8 bytes sit between the header's first 24 and the payload.
    XXH3_state_t state;
    XXH3_64bits_reset(&state);
    XXH3_64bits_update(&state, header, 24u);
    if (payload_bytes > 0) XXH3_64bits_update(&state, payload, payload_bytes);
    return (u64)XXH3_64bits_digest(&state);
}
