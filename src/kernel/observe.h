// The one door the simulator looks through: every event the portable code shows an
// observer is one typed struct passed to observe(). Four kinds:
//   - a trace event (kinds and the meaning of a, b, c in trace_events.h), which the
//     simulator hashes and keeps for failure reports;
//   - a filesystem change about to be made, and on whose authority (struct fs_change,
//     fs.h), emitted by the filesystem's own doors (fs_change_begin for namespace and
//     attribute batches, fs_file_open_write for content) after the kernel's checks
//     passed and before anything changes; the simulator holds it to its reference
//     model of the permission rules;
//   - a planted-bug site (bugs.h, planted_bug): the simulator answers whether --bug
//     planted that defect.
//   - an object the filesystem asked GrainDB for that GrainDB called damaged
//     (-E_BADMSG): its SHA-256 (GRAINDB_HASH_BYTES), so the simulator can read it
//     again from the disk as it is and hold the verdict to the bytes (no trace event:
//     the trace, and so every trace hash, stays as it was).
// This is not a machine service (those are platform.h): on hardware (no BASIN_SIM)
// observe() is a static inline that does nothing and answers false, so hw/ implements
// nothing for it and planted bugs vanish from the image. The simulator implements it in
// src/sim/machine/observe_sim.c.
#pragma once

#include "kernel/lib/types.h"
#include "kernel/trace_events.h"

struct platform;
struct fs_change; // fs.h
struct replica_observation; // kernel/replica/replica_host.h

enum observe_kind {
    OBSERVE_TRACE = 1, // .trace
    OBSERVE_FS_CHANGE, // .fs_change
    OBSERVE_BUG_SITE,  // .bug: enum planted_bug_id (bugs.h)
    OBSERVE_OBJECT_DAMAGED, // .object_hash: 32 bytes, valid during the call
    OBSERVE_REPLICA,        // .replica: a client operation or a version's life on this
                            // node (kernel/replica/replica_host.h), valid during the call
};

struct observe_trace {
    u32 kind; // TRACE_* (trace_events.h), below TRACE_SIM_BASE
    u64 a, b, c;
};

struct observe_event {
    enum observe_kind kind;
    union {
        struct observe_trace trace;
        const struct fs_change *fs_change;
        u32 bug;
        const u8 *object_hash;
        const struct replica_observation *replica;
    };
};

// The observer's answer: for OBSERVE_BUG_SITE, whether that bug is planted; false for
// every other kind.
#if defined(BASIN_SIM)
bool observe(struct platform *p, const struct observe_event *event);
#else
static inline bool observe(struct platform *p, const struct observe_event *event) {
    (void)p;
    (void)event;
    return false;
}
#endif

static inline void observe_trace(struct platform *p, u32 kind, u64 a, u64 b, u64 c) {
    (void)observe(p, &(struct observe_event){.kind = OBSERVE_TRACE, .trace = {.kind = kind, .a = a, .b = b, .c = c}});
}

static inline void observe_fs_change(struct platform *p, const struct fs_change *change) {
    (void)observe(p, &(struct observe_event){.kind = OBSERVE_FS_CHANGE, .fs_change = change});
}

static inline void observe_object_damaged(struct platform *p, const u8 *object_hash) {
    (void)observe(p, &(struct observe_event){.kind = OBSERVE_OBJECT_DAMAGED, .object_hash = object_hash});
}

static inline bool observe_bug_site(struct platform *p, u32 bug) {
    return observe(p, &(struct observe_event){.kind = OBSERVE_BUG_SITE, .bug = bug});
}

static inline void observe_replica(struct platform *p, const struct replica_observation *observation) {
    (void)observe(p, &(struct observe_event){.kind = OBSERVE_REPLICA, .replica = observation});
}
