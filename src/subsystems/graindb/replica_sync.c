// Anti-entropy: a round sends the root's 16 children to one peer; each side answers
// only for the children that differ, one level deeper each time, and at the leaves both
// send their versions (VERSIONS, and a PULL for the peer's). The outbox bounds one
// answer; what does not fit is found again by the next round.
#include "subsystems/graindb/replica_internal.h"

static struct replica_message *
message_new(struct replica *r, struct replica_outbox *out, u8 type, u32 to)
{
    assert(to < REPLICA_NODES_MAX);
    if (out->count >= REPLICA_OUTBOX_MAX) return NULL;
    struct replica_message *m = &out->messages[out->count++];
    mem_set(m, 0, sizeof(*m));
    m->type = type;
    m->from = (u8)r->node;
    m->to = (u8)to;
    m->sequence = r->sequence_next++;
    m->sender_hlc = r->hlc_last;
    return m;
}

static bool
tree_message(struct replica *r, struct replica_outbox *out, u32 to, u32 depth, u32 parent)
{
    assert(depth >= 1);
    assert(depth <= REPLICA_TREE_DEPTH);
    struct replica_message *m = message_new(r, out, REPLICA_MSG_TREE, to);
    if (m == NULL) return false;
    m->depth = (u16)depth;
    m->index = (u16)parent;
    for (u32 i = 0; i < REPLICA_TREE_FANOUT; i++) {
        m->digests[i] = replica_tree_digest(r, depth, parent * REPLICA_TREE_FANOUT + i);
    }
    return true;
}

u32
replica_sync_start(struct replica *r, struct replica_outbox *out)
{
    assert(r != NULL);
    assert(out != NULL);
    if (r->nodes <= 1) return REPLICA_NONE;
    u32 peer = r->sync_peer_next % r->nodes;
    if (peer == r->node) peer = (peer + 1u) % r->nodes;
    r->sync_peer_next = (peer + 1u) % r->nodes;
    if (!tree_message(r, out, peer, 1, 0)) return REPLICA_NONE;
    return peer;
}

static u32
leaf_versions_count(const struct replica *r, u32 leaf)
{
    u32 count = 0;
    for (u32 k = r->leaf_first_key[leaf]; k != REPLICA_NONE; k = r->keys[k].next_in_leaf) {
        count += r->keys[k].versions_count;
    }
    assert(count <= r->versions_count);
    return count;
}

// Our versions of a leaf to `to`, REPLICA_MESSAGE_VERSIONS_MAX per message. A leaf too
// big for the room left starts where the last such answer stopped (leaf_send_cursor),
// wrapping around: rounds after rounds send every version, not always the same first.
static bool
leaf_send(struct replica *r, struct replica_outbox *out, u32 to, u32 leaf)
{
    assert(leaf < REPLICA_TREE_LEAVES_COUNT);
    u32 total = leaf_versions_count(r, leaf);
    u32 room = (REPLICA_OUTBOX_MAX - out->count) * REPLICA_MESSAGE_VERSIONS_MAX;
    u32 start = total > room ? r->leaf_send_cursor % total : 0;
    u32 sent = 0;
    bool fitted = true;
    while (sent < total) {
        struct replica_message *m = message_new(r, out, REPLICA_MSG_VERSIONS, to);
        if (m == NULL) {
            fitted = false;
            break;
        }
        u32 at = (start + sent) % total;
        u32 want = total - at < total - sent ? total - at : total - sent;
        if (want > REPLICA_MESSAGE_VERSIONS_MAX) want = REPLICA_MESSAGE_VERSIONS_MAX;
        m->index = (u16)leaf;
        m->versions_count = replica_leaf_versions(r, leaf, at, m->versions, want);
        assert(m->versions_count == want);
        sent += want;
    }
    if (total > room) r->leaf_send_cursor += sent;
    return fitted;
}

// Answers for at most REPLICA_RESPOND_CHILDREN_MAX (inner) or REPLICA_RESPOND_LEAVES_MAX
// (leaves) of the children that differ, the first looked at rotating between answers.
static void
respond_tree(struct replica *r, const struct replica_message *m, struct replica_outbox *out)
{
    u32 depth = m->depth;
    if (depth < 1 || depth > REPLICA_TREE_DEPTH) return;
    if (m->index >= replica_tree_width(depth - 1u)) return;
    u32 answers_max = depth < REPLICA_TREE_DEPTH ? REPLICA_RESPOND_CHILDREN_MAX : REPLICA_RESPOND_LEAVES_MAX;
    u32 first = r->respond_cursor++ % REPLICA_TREE_FANOUT;
    u32 answers = 0;
    for (u32 i = 0; i < REPLICA_TREE_FANOUT && answers < answers_max; i++) {
        u32 slot = (first + i) % REPLICA_TREE_FANOUT;
        u32 child = (u32)m->index * REPLICA_TREE_FANOUT + slot;
        if (replica_tree_digest(r, depth, child) == m->digests[slot]) continue;
        answers++;
        if (depth < REPLICA_TREE_DEPTH) {
            if (!tree_message(r, out, m->from, depth + 1u, child)) return;
            continue;
        }
        // Planted: a differing leaf is neither sent nor pulled.
        if (REPLICA_PLANTED(r, REPLICA_BUG_SYNC_SKIPS_LEAVES)) continue;
        // The PULL first: the peer's versions come even when ours do not all fit.
        struct replica_message *pull = message_new(r, out, REPLICA_MSG_PULL, m->from);
        if (pull == NULL) return;
        pull->index = (u16)child;
        if (!leaf_send(r, out, m->from, child)) return;
    }
    assert(answers <= answers_max);
}

void
replica_respond(struct replica *r, const struct replica_message *m, struct replica_outbox *out)
{
    assert(r != NULL);
    assert(m != NULL);
    assert(out != NULL);
    if (m->from >= r->nodes || m->from == r->node) return;
    if (m->type == REPLICA_MSG_TREE) respond_tree(r, m, out);
    if (m->type == REPLICA_MSG_PULL && m->index < REPLICA_TREE_LEAVES_COUNT) {
        leaf_send(r, out, m->from, m->index);
    }
}

void
replica_peer_heard(struct replica *r, u32 from, u64 now_ns)
{
    assert(r != NULL);
    if (from >= r->nodes || from >= REPLICA_NODES_MAX) return;
    struct replica_peer_state *peer = &r->peers[from];
    if (now_ns > peer->last_contact_ns) peer->last_contact_ns = now_ns;
    peer->datagrams_received++;
    assert(peer->datagrams_received > 0);
}
