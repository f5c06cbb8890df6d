// platform.h for the simulator: one struct platform per node (sim/node.h). User code
// runs in the RV64 interpreter; time is the node's simulated time; power requests
// are recorded for the event loop; trace events go to the run's trace.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults/faults.h"
#include "faults/pcg32.h"
#include "kernel/kernel.h"
#include "kernel/platform.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/clock.h"
#include "sim/machine/disk.h"
#include "sim/machine/network.h"
#include "sim/machine/node.h"
#include "sim/machine/rv64.h"
#include "sim/machine/streams.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "sim/violation.h"

extern const u8 sim_initrd_start[];
extern const u8 sim_initrd_end[];

struct platform_trap platform_user_run(struct platform *p, struct user_context *ctx,
                                       u64 satp, u64 slice_deadline_ns) {
    assert(p != NULL);
    assert(ctx != NULL);
    assert(p->state == NODE_RUNNING);
    u64 now_ns = platform_monotonic_ns(p);
    u64 budget = slice_deadline_ns > now_ns ? (slice_deadline_ns - now_ns) / SIM_INSTRUCTION_NS : 0;
    if (budget == 0) budget = 1; // always make progress, even past the deadline

    u64 crash_after = 0;
    bool crash = node_process_crash_plan(p, ctx, budget, &crash_after);
    struct rv64_memory memory = {
        .ram = p->ram, .ram_base_pa = NODE_RAM_BASE_PA, .ram_size_bytes = NODE_RAM_SIZE_BYTES,
        .decode = p->decode_cache};
    struct rv64_result result =
        rv64_run(&memory, ctx, satp, crash ? crash_after : budget, now_ns / RV64_TIME_TICK_NS);
    assert(result.instructions_retired <= (crash ? crash_after : budget));

    p->user_instructions += result.instructions_retired;
    node_advance(p, result.instructions_retired * SIM_INSTRUCTION_NS + SIM_TRAP_COST_NS);
    // The crash strikes only if the process was still running when its moment came.
    if (crash && result.trap.cause == TRAP_TIMER_INTERRUPT) {
        sim_count_fault(p, FAULT_PROCESS_CRASH, ctx->pc, result.instructions_retired);
        result.trap.cause = TRAP_ILLEGAL_INSTRUCTION;
        result.trap.tval = 0;
    }
    return result.trap;
}

void platform_ram_usable(struct platform *p, u64 *base_pa, u64 *size_bytes) {
    assert(p != NULL);
    assert(base_pa != NULL);
    assert(size_bytes != NULL);
    // The kernel image lives on the host, so all of the node's RAM is usable.
    *base_pa = NODE_RAM_BASE_PA;
    *size_bytes = NODE_RAM_SIZE_BYTES;
}

void *platform_pa_to_ptr(struct platform *p, u64 pa) {
    assert(p != NULL);
    assert(pa >= NODE_RAM_BASE_PA);
    assert(pa - NODE_RAM_BASE_PA <= NODE_RAM_SIZE_BYTES);
    return p->ram + (pa - NODE_RAM_BASE_PA);
}

u32 platform_kernel_regions(struct platform *p, struct platform_region *regions,
                            u32 regions_capacity) {
    assert(p != NULL);
    assert(regions != NULL);
    assert(regions_capacity >= 1);
    STATIC_ASSERT(NODE_RAM_BASE_PA % SIM_KERNEL_REGION_BYTES == 0);
    STATIC_ASSERT(NODE_RAM_SIZE_BYTES <= SIM_KERNEL_REGION_BYTES);
    regions[0].base_pa = NODE_RAM_BASE_PA;
    regions[0].size_bytes = SIM_KERNEL_REGION_BYTES;
    return 1;
}

// Power loss at a device call (kernel_call.c): drawn only while the kernel runs
// (armed), so the simulator's own calls and the unit tests never draw. Called only
// where the entry point has no simulator update half done (after its work, or for a
// flush before it), because the power loss does not return.
static void device_power_check(struct platform *p, enum power_loss_site site) {
    if (!p->power_unwind_armed) return;
    u64 delay_ns = 0;
    if (!node_power_loss_at_device(p, site, &delay_ns)) return;
    if (site == POWER_LOSS_AT_FLUSH) node_disk_flush_interrupted(p);
    node_power_unwind(p, site, delay_ns);
}

void platform_console_write(struct platform *p, const u8 *bytes, u64 count) {
    assert(p != NULL);
    if (count != 0) assert(bytes != NULL); // an empty buffer may be NULL
    console_write(p, bytes, count);
    device_power_check(p, POWER_LOSS_AT_CONSOLE); // the bytes were sent; then the power failed
}

