// The wire format v1 (replica.h), encoding: a 32-byte header with an XXH3-64 checksum,
// then the payload of one message type. Every multi-byte field is little-endian.
#include "subsystems/graindb/replica_internal.h"

#define REPLICA_WIRE_PAYLOAD_BYTES_MAX 0xffffu

static i64
encode_tree(const struct replica_message *m, u8 *p, u32 room)
{
    if (m->depth < 1 || m->depth > REPLICA_TREE_DEPTH) return -E_INVAL;
    if (m->index >= replica_tree_width(m->depth - 1u)) return -E_INVAL;
    if (room < REPLICA_WIRE_TREE_PAYLOAD_BYTES) return -E_2BIG;
    p[0] = (u8)m->depth;
    p[1] = 0;
    replica_put_u16(p + 2, m->index);
    for (u32 i = 0; i < REPLICA_TREE_FANOUT; i++) replica_put_u64(p + 4 + 8 * i, m->digests[i]);
    return REPLICA_WIRE_TREE_PAYLOAD_BYTES;
}

static bool
record_valid(const struct replica_version *v, const u8 *const values[], u32 i)
{
    if (!replica_key_valid(v->key, v->key_len)) return false;
    if (v->value_bytes > REPLICA_VALUE_BYTES_MAX || v->node >= REPLICA_NODES_MAX) return false;
    return v->value_bytes == 0 || (values != NULL && values[i] != NULL);
}

static u32
encode_record(const struct replica_version *v, const u8 *value, u8 *p)
{
    replica_put_u64(p, v->hlc);
    replica_put_u32(p + 8, v->uid);
    p[12] = v->node;
    p[13] = v->key_len;
    replica_put_u16(p + 14, v->value_bytes);
    mem_copy(p + 16, v->value_hash, REPLICA_HASH_BYTES);
    mem_copy(p + REPLICA_WIRE_RECORD_BYTES, v->key, v->key_len);
    if (v->value_bytes > 0) mem_copy(p + REPLICA_WIRE_RECORD_BYTES + v->key_len, value, v->value_bytes);
    return REPLICA_WIRE_RECORD_BYTES + v->key_len + v->value_bytes;
}

static i64
encode_versions(const struct replica_message *m, const u8 *const values[], u32 first, u8 *p,
                u32 room, u32 *encoded)
{
    if (m->versions_count > REPLICA_MESSAGE_VERSIONS_MAX || first > m->versions_count) return -E_INVAL;
    if (m->index >= REPLICA_TREE_LEAVES_COUNT && m->index != REPLICA_LEAF_NONE) return -E_INVAL;
    if (room < REPLICA_WIRE_VERSIONS_HEAD_BYTES) return -E_2BIG;
    u32 at = REPLICA_WIRE_VERSIONS_HEAD_BYTES;
    u32 count = 0;
    for (u32 i = first; i < m->versions_count; i++) {
        const struct replica_version *v = &m->versions[i];
        if (!record_valid(v, values, i)) return -E_INVAL;
        if (at + REPLICA_WIRE_RECORD_BYTES + v->key_len + v->value_bytes > room) break;
        at += encode_record(v, v->value_bytes > 0 ? values[i] : NULL, p + at);
        count++;
    }
    if (count == 0 && first < m->versions_count) return -E_2BIG;
    replica_put_u16(p, m->index);
    p[2] = (u8)count;
    p[3] = 0;
    *encoded = count;
    return at;
}

static i64
encode_object(const struct replica_message *m, u8 *p, u32 room)
{
    if (m->object_bytes > REPLICA_VALUE_BYTES_MAX) return -E_INVAL;
    if (m->object_bytes > 0 && m->object == NULL) return -E_INVAL;
    u32 bytes = REPLICA_WIRE_OBJECT_HEAD_BYTES + m->object_bytes;
    if (room < bytes) return -E_2BIG;
    mem_copy(p, m->hash, REPLICA_HASH_BYTES);
    replica_put_u16(p + REPLICA_HASH_BYTES, m->object_bytes);
    if (m->object_bytes > 0) mem_copy(p + REPLICA_WIRE_OBJECT_HEAD_BYTES, m->object, m->object_bytes);
    return bytes;
}

static i64
encode_payload(const struct replica_message *m, const u8 *const values[], u32 first, u8 *p,
               u32 room, u32 *encoded)
{
    switch (m->type) {
    case REPLICA_MSG_TREE: return encode_tree(m, p, room);
    case REPLICA_MSG_PULL:
        if (m->index >= REPLICA_TREE_LEAVES_COUNT) return -E_INVAL;
        if (room < 2) return -E_2BIG;
        replica_put_u16(p, m->index);
        return 2;
    case REPLICA_MSG_VERSIONS: return encode_versions(m, values, first, p, room, encoded);
    case REPLICA_MSG_WANT:
        if (room < REPLICA_HASH_BYTES) return -E_2BIG;
        mem_copy(p, m->hash, REPLICA_HASH_BYTES);
        return REPLICA_HASH_BYTES;
    case REPLICA_MSG_OBJECT: return encode_object(m, p, room);
    default: return -E_INVAL;
    }
}

i64
replica_wire_encode(const struct replica_message *m, const u8 *const values[], u32 first,
                    u8 *bytes, u32 capacity, u32 *versions_encoded)
{
    assert(m != NULL);
    assert(bytes != NULL);
    assert(versions_encoded != NULL);
    *versions_encoded = 0;
    if (m->from >= REPLICA_NODES_MAX || m->to >= REPLICA_NODES_MAX) return -E_INVAL;
    if (capacity < REPLICA_WIRE_HEADER_BYTES) return -E_2BIG;
    u32 room = capacity - REPLICA_WIRE_HEADER_BYTES;
    if (room > REPLICA_WIRE_PAYLOAD_BYTES_MAX) room = REPLICA_WIRE_PAYLOAD_BYTES_MAX;
    u8 *payload = bytes + REPLICA_WIRE_HEADER_BYTES;
    i64 payload_bytes = encode_payload(m, values, first, payload, room, versions_encoded);
    if (payload_bytes < 0) return payload_bytes;
    assert((u64)payload_bytes <= room);
    mem_copy(bytes, REPLICA_WIRE_MAGIC, 4);
    bytes[4] = REPLICA_WIRE_VERSION;
    bytes[5] = m->type;
    bytes[6] = m->from;
    bytes[7] = m->to;
    replica_put_u16(bytes + 8, (u16)payload_bytes);
    replica_put_u16(bytes + 10, 0);
    replica_put_u32(bytes + 12, m->sequence);
    replica_put_u64(bytes + 16, m->sender_hlc);
    replica_put_u64(bytes + 24, replica_wire_checksum(bytes, payload, (u32)payload_bytes));
    return REPLICA_WIRE_HEADER_BYTES + payload_bytes;
}
