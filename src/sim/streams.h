// One PCG32 stream per purpose. The stream id is fixed per purpose (and per node for
// node streams), so adding a purpose or a node never changes another stream's draws.
// Values are explicit: append new purposes, never renumber.
#pragma once

#include "../kernel/types.h"
#include "pcg32.h"

enum sim_stream {
    STREAM_SWARM = 0,         // sim-wide: which fault kinds are on, their rates
    STREAM_WORKLOAD = 1,      // per node: platform_entropy (getrandom in user programs)
    STREAM_LATENCY = 2,       // per node: firmware delay of a requested reboot
    STREAM_POWER_LOSS = 3,    // per node: power failures and how long they last
    STREAM_PROCESS_CRASH = 4, // per node: injected illegal instructions
    STREAM_CLOCK_JUMP = 5,    // per node: realtime jumps
    STREAM_CLOCK_DRIFT = 6,   // per node: monotonic drift
    STREAM_COUNT = 7,
};

#define STREAM_NODE_STRIDE 16u // > NODES_MAX: node streams never collide

static inline u64 stream_id(enum sim_stream purpose, u32 node_id) {
    assert(node_id < STREAM_NODE_STRIDE);
    return (u64)purpose * STREAM_NODE_STRIDE + node_id;
}
