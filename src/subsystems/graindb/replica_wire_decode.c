// The wire format v1 (replica.h), decoding a datagram from a peer, which may be hostile:
// every length is checked against the bytes there are before it is used, every field
// against its range; anything malformed is an error, never an assert.
#include "subsystems/graindb/replica_internal.h"

static i64
decode_tree(const u8 *p, u32 bytes, struct replica_message *m)
{
    if (bytes != REPLICA_WIRE_TREE_PAYLOAD_BYTES) return -E_INVAL;
    if (p[0] < 1 || p[0] > REPLICA_TREE_DEPTH || p[1] != 0) return -E_INVAL;
    m->depth = p[0];
    m->index = replica_get_u16(p + 2);
    if (m->index >= replica_tree_width(m->depth - 1u)) return -E_INVAL;
    for (u32 i = 0; i < REPLICA_TREE_FANOUT; i++) m->digests[i] = replica_get_u64(p + 4 + 8 * i);
    return 0;
}

// One record at p (remaining bytes left): its length, or -E_INVAL.
static i64
decode_record(const u8 *p, u32 remaining, struct replica_version *v, const u8 **value)
{
    if (remaining < REPLICA_WIRE_RECORD_BYTES) return -E_INVAL;
    v->hlc = replica_get_u64(p);
    v->uid = replica_get_u32(p + 8);
    v->node = p[12];
    v->key_len = p[13];
    v->value_bytes = replica_get_u16(p + 14);
    if (v->node >= REPLICA_NODES_MAX) return -E_INVAL;
    if (v->key_len == 0 || v->key_len > REPLICA_KEY_BYTES_MAX) return -E_INVAL;
    if (v->value_bytes > REPLICA_VALUE_BYTES_MAX) return -E_INVAL;
    u32 length = REPLICA_WIRE_RECORD_BYTES + v->key_len + v->value_bytes;
    if (length > remaining) return -E_INVAL;
    mem_copy(v->value_hash, p + 16, REPLICA_HASH_BYTES);
    mem_copy(v->key, p + REPLICA_WIRE_RECORD_BYTES, v->key_len);
    if (!replica_key_valid(v->key, v->key_len)) return -E_INVAL;
    *value = p + REPLICA_WIRE_RECORD_BYTES + v->key_len;
    return length;
}

static i64
decode_versions(const u8 *p, u32 bytes, struct replica_message *m)
{
    if (bytes < REPLICA_WIRE_VERSIONS_HEAD_BYTES) return -E_INVAL;
    m->index = replica_get_u16(p);
    if (m->index >= REPLICA_TREE_LEAVES_COUNT && m->index != REPLICA_LEAF_NONE) return -E_INVAL;
    if (p[2] > REPLICA_MESSAGE_VERSIONS_MAX || p[3] != 0) return -E_INVAL;
    m->versions_count = p[2];
    u32 at = REPLICA_WIRE_VERSIONS_HEAD_BYTES;
    for (u32 i = 0; i < m->versions_count; i++) {
        i64 length = decode_record(p + at, bytes - at, &m->versions[i], &m->values[i]);
        if (length < 0) return length;
        at += (u32)length;
        assert(at <= bytes);
    }
    return at == bytes ? 0 : -E_INVAL;
}

static i64
decode_object(const u8 *p, u32 bytes, struct replica_message *m)
{
    if (bytes < REPLICA_WIRE_OBJECT_HEAD_BYTES) return -E_INVAL;
    mem_copy(m->hash, p, REPLICA_HASH_BYTES);
    m->object_bytes = replica_get_u16(p + REPLICA_HASH_BYTES);
    if (m->object_bytes > REPLICA_VALUE_BYTES_MAX) return -E_INVAL;
    if (bytes != REPLICA_WIRE_OBJECT_HEAD_BYTES + m->object_bytes) return -E_INVAL;
    m->object = p + REPLICA_WIRE_OBJECT_HEAD_BYTES;
    return 0;
}

static i64
decode_payload(const u8 *p, u32 bytes, struct replica_message *m)
{
    switch (m->type) {
    case REPLICA_MSG_TREE: return decode_tree(p, bytes, m);
    case REPLICA_MSG_PULL:
        if (bytes != 2) return -E_INVAL;
        m->index = replica_get_u16(p);
        return m->index < REPLICA_TREE_LEAVES_COUNT ? 0 : -E_INVAL;
    case REPLICA_MSG_VERSIONS: return decode_versions(p, bytes, m);
    case REPLICA_MSG_WANT:
        if (bytes != REPLICA_HASH_BYTES) return -E_INVAL;
        mem_copy(m->hash, p, REPLICA_HASH_BYTES);
        return 0;
    case REPLICA_MSG_OBJECT: return decode_object(p, bytes, m);
    default: return -E_INVAL;
    }
}

i64
replica_wire_decode(const u8 *bytes, u32 length, struct replica_message *m)
{
    assert(m != NULL);
    if (length > 0) assert(bytes != NULL);
    mem_set(m, 0, sizeof(*m));
    if (length < REPLICA_WIRE_HEADER_BYTES) return -E_INVAL;
    if (!mem_equal(bytes, REPLICA_WIRE_MAGIC, 4) || bytes[4] != REPLICA_WIRE_VERSION) return -E_INVAL;
    u32 payload_bytes = replica_get_u16(bytes + 8);
    if (payload_bytes != length - REPLICA_WIRE_HEADER_BYTES) return -E_INVAL;
    const u8 *payload = bytes + REPLICA_WIRE_HEADER_BYTES;
    if (replica_get_u64(bytes + 24) != replica_wire_checksum(bytes, payload, payload_bytes)) return -E_BADMSG;
    if (replica_get_u16(bytes + 10) != 0) return -E_INVAL;
    if (bytes[6] >= REPLICA_NODES_MAX || bytes[7] >= REPLICA_NODES_MAX) return -E_INVAL;
    m->type = bytes[5];
    m->from = bytes[6];
    m->to = bytes[7];
    m->sequence = replica_get_u32(bytes + 12);
    m->sender_hlc = replica_get_u64(bytes + 16);
    i64 result = decode_payload(payload, payload_bytes, m);
    if (result < 0) mem_set(m, 0, sizeof(*m));
    return result;
}
