// The replicated keyspace's kernel room (kernel/replica/) on a real booted kernel (one
// simulated node, no network): the graindb syscall as root and as xy through init's
// own memory (permissions, bad keys and sizes, bad pointers, reads of every kind, the
// status), the log read back at the next boot (every acknowledged version, its value),
// a damaged value answered -E_BADMSG and wanted again, and the boot arguments (bad
// values leave replication off, never a panic).
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/proc/usercopy.h"
#include "kernel/replica/internal.h"
#include "kernel/syscall.h"
#include "sim/machine/disk.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "subsystems/graindb/internal.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_sim.h"

#define DISK_BYTES (16ull << 20)
#define STEPS_MAX 400000u
#define BOOTARGS "init.rounds=0 init.end=idle loglevel=error"
#define XY_UID 1000u

static struct kernel *k;
static u32 slot;
static u64 request_va;
static u64 out_va;
static struct abi_graindb_request request;
static struct abi_graindb_reply reply;
static struct abi_graindb_status status;

static u32 init_slot(void) {
    for (u32 i = 0; i < PROCS_MAX; i++) {
        if (k->procs[i].state != PROC_FREE && k->procs[i].pid == 1) return i;
    }
    return PROCS_MAX;
}

// One call as euid, with the request copied into init's stack first.
static i64 call(u64 op, u32 euid, u64 request_at, u64 out_at) {
    if (request_at == request_va) assert(copy_to_user(k, &k->procs[slot], request_va, &request, sizeof request) == 0);
    u32 euid_before = k->procs[slot].cred.euid;
    k->procs[slot].cred.euid = euid;
    const u64 args[SYSCALL_ARGS_MAX] = {op, request_at, out_at};
    i64 result = sys_graindb(k, slot, args);
    k->procs[slot].cred.euid = euid_before;
    if (out_at == out_va) {
        void *out = op == ABI_GRAINDB_STATUS ? (void *)&status : (void *)&reply;
        u64 size = op == ABI_GRAINDB_STATUS ? sizeof status : sizeof reply;
        assert(copy_from_user(k, &k->procs[slot], out, out_va, size) == 0);
    }
    return result;
}

static i64 put(const char *key, const char *value, u32 euid) {
    memset(&request, 0, sizeof request);
    snprintf(request.key, sizeof request.key, "%s", key);
    request.value_bytes = (u32)strlen(value);
    memcpy(request.value, value, request.value_bytes);
    return call(ABI_GRAINDB_PUT, euid, request_va, out_va);
}

static i64 read_op(u64 op, const char *key, u32 index, u64 as_of_hlc) {
    memset(&request, 0, sizeof request);
    snprintf(request.key, sizeof request.key, "%s", key);
    request.index = index;
    request.as_of_hlc = as_of_hlc;
    memset(&reply, 0, sizeof reply);
    return call(op, XY_UID, request_va, out_va);
}

static bool value_is(const char *value) {
    return reply.value_bytes == strlen(value) && memcmp(reply.value, value, reply.value_bytes) == 0;
}

static void test_puts_and_reads(u64 *first_hlc) {
    UNIT_CHECK("put_root_anywhere", put("shared/motd", "one", 0) == 0);
    *first_hlc = reply.version.hlc;
    UNIT_CHECK("put_reply_version", reply.version.hlc != 0 && reply.version.uid == 0 && reply.version.node == 0 &&
                                        reply.versions_count == 1 && value_is("one"));
    UNIT_CHECK("put_second_version", put("shared/motd", "two", 0) == 0 && reply.version.hlc > *first_hlc &&
                                         reply.versions_count == 2);
    UNIT_CHECK("put_xy_own_prefix", put("xy/notes", "mine", XY_UID) == 0 && reply.version.uid == XY_UID);
    UNIT_CHECK("put_xy_root_key_refused", put("shared/motd", "evil", XY_UID) == -E_PERM);
    UNIT_CHECK("put_xy_other_user_refused", put("root/x", "evil", XY_UID) == -E_PERM);
    UNIT_CHECK("put_xy_prefix_lookalike_refused", put("xyz/notes", "evil", XY_UID) == -E_PERM);
    UNIT_CHECK("put_xy_bare_name_allowed", put("xy", "bare", XY_UID) == 0);
    UNIT_CHECK("get_current", read_op(ABI_GRAINDB_GET, "shared/motd", 0, 0) == 0 && value_is("two") &&
                                  reply.versions_count == 2);
    UNIT_CHECK("history_older", read_op(ABI_GRAINDB_HISTORY, "shared/motd", 1, 0) == 0 && value_is("one") &&
                                    reply.version.hlc == *first_hlc);
    UNIT_CHECK("history_past_the_end", read_op(ABI_GRAINDB_HISTORY, "shared/motd", 2, 0) == -E_NOENT);
    UNIT_CHECK("get_as_of_first", read_op(ABI_GRAINDB_GET_AS_OF, "shared/motd", 0, *first_hlc) == 0 &&
                                      value_is("one"));
    UNIT_CHECK("get_as_of_before_any", read_op(ABI_GRAINDB_GET_AS_OF, "shared/motd", 0, *first_hlc - 1) == -E_NOENT);
    UNIT_CHECK("get_absent_key", read_op(ABI_GRAINDB_GET, "shared/none", 0, 0) == -E_NOENT);
}

