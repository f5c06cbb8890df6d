// graindb(op, request, out): the replicated keyspace's syscall (contract in abi.h). The
// request is the caller's and hostile: copied in whole, its key checked (NUL inside,
// bytes '!'..'~'), its value size bounded, before anything else looks at it. A put is
// acknowledged only once its version is durable on this node. Every client operation
// is observed from here (REPLICA_OBSERVE_PUT_*, READ): the checker's history.
#include "kernel/replica/internal.h"

#include "kernel/bugs.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/mem.h"
#include "kernel/observe.h"
#include "kernel/proc/clock.h"
#include "kernel/proc/usercopy.h"
#include "kernel/syscall.h"
#include "kernel/trace_events.h"
#include "kernel/users/accounts.h"

STATIC_ASSERT(ABI_GRAINDB_KEY_BYTES_MAX == REPLICA_KEY_BYTES_MAX + 1);
STATIC_ASSERT(ABI_GRAINDB_VALUE_BYTES_MAX == REPLICA_VALUE_BYTES_MAX);
STATIC_ASSERT(ABI_GRAINDB_NODES_MAX == REPLICA_NODES_MAX);
STATIC_ASSERT(sizeof(((struct abi_graindb_version *)0)->value_hash) == REPLICA_HASH_BYTES);

// The key of h->request: its length, or -E_INVAL.
static i64 request_key(const struct replica_host *h) {
    const char *key = h->request.key;
    u32 length = 0;
    while (length < ABI_GRAINDB_KEY_BYTES_MAX && key[length] != '\0') length++;
    if (length == ABI_GRAINDB_KEY_BYTES_MAX) return -E_INVAL; // no NUL
    if (!replica_key_valid((const u8 *)key, length)) return -E_INVAL;
    return length;
}

// A key is its first component's user's; every other key is root's (abi.h).
static i64 put_permitted(const struct kernel *k, u32 slot, const u8 *key, u32 key_len) {
    u32 euid = k->procs[slot].cred.euid;
    if (euid == 0) return 0;
    u32 first_len = 0;
    while (first_len < key_len && key[first_len] != '/') first_len++;
    for (u32 i = 0; i < k->accounts.count && i < ACCOUNTS_MAX; i++) {
        const struct account *account = &k->accounts.entries[i];
        if (account->uid != euid) continue;
        u64 name_len = str_len_bounded(account->name, ACCOUNT_NAME_LEN_MAX);
        if (name_len == first_len && mem_equal(account->name, key, first_len)) return 0;
    }
    return -E_PERM;
}

static void reply_fill(struct replica_host *h, const struct replica_version *v, u32 versions_count,
                       const u8 *value) {
    struct abi_graindb_reply *reply = &h->reply;
    assert(v->value_bytes <= ABI_GRAINDB_VALUE_BYTES_MAX);
    mem_set(reply, 0, sizeof *reply);
    reply->version.hlc = v->hlc;
    reply->version.node = v->node;
    reply->version.uid = v->uid;
    mem_copy(reply->version.value_hash, v->value_hash, REPLICA_HASH_BYTES);
    reply->version.value_bytes = v->value_bytes;
    reply->versions_count = versions_count;
    reply->value_bytes = v->value_bytes;
    if (value != NULL) mem_copy(reply->value, value, v->value_bytes);
}

// The disk room non-root users' versions may take (see REPLICA_USERS_DISK_PERCENT).
static i64 users_disk_share(struct kernel *k, u32 euid) {
    if (euid == 0) return 0;
    struct graindb_space space;
    graindb_space(&k->fs.db, &space);
    u64 versions_max = space.zone_bytes / 100u * REPLICA_USERS_DISK_PERCENT / REPLICA_VERSION_DISK_BYTES;
    assert(space.zone_bytes > 0);
    return k->replica.engine.user_versions_count < versions_max ? 0 : -E_DQUOT;
}