u64 platform_console_read(struct platform *p, u8 *bytes, u64 capacity) {
    assert(p != NULL);
    if (capacity != 0) assert(bytes != NULL); // an empty buffer may be NULL
    return 0; // no console input in the simulator yet
}

u64 platform_monotonic_ns(struct platform *p) {
    assert(p != NULL);
    return clock_monotonic_at(&p->clock, p->now_ns);
}

u64 platform_realtime_ns(struct platform *p) {
    assert(p != NULL);
    return clock_realtime_at(&p->clock, p->now_ns);
}

void platform_idle_until(struct platform *p, u64 deadline_ns) {
    assert(p != NULL);
    u64 monotonic_ns = platform_monotonic_ns(p);
    if (deadline_ns <= monotonic_ns) return;
    // Time jumps to the deadline, or to the arrival of a datagram for this node, which
    // interrupts the wait as the network device's interrupt would on hardware (nothing
    // else interrupts an idle node). A far deadline still wakes within IDLE_WAIT_MAX_NS.
    if (deadline_ns - monotonic_ns > IDLE_WAIT_MAX_NS) deadline_ns = monotonic_ns + IDLE_WAIT_MAX_NS;
    u64 wake_ns = clock_true_time_for(&p->clock, deadline_ns);
    u64 arrival_ns = network_next_arrival_ns(p->sim->network, p->id, p->now_ns);
    bool interrupted = arrival_ns < wake_ns;
    if (interrupted) wake_ns = arrival_ns;
    if (wake_ns > p->now_ns) node_advance(p, wake_ns - p->now_ns);
    if (!interrupted) assert(platform_monotonic_ns(p) >= deadline_ns);
}

// ---- block device: the node's simulated disk (disk.h) with its faults (disk_faults.c) ----

u64 platform_block_sector_count(struct platform *p) {
    assert(p != NULL);
    return p->disk.sector_count;
}

// -E_NODEV without a disk, -E_INVAL for a range outside it; 0 when the command is valid.
static i64 block_check(const struct platform *p, u64 sector, u32 sector_count) {
    if (p->disk.sector_count == 0) return -E_NODEV;
    if (!disk_range_valid(&p->disk, sector, sector_count)) return -E_INVAL;
    return 0;
}

// An inspection read by the simulator's invariants: the device as it is (latent
// sectors fail, stored corruption shows), but no new fault, no latency, no trace
// and no draw, so checking a run never changes it.
static i64 inspection_read(struct platform *p, u64 sector, u8 *bytes, u32 sector_count) {
    i64 result = block_check(p, sector, sector_count);
    if (result < 0 || sector_count == 0) return result;
    if (disk_range_unreadable(&p->disk, sector, sector_count)) {
        memset(bytes, DISK_ERROR_POISON_BYTE, (u64)sector_count * DISK_SECTOR_BYTES);
        return -E_IO;
    }
    disk_view_read(&p->disk, sector, bytes, sector_count);
    return 0;
}

i64 platform_block_read(struct platform *p, u64 sector, u8 *bytes, u32 sector_count) {
    assert(p != NULL);
    if (sector_count != 0) assert(bytes != NULL); // an empty buffer may be NULL
    if (p->inspecting) return inspection_read(p, sector, bytes, sector_count);
    i64 result = block_check(p, sector, sector_count);
    if (result == 0 && sector_count > 0) {
        result = node_disk_read(p, sector, bytes, sector_count);
        node_disk_latency(p, DISK_OP_BASE_NS + sector_count * DISK_SECTOR_NS);
    }
    sim_trace(p, TRACE_SIM_DISK_READ, sector, sector_count, (u64)result);
    bool result_known = result == 0 || result == -E_IO || result == -E_INVAL || result == -E_NODEV;
    assert(result_known); // the errors a block read or write reports
    return result;
}

i64 platform_block_write(struct platform *p, u64 sector, const u8 *bytes, u32 sector_count) {
    assert(p != NULL);
    assert(!p->inspecting); // inspections only read
    if (sector_count != 0) assert(bytes != NULL); // an empty buffer may be NULL
    i64 result = block_check(p, sector, sector_count);
    if (result == 0 && sector_count > 0) {
        result = node_disk_write(p, sector, bytes, sector_count);
        node_disk_latency(p, DISK_OP_BASE_NS + sector_count * DISK_SECTOR_NS);
    }
    sim_trace(p, TRACE_SIM_DISK_WRITE, sector, sector_count, (u64)result);
    bool result_known = result == 0 || result == -E_IO || result == -E_INVAL || result == -E_NODEV;
    assert(result_known); // the errors a block read or write reports
    if (result == 0 && sector_count > 0 && !p->sim->config.no_invariants) {
        storage_on_block_write(p, sector, sector_count, bytes);
    }
    // The write reached the drive's cache (or failed); then the power fails.
    if (result == 0 && sector_count > 0) device_power_check(p, POWER_LOSS_AT_BLOCK_WRITE);
    return result;
}

