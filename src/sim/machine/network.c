// The simulated network (network.h). Everything is decided from the run's seed: the
// latency of each datagram from its link's stream, the faults from the sender's streams
// (one per kind), partitions from the run's partition stream. Delivery picks the
// earliest (deliver_at_ns, sequence) due to the node, scanning the table by index.
#include "sim/machine/network.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim/machine/node.h"
#include "sim/machine/streams.h"
#include "sim/sim.h"
#include "sim/trace.h"

static bool bootargs_build(struct network *network, const struct sim *sim) {
    const char *run = sim->config.bootargs;
    for (u32 id = 0; id < network->nodes_count; id++) {
        int length = network->cluster
                         ? snprintf(network->bootargs[id], BOOTARGS_LEN_MAX, "%s%s%u", run,
                                    NET_NODE_BOOTARG, id)
                         : snprintf(network->bootargs[id], BOOTARGS_LEN_MAX, "%s", run);
        if (length < 0 || (u64)length >= BOOTARGS_LEN_MAX) return false;
    }
    return true;
}

struct network *network_create(const struct sim *sim) {
    assert(sim != NULL);
    assert(sim->config.nodes_count <= NET_NODES_MAX);
    struct network *network = calloc(1, sizeof(*network));
    if (network == NULL) return NULL;
    const struct sim_config *config = &sim->config;
    network->nodes_count = config->nodes_count;
    network->cluster = config->nodes_count >= 2 && strstr(config->bootargs, NET_CLUSTER_BOOTARG) != NULL;
    network->latency_min_ns = config->net_latency_min_ns;
    network->latency_max_ns = config->net_latency_max_ns;
    if (network->latency_max_ns == 0) { // a config built without the scenario's keys
        network->latency_min_ns = NET_LATENCY_MIN_DEFAULT_NS;
        network->latency_max_ns = NET_LATENCY_MAX_DEFAULT_NS;
    }
    assert(network->latency_min_ns <= network->latency_max_ns);
    network->cut = config->net_cut_until_heal;
    network->probe_every_ns = config->net_probe_every_ns;
    pcg32_seed(&network->partition_rng, config->seed, stream_id(STREAM_NET_PARTITION, 0));
    for (u32 from = 0; from < NET_NODES_MAX; from++) {
        for (u32 to = 0; to < NET_NODES_MAX; to++) {
            pcg32_seed(&network->latency_rng[from][to], config->seed,
                       stream_link_id(STREAM_NET_LATENCY, from, to));
        }
    }
    if (!bootargs_build(network, sim)) {
        free(network);
        return NULL;
    }
    return network;
}

void network_destroy(struct network *network) { free(network); }

const char *network_bootargs(const struct network *network, u32 node_id) {
    assert(network != NULL);
    assert(node_id < network->nodes_count);
    return network->bootargs[node_id];
}

bool network_present(const struct network *network) {
    assert(network != NULL);
    return network->nodes_count >= 2;
}

static struct network *network_of(const struct platform *node) {
    assert(node != NULL);
    assert(node->sim != NULL);
    assert(node->sim->network != NULL);
    return node->sim->network;
}

static void drop(struct platform *node, enum net_drop_why why, u64 sequence, u32 from, u32 to) {
    struct network_counts *counts = &network_of(node)->counts;
    switch (why) {
    case NET_DROP_FAULT: counts->dropped++; break;
    case NET_DROP_PARTITION:
    case NET_DROP_CUT: counts->cut_off++; break;
    case NET_DROP_CONGESTION: counts->congestion++; break;
    case NET_DROP_NODE_DOWN: counts->lost_down++; break;
    case NET_DROP_TOO_LONG: counts->dropped++; break;
    }
    sim_trace(node, TRACE_SIM_NET_DROP, why, sequence, (u64)to << 8 | from);
}

