// The Merkle tree over the versions (replica.h): a leaf's digest is the XOR of its
// versions' digests (kept current by replica_add), an inner node's is XXH3-64 of its 16
// children's digests as little-endian bytes, recomputed only when asked and dirty.
#include "subsystems/graindb/replica_internal.h"

// hlc, uid, node, key_len, value_bytes, value hash, key.
STATIC_ASSERT(REPLICA_TREE_DEPTH == 3u); // tree_recompute's levels

#define REPLICA_DIGEST_BYTES_MAX (8u + 4u + 1u + 1u + 2u + REPLICA_HASH_BYTES + REPLICA_KEY_BYTES_MAX)

u64
replica_version_digest(const struct replica_version *version)
{
    assert(version != NULL);
    assert(version->key_len <= REPLICA_KEY_BYTES_MAX);
    u8 bytes[REPLICA_DIGEST_BYTES_MAX];
    replica_put_u64(bytes, version->hlc);
    replica_put_u32(bytes + 8, version->uid);
    bytes[12] = version->node;
    bytes[13] = version->key_len;
    replica_put_u16(bytes + 14, version->value_bytes);
    mem_copy(bytes + 16, version->value_hash, REPLICA_HASH_BYTES);
    mem_copy(bytes + 16 + REPLICA_HASH_BYTES, version->key, version->key_len);
    return replica_xxh3(bytes, 16u + REPLICA_HASH_BYTES + version->key_len);
}

u32
replica_tree_width(u32 depth)
{
    assert(depth <= REPLICA_TREE_DEPTH);
    return 1u << (4u * depth);
}

u32
replica_tree_offset(u32 depth)
{
    assert(depth <= REPLICA_TREE_DEPTH);
    static const u32 offsets[REPLICA_TREE_DEPTH + 1u] = {
        0u, REPLICA_TREE_DEPTH1_FIRST, REPLICA_TREE_DEPTH2_FIRST, REPLICA_TREE_LEAVES_FIRST};
    return offsets[depth];
}

// One inner node from its 16 children.
static void
tree_node(struct replica *r, u32 depth, u32 index)
{
    assert(depth < REPLICA_TREE_DEPTH);
    u8 children[8u * REPLICA_TREE_FANOUT];
    u32 child_first = replica_tree_offset(depth + 1u) + index * REPLICA_TREE_FANOUT;
    for (u32 i = 0; i < REPLICA_TREE_FANOUT; i++) replica_put_u64(children + 8u * i, r->tree[child_first + i]);
    r->tree[replica_tree_offset(depth) + index] = replica_xxh3(children, sizeof(children));
}

// Only the depth-2 nodes over changed leaves, then depth 1 and the root (17 hashes);
// all of them when the tree was marked dirty without saying where.
static void
tree_recompute(struct replica *r)
{
    u32 words = ARRAY_COUNT(r->tree_dirty_parents);
    bool any = false;
    for (u32 w = 0; w < words; w++) any = any || r->tree_dirty_parents[w] != 0;
    u32 parents = replica_tree_width(REPLICA_TREE_DEPTH - 1u);
    assert(parents == 64u * words);
    for (u32 p = 0; p < parents; p++) {
        if (!any || ((r->tree_dirty_parents[p / 64u] >> (p % 64u)) & 1u)) tree_node(r, 2, p);
    }
    for (u32 p = 0; p < REPLICA_TREE_FANOUT; p++) tree_node(r, 1, p);
    tree_node(r, 0, 0);
    for (u32 w = 0; w < words; w++) r->tree_dirty_parents[w] = 0;
    r->tree_dirty = false;
}

u64
replica_tree_digest(struct replica *r, u32 depth, u32 index)
{
    assert(r != NULL);
    assert(depth <= REPLICA_TREE_DEPTH);
    assert(index < replica_tree_width(depth));
    if (r->tree_dirty && depth < REPLICA_TREE_DEPTH) tree_recompute(r);
    return r->tree[replica_tree_offset(depth) + index];
}

u64
replica_merkle_root(struct replica *r)
{
    assert(r != NULL);
    return replica_tree_digest(r, 0, 0);
}
