// One simulated node: the machine a kernel runs on (its struct platform), holding
// its own RAM, clocks, console, random streams and the kernel itself. The simulator
// owns the nodes; the kernel only ever sees the struct platform pointer.
#pragma once

#include <setjmp.h>
#include <stdio.h>

#include "faults/faults.h"
#include "kernel/kernel.h"
#include "sim/machine/clock.h"
#include "sim/machine/disk.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/streams.h"

#define NODE_RAM_BASE_PA 0x80000000ull
#define NODE_RAM_SIZE_BYTES (16ull << 20)
#define SIM_FRAMES_MAX (NODE_RAM_SIZE_BYTES / PAGE_SIZE_BYTES) // the kernel's frame table covers RAM
#define NODE_POISON_BYTE 0xa5 // fills discarded RAM and kernel state
#define SIM_INSTRUCTION_NS 1ull   // a 1 GHz hart retiring one instruction per cycle
#define SIM_TRAP_COST_NS 50ull    // entering and leaving the trap handler
#define SIM_STEP_COST_NS 100ull   // kernel work of one step; guarantees progress
#define SIM_KERNEL_REGION_BYTES (1ull << 30) // RAM mapped as one gigapage
#define REBOOT_DELAY_MIN_NS 100000ull        // firmware time of a requested reboot
#define REBOOT_DELAY_MAX_NS 10000000ull
#define CONSOLE_RING_BYTES 4096
#define CONSOLE_LINE_BYTES_MAX 240

enum node_state {
    NODE_DOWN = 0, // dark: powers on (boots) when the loop reaches its time
    NODE_RUNNING,
    NODE_OFF, // halted or powered off for good
};

enum boot_cause { BOOT_COLD = 0, BOOT_POWER_LOSS, BOOT_REBOOT, BOOT_CAUSE_COUNT };

enum power_request { POWER_REQUEST_NONE = 0, POWER_REQUEST_HALT, POWER_REQUEST_REBOOT,
                     POWER_REQUEST_POWER_OFF };

struct node_console {
    u8 ring[CONSOLE_RING_BYTES]; // everything written, for failure reports
    u64 written_bytes;
    char line[CONSOLE_LINE_BYTES_MAX];
    u32 line_length;
};

struct sim;
struct rv64_decode_cache;

struct platform {
    struct sim *sim;
    u32 id;
    enum node_state state;
    enum boot_cause next_boot_cause;
    u64 now_ns; // true simulated time of this node; the loop steps the earliest node
    struct node_clock clock;
    u8 *ram; // NODE_RAM_SIZE_BYTES at NODE_RAM_BASE_PA
    struct rv64_decode_cache *decode_cache; // NULL with --no-block-cache (rv64_decode.h)
    struct pcg32 streams[STREAM_COUNT]; // STREAM_SWARM slot unused
    struct node_console console;
    enum power_request power_request;
    u32 boots;
    u32 boots_by_cause[BOOT_CAUSE_COUNT]; // what ended the life before each boot
    u64 life_start_ns; // when the current life booted (workload_reaches_end's life limit)
    u64 latency_injected_ns;   // extra disk latency injected, all lives (disk_faults.c)
    u64 life_latency_start_ns; // latency_injected_ns when the current life booted
    u64 first_boot_digest;
    enum kernel_run_state final_run_state; // valid when NODE_OFF
    u64 user_instructions;
    u64 faults_seen[FAULT_COUNT]; // injected on this node in any life (what reports may excuse)
    bool disk_full_seen;          // a commit failed with E_NOSPC on this node, in any life (likewise)
    struct invariant_node_state invariants;
    struct storage_shadow storage; // describes the disk: survives power loss and reboots
    struct seed_file_shadow seed_file; // likewise (invariant_random.c)
    struct file_acks file_acks;    // files acknowledged on the disk: survive them too
    struct sim_disk disk; // survives power loss and reboots, like a real drive
    // Power loss inside the kernel (kernel_call.c): armed only while kernel_boot or
    // kernel_step runs; a device call at which the power fails jumps back.
    jmp_buf power_unwind;
    bool power_unwind_armed;
    enum power_loss_site unwind_site;
    u64 unwind_delay_ns;
    // The simulator reads the node's storage for its invariants: device reads are
    // served without faults, latency or trace, and nothing may write.
    bool inspecting;
    struct kernel kernel;
};

