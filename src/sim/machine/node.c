// Node lifecycle: creation, power-on (kernel_boot), power loss, requested reboot,
// power off. What memory holds when kernel_boot starts:
// - cold power-on: RAM poisoned (real RAM holds garbage), struct kernel zeroed (it
//   plays the part of the kernel's .bss, which the boot code zeroes);
// - after a power loss: RAM and struct kernel poisoned (NODE_POISON_BYTE), so a
//   kernel that relies on stale or zeroed state misbehaves at once;
// - after a requested reboot: both as the previous life left them (a warm reset),
//   so a boot that keeps anything of that life shows in reboot_state_fresh.
// kernel_boot must build everything from nothing in all three cases.
#include "sim/machine/node.h"

#include <stdlib.h>
#include <string.h>

#include "sim/machine/kernel_digest.h"
#include "sim/machine/network.h"
#include "faults/faults.h"
#include "faults/pcg32.h"
#include "kernel/kernel.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/disk.h"
#include "sim/machine/rv64_decode.h"
#include "sim/machine/streams.h"
#include "sim/sim.h"
#include "sim/trace.h"

static void node_poison(struct platform *node, bool kernel_too) {
    assert(node != NULL);
    assert(node->ram != NULL);
    memset(node->ram, NODE_POISON_BYTE, NODE_RAM_SIZE_BYTES);
    if (kernel_too) memset(&node->kernel, NODE_POISON_BYTE, sizeof(node->kernel));
}

struct platform *node_create(struct sim *sim, u32 id, u64 seed) {
    assert(sim != NULL);
    assert(id < NODES_MAX);
    struct platform *node = calloc(1, sizeof(*node));
    if (node == NULL) return NULL;
    node->ram = malloc(NODE_RAM_SIZE_BYTES);
    // Created once, never grown; it lasts the node's life: its slots are checked against
    // memory at every use, so neither power loss nor reboot needs to clear it.
    if (!sim->config.no_block_cache) node->decode_cache = rv64_decode_cache_create();
    bool cache_ok = sim->config.no_block_cache || node->decode_cache != NULL;
    if (node->ram == NULL || !cache_ok || !disk_init(&node->disk, sim->config.disk_size_bytes,
                                        sim->config.disk_fault_scope)) {
        rv64_decode_cache_destroy(node->decode_cache);
        free(node->ram);
        free(node);
        return NULL;
    }
    // GrainDB's layout (superblock copies, tail mirror slots); a disk too small for
    // GrainDB keeps the testing layout, and one too small for that (< 32 sectors) no
    // copy groups at all (every sector single-copy).
    if (node->disk.sector_count != 0 && !disk_atlas_graindb_layout(&node->disk)) {
        bool layout_fits = disk_atlas_default_layout(&node->disk);
        if (!layout_fits) assert(node->disk.groups_count == 0); // too small: no copy groups
    }
    node->sim = sim;
    node->id = id;
    node->state = NODE_DOWN;
    node->next_boot_cause = BOOT_COLD;
    for (u32 purpose = STREAM_WORKLOAD; purpose < STREAM_COUNT; purpose++) {
        pcg32_seed(&node->streams[purpose], seed, stream_id((enum sim_stream)purpose, id));
    }
    node_poison(node, false); // calloc zeroed the kernel: its .bss at cold power-on
    return node;
}

void node_destroy(struct platform *node) {
    if (node == NULL) return;
    storage_shadow_deinit(&node->storage);
    files_deinit(&node->file_acks);
    disk_deinit(&node->disk);
    rv64_decode_cache_destroy(node->decode_cache);
    free(node->ram);
    free(node);
}

void node_advance(struct platform *node, u64 delta_ns) {
    assert(node != NULL);
    assert(node->now_ns + delta_ns >= node->now_ns); // no wrap in any plausible run
    node->now_ns += delta_ns;
}

