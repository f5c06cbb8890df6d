// Fault models the simulated platform consults: pure decisions. Each kind draws only
// from its own PCG32 stream of the node (sim/machine/streams.h), so switching one kind
// on or off, or adding a kind, never changes what the others draw. The simulator
// traces (TRACE_SIM_FAULT) and counts by kind every fault it injects. This folder
// uses nothing but its own headers and kernel/lib/types.h.
#pragma once

#include "kernel/lib/types.h"

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
    X(FAULT_DISK_FLUSH_ERROR, "disk_flush_error", "per million flushes", 20000u) \
    X(FAULT_NET_DROP, "net_drop", "per million datagrams", 50000u)               \
    X(FAULT_NET_DUPLICATE, "net_duplicate", "per million datagrams", 20000u)     \
    X(FAULT_NET_REORDER, "net_reorder", "per million datagrams", 50000u)         \
    X(FAULT_NET_PARTITION, "net_partition", "per million steps", 500u)

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
#define FAULT_SECTOR_BYTES 512u               // what a corruption flips a bit of
#define DISK_LATENCY_SPIKE_MIN_NS 500000ull   // 0.5 ms
#define DISK_LATENCY_SPIKE_MAX_NS 50000000ull // 50 ms
#define DISK_MISDIRECT_NEAR_SECTORS_MAX 64u   // half of misdirected writes land this close

// The network's (issue 14): a reordered datagram waits this much more, so later ones
// pass it; a partition lasts a drawn time within these bounds, then heals.
#define NET_REORDER_DELAY_MIN_NS 1000000ull     // 1 ms
#define NET_REORDER_DELAY_MAX_NS 50000000ull    // 50 ms
#define NET_PARTITION_MIN_NS 10000000ull        // 10 ms
#define NET_PARTITION_MAX_NS 3000000000ull      // 3 s
#define FAULT_NET_NODES_MAX 8u                  // = NET_NODES_MAX (kernel/platform.h)

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

// One decision: true when the kind is on and strikes now (one draw from rng, a
// chance of rate_per_million); no draw at all when it is off. Every model below
// starts with it, so a kind that is off never moves its stream.
bool fault_strikes(const struct fault_setting *setting, struct pcg32 *rng);

// The models below are decisions only: a kind's setting and its own random stream in,
// a decision out. They know nothing of nodes, disks or the kernel; the simulator
// (src/sim/machine) asks them and carries out, counts and traces what they decide.

// ---- clock.c -----------------------------------------------------------------
// After a step: true when realtime jumps, by *amount_ns (CLOCK_JUMP_MIN_NS..MAX),
// forward or back.
bool fault_clock_jump_strikes(const struct fault_setting *setting, struct pcg32 *rng,
                              u64 *amount_ns, bool *forward);
// After a step: true when the drift changes, to *drift_ppm.
bool fault_clock_drift_strikes(const struct fault_setting *setting, struct pcg32 *rng,
                               i32 *drift_ppm);
// A drift within ±CLOCK_DRIFT_PPM_MAX (at power-on, when drift faults are on).
i32 fault_clock_drift_draw(struct pcg32 *rng);

// ---- crash.c -------------------------------------------------------------------
// After a step of a running node: true when power fails now; *delay_ns is how long
// the node stays dark.
bool fault_power_loss_after_step(const struct fault_setting *setting, struct pcg32 *rng,
                                 u64 *delay_ns);
// At a device call inside the kernel (block write, flush, console write), with the
// same rate per million calls (times POWER_LOSS_STORAGE_CALL_FACTOR for block writes
// and flushes), from its own stream: true when power fails at this call; *delay_ns
// as above.
bool fault_power_loss_at_device(const struct fault_setting *setting, struct pcg32 *rng,
                                enum power_loss_site site, u64 *delay_ns);
const char *power_loss_site_name(enum power_loss_site site);
// Before a user run with the given budget: true when this run crashes after
// *after_instructions (1..budget) instructions. Who may be exempt is the caller's
// business: the draws are the same whoever runs.
bool fault_process_crash_plan(const struct fault_setting *setting, struct pcg32 *rng,
                              u64 budget_instructions, u64 *after_instructions);

