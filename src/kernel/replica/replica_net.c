// The replicated keyspace on the network: datagrams in (decoded, checked, handed to
// the engine or handled here), the engine's answers out, a sync round when due. Every
// datagram byte is a peer's, and a peer may be hostile (on hardware any machine on the
// LAN can send frames): nothing here asserts on them, a value is stored only under the
// hash its bytes have, and a WANT is answered only for the value of a version held.
#include "kernel/replica/internal.h"

#include "kernel/bugs.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/endian.h"
#include "kernel/lib/mem.h"
#include "kernel/observe.h"
#include "kernel/proc/clock.h"
#include "kernel/trace_events.h"

#define NODE_UNKNOWN 0xffu

static void reject(struct kernel *k, enum replica_reject why, u32 from, u64 bytes) {
    assert(why >= REPLICA_REJECT_MALFORMED);
    assert(why <= REPLICA_REJECT_VERSION);
    if (why != REPLICA_REJECT_VALUE_HASH && why != REPLICA_REJECT_VERSION) k->replica.datagrams_rejected++;
    observe_trace(k->platform, TRACE_REPLICA_REJECTED, why, from, bytes);
}

// The values of a VERSIONS message read from GrainDB into h->values; a version whose
// value is damaged is left out of the message (and asked of the peers).
static void versions_values(struct kernel *k, struct replica_message *m, const u8 *values[]) {
    struct replica_host *h = &k->replica;
    assert(m->versions_count <= REPLICA_MESSAGE_VERSIONS_MAX);
    u32 kept = 0;
    for (u32 i = 0; i < m->versions_count; i++) {
        if (replica_host_value_read(k, &m->versions[i], h->values[kept]) < 0) continue;
        m->versions[kept] = m->versions[i];
        values[kept] = h->values[kept];
        kept++;
    }
    m->versions_count = kept;
}

// Whether one more datagram may go to peer in its window (taken when take is set).
static bool budget_allows(struct kernel *k, u32 peer, bool take) {
    struct replica_host *h = &k->replica;
    assert(peer < REPLICA_NODES_MAX);
    u64 now_ns = kernel_monotonic_ns(k);
    if (now_ns < h->budget_window_ns[peer] || now_ns - h->budget_window_ns[peer] >= REPLICA_SYNC_QUIET_NS) {
        h->budget_window_ns[peer] = now_ns;
        h->budget_sent[peer] = 0;
    }
    if (h->budget_sent[peer] >= REPLICA_PEER_SEND_BUDGET) {
        h->datagrams_withheld++;
        return false;
    }
    if (take) h->budget_sent[peer]++;
    assert(h->budget_sent[peer] <= REPLICA_PEER_SEND_BUDGET);
    return true;
}

// Encodes m into as many datagrams as it needs and sends them. values: a VERSIONS
// message's values (NULL: read them from GrainDB).
static void message_send(struct kernel *k, struct replica_message *m, const u8 *const *values_given) {
    struct replica_host *h = &k->replica;
    assert(m->to < h->engine.nodes);
    assert(m->to != h->engine.node);
    const u8 *values[REPLICA_MESSAGE_VERSIONS_MAX] = {0};
    if (!budget_allows(k, m->to, false)) return; // before reading any value
    if (m->type == REPLICA_MSG_VERSIONS) {
        if (values_given == NULL) versions_values(k, m, values);
        else mem_copy(values, values_given, sizeof(values[0]) * m->versions_count);
        if (m->versions_count == 0) return;
    }
    m->from = (u8)h->engine.node;
    u32 first = 0;
    u32 encoded = 0;
    do {
        m->sequence = h->engine.sequence_next++;
        m->sender_hlc = h->engine.hlc_last;
        i64 length = replica_wire_encode(m, values, first, h->datagram, NET_DATAGRAM_BYTES_MAX, &encoded);
        if (length < 0) {
            observe_trace(k->platform, TRACE_REPLICA_SEND, m->to, m->type, (u64)length);
            return;
        }
        if (!budget_allows(k, m->to, true)) return;
        i64 sent = platform_net_send(k->platform, m->to, h->datagram, (u32)length);
        observe_trace(k->platform, TRACE_REPLICA_SEND, m->to, m->type, (u64)(sent < 0 ? sent : length));
        if (sent == 0) h->engine.peers[m->to].datagrams_sent++;
        first += encoded;
    } while (m->type == REPLICA_MSG_VERSIONS && encoded > 0 && first < m->versions_count);
}

static void outbox_send(struct kernel *k) {
    struct replica_host *h = &k->replica;
    assert(h->outbox.count <= REPLICA_OUTBOX_MAX);
    for (u32 i = 0; i < h->outbox.count; i++) {
        struct replica_message *m = &h->outbox.messages[i];
        // The engine addresses its answers: a peer outside the cluster is its bug.
        assert(m->to < h->engine.nodes);
        if (m->to != h->engine.node) message_send(k, m, NULL);
    }
    h->outbox.count = 0;
}

