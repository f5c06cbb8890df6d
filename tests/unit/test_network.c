// The simulated network (src/sim/machine/network.c) and the network fault models
// (src/faults/net.c), driven directly on a 3-node sim whose nodes never boot: delivery
// waits for the latency and follows (deliver_at, sequence); each fault kind acts at its
// rate; the table's bound, power loss and the cut lose datagrams and count them; the same
// seed gives the same trace; a cluster's node gets its replica.node= boot argument.
#include <stdio.h>
#include <string.h>

#include "faults/faults.h"
#include "faults/pcg32.h"
#include "sim/machine/network.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "tests/unit/unit_sim.h"

#define TEST_DATAGRAMS 4000u
#define TEST_RATE_PER_MILLION 100000u // 10%
#define TEST_SEND_GAP_NS 10000ull     // a datagram every 10 us

static u32 failures;

static void check(bool ok, const char *name, const char *reason) {
    if (ok) {
        printf("ok %s\n", name);
    } else {
        printf("not ok %s - %s\n", name, reason);
        failures++;
    }
}

// A 3-node cluster (bootargs with replica.nodes=3) whose nodes count as running; the
// given net kinds on at TEST_RATE_PER_MILLION.
static struct sim *cluster(u64 seed, const bool kinds_on[FAULT_COUNT], bool cut) {
    struct sim_config config;
    unit_sim_config(&config, seed, 1000, "init.end=poweroff replica.nodes=3");
    config.nodes_count = 3;
    config.net_cut_until_heal = cut;
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) {
        if (kinds_on == NULL || !kinds_on[kind]) continue;
        config.faults[kind] = (struct fault_request){.mode = FAULT_MODE_ON, .rate_given = true,
                                                     .rate_per_million = TEST_RATE_PER_MILLION};
    }
    struct sim *sim = unit_sim_start(&config);
    for (u32 id = 0; id < 3; id++) sim->nodes[id]->state = NODE_RUNNING;
    return sim;
}

static void fill(u8 *bytes, u32 length, u32 index) {
    for (u32 i = 0; i < length; i++) bytes[i] = (u8)(index * 7u + i);
}

// Sends TEST_DATAGRAMS from node 0 to node 1, TEST_SEND_GAP_NS apart, node 1 receiving as
// it goes; then node 1 takes the rest. Returns how many node 1 received.
static u64 exchange(struct sim *sim, bool *in_order, bool *bytes_intact) {
    struct platform *from = sim->nodes[0];
    struct platform *to = sim->nodes[1];
    u8 bytes[NET_DATAGRAM_BYTES_MAX];
    u8 got[NET_DATAGRAM_BYTES_MAX];
    u64 received = 0;
    *in_order = true;
    *bytes_intact = true;
    i64 last_index = -1;
    for (u32 i = 0; i < TEST_DATAGRAMS + 10000u; i++) {
        if (i < TEST_DATAGRAMS) {
            fill(bytes, 100, i);
            bytes[0] = (u8)i;
            bytes[1] = (u8)(i >> 8);
            if (platform_net_send(from, 1, bytes, 100) != 0) *bytes_intact = false;
        }
        from->now_ns += TEST_SEND_GAP_NS;
        to->now_ns = from->now_ns;
        for (;;) {
            i64 length = platform_net_receive(to, got, sizeof(got));
            if (length <= 0) break;
            u32 index = (u32)got[0] | (u32)got[1] << 8;
            fill(bytes, 100, index);
            bytes[0] = got[0];
            bytes[1] = got[1];
            if (length != 100 || memcmp(bytes, got, 100) != 0) *bytes_intact = false;
            if ((i64)index < last_index) *in_order = false;
            last_index = index;
            received++;
        }
    }
    return received;
}

static void test_clean_network(void) {
    struct sim *sim = cluster(7, NULL, false);
    u8 bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    u8 got[NET_DATAGRAM_BYTES_MAX];
    check(platform_net_present(sim->nodes[0]), "net_present_with_3_nodes", "absent");
    check(platform_net_send(sim->nodes[0], 2, bytes, 8) == 0, "net_send_ok", "not 0");
    check(platform_net_receive(sim->nodes[2], got, sizeof(got)) == 0, "net_not_before_latency",
          "received at the send's own time (latency is at least 200 us)");
    sim->nodes[2]->now_ns = NET_LATENCY_MAX_DEFAULT_NS;
    i64 length = platform_net_receive(sim->nodes[2], got, sizeof(got));
    check(length == 8 && memcmp(got, bytes, 8) == 0, "net_delivered_after_latency", "not the bytes sent");
    check(platform_net_send(sim->nodes[0], 1, bytes, 0) == -E_INVAL, "net_send_empty_refused", "not -E_INVAL");
    check(platform_net_send(sim->nodes[0], 1, bytes, NET_DATAGRAM_BYTES_MAX + 1) == -E_INVAL,
          "net_send_too_long_refused", "not -E_INVAL");
    check(platform_net_send(sim->nodes[0], NET_NODES_MAX, bytes, 8) == -E_INVAL, "net_send_bad_node_refused",
          "not -E_INVAL");
    bool in_order = false;
    bool intact = false;
    u64 received = exchange(sim, &in_order, &intact);
    const struct network_counts *c = &sim->network->counts;
    check(received == TEST_DATAGRAMS && c->delivered == TEST_DATAGRAMS + 1, "net_clean_all_delivered",
          "datagrams lost without faults");
    check(intact, "net_clean_bytes_intact", "a datagram's bytes changed");
    check(c->dropped + c->duplicated + c->reordered + c->lost_down + c->congestion == 0, "net_clean_no_faults",
          "a fault counted with every kind off");
    sim_destroy(sim);
}

