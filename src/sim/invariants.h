// The invariant registry: named checks over a node's state, run after every step
// of that node (the other nodes did not change), or at the event they concern
// (a clock read, a wake-up, a power request, a boot, a panic). Each counts its
// checks; a failing one reports through sim_violation() and the run exits 1.
#pragma once

#include "../kernel/kernel.h"

struct platform;
struct sim;
struct trace_event;

// X(enum name, name, one-line description)
#define INVARIANT_LIST(X)                                                                     \
    X(INV_PROCESS_TABLE_CONSISTENT, "process_table_consistent",                              \
      "every RUNNABLE process is on the run queue exactly once and nothing else is; live "  \
      "pids are unique and nonzero; parents are live or 0")                                  \
    X(INV_FRAME_OWNERSHIP, "frame_ownership",                                                \
      "every page-table page and user frame reachable from a process's Sv39 table is "      \
      "owned by it alone; frames_owned and free_count match the frame table")               \
    X(INV_MONOTONIC_NEVER_DECREASES, "monotonic_never_decreases",                            \
      "CLOCK_MONOTONIC as given to each process never goes back (per boot)")                 \
    X(INV_SLEEP_UNTIL_NOT_EARLY, "sleep_until_not_early",                                    \
      "a sleeper is woken only once the node's monotonic clock reached its deadline")        \
    X(INV_SHUTDOWN_NEEDS_ROOT, "shutdown_needs_root",                                        \
      "halt, reboot and power-off are requested only while a uid 0 process is current "     \
      "(or by the kernel itself, with no current process)")                                  \
    X(INV_REBOOT_STATE_FRESH, "reboot_state_fresh",                                          \
      "after every reboot and power loss, kernel_state_digest equals the first boot's")     \
    X(INV_KERNEL_NO_PANIC, "kernel_no_panic", "the kernel never panics (a failed assert)")

#define INVARIANT_ENUM(id, name, description) id,
enum invariant_id { INVARIANT_LIST(INVARIANT_ENUM) INVARIANT_COUNT };
#undef INVARIANT_ENUM

#define INVARIANT_DETAIL_BYTES_MAX 200

// Per-node shadow state, reset at every boot.
struct monotonic_shadow {
    u32 pid; // 0: unused
    u64 last_ns;
};
struct invariant_node_state {
    struct monotonic_shadow monotonic[PROCS_MAX]; // by proc slot
};

const char *invariant_name(u32 id);
const char *invariant_description(u32 id);

// Pure checks (no counting, no reporting), for the registry and for unit tests.
// Each returns true when the invariant holds, else false with a one-line detail.
bool invariant_process_table(const struct kernel *k, char *detail, u32 detail_capacity);
bool invariant_frame_ownership(struct platform *node, const struct kernel *k, char *detail,
                               u32 detail_capacity);

// Registry hooks: count, and on failure call sim_violation() (does not return).
void invariants_node_reset(struct platform *node);
void invariants_after_step(struct sim *sim, struct platform *node);
void invariants_on_event(struct sim *sim, struct platform *node, const struct trace_event *event);
void invariants_on_power_request(struct sim *sim, struct platform *node, u32 request);
void invariants_on_boot(struct sim *sim, struct platform *node, u64 digest);