void replica_host_push(struct kernel *k, const struct replica_version *version, const u8 *value) {
    struct replica_host *h = &k->replica;
    assert(version != NULL);
    assert(version->value_bytes <= REPLICA_VALUE_BYTES_MAX);
    if (!h->networked) return;
    const u8 *values[1] = {value};
    for (u32 peer = 0; peer < h->engine.nodes; peer++) {
        if (peer == h->engine.node) continue;
        struct replica_message *m = &h->message;
        mem_set(m, 0, sizeof *m);
        m->type = REPLICA_MSG_VERSIONS;
        m->to = (u8)peer;
        m->index = REPLICA_LEAF_NONE;
        m->versions_count = 1;
        m->versions[0] = *version;
        message_send(k, m, values);
    }
}

static void want_send(struct kernel *k, u32 peer, const u8 hash[REPLICA_HASH_BYTES]) {
    struct replica_message *m = &k->replica.message;
    mem_set(m, 0, sizeof *m);
    m->type = REPLICA_MSG_WANT;
    m->to = (u8)peer;
    mem_copy(m->hash, hash, REPLICA_HASH_BYTES);
    message_send(k, m, NULL);
}

static i64 want_find(const struct replica_host *h, const u8 hash[REPLICA_HASH_BYTES]) {
    for (u32 i = 0; i < h->wants_count; i++) {
        if (mem_equal(h->wants[i], hash, REPLICA_HASH_BYTES)) return i;
    }
    return -1;
}

void replica_host_want(struct kernel *k, const u8 hash[REPLICA_HASH_BYTES]) {
    struct replica_host *h = &k->replica;
    assert(hash != NULL);
    assert(h->wants_count <= REPLICA_WANTS_MAX);
    if (want_find(h, hash) < 0 && h->wants_count < REPLICA_WANTS_MAX) {
        mem_copy(h->wants[h->wants_count++], hash, REPLICA_HASH_BYTES);
    }
    if (!h->networked) return;
    for (u32 peer = 0; peer < h->engine.nodes; peer++) {
        if (peer != h->engine.node) want_send(k, peer, hash);
    }
}

static bool version_valid(const struct replica_host *h, const struct replica_version *v, const u8 *value) {
    if (!replica_key_valid(v->key, v->key_len)) return false;
    if (v->node >= h->engine.nodes || v->value_bytes > REPLICA_VALUE_BYTES_MAX) return false;
    return value != NULL || v->value_bytes == 0;
}

static bool incoming_has(const struct replica_host *h, const struct replica_version *v) {
    for (u32 i = 0; i < h->incoming_count; i++) {
        const struct replica_version *w = &h->incoming[i];
        if (w->hlc == v->hlc && w->node == v->node && w->key_len == v->key_len &&
            mem_equal(w->key, v->key, v->key_len)) return true;
    }
    return false;
}

// The versions of m not held yet (nor pending), their values checked against their
// hashes, appended to h->incoming (values copied: the datagram buffer is reused).
static void incoming_collect(struct kernel *k, const struct replica_message *m) {
    struct replica_host *h = &k->replica;
    u32 count = m->versions_count <= REPLICA_MESSAGE_VERSIONS_MAX ? m->versions_count : 0;
    for (u32 i = 0; i < count; i++) {
        struct replica_version v = m->versions[i];
        if (planted_bug(k, BUG_REPLICA_MERGE_SENDER_NODE)) v.node = m->from;
        if (!version_valid(h, &v, m->values[i])) {
            reject(k, REPLICA_REJECT_VERSION, m->from, v.value_bytes);
            continue;
        }
        if (replica_contains(&h->engine, &v) || incoming_has(h, &v)) continue;
        u8 hash[REPLICA_HASH_BYTES];
        replica_host_sha256(m->values[i], v.value_bytes, hash);
        if (!mem_equal(hash, v.value_hash, REPLICA_HASH_BYTES)) {
            h->objects_rejected++;
            reject(k, REPLICA_REJECT_VALUE_HASH, m->from, v.value_bytes);
            continue;
        }
        assert(h->incoming_count < REPLICA_MESSAGE_VERSIONS_MAX);
        if (v.value_bytes > 0) mem_copy(h->incoming_bytes[h->incoming_count], m->values[i], v.value_bytes);
        h->incoming_values[h->incoming_count] = h->incoming_bytes[h->incoming_count];
        h->incoming[h->incoming_count++] = v;
    }
}

