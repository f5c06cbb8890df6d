// GrainDB's replicated keyspace (issue 14): the engine. Portable and pure: no platform,
// no disk, no network, no allocation, no globals. The kernel's room (kernel/replica/)
// hosts it: it persists versions and values in GrainDB, moves datagrams through
// platform_net_*, and calls the functions below; tests/replica/ drives it on the host.
//
// The model (a CRDT: a grow-only set of versions per key, read as a multi-value register
// ordered by (hlc, node)):
//   - A version is (key, hlc, node, uid, value hash, value size). It is written once, by a
//     client of `node`, and never changes. Versions are identified by (key, hlc, node):
//     one node never gives one key two versions with one hlc (its HLC is strictly
//     monotonic, across reboots too: loading the persisted versions raises it).
//   - A key's current version is the one with the highest (hlc, node) among the versions
//     this node holds; every version stays in its history (nothing acknowledged is ever
//     discarded). Merging is set union, so replicas that hold the same versions agree on
//     every current value, whatever order the versions arrived in and whatever the clocks.
//   - The hybrid logical clock (Kulkarni et al.): hlc = physical ms << 16 | counter. A
//     local event (a write) takes max(last + 1, physical ms << 16); receiving a datagram
//     or a version raises last to at least its hlc. So hlc never decreases on a node,
//     and a write made after a node has seen version v carries a higher hlc than v.
//     The physical part follows realtime (which may jump); the counter absorbs a
//     realtime that goes back. There is no bound on how far a peer's clock may lead
//     (a version from the future is accepted: convergence wins over the bound).
//   - Values are content-addressed objects (SHA-256), at most REPLICA_VALUE_BYTES_MAX:
//     they travel with their hash and the receiver verifies the bytes before storing.
//   - Anti-entropy: a Merkle tree over the versions. Leaf of a key: the top
//     REPLICA_TREE_LEAF_BITS bits of XXH3-64(key). A leaf's digest is the XOR of its
//     versions' digests (XXH3-64 of the version's fields: order-independent, so it is
//     updated in O(1) per version); an inner node's digest is XXH3-64 of its
//     REPLICA_TREE_FANOUT children's digests. Equal roots: the same versions (up to
//     64-bit collisions). A sync round sends the root's children; the peer answers
//     only for the children that differ, descending to the differing leaves, whose
//     versions both sides then send each other.
#pragma once

#include "kernel/lib/types.h"

// ---- limits ---------------------------------------------------------------------------------
#define REPLICA_NODES_MAX 8u              // NET_NODES_MAX, ABI_GRAINDB_NODES_MAX
#define REPLICA_KEY_BYTES_MAX 47u         // ABI_GRAINDB_KEY_BYTES_MAX - 1 (no NUL here)
#define REPLICA_VALUE_BYTES_MAX 256u      // ABI_GRAINDB_VALUE_BYTES_MAX
#define REPLICA_HASH_BYTES 32u
#define REPLICA_KEYS_MAX 16384u
#define REPLICA_KEY_SLOTS_COUNT 32768u    // open-addressing table of keys (power of two)
#define REPLICA_VERSIONS_MAX 32768u
#define REPLICA_TREE_FANOUT 16u
#define REPLICA_TREE_DEPTH 3u             // the leaves' depth: 16^3 leaves
#define REPLICA_TREE_LEAF_BITS 12u
#define REPLICA_TREE_LEAVES_COUNT 4096u
#define REPLICA_TREE_NODES_COUNT (1u + 16u + 256u + 4096u) // depth 0..3, breadth-first
#define REPLICA_MESSAGE_VERSIONS_MAX 16u  // versions one message holds before encoding
#define REPLICA_OUTBOX_MAX 64u            // messages one call may produce
#define REPLICA_HLC_COUNTER_BITS 16u
#define REPLICA_HLC_COUNTER_MASK 0xffffull
// Shares: a non-root user may hold at most this many versions (counted on this node,
// from every node); all non-root users together at most REPLICA_USERS_VERSIONS_MAX; the
// rest is root's and the peers' (a put that would eat into the room kept for versions
// arriving from peers is refused: REPLICA_PEER_RESERVE_VERSIONS).
#define REPLICA_USER_VERSIONS_MAX 2048u
#define REPLICA_USERS_VERSIONS_MAX (REPLICA_VERSIONS_MAX / 4u)
#define REPLICA_PEER_RESERVE_VERSIONS (REPLICA_VERSIONS_MAX / 4u)
#define REPLICA_NONE 0xffffffffu
// Appended by the engine: the clock never rises above this by observing a peer (a hostile
// hlc near 2^64 would make hlc + 1 wrap); 2^62 is about 2^46 ms of physical time (2200
// years from 1970) with the counter, far past any real clock.
#define REPLICA_HLC_MAX (1ull << 62)
// Appended by the flow helper (issue 14): flow control. One answer to a TREE descends
// into at most REPLICA_RESPOND_CHILDREN_MAX of the children that differ (depth 1 and 2)
// and sends at most REPLICA_RESPOND_LEAVES_MAX differing leaves (depth 3), starting at
// a rotating child (respond_cursor): a round moves a bounded amount (at most 4 * 4 * 4
// leaves), instead of every differing leaf at once (4096 leaves, some 12,000 datagrams
// in one burst, which no receiver's ring holds); later rounds take the rest.
#define REPLICA_RESPOND_CHILDREN_MAX 4u
#define REPLICA_RESPOND_LEAVES_MAX 4u

