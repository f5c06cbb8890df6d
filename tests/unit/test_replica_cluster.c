// The replica room across two simulated nodes (replica.nodes=2, the simulated network):
// a put on node 0 is pushed and becomes durable and visible on node 1 (same version,
// same value); a version node 1 missed (the network dropped the push) arrives by
// anti-entropy; a damaged value is wanted and a peer's OBJECT repairs it; and hostile
// datagrams sent from node 0's platform (garbage, a bad checksum, a version whose value
// does not hash to its hash, a WANT of a filesystem object, an OBJECT nobody asked for)
// are counted and refused, never stored, never answered, never a panic.
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/proc/usercopy.h"
#include "kernel/replica/internal.h"
#include "kernel/syscall.h"
#include "sim/machine/disk.h"
#include "sim/sim.h"
#include "subsystems/graindb/internal.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_sim.h"

#define DISK_BYTES (16ull << 20)
#define STEPS_MAX 400000u
#define BOOTARGS "init.rounds=0 init.end=idle loglevel=error replica.nodes=2"

static struct sim *sim;
static struct abi_graindb_request request;
static struct abi_graindb_reply reply;

static struct kernel *kernel_of(u32 node) { return &sim->nodes[node]->kernel; }

static u32 init_slot(struct kernel *k) {
    for (u32 i = 0; i < PROCS_MAX; i++) {
        if (k->procs[i].state != PROC_FREE && k->procs[i].pid == 1) return i;
    }
    return PROCS_MAX;
}

// A put as root on node, through init's memory.
static i64 put(u32 node, const char *key, const char *value) {
    struct kernel *k = kernel_of(node);
    u32 slot = init_slot(k);
    assert(slot < PROCS_MAX);
    u64 request_va = (k->procs[slot].context.regs[2] & ~0xfffull) - 2048;
    u64 out_va = request_va + 1024;
    memset(&request, 0, sizeof request);
    snprintf(request.key, sizeof request.key, "%s", key);
    request.value_bytes = (u32)strlen(value);
    memcpy(request.value, value, request.value_bytes);
    assert(copy_to_user(k, &k->procs[slot], request_va, &request, sizeof request) == 0);
    const u64 args[SYSCALL_ARGS_MAX] = {ABI_GRAINDB_PUT, request_va, out_va};
    i64 result = sys_graindb(k, slot, args);
    assert(copy_from_user(k, &k->procs[slot], &reply, out_va, sizeof reply) == 0);
    return result;
}

static bool holds(u32 node, const char *key, u64 hlc) {
    struct replica_version v;
    u32 count = 0;
    const struct replica *r = &kernel_of(node)->replica.engine;
    return replica_get(r, (const u8 *)key, (u32)strlen(key), &v, &count) == 0 && v.hlc == hlc;
}

// Steps the simulator until cond holds (or steps_max steps went by).
#define STEP_UNTIL(cond, steps_max)                                           \
    do {                                                                      \
        enum sim_end end_;                                                    \
        for (u64 i_ = 0; i_ < (steps_max) && !(cond); i_++) {                 \
            if (!sim_step(sim, &end_)) break;                                 \
        }                                                                     \
    } while (0)

static void boot_cluster(void) {
    struct sim_config config;
    unit_sim_config(&config, 21, STEPS_MAX, BOOTARGS);
    config.nodes_count = 2;
    config.log_level = LOG_ERROR;
    config.disk_size_bytes = DISK_BYTES;
    config.disk_fault_scope = DISK_FAULTS_RECOVERABLE;
    sim = unit_sim_start(&config);
    STEP_UNTIL(kernel_of(0)->replica.loaded && kernel_of(1)->replica.loaded && init_slot(kernel_of(0)) < PROCS_MAX &&
                   init_slot(kernel_of(1)) < PROCS_MAX, 100000u);
    UNIT_CHECK("cluster_booted", kernel_of(0)->replica.networked && kernel_of(1)->replica.networked &&
                                     kernel_of(0)->replica.engine.node == 0 && kernel_of(1)->replica.engine.node == 1);
}