static void test_faults_each_kind(void) {
    bool kinds_on[FAULT_COUNT] = {false};
    kinds_on[FAULT_NET_DROP] = kinds_on[FAULT_NET_DUPLICATE] = kinds_on[FAULT_NET_REORDER] = true;
    struct sim *sim = cluster(11, kinds_on, false);
    bool in_order = true;
    bool intact = false;
    u64 received = exchange(sim, &in_order, &intact);
    const struct network_counts *c = &sim->network->counts;
    u64 expected = TEST_DATAGRAMS / 10; // 10% each
    check(c->dropped > expected / 2 && c->dropped < expected * 2, "net_drop_at_its_rate", "far from 10%");
    check(c->duplicated > expected / 2 && c->duplicated < expected * 2, "net_duplicate_at_its_rate", "far from 10%");
    check(c->reordered > expected / 2 && c->reordered < expected * 2, "net_reorder_at_its_rate", "far from 10%");
    check(received == TEST_DATAGRAMS - c->dropped + c->duplicated, "net_faults_accounted",
          "received != sent - dropped + duplicated");
    check(!in_order, "net_reorder_lets_later_pass", "every datagram arrived in send order");
    check(intact, "net_faults_never_alter_bytes", "a datagram's bytes changed");
    check(sim->faults_injected[FAULT_NET_DROP] == c->dropped, "net_drop_counted_as_fault", "faults by kind differ");
    sim_destroy(sim);
}

static void test_congestion_and_power_loss(void) {
    struct sim *sim = cluster(3, NULL, false);
    u8 bytes[16] = {0};
    for (u32 i = 0; i < NETWORK_IN_FLIGHT_MAX + 10; i++) platform_net_send(sim->nodes[0], 1, bytes, 16);
    const struct network_counts *c = &sim->network->counts;
    check(c->congestion == 10, "net_table_full_is_congestion", "not 10 dropped when 10 over the bound");
    struct platform *node = sim->nodes[1];
    node->now_ns = NET_LATENCY_MAX_DEFAULT_NS; // every datagram arrived, none received
    node->state = NODE_DOWN;
    node->now_ns += 5000000ull; // dark for 5 ms
    network_node_down(node);
    check(c->lost_down == NETWORK_IN_FLIGHT_MAX, "net_power_loss_loses_unreceived", "datagrams survived it");
    platform_net_send(sim->nodes[0], 1, bytes, 16); // arrives while node 1 is dark
    check(c->lost_down == NETWORK_IN_FLIGHT_MAX + 1, "net_down_receiver_loses", "kept for a dark node");
    node->state = NODE_RUNNING;
    u8 got[NET_DATAGRAM_BYTES_MAX];
    check(platform_net_receive(node, got, sizeof(got)) == 0, "net_nothing_after_power_loss", "a datagram came back");
    sim_destroy(sim);
}

// An idle node wakes when a datagram for it arrives, as an interrupt would wake it.
static void test_idle_wakes_on_arrival(void) {
    struct sim *sim = cluster(13, NULL, false);
    u8 bytes[16] = {0};
    u8 got[NET_DATAGRAM_BYTES_MAX];
    platform_net_send(sim->nodes[0], 1, bytes, 16);
    struct platform *node = sim->nodes[1];
    platform_idle_until(node, platform_monotonic_ns(node) + 100000000ull); // 100 ms
    bool early = node->now_ns >= NET_LATENCY_MIN_DEFAULT_NS && node->now_ns <= NET_LATENCY_MAX_DEFAULT_NS;
    check(early, "net_idle_wakes_at_arrival", "slept past the datagram's arrival");
    check(platform_net_receive(node, got, sizeof(got)) == 16, "net_idle_wake_receives", "nothing at the wake");
    u64 before_ns = node->now_ns;
    platform_idle_until(node, platform_monotonic_ns(node) + 100000000ull);
    check(node->now_ns - before_ns >= 100000000ull, "net_idle_full_without_datagrams", "woke with nothing due");
    sim_destroy(sim);
}