bool node_boot(struct platform *node) {
    assert(node != NULL);
    assert(node->state == NODE_DOWN);
    struct sim *sim = node->sim;
    enum boot_cause cause = node->next_boot_cause;
    node->state = NODE_RUNNING;
    node->power_request = POWER_REQUEST_NONE;
    node_clock_power_on(node);
    invariants_node_reset(node);
    if (!sim->config.no_invariants) storage_on_power_on(node);

    // boots counts the boots that completed; one the power cut short is not a boot.
    if (!node_kernel_call(node, NULL)) return false;
    node->boots++;
    assert(cause < BOOT_CAUSE_COUNT);
    node->boots_by_cause[cause]++;
    workload_on_boot(sim, node, cause);
    u64 digest = kernel_state_digest(&node->kernel);
    sim_trace(node, TRACE_SIM_BOOT, node->boots, digest, cause);
    if (node->boots == 1) node->first_boot_digest = digest;
    invariants_on_boot(sim, node, digest);
    assert(node->boots >= 1);
    return true;
}

void node_power_loss(struct platform *node, u64 delay_ns) {
    node_power_loss_at(node, delay_ns, POWER_LOSS_AFTER_STEP);
}

void node_power_loss_at(struct platform *node, u64 delay_ns, enum power_loss_site site) {
    assert(node != NULL);
    assert(node->state == NODE_RUNNING);
    assert(site < POWER_LOSS_SITE_COUNT);
    assert(!node->power_unwind_armed);
    node->sim->power_loss_sites[site]++;
    console_flush(node); // bytes already sent to the UART survive the power loss
    sim_trace(node, TRACE_SIM_POWER_LOSS, delay_ns, node->boots, site);
    node_disk_power_loss(node); // the disk keeps its media, plus what the seed lands
    node_poison(node, true);
    node->state = NODE_DOWN;
    node->next_boot_cause = BOOT_POWER_LOSS;
    node_advance(node, delay_ns);
    network_node_down(node); // its datagrams not yet received, and those due while dark
}

void node_schedule_reboot(struct platform *node, u64 delay_ns) {
    assert(node != NULL);
    assert(node->state == NODE_RUNNING);
    assert(node->kernel.run_state == KERNEL_REBOOTING);
    console_flush(node);
    sim_trace(node, TRACE_SIM_REBOOT, delay_ns, node->boots, 0);
    node->state = NODE_DOWN;
    node->next_boot_cause = BOOT_REBOOT;
    node_advance(node, delay_ns);
    network_node_down(node); // the device resets with the machine
}

void node_turn_off(struct platform *node, enum kernel_run_state run_state) {
    assert(node != NULL);
    assert(node->state == NODE_RUNNING);
    console_flush(node);
    node->state = NODE_OFF;
    node->final_run_state = run_state;
    sim_trace(node, TRACE_SIM_NODE_OFF, run_state, node->boots, 0);
    network_node_down(node);
}

const char *kernel_run_state_name(enum kernel_run_state run_state) {
    switch (run_state) {
    case KERNEL_RUNNING: return "running";
    case KERNEL_HALTED: return "halted";
    case KERNEL_POWERED_OFF: return "powered_off";
    case KERNEL_REBOOTING: return "rebooting";
    }
    return "unknown";
}

const char *node_state_text(const struct platform *node) {
    assert(node != NULL);
    switch (node->state) {
    case NODE_DOWN: return node->boots == 0 ? "never booted" : "down (reboot pending)";
    case NODE_RUNNING: return "running";
    case NODE_OFF: return kernel_run_state_name(node->final_run_state);
    }
    return "unknown";
}

void *node_pa_to_ptr(struct platform *node, u64 pa, u64 size_bytes) {
    assert(node != NULL);
    assert(node->ram != NULL);
    if (pa < NODE_RAM_BASE_PA) return NULL;
    u64 offset = pa - NODE_RAM_BASE_PA;
    if (offset > NODE_RAM_SIZE_BYTES || size_bytes > NODE_RAM_SIZE_BYTES - offset) return NULL;
    return node->ram + offset;
}
