// The simulated network (issue 14): one per run, datagrams between nodes addressed by
// node id (kernel/platform.h's platform_net_*). A datagram sent is held in a bounded
// in-flight table until the receiver's own time reaches its delivery time (the sender's
// time plus a latency drawn per link, plus a reorder delay); a node receives the
// datagrams due to it in (deliver_at_ns, sequence) order, never by pointer. The fault
// kinds net_drop, net_duplicate, net_reorder and net_partition (faults/net.c) decide,
// this file carries out, counts and traces (TRACE_SIM_NET_*). Datagrams to a node that
// is down when they arrive are lost, and so are a node's not-yet-received ones when its
// power fails, it reboots or it turns off. Scenario key net.probe_every = DURATION makes
// the simulator itself send a probe datagram from each running node to a drawn peer every
// DURATION (delivered to the simulator, never to a kernel): it exercises the network and
// its faults without a program that sends.
#pragma once

#include <stdio.h>

#include "faults/faults.h"
#include "faults/pcg32.h"
#include "kernel/kernel.h"   // BOOTARGS_LEN_MAX
#include "kernel/platform.h" // NET_NODES_MAX, NET_DATAGRAM_BYTES_MAX

#define NETWORK_IN_FLIGHT_MAX 512u // datagrams held at once; beyond: dropped (congestion)
#define NET_LATENCY_MIN_DEFAULT_NS 200000ull  // 200 us
#define NET_LATENCY_MAX_DEFAULT_NS 2000000ull // 2 ms
#define NET_LATENCY_LIMIT_NS 10000000000ull   // a scenario's latency is at most 10 s
#define NET_CLUSTER_BOOTARG "replica.nodes="  // the boot argument that makes a cluster
#define NET_NODE_BOOTARG " replica.node="     // appended for node I (its id)
#define NET_NODE_BOOTARG_BYTES_MAX 24         // " replica.node=7" and its NUL, with room
#define NET_PROBE_BYTES 64                    // a probe's length (net.probe_every)

STATIC_ASSERT(FAULT_NET_NODES_MAX == NET_NODES_MAX);

// TRACE_SIM_NET_DROP's first argument.
enum net_drop_why {
    NET_DROP_FAULT = 1,      // net_drop struck
    NET_DROP_PARTITION = 2,  // the link is cut by a partition
    NET_DROP_CONGESTION = 3, // the in-flight table was full
    NET_DROP_NODE_DOWN = 4,  // arrived while the receiver was down, or lost at its power loss
    NET_DROP_CUT = 5,        // net.cut_until_heal: every link is down until the heal
    NET_DROP_TOO_LONG = 6,   // longer than the receiver's buffer
};

struct network_counts {
    u64 sent;       // datagrams handed to the network (platform_net_send returned 0)
    u64 delivered;  // received by a node (a duplicate counts again)
    u64 dropped;    // lost to net_drop
    u64 duplicated; // net_duplicate: a second copy sent
    u64 reordered;  // net_reorder: held back
    u64 partitions; // started
    u64 partitions_by_kind[NET_PARTITION_KIND_COUNT];
    u64 heals;      // partitions that healed (by their time or the liveness phase)
    u64 lost_down;  // to a node down, rebooting or off
    u64 congestion; // the table was full
    u64 cut_off;    // sent over a link a partition or the cut held down
    u64 probes_sent;      // of sent: the simulator's probes (net.probe_every)
    u64 probes_delivered; // of delivered: likewise
};

struct net_datagram {
    bool used;
    u8 from;
    u8 to;
    u16 length;
    u64 deliver_at_ns;
    u64 sequence;
    bool probe; // the simulator's (net.probe_every): delivered to it, never to the kernel
    u8 bytes[NET_DATAGRAM_BYTES_MAX];
};

struct network {
    u32 nodes_count;
    bool cluster; // >= 2 nodes and replica.nodes= in the boot arguments: partitions act
    u64 latency_min_ns;
    u64 latency_max_ns;
    bool cut; // net.cut_until_heal: every link down until network_heal
    u64 probe_every_ns; // net.probe_every; 0: no probes
    u64 probe_next_ns[NET_NODES_MAX];
    bool partition_active;
    struct net_partition_plan partition;
    u64 partition_end_ns;
    u64 sequence; // the next datagram's
    u32 in_flight;
    struct pcg32 partition_rng;
    struct pcg32 latency_rng[NET_NODES_MAX][NET_NODES_MAX]; // per directed link
    struct network_counts counts;
    char bootargs[NET_NODES_MAX][BOOTARGS_LEN_MAX]; // each node's, with its id when a cluster
    struct net_datagram slots[NETWORK_IN_FLIGHT_MAX];
};

struct sim;
struct platform;

// NULL when memory runs out or a node's boot arguments would not fit (sim_config_build
// refuses those first).
struct network *network_create(const struct sim *sim);
void network_destroy(struct network *network);
// The node's boot arguments: the run's, plus " replica.node=I" in a cluster.
const char *network_bootargs(const struct network *network, u32 node_id);
// platform_net_* of a node (platform_sim.c), with the contract's results.
bool network_present(const struct network *network);
i64 network_send(struct platform *from, u32 to_node, const u8 *bytes, u32 length);
i64 network_receive(struct platform *node, u8 *bytes, u32 capacity);
// The earliest delivery time after after_ns of a datagram of the kernel's to the node
// (~0: none): an idle node wakes then (platform_idle_until).
u64 network_next_arrival_ns(const struct network *network, u32 node_id, u64 after_ns);
// After each step (node: the one stepped): partitions start (net_partition) and heal;
// with net.probe_every, the node sends its probe when due and takes the probes due to it.
void network_after_step(struct sim *sim, struct platform *node);
// The node's power failed, it rebooted or turned off (node.c, after its time moved to
// when it comes back): every datagram to it due before then is lost.
void network_node_down(struct platform *node);
// The liveness phase's heal: the partition heals, the cut ends (node: for the trace).
void network_heal(struct network *network, struct platform *node);
// The summary's `network:` line, when the run has >= 2 nodes and something was sent.
void network_print_summary(const struct network *network, FILE *out);
