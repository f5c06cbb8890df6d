// A local put: its checks and its new version. Shares keep one user from filling the
// table, users together from taking root's room, and everyone from the room kept for
// versions that arrive from peers (a cluster must still converge when a node is full).
#include "subsystems/graindb/replica_internal.h"

static u32
uid_versions(const struct replica *r, u32 uid)
{
    u32 count = 0;
    for (u32 i = 0; i < r->versions_count; i++) {
        if (r->versions[i].version.uid == uid) count++;
    }
    assert(count <= r->versions_count);
    return count;
}

static i64
share_check(const struct replica *r, const u8 *key, u32 key_len, u32 uid)
{
    if (uid != 0) {
        if (r->user_versions_count >= REPLICA_USERS_VERSIONS_MAX) return -E_DQUOT;
        if (uid_versions(r, uid) >= REPLICA_USER_VERSIONS_MAX) return -E_DQUOT;
    }
    if (r->versions_count + REPLICA_PEER_RESERVE_VERSIONS >= REPLICA_VERSIONS_MAX) return -E_NOSPC;
    bool new_key = replica_key_find(r, key, key_len) == REPLICA_NONE;
    if (new_key && r->keys_count + REPLICA_PEER_RESERVE_KEYS >= REPLICA_KEYS_MAX) return -E_NOSPC;
    return 0;
}

i64
replica_prepare_put(struct replica *r, const u8 *key, u32 key_len, u32 uid,
                    const u8 value_hash[REPLICA_HASH_BYTES], u32 value_bytes,
                    u64 physical_ns, struct replica_version *out)
{
    assert(r != NULL);
    assert(out != NULL);
    assert(value_hash != NULL);
    if (!replica_key_valid(key, key_len)) return -E_INVAL;
    if (value_bytes > REPLICA_VALUE_BYTES_MAX) return -E_INVAL;
    i64 share = share_check(r, key, key_len, uid);
    if (share < 0) return share;
    mem_set(out, 0, sizeof(*out));
    out->hlc = replica_hlc_next(r, physical_ns);
    out->uid = uid;
    out->node = (u8)r->node;
    out->key_len = (u8)key_len;
    out->value_bytes = (u16)value_bytes;
    mem_copy(out->key, key, key_len);
    mem_copy(out->value_hash, value_hash, REPLICA_HASH_BYTES);
    return 0;
}