static void test_cut_and_heal(void) {
    struct sim *sim = cluster(5, NULL, true);
    u8 bytes[16] = {0};
    u8 got[NET_DATAGRAM_BYTES_MAX];
    platform_net_send(sim->nodes[0], 1, bytes, 16);
    check(sim->network->counts.cut_off == 1, "net_cut_holds_links_down", "a datagram crossed the cut");
    network_heal(sim->network, sim->nodes[0]);
    platform_net_send(sim->nodes[0], 1, bytes, 16);
    sim->nodes[1]->now_ns = NET_LATENCY_MAX_DEFAULT_NS;
    check(platform_net_receive(sim->nodes[1], got, sizeof(got)) == 16, "net_heal_ends_cut", "nothing after the heal");
    sim_destroy(sim);
}

static u64 run_hash(u64 seed) {
    bool kinds_on[FAULT_COUNT] = {false};
    kinds_on[FAULT_NET_DROP] = kinds_on[FAULT_NET_DUPLICATE] = kinds_on[FAULT_NET_REORDER] = true;
    struct sim *sim = cluster(seed, kinds_on, false);
    bool in_order = false;
    bool intact = false;
    exchange(sim, &in_order, &intact);
    u64 hash = trace_hash(&sim->trace);
    sim_destroy(sim);
    return hash;
}

static void test_determinism_and_bootargs(void) {
    check(run_hash(21) == run_hash(21), "net_same_seed_same_trace", "two runs of one seed differ");
    check(run_hash(21) != run_hash(22), "net_other_seed_other_trace", "two seeds gave one trace");
    struct sim *sim = cluster(1, NULL, false);
    check(strcmp(platform_bootargs(sim->nodes[2]), "init.end=poweroff replica.nodes=3 replica.node=2") == 0,
          "net_bootargs_node_id", platform_bootargs(sim->nodes[2]));
    sim_destroy(sim);
    struct sim_config config;
    unit_sim_config(&config, 1, 1000, "init.end=poweroff");
    config.nodes_count = 2;
    sim = unit_sim_start(&config);
    check(strcmp(platform_bootargs(sim->nodes[1]), "init.end=poweroff") == 0, "net_bootargs_unchanged_without_cluster",
          platform_bootargs(sim->nodes[1]));
    sim_destroy(sim);
}

static void test_partition_plans(void) {
    struct fault_setting always = {.enabled = true, .rate_per_million = FAULT_RATE_PER_MILLION_MAX};
    struct pcg32 rng;
    pcg32_seed(&rng, 9, 1);
    u32 kinds_seen[NET_PARTITION_KIND_COUNT] = {0};
    bool valid = true;
    for (u32 i = 0; i < 3000; i++) {
        u32 nodes = 2 + i % 7;
        struct net_partition_plan plan;
        if (!fault_net_partition_strikes(&always, &rng, nodes, &plan)) valid = false;
        kinds_seen[plan.kind]++;
        bool any = false;
        for (u32 from = 0; from < nodes; from++) {
            if ((plan.blocked[from] >> from & 1u) != 0) valid = false; // never a node from itself
            if ((plan.blocked[from] >> nodes) != 0) valid = false;     // only nodes of the cluster
            any = any || plan.blocked[from] != 0;
            bool both_ways = plan.kind != NET_PARTITION_ASYMMETRIC;
            for (u32 to = 0; to < nodes && both_ways; to++) {
                bool there = (plan.blocked[from] >> to & 1u) != 0;
                bool back = (plan.blocked[to] >> from & 1u) != 0;
                if (there != back) valid = false;
            }
        }
        if (!any || plan.duration_ns < NET_PARTITION_MIN_NS || plan.duration_ns > NET_PARTITION_MAX_NS) valid = false;
    }
    check(valid, "net_partition_plans_valid", "a plan cut nothing, cut a node from itself or was not symmetric");
    bool all_kinds = kinds_seen[0] > 0 && kinds_seen[1] > 0 && kinds_seen[2] > 0;
    check(all_kinds, "net_partition_every_kind_drawn", "a kind never drawn in 3000");
    struct fault_setting off = {.enabled = false, .rate_per_million = 0};
    struct pcg32 before = rng;
    struct net_partition_plan plan;
    bool struck = fault_net_partition_strikes(&off, &rng, 3, &plan);
    check(!struck && memcmp(&before, &rng, sizeof(rng)) == 0, "net_partition_off_draws_nothing", "the stream moved");
}

int main(void) {
    test_clean_network();
    test_faults_each_kind();
    test_congestion_and_power_loss();
    test_cut_and_heal();
    test_idle_wakes_on_arrival();
    test_determinism_and_bootargs();
    test_partition_plans();
    return failures == 0 ? 0 : 1;
}