// ---- wire format (version 1; little-endian; docs in the README) ------------------------------
// Every datagram: a 32-byte header, then payload_bytes of payload.
//   0  u8[4] magic "GBRP"        4  u8 format version (REPLICA_WIRE_VERSION)
//   5  u8 type (enum replica_message_type)   6 u8 from node   7 u8 to node
//   8  u16 payload bytes         10 u16 zero
//   12 u32 sequence (the sender's datagram counter, this boot)
//   16 u64 sender's hlc when sent
//   24 u64 checksum: XXH3-64 (seed 0) of bytes 0..23 and the payload
// Payloads:
//   TREE      u8 depth (1..3: of the digests), u8 zero, u16 parent index (at depth-1),
//             then 16 u64 digests: the sender's children of that parent.
//   PULL      u16 leaf index: "send me your versions of this leaf".
//   VERSIONS  u16 leaf index (REPLICA_LEAF_NONE: a push of new writes), u8 count, u8 zero,
//             then count records: u64 hlc, u32 uid, u8 node, u8 key bytes, u16 value
//             bytes, u8[32] value hash, the key, the value.
//   WANT      u8[32] hash: "send me this object" (a damaged value being repaired).
//   OBJECT    u8[32] hash, u16 bytes, the bytes.
// A receiver drops (and counts) a datagram with a bad magic, version, type, length or
// checksum, or addressed to another node; it checks every value against its hash.
#define REPLICA_WIRE_MAGIC "GBRP"
#define REPLICA_WIRE_VERSION 1u
#define REPLICA_WIRE_HEADER_BYTES 32u
#define REPLICA_LEAF_NONE 0xffffu

enum replica_message_type {
    REPLICA_MSG_TREE = 1,
    REPLICA_MSG_PULL = 2,
    REPLICA_MSG_VERSIONS = 3,
    REPLICA_MSG_WANT = 4,
    REPLICA_MSG_OBJECT = 5,
};

struct replica_version {
    u64 hlc;
    u32 uid;
    u8 node;
    u8 key_len;
    u16 value_bytes;
    u8 key[REPLICA_KEY_BYTES_MAX];
    u8 value_hash[REPLICA_HASH_BYTES];
};

struct replica_message {
    u8 type; // enum replica_message_type
    u8 from;
    u8 to;
    u32 sequence;
    u64 sender_hlc;
    u16 depth;   // TREE
    u16 index;   // TREE: parent index; PULL, VERSIONS: leaf
    u64 digests[REPLICA_TREE_FANOUT]; // TREE
    u32 versions_count;               // VERSIONS
    struct replica_version versions[REPLICA_MESSAGE_VERSIONS_MAX];
    // VERSIONS decoded: each value's bytes inside the datagram (NULL when encoding: the
    // encoder is handed the values by the host).
    const u8 *values[REPLICA_MESSAGE_VERSIONS_MAX];
    u8 hash[REPLICA_HASH_BYTES]; // WANT, OBJECT
    u16 object_bytes;            // OBJECT
    const u8 *object;            // OBJECT, decoded: inside the datagram
};

