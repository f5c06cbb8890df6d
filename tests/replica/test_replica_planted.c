// Each of the engine's planted bugs (REPLICA_BUG_* in replica.h) changes the behaviour it
// names, and only when its bit is set: the simulator's planted-bug tests rely on it.
#include "tests/replica/replica_test.h"

#define MS 1000000ull

static struct replica_outbox outbox_a;
static struct replica_outbox outbox_b;

static struct replica *
planted(u32 node, u32 nodes, u32 bug, bool on)
{
    struct replica *r = test_engine(node, nodes);
    r->planted_mask = on ? (1ull << bug) : 0;
    return r;
}

static void
test_current_last_arrived(bool on)
{
    struct replica *r = planted(0, 2, REPLICA_BUG_CURRENT_LAST_ARRIVED, on);
    struct replica_version high = test_version("k", 200, 1, 0, "high");
    struct replica_version low = test_version("k", 100, 0, 0, "low");
    CHECK(replica_add(r, &high) == 1);
    CHECK(replica_add(r, &low) == 1);
    struct replica_version got;
    CHECK(replica_get(r, high.key, high.key_len, &got, NULL) == 0);
    CHECK(test_same_version(&got, on ? &low : &high));
    free(r);
}

static void
test_history_drops_older(bool on)
{
    struct replica *r = planted(0, 2, REPLICA_BUG_HISTORY_DROPS_OLDER, on);
    struct replica_version low = test_version("k", 100, 0, 0, "low");
    struct replica_version high = test_version("k", 200, 1, 0, "high");
    CHECK(replica_add(r, &low) == 1);
    CHECK(replica_add(r, &high) == 1);
    struct replica_version got;
    u32 count = 0;
    CHECK(replica_history(r, low.key, low.key_len, 0, &got, &count) == 0);
    CHECK(count == (on ? 1u : 2u));
    CHECK(replica_history(r, low.key, low.key_len, 1, &got, &count) == (on ? -E_NOENT : 0));
    free(r);
}

static void
test_hlc_bugs(bool on)
{
    struct replica *r = planted(0, 2, REPLICA_BUG_HLC_PHYSICAL_ONLY, on);
    u64 a = replica_hlc_next(r, 1000 * MS);
    u64 b = replica_hlc_next(r, 1000 * MS);
    u64 c = replica_hlc_next(r, 500 * MS);
    CHECK(on ? b == a : b > a);
    CHECK(on ? c < b : c > b);
    free(r);
    r = planted(0, 2, REPLICA_BUG_HLC_IGNORES_REMOTE, on);
    u64 remote = 9000ull << 16;
    replica_hlc_observe(r, remote);
    u64 next = replica_hlc_next(r, 1000 * MS);
    CHECK(on ? next < remote : next > remote);
    free(r);
}

// Messages from one engine's outbox answered by the other until none is left; VERSIONS
// are added directly (the wire codec has its own test).
static void
exchange(struct replica *from, struct replica *to, struct replica_outbox *in, struct replica_outbox *out)
{
    out->count = 0;
    for (u32 i = 0; i < in->count; i++) {
        const struct replica_message *m = &in->messages[i];
        if (m->type == REPLICA_MSG_VERSIONS) {
            for (u32 v = 0; v < m->versions_count; v++) CHECK(replica_add(to, &m->versions[v]) >= 0);
            continue;
        }
        replica_respond(to, m, out);
    }
    in->count = 0;
    (void)from;
}

static void
test_sync_skips_leaves(bool on)
{
    struct replica *a = planted(0, 2, REPLICA_BUG_SYNC_SKIPS_LEAVES, on);
    struct replica *b = planted(1, 2, REPLICA_BUG_SYNC_SKIPS_LEAVES, on);
    struct replica_version only_a = test_version("left", 100, 0, 0, "a");
    struct replica_version only_b = test_version("right", 100, 1, 0, "b");
    CHECK(replica_add(a, &only_a) == 1);
    CHECK(replica_add(b, &only_b) == 1);
    outbox_a.count = 0;
    CHECK(replica_sync_start(a, &outbox_a) == 1);
    for (u32 step = 0; step < 8 && (outbox_a.count > 0 || outbox_b.count > 0); step++) {
        exchange(a, b, &outbox_a, &outbox_b);
        exchange(b, a, &outbox_b, &outbox_a);
    }
    bool same = replica_merkle_root(a) == replica_merkle_root(b);
    CHECK(on ? !same : same);
    CHECK(replica_contains(a, &only_b) == !on);
    CHECK(replica_contains(b, &only_a) == !on);
    free(a);
    free(b);
}

int
main(void)
{
    for (u32 on = 0; on <= 1; on++) {
        test_current_last_arrived(on);
        test_history_drops_older(on);
        test_hlc_bugs(on);
        test_sync_skips_leaves(on);
    }
    test_group("planted-bits-change-what-they-name");
    return test_finish();
}
