// One PCG32 stream per purpose. The stream id is fixed per purpose (and per node for
// node streams), so adding a purpose or a node never changes another stream's draws.
// Values are explicit: append new purposes, never renumber.
#pragma once

#include "kernel/lib/types.h"
#include "faults/pcg32.h"

enum sim_stream {
    STREAM_SWARM = 0,         // sim-wide: which fault kinds are on, their rates
    STREAM_WORKLOAD = 1,      // per node: platform_entropy (getrandom in user programs)
    STREAM_LATENCY = 2,       // per node: firmware delay of a requested reboot
    STREAM_POWER_LOSS = 3,    // per node: power failures and how long they last
    STREAM_PROCESS_CRASH = 4, // per node: injected illegal instructions
    STREAM_CLOCK_JUMP = 5,    // per node: realtime jumps
    STREAM_CLOCK_DRIFT = 6,   // per node: monotonic drift
    STREAM_DISK_READ_ERROR = 7,   // per node: one-off read errors
    STREAM_DISK_WRITE_ERROR = 8,  // per node: write errors
    STREAM_DISK_LATENT_ERROR = 9, // per node: latent sector errors
    STREAM_DISK_CORRUPTION = 10,  // per node: silent bit flips
    STREAM_DISK_TORN_WRITE = 11,  // per node: unflushed writes kept or torn at power loss
    STREAM_DISK_LOST_WRITE = 12,  // per node: acknowledged writes that never land
    STREAM_DISK_MISDIRECTED = 13, // per node: writes landing on another sector
    STREAM_DISK_LATENCY = 14,     // per node: disk latency spikes
    STREAM_POWER_LOSS_DEVICE = 15, // per node: power failures at a device call
    STREAM_DISK_FLUSH_ERROR = 16,  // per node: failed flushes
    STREAM_NET_DROP = 17,          // per node (the sender): datagrams lost
    STREAM_NET_DUPLICATE = 18,     // per node (the sender): datagrams delivered twice
    STREAM_NET_REORDER = 19,       // per node (the sender): datagrams held back
    STREAM_NET_PARTITION = 20,     // sim-wide: partitions, their kind, links and length
    STREAM_NET_LATENCY = 21,       // per link (stream_link_id): each datagram's latency
    STREAM_NET_PROBE = 22,         // per node: the peer of each probe (net.probe_every)
    STREAM_COUNT = 23,
};

#define STREAM_NODE_STRIDE 16u // > NODES_MAX: node streams never collide

static inline u64 stream_id(enum sim_stream purpose, u32 node_id) {
    assert(node_id < STREAM_NODE_STRIDE);
    return (u64)purpose * STREAM_NODE_STRIDE + node_id;
}

// A stream per directed link (from, to): ids above every per-node purpose's
// (purpose * STREAM_NODE_STRIDE + node stays far below STREAM_LINK_ID_BASE).
#define STREAM_LINK_ID_BASE 0x100000ull

static inline u64 stream_link_id(enum sim_stream purpose, u32 from, u32 to) {
    assert(from < STREAM_NODE_STRIDE);
    assert(to < STREAM_NODE_STRIDE);
    return STREAM_LINK_ID_BASE + ((u64)purpose * STREAM_NODE_STRIDE + from) * STREAM_NODE_STRIDE + to;
}
