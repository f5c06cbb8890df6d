// The replica checker (src/sim/invariants/invariant_replica*.c) on one booted node with
// replica.nodes=2, fed observations by hand the way the kernel room emits them (the
// version added to the engine first, then ADDED): a clean history passes and is counted;
// each wrong one is reported, in a child, by the invariant it breaks:
//   a version no client put (no_invention), an acked hlc not above the last acked one
//   or below one of its own it loaded back unacked (hlc_monotonic), a put acked below a version visible when it entered (hlc_causal),
//   a read's bytes that do not hash to its version (object_hash_matches), a get that
//   answers an older version (reads_valid), an acked version the engine does not hold
//   (acked_writes_kept).
#include <string.h>

#include <bearssl_hash.h>

#include "kernel/kernel.h"
#include "sim/invariants/invariant_replica.h"
#include "sim/sim.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_child.h"
#include "tests/unit/unit_sim.h"

#define DISK_BYTES (16ull << 20)
#define STEPS_MAX 400000u
#define HLC(ms, counter) (((u64)(ms) << 16) | (counter))

static struct replica_version version_of(const char *key, const char *value, u32 node, u32 uid, u64 hlc) {
    struct replica_version v;
    memset(&v, 0, sizeof v);
    v.key_len = (u8)strlen(key);
    memcpy(v.key, key, v.key_len);
    v.node = (u8)node;
    v.uid = uid;
    v.hlc = hlc;
    v.value_bytes = (u16)strlen(value);
    br_sha256_context context;
    br_sha256_init(&context);
    br_sha256_update(&context, value, strlen(value));
    br_sha256_out(&context, v.value_hash);
    return v;
}

static void observe_kind(struct sim *sim, struct platform *node, u32 kind, u32 pid, const struct replica_version *v,
                         const char *value) {
    struct replica_observation o = {.kind = kind, .pid = pid, .op = ABI_GRAINDB_PUT, .found = true, .version = *v};
    if (kind == REPLICA_OBSERVE_PUT_INVOKE) o.version.hlc = 0;
    if (value != NULL) {
        o.value = (const u8 *)value;
        o.value_bytes = (u32)strlen(value);
    }
    replica_on_observation(sim, node, &o);
}

// A put of node 0's client, as the kernel room reports it: invoke, add, ADDED, ack.
static void put(struct sim *sim, struct platform *node, u32 pid, const struct replica_version *v, const char *value) {
    observe_kind(sim, node, REPLICA_OBSERVE_PUT_INVOKE, pid, v, value);
    (void)replica_add(&node->kernel.replica.engine, v);
    observe_kind(sim, node, REPLICA_OBSERVE_ADDED, 0, v, NULL);
    observe_kind(sim, node, REPLICA_OBSERVE_PUT_ACK, pid, v, value);
}

static void get(struct sim *sim, struct platform *node, const struct replica_version *answer, const char *value) {
    struct replica_observation o = {.kind = REPLICA_OBSERVE_READ, .pid = 7, .op = ABI_GRAINDB_GET, .found = true,
                                    .version = *answer, .value = (const u8 *)value,
                                    .value_bytes = (u32)strlen(value)};
    replica_on_observation(sim, node, &o);
}

static void invented(struct sim *sim, struct platform *node) {
    struct replica_version v = version_of("r0/x", "never put", 0, 0, HLC(5000, 0));
    (void)replica_add(&node->kernel.replica.engine, &v);
    observe_kind(sim, node, REPLICA_OBSERVE_ADDED, 0, &v, NULL);
}

static void hlc_back(struct sim *sim, struct platform *node) {
    struct replica_version v = version_of("r0/b", "back", 0, 0, HLC(1000, 0)); // below the last acked
    put(sim, node, 5, &v, "back");
}

// A put cut short after its version was durable, loaded back: the next put must be above
// it even though it was never acked.
static void below_given(struct sim *sim, struct platform *node) {
    struct replica_version cut = version_of("r0/g", "cut", 0, 0, HLC(6000, 0));
    observe_kind(sim, node, REPLICA_OBSERVE_PUT_INVOKE, 8, &cut, "cut");
    (void)replica_add(&node->kernel.replica.engine, &cut);
    observe_kind(sim, node, REPLICA_OBSERVE_LOADED, 0, &cut, NULL);
    struct replica_version next = version_of("r0/h", "next", 0, 0, HLC(3000, 0));
    put(sim, node, 5, &next, "next");
}