struct replica_outbox {
    u32 count;
    struct replica_message messages[REPLICA_OUTBOX_MAX];
};

// ---- state --------------------------------------------------------------------------------
struct replica_key_entry {
    u8 key[REPLICA_KEY_BYTES_MAX];
    u8 key_len;
    u32 current;        // index of its (hlc, node)-highest version
    u32 versions_count;
    u64 key_hash;       // XXH3-64 of the key bytes
    // Appended by the engine (issue 14): the head of the key's history list (the
    // (hlc, node)-highest version; equal to current but under a planted bug), and the
    // next key of the same Merkle leaf in key byte order (REPLICA_NONE at the end).
    u32 newest;
    u32 next_in_leaf;
};

struct replica_version_entry {
    struct replica_version version;
    u32 key_index;
    u32 older;   // the next version of the key in (hlc, node) order, REPLICA_NONE at the end
    u64 digest;  // XXH3-64 of the version's fields (replica_version_digest)
};

struct replica_peer_state {
    u64 last_contact_ns;
    u64 datagrams_sent;
    u64 datagrams_received;
};

struct replica {
    u32 node;
    u32 nodes;
    u64 hlc_last;
    u32 keys_count;
    u32 versions_count;
    u32 sync_peer_next; // round-robin of sync rounds
    u32 sequence_next;
    u32 user_versions_count; // versions whose uid is not 0
    bool tree_dirty;
    u64 planted_mask;   // REPLICA_BUG_* bits (set by the host from --bug; 0 on hardware)
    struct replica_peer_state peers[REPLICA_NODES_MAX];
    u32 key_slots[REPLICA_KEY_SLOTS_COUNT]; // key index + 1, 0 empty
    struct replica_key_entry keys[REPLICA_KEYS_MAX];
    struct replica_version_entry versions[REPLICA_VERSIONS_MAX];
    u64 tree[REPLICA_TREE_NODES_COUNT]; // leaves always current; inner nodes when !tree_dirty
    // Appended by the engine: each leaf's first key (its list in key byte order), so a
    // leaf's versions are read without scanning every key.
    u32 leaf_first_key[REPLICA_TREE_LEAVES_COUNT];
    // Appended by the engine: which depth-2 nodes have a leaf that changed since the
    // inner nodes were computed (one bit each), so a recompute hashes only those.
    u64 tree_dirty_parents[REPLICA_TREE_LEAVES_COUNT / REPLICA_TREE_FANOUT / 64u];
    // Appended by the engine: where the next answer starts in a leaf whose versions do
    // not fit in one outbox, so that successive rounds send all of them.
    u32 leaf_send_cursor;
    // Appended by the flow helper: the child a TREE answer looks at first (rotated, so
    // the bounded answers of successive rounds cover every differing child).
    u32 respond_cursor;
};

// ---- planted bugs (engine sites; the kernel maps its BUG_REPLICA_* ids to these bits) -------
#define REPLICA_BUG_CURRENT_LAST_ARRIVED 0u // current = the version that arrived last
#define REPLICA_BUG_SYNC_SKIPS_LEAVES 1u    // a differing leaf is never pulled
#define REPLICA_BUG_MERGE_SENDER_NODE 2u    // a received version takes its sender's node id
#define REPLICA_BUG_HISTORY_DROPS_OLDER 3u  // a newer version replaces the older ones
#define REPLICA_BUG_HLC_PHYSICAL_ONLY 4u    // hlc = physical time (not monotonic)
#define REPLICA_BUG_HLC_IGNORES_REMOTE 5u   // receiving does not raise hlc
#define REPLICA_PLANTED(r, bug) ((((r)->planted_mask) >> (bug)) & 1u)

// ---- lifecycle ------------------------------------------------------------------------------
void replica_init(struct replica *r, u32 node, u32 nodes);
// A version read back from the disk at boot (any order): added like replica_add, and the
// HLC raised to it. Returns as replica_add.
i64 replica_load(struct replica *r, const struct replica_version *version);

