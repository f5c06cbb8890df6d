// The replica engine's clock, versions, reads, shares and Merkle tree (replica.h).
#include "tests/replica/replica_test.h"

#define MS 1000000ull

static void
test_hlc(void)
{
    struct replica *r = test_engine(0, 3);
    u64 t = 1700000000000ull * MS;
    u64 a = replica_hlc_next(r, t);
    CHECK(a == (1700000000000ull << 16));
    u64 b = replica_hlc_next(r, t);
    CHECK(b == a + 1);
    // Realtime jumps back by 10 minutes: still strictly increasing.
    u64 prev = b;
    for (u32 i = 0; i < 1000; i++) {
        u64 h = replica_hlc_next(r, t - 600000ull * MS + i * MS / 10);
        CHECK(h > prev);
        prev = h;
    }
    // The counter overflows into the ms part.
    struct replica *c = test_engine(0, 1);
    u64 first = replica_hlc_next(c, 5 * MS);
    for (u32 i = 0; i < 70000; i++) prev = replica_hlc_next(c, 5 * MS);
    CHECK(prev == first + 70000);
    CHECK((prev >> 16) == 6);
    // Observe raises; after observe(v), next > v.
    u64 remote = (1800000000000ull << 16) | 77;
    replica_hlc_observe(r, remote);
    CHECK(r->hlc_last == remote);
    CHECK(replica_hlc_next(r, t) > remote);
    replica_hlc_observe(r, 5); // a lower one changes nothing
    CHECK(r->hlc_last == remote + 1);
    // A hostile hlc near 2^64 is held at REPLICA_HLC_MAX: next never wraps.
    replica_hlc_observe(c, ~0ull);
    CHECK(c->hlc_last == REPLICA_HLC_MAX);
    CHECK(replica_hlc_next(c, 5 * MS) == REPLICA_HLC_MAX + 1);
    CHECK(replica_hlc_next(c, ~0ull) > REPLICA_HLC_MAX + 1);
    free(r);
    free(c);
    test_group("hlc");
}

static void
test_add_contains(void)
{
    struct replica *r = test_engine(1, 3);
    struct replica_version v = test_version("xy/notes", 100, 2, 1000, "hello");
    CHECK(!replica_contains(r, &v));
    CHECK(replica_add(r, &v) == 1);
    CHECK(replica_contains(r, &v));
    CHECK(replica_add(r, &v) == 0);
    CHECK(r->versions_count == 1);
    u64 root = replica_merkle_root(r);
    struct replica_version liar = v;
    liar.uid = 0;
    CHECK(replica_add(r, &liar) == -E_INVAL);
    CHECK(!replica_contains(r, &liar));
    liar = test_version("xy/notes", 100, 2, 1000, "other");
    CHECK(replica_add(r, &liar) == -E_INVAL);
    CHECK(replica_merkle_root(r) == root);
    struct replica_version bad = test_version("xy/notes", 100, 3, 1000, "x");
    CHECK(replica_add(r, &bad) == -E_INVAL); // node >= nodes
    bad = test_version("xy notes", 100, 0, 1000, "x");
    CHECK(replica_add(r, &bad) == -E_INVAL);
    bad = test_version("k", 100, 0, 1000, "x");
    bad.value_bytes = REPLICA_VALUE_BYTES_MAX + 1;
    CHECK(replica_add(r, &bad) == -E_INVAL);
    bad.key_len = 0;
    CHECK(replica_add(r, &bad) == -E_INVAL);
    CHECK(replica_key_valid((const u8 *)"!~", 2));
    CHECK(!replica_key_valid((const u8 *)"a\x7f", 2));
    CHECK(!replica_key_valid((const u8 *)"a", REPLICA_KEY_BYTES_MAX + 1));
    CHECK(r->versions_count == 1);
    CHECK(r->keys_count == 1);
    free(r);
    test_group("add-contains-idempotent");
}

// Versions of one key: (hlc, node) of each, values "v<i>".
#define ORDER_VERSIONS 24u
static void
order_versions(struct replica_version *v)
{
    char value[16];
    for (u32 i = 0; i < ORDER_VERSIONS; i++) {
        snprintf(value, sizeof(value), "v%u", i);
        // Many hlc ties between nodes: hlc in 1000..1007.
        v[i] = test_version("shared/key", 1000 + i / 3, i % 3, 0, value);
    }
}