static void test_hostile_requests(void) {
    memset(&request, 0, sizeof request);
    memset(request.key, 'a', sizeof request.key); // no NUL
    UNIT_CHECK("key_without_nul", call(ABI_GRAINDB_GET, XY_UID, request_va, out_va) == -E_INVAL);
    UNIT_CHECK("key_empty", read_op(ABI_GRAINDB_GET, "", 0, 0) == -E_INVAL);
    UNIT_CHECK("key_with_space", put("xy/a b", "v", XY_UID) == -E_INVAL);
    UNIT_CHECK("key_with_control_byte", put("xy/a\x01", "v", XY_UID) == -E_INVAL);
    memset(&request, 0, sizeof request);
    strcpy(request.key, "xy/big");
    request.value_bytes = ABI_GRAINDB_VALUE_BYTES_MAX + 1;
    UNIT_CHECK("value_too_big", call(ABI_GRAINDB_PUT, XY_UID, request_va, out_va) == -E_INVAL);
    request.value_bytes = 0xffffffffu;
    UNIT_CHECK("value_size_huge", call(ABI_GRAINDB_PUT, XY_UID, request_va, out_va) == -E_INVAL);
    UNIT_CHECK("bad_op", call(99, XY_UID, request_va, out_va) == -E_INVAL);
    UNIT_CHECK("request_pointer_kernel", call(ABI_GRAINDB_GET, XY_UID, 0xffffffc000000000ull, out_va) == -E_FAULT);
    UNIT_CHECK("request_pointer_null", call(ABI_GRAINDB_GET, XY_UID, 0, out_va) == -E_FAULT);
    u32 versions_before = k->replica.engine.versions_count;
    (void)put("xy/fault", "v", XY_UID);
    UNIT_CHECK("put_reply_pointer_bad", call(ABI_GRAINDB_PUT, XY_UID, request_va, 8) == -E_FAULT);
    UNIT_CHECK("put_with_bad_reply_adds_nothing", k->replica.engine.versions_count == versions_before + 1);
    UNIT_CHECK("status_pointer_bad", call(ABI_GRAINDB_STATUS, XY_UID, 0, 8) == -E_FAULT);
}

static void test_status(void) {
    UNIT_CHECK("status", call(ABI_GRAINDB_STATUS, XY_UID, 0, out_va) == 0 && status.nodes == 1 && status.node == 0 &&
                             status.keys == 4 && status.versions == 5 && status.hlc != 0 &&
                             status.merkle_root == replica_merkle_root(&k->replica.engine));
}

// The next boot's load, on the same disk: every version and value back.
static void test_reload(void) {
    struct replica_host *h = &k->replica;
    u64 root_before = replica_merkle_root(&h->engine);
    u32 versions_before = h->engine.versions_count;
    u64 hlc_before = h->engine.hlc_last;
    mem_set(h, 0, sizeof *h);
    replica_host_boot(k);
    UNIT_CHECK("reload_enabled", h->enabled && h->loaded && !h->networked);
    UNIT_CHECK("reload_versions", h->engine.versions_count == versions_before);
    UNIT_CHECK("reload_same_root", replica_merkle_root(&h->engine) == root_before);
    UNIT_CHECK("reload_hlc_raised", h->engine.hlc_last >= hlc_before);
    UNIT_CHECK("reload_value", read_op(ABI_GRAINDB_HISTORY, "shared/motd", 1, 0) == 0 && value_is("one"));
    UNIT_CHECK("reload_new_put_above", put("shared/motd", "three", 0) == 0 && reply.version.hlc > hlc_before);
}

// A value whose stored copy no longer verifies: -E_BADMSG, and wanted from the peers.
static void test_damaged_value(void) {
    UNIT_CHECK("damage_put", put("xy/fragile", "precious bytes", XY_UID) == 0);
    struct replica_version v;
    mem_set(&v, 0, sizeof v);
    mem_copy(v.value_hash, reply.version.value_hash, REPLICA_HASH_BYTES);
    v.value_bytes = (u16)(reply.version.value_bytes + 1); // not the stored size: damage
    u8 out[REPLICA_VALUE_BYTES_MAX];
    u32 wants_before = k->replica.wants_count;
    UNIT_CHECK("damage_read_badmsg", replica_host_value_read(k, &v, out) == -E_BADMSG);
    UNIT_CHECK("damage_wanted", k->replica.wants_count == wants_before + 1 &&
                                    memcmp(k->replica.wants[wants_before], v.value_hash, REPLICA_HASH_BYTES) == 0);
    UNIT_CHECK("damage_wanted_once", replica_host_value_read(k, &v, out) == -E_BADMSG &&
                                         k->replica.wants_count == wants_before + 1);
    v.value_hash[0] ^= 1; // no such object at all
    UNIT_CHECK("missing_value_badmsg", replica_host_value_read(k, &v, out) == -E_BADMSG);
}

