// The Merkle tree over the versions (replica.h): a leaf's digest is the XOR of its
// versions' digests (kept current by replica_add), an inner node's is XXH3-64 of its 16
// children's digests as little-endian bytes, recomputed only when asked and dirty.
#include "subsystems/graindb/replica_internal.h"

// hlc, uid, node, key_len, value_bytes, value hash, key.
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

static void
tree_recompute(struct replica *r)
{
    u8 children[8u * REPLICA_TREE_FANOUT];
    // Bottom up: depth 2 from the leaves, then 1, then the root.
    for (u32 depth = REPLICA_TREE_DEPTH; depth > 0; depth--) {
        u32 parents = replica_tree_width(depth - 1u);
        u32 parent_first = replica_tree_offset(depth - 1u);
        u32 child_first = replica_tree_offset(depth);
        for (u32 p = 0; p < parents; p++) {
            for (u32 i = 0; i < REPLICA_TREE_FANOUT; i++) {
                replica_put_u64(children + 8u * i, r->tree[child_first + p * REPLICA_TREE_FANOUT + i]);
            }
            r->tree[parent_first + p] = replica_xxh3(children, sizeof(children));
        }
    }
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