// node.c
struct platform *node_create(struct sim *sim, u32 id, u64 seed); // NULL: out of memory
void node_destroy(struct platform *node);
// False when the power failed inside kernel_boot: the node is down again.
bool node_boot(struct platform *node);
void node_power_loss(struct platform *node, u64 delay_ns);
void node_power_loss_at(struct platform *node, u64 delay_ns, enum power_loss_site site);
void node_schedule_reboot(struct platform *node, u64 delay_ns);
void node_turn_off(struct platform *node, enum kernel_run_state run_state);
const char *node_state_text(const struct platform *node);
const char *kernel_run_state_name(enum kernel_run_state run_state);
void *node_pa_to_ptr(struct platform *node, u64 pa, u64 size_bytes); // NULL if outside RAM
void node_advance(struct platform *node, u64 delta_ns);

// kernel_call.c: kernel_boot (step == NULL) or kernel_step (*step gets its result)
// with the power-loss unwind armed. False when the power failed inside: the node has
// been through node_power_loss_at and is down.
bool node_kernel_call(struct platform *node, enum kernel_step_result *step);
// From a platform_* entry point, as its last action: the power fails now.
_Noreturn void node_power_unwind(struct platform *node, enum power_loss_site site, u64 delay_ns);

// node_faults.c: the clock and crash fault models asked and carried out on the node.
// At power-on: monotonic restarts at 0; a new drift is drawn when drift faults are on.
void node_clock_power_on(struct platform *node);
// After each step of a running node: maybe jump realtime, maybe change the drift.
void node_clock_after_step(struct platform *node);
// After each step of a running node: true when power fails now (counted here, site
// POWER_LOSS_AFTER_STEP); *delay_ns is how long the node stays dark.
bool node_power_loss_strikes(struct platform *node, u64 *delay_ns);
// At a device call inside the kernel: true when power fails at this call. Not counted
// here: the caller unwinds the kernel first and counts it then (kernel_call.c).
bool node_power_loss_at_device(struct platform *node, enum power_loss_site site, u64 *delay_ns);
// Before a user run of `context`: true when it crashes after *after_instructions
// (1..budget). init (pid 1) is exempt.
bool node_process_crash_plan(struct platform *node, const struct user_context *context,
                             u64 budget_instructions, u64 *after_instructions);

// disk_faults.c: the disk as the kernel's block device, with the faults the models
// decide. Each takes a valid, non-empty range of an existing disk.
// read: a new latent error or corruption may strike a sector of the range first;
// then -E_IO when a sector is latent or a one-off read error strikes (the buffer is
// filled with DISK_ERROR_POISON_BYTE), else the newest data.
i64 node_disk_read(struct platform *node, u64 sector, u8 *bytes, u32 sector_count);
// write: -E_IO and nothing written on a write error, else the write goes to the cache
// (the disk destages the cache first when it is full).
i64 node_disk_write(struct platform *node, u64 sector, const u8 *bytes, u32 sector_count);
// flush: every cached write lands on the media (or is lost or misdirected); 0. When
// disk_flush_error strikes: each cached write lands or is dropped (coin), and -E_IO.
// *sectors_landed: how many sectors the cache held (for the latency).
i64 node_disk_flush(struct platform *node, u64 *writes_landed, u64 *sectors_landed);
// A flush the power interrupts: the oldest cached writes (a drawn number, from the
// power-loss stream) reach the media; the rest stay unflushed for the power loss.
void node_disk_flush_interrupted(struct platform *node);
// Power loss: each unflushed write is lost, or (disk_torn_write) kept or torn.
void node_disk_power_loss(struct platform *node);
// Advances the node's time by base_ns, plus a drawn spike when disk_latency strikes.
void node_disk_latency(struct platform *node, u64 base_ns);

// platform_sim.c: the sim that platform_panic reports through (see there for why
// it is kept in a static).
void sim_set_panic_target(struct sim *sim);

// console.c
void console_write(struct platform *node, const u8 *bytes, u64 count);
void console_flush(struct platform *node);
// Prints the last `lines_max` lines the node wrote, each prefixed like the live output.
void console_print_tail(const struct platform *node, FILE *out, u32 lines_max);
