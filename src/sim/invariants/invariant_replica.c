// The replicated keyspace's invariants and its Jepsen-style history checker (issue 14),
// fed by every OBSERVE_REPLICA event (kernel/replica/replica_host.h) and by reading the
// node's engine (node->kernel.replica.engine) directly:
//   replica_no_invention, replica_acked_writes_kept, replica_hlc_monotonic,
//   replica_hlc_causal, replica_object_hash_matches, replica_current_is_highest,
//   replica_reads_valid (here and in invariant_replica_reads.c), and the convergence
//   test of the liveness phase (invariant_replica_converge.c).
#include <bearssl_hash.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/xxhash_inline.h"
#include "sim/invariants/invariant_replica_internal.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "sim/violation.h"

#define WRITES_INITIAL 4096u
#define WRITE_BUCKETS_COUNT (1u << 18)

struct replica_check *replica_check_get(struct sim *sim) {
    assert(sim != NULL);
    if (sim->replica_check != NULL) return sim->replica_check;
    struct replica_check *check = calloc(1, sizeof *check);
    u32 *buckets = calloc(WRITE_BUCKETS_COUNT, sizeof *buckets);
    if (check == NULL || buckets == NULL) {
        fprintf(stderr, "basin-sim: out of memory for the replica checker\n");
        exit(2);
    }
    for (u32 i = 0; i < WRITE_BUCKETS_COUNT; i++) buckets[i] = REPLICA_CHECK_NONE;
    check->buckets = buckets;
    check->buckets_count = WRITE_BUCKETS_COUNT;
    sim->replica_check = check;
    assert(sim->replica_check != NULL);
    return check;
}

void replica_check_destroy(struct replica_check *check) {
    if (check == NULL) return;
    for (u32 id = 0; id < REPLICA_NODES_MAX; id++) {
        free(check->nodes[id].keys);
        free(check->nodes[id].versions);
    }
    free(check->writes);
    free(check->buckets);
    free(check);
}

// The node's tables, reset at the first observation of each boot (the power-on cleared
// node->invariants, so replica_booted says whether this boot was seen yet).
struct replica_node_check *replica_node_check(struct sim *sim, struct platform *node) {
    assert(node != NULL);
    assert(node->id < REPLICA_NODES_MAX);
    struct replica_node_check *check = &replica_check_get(sim)->nodes[node->id];
    if (!node->invariants.replica_booted) {
        replica_shadow_reset(check);
        node->invariants.replica_booted = true;
    }
    return check;
}

_Noreturn void replica_fail(struct sim *sim, struct platform *node, u32 invariant, const char *format, ...) {
    assert(sim != NULL);
    assert(invariant < INVARIANT_COUNT);
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(detail, sizeof detail, format, args);
    va_end(args);
    if (node != NULL && sim->replica_check != NULL) {
        replica_recent_print(&sim->replica_check->nodes[node->id], node->id);
    }
    sim_violation(sim, node, invariant, detail);
}

static void sha256(const u8 *bytes, u32 count, u8 out[REPLICA_HASH_BYTES]) {
    assert(out != NULL);
    if (count != 0) assert(bytes != NULL);
    br_sha256_context context;
    br_sha256_init(&context);
    if (count != 0) br_sha256_update(&context, bytes, count);
    br_sha256_out(&context, out);
}