// The pending new versions made durable in one batch, then visible.
static void incoming_flush(struct kernel *k) {
    struct replica_host *h = &k->replica;
    assert(h->incoming_count <= REPLICA_MESSAGE_VERSIONS_MAX);
    if (h->incoming_count == 0) return;
    i64 result = replica_host_persist(k, h->incoming, h->incoming_values, h->incoming_count);
    if (result < 0) {
        klog(k, LOG_DEBUG, "replica: %u versions not stored (error %lld)", h->incoming_count, (long long)-result);
        h->incoming_count = 0;
        return; // not visible: anti-entropy brings them again
    }
    for (u32 i = 0; i < h->incoming_count; i++) {
        const struct replica_version *v = &h->incoming[i];
        replica_host_observe(k, &(struct replica_observation){.kind = REPLICA_OBSERVE_OBJECT_STORED, .version = *v,
                                                         .value = h->incoming_values[i],
                                                         .value_bytes = v->value_bytes});
        i64 added = replica_add(&h->engine, v);
        if (added == 1) replica_host_note_added(k, v, true);
        if (added < 0) klog(k, LOG_WARN, "replica: a version from node %u is durable but not held (error %lld)",
                            (u32)v->node, (long long)-added);
        replica_hlc_observe(&h->engine, v->hlc);
    }
    h->incoming_count = 0;
}

// VERSIONS: the new ones join the pending batch (flushed first when they might not fit,
// and at the end of the step).
static void receive_versions(struct kernel *k, const struct replica_message *m) {
    struct replica_host *h = &k->replica;
    u32 count = m->versions_count <= REPLICA_MESSAGE_VERSIONS_MAX ? m->versions_count : 0;
    if (h->incoming_count + count > REPLICA_MESSAGE_VERSIONS_MAX) incoming_flush(k);
    incoming_collect(k, m);
}

// Whether hash is the value of a version held (only those are served: GrainDB holds
// the filesystem's objects too, which no peer may read).
static bool value_held(const struct replica_host *h, const u8 hash[REPLICA_HASH_BYTES]) {
    for (u32 i = 0; i < h->engine.versions_count; i++) {
        if (mem_equal(h->engine.versions[i].version.value_hash, hash, REPLICA_HASH_BYTES)) return true;
    }
    return false;
}

static void answer_want(struct kernel *k, const struct replica_message *m) {
    struct replica_host *h = &k->replica;
    if (!value_held(h, m->hash)) return;
    u32 size = 0;
    if (graindb_get(&k->fs.db, m->hash, h->values[0], REPLICA_VALUE_BYTES_MAX, &size) < 0) return;
    struct replica_message *answer = &h->outbox.messages[0];
    mem_set(answer, 0, sizeof *answer);
    answer->type = REPLICA_MSG_OBJECT;
    answer->to = m->from;
    mem_copy(answer->hash, m->hash, REPLICA_HASH_BYTES);
    answer->object_bytes = (u16)size;
    answer->object = h->values[0];
    message_send(k, answer, NULL);
}

static void receive_object(struct kernel *k, const struct replica_message *m) {
    struct replica_host *h = &k->replica;
    i64 want = want_find(h, m->hash);
    if (want < 0) return; // not asked for (a duplicate, or a peer's guess): ignored
    u8 hash[REPLICA_HASH_BYTES];
    if (m->object_bytes > REPLICA_VALUE_BYTES_MAX || (m->object == NULL && m->object_bytes != 0)) {
        reject(k, REPLICA_REJECT_MALFORMED, m->from, m->object_bytes);
        return;
    }
    replica_host_sha256(m->object, m->object_bytes, hash);
    if (!mem_equal(hash, m->hash, REPLICA_HASH_BYTES)) {
        h->objects_rejected++;
        reject(k, REPLICA_REJECT_VALUE_HASH, m->from, m->object_bytes);
        return;
    }
    if (replica_host_value_restore(k, m->hash, m->object, m->object_bytes) < 0) return; // asked again later
    h->wants_count--;
    mem_copy(h->wants[want], h->wants[h->wants_count], REPLICA_HASH_BYTES);
    h->objects_repaired++;
    observe_trace(k->platform, TRACE_REPLICA_REPAIRED, load_u64_le(m->hash), m->from, m->object_bytes);
    struct replica_observation seen = {.kind = REPLICA_OBSERVE_OBJECT_STORED, .value = m->object,
                                       .value_bytes = m->object_bytes};
    mem_copy(seen.version.value_hash, m->hash, REPLICA_HASH_BYTES);
    seen.version.value_bytes = m->object_bytes;
    replica_host_observe(k, &seen);
}

