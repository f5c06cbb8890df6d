// A Merkle tree over the current value of every live key. Keys fall into
// GRAINDB_MERKLE_LEAVES_COUNT buckets by a hash of the key alone; a bucket is the sum
// (mod 2^256) of its keys' leaf hashes, so one key changes its bucket by a subtraction
// and an addition whatever else the bucket holds; the buckets are the leaves of a
// binary SHA-256 tree. A commit updates the changed buckets and their paths to the
// root (an undo log restores them if the commit fails); recovery rebuilds the tree
// from the refs; graindb_merkle_recompute() builds it from nothing for comparison.
// Replicas can compare roots, then subtrees, to find the keys where they differ.
// An empty subtree is all zero bytes at every level (sparse Merkle tree convention:
// a node over two zero children is zero, not hashed), so building a tree costs one
// path per non-empty bucket, not the whole tree; a non-empty bucket or node hashing
// to zero would take a 2^-256 accident.
#include "subsystems/graindb/internal.h"

#define LEAVES GRAINDB_MERKLE_LEAVES_COUNT

static const u8 leaf_tag[8] = {'g', 'd', 'b', '-', 'l', 'e', 'a', 'f'};

u32 merkle_bucket(const u8 *key, u32 key_len) {
    assert(key != NULL);
    assert(key_len > 0);
    // Bits of the key hash the ref table does not use for its slots.
    return (u32)(key_hash(key, key_len) >> 40) & (LEAVES - 1);
}

void merkle_leaf(const u8 *key, u32 key_len, const u8 hash[GRAINDB_HASH_BYTES],
                 u8 out[GRAINDB_HASH_BYTES]) {
    assert(key != NULL);
    assert(hash != NULL);
    assert(out != NULL);
    assert(key_len > 0);
    assert(key_len <= GRAINDB_KEY_LEN_MAX);
    u8 length_byte = (u8)key_len;
    const u8 *parts[4] = {leaf_tag, &length_byte, key, hash};
    u64 counts[4] = {sizeof(leaf_tag), 1, key_len, GRAINDB_HASH_BYTES};
    gdb_sha256_parts(parts, counts, 4, out);
}

static void add256(u8 *accumulator, const u8 *value) {
    u32 carry = 0;
    for (u32 i = 0; i < GRAINDB_HASH_BYTES; i++) {
        u32 sum = (u32)accumulator[i] + value[i] + carry;
        accumulator[i] = (u8)sum;
        carry = sum >> 8;
    }
}

static void sub256(u8 *accumulator, const u8 *value) {
    u32 borrow = 0;
    for (u32 i = 0; i < GRAINDB_HASH_BYTES; i++) {
        u32 difference = (u32)accumulator[i] - value[i] - borrow;
        accumulator[i] = (u8)difference;
        borrow = (difference >> 8) & 1;
    }
}

static bool is_zero(const u8 *hash) {
    u8 any = 0;
    for (u32 i = 0; i < GRAINDB_HASH_BYTES; i++) any |= hash[i];
    return any == 0;
}

static void hash_node(u8 (*nodes)[GRAINDB_HASH_BYTES], u32 node) {
    assert(node >= 1);
    assert(node < LEAVES);
    if (is_zero(nodes[2 * node]) && is_zero(nodes[2 * node + 1])) {
        mem_set(nodes[node], 0, GRAINDB_HASH_BYTES);
        return;
    }
    const u8 *parts[2] = {nodes[2 * node], nodes[2 * node + 1]};
    u64 counts[2] = {GRAINDB_HASH_BYTES, GRAINDB_HASH_BYTES};
    gdb_sha256_parts(parts, counts, 2, nodes[node]);
}

static void update_path(u8 (*nodes)[GRAINDB_HASH_BYTES], u32 bucket) {
    assert(bucket < LEAVES);
    for (u32 node = (LEAVES + bucket) / 2; node >= 1; node /= 2) hash_node(nodes, node);
}