// replica_object_hash_matches: the bytes hash to the version's value hash and size.
static void object_hash_check(struct sim *sim, struct platform *node, const struct replica_observation *o,
                              const char *what) {
    assert(o != NULL);
    assert(what != NULL);
    sim->invariant_checks[INV_REPLICA_OBJECT_HASH_MATCHES]++;
    sim->replica.objects_checked++;
    u8 hash[REPLICA_HASH_BYTES];
    bool sized = o->value_bytes == o->version.value_bytes && o->value_bytes <= REPLICA_VALUE_BYTES_MAX;
    if (sized) sha256(o->value, o->value_bytes, hash);
    if (sized && memcmp(hash, o->version.value_hash, REPLICA_HASH_BYTES) == 0) return;
    char version[200];
    replica_format_version(version, sizeof version, &o->version);
    replica_fail(sim, node, INV_REPLICA_OBJECT_HASH_MATCHES,
                 "%s (pid %u): %u bytes whose SHA-256 begins %02x%02x%02x%02x given for %s", what, o->pid,
                 o->value_bytes, sized ? hash[0] : 0, sized ? hash[1] : 0, sized ? hash[2] : 0, sized ? hash[3] : 0,
                 version);
}

static u64 write_fingerprint(const struct replica_version *v) {
    assert(v != NULL);
    assert(v->key_len <= REPLICA_KEY_BYTES_MAX);
    u8 parts[8 + REPLICA_KEY_BYTES_MAX + REPLICA_HASH_BYTES];
    u32 at = 0;
    parts[at++] = v->node;
    memcpy(&parts[at], &v->uid, sizeof v->uid);
    at += sizeof v->uid;
    memcpy(&parts[at], &v->value_bytes, sizeof v->value_bytes);
    at += sizeof v->value_bytes;
    parts[at++] = v->key_len;
    memcpy(&parts[at], v->key, v->key_len);
    at += v->key_len;
    memcpy(&parts[at], v->value_hash, REPLICA_HASH_BYTES);
    at += REPLICA_HASH_BYTES;
    return (u64)XXH3_64bits(parts, at);
}

// The same write but for the hlc (which a version has and an invoke does not).
static bool write_matches(const struct replica_write *w, const struct replica_version *v, u64 fingerprint) {
    if (w->fingerprint != fingerprint) return false;
    struct replica_version probe = *v;
    probe.hlc = w->version.hlc;
    return replica_check_same(&w->version, &probe);
}

static u32 write_record(struct sim *sim, struct platform *node, const struct replica_observation *o) {
    struct replica_check *check = replica_check_get(sim);
    assert(o != NULL);
    if (check->writes_count == check->writes_capacity) {
        u32 capacity = check->writes_capacity == 0 ? WRITES_INITIAL : check->writes_capacity * 2;
        if (capacity > REPLICA_CHECK_WRITES_MAX) {
            check->writes_overflowed = true; // from now on an unmatched version is not judged
            return REPLICA_CHECK_NONE;
        }
        struct replica_write *grown = realloc(check->writes, (size_t)capacity * sizeof *grown);
        if (grown == NULL) {
            fprintf(stderr, "basin-sim: out of memory for the replica checker's writes\n");
            exit(2);
        }
        check->writes = grown;
        check->writes_capacity = capacity;
    }
    u32 index = check->writes_count++;
    struct replica_write *w = &check->writes[index];
    *w = (struct replica_write){.version = o->version, .pid = o->pid, .invoke_step = sim->step,
                                .sim_node = (u8)node->id};
    w->version.hlc = 0; // the kernel names the writer's node (its replica.node=)
    w->fingerprint = write_fingerprint(&w->version);
    u32 *bucket = &check->buckets[w->fingerprint & (check->buckets_count - 1)];
    w->next = *bucket;
    *bucket = index;
    return index;
}