// ---- the clock -------------------------------------------------------------------------------
// A local event at realtime physical_ns: the next hlc (strictly above every hlc this node
// gave or saw).
u64 replica_hlc_next(struct replica *r, u64 physical_ns);
// A remote hlc seen (a datagram's sender_hlc, a version's hlc).
void replica_hlc_observe(struct replica *r, u64 remote_hlc);

// ---- versions ------------------------------------------------------------------------------
// A valid key: 1..REPLICA_KEY_BYTES_MAX bytes, each '!'..'~'.
bool replica_key_valid(const u8 *key, u32 key_len);
// Fills *out with a new local version (hlc from replica_hlc_next). Adds nothing: the host
// persists it first, then calls replica_add. -E_INVAL bad key or size, -E_DQUOT the uid's
// share (or all users') is used up, -E_NOSPC no room but the peers' reserve.
i64 replica_prepare_put(struct replica *r, const u8 *key, u32 key_len, u32 uid,
                        const u8 value_hash[REPLICA_HASH_BYTES], u32 value_bytes,
                        u64 physical_ns, struct replica_version *out);
// A durable version becomes visible: 1 added, 0 held already (nothing changes),
// -E_NOMEM the key or version table is full, -E_INVAL malformed (bad key, node >= nodes).
i64 replica_add(struct replica *r, const struct replica_version *version);
bool replica_contains(const struct replica *r, const struct replica_version *version);
// XXH3-64 of hlc, uid, node, key, value hash and size (the leaf digests' parts).
u64 replica_version_digest(const struct replica_version *version);

// ---- reads ---------------------------------------------------------------------------------
// -E_NOENT when the key has no version (or no such index, or none as of that hlc).
i64 replica_get(const struct replica *r, const u8 *key, u32 key_len, struct replica_version *out,
                u32 *versions_count_out);
// index 0: the current version, then older in (hlc, node) order.
i64 replica_history(const struct replica *r, const u8 *key, u32 key_len, u32 index,
                    struct replica_version *out, u32 *versions_count_out);
i64 replica_get_as_of(const struct replica *r, const u8 *key, u32 key_len, u64 as_of_hlc,
                      struct replica_version *out);
// The versions of one leaf, from the start'th on (in key then (hlc, node) order); returns
// how many were written (at most capacity).
u32 replica_leaf_versions(const struct replica *r, u32 leaf, u32 start,
                          struct replica_version *out, u32 capacity);
u32 replica_leaf_of_key(const u8 *key, u32 key_len);

// ---- Merkle tree -----------------------------------------------------------------------------
// Recomputes the inner nodes when dirty. Index at depth d: 0 .. 16^d - 1.
u64 replica_tree_digest(struct replica *r, u32 depth, u32 index);
u64 replica_merkle_root(struct replica *r);

// ---- anti-entropy ----------------------------------------------------------------------------
// A sync round with the next peer (round-robin, skipping this node): a TREE of depth 1.
// Returns the peer, or REPLICA_NONE when there is none (a one-node cluster).
u32 replica_sync_start(struct replica *r, struct replica_outbox *out);
// The answer to a TREE or PULL from a peer (appended to out; VERSIONS without values:
// the host fills them in when it encodes). Other types: nothing (the host handles them).
void replica_respond(struct replica *r, const struct replica_message *m, struct replica_outbox *out);
// The peer's table: a valid datagram from `from` arrived at monotonic now_ns.
void replica_peer_heard(struct replica *r, u32 from, u64 now_ns);

// ---- wire codec ------------------------------------------------------------------------------
// Encodes m, with VERSIONS' values from values[] (each versions[i].value_bytes long), as
// many versions as fit in capacity starting at versions[first]; *versions_encoded says how
// many (at least 1 when any remain). Returns the datagram's length, or -E_2BIG when not
// even one fits, -E_INVAL for a malformed message.
i64 replica_wire_encode(const struct replica_message *m, const u8 *const values[], u32 first,
                        u8 *bytes, u32 capacity, u32 *versions_encoded);
// 0 and *m (pointers into bytes) | -E_BADMSG checksum | -E_INVAL magic, version, type or
// a length that does not add up. The caller checks m->to.
i64 replica_wire_decode(const u8 *bytes, u32 length, struct replica_message *m);