// Flips a bit of the stored object hash on the disk (the simulator told: real damage).
static void damage_object(const u8 hash[REPLICA_HASH_BYTES]) {
    struct graindb *db = &k->fs.db;
    struct object_header header;
    i64 error = 0;
    u64 position = objects_find(db, hash, &header, &error);
    assert(position != GRAINDB_NONE);
    u64 at = position + OBJ_HEADER_BYTES;
    u64 sector = db->superblock.log_start_sector + at / BLOCK_SECTOR_SIZE_BYTES;
    struct platform *node = k->platform;
    disk_durable_sector(&node->disk, sector)[at % BLOCK_SECTOR_SIZE_BYTES] ^= 0x08;
    disk_mark(&node->disk, sector, 1, DISK_SECTOR_DAMAGED);
}

// A damaged chunk stops the walk at boot: what was loaded stays (the rest is the
// peers'), puts go on, and the next boot loads them.
static void test_damaged_chunk(void) {
    struct replica_host *h = &k->replica;
    UNIT_CHECK("chunk_put_b", put("xy/b", "bee", XY_UID) == 0);
    u8 chunk_b[REPLICA_HASH_BYTES];
    mem_copy(chunk_b, h->log_head, REPLICA_HASH_BYTES);
    UNIT_CHECK("chunk_put_c", put("xy/c", "sea", XY_UID) == 0);
    damage_object(chunk_b);
    mem_set(h, 0, sizeof *h);
    replica_host_boot(k);
    UNIT_CHECK("damaged_chunk_stops_the_walk", h->enabled && h->loaded && h->engine.versions_count == 1);
    UNIT_CHECK("damaged_chunk_newer_kept", read_op(ABI_GRAINDB_GET, "xy/c", 0, 0) == 0 && value_is("sea"));
    UNIT_CHECK("damaged_chunk_then_put", put("xy/d", "dee", XY_UID) == 0);
    mem_set(h, 0, sizeof *h);
    replica_host_boot(k);
    UNIT_CHECK("damaged_chunk_next_boot", h->engine.versions_count == 2 &&
                                              read_op(ABI_GRAINDB_GET, "xy/d", 0, 0) == 0 && value_is("dee"));
}

static void test_boot_args(const char *bootargs, u32 nodes, u32 node, const char *name) {
    struct sim *sim = unit_sim_boot_mounted(5, STEPS_MAX, DISK_BYTES, bootargs, false);
    const struct replica_host *h = &sim->nodes[0]->kernel.replica;
    UNIT_CHECK(name, h->enabled && h->engine.nodes == nodes && h->engine.node == node);
    sim_destroy(sim);
}

int main(void) {
    struct sim *sim = unit_sim_boot_mounted(14, STEPS_MAX, DISK_BYTES, BOOTARGS, true);
    k = &sim->nodes[0]->kernel;
    slot = init_slot();
    assert(slot < PROCS_MAX);
    // Scratch in init's stack, below what it uses.
    request_va = (k->procs[slot].context.regs[2] & ~0xfffull) - 2048;
    out_va = request_va + 1024;
    UNIT_CHECK("booted_enabled", k->replica.enabled && k->replica.loaded && k->replica.engine.nodes == 1);
    u64 first_hlc = 0;
    test_puts_and_reads(&first_hlc);
    test_hostile_requests();
    test_status();
    test_reload();
    test_damaged_value();
    // The chunk damaged below holds acknowledged versions: replica_acked_writes_kept
    // rightly objects (tests/t_replica_sim.sh proves it catches a lost version); this test
    // is about what the room does then, so the simulator's judgement is off for it.
    sim->config.no_invariants = true;
    test_damaged_chunk();
    sim_destroy(sim);
    test_boot_args(BOOTARGS " replica.nodes=9", 1, 0, "bootargs_nodes_too_many");
    test_boot_args(BOOTARGS " replica.nodes=x2", 1, 0, "bootargs_nodes_not_a_number");
    test_boot_args(BOOTARGS " replica.nodes=99999999999999999999999999999", 1, 0, "bootargs_nodes_long");
    test_boot_args(BOOTARGS " replica.nodes=0", 1, 0, "bootargs_nodes_zero");
    test_boot_args(BOOTARGS " replica.nodes=", 1, 0, "bootargs_nodes_empty");
    // The simulator appends " replica.node=I" (I: the node's id) whenever replica.nodes= is
    // given, and the last word counts: node 0 here, whatever came before it.
    test_boot_args(BOOTARGS " replica.nodes=3 replica.node=3", 3, 0, "bootargs_node_the_simulators");
    test_boot_args(BOOTARGS " replica.nodes=3", 3, 0, "bootargs_node_from_the_simulator");
    test_boot_args(BOOTARGS " replica.nodes=3 replica.node=2", 3, 0, "bootargs_node_last_word_counts");
    UNIT_EXIT();
}