// A message of a round that found differences: deeper TREE levels, PULLs, a leaf's
// VERSIONS (a depth-1 TREE starts any round; a push is a new write, not a difference).
static bool anti_entropy_busy(const struct replica_message *m) {
    if (m->type == REPLICA_MSG_TREE) return m->depth > 1;
    if (m->type == REPLICA_MSG_VERSIONS) return m->index != REPLICA_LEAF_NONE;
    return m->type == REPLICA_MSG_PULL;
}

// The next round once this exchange has been quiet REPLICA_SYNC_QUIET_NS, at most an
// interval after the last round started. A peer can make rounds come sooner, never
// more than one per REPLICA_SYNC_QUIET_NS (one TREE datagram each).
static void sync_sooner(struct replica_host *h, u64 now_ns) {
    assert(REPLICA_SYNC_QUIET_NS < REPLICA_SYNC_INTERVAL_NS);
    u64 latest_ns = h->round_started_ns + REPLICA_SYNC_INTERVAL_NS;
    u64 quiet_ns = now_ns + REPLICA_SYNC_QUIET_NS;
    h->next_sync_ns = quiet_ns < latest_ns ? quiet_ns : latest_ns;
    h->busy_until_ns = quiet_ns;
    assert(h->next_sync_ns > h->round_started_ns);
}

static void receive_one(struct kernel *k, u32 length, u64 now_ns) {
    struct replica_host *h = &k->replica;
    struct replica_message *m = &h->message;
    i64 decoded = replica_wire_decode(h->datagram, length, m);
    if (decoded < 0) {
        reject(k, decoded == -E_BADMSG ? REPLICA_REJECT_CHECKSUM : REPLICA_REJECT_MALFORMED, NODE_UNKNOWN, length);
        return;
    }
    if (m->to != h->engine.node) {
        h->datagrams_not_for_us++; // every node sees every frame on hardware: not an error
        return;
    }
    if (m->from >= h->engine.nodes || m->from == h->engine.node) {
        reject(k, REPLICA_REJECT_MALFORMED, m->from, length);
        return;
    }
    replica_peer_heard(&h->engine, m->from, now_ns);
    if (anti_entropy_busy(m)) sync_sooner(h, now_ns);
    replica_hlc_observe(&h->engine, m->sender_hlc);
    observe_trace(k->platform, TRACE_REPLICA_RECEIVE, m->from, m->type, length);
    h->outbox.count = 0;
    if (m->type == REPLICA_MSG_TREE || m->type == REPLICA_MSG_PULL) replica_respond(&h->engine, m, &h->outbox);
    else if (m->type == REPLICA_MSG_VERSIONS) receive_versions(k, m);
    else if (m->type == REPLICA_MSG_WANT) answer_want(k, m);
    else if (m->type == REPLICA_MSG_OBJECT) receive_object(k, m);
    outbox_send(k);
}

static void sync_round(struct kernel *k, u64 now_ns) {
    struct replica_host *h = &k->replica;
    h->next_sync_ns = now_ns + REPLICA_SYNC_INTERVAL_NS;
    h->round_started_ns = now_ns;
    h->busy_until_ns = now_ns + REPLICA_SYNC_QUIET_NS;
    h->outbox.count = 0;
    u32 peer = replica_sync_start(&h->engine, &h->outbox);
    if (peer == REPLICA_NONE) return;
    assert(peer < h->engine.nodes);
    observe_trace(k->platform, TRACE_REPLICA_SYNC, peer, replica_merkle_root(&h->engine), h->engine.versions_count);
    outbox_send(k);
    // Damaged values still wanted are asked again of this round's peer.
    for (u32 i = 0; i < h->wants_count; i++) want_send(k, peer, h->wants[i]);
}

void replica_host_step(struct kernel *k, u64 now_ns) {
    struct replica_host *h = &k->replica;
    assert(k != NULL);
    if (!h->enabled || !h->networked) return;
    for (u32 i = 0; i < REPLICA_RECEIVE_BATCH_MAX; i++) {
        i64 length = platform_net_receive(k->platform, h->datagram, NET_DATAGRAM_BYTES_MAX);
        if (length <= 0) break;
        if (length > NET_DATAGRAM_BYTES_MAX) { // a platform's mistake, not a peer's
            reject(k, REPLICA_REJECT_MALFORMED, NODE_UNKNOWN, (u64)length);
            continue;
        }
        receive_one(k, (u32)length, now_ns);
    }
    incoming_flush(k);
    if (now_ns >= h->next_sync_ns) sync_round(k, now_ns);
    h->poll_ns = now_ns < h->busy_until_ns ? now_ns + REPLICA_POLL_NS : 0;
}

u64 replica_host_deadline(const struct kernel *k) {
    assert(k != NULL);
    const struct replica_host *h = &k->replica;
    if (!h->enabled || !h->networked) return 0;
    return h->poll_ns != 0 && h->poll_ns < h->next_sync_ns ? h->poll_ns : h->next_sync_ns;
}
