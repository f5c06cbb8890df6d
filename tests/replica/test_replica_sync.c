// Anti-entropy between 2..5 engines: every message goes through the wire codec into a
// queue that loses, duplicates and reorders datagrams (seeded); writes come from a table
// of keys and values, at nodes whose clocks disagree by minutes and jump back. After a
// heal (no loss), every engine must hold every write, with equal Merkle roots and equal
// current versions, each the (hlc, node)-highest write of its key.
#include "tests/replica/replica_test.h"

#define NODES_MAX 5u
#define KEYS_COUNT 40u
#define WRITES_MAX 4000u
#define QUEUE_MAX 8192u
#define DATAGRAM_BYTES 1400u
#define HEAL_ROUNDS_MAX 400u
#define MS 1000000ull

struct datagram {
    u32 length;
    u8 bytes[DATAGRAM_BYTES];
};
struct write {
    struct replica_version version;
    u8 value[REPLICA_VALUE_BYTES_MAX];
};

static struct replica *engines[NODES_MAX];
static u32 nodes;
static u32 keys_count = KEYS_COUNT;
static bool writes_as_root; // past the users' shares
static struct datagram queue[QUEUE_MAX];
static u32 queue_count;
static struct write writes[WRITES_MAX];
static u32 writes_count;
static u32 loss_percent;
static u32 duplicate_percent;
static struct replica_outbox outbox;
static u64 datagrams_sent;
static u64 datagrams_dropped;

static const u8 *
value_of(const u8 hash[REPLICA_HASH_BYTES])
{
    for (u32 i = 0; i < writes_count; i++) {
        if (memcmp(writes[i].version.value_hash, hash, REPLICA_HASH_BYTES) == 0) return writes[i].value;
    }
    return NULL;
}

static void
enqueue(const u8 *bytes, u32 length)
{
    u32 copies = 1;
    if (test_below(100) < loss_percent) copies = 0;
    if (test_below(100) < duplicate_percent) copies++;
    datagrams_sent++;
    if (copies == 0) datagrams_dropped++;
    for (u32 c = 0; c < copies && queue_count < QUEUE_MAX; c++) {
        queue[queue_count].length = length;
        memcpy(queue[queue_count].bytes, bytes, length);
        queue_count++;
    }
}

static void
send_message(const struct replica_message *m)
{
    const u8 *values[REPLICA_MESSAGE_VERSIONS_MAX] = {0};
    for (u32 i = 0; i < m->versions_count; i++) {
        if (m->versions[i].value_bytes == 0) continue;
        values[i] = value_of(m->versions[i].value_hash);
        CHECK(values[i] != NULL);
    }
    u8 bytes[DATAGRAM_BYTES];
    u32 first = 0;
    do {
        u32 encoded = 0;
        i64 length = replica_wire_encode(m, values, first, bytes, DATAGRAM_BYTES, &encoded);
        CHECK(length > 0);
        if (length <= 0) return;
        enqueue(bytes, (u32)length);
        first += encoded;
    } while (first < m->versions_count);
}

static void
send_outbox(void)
{
    for (u32 i = 0; i < outbox.count; i++) send_message(&outbox.messages[i]);
    outbox.count = 0;
}

static void
receive_versions(struct replica *r, const struct replica_message *m)
{
    for (u32 i = 0; i < m->versions_count; i++) {
        const struct replica_version *v = &m->versions[i];
        u8 hash[REPLICA_HASH_BYTES];
        test_sha256(m->values[i], v->value_bytes, hash);
        CHECK(memcmp(hash, v->value_hash, REPLICA_HASH_BYTES) == 0);
        replica_hlc_observe(r, v->hlc);
        CHECK(replica_add(r, v) >= 0);
    }
}

static void
deliver_one(u64 now_ns)
{
    u32 pick = test_below(queue_count); // any waiting datagram: reordering
    struct datagram d = queue[pick];
    queue[pick] = queue[--queue_count];
    static struct replica_message m;
    CHECK(replica_wire_decode(d.bytes, d.length, &m) == 0);
    CHECK(m.to < nodes);
    if (m.to >= nodes) return;
    struct replica *r = engines[m.to];
    replica_peer_heard(r, m.from, now_ns);
    replica_hlc_observe(r, m.sender_hlc);
    if (m.type == REPLICA_MSG_VERSIONS) {
        receive_versions(r, &m);
        return;
    }
    outbox.count = 0;
    replica_respond(r, &m, &outbox);
    send_outbox();
}

