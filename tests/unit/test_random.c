// The kernel's CSPRNG (src/kernel/random/random.c, random_file.c):
// - the DRBG against NIST CAVP vectors for HMAC_DRBG with SHA-256 (drbgvectors_
//   no_reseed and drbgvectors_pr_false, HMAC_DRBG.rsp, [SHA-256], no personalization,
//   no additional input, 1024 returned bits: instantiate, [reseed,] generate twice,
//   the second output is ReturnedBits);
// - the reseed policy on a booted kernel: after RANDOM_RESEED_REQUESTS requests,
//   RANDOM_RESEED_BYTES bytes or RANDOM_RESEED_INTERVAL_NS, from the platform, and
//   the output then differs from what the old state would have given;
// - the seed file: written at the first boot (root's, 0600), rewritten at shutdown,
//   mixed in and replaced at the next boot; a wrong mode is repaired; a seed file
//   that cannot be read is a warning, not a failed boot;
// - a failed write leaves the old seed file whole (the new seed is renamed over it),
//   and a seed file shorter than a seed (empty, cut) is replaced, never mixed in;
// - in the simulator, getrandom's bytes follow the run seed (the same seed the same
//   bytes, another seed others);
// - seed_file_never_reused reports what it exists for (in child processes).
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "faults/pcg32.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/random/random.h"
#include "kernel/users/accounts.h"
#include "sim/machine/disk.h"
#include "sim/machine/node.h"
#include "sim/machine/streams.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_child.h"
#include "tests/unit/unit_sim.h"
#include "kernel/fs/internal.h"
#include "kernel/random/internal.h"

#define DISK_BYTES (16ull << 20)
#define STEPS_MAX 400000u
#define CAVP_ENTROPY_BYTES 32u
#define CAVP_NONCE_BYTES 16u
#define CAVP_RETURNED_BYTES 128u
#define HEX_BYTES_MAX 256u

struct cavp_vector {
    const char *name;
    const char *entropy;
    const char *nonce;
    const char *entropy_reseed; // NULL: the no_reseed file
    const char *returned;
};

static const struct cavp_vector cavp_vectors[] = {
    {"cavp_no_reseed_count0", "ca851911349384bffe89de1cbdc46e6831e44d34a4fb935ee285dd14b71a7488",
     "659ba96c601dc69fc902940805ec0ca8", NULL,
     "e528e9abf2dece54d47c7e75e5fe302149f817ea9fb4bee6f4199697d04d5b89"
     "d54fbb978a15b5c443c9ec21036d2460b6f73ebad0dc2aba6e624abf07745bc1"
     "07694bb7547bb0995f70de25d6b29e2d3011bb19d27676c07162c8b5ccde0668"
     "961df86803482cb37ed6d5c0bb8d50cf1f50d476aa0458bdaba806f48be9dcb8"},
    {"cavp_no_reseed_count1", "79737479ba4e7642a221fcfd1b820b134e9e3540a35bb48ffae29c20f5418ea3",
     "3593259c092bef4129bc2c6c9e19f343", NULL,
     "cf5ad5984f9e43917aa9087380dac46e410ddc8a7731859c84e9d0f31bd43655"
     "b924159413e2293b17610f211e09f770f172b8fb693a35b85d3b9e5e63b1dc25"
     "2ac0e115002e9bedfb4b5b6fd43f33b8e0eafb2d072e1a6fee1f159df9b51e6c"
     "8da737e60d5032dd30544ec51558c6f080bdbdab1de8a939e961e06b5f1aca37"},
    {"cavp_pr_false_reseed_count0", "06032cd5eed33f39265f49ecb142c511da9aff2af71203bffaf34a9ca5bd9c0d",
     "0e66f71edc43e42a45ad3c6fc6cdc4df", "01920a4e669ed3a85ae8a33b35a74ad7fb2a6bb4cf395ce00334a9c9a5a5d552",
     "76fc79fe9b50beccc991a11b5635783a83536add03c157fb30645e611c2898bb"
     "2b1bc215000209208cd506cb28da2a51bdb03826aaf2bd2335d576d519160842"
     "e7158ad0949d1a9ec3e66ea1b1a064b005de914eac2e9d4f2d72a8616a802254"
     "22918250ff66a41bd2f864a6a38cc5b6499dc43f7f2bd09e1e0f8f5885935124"},
};