// Prepares, persists and adds the put's version into *v: 0 or -error (nothing visible).
static i64 put_apply(struct kernel *k, u32 slot, u32 key_len, struct replica_version *v) {
    struct replica_host *h = &k->replica;
    const u8 *key = (const u8 *)h->request.key;
    i64 result = put_permitted(k, slot, key, key_len);
    if (result == 0) result = users_disk_share(k, k->procs[slot].cred.euid);
    if (result < 0) return result;
    u8 hash[REPLICA_HASH_BYTES]; // prepare_put fills *v: its input must not alias it
    mem_copy(hash, v->value_hash, REPLICA_HASH_BYTES);
    result = replica_prepare_put(&h->engine, key, key_len, k->procs[slot].cred.euid, hash,
                                 h->request.value_bytes, platform_realtime_ns(k->platform), v);
    if (result < 0) return result;
    const u8 *values[1] = {h->request.value};
    result = replica_host_persist(k, v, values, 1);
    if (result < 0) return result;
    replica_host_observe(k, &(struct replica_observation){.kind = REPLICA_OBSERVE_OBJECT_STORED, .version = *v,
                                                     .value = h->request.value, .value_bytes = v->value_bytes});
    result = replica_add(&h->engine, v);
    if (result < 0) return result; // prepare_put kept room for it: not expected
    replica_host_note_added(k, v, false);
    return 0;
}

static i64 replica_sys_put(struct kernel *k, u32 slot, u32 key_len, u64 out_va) {
    struct replica_host *h = &k->replica;
    if (h->request.value_bytes > ABI_GRAINDB_VALUE_BYTES_MAX) return -E_INVAL;
    // The reply's memory is checked before the put, so an acknowledged put is never
    // answered -E_FAULT.
    mem_set(&h->reply, 0, sizeof h->reply);
    i64 result = copy_to_user(k, &k->procs[slot], out_va, &h->reply, sizeof h->reply);
    if (result < 0) return result;
    struct replica_version v;
    mem_set(&v, 0, sizeof v);
    v.key_len = (u8)key_len;
    mem_copy(v.key, h->request.key, key_len);
    v.uid = k->procs[slot].cred.euid;
    v.node = (u8)h->engine.node;
    v.value_bytes = (u16)h->request.value_bytes;
    replica_host_sha256(h->request.value, h->request.value_bytes, v.value_hash);
    u32 pid = k->procs[slot].pid;
    replica_host_observe(k, &(struct replica_observation){.kind = REPLICA_OBSERVE_PUT_INVOKE, .pid = pid,
                                                     .op = ABI_GRAINDB_PUT, .version = v,
                                                     .value = h->request.value, .value_bytes = v.value_bytes});
    result = put_apply(k, slot, key_len, &v);
    observe_trace(k->platform, TRACE_REPLICA_PUT, replica_host_key_hash(&v), result < 0 ? 0 : v.hlc,
                  (u64)v.uid << 32 | (u32)result);
    if (result < 0) {
        replica_host_observe(k, &(struct replica_observation){.kind = REPLICA_OBSERVE_PUT_FAIL, .pid = pid,
                                                         .op = ABI_GRAINDB_PUT, .error = result, .version = v});
        return result;
    }
    replica_host_push(k, &v, h->request.value);
    u32 count = 0;
    struct replica_version current;
    (void)replica_get(&h->engine, v.key, v.key_len, &current, &count);
    reply_fill(h, &v, count, h->request.value);
    result = copy_to_user(k, &k->procs[slot], out_va, &h->reply, sizeof h->reply);
    assert(result == 0); // the same memory took the same bytes above
    replica_host_observe(k, &(struct replica_observation){.kind = REPLICA_OBSERVE_PUT_ACK, .pid = pid,
                                                     .op = ABI_GRAINDB_PUT, .found = true, .version = v,
                                                     .value = h->request.value, .value_bytes = v.value_bytes});
    return 0;
}

// The version whose value a read returns: v itself, or (planted bug) the next older one.
static void value_version_of(struct kernel *k, const u8 *key, u32 key_len, const struct replica_version *v,
                             struct replica_version *out) {
    *out = *v;
    if (!planted_bug(k, BUG_REPLICA_VALUE_OF_OLDER)) return;
    const struct replica *r = &k->replica.engine;
    u32 count = 0;
    struct replica_version at;
    if (replica_history(r, key, key_len, 0, &at, &count) < 0) return;
    for (u32 index = 0; index + 1 < count; index++) {
        if (replica_history(r, key, key_len, index, &at, &count) < 0) return;
        if (at.hlc == v->hlc && at.node == v->node) {
            (void)replica_history(r, key, key_len, index + 1, out, &count);
            return;
        }
    }
}