// replica_no_invention: a client of the version's node invoked a put of exactly these
// bytes; a write gives one hlc (its ack's, or the first version's that matched it).
// `preferred`: the write this node's put in flight made, tried first.
static void invention_check(struct sim *sim, struct platform *node, const struct replica_version *v, u32 preferred,
                            const char *what) {
    struct replica_check *check = replica_check_get(sim);
    sim->invariant_checks[INV_REPLICA_NO_INVENTION]++;
    u64 fingerprint = write_fingerprint(v);
    if (preferred != REPLICA_CHECK_NONE && write_matches(&check->writes[preferred], v, fingerprint)) {
        struct replica_write *w = &check->writes[preferred];
        if (w->version.hlc == v->hlc) return;
        if (w->version.hlc == 0 && w->state != WRITE_ACKED) {
            w->version.hlc = v->hlc;
            return;
        }
    }
    u32 unbound = REPLICA_CHECK_NONE;
    for (u32 i = check->buckets[fingerprint & (check->buckets_count - 1)]; i != REPLICA_CHECK_NONE;
         i = check->writes[i].next) {
        const struct replica_write *w = &check->writes[i];
        if (!write_matches(w, v, fingerprint)) continue;
        if (w->version.hlc == v->hlc) return;
        if (w->version.hlc == 0 && w->state != WRITE_ACKED && unbound == REPLICA_CHECK_NONE) unbound = i;
    }
    if (unbound != REPLICA_CHECK_NONE) {
        check->writes[unbound].version.hlc = v->hlc;
        return;
    }
    if (check->writes_overflowed) {
        sim->replica.unjudged++;
        return;
    }
    char version[200];
    replica_format_version(version, sizeof version, v);
    replica_fail(sim, node, INV_REPLICA_NO_INVENTION,
                 "%s %s: no client of node %u put these bytes under this key and uid (or that put has another hlc)",
                 what, version, v->node);
}

static struct replica_pending_put *pending_find(struct replica_node_check *check, u32 pid) {
    for (u32 i = 0; i < REPLICA_CHECK_PENDING_PUTS; i++) {
        if (check->pending[i].pid == pid && pid != 0) return &check->pending[i];
    }
    return NULL;
}

static void recent_record(struct sim *sim, struct replica_node_check *check, struct platform *node,
                          const struct replica_observation *o, i64 result) {
    assert(o != NULL);
    struct replica_recent_op *op = &check->recent[check->recent_next];
    check->recent_next = (check->recent_next + 1) % REPLICA_CHECK_RECENT_OPS;
    *op = (struct replica_recent_op){.step = sim->step == 0 ? 1 : sim->step, .time_ns = node->now_ns, .pid = o->pid,
                                     .op = o->kind == REPLICA_OBSERVE_READ ? o->op : ABI_GRAINDB_PUT,
                                     .result = result, .version = o->version};
}

static void on_put_invoke(struct sim *sim, struct platform *node, const struct replica_observation *o) {
    struct replica_node_check *check = replica_node_check(sim, node);
    sim->replica.puts_invoked++;
    if (o->value != NULL) object_hash_check(sim, node, o, "a put's value");
    u32 index = write_record(sim, node, o);
    struct replica_pending_put *slot = pending_find(check, o->pid);
    for (u32 i = 0; slot == NULL && i < REPLICA_CHECK_PENDING_PUTS; i++) {
        if (check->pending[i].pid == 0) slot = &check->pending[i];
    }
    if (slot == NULL) {
        sim->replica.unjudged++; // more puts in flight than processes: not judged
        return;
    }
    *slot = (struct replica_pending_put){.pid = o->pid, .write = index, .visible_hlc_max = check->visible_hlc_max,
                                         .given_hlc_max = check->given_hlc_max};
    assert(slot->pid == o->pid);
}