static u32 hex_decode(const char *hex, u8 *out) {
    u32 count = 0;
    for (; hex[0] != '\0' && hex[1] != '\0' && count < HEX_BYTES_MAX; hex += 2) {
        unsigned value = 0;
        sscanf(hex, "%2x", &value);
        out[count++] = (u8)value;
    }
    return count;
}

static bool cavp_run(const struct cavp_vector *v) {
    u8 seed[CAVP_ENTROPY_BYTES + CAVP_NONCE_BYTES], reseed[CAVP_ENTROPY_BYTES];
    u8 expected[HEX_BYTES_MAX], out[CAVP_RETURNED_BYTES];
    u32 entropy_bytes = hex_decode(v->entropy, seed);
    u32 nonce_bytes = hex_decode(v->nonce, seed + entropy_bytes);
    u32 expected_bytes = hex_decode(v->returned, expected);
    if (entropy_bytes != CAVP_ENTROPY_BYTES || nonce_bytes != CAVP_NONCE_BYTES) return false;
    if (expected_bytes != CAVP_RETURNED_BYTES) return false;
    struct random r;
    random_instantiate(&r, seed, sizeof seed);
    if (v->entropy_reseed != NULL) {
        if (hex_decode(v->entropy_reseed, reseed) != CAVP_ENTROPY_BYTES) return false;
        random_reseed_with(&r, reseed, sizeof reseed);
    }
    random_generate(&r, out, sizeof out);
    random_generate(&r, out, sizeof out);
    return memcmp(out, expected, sizeof out) == 0 && r.requests_since_reseed == 2 &&
           r.bytes_since_reseed == 2 * CAVP_RETURNED_BYTES;
}

static void test_cavp(void) {
    for (u32 i = 0; i < ARRAY_COUNT(cavp_vectors); i++) UNIT_CHECK(cavp_vectors[i].name, cavp_run(&cavp_vectors[i]));
    // The same vector with one bit of entropy changed gives other bytes: the
    // comparison above can fail.
    struct cavp_vector changed = cavp_vectors[0];
    changed.entropy = "da851911349384bffe89de1cbdc46e6831e44d34a4fb935ee285dd14b71a7488";
    UNIT_CHECK("cavp_changed_entropy_differs", !cavp_run(&changed));
}

static struct sim *boot_node(u64 seed, const char *bootargs) {
    return unit_sim_boot_mounted(seed, STEPS_MAX, DISK_BYTES, bootargs, true);
}

// One request of 32 bytes: whether it reseeded, and (when given) the bytes.
static bool request_reseeds(struct kernel *k, u8 out[32]) {
    u64 before = k->random.reseeds;
    u8 bytes[32];
    random_bytes(k, out != NULL ? out : bytes, 32);
    return k->random.reseeds == before + 1;
}