// Whether the link from -> to is down for a datagram sent at now_ns.
static bool link_down(const struct network *network, u32 from, u32 to, u64 now_ns,
                      enum net_drop_why *why) {
    assert(from < NET_NODES_MAX);
    assert(to < NET_NODES_MAX);
    *why = network->cut ? NET_DROP_CUT : NET_DROP_PARTITION;
    if (network->cut) return true;
    if (!network->partition_active || now_ns >= network->partition_end_ns) return false;
    return (network->partition.blocked[from] >> to & 1u) != 0;
}

// A receiver that is off, or down until after the datagram arrives, never gets it.
static bool receiver_lost(const struct sim *sim, u32 to, u64 deliver_at_ns) {
    if (to >= sim->config.nodes_count) return true;
    const struct platform *receiver = sim->nodes[to];
    if (receiver->state == NODE_OFF) return true;
    return receiver->state == NODE_DOWN && deliver_at_ns < receiver->now_ns;
}

// One copy into the table (or lost on the way): its latency drawn from the link.
static void enqueue(struct platform *from, u32 to, const u8 *bytes, u32 length, u64 extra_ns, bool probe) {
    struct network *network = network_of(from);
    u64 latency_ns = fault_net_latency_draw(&network->latency_rng[from->id][to],
                                            network->latency_min_ns, network->latency_max_ns);
    u64 sequence = network->sequence++;
    u64 deliver_at_ns = from->now_ns + latency_ns + extra_ns;
    if (receiver_lost(from->sim, to, deliver_at_ns)) {
        drop(from, NET_DROP_NODE_DOWN, sequence, from->id, to);
        return;
    }
    if (network->in_flight == NETWORK_IN_FLIGHT_MAX) {
        drop(from, NET_DROP_CONGESTION, sequence, from->id, to);
        return;
    }
    u32 slot = 0;
    while (network->slots[slot].used) slot++;
    assert(slot < NETWORK_IN_FLIGHT_MAX);
    struct net_datagram *d = &network->slots[slot];
    *d = (struct net_datagram){.used = true, .from = (u8)from->id, .to = (u8)to,
                               .length = (u16)length, .deliver_at_ns = deliver_at_ns,
                               .sequence = sequence, .probe = probe};
    memcpy(d->bytes, bytes, length);
    network->in_flight++;
    sim_trace(from, TRACE_SIM_NET_SEND, to, sequence, deliver_at_ns);
}

// A datagram of the kernel's, or a probe of the simulator's (net.probe_every): the same
// way through the links and the faults.
static i64 send_datagram(struct platform *from, u32 to_node, const u8 *bytes, u32 length, bool probe) {
    assert(from != NULL);
    assert(bytes != NULL);
    struct network *network = network_of(from);
    if (!network_present(network)) return -E_NODEV;
    if (length == 0 || length > NET_DATAGRAM_BYTES_MAX || to_node >= NET_NODES_MAX) return -E_INVAL;
    network->counts.sent++;
    if (probe) network->counts.probes_sent++;
    const struct fault_setting *settings = from->sim->faults;
    enum net_drop_why why = NET_DROP_PARTITION;
    if (link_down(network, from->id, to_node, from->now_ns, &why)) {
        drop(from, why, network->sequence++, from->id, to_node);
        return 0;
    }
    if (fault_net_drop_strikes(&settings[FAULT_NET_DROP], &from->streams[STREAM_NET_DROP])) {
        sim_count_fault(from, FAULT_NET_DROP, to_node, network->sequence);
        drop(from, NET_DROP_FAULT, network->sequence++, from->id, to_node);
        return 0;
    }
    u64 extra_ns = 0;
    if (fault_net_reorder_strikes(&settings[FAULT_NET_REORDER], &from->streams[STREAM_NET_REORDER],
                                  &extra_ns)) {
        network->counts.reordered++;
        sim_count_fault(from, FAULT_NET_REORDER, to_node, extra_ns);
    }
    enqueue(from, to_node, bytes, length, extra_ns, probe);
    if (fault_net_duplicate_strikes(&settings[FAULT_NET_DUPLICATE],
                                    &from->streams[STREAM_NET_DUPLICATE])) {
        network->counts.duplicated++;
        sim_count_fault(from, FAULT_NET_DUPLICATE, to_node, length);
        enqueue(from, to_node, bytes, length, 0, probe); // the copy: its own latency
    }
    return 0;
}