// The acked version is the invoked write, with the node's next hlc: strictly above its
// earlier acked puts (across reboots) and above every version visible when it entered.
static void on_put_ack(struct sim *sim, struct platform *node, const struct replica_observation *o) {
    struct replica_node_check *check = replica_node_check(sim, node);
    struct replica_check *run = replica_check_get(sim);
    sim->replica.puts_acked++;
    recent_record(sim, check, node, o, 0);
    char version[200];
    replica_format_version(version, sizeof version, &o->version);
    struct replica_pending_put *pending = pending_find(check, o->pid);
    if (pending != NULL && pending->write != REPLICA_CHECK_NONE) {
        struct replica_write *w = &run->writes[pending->write];
        invention_check(sim, node, &o->version, pending->write, "an acked put");
        if (w->version.hlc == o->version.hlc) w->state = WRITE_ACKED;
        w->complete_step = sim->step;
    }
    sim->invariant_checks[INV_REPLICA_HLC_MONOTONIC]++;
    if (o->version.hlc <= check->acked_hlc_last) {
        replica_fail(sim, node, INV_REPLICA_HLC_MONOTONIC, "put acked as %s after a put acked with hlc %" PRIu64,
                     version, check->acked_hlc_last);
    }
    // The node's clock is above every hlc it gave, acked or not: one it loaded back after
    // a power loss cut its put short counts too (replica.h: loading raises the clock).
    if (pending != NULL && o->version.hlc <= pending->given_hlc_max) {
        replica_fail(sim, node, INV_REPLICA_HLC_MONOTONIC,
                     "put acked as %s, but the node had given one of its versions hlc %" PRIu64 " before", version,
                     pending->given_hlc_max);
    }
    check->acked_hlc_last = o->version.hlc;
    if (o->version.hlc > check->given_hlc_max) check->given_hlc_max = o->version.hlc;
    sim->invariant_checks[INV_REPLICA_HLC_CAUSAL]++;
    if (pending != NULL && o->version.hlc <= pending->visible_hlc_max) {
        replica_fail(sim, node, INV_REPLICA_HLC_CAUSAL,
                     "put acked as %s, but a version with hlc %" PRIu64 " was visible on the node when it entered",
                     version, pending->visible_hlc_max);
    }
    if (pending != NULL) *pending = (struct replica_pending_put){0};
    sim->invariant_checks[INV_REPLICA_ACKED_WRITES_KEPT]++;
    if (!replica_contains(&node->kernel.replica.engine, &o->version)) {
        replica_fail(sim, node, INV_REPLICA_ACKED_WRITES_KEPT, "put acked as %s, which the engine does not hold",
                     version);
    }
}

static void on_put_fail(struct sim *sim, struct platform *node, const struct replica_observation *o) {
    struct replica_node_check *check = replica_node_check(sim, node);
    sim->replica.puts_failed++;
    recent_record(sim, check, node, o, o->error);
    struct replica_pending_put *pending = pending_find(check, o->pid);
    if (pending == NULL) return;
    // A failed put may still have reached the disk (a flush that failed after the write):
    // its version stays a candidate for no_invention, with the one hlc it may carry.
    if (pending->write != REPLICA_CHECK_NONE) replica_check_get(sim)->writes[pending->write].state = WRITE_FAILED;
    *pending = (struct replica_pending_put){0};
}

static void touch(struct sim *sim, struct replica_node_check *check, const struct replica_version *v) {
    for (u32 i = 0; i < check->touched_count; i++) {
        const struct replica_version *t = &check->touched[i];
        if (t->key_len == v->key_len && memcmp(t->key, v->key, v->key_len) == 0) return;
    }
    if (check->touched_count == REPLICA_CHECK_TOUCHED_MAX) {
        sim->replica.unjudged++; // this key's spot-check waits for the next step that adds to it
        return;
    }
    check->touched[check->touched_count++] = *v;
}

// A version visible on the node (ADDED, or LOADED at boot).
static void on_version(struct sim *sim, struct platform *node, const struct replica_observation *o) {
    struct replica_node_check *check = replica_node_check(sim, node);
    bool loaded = o->kind == REPLICA_OBSERVE_LOADED;
    if (loaded) sim->replica.versions_loaded++;
    if (!loaded) sim->replica.versions_added++;
    if (!loaded && o->from_peer) sim->replica.versions_from_peers++;
    bool own = (loaded || !o->from_peer) && o->version.node == node->kernel.replica.engine.node;
    if (own && o->version.hlc > check->given_hlc_max) check->given_hlc_max = o->version.hlc;
    struct replica_pending_put *pending = o->from_peer || loaded ? NULL : pending_find(check, o->pid);
    u32 preferred = pending != NULL ? pending->write : REPLICA_CHECK_NONE;
    invention_check(sim, node, &o->version, preferred,
                    loaded ? "loaded" : o->from_peer ? "received from a peer" : "added by a local put");
    if (replica_shadow_add(check, &o->version) < 0) {
        check->overflowed = true;
        sim->replica.unjudged++;
    }
    if (loaded) return; // judged whole at TRACE_REPLICA_BOOT
    touch(sim, check, &o->version);
    // Judged now when the engine already holds it (a read later in this step must not
    // be the first to notice), else after the step.
    if (replica_contains(&node->kernel.replica.engine, &o->version)) {
        replica_key_check(sim, node, check, o->version.key, o->version.key_len);
    }
}