static void test_policy(struct platform *node) {
    struct kernel *k = &node->kernel;
    UNIT_CHECK("boot_instantiated", k->random.instantiated);
    random_reseed(k, RANDOM_RESEED_CAUSE_SHUTDOWN, NULL, 0); // a known starting point
    u32 early = 0;
    for (u32 i = 0; i + 1 < RANDOM_RESEED_REQUESTS; i++) early += request_reseeds(k, NULL);
    UNIT_CHECK("requests_no_reseed_before_bound", early == 0 && k->random.requests_since_reseed == RANDOM_RESEED_REQUESTS - 1);
    UNIT_CHECK("requests_bound_not_reached_yet", !request_reseeds(k, NULL));
    UNIT_CHECK("requests_bound_reseeds", request_reseeds(k, NULL) && k->random.requests_since_reseed == 1);

    random_reseed(k, RANDOM_RESEED_CAUSE_SHUTDOWN, NULL, 0);
    u8 big[RANDOM_REQUEST_BYTES_MAX];
    u64 reseeds_before = k->random.reseeds;
    for (u64 i = 0; i < RANDOM_RESEED_BYTES / sizeof big; i++) random_bytes(k, big, sizeof big);
    UNIT_CHECK("bytes_exactly_at_bound_no_reseed", k->random.reseeds == reseeds_before &&
                                                       k->random.bytes_since_reseed == RANDOM_RESEED_BYTES);
    UNIT_CHECK("bytes_bound_reseeds", request_reseeds(k, NULL) && k->random.bytes_since_reseed == 32);

    node_advance(node, RANDOM_RESEED_INTERVAL_NS - 1000000u);
    UNIT_CHECK("interval_not_yet", !request_reseeds(k, NULL));
    node_advance(node, 2000000u);
    UNIT_CHECK("interval_reseeds", request_reseeds(k, NULL));

    // A reseed draws from the platform (the node's seeded stream) and changes what
    // follows: the same state without it gives other bytes.
    struct random before = k->random;
    struct pcg32 stream_before = node->streams[STREAM_WORKLOAD];
    random_reseed(k, RANDOM_RESEED_CAUSE_SHUTDOWN, NULL, 0);
    UNIT_CHECK("reseed_draws_platform_entropy", memcmp(&stream_before, &node->streams[STREAM_WORKLOAD], sizeof stream_before) != 0);
    u8 with[32], without[32], again[32];
    random_bytes(k, with, sizeof with);
    struct random replay = before;
    random_generate(&before, without, sizeof without);
    random_generate(&replay, again, sizeof again);
    UNIT_CHECK("drbg_deterministic_from_state", memcmp(without, again, sizeof again) == 0);
    UNIT_CHECK("reseed_changes_output", memcmp(with, without, sizeof with) != 0);
}

struct seed_file {
    i64 length; // or -error
    u8 bytes[RANDOM_SEED_FILE_BYTES + 1];
    u32 uid;
    u32 mode;
};

static struct seed_file seed_file_get(struct kernel *k) {
    struct seed_file file = {.length = -E_NOENT};
    struct path path;
    struct fs_inode inode;
    const struct cred root = cred_of_user(ABI_UID_ROOT);
    i64 result = path_resolve("/", RANDOM_SEED_FILE_PATH, &path);
    if (result == 0) result = fs_lookup(k, &root, &path, &inode);
    if (result < 0) {
        file.length = result;
        return file;
    }
    file.uid = inode.uid;
    file.mode = inode.mode;
    char text[RANDOM_SEED_FILE_BYTES + 2];
    file.length = accounts_read_file(k, RANDOM_SEED_FILE_PATH, text, sizeof text);
    if (file.length > 0) memcpy(file.bytes, text, (size_t)file.length);
    return file;
}

static bool seed_file_sane(const struct seed_file *file) {
    return file->length == RANDOM_SEED_FILE_BYTES && file->uid == ABI_UID_ROOT && file->mode == RANDOM_SEED_FILE_MODE;
}

static bool step_until(struct sim *sim, bool (*done)(const struct platform *)) {
    enum sim_end end;
    for (u32 i = 0; i < STEPS_MAX; i++) {
        if (done(sim->nodes[0])) return true;
        if (!sim_step(sim, &end)) return false;
    }
    return false;
}
static bool rebooting(const struct platform *node) { return node->kernel.run_state == KERNEL_REBOOTING; }
static bool second_boot_running(const struct platform *node) {
    return node->boots >= 2 && node->state == NODE_RUNNING && node->kernel.run_state == KERNEL_RUNNING &&
           !node->kernel.random.seed_file_due;
}

