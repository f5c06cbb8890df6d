// The replica checker's private tables (invariant_replica*.c only). Host memory, grown
// on demand up to the bounds in invariant_replica.h.
//   - writes: every PUT_INVOKE of the run, by (node, key, uid, value hash, size): what
//     replica_no_invention matches versions against, and the acked versions
//     replica_acked_writes_kept looks for.
//   - per node, per boot: the versions visible (ADDED and LOADED since the boot), by key,
//     newest (hlc, node) first: the model the reads are judged against.
#pragma once

#include "kernel/replica/replica_host.h"
#include "sim/invariants/invariant_replica.h"
#include "sim/invariants/invariants.h"

#define REPLICA_CHECK_NONE 0xffffffffu
#define REPLICA_CHECK_PENDING_PUTS 16u // puts in flight on one node (one per process)

enum replica_write_state { WRITE_PENDING = 0, WRITE_ACKED, WRITE_FAILED };

struct replica_write {
    struct replica_version version; // hlc: the acked (or bound) hlc, 0 while none
    u64 fingerprint;                // of node, key, uid, value hash, size
    u64 invoke_step;
    u64 complete_step;
    u32 pid;
    u32 next; // the next write of the same bucket, REPLICA_CHECK_NONE at the end
    u8 state; // enum replica_write_state
    u8 sim_node; // the simulated node whose client called (version.node: its engine's id)
};

struct replica_shadow_version {
    struct replica_version version;
    u32 older; // the next visible version of the key, in falling (hlc, node) order
};

struct replica_shadow_key {
    u64 key_hash;
    u32 newest; // REPLICA_CHECK_NONE: an empty slot
    u32 count;
};

struct replica_pending_put {
    u32 pid; // 0: free
    u32 write;
    u64 visible_hlc_max; // the highest hlc visible on the node when the put entered
    u64 given_hlc_max;   // the highest hlc the node had given its own versions then
};

struct replica_recent_op {
    u64 step;
    u64 time_ns;
    u32 pid;
    u32 op;
    i64 result;
    struct replica_version version;
};

struct replica_node_check {
    bool booted;              // the tables below describe the current boot
    u32 boots_seen;           // node->boots when they were reset
    u64 acked_hlc_last;       // across boots (replica_hlc_monotonic)
    u64 given_hlc_max;        // across boots: the highest hlc this node gave a version it
                              // wrote (added by a local put, or loaded back: acked or not)
    u64 visible_hlc_max;      // this boot
    struct replica_shadow_key *keys; // open addressing, power-of-two capacity
    u32 keys_capacity;
    u32 keys_count;
    struct replica_shadow_version *versions;
    u32 versions_capacity;
    u32 versions_count;
    bool overflowed;          // a table was full this boot: reads are not judged
    struct replica_pending_put pending[REPLICA_CHECK_PENDING_PUTS];
    struct replica_version touched[REPLICA_CHECK_TOUCHED_MAX]; // added this step
    u32 touched_count;
    struct replica_recent_op recent[REPLICA_CHECK_RECENT_OPS];
    u32 recent_next;
};

struct replica_check {
    struct replica_write *writes;
    u32 writes_count;
    u32 writes_capacity;
    bool writes_overflowed;
    u32 *buckets; // write index per fingerprint bucket
    u32 buckets_count;
    struct replica_node_check nodes[REPLICA_NODES_MAX];
};

struct replica_check *replica_check_get(struct sim *sim);
struct replica_node_check *replica_node_check(struct sim *sim, struct platform *node);
_Noreturn void replica_fail(struct sim *sim, struct platform *node, u32 invariant, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

// The shadow of visible versions (invariant_replica_shadow.c).
bool replica_check_same(const struct replica_version *a, const struct replica_version *b);
// (hlc, node) order: > 0 when a is newer.
i32 replica_check_order(const struct replica_version *a, const struct replica_version *b);
u64 replica_check_key_hash(const u8 *key, u32 key_len);
// 1 added, 0 held already, -1 a table is full (the boot's reads are no longer judged).
i32 replica_shadow_add(struct replica_node_check *check, const struct replica_version *version);
// The key's newest visible version (REPLICA_CHECK_NONE: none).
u32 replica_shadow_newest(const struct replica_node_check *check, const u8 *key, u32 key_len);
void replica_shadow_reset(struct replica_node_check *check);
void replica_format_version(char *out, u32 out_bytes, const struct replica_version *version);
void replica_recent_print(const struct replica_node_check *check, u32 node_id);

// invariant_replica_reads.c: a key's visible versions all held, its current the highest
// (after a version is added); the whole shadow at TRACE_REPLICA_BOOT; one read.
void replica_key_check(struct sim *sim, struct platform *node, struct replica_node_check *check, const u8 *key,
                       u32 key_len);
void replica_boot_check(struct sim *sim, struct platform *node, struct replica_node_check *check);
void replica_read_check(struct sim *sim, struct platform *node, struct replica_node_check *check,
                        const struct replica_observation *o);
// invariant_replica.c: every acked put of `writer` (NULL: of every node) is held by holder.
void replica_acked_all_held(struct sim *sim, struct platform *writer_or_null, struct platform *holder);
