// The run's trace: every event (kernel kinds from trace_events.h, simulator kinds
// below) is folded into one running XXH64, kept in a ring for failure reports and,
// with --trace FILE, written as one text line. Two runs agree exactly when their
// trace hashes do, so the hash is the determinism check across compilers.
#pragma once

#include <stdio.h>

#include "kernel/trace_events.h"
#include "kernel/lib/types.h"

#define TRACE_RING_EVENTS 64
#define TRACE_EVENT_HASH_BYTES 48 // node 4, step 8, time 8, kind 4, a b c 8 each
#define TRACE_LINE_BYTES_MAX 160

// X(enum name, text name, what a, b and c mean)
#define TRACE_SIM_LIST(X)                                                          \
    X(TRACE_SIM_STEP, "sim_step", "kernel_step result, 0, 0")                      \
    X(TRACE_SIM_FAULT, "sim_fault", "fault kind, detail, detail")                  \
    X(TRACE_SIM_POWER_LOSS, "sim_power_loss", "reboot delay ns, boots, 0")         \
    X(TRACE_SIM_BOOT, "sim_boot", "boot number, state digest, boot cause")         \
    X(TRACE_SIM_REBOOT, "sim_reboot", "delay ns, boots, 0")                        \
    X(TRACE_SIM_POWER_REQUEST, "sim_power_request", "request, current pid, uid")   \
    X(TRACE_SIM_NODE_OFF, "sim_node_off", "kernel run state, boots, 0")            \
    X(TRACE_SIM_VIOLATION, "sim_violation", "invariant index, 0, 0")              \
    X(TRACE_SIM_CONSOLE_LINE, "sim_console_line", "bytes, xxh64 of the line, 0")   \
    X(TRACE_SIM_ENTROPY, "sim_entropy", "bytes, xxh64 of the bytes, 0")            \
    X(TRACE_SIM_DISK_READ, "sim_disk_read", "sector, sector count, result")       \
    X(TRACE_SIM_DISK_WRITE, "sim_disk_write", "sector, sector count, result")     \
    X(TRACE_SIM_DISK_FLUSH, "sim_disk_flush", "writes landed, sectors, result")   \
    X(TRACE_SIM_DISK_UNFLUSHED, "sim_disk_unflushed",                             \
      "sector, sector count, 0 lost / 1 kept / 2 torn (at power loss)")           \
    X(TRACE_SIM_DISK_ATLAS_REFUSED, "sim_disk_atlas_refused", "fault kind, sector, 0") \
    X(TRACE_SIM_NET_SEND, "sim_net_send", "to node, sequence, deliver at ns")      \
    X(TRACE_SIM_NET_DELIVER, "sim_net_deliver", "from node, sequence, bytes")      \
    X(TRACE_SIM_NET_DROP, "sim_net_drop", "why (enum net_drop_why), sequence, to << 8 | from") \
    X(TRACE_SIM_NET_PARTITION, "sim_net_partition", "kind, ends at ns, blocked links (8 bits per sender)") \
    X(TRACE_SIM_NET_HEAL, "sim_net_heal", "kind (3: the cut), partitions so far, 0") \
    X(TRACE_SIM_LIVENESS_HEAL, "sim_liveness_heal", "heal at ns, bound ns, 0")    \
    X(TRACE_SIM_LIVENESS_CONVERGED, "sim_liveness_converged", "ns after the heal, 0, 0")

#define TRACE_SIM_ENUM(id, name, args) id,
enum trace_sim_kind { TRACE_SIM_FIRST = TRACE_SIM_BASE - 1, TRACE_SIM_LIST(TRACE_SIM_ENUM) TRACE_SIM_END };
#undef TRACE_SIM_ENUM
STATIC_ASSERT(TRACE_KERNEL_COUNT <= TRACE_SIM_BASE);

struct trace_event {
    u32 node;
    u32 kind;
    u64 step;
    u64 time_ns; // the node's simulated time when the event happened
    u64 a;
    u64 b;
    u64 c;
};

struct trace_json;
struct trace_hash; // the XXH64 state, private to trace.c (xxhash.h stays out of headers)

struct trace {
    struct trace_hash *hash;
    struct trace_event ring[TRACE_RING_EVENTS];
    u64 count; // events recorded so far; ring holds the last TRACE_RING_EVENTS
    FILE *file; // NULL unless --trace
    bool file_failed;
    struct trace_json *json; // NULL unless --trace-json (trace_json.h); not owned
    FILE *stream; // NULL unless a --check-determinism run: every event, encoded, in binary
    bool stream_failed;
};

// False when memory runs out.
bool trace_init(struct trace *t, FILE *file);
void trace_deinit(struct trace *t);
void trace_record(struct trace *t, const struct trace_event *event);
u64 trace_hash(const struct trace *t);
// XXH64 (seed 0) of bytes: lets events carry content (console lines, entropy) so that
// the run's hash covers what the programs saw and printed, not only how much.
u64 trace_hash_bytes(const void *bytes, u64 count);
// The bytes hashed for one event: fields in declaration order, little endian.
void trace_encode(const struct trace_event *event, u8 bytes[TRACE_EVENT_HASH_BYTES]);
// The inverse of trace_encode (--check-determinism reads the runs' streams back).
void trace_decode(const u8 bytes[TRACE_EVENT_HASH_BYTES], struct trace_event *event);
const char *trace_kind_name(u32 kind);
void trace_format(const struct trace_event *event, char *line, u32 line_capacity);
// Copies the last events, oldest first; returns how many.
u32 trace_recent(const struct trace *t, struct trace_event *events, u32 capacity);