// First boot, `shutdown -r` by init, second boot: the file's three versions.
static void test_seed_file_lifecycle(void) {
    struct sim *sim = boot_node(11, "init.rounds=0 init.end=reboot loglevel=error");
    struct platform *node = sim->nodes[0];
    struct seed_file first = seed_file_get(&node->kernel);
    UNIT_CHECK("seed_file_first_boot_written_root_0600", seed_file_sane(&first));
    UNIT_CHECK("seed_file_first_boot_nothing_mixed", !node->kernel.random.seed_file_mixed);
    UNIT_CHECK("seed_file_reboot_reached", step_until(sim, rebooting));
    struct seed_file at_shutdown = seed_file_get(&node->kernel);
    UNIT_CHECK("seed_file_rewritten_at_shutdown", seed_file_sane(&at_shutdown) &&
                                                      memcmp(first.bytes, at_shutdown.bytes, RANDOM_SEED_FILE_BYTES) != 0);
    UNIT_CHECK("seed_file_second_boot_reached", step_until(sim, second_boot_running));
    struct seed_file second = seed_file_get(&node->kernel);
    UNIT_CHECK("seed_file_second_boot_mixed", node->kernel.random.seed_file_mixed);
    UNIT_CHECK("seed_file_second_boot_replaced", seed_file_sane(&second) &&
                                                     memcmp(second.bytes, at_shutdown.bytes, RANDOM_SEED_FILE_BYTES) != 0);
    // The simulator's shadow saw the second boot mix in what shutdown wrote.
    UNIT_CHECK("seed_file_mixed_the_shutdown_seed",
               node->seed_file.retired_valid &&
                   node->seed_file.retired_digest == bytes_digest(at_shutdown.bytes, RANDOM_SEED_FILE_BYTES));
    sim_destroy(sim);
}

// A mode root loosened is repaired; a path that is not a file is a warning only.
static void test_seed_file_damage(void) {
    struct sim *sim = boot_node(12, "init.rounds=0 init.end=idle loglevel=error");
    struct kernel *k = &sim->nodes[0]->kernel;
    struct seed_file before = seed_file_get(k);
    struct path path;
    struct fs_inode inode;
    const struct cred root = cred_of_user(ABI_UID_ROOT);
    i64 result = path_resolve("/", RANDOM_SEED_FILE_PATH, &path);
    if (result == 0) result = fs_lookup(k, &root, &path, &inode);
    const struct fs_inode unchanged = inode;
    const struct fs_change change = {.op = FS_CHANGE_CHMOD, .cred = &root, .path = &path, .target = &unchanged};
    inode.mode = 0644;
    if (result == 0) result = fs_change_attributes(k, &change, &inode);
    k->random.seed_file_mixed = false;
    random_seed_file_load(k);
    struct seed_file after = seed_file_get(k);
    UNIT_CHECK("seed_file_loose_mode_mixed_and_repaired", result == 0 && k->random.seed_file_mixed &&
                                                              seed_file_sane(&after) &&
                                                              memcmp(before.bytes, after.bytes, RANDOM_SEED_FILE_BYTES) != 0);
    // Replace the file by a directory: unreadable and unwritable as a seed file.
    result = fs_remove(k, &root, &path, ABI_TYPE_FILE);
    if (result == 0) result = fs_create(k, &root, &path, ABI_TYPE_DIRECTORY, 0700, &inode);
    k->random.seed_file_mixed = false;
    u64 reseeds = k->random.reseeds;
    random_seed_file_load(k); // must not panic
    UNIT_CHECK("seed_file_directory_is_not_mixed", result == 0 && !k->random.seed_file_mixed && k->random.reseeds == reseeds);
    u8 bytes[16];
    random_bytes(k, bytes, sizeof bytes);
    UNIT_CHECK("seed_file_directory_random_still_works", k->random.instantiated);
    sim_destroy(sim);
}