i64 network_send(struct platform *from, u32 to_node, const u8 *bytes, u32 length) {
    return send_datagram(from, to_node, bytes, length, false);
}

static void slot_free(struct network *network, struct net_datagram *d) {
    assert(d->used);
    assert(network->in_flight > 0);
    d->used = false;
    network->in_flight--;
}

// The earliest (deliver_at_ns, sequence) datagram due to `to` by now_ns, of the kernel's
// or of the simulator's probes; NULL: none.
static struct net_datagram *earliest_due(struct network *network, u32 to, u64 now_ns, bool probe) {
    struct net_datagram *best = NULL;
    for (u32 slot = 0; slot < NETWORK_IN_FLIGHT_MAX; slot++) {
        struct net_datagram *d = &network->slots[slot];
        if (!d->used || d->to != to || d->deliver_at_ns > now_ns || d->probe != probe) continue;
        bool earlier = best == NULL || d->deliver_at_ns < best->deliver_at_ns ||
                       (d->deliver_at_ns == best->deliver_at_ns && d->sequence < best->sequence);
        if (earlier) best = d;
    }
    return best;
}

u64 network_next_arrival_ns(const struct network *network, u32 node_id, u64 after_ns) {
    assert(network != NULL);
    assert(node_id < NET_NODES_MAX);
    u64 earliest_ns = ~0ull;
    for (u32 slot = 0; slot < NETWORK_IN_FLIGHT_MAX && network->in_flight > 0; slot++) {
        const struct net_datagram *d = &network->slots[slot];
        if (!d->used || d->to != node_id || d->probe || d->deliver_at_ns <= after_ns) continue;
        if (d->deliver_at_ns < earliest_ns) earliest_ns = d->deliver_at_ns;
    }
    return earliest_ns;
}

i64 network_receive(struct platform *node, u8 *bytes, u32 capacity) {
    assert(node != NULL);
    assert(bytes != NULL);
    struct network *network = network_of(node);
    if (!network_present(network)) return -E_NODEV;
    for (;;) {
        struct net_datagram *d = earliest_due(network, node->id, node->now_ns, false);
        if (d == NULL) return 0;
        if (d->length > capacity) {
            drop(node, NET_DROP_TOO_LONG, d->sequence, d->from, d->to);
            slot_free(network, d);
            continue;
        }
        memcpy(bytes, d->bytes, d->length);
        i64 length = d->length;
        network->counts.delivered++;
        sim_trace(node, TRACE_SIM_NET_DELIVER, d->from, d->sequence, (u64)length);
        slot_free(network, d);
        return length;
    }
}

void network_node_down(struct platform *node) {
    assert(node != NULL);
    assert(node->state != NODE_RUNNING);
    struct network *network = network_of(node);
    bool off = node->state == NODE_OFF;
    for (u32 slot = 0; slot < NETWORK_IN_FLIGHT_MAX; slot++) {
        struct net_datagram *d = &network->slots[slot];
        if (!d->used || d->to != node->id) continue;
        if (!off && d->deliver_at_ns >= node->now_ns) continue; // arrives once it is back
        drop(node, NET_DROP_NODE_DOWN, d->sequence, d->from, d->to);
        slot_free(network, d);
    }
}

static void partition_heal(struct network *network, struct platform *node, u64 kind) {
    network->partition_active = false;
    network->counts.heals++;
    sim_trace(node, TRACE_SIM_NET_HEAL, kind, network->counts.partitions, 0);
}