// The version a read asks for into *v, and the key's versions count.
static i64 read_version(struct kernel *k, u32 op, const u8 *key, u32 key_len, struct replica_version *v,
                        u32 *count) {
    const struct replica *r = &k->replica.engine;
    const struct abi_graindb_request *request = &k->replica.request;
    struct replica_version current;
    i64 result = replica_get(r, key, key_len, &current, count);
    if (result < 0) return result;
    if (op == ABI_GRAINDB_GET) {
        *v = current;
        if (planted_bug(k, BUG_REPLICA_READ_STALE)) (void)replica_history(r, key, key_len, *count - 1, v, count);
        return 0;
    }
    if (op == ABI_GRAINDB_HISTORY) return replica_history(r, key, key_len, request->index, v, count);
    return replica_get_as_of(r, key, key_len, request->as_of_hlc, v);
}

static i64 replica_sys_read(struct kernel *k, u32 slot, u32 op, u32 key_len, u64 out_va) {
    struct replica_host *h = &k->replica;
    const u8 *key = (const u8 *)h->request.key;
    struct replica_version v;
    mem_set(&v, 0, sizeof v);
    u32 count = 0;
    i64 result = read_version(k, op, key, key_len, &v, &count);
    struct replica_version value_of;
    if (result == 0) {
        value_version_of(k, key, key_len, &v, &value_of);
        result = replica_host_value_read(k, &value_of, h->values[0]);
    }
    if (result == 0) {
        reply_fill(h, &v, count, h->values[0]);
        h->reply.value_bytes = value_of.value_bytes;
        result = copy_to_user(k, &k->procs[slot], out_va, &h->reply, sizeof h->reply);
    }
    struct replica_observation seen = {.kind = REPLICA_OBSERVE_READ, .pid = k->procs[slot].pid, .op = op,
                                       .index = h->request.index, .as_of_hlc = h->request.as_of_hlc,
                                       .found = result == 0, .error = result, .version = v};
    if (result == 0) {
        seen.value = h->values[0];
        seen.value_bytes = value_of.value_bytes;
    } else {
        seen.version.key_len = (u8)key_len;
        mem_copy(seen.version.key, key, key_len);
    }
    replica_host_observe(k, &seen);
    return result;
}

static i64 replica_sys_status(struct kernel *k, u32 slot, u64 out_va) {
    struct replica_host *h = &k->replica;
    struct abi_graindb_status *status = &h->status;
    mem_set(status, 0, sizeof *status);
    status->node = h->engine.node;
    status->nodes = h->engine.nodes;
    status->keys = h->engine.keys_count;
    status->versions = h->engine.versions_count;
    status->hlc = h->engine.hlc_last;
    status->merkle_root = replica_merkle_root(&h->engine);
    status->datagrams_rejected = h->datagrams_rejected;
    status->objects_rejected = h->objects_rejected;
    status->objects_repaired = h->objects_repaired;
    status->monotonic_ns = kernel_monotonic_ns(k);
    for (u32 i = 0; i < h->engine.nodes && i < ABI_GRAINDB_NODES_MAX; i++) {
        status->peers[i].last_contact_ns = h->engine.peers[i].last_contact_ns;
        status->peers[i].datagrams_sent = h->engine.peers[i].datagrams_sent;
        status->peers[i].datagrams_received = h->engine.peers[i].datagrams_received;
    }
    return copy_to_user(k, &k->procs[slot], out_va, status, sizeof *status);
}

i64 sys_graindb(struct kernel *k, u32 slot, const u64 *args) {
    assert(k != NULL);
    assert(slot < PROCS_MAX);
    struct replica_host *h = &k->replica;
    u64 op = args[0];
    if (op > ABI_GRAINDB_STATUS) return -E_INVAL;
    if (!h->enabled) return -E_NODEV;
    if (op == ABI_GRAINDB_STATUS) return replica_sys_status(k, slot, args[2]);
    i64 result = copy_from_user(k, &k->procs[slot], &h->request, args[1], sizeof h->request);
    if (result < 0) return result;
    i64 key_len = request_key(h);
    if (key_len < 0) return key_len;
    if (op == ABI_GRAINDB_PUT) return replica_sys_put(k, slot, (u32)key_len, args[2]);
    return replica_sys_read(k, slot, (u32)op, (u32)key_len, args[2]);
}
