// Workload verdicts (the report syscall, abi.h): a self-checking program tells the
// machine "check NAME: N failures". The kernel logs it and emits TRACE_REPORT, which
// the simulator judges (invariant workload_checks_pass); on hardware the log line is
// all there is.
//
// Anyone may report, so the log is bounded: each reporting user has a bucket of
// REPORT_LOG_BURST lines, refilled by one line every REPORT_LOG_REFILL_NS of
// monotonic time. Root has a bucket of its own (bucket 0), so no user can silence
// root's reports; other users take the next free bucket, and once those are taken
// they share the last one. Lines a bucket cannot pay for are not printed but counted,
// and said with that bucket's next line. The trace event is never limited (it costs
// nothing on hardware, where observe_trace compiles away).
#pragma once

#include "kernel/abi.h"
#include "kernel/lib/types.h"

#define REPORT_LOG_BUCKETS 4u
#define REPORT_LOG_BURST 8u
#define REPORT_LOG_REFILL_NS 1000000000ull // one more line per second

struct report_bucket {
    bool used;
    u32 uid;          // bucket 0: root's (always); the last one may be shared
    u32 tokens;       // lines it may print now
    u64 refilled_ns;  // monotonic time up to which refills were credited
    u64 suppressed;   // lines not printed since its last printed line
};

struct report_state {
    struct report_bucket buckets[REPORT_LOG_BUCKETS];
    // The name of the report being handled, for the line and for the simulator (which
    // reads it when it sees TRACE_REPORT).
    char name[ABI_REPORT_NAME_LEN_MAX + 1];
};