// A write that fails (here: random-seed.new is a directory) leaves the old seed file
// as it was, not truncated to nothing: the new seed is renamed over it only whole.
static void test_seed_file_failed_write(void) {
    struct sim *sim = boot_node(14, "init.rounds=0 init.end=idle loglevel=error");
    struct kernel *k = &sim->nodes[0]->kernel;
    struct seed_file before = seed_file_get(k);
    const struct cred root = cred_of_user(ABI_UID_ROOT);
    struct path new_path;
    struct fs_inode inode;
    i64 result = path_resolve("/", RANDOM_SEED_FILE_NEW_PATH, &new_path);
    if (result == 0) result = fs_create(k, &root, &new_path, ABI_TYPE_DIRECTORY, 0700, &inode);
    random_seed_file_save(k);
    struct seed_file kept = seed_file_get(k);
    UNIT_CHECK("seed_file_failed_write_keeps_old_seed",
               result == 0 && seed_file_sane(&before) && seed_file_sane(&kept) &&
                   memcmp(before.bytes, kept.bytes, RANDOM_SEED_FILE_BYTES) == 0);
    result = fs_remove(k, &root, &new_path, ABI_TYPE_DIRECTORY);
    random_seed_file_save(k);
    struct seed_file after = seed_file_get(k);
    UNIT_CHECK("seed_file_write_renames_new_seed_in",
               result == 0 && seed_file_sane(&after) && memcmp(before.bytes, after.bytes, RANDOM_SEED_FILE_BYTES) != 0 &&
                   fs_lookup(k, &root, &new_path, &inode) == -E_NOENT);
    sim_destroy(sim);
}

// An empty or short seed file is no seed: not mixed in (no reseed), and replaced.
static bool short_seed_file_replaced(struct kernel *k, u32 length) {
    static const u8 bytes[RANDOM_SEED_FILE_BYTES] = {1, 2, 3};
    assert(length < RANDOM_SEED_FILE_BYTES);
    i64 result = fs_write_file_as_root(k, RANDOM_SEED_FILE_PATH, RANDOM_SEED_FILE_MODE, bytes, length);
    struct seed_file cut = seed_file_get(k);
    k->random.seed_file_mixed = false;
    u64 reseeds = k->random.reseeds;
    random_seed_file_load(k);
    struct seed_file after = seed_file_get(k);
    return result == 0 && cut.length == (i64)length && !k->random.seed_file_mixed && k->random.reseeds == reseeds &&
           seed_file_sane(&after);
}

static void test_seed_file_short(void) {
    struct sim *sim = boot_node(15, "init.rounds=0 init.end=idle loglevel=error");
    struct kernel *k = &sim->nodes[0]->kernel;
    UNIT_CHECK("seed_file_empty_not_mixed_and_replaced", short_seed_file_replaced(k, 0));
    UNIT_CHECK("seed_file_short_not_mixed_and_replaced", short_seed_file_replaced(k, 10));
    UNIT_CHECK("seed_file_empty_again_not_mixed", short_seed_file_replaced(k, 0));
    sim_destroy(sim);
}

// getrandom in the simulator: the node's seeded stream through the DRBG.
static void first_bytes(u64 seed, u8 out[32]) {
    struct sim *sim = boot_node(seed, "init.rounds=0 init.end=idle loglevel=error");
    random_bytes(&sim->nodes[0]->kernel, out, 32);
    sim_destroy(sim);
}

static void test_sim_seed_dependence(void) {
    u8 a[32], a_again[32], b[32];
    first_bytes(21, a);
    first_bytes(21, a_again);
    first_bytes(22, b);
    UNIT_CHECK("sim_same_seed_same_bytes", memcmp(a, a_again, sizeof a) == 0);
    UNIT_CHECK("sim_other_seed_other_bytes", memcmp(a, b, sizeof a) != 0);
}