static void
test_current_is_max(void)
{
    struct replica_version v[ORDER_VERSIONS];
    order_versions(v);
    struct replica *r = test_engine(0, 3);
    for (u32 trial = 0; trial < 200; trial++) {
        replica_init(r, trial % 3, 3);
        u32 order[ORDER_VERSIONS];
        for (u32 i = 0; i < ORDER_VERSIONS; i++) order[i] = i;
        for (u32 i = ORDER_VERSIONS - 1; i > 0; i--) {
            u32 j = test_below(i + 1);
            u32 t = order[i]; order[i] = order[j]; order[j] = t;
        }
        u32 added = 1 + test_below(ORDER_VERSIONS);
        u32 best = order[0];
        for (u32 i = 0; i < added; i++) {
            CHECK(replica_add(r, &v[order[i]]) == 1);
            if (order[i] > best) best = order[i]; // higher index = higher (hlc, node)
            struct replica_version got;
            u32 count = 0;
            CHECK(replica_get(r, v[0].key, v[0].key_len, &got, &count) == 0);
            CHECK(test_same_version(&got, &v[best]));
            CHECK(count == i + 1);
        }
    }
    free(r);
    test_group("current-is-max-under-random-orders");
}

static void
test_history_as_of(void)
{
    struct replica_version v[ORDER_VERSIONS];
    order_versions(v);
    struct replica *r = test_engine(0, 3);
    for (u32 i = 0; i < ORDER_VERSIONS; i++) CHECK(replica_add(r, &v[(i * 7) % ORDER_VERSIONS]) == 1);
    struct replica_version got;
    u32 count = 0;
    for (u32 i = 0; i < ORDER_VERSIONS; i++) {
        CHECK(replica_history(r, v[0].key, v[0].key_len, i, &got, &count) == 0);
        CHECK(test_same_version(&got, &v[ORDER_VERSIONS - 1 - i]));
        CHECK(count == ORDER_VERSIONS);
    }
    CHECK(replica_history(r, v[0].key, v[0].key_len, ORDER_VERSIONS, &got, &count) == -E_NOENT);
    CHECK(replica_history(r, (const u8 *)"nokey", 5, 0, &got, &count) == -E_NOENT);
    CHECK(replica_get(r, (const u8 *)"nokey", 5, &got, &count) == -E_NOENT);
    CHECK(replica_get(r, (const u8 *)"bad key", 7, &got, &count) == -E_NOENT);
    // As of hlc 1003: the highest node's version at 1003 (index 11).
    CHECK(replica_get_as_of(r, v[0].key, v[0].key_len, 1003, &got) == 0);
    CHECK(test_same_version(&got, &v[11]));
    CHECK(replica_get_as_of(r, v[0].key, v[0].key_len, ~0ull, &got) == 0);
    CHECK(test_same_version(&got, &v[ORDER_VERSIONS - 1]));
    CHECK(replica_get_as_of(r, v[0].key, v[0].key_len, 999, &got) == -E_NOENT);
    free(r);
    test_group("history-order-and-as-of");
}

static i64
put(struct replica *r, u32 i, u32 uid)
{
    char key[32];
    snprintf(key, sizeof(key), "k%u", i % 5000u);
    u8 hash[REPLICA_HASH_BYTES] = {(u8)i, (u8)(i >> 8)};
    struct replica_version v;
    i64 result = replica_prepare_put(r, (const u8 *)key, (u32)strlen(key), uid, hash, 8, i * MS, &v);
    if (result < 0) return result;
    if (v.uid != uid || v.node != r->node || v.value_bytes != 8) return -1000;
    return replica_add(r, &v) == 1 ? 0 : -1001;
}

static void
test_shares(void)
{
    struct replica *r = test_engine(0, 2);
    u32 i = 0;
    u8 hash[REPLICA_HASH_BYTES] = {0};
    struct replica_version v;
    CHECK(replica_prepare_put(r, (const u8 *)"", 0, 0, hash, 1, 0, &v) == -E_INVAL);
    CHECK(replica_prepare_put(r, (const u8 *)"k", 1, 0, hash, REPLICA_VALUE_BYTES_MAX + 1, 0, &v) == -E_INVAL);
    for (u32 n = 0; n < REPLICA_USER_VERSIONS_MAX; n++) CHECK(put(r, i++, 1000) == 0);
    CHECK(put(r, i++, 1000) == -E_DQUOT);
    // Other users share REPLICA_USERS_VERSIONS_MAX in all.
    u32 users = REPLICA_USERS_VERSIONS_MAX / REPLICA_USER_VERSIONS_MAX;
    for (u32 u = 1; u < users; u++) {
        for (u32 n = 0; n < REPLICA_USER_VERSIONS_MAX; n++) CHECK(put(r, i++, 1000 + u) == 0);
    }
    CHECK(r->user_versions_count == REPLICA_USERS_VERSIONS_MAX);
    CHECK(put(r, i++, 5000) == -E_DQUOT);
    // Root's reserve is still there, up to the peers' reserve.
    u32 root_room = REPLICA_VERSIONS_MAX - REPLICA_PEER_RESERVE_VERSIONS - r->versions_count;
    for (u32 n = 0; n < root_room; n++) CHECK(put(r, i++, 0) == 0);
    CHECK(put(r, i++, 0) == -E_NOSPC);
    CHECK(r->versions_count == REPLICA_VERSIONS_MAX - REPLICA_PEER_RESERVE_VERSIONS);
    // Versions from peers still fit in the reserve, then the table is full.
    u32 added = 0;
    for (u32 n = 0; n < REPLICA_PEER_RESERVE_VERSIONS + 1; n++) {
        struct replica_version peer = test_version("peer/key", 1 + n, 1, 7, "p");
        i64 result = replica_add(r, &peer);
        if (result == 1) added++;
        else CHECK(result == -E_NOMEM);
    }
    CHECK(added == REPLICA_PEER_RESERVE_VERSIONS);
    CHECK(r->versions_count == REPLICA_VERSIONS_MAX);
    free(r);
    test_group("shares");
}

