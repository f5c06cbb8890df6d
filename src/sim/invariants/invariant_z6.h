// The z6 invariants' model (invariant_z6.c, invariant_z6_steps.c): what the simulator
// saw of the supervisor through its trace events (TRACE_Z6_*), kept per service of
// the node's current boot, apart from the engine's own state. The services' settings
// are read from the kernel's parsed table (k->z6.engine.services[i].config), the
// times from the node's monotonic clock at each event (the clock the engine is given).
#pragma once

#include "kernel/lib/types.h"
#include "subsystems/z6/z6.h"

// z6's timer fires at the first kernel step that begins at or after its deadline (and a
// step may last long: a slice, a syscall's disk latency), so a deadline is judged after
// each step that began past it, by this much (rounding only).
#define Z6_INVARIANT_SLACK_NS (1000ull * 1000)

struct z6_service_shadow {
    bool known;           // loaded and not refused
    bool want_up;         // boot (not down) or a start; a stop, a "no restart" clears it
    bool failed;          // the crash limit was reached: no spawn until start or reset
    bool limit_reached;   // its last death reached the limit (failed once finish ended)
    bool restart_asked;   // a restart command while it ran: respawn whatever the policy
    bool allowed_down;    // a command asked a down service (or a dependent of it) up
    bool spawned_ever;    // a run spawn succeeded this boot
    bool finishing;       // the run ended, its finish decides next
    bool ready;           // readiness notified by the current run
    bool term_sent;       // TERM sent to the current run
    u64 term_ns;
    u64 last_spawn_ns;    // the last run spawn that succeeded
    bool attempted_ever;  // a run spawn was announced this boot (failed or not)
    u64 last_attempt_ns;  // the last one: the restart delay owed runs from it at the latest
    u64 run_pid;          // 0: none
    u64 finish_pid;       // 0: none
    u32 last_exit_kind;   // enum z6_exit_kind
    u32 last_exit_value;  // code or signal
    u64 restart_due_ns;   // a spawn is owed by then (0: none owed)
    u64 crash_ns[Z6_CRASH_DEATHS_MAX]; // a ring, as the rule counts
    u32 crash_count;
    u32 crash_next;
};

struct z6_shadow {
    bool booted;        // TRACE_Z6_BOOT seen this boot
    bool table_due;     // a z6 event or an exit this step: compare with the process table
    u32 count;
    u32 timed;          // services with a TERM or a restart owed: the after-step checks
    struct z6_service_shadow services[Z6_SERVICES_MAX];
    struct z6_service_shadow moving[Z6_SERVICES_MAX]; // a reload's old accounts
};

// What the run's z6 did (the summary's z6 line), all nodes.
struct z6_counts {
    u64 boots;
    u64 spawns;      // run spawns that succeeded
    u64 restarts;    // of them, not a service's first of its boot
    u64 spawn_failures;
    u64 finishes;
    u64 crashes;     // deaths the crash limit counts
    u64 clean_exits; // exit 0 not caused by z6
    u64 terms;
    u64 kills;
    u64 failed;      // services that reached their crash limit
    u64 commands;    // commands z6 accepted
};

struct sim;
struct platform;
struct trace_event;
// From the kernel's z6 events and TRACE_EXIT (invariants_on_event).
void z6_on_event(struct sim *sim, struct platform *node, const struct trace_event *event);
// After each step of a running node.
void z6_after_step(struct sim *sim, struct platform *node);
// Shared by the two files.
const struct z6_service *z6_loaded(const struct platform *node, u32 index);
bool z6_dependencies_usable(const struct platform *node, u32 index, u32 *missing);
void z6_spawn_settled(struct platform *node, u32 index);
__attribute__((format(printf, 4, 5))) void z6_violation(struct sim *sim, struct platform *node, u32 invariant,
                                                        const char *format, ...);