// ---- seed_file_never_reused reports (each in a child: a report ends the process) ----
static bool child_reports(void (*fn)(struct sim *, struct platform *), struct sim *sim, struct platform *node) {
    return unit_child_reports(fn, sim, node, "seed_file_never_reused");
}

static void seed_event(struct sim *sim, struct platform *node, u64 op, u64 digest, u64 c) {
    struct trace_event event = {.node = node->id, .kind = TRACE_RANDOM_SEED_FILE, .a = op, .b = digest, .c = c};
    seed_file_on_event(sim, node, &event);
}

static void fresh_boot(struct platform *node) { memset(&node->invariants.seed_file, 0, sizeof node->invariants.seed_file); }

static void mixed_then_runs(struct sim *sim, struct platform *node) {
    fresh_boot(node);
    seed_event(sim, node, RANDOM_SEED_FILE_MIXED, 0x1234, 64);
    seed_file_on_schedule(sim, node);
}
static void rewritten_same(struct sim *sim, struct platform *node) {
    fresh_boot(node);
    seed_event(sim, node, RANDOM_SEED_FILE_MIXED, 0x1234, 64);
    seed_event(sim, node, RANDOM_SEED_FILE_WRITTEN, 0x1234, 0);
}
static void mixed_again(struct sim *sim, struct platform *node) {
    fresh_boot(node);
    seed_event(sim, node, RANDOM_SEED_FILE_MIXED, 0x1234, 64);
    seed_event(sim, node, RANDOM_SEED_FILE_WRITTEN, 0x5678, 0);
    fresh_boot(node);
    seed_event(sim, node, RANDOM_SEED_FILE_MIXED, 0x1234, 64);
}

static void mixed_empty(struct sim *sim, struct platform *node) {
    fresh_boot(node);
    seed_event(sim, node, RANDOM_SEED_FILE_MIXED, 0xcbf29ce484222325ull, 0);
}

static void test_invariant(void) {
    struct sim *sim = boot_node(13, "init.rounds=0 init.end=idle loglevel=error");
    struct platform *node = sim->nodes[0];
    UNIT_CHECK("invariant_mixed_not_replaced_before_processes", child_reports(mixed_then_runs, sim, node));
    UNIT_CHECK("invariant_rewritten_with_same_bytes", child_reports(rewritten_same, sim, node));
    UNIT_CHECK("invariant_retired_seed_mixed_again", child_reports(mixed_again, sim, node));
    UNIT_CHECK("invariant_empty_seed_file_mixed", child_reports(mixed_empty, sim, node));
    // Allowed: a failed rewrite, then the same seed at the next boot; and a boot
    // without a seed file. These return (a violation would end the test).
    fresh_boot(node);
    node->seed_file.retired_valid = false;
    seed_event(sim, node, RANDOM_SEED_FILE_MIXED, 0x9999, 64);
    seed_event(sim, node, RANDOM_SEED_FILE_WRITTEN, 0xaaaa, (u64)-E_IO);
    seed_file_on_schedule(sim, node);
    fresh_boot(node);
    seed_event(sim, node, RANDOM_SEED_FILE_MIXED, 0x9999, 64);
    seed_event(sim, node, RANDOM_SEED_FILE_WRITTEN, 0xbbbb, 0);
    seed_file_on_schedule(sim, node);
    UNIT_CHECK("invariant_failed_rewrite_allows_same_seed", node->seed_file.retired_digest == 0x9999);
    sim_destroy(sim);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_cavp();
    struct sim *sim = boot_node(10, "init.rounds=0 init.end=idle loglevel=error");
    test_policy(sim->nodes[0]);
    sim_destroy(sim);
    test_seed_file_lifecycle();
    test_seed_file_damage();
    test_seed_file_failed_write();
    test_seed_file_short();
    test_sim_seed_dependence();
    test_invariant();
    UNIT_EXIT();
}