static void test_push_and_anti_entropy(void) {
    UNIT_CHECK("put_on_node_0", put(0, "shared/a", "alpha") == 0);
    u64 hlc = reply.version.hlc;
    STEP_UNTIL(holds(1, "shared/a", hlc), 100000u);
    UNIT_CHECK("pushed_to_node_1", holds(1, "shared/a", hlc));
    u8 value[REPLICA_VALUE_BYTES_MAX];
    struct replica_version v;
    u32 count = 0;
    (void)replica_get(&kernel_of(1)->replica.engine, (const u8 *)"shared/a", 8, &v, &count);
    UNIT_CHECK("node_1_value_durable", replica_host_value_read(kernel_of(1), &v, value) == 0 &&
                                           memcmp(value, "alpha", 5) == 0 && v.node == 0 && v.uid == 0);
    // A put whose push is never sent (node 0 looks unnetworked for the call): node 1
    // gets it from a sync round.
    kernel_of(0)->replica.networked = false;
    UNIT_CHECK("put_unpushed", put(0, "shared/b", "beta") == 0);
    kernel_of(0)->replica.networked = true;
    hlc = reply.version.hlc;
    STEP_UNTIL(holds(1, "shared/b", hlc), 200000u);
    UNIT_CHECK("anti_entropy_brings_it", holds(1, "shared/b", hlc));
    UNIT_CHECK("roots_equal", replica_merkle_root(&kernel_of(0)->replica.engine) ==
                                  replica_merkle_root(&kernel_of(1)->replica.engine));
}

// Flips a bit of the stored value of hash on node's disk (the simulator told: the
// damage is real) and returns whether it found it.
static bool damage_value(u32 node, const u8 hash[REPLICA_HASH_BYTES]) {
    struct graindb *db = &kernel_of(node)->fs.db;
    struct object_header header;
    i64 error = 0;
    u64 position = objects_find(db, hash, &header, &error);
    if (position == GRAINDB_NONE) return false;
    u64 at = position + OBJ_HEADER_BYTES;
    u64 sector = db->superblock.log_start_sector + at / BLOCK_SECTOR_SIZE_BYTES;
    disk_durable_sector(&sim->nodes[node]->disk, sector)[at % BLOCK_SECTOR_SIZE_BYTES] ^= 0x10;
    disk_mark(&sim->nodes[node]->disk, sector, 1, DISK_SECTOR_DAMAGED);
    return true;
}

static void test_repair(void) {
    struct replica_host *h1 = &kernel_of(1)->replica;
    struct replica_version v;
    u32 count = 0;
    (void)replica_get(&h1->engine, (const u8 *)"shared/a", 8, &v, &count);
    u8 value[REPLICA_VALUE_BYTES_MAX];
    u64 repaired_before = h1->objects_repaired;
    UNIT_CHECK("damage_on_disk", damage_value(1, v.value_hash));
    UNIT_CHECK("damaged_read", replica_host_value_read(kernel_of(1), &v, value) == -E_BADMSG && h1->wants_count == 1);
    STEP_UNTIL(h1->wants_count == 0, 100000u);
    UNIT_CHECK("repaired_from_peer", h1->wants_count == 0 && h1->objects_repaired == repaired_before + 1);
    UNIT_CHECK("repaired_value_reads", replica_host_value_read(kernel_of(1), &v, value) == 0 &&
                                           memcmp(value, "alpha", 5) == 0);
}

// One datagram from node 0's platform to node 1; the simulator then steps until done
// holds (or long enough for the datagram to have arrived many times over).
#define SEND_RAW(bytes, length, done)                                         \
    do {                                                                      \
        assert(platform_net_send(sim->nodes[0], 1, (bytes), (length)) == 0); \
        STEP_UNTIL((done), 100000u);                                          \
    } while (0)

