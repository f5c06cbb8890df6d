// Fault models the simulated platform consults. Each kind draws only from its own
// PCG32 stream of the node (sim/streams.h), so switching one kind on or off, or
// adding a kind, never changes what the others draw. Every injected fault is traced
// (TRACE_SIM_FAULT) and counted by kind.
#pragma once

#include "kernel/lib/types.h"

struct platform;
struct pcg32;

// X(enum name, scenario/report name, unit of the rate, largest rate the swarm draws)
#define FAULT_LIST(X)                                                            \
    X(FAULT_POWER_LOSS, "power_loss", "per million steps and device calls", 400u)                 \
    X(FAULT_PROCESS_CRASH, "process_crash", "per million user runs", 50000u)     \
    X(FAULT_CLOCK_JUMP, "clock_jump", "per million steps", 20000u)               \
    X(FAULT_CLOCK_DRIFT, "clock_drift", "per million steps", 5000u)              \
    X(FAULT_DISK_READ_ERROR, "disk_read_error", "per million reads", 20000u)     \
    X(FAULT_DISK_WRITE_ERROR, "disk_write_error", "per million writes", 10000u)  \
    X(FAULT_DISK_LATENT_ERROR, "disk_latent_error", "per million reads", 5000u)  \
    X(FAULT_DISK_CORRUPTION, "disk_corruption", "per million reads", 5000u)      \
    X(FAULT_DISK_TORN_WRITE, "disk_torn_write",                                  \
      "per million unflushed writes at power loss", 500000u)                     \
    X(FAULT_DISK_LOST_WRITE, "disk_lost_write", "per million writes landed", 5000u) \
    X(FAULT_DISK_MISDIRECTED_WRITE, "disk_misdirected_write",                    \
      "per million writes landed", 5000u)                                        \
    X(FAULT_DISK_LATENCY, "disk_latency", "per million disk operations", 50000u)    \
    X(FAULT_DISK_FLUSH_ERROR, "disk_flush_error", "per million flushes", 20000u)

#define FAULT_ENUM(id, name, unit, swarm_max) id,
enum fault_kind { FAULT_LIST(FAULT_ENUM) FAULT_COUNT };
#undef FAULT_ENUM

// Where a power loss struck: at the end of a step, or inside the kernel at a device
// call (the call completed, then the power failed before the kernel saw its result).
enum power_loss_site {
    POWER_LOSS_AFTER_STEP = 0,
    POWER_LOSS_AT_BLOCK_WRITE,
    POWER_LOSS_AT_FLUSH, // part of the cache landed first
    POWER_LOSS_AT_CONSOLE,
    POWER_LOSS_SITE_COUNT,
};

#define FAULT_RATE_PER_MILLION_MAX 1000000u

// Limits of the fault models.
#define POWER_LOSS_REBOOT_DELAY_MIN_NS 1000000ull    // 1 ms dark before power returns
#define POWER_LOSS_REBOOT_DELAY_MAX_NS 100000000ull  // 100 ms
// A block write or flush is where crash consistency is won or lost, so the power
// fails there this many times as often as at a step's end or a console write.
#define POWER_LOSS_STORAGE_CALL_FACTOR 4u
#define CLOCK_JUMP_MIN_NS 1000000ull                 // 1 ms
#define CLOCK_JUMP_MAX_NS 600000000000ull            // 10 minutes
#define CLOCK_OFFSET_MAX_NS 86400000000000ll         // realtime stays within a day of true
#define CLOCK_DRIFT_PPM_MAX 500                      // |drift| bound, parts per million
#define PPM_ONE 1000000ull
#define DISK_OP_BASE_NS 20000ull              // command overhead of a read or write
#define DISK_SECTOR_NS 2000ull                // transfer of one sector (~256 MB/s)
#define DISK_FLUSH_BASE_NS 200000ull          // a cache flush, plus DISK_SECTOR_NS per sector
#define DISK_LATENCY_SPIKE_MIN_NS 500000ull   // 0.5 ms
#define DISK_LATENCY_SPIKE_MAX_NS 50000000ull // 50 ms
#define DISK_MISDIRECT_NEAR_SECTORS_MAX 64u   // half of misdirected writes land this close

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
// long the node stays dark. Counted here (site POWER_LOSS_AFTER_STEP).
bool fault_power_loss_strikes(struct platform *node, u64 *delay_ns);
// At a device call inside the kernel (block write, flush, console write), with the
// same rate per million calls (times POWER_LOSS_STORAGE_CALL_FACTOR for block writes
// and flushes), from its own stream (STREAM_POWER_LOSS_DEVICE): true
// when power fails at this call; *delay_ns as above. Not counted here: the caller
// unwinds the kernel first and counts it then (sim/kernel_call.c).
bool fault_power_loss_at_device(struct platform *node, enum power_loss_site site, u64 *delay_ns);
const char *power_loss_site_name(enum power_loss_site site);
// Before a user run of `context` with the given budget: true when this run crashes
// after *after_instructions (1..budget) instructions. init (pid 1) is exempt: its
// death ends the machine by design, which would hide the rest of the workload.
struct user_context;
bool fault_process_crash_plan(struct platform *node, const struct user_context *context,
                              u64 budget_instructions, u64 *after_instructions);

// ---- disk.c --------------------------------------------------------------------
// The disk fault models, called by platform_block_* (sim/platform_sim.c) on a valid,
// non-empty range of an existing disk, and by node_power_loss. Each kind draws from
// its own stream; the atlas (sim/disk.h) may refuse a damaging fault, which is then
// traced (TRACE_SIM_DISK_ATLAS_REFUSED) and not counted as injected.
// read: a new latent error or corruption may strike a sector of the range first;
// then -E_IO when a sector is latent or a one-off read error strikes (the buffer is
// filled with DISK_ERROR_POISON_BYTE), else the newest data.
i64 fault_disk_read(struct platform *node, u64 sector, u8 *bytes, u32 sector_count);
// write: -E_IO and nothing written on a write error, else the write goes to the cache
// (the disk destages the cache first when it is full).
i64 fault_disk_write(struct platform *node, u64 sector, const u8 *bytes, u32 sector_count);
// flush: every cached write lands on the media (or is lost or misdirected); 0. When
// disk_flush_error strikes: each cached write lands or is dropped (coin), and -E_IO.
// *sectors_landed: how many sectors the cache held (for the latency).
i64 fault_disk_flush(struct platform *node, u64 *writes_landed, u64 *sectors_landed);
// A flush the power interrupts: the oldest cached writes (a drawn number, from the
// power-loss stream) reach the media; the rest stay unflushed for the power loss.
void fault_disk_flush_interrupted(struct platform *node);
// Power loss: each unflushed write is lost, or (disk_torn_write) kept or torn.
void fault_disk_power_loss(struct platform *node);
// Advances the node's time by base_ns, plus a drawn spike when disk_latency strikes.
void fault_disk_latency(struct platform *node, u64 base_ns);