void replica_on_observation(struct sim *sim, struct platform *node, const struct replica_observation *o) {
    assert(sim != NULL);
    assert(node != NULL);
    assert(o != NULL);
    switch (o->kind) {
    case REPLICA_OBSERVE_PUT_INVOKE: on_put_invoke(sim, node, o); return;
    case REPLICA_OBSERVE_PUT_ACK: on_put_ack(sim, node, o); return;
    case REPLICA_OBSERVE_PUT_FAIL: on_put_fail(sim, node, o); return;
    case REPLICA_OBSERVE_READ: {
        struct replica_node_check *check = replica_node_check(sim, node);
        recent_record(sim, check, node, o, o->found ? 0 : o->error);
        if (o->found && o->value != NULL) object_hash_check(sim, node, o, "a read's value");
        replica_read_check(sim, node, check, o);
        return;
    }
    case REPLICA_OBSERVE_ADDED:
    case REPLICA_OBSERVE_LOADED: on_version(sim, node, o); return;
    case REPLICA_OBSERVE_OBJECT_STORED: object_hash_check(sim, node, o, "an object stored"); return;
    }
}

// Every put acked by node's clients is in its engine (after a boot; at convergence on
// every node: `holder`).
void replica_acked_all_held(struct sim *sim, struct platform *writer_or_null, struct platform *holder) {
    struct replica_check *run = replica_check_get(sim);
    assert(holder != NULL);
    for (u32 i = 0; i < run->writes_count; i++) {
        const struct replica_write *w = &run->writes[i];
        if (w->state != WRITE_ACKED) continue;
        if (writer_or_null != NULL && w->sim_node != writer_or_null->id) continue;
        sim->invariant_checks[INV_REPLICA_ACKED_WRITES_KEPT]++;
        if (replica_contains(&holder->kernel.replica.engine, &w->version)) continue;
        char version[200];
        replica_format_version(version, sizeof version, &w->version);
        replica_fail(sim, holder, INV_REPLICA_ACKED_WRITES_KEPT,
                     "%s, acked to pid %u at step %" PRIu64 ", is not held by node %u (boot %u)", version, w->pid,
                     w->complete_step, holder->id, holder->boots);
    }
}

void replica_on_event(struct sim *sim, struct platform *node, const struct trace_event *event) {
    assert(sim != NULL);
    assert(event != NULL);
    if (event->kind == TRACE_REPLICA_REPAIRED) sim->replica.values_repaired++;
    if (event->kind != TRACE_REPLICA_BOOT) return;
    struct replica_node_check *check = replica_node_check(sim, node);
    sim->replica.boots_checked++;
    replica_acked_all_held(sim, node, node);
    replica_boot_check(sim, node, check);
}

void replica_after_step(struct sim *sim, struct platform *node) {
    assert(sim != NULL);
    assert(node != NULL);
    if (!node->invariants.replica_booted || sim->replica_check == NULL) return;
    struct replica_node_check *check = &sim->replica_check->nodes[node->id];
    for (u32 i = 0; i < check->touched_count; i++) {
        replica_key_check(sim, node, check, check->touched[i].key, check->touched[i].key_len);
    }
    check->touched_count = 0;
}
