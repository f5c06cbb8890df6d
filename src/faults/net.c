// Network fault models (issue 14): whether a datagram is lost, delivered twice or held
// back so that later ones pass it, and when a partition starts, of which kind, between
// which nodes and for how long. Decisions only: the simulated network
// (sim/machine/network.c) carries them out, counts and traces them.
#include "faults/faults.h"

#include "faults/pcg32.h"

const char *net_partition_kind_name(enum net_partition_kind kind) {
    switch (kind) {
    case NET_PARTITION_SYMMETRIC: return "symmetric";
    case NET_PARTITION_ASYMMETRIC: return "asymmetric";
    case NET_PARTITION_ISOLATED: return "isolated";
    case NET_PARTITION_KIND_COUNT: break;
    }
    return "unknown";
}

bool fault_net_drop_strikes(const struct fault_setting *setting, struct pcg32 *rng) {
    assert(setting != NULL);
    assert(rng != NULL);
    return fault_strikes(setting, rng);
}

bool fault_net_duplicate_strikes(const struct fault_setting *setting, struct pcg32 *rng) {
    assert(setting != NULL);
    assert(rng != NULL);
    return fault_strikes(setting, rng);
}

bool fault_net_reorder_strikes(const struct fault_setting *setting, struct pcg32 *rng,
                               u64 *extra_ns) {
    assert(setting != NULL);
    assert(extra_ns != NULL);
    *extra_ns = 0;
    if (!fault_strikes(setting, rng)) return false;
    *extra_ns = pcg32_range(rng, NET_REORDER_DELAY_MIN_NS, NET_REORDER_DELAY_MAX_NS);
    return true;
}

u64 fault_net_latency_draw(struct pcg32 *rng, u64 min_ns, u64 max_ns) {
    assert(rng != NULL);
    assert(min_ns <= max_ns);
    return pcg32_range(rng, min_ns, max_ns);
}

// Symmetric: a group drawn as a proper, non-empty subset; no link crosses it.
static void plan_symmetric(struct pcg32 *rng, u32 nodes_count, struct net_partition_plan *plan) {
    assert(nodes_count >= 2);
    assert(nodes_count <= FAULT_NET_NODES_MAX);
    u32 all = (1u << nodes_count) - 1;
    u32 group = (u32)pcg32_range(rng, 1, all - 1);
    for (u32 from = 0; from < nodes_count; from++) {
        bool inside = (group >> from & 1u) != 0;
        plan->blocked[from] = (u8)(inside ? all & ~group : group);
    }
}

// Asymmetric: one direction of one link (a coin), or one node that cannot send.
static void plan_asymmetric(struct pcg32 *rng, u32 nodes_count, struct net_partition_plan *plan) {
    assert(nodes_count >= 2);
    u32 all = (1u << nodes_count) - 1;
    u32 from = pcg32_bounded(rng, nodes_count);
    if (pcg32_bounded(rng, 2) == 0) {
        u32 to = (from + 1 + pcg32_bounded(rng, nodes_count - 1)) % nodes_count;
        assert(to != from);
        plan->blocked[from] = (u8)(1u << to);
        return;
    }
    plan->blocked[from] = (u8)(all & ~(1u << from));
}

static void plan_isolated(struct pcg32 *rng, u32 nodes_count, struct net_partition_plan *plan) {
    assert(nodes_count >= 2);
    u32 all = (1u << nodes_count) - 1;
    u32 alone = pcg32_bounded(rng, nodes_count);
    for (u32 from = 0; from < nodes_count; from++) {
        plan->blocked[from] = (u8)(from == alone ? all & ~(1u << alone) : 1u << alone);
    }
}

bool fault_net_partition_strikes(const struct fault_setting *setting, struct pcg32 *rng,
                                 u32 nodes_count, struct net_partition_plan *plan) {
    assert(plan != NULL);
    assert(nodes_count >= 2);
    assert(nodes_count <= FAULT_NET_NODES_MAX);
    *plan = (struct net_partition_plan){.kind = NET_PARTITION_SYMMETRIC};
    if (!fault_strikes(setting, rng)) return false;
    plan->kind = (enum net_partition_kind)pcg32_bounded(rng, NET_PARTITION_KIND_COUNT);
    plan->duration_ns = pcg32_range(rng, NET_PARTITION_MIN_NS, NET_PARTITION_MAX_NS);
    switch (plan->kind) {
    case NET_PARTITION_SYMMETRIC: plan_symmetric(rng, nodes_count, plan); break;
    case NET_PARTITION_ASYMMETRIC: plan_asymmetric(rng, nodes_count, plan); break;
    case NET_PARTITION_ISOLATED: plan_isolated(rng, nodes_count, plan); break;
    case NET_PARTITION_KIND_COUNT: assert(false); break;
    }
    return true;
}