static void
tree_load(struct replica *r, u32 count, u32 stride, u32 offset)
{
    char key[32];
    char value[32];
    for (u32 n = 0; n < count; n++) {
        u32 i = (n * stride + offset) % count;
        snprintf(key, sizeof(key), "tree/%u", i % 700u);
        snprintf(value, sizeof(value), "value %u", i);
        struct replica_version v = test_version(key, 10000 + i, i % 3, i % 2, value);
        CHECK(replica_add(r, &v) == 1);
    }
}

static void
test_tree(void)
{
    struct replica *a = test_engine(0, 3);
    struct replica *b = test_engine(1, 3);
    CHECK(replica_merkle_root(a) == replica_merkle_root(b));
    tree_load(a, 2000, 1, 0);
    tree_load(b, 2000, 7, 13); // 7 is prime to 2000: the same set, another order
    CHECK(replica_merkle_root(a) == replica_merkle_root(b));
    for (u32 leaf = 0; leaf < REPLICA_TREE_LEAVES_COUNT; leaf++) {
        CHECK(replica_tree_digest(a, 3, leaf) == replica_tree_digest(b, 3, leaf));
    }
    // One version that differs (its uid): the roots differ, and descending the
    // differing children leads to its leaf.
    struct replica_version x = test_version("tree/odd", 5, 0, 0, "x");
    struct replica_version y = x;
    y.uid = 1;
    CHECK(replica_add(a, &x) == 1);
    CHECK(replica_add(b, &y) == 1);
    CHECK(replica_merkle_root(a) != replica_merkle_root(b));
    u32 index = 0;
    for (u32 depth = 1; depth <= REPLICA_TREE_DEPTH; depth++) {
        u32 differing = 0;
        u32 found = 0;
        for (u32 i = 0; i < REPLICA_TREE_FANOUT; i++) {
            u32 child = index * REPLICA_TREE_FANOUT + i;
            if (replica_tree_digest(a, depth, child) != replica_tree_digest(b, depth, child)) {
                differing++;
                found = child;
            }
        }
        CHECK(differing == 1);
        index = found;
    }
    CHECK(index == replica_leaf_of_key(x.key, x.key_len));
    // The incremental inner nodes equal a full recompute.
    u64 incremental = replica_merkle_root(a);
    memset(a->tree_dirty_parents, 0, sizeof(a->tree_dirty_parents));
    memset(a->tree, 0, 273 * sizeof(u64)); // the inner nodes, not the leaves
    a->tree_dirty = true;
    CHECK(replica_merkle_root(a) == incremental);
    // The leaf's versions: keys in byte order, each key's from the newest.
    struct replica_version out[64];
    u32 got = replica_leaf_versions(a, index, 0, out, 64);
    CHECK(got >= 1);
    for (u32 i = 1; i < got; i++) {
        int order = memcmp(out[i - 1].key, out[i].key, 47);
        CHECK(order < 0 || (order == 0 && out[i - 1].hlc > out[i].hlc));
    }
    CHECK(replica_leaf_versions(a, index, got, out, 64) == 0);
    CHECK(replica_leaf_versions(a, REPLICA_TREE_LEAVES_COUNT, 0, out, 64) == 0);
    free(a);
    free(b);
    test_group("merkle-tree");
}

int
main(void)
{
    test_hlc();
    test_add_contains();
    test_current_is_max();
    test_history_as_of();
    test_shares();
    test_tree();
    return test_finish();
}