i64 platform_block_flush(struct platform *p) {
    assert(p != NULL);
    assert(!p->inspecting);
    u64 writes = 0;
    u64 sectors = 0;
    i64 result = p->disk.sector_count == 0 ? -E_NODEV : 0;
    // The power fails during the flush: part of the cache landed (node_disk_flush_interrupted).
    if (result == 0) device_power_check(p, POWER_LOSS_AT_FLUSH);
    if (result == 0) {
        result = node_disk_flush(p, &writes, &sectors);
        node_disk_latency(p, DISK_FLUSH_BASE_NS + sectors * DISK_SECTOR_NS);
    }
    sim_trace(p, TRACE_SIM_DISK_FLUSH, writes, sectors, (u64)result);
    bool result_known = result == 0 || result == -E_IO || result == -E_NODEV;
    assert(result_known); // the errors a flush reports
    if (!p->sim->config.no_invariants) storage_on_flush(p, result);
    return result;
}

static void power_request(struct platform *p, enum power_request request) {
    assert(p != NULL);
    assert(p->sim != NULL);
    assert(request != POWER_REQUEST_NONE);
    const struct kernel *k = &p->kernel;
    u64 pid = 0;
    u64 uid = 0;
    if (k->current_slot < PROCS_MAX) {
        pid = k->procs[k->current_slot].pid;
        uid = k->procs[k->current_slot].cred.euid;
    }
    p->power_request = request;
    sim_trace(p, TRACE_SIM_POWER_REQUEST, request, pid, uid);
    invariants_on_power_request(p->sim, p, request);
}

void platform_halt(struct platform *p) { power_request(p, POWER_REQUEST_HALT); }
void platform_reboot(struct platform *p) { power_request(p, POWER_REQUEST_REBOOT); }
void platform_power_off(struct platform *p) { power_request(p, POWER_REQUEST_POWER_OFF); }

const u8 *platform_initrd(struct platform *p, u64 *size_bytes) {
    assert(p != NULL);
    assert(size_bytes != NULL);
    // Two symbols, so compare addresses as integers (pointer order is for one object).
    uintptr_t start = (uintptr_t)&sim_initrd_start[0];
    uintptr_t end = (uintptr_t)&sim_initrd_end[0];
    assert(end >= start);
    *size_bytes = (u64)(end - start);
    return sim_initrd_start;
}

const char *platform_bootargs(struct platform *p) {
    assert(p != NULL);
    assert(p->sim != NULL);
    return network_bootargs(p->sim->network, p->id); // " replica.node=I" in a cluster
}

void platform_entropy(struct platform *p, u8 *bytes, u64 count) {
    assert(p != NULL);
    if (count != 0) assert(bytes != NULL); // an empty buffer may be NULL
    pcg32_fill(&p->streams[STREAM_WORKLOAD], bytes, count);
    sim_trace(p, TRACE_SIM_ENTROPY, count, trace_hash_bytes(bytes, count), 0);
}

// platform_panic has no platform argument (assert() in types.h cannot name one), so
// the sim that reports it is kept here. One run has one sim; the node is the one the
// sim was stepping (sim->current, set around every kernel call).
static struct sim *panic_target;
static bool panicking;

void sim_set_panic_target(struct sim *sim) { panic_target = sim; }

_Noreturn void platform_panic(const char *file, u32 line, const char *what) {
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    snprintf(detail, sizeof(detail), "panic at %s:%u: %s", file, line, what);
    if (panic_target == NULL || panicking) {
        fprintf(stdout, "basin-sim: %s\n", detail);
        fflush(stdout);
        exit(1);
    }
    panicking = true; // a panic while reporting must not recurse
    sim_violation(panic_target, panic_target->current, INV_KERNEL_NO_PANIC, detail);
}

// ---- network (issue 14): the run's seeded network (sim/machine/network.c) ----------
bool platform_net_present(struct platform *p) {
    assert(p != NULL);
    assert(p->sim != NULL);
    return network_present(p->sim->network);
}

i64 platform_net_send(struct platform *p, u32 to_node, const u8 *bytes, u32 length) {
    assert(p != NULL);
    assert(bytes != NULL);
    return network_send(p, to_node, bytes, length);
}

i64 platform_net_receive(struct platform *p, u8 *bytes, u32 capacity) {
    assert(p != NULL);
    assert(bytes != NULL);
    return network_receive(p, bytes, capacity);
}