void merkle_update(struct graindb *db, const u8 *key, u32 key_len, bool old_live,
                   const u8 old_hash[GRAINDB_HASH_BYTES], bool new_live,
                   const u8 new_hash[GRAINDB_HASH_BYTES]) {
    assert(db != NULL);
    assert(key != NULL);
    assert(db->merkle_undo_count < ARRAY_COUNT(db->merkle_undo_bucket));
    u32 bucket = merkle_bucket(key, key_len);
    u8 *accumulator = db->merkle_nodes[LEAVES + bucket];
    mem_copy(db->merkle_undo[db->merkle_undo_count], accumulator, GRAINDB_HASH_BYTES);
    db->merkle_undo_bucket[db->merkle_undo_count++] = (u16)bucket;
    u8 leaf[GRAINDB_HASH_BYTES];
    bool skip_delete = !new_live && GRAINDB_PLANTED(db, GRAINDB_BUG_MERKLE_SKIPS_DELETES);
    if (old_live && !skip_delete) {
        merkle_leaf(key, key_len, old_hash, leaf);
        sub256(accumulator, leaf);
    }
    if (new_live) {
        merkle_leaf(key, key_len, new_hash, leaf);
        add256(accumulator, leaf);
    }
    update_path(db->merkle_nodes, bucket);
}

void merkle_undo(struct graindb *db) {
    assert(db != NULL);
    while (db->merkle_undo_count > 0) {
        u32 i = --db->merkle_undo_count;
        u32 bucket = db->merkle_undo_bucket[i];
        mem_copy(db->merkle_nodes[LEAVES + bucket], db->merkle_undo[i], GRAINDB_HASH_BYTES);
        update_path(db->merkle_nodes, bucket);
    }
    assert(db->merkle_undo_count == 0);
}

void merkle_keep(struct graindb *db) {
    assert(db != NULL);
    db->merkle_undo_count = 0;
}

// Buckets from the refs, then every inner node.
static void merkle_build(const struct graindb *db, u8 (*nodes)[GRAINDB_HASH_BYTES]) {
    mem_set(nodes, 0, 2 * LEAVES * GRAINDB_HASH_BYTES);
    u8 leaf[GRAINDB_HASH_BYTES];
    for (u32 i = 0; i < db->refs_count; i++) {
        const struct graindb_ref_entry *entry = &db->refs[i];
        if (!entry->live) continue;
        const u8 *key = db->key_arena + entry->key_offset;
        merkle_leaf(key, entry->key_len, entry->object_hash, leaf);
        add256(nodes[LEAVES + merkle_bucket(key, entry->key_len)], leaf);
    }
    for (u32 node = LEAVES - 1; node >= 1; node--) hash_node(nodes, node);
}

void merkle_rebuild(struct graindb *db) {
    assert(db != NULL);
    merkle_build(db, db->merkle_nodes);
    db->merkle_undo_count = 0;
}

void graindb_merkle_root(const struct graindb *db, u8 root_out[GRAINDB_HASH_BYTES]) {
    assert(db != NULL);
    assert(root_out != NULL);
    mem_copy(root_out, db->merkle_nodes[1], GRAINDB_HASH_BYTES);
}

void graindb_merkle_recompute(struct graindb *db, u8 root_out[GRAINDB_HASH_BYTES]) {
    assert(db != NULL);
    assert(root_out != NULL);
    STATIC_ASSERT(2 * LEAVES * GRAINDB_HASH_BYTES <= GRAINDB_IO_BYTES_MAX);
    db->io_window_position = GRAINDB_NONE; // io_buffer is the scratch tree
    u8 (*scratch)[GRAINDB_HASH_BYTES] = (u8 (*)[GRAINDB_HASH_BYTES])(void *)db->io_buffer;
    merkle_build(db, scratch);
    mem_copy(root_out, scratch[1], GRAINDB_HASH_BYTES);
}