static void forged_versions(u8 *bytes, i64 *length, const char *value, const u8 hash[REPLICA_HASH_BYTES]) {
    static struct replica_message m;
    memset(&m, 0, sizeof m);
    m.type = REPLICA_MSG_VERSIONS;
    m.from = 0;
    m.to = 1;
    m.index = REPLICA_LEAF_NONE;
    m.versions_count = 1;
    m.versions[0].hlc = 1;
    m.versions[0].node = 0;
    m.versions[0].key_len = 8;
    memcpy(m.versions[0].key, "shared/f", 8);
    m.versions[0].value_bytes = (u16)strlen(value);
    memcpy(m.versions[0].value_hash, hash, REPLICA_HASH_BYTES);
    const u8 *values[1] = {(const u8 *)value};
    u32 encoded = 0;
    *length = replica_wire_encode(&m, values, 0, bytes, NET_DATAGRAM_BYTES_MAX, &encoded);
    assert(*length > 0);
}

static void test_hostile(void) {
    struct replica_host *h1 = &kernel_of(1)->replica;
    static u8 bytes[NET_DATAGRAM_BYTES_MAX];
    memset(bytes, 0x5a, sizeof bytes);
    u64 rejected = h1->datagrams_rejected;
    kernel_of(0)->replica.next_sync_ns = UINT64_MAX / 2; // node 0 sends nothing of its own now
    SEND_RAW(bytes, 100, h1->datagrams_rejected == rejected + 1);
    UNIT_CHECK("garbage_rejected", h1->datagrams_rejected == rejected + 1);
    u8 hash[REPLICA_HASH_BYTES];
    replica_host_sha256((const u8 *)"other", 5, hash);
    i64 length = 0;
    forged_versions(bytes, &length, "forged", hash);
    bytes[length - 1] ^= 1;
    SEND_RAW(bytes, (u32)length, h1->datagrams_rejected == rejected + 2);
    UNIT_CHECK("bad_checksum_rejected", h1->datagrams_rejected == rejected + 2);
    u32 versions = h1->engine.versions_count;
    u64 objects_rejected = h1->objects_rejected;
    forged_versions(bytes, &length, "forged", hash);
    SEND_RAW(bytes, (u32)length, h1->objects_rejected == objects_rejected + 1);
    UNIT_CHECK("value_hash_mismatch_refused", h1->objects_rejected == objects_rejected + 1 &&
                                                  h1->engine.versions_count == versions &&
                                                  !graindb_contains(&kernel_of(1)->fs.db, hash));
    // A WANT of a filesystem object (the root directory's inode record): never answered.
    struct graindb_ref_info info;
    u8 key[GRAINDB_KEY_LEN_MAX];
    u32 key_len = 0;
    assert(graindb_ref_at(&kernel_of(0)->fs.db, 0, key, &key_len, &info) == 0);
    static struct replica_message m;
    memset(&m, 0, sizeof m);
    m.type = REPLICA_MSG_WANT;
    m.from = 1;
    m.to = 0;
    memcpy(m.hash, info.object_hash, REPLICA_HASH_BYTES);
    u32 encoded = 0;
    length = replica_wire_encode(&m, NULL, 0, bytes, NET_DATAGRAM_BYTES_MAX, &encoded);
    assert(platform_net_send(sim->nodes[1], 0, bytes, (u32)length) == 0);
    // No sync round meanwhile: the only datagram node 0 could send is the answer.
    kernel_of(0)->replica.next_sync_ns = UINT64_MAX;
    u64 sent_before = kernel_of(0)->replica.engine.peers[1].datagrams_sent;
    u64 heard = kernel_of(0)->replica.engine.peers[1].datagrams_received;
    STEP_UNTIL(kernel_of(0)->replica.engine.peers[1].datagrams_received != heard, 100000u);
    UNIT_CHECK("want_of_a_file_unanswered", kernel_of(0)->replica.engine.peers[1].datagrams_received == heard + 1 &&
                                                kernel_of(0)->replica.engine.peers[1].datagrams_sent == sent_before);
    kernel_of(0)->replica.next_sync_ns = 0; // syncs again
}

int main(void) {
    boot_cluster();
    test_push_and_anti_entropy();
    test_repair();
    test_hostile();
    sim_destroy(sim);
    UNIT_EXIT();
}