static const char *const value_table[] = {
    "apple", "bread and butter", "c", "the quick brown fox jumps over the lazy dog",
    "0123456789abcdef", "x=1;y=2", "~!@#$%^&*()_+", "zebra",
};

static void
write_at(u32 node, u64 now_ns)
{
    if (writes_count >= WRITES_MAX) return;
    struct replica *r = engines[node];
    struct write *w = &writes[writes_count];
    const char *base = value_table[test_below(8)];
    u32 length = 1 + test_below(REPLICA_VALUE_BYTES_MAX);
    for (u32 i = 0; i < length; i++) w->value[i] = (u8)base[(i + writes_count) % strlen(base)];
    char key[24];
    snprintf(key, sizeof(key), "user/k%u", test_below(keys_count));
    u8 hash[REPLICA_HASH_BYTES];
    test_sha256(w->value, length, hash);
    // Clocks disagree by minutes; one write in ten sees realtime three minutes back.
    u64 physical = now_ns + node * 97000 * MS + 600000 * MS;
    if (test_below(10) == 0) physical -= 180000 * MS;
    i64 result = replica_prepare_put(r, (const u8 *)key, (u32)strlen(key), writes_as_root ? 0 : 1000 + node, hash, length,
                                     physical, &w->version);
    CHECK(result == 0);
    if (result != 0) return;
    CHECK(replica_add(r, &w->version) == 1);
    writes_count++;
    if (test_below(2) == 0) { // a push of the new write to one peer
        struct replica_message m;
        memset(&m, 0, sizeof(m));
        m.type = REPLICA_MSG_VERSIONS;
        m.from = (u8)node;
        m.to = (u8)((node + 1 + test_below(nodes - 1)) % nodes);
        m.sender_hlc = r->hlc_last;
        m.index = REPLICA_LEAF_NONE;
        m.versions_count = 1;
        m.versions[0] = w->version;
        send_message(&m);
    }
}

static void
round_run(u64 now_ns, bool writing)
{
    for (u32 n = 0; n < nodes; n++) {
        if (writing && test_below(3) == 0) write_at(n, now_ns);
        outbox.count = 0;
        u32 peer = replica_sync_start(engines[n], &outbox);
        CHECK(peer != n);
        CHECK(peer < nodes);
        send_outbox();
    }
    // Deliver about what is waiting; the rest waits (and is reordered with new ones).
    u32 deliveries = queue_count / 2 + 1;
    for (u32 i = 0; i < deliveries && queue_count > 0; i++) deliver_one(now_ns);
}

static bool
converged(void)
{
    u64 root = replica_merkle_root(engines[0]);
    for (u32 n = 1; n < nodes; n++) {
        if (replica_merkle_root(engines[n]) != root) return false;
    }
    return true;
}

// Every engine holds every write, and each key's current is its highest write.
static void
check_converged(void)
{
    CHECK(converged());
    for (u32 n = 0; n < nodes; n++) {
        CHECK(engines[n]->versions_count == writes_count);
        for (u32 w = 0; w < writes_count; w++) CHECK(replica_contains(engines[n], &writes[w].version));
    }
    for (u32 w = 0; w < writes_count; w++) {
        const struct replica_version *v = &writes[w].version;
        struct replica_version best = *v;
        for (u32 o = 0; o < writes_count; o++) {
            const struct replica_version *x = &writes[o].version;
            if (x->key_len != v->key_len || memcmp(x->key, v->key, v->key_len) != 0) continue;
            if (x->hlc > best.hlc || (x->hlc == best.hlc && x->node > best.node)) best = *x;
        }
        for (u32 n = 0; n < nodes; n++) {
            struct replica_version got;
            CHECK(replica_get(engines[n], v->key, v->key_len, &got, NULL) == 0);
            CHECK(test_same_version(&got, &best));
        }
    }
}

