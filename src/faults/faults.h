// Fault models the simulated platform consults. Each kind draws only from its own
// PCG32 stream of the node (sim/streams.h), so switching one kind on or off, or
// adding a kind, never changes what the others draw. Every injected fault is traced
// (TRACE_SIM_FAULT) and counted by kind.
#pragma once

#include "../kernel/types.h"

struct platform;
struct pcg32;

// X(enum name, scenario/report name, unit of the rate, largest rate the swarm draws)
#define FAULT_LIST(X)                                                            \
    X(FAULT_POWER_LOSS, "power_loss", "per million steps", 400u)                 \
    X(FAULT_PROCESS_CRASH, "process_crash", "per million user runs", 50000u)     \
    X(FAULT_CLOCK_JUMP, "clock_jump", "per million steps", 20000u)               \
    X(FAULT_CLOCK_DRIFT, "clock_drift", "per million steps", 5000u)

#define FAULT_ENUM(id, name, unit, swarm_max) id,
enum fault_kind { FAULT_LIST(FAULT_ENUM) FAULT_COUNT };
#undef FAULT_ENUM

#define FAULT_RATE_PER_MILLION_MAX 1000000u

// Limits of the fault models.
#define POWER_LOSS_REBOOT_DELAY_MIN_NS 1000000ull    // 1 ms dark before power returns
#define POWER_LOSS_REBOOT_DELAY_MAX_NS 100000000ull  // 100 ms
#define CLOCK_JUMP_MIN_NS 1000000ull                 // 1 ms
#define CLOCK_JUMP_MAX_NS 600000000000ull            // 10 minutes
#define CLOCK_OFFSET_MAX_NS 86400000000000ll         // realtime stays within a day of true
#define CLOCK_DRIFT_PPM_MAX 500                      // |drift| bound, parts per million
#define PPM_ONE 1000000ull

enum fault_mode { FAULT_MODE_SWARM = 0, FAULT_MODE_ON, FAULT_MODE_OFF };

// What a scenario says about one kind (before the swarm).
struct fault_request {
    enum fault_mode mode;
    bool rate_given;
    u32 rate_per_million;
};

// What the run uses (after the swarm).
struct fault_setting {
    bool enabled;
    u32 rate_per_million;
};

const char *fault_name(u32 kind);
const char *fault_rate_unit(u32 kind);
u32 fault_swarm_rate_max(u32 kind);
const char *fault_mode_name(enum fault_mode mode);

// swarm.c: one draw of on/off and rate per kind, always in kind order and always
// all of them, then the scenario's choices override.
void faults_swarm_resolve(struct pcg32 *swarm, const struct fault_request requests[FAULT_COUNT],
                          struct fault_setting settings[FAULT_COUNT]);

// ---- clock.c -----------------------------------------------------------------
// A node's clocks, derived from its true simulated time. Monotonic time restarts at
// 0 on every power-on (like a hart's time CSR after reset) and runs at
// (1 + drift_ppm / 1e6) of true time; realtime = epoch + true time + offset, where
// the offset moves when a clock-jump fault strikes (an RTC set by someone else).
struct node_clock {
    u64 monotonic_anchor_ns; // monotonic value at true_anchor_ns
    u64 true_anchor_ns;
    i32 drift_ppm;
    i64 realtime_offset_ns;
};

#define CLOCK_EPOCH_NS 1767225600000000000ull // 2026-01-01T00:00:00Z

u64 clock_monotonic_at(const struct node_clock *clock, u64 true_ns);
u64 clock_realtime_at(const struct node_clock *clock, u64 true_ns);
// The earliest true time (>= the anchor) at which monotonic reaches monotonic_ns.
u64 clock_true_time_for(const struct node_clock *clock, u64 monotonic_ns);
// Changes the drift from true_ns on, keeping monotonic continuous.
void clock_set_drift(struct node_clock *clock, u64 true_ns, i32 drift_ppm);
// Resets monotonic to 0 at power-on; draws a new drift when drift faults are on.
void fault_clock_power_on(struct platform *node);
// After each step of a running node: maybe jump realtime, maybe change the drift.
void fault_clock_after_step(struct platform *node);

// ---- crash.c -------------------------------------------------------------------
// After each step of a running node: true when power fails now; *delay_ns is how
// long the node stays dark.
bool fault_power_loss_strikes(struct platform *node, u64 *delay_ns);
// Before a user run of `context` with the given budget: true when this run crashes
// after *after_instructions (1..budget) instructions. init (pid 1) is exempt: its
// death ends the machine by design, which would hide the rest of the workload.
struct user_context;
bool fault_process_crash_plan(struct platform *node, const struct user_context *context,
                              u64 budget_instructions, u64 *after_instructions);
