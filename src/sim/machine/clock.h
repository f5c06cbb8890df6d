// A node's clocks, derived from its true simulated time. Monotonic time restarts at
// 0 on every power-on (like a hart's time CSR after reset) and runs at
// (1 + drift_ppm / 1e6) of true time; realtime = epoch + true time + offset, where
// the offset moves when a clock-jump fault strikes (an RTC set by someone else).
// The device only: when a jump or a drift change strikes is decided by the clock
// fault models (faults/clock.c), and node_faults.c carries their decisions out here.
#pragma once

#include "kernel/lib/types.h"

struct node_clock {
    u64 monotonic_anchor_ns; // monotonic value at true_anchor_ns
    u64 true_anchor_ns;
    i32 drift_ppm;
    i64 realtime_offset_ns;
};

#define CLOCK_EPOCH_NS 1767225600000000000ull // 2026-01-01T00:00:00Z
#define PPM_ONE 1000000ull

u64 clock_monotonic_at(const struct node_clock *clock, u64 true_ns);
u64 clock_realtime_at(const struct node_clock *clock, u64 true_ns);
// The earliest true time (>= the anchor) at which monotonic reaches monotonic_ns.
u64 clock_true_time_for(const struct node_clock *clock, u64 monotonic_ns);
// Changes the drift from true_ns on, keeping monotonic continuous.
void clock_set_drift(struct node_clock *clock, u64 true_ns, i32 drift_ppm);
// Power-on at true_ns: monotonic restarts at 0 with no drift; the realtime offset is
// kept (the RTC survives resets and power losses).
void clock_power_on(struct node_clock *clock, u64 true_ns);
// Moves realtime by amount_ns, forward or back, within CLOCK_OFFSET_MAX_NS of true.
void clock_jump_realtime(struct node_clock *clock, u64 amount_ns, bool forward);