static void not_causal(struct sim *sim, struct platform *node) {
    // A client of node 1 wrote far ahead; node 0 receives it, then puts below it.
    struct replica_version ahead = version_of("shared/c", "ahead", 1, 0, HLC(9000, 0));
    observe_kind(sim, node, REPLICA_OBSERVE_PUT_INVOKE, 99, &ahead, "ahead");
    (void)replica_add(&node->kernel.replica.engine, &ahead);
    struct replica_observation o = {.kind = REPLICA_OBSERVE_ADDED, .from_peer = true, .version = ahead};
    replica_on_observation(sim, node, &o);
    struct replica_version mine = version_of("r0/c", "mine", 0, 0, HLC(3000, 0));
    put(sim, node, 5, &mine, "mine");
}

static void bad_bytes(struct sim *sim, struct platform *node) {
    struct replica_version v = version_of("r0/a", "two", 0, 0, HLC(2000, 1));
    get(sim, node, &v, "one"); // the newest version with the older one's bytes
}

static void stale_get(struct sim *sim, struct platform *node) {
    struct replica_version v = version_of("r0/a", "one", 0, 0, HLC(2000, 0));
    get(sim, node, &v, "one");
}

static void ack_not_held(struct sim *sim, struct platform *node) {
    struct replica_version v = version_of("r0/d", "lost", 0, 0, HLC(4000, 0));
    observe_kind(sim, node, REPLICA_OBSERVE_PUT_INVOKE, 5, &v, "lost");
    observe_kind(sim, node, REPLICA_OBSERVE_PUT_ACK, 5, &v, "lost"); // never added
}

int main(void) {
    struct sim *sim = unit_sim_boot_mounted(3, STEPS_MAX, DISK_BYTES, "init.end=idle replica.nodes=2", false);
    struct platform *node = sim->nodes[0];
    UNIT_CHECK("the node's keyspace is loaded", node->kernel.replica.loaded);
    struct replica_version one = version_of("r0/a", "one", 0, 0, HLC(2000, 0));
    struct replica_version two = version_of("r0/a", "two", 0, 0, HLC(2000, 1));
    put(sim, node, 5, &one, "one");
    put(sim, node, 6, &two, "two");
    get(sim, node, &two, "two");
    struct replica_observation as_of = {.kind = REPLICA_OBSERVE_READ, .pid = 7, .op = ABI_GRAINDB_GET_AS_OF,
                                        .as_of_hlc = HLC(2000, 0), .found = true, .version = one,
                                        .value = (const u8 *)"one", .value_bytes = 3};
    replica_on_observation(sim, node, &as_of);
    struct replica_observation history = as_of;
    history.op = ABI_GRAINDB_HISTORY;
    history.index = 1;
    replica_on_observation(sim, node, &history);
    struct replica_version none = version_of("r0/none", "x", 0, 0, 0);
    struct replica_observation missing = {.kind = REPLICA_OBSERVE_READ, .op = ABI_GRAINDB_GET, .error = -E_NOENT,
                                          .version = none};
    replica_on_observation(sim, node, &missing);
    UNIT_CHECK("two puts acked and counted", sim->replica.puts_acked == 2);
    UNIT_CHECK("four reads checked", sim->replica.reads_checked == 4);
    UNIT_CHECK("values hashed (puts, stores, reads)", sim->replica.objects_checked >= 5);
    UNIT_CHECK("a version no client put", unit_child_reports(invented, sim, node, "replica_no_invention"));
    UNIT_CHECK("an acked hlc that goes back", unit_child_reports(hlc_back, sim, node, "replica_hlc_monotonic"));
    UNIT_CHECK("a put below a version it gave but never acked",
               unit_child_reports(below_given, sim, node, "replica_hlc_monotonic"));
    UNIT_CHECK("a put below a version it saw", unit_child_reports(not_causal, sim, node, "replica_hlc_causal"));
    UNIT_CHECK("a read's bytes of another version",
               unit_child_reports(bad_bytes, sim, node, "replica_object_hash_matches"));
    UNIT_CHECK("a get answering the older version", unit_child_reports(stale_get, sim, node, "replica_reads_valid"));
    UNIT_CHECK("an acked put the engine does not hold",
               unit_child_reports(ack_not_held, sim, node, "replica_acked_writes_kept"));
    sim_destroy(sim);
    UNIT_EXIT();
}