// ---- disk.c --------------------------------------------------------------------
// What happens to a write never flushed when the power fails (traced as is).
enum unflushed_outcome { UNFLUSHED_LOST = 0, UNFLUSHED_KEPT = 1, UNFLUSHED_TORN = 2 };

// disk_latent_error on a read of [sector, + sector_count): true and the *target
// sector that goes bad.
bool fault_disk_pick_sector(const struct fault_setting *setting, struct pcg32 *rng, u64 sector,
                            u32 sector_count, u64 *target);
// disk_corruption on a read: true, the *target sector and the *bit that flips.
bool fault_disk_corruption_strikes(const struct fault_setting *setting, struct pcg32 *rng,
                                   u64 sector, u32 sector_count, u64 *target, u32 *bit);
// disk_misdirected_write on a write landing on a disk of disk_sectors: true and the
// *victim range's first sector (which may come out equal to sector: no misdirection).
bool fault_disk_misdirect_strikes(const struct fault_setting *setting, struct pcg32 *rng,
                                  u64 sector, u32 sector_count, u64 disk_sectors, u64 *victim);
// A fair coin (disk_flush_error: whether one cached write lands in a failed flush).
bool fault_disk_coin(struct pcg32 *rng);
// A flush the power interrupts: how many of the oldest writes_count cached writes
// reach the media first (0..writes_count).
u32 fault_disk_flush_interrupted_landing(struct pcg32 *rng, u32 writes_count);
// disk_torn_write at power loss, for one unflushed write of sector_count sectors: lost
// (the kind did not strike), kept whole, or torn; for a tear, sector *lands surely
// lands and sector *drops surely does not (so the subset is proper and non-empty).
enum unflushed_outcome fault_disk_unflushed(const struct fault_setting *setting, struct pcg32 *rng,
                                            u32 sector_count, u32 *lands, u32 *drops);
// In a tear: whether sector `index` of the write lands (each other sector: a coin).
bool fault_disk_torn_sector_lands(struct pcg32 *rng, u32 index, u32 lands, u32 drops);
// disk_latency: true and the *extra_ns an operation takes.
bool fault_disk_latency_strikes(const struct fault_setting *setting, struct pcg32 *rng,
                                u64 *extra_ns);

// ---- net.c (issue 14) ----------------------------------------------------------------
enum net_partition_kind {
    NET_PARTITION_SYMMETRIC = 0, // the nodes split in two groups, no link between them
    NET_PARTITION_ASYMMETRIC,    // one direction of one link, or one node cannot send
    NET_PARTITION_ISOLATED,      // one node cut off both ways
    NET_PARTITION_KIND_COUNT,
};

// A partition decided: which directed links are cut (bit `to` of blocked[from]), and
// for how long.
struct net_partition_plan {
    enum net_partition_kind kind;
    u64 duration_ns;
    u8 blocked[FAULT_NET_NODES_MAX];
};

// net_drop on one datagram: true when it is lost.
bool fault_net_drop_strikes(const struct fault_setting *setting, struct pcg32 *rng);
// net_duplicate on one datagram: true when it is delivered twice.
bool fault_net_duplicate_strikes(const struct fault_setting *setting, struct pcg32 *rng);
// net_reorder on one datagram: true and the *extra_ns it waits (NET_REORDER_DELAY_*).
bool fault_net_reorder_strikes(const struct fault_setting *setting, struct pcg32 *rng,
                               u64 *extra_ns);
// net_partition after a step of a cluster of nodes_count (2..FAULT_NET_NODES_MAX):
// true and the *plan of the partition that starts now.
bool fault_net_partition_strikes(const struct fault_setting *setting, struct pcg32 *rng,
                                 u32 nodes_count, struct net_partition_plan *plan);
const char *net_partition_kind_name(enum net_partition_kind kind);
// One datagram's latency on a link, uniform in [min_ns, max_ns].
u64 fault_net_latency_draw(struct pcg32 *rng, u64 min_ns, u64 max_ns);