// net.probe_every: a running node sends a probe to a drawn peer every period, and takes
// the probes due to it (the kernel never sees them).
static void probes(struct network *network, struct platform *node) {
    if (network->probe_every_ns == 0 || node->state != NODE_RUNNING) return;
    for (;;) {
        struct net_datagram *d = earliest_due(network, node->id, node->now_ns, true);
        if (d == NULL) break;
        network->counts.delivered++;
        network->counts.probes_delivered++;
        sim_trace(node, TRACE_SIM_NET_DELIVER, d->from, d->sequence, d->length);
        slot_free(network, d);
    }
    if (node->now_ns < network->probe_next_ns[node->id]) return;
    network->probe_next_ns[node->id] = node->now_ns + network->probe_every_ns;
    u32 peer = (node->id + 1 + pcg32_bounded(&node->streams[STREAM_NET_PROBE], network->nodes_count - 1)) %
               network->nodes_count;
    u8 bytes[NET_PROBE_BYTES];
    for (u32 i = 0; i < NET_PROBE_BYTES; i++) bytes[i] = (u8)(network->sequence >> (8 * (i % 8)));
    i64 result = send_datagram(node, peer, bytes, NET_PROBE_BYTES, true);
    assert(result == 0);
}

void network_after_step(struct sim *sim, struct platform *node) {
    assert(sim != NULL);
    assert(node != NULL);
    struct network *network = sim->network;
    if (!network->cluster) return; // no cluster: nothing acts (earlier runs stay the same)
    probes(network, node);
    if (network->partition_active) {
        if (sim->time_ns >= network->partition_end_ns) partition_heal(network, node, network->partition.kind);
        return;
    }
    struct net_partition_plan plan;
    if (!fault_net_partition_strikes(&sim->faults[FAULT_NET_PARTITION], &network->partition_rng,
                                     network->nodes_count, &plan)) {
        return;
    }
    network->partition = plan;
    network->partition_active = true;
    network->partition_end_ns = sim->time_ns + plan.duration_ns;
    network->counts.partitions++;
    network->counts.partitions_by_kind[plan.kind]++;
    u64 links = 0;
    for (u32 from = 0; from < NET_NODES_MAX; from++) links |= (u64)plan.blocked[from] << (8 * from);
    sim_count_fault(node, FAULT_NET_PARTITION, plan.kind, plan.duration_ns);
    sim_trace(node, TRACE_SIM_NET_PARTITION, plan.kind, network->partition_end_ns, links);
}

void network_heal(struct network *network, struct platform *node) {
    assert(network != NULL);
    assert(node != NULL);
    if (network->partition_active) partition_heal(network, node, network->partition.kind);
    if (network->cut) {
        network->cut = false;
        sim_trace(node, TRACE_SIM_NET_HEAL, NET_PARTITION_KIND_COUNT, network->counts.partitions, 0);
    }
}

void network_print_summary(const struct network *network, FILE *out) {
    assert(network != NULL);
    assert(out != NULL);
    const struct network_counts *c = &network->counts;
    if (network->nodes_count < 2 || (c->sent == 0 && c->partitions == 0)) return;
    fprintf(out, "network: %" PRIu64 " sent, %" PRIu64 " delivered, %" PRIu64 " dropped, %" PRIu64
            " duplicated, %" PRIu64 " reordered, %" PRIu64 " partitions (%" PRIu64 " symmetric, %" PRIu64
            " asymmetric, %" PRIu64 " isolated), %" PRIu64 " lost to down nodes, %" PRIu64 " congestion; %"
            PRIu64 " cut off by partitions or the cut, %" PRIu64 " partitions healed, %u in flight at the end\n",
            c->sent, c->delivered, c->dropped, c->duplicated, c->reordered, c->partitions,
            c->partitions_by_kind[NET_PARTITION_SYMMETRIC], c->partitions_by_kind[NET_PARTITION_ASYMMETRIC],
            c->partitions_by_kind[NET_PARTITION_ISOLATED], c->lost_down, c->congestion, c->cut_off,
            c->heals, network->in_flight);
    if (c->probes_sent == 0) return;
    fprintf(out, "network probes (net.probe_every): %" PRIu64 " sent, %" PRIu64 " delivered\n", c->probes_sent,
            c->probes_delivered);
}