// Returns the rounds the heal took.
static u32
simulate(u32 cluster, u64 seed, u32 loss, u32 duplicate)
{
    test_random_state = seed;
    nodes = cluster;
    for (u32 n = 0; n < nodes; n++) replica_init(engines[n], n, nodes);
    queue_count = writes_count = 0;
    loss_percent = loss;
    duplicate_percent = duplicate;
    u64 now_ns = 1700000000000ull * MS;
    for (u32 round = 0; round < 150; round++, now_ns += 50 * MS) round_run(now_ns, true);
    loss_percent = 0;
    duplicate_percent = 0;
    u32 heal = 0;
    while (heal < HEAL_ROUNDS_MAX && !converged()) {
        round_run(now_ns, false);
        now_ns += 50 * MS;
        heal++;
    }
    // Drain: no round can change a converged cluster.
    while (queue_count > 0) deliver_one(now_ns);
    check_converged();
    return heal;
}

// A node that was away while another took 3000 writes over 2000 keys catches up.
static void
test_catch_up(void)
{
    test_random_state = 77;
    nodes = 2;
    keys_count = 2000;
    writes_as_root = true;
    for (u32 n = 0; n < nodes; n++) replica_init(engines[n], n, nodes);
    queue_count = writes_count = 0;
    loss_percent = duplicate_percent = 0;
    u64 now_ns = 1700000000000ull * MS;
    for (u32 i = 0; i < 3000; i++) write_at(0, now_ns + i * MS);
    queue_count = 0; // the pushes were lost
    u64 sent_before = datagrams_sent;
    u32 rounds = 0;
    while (rounds < HEAL_ROUNDS_MAX && !converged()) {
        round_run(now_ns, false);
        now_ns += 50 * MS;
        rounds++;
    }
    while (queue_count > 0) deliver_one(now_ns);
    check_converged();
    printf("# catch-up of 3000 versions (2000 keys): %u rounds, %llu datagrams\n", rounds,
           (unsigned long long)(datagrams_sent - sent_before));
    keys_count = KEYS_COUNT;
    writes_as_root = false;
    test_group("sync-catch-up-after-absence");
}

// One key with more versions than one answer holds (64 messages of 16): a peer that
// lacks one old version still gets it (the answers rotate through the leaf).
static void
test_big_leaf(void)
{
    test_random_state = 99;
    nodes = 2;
    for (u32 n = 0; n < nodes; n++) replica_init(engines[n], n, nodes);
    queue_count = writes_count = 0;
    loss_percent = duplicate_percent = 0;
    struct replica_version missing;
    for (u32 i = 0; i < 3000; i++) {
        struct replica_version v = test_version("hot/key", 1000 + i, i % 2, 0, "");
        CHECK(replica_add(engines[0], &v) == 1);
        if (i == 200) missing = v;
        else CHECK(replica_add(engines[1], &v) == 1);
    }
    CHECK(!replica_contains(engines[1], &missing));
    u64 now_ns = 1700000000000ull * MS;
    u32 rounds = 0;
    while (rounds < HEAL_ROUNDS_MAX && !converged()) {
        round_run(now_ns, false);
        now_ns += 50 * MS;
        rounds++;
    }
    CHECK(converged());
    CHECK(replica_contains(engines[1], &missing));
    printf("# a 3000-version leaf missing one version: %u rounds\n", rounds);
    test_group("sync-big-leaf-rotates");
}

int
main(void)
{
    for (u32 n = 0; n < NODES_MAX; n++) engines[n] = test_engine(0, 1);
    u32 heal_max = 0;
    u32 runs = 0;
    for (u32 cluster = 2; cluster <= NODES_MAX; cluster++) {
        for (u64 seed = 1; seed <= 4; seed++) {
            u32 heal = simulate(cluster, seed * 1000 + cluster, 10 + 5 * (u32)seed, 10);
            CHECK(heal < HEAL_ROUNDS_MAX);
            if (heal > heal_max) heal_max = heal;
            runs++;
        }
    }
    printf("# %u runs, %llu datagrams (%llu lost), heal within %u rounds\n", runs,
           (unsigned long long)datagrams_sent, (unsigned long long)datagrams_dropped, heal_max);
    test_group("sync-converges-2-to-5-nodes-lossy-reordered");
    test_catch_up();
    test_big_leaf();
    return test_finish();
}
