// The kernel's room for GrainDB's replicated keyspace (issue 14): it hosts the engine
// (src/subsystems/graindb/replica.h) on this node. It loads the persisted versions at
// boot, persists every new version (a local put, or one received from a peer) in GrainDB
// before it becomes visible, moves the engine's messages through platform_net_*, runs a
// sync round with one peer every REPLICA_SYNC_INTERVAL_NS, and serves the graindb
// syscall (abi.h). Rebuilt at every boot from the disk.
//
// On the disk (GrainDB, the filesystem's database): the ref "replica/log" names the
// newest log chunk object. A chunk holds the versions one commit made durable (format:
// replica_log.c), links to the previous chunk and to its values' objects, so a
// compaction keeps every version ever acknowledged and every value.
#pragma once

#include "kernel/abi.h"
#include "kernel/lib/types.h"
#include "kernel/platform.h"
#include "subsystems/graindb/replica.h"

struct kernel;

#define REPLICA_SYNC_INTERVAL_NS 50000000ull  // a sync round with the next peer
#define REPLICA_RECEIVE_BATCH_MAX 32u         // datagrams handled in one kernel step
#define REPLICA_LOG_KEY "replica/log"
#define REPLICA_WANTS_MAX 32u                 // damaged values being fetched again
// Appended by the flow helper (issue 14): while anti-entropy finds differences, the next
// round starts once the last one's exchange has been quiet this long (not a whole
// interval later): each round moves a bounded amount (replica.h,
// REPLICA_RESPOND_*_MAX), so rounds come as fast as the answers are taken in.
#define REPLICA_SYNC_QUIET_NS 4000000ull
// Until then the machine wakes this often to take the answers in (in the simulator an
// idle node otherwise jumps to its deadline past answers sent after it went idle).
#define REPLICA_POLL_NS 1000000ull
// At most this many datagrams to one peer per REPLICA_SYNC_QUIET_NS (the rest are not
// sent: anti-entropy brings them later): a peer's requests (a PULL costs 34 bytes, its
// answer up to a whole outbox) cannot make this node flood the network or the peer.
#define REPLICA_PEER_SEND_BUDGET 256u
// A log chunk (replica_log.c): a 16-byte header, links (the previous chunk, then the
// values' hashes), then one record per version (48 bytes and the key).
#define REPLICA_CHUNK_HEADER_BYTES 16u
#define REPLICA_CHUNK_RECORD_BYTES 48u
#define REPLICA_CHUNK_BYTES_MAX (REPLICA_CHUNK_HEADER_BYTES + \
    (1u + REPLICA_MESSAGE_VERSIONS_MAX) * REPLICA_HASH_BYTES + \
    REPLICA_MESSAGE_VERSIONS_MAX * (REPLICA_CHUNK_RECORD_BYTES + REPLICA_KEY_BYTES_MAX))

struct replica_host {
    bool enabled;      // the keyspace is usable (the filesystem is mounted)
    bool networked;    // replica.nodes >= 2 and the machine has a network device
    bool loaded;       // the persisted versions are in the engine
    u64 next_sync_ns;  // monotonic
    u64 datagrams_rejected;
    u64 objects_rejected;
    u64 objects_repaired;
    u32 wants_count;   // hashes of damaged values asked of peers
    u8 wants[REPLICA_WANTS_MAX][REPLICA_HASH_BYTES];
    u8 log_head[REPLICA_HASH_BYTES]; // the newest chunk (all zero: none yet)
    u8 datagram[NET_DATAGRAM_BYTES_MAX];
    struct replica_message message;  // the one being decoded or encoded
    struct replica_outbox outbox;
    struct replica engine;
    // Appended by the replkernel helper (issue 14): scratch the room needs outside the
    // stack (kernel stacks are small): one message's values being sent, the versions
    // received in one message that are new, and one log chunk being written or read.
    u8 values[REPLICA_MESSAGE_VERSIONS_MAX][REPLICA_VALUE_BYTES_MAX];
    u32 incoming_count;
    struct replica_version incoming[REPLICA_MESSAGE_VERSIONS_MAX];
    const u8 *incoming_values[REPLICA_MESSAGE_VERSIONS_MAX];
    u8 chunk[REPLICA_CHUNK_BYTES_MAX];
    u64 datagrams_not_for_us; // addressed to another node (hardware broadcasts every frame)
    // The graindb syscall's request and answers, copied in and out of the caller.
    struct abi_graindb_request request;
    struct abi_graindb_reply reply;
    struct abi_graindb_status status;
    // Appended by the flow helper (issue 14): the values of incoming[] (copied out of
    // the datagram): the new versions of several VERSIONS datagrams received in one
    // step are made durable in ONE commit (a commit per datagram made the receiver the
    // bottleneck: its backlog filled the network).
    u8 incoming_bytes[REPLICA_MESSAGE_VERSIONS_MAX][REPLICA_VALUE_BYTES_MAX];
    u64 round_started_ns; // monotonic: the last sync round's start
    u64 busy_until_ns;    // monotonic: answers of a round are expected until then
    u64 poll_ns;          // monotonic: the next wake to take them in (0: none)
    u64 budget_window_ns[REPLICA_NODES_MAX]; // monotonic: each peer's send window start
    u32 budget_sent[REPLICA_NODES_MAX];      // datagrams sent to it in that window
    u64 datagrams_withheld;                  // not sent: over a peer's budget
};

// After the filesystem is mounted: reads replica.nodes= and replica.node=, loads the log.
void replica_host_boot(struct kernel *k);
// Each kernel step: datagrams received, answers sent, a sync round when due.
void replica_host_step(struct kernel *k, u64 now_ns);
// The next sync round (0: none), for the idle wait.
u64 replica_host_deadline(const struct kernel *k);
// The graindb syscall (abi.h).
// args: op, the request's user address, the reply's (or status's) user address.
i64 sys_graindb(struct kernel *k, u32 slot, const u64 *args);

// What the simulator sees (observe.h, OBSERVE_REPLICA): every client operation, from the
// one place each happens (the syscall's handler), and every version that becomes visible
// on this node. The Jepsen-style checker and the replica_* invariants are built on them.
enum replica_observation_kind {
    REPLICA_OBSERVE_PUT_INVOKE = 1, // a put entered: .version's key, uid, value hash and
                                    // size (hlc 0), .value the bytes
    REPLICA_OBSERVE_PUT_ACK,        // the put returned 0: .version is durable and visible
    REPLICA_OBSERVE_PUT_FAIL,       // the put failed: .error
    REPLICA_OBSERVE_READ,           // a read answered: .op (ABI_GRAINDB_GET, HISTORY,
                                    // GET_AS_OF), .index, .as_of_hlc, .found, .version,
                                    // .value (the bytes returned), or .error
    REPLICA_OBSERVE_ADDED,          // a version became visible here (.from_peer)
    REPLICA_OBSERVE_LOADED,         // a version read back from the disk at boot
    REPLICA_OBSERVE_OBJECT_STORED,  // .value (.value_bytes) stored under .version.value_hash
};

struct replica_observation {
    u32 kind; // enum replica_observation_kind
    u32 pid;
    u32 op;
    u32 index;
    bool found;
    bool from_peer;
    i64 error;
    u64 as_of_hlc;
    struct replica_version version;
    const u8 *value;
    u32 value_bytes;
};
