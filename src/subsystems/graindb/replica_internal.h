// The replica engine's shared helpers (src/subsystems/graindb/replica_*.c only).
#pragma once

#include "kernel/abi.h"
#include "kernel/lib/mem.h"
#include "subsystems/graindb/replica.h"

// Breadth-first offsets of each depth in struct replica's tree[].
#define REPLICA_TREE_DEPTH1_FIRST 1u
#define REPLICA_TREE_DEPTH2_FIRST 17u
#define REPLICA_TREE_LEAVES_FIRST 273u
// Keys kept free for the peers, like REPLICA_PEER_RESERVE_VERSIONS for versions.
#define REPLICA_PEER_RESERVE_KEYS (REPLICA_KEYS_MAX / 4u)
// One version record on the wire before its key and value (replica.h's format).
#define REPLICA_WIRE_RECORD_BYTES 48u
#define REPLICA_WIRE_TREE_PAYLOAD_BYTES (4u + 8u * REPLICA_TREE_FANOUT)
#define REPLICA_WIRE_VERSIONS_HEAD_BYTES 4u
#define REPLICA_WIRE_OBJECT_HEAD_BYTES (REPLICA_HASH_BYTES + 2u)

// XXH3-64 (seed 0) of bytes.
u64 replica_xxh3(const void *bytes, u32 count);
u64 replica_key_hash(const u8 *key, u32 key_len);
// The datagram checksum: XXH3-64 of header bytes 0..23, then the payload.
u64 replica_wire_checksum(const u8 *header, const u8 *payload, u32 payload_bytes);
// The key's index, or REPLICA_NONE.
u32 replica_key_find(const struct replica *r, const u8 *key, u32 key_len);
// The key's index, inserting it (in its slot and its leaf's list); REPLICA_NONE when full.
u32 replica_key_insert(struct replica *r, const u8 *key, u32 key_len);
// The nodes at one depth: 16^depth.
u32 replica_tree_width(u32 depth);
u32 replica_tree_offset(u32 depth);
// Orders versions of one key: > 0 when a is above b in (hlc, node) order.
i32 replica_version_order(const struct replica_version *a, const struct replica_version *b);
bool replica_version_valid(const struct replica *r, const struct replica_version *v);

static inline void replica_put_u16(u8 *p, u16 v) {
    p[0] = (u8)v;
    p[1] = (u8)(v >> 8);
}
static inline void replica_put_u32(u8 *p, u32 v) {
    for (u32 i = 0; i < 4; i++) p[i] = (u8)(v >> (8 * i));
}
static inline void replica_put_u64(u8 *p, u64 v) {
    for (u32 i = 0; i < 8; i++) p[i] = (u8)(v >> (8 * i));
}
static inline u16 replica_get_u16(const u8 *p) { return (u16)(p[0] | (p[1] << 8)); }
static inline u32 replica_get_u32(const u8 *p) {
    u32 v = 0;
    for (u32 i = 0; i < 4; i++) v |= (u32)p[i] << (8 * i);
    return v;
}
static inline u64 replica_get_u64(const u8 *p) {
    u64 v = 0;
    for (u32 i = 0; i < 8; i++) v |= (u64)p[i] << (8 * i);
    return v;
}
