// Zix's store side on a real booted kernel (one simulated node, first boot done), for
// what no user program can reach before the build side exists: trees made by hand
// under /zix/store as a builder would leave them, then hashed (order, modes, contents,
// references, the rewrite of a rebuild's path), sealed, registered as GrainDB records
// (lookup, list, a record under the wrong key, a damaged one), collected (roots in
// /zix/roots, references, dry run, unregister before remove) and the leftovers a crash
// leaves removed; the provisioned directories' modes.
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/zix/internal.h"
#include "sim/sim.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_sim.h"
#include "kernel/fs/internal.h"

#define DISK_BYTES (16ull << 20)
#define STEPS_MAX 400000u
#define H1 "/zix/store/11111111111111111111111111111111-hello"
#define H2 "/zix/store/22222222222222222222222222222222-dep"
#define H3 "/zix/store/33333333333333333333333333333333-none"
#define H4 "/zix/store/44444444444444444444444444444444-junk"
#define C1 "/zix/check/11111111111111111111111111111111-hello"
#define BUILDER_UID 30001u

static struct cred root;

static i64 make_link(struct kernel *k, const char *text, const char *target) {
    struct fs_name name;
    struct fs_inode inode;
    i64 result = fs_walk(k, &root, FS_ROOT_INODE, text, 0, &name);
    return result < 0 ? result : fs_make(k, &root, &name, ABI_TYPE_SYMLINK, 0777, target, &inode);
}

// A file as a builder leaves it: the builder's, with mode.
static i64 make_file(struct kernel *k, const char *path, u32 mode, const char *text) {
    i64 result = fs_write_file_as_root(k, path, mode, (const u8 *)text, strlen(text));
    struct fs_inode inode;
    if (result == 0) result = fs_lookup_link_at(k, path, &inode);
    return result < 0 ? result : fs_give_as_root(k, path, &inode, BUILDER_UID, BUILDER_UID, mode);
}

// The output of "hello" at base (H1 or C1): bin/hello (executable, naming its own path
// and H2), share/doc, a link to H2.
static bool make_hello(struct kernel *k, const char *base) {
    char path[ABI_PATH_LEN_MAX];
    char text[ABI_PATH_LEN_MAX];
    bool ok = zix_tree_make_directory(k, base, BUILDER_UID, 0755) == 0;
    snprintf(path, sizeof path, "%s/bin", base);
    ok = ok && zix_tree_make_directory(k, path, BUILDER_UID, 0755) == 0;
    snprintf(path, sizeof path, "%s/bin/hello", base);
    snprintf(text, sizeof text, "#!%s/bin/sh\nexec %s/lib\n", base, H2);
    ok = ok && make_file(k, path, 04755, text) == 0;
    snprintf(path, sizeof path, "%s/share", base);
    ok = ok && zix_tree_make_directory(k, path, BUILDER_UID, 0755) == 0;
    snprintf(path, sizeof path, "%s/share/doc", base);
    ok = ok && make_file(k, path, 0664, "plain words\n") == 0;
    snprintf(path, sizeof path, "%s/dep", base);
    return ok && make_link(k, path, H2) == 0;
}

static i64 hash_of(struct kernel *k, const char *path, u8 hash[ZIX_HASH_BYTES], bool found[2]) {
    static const char candidates[2][ZIX_STORE_PATH_LEN_MAX + 1] = {H2, H3};
    u64 size = 0;
    return zix_tree_hash(k, path, candidates, 2, NULL, NULL, hash, &size, found);
}

static bool mode_is(struct kernel *k, const char *path, u32 mode) {
    struct fs_inode inode;
    return fs_lookup_link_at(k, path, &inode) == 0 && inode.mode == mode && inode.uid == ABI_UID_ROOT &&
           inode.gid == ABI_UID_ROOT;
}

static void test_provisioned(struct kernel *k) {
    struct fs_inode inode;
    UNIT_CHECK("provisioned_roots_0755", fs_lookup_at(k, ZIX_ROOTS_DIR, &inode) == 0 && inode.mode == 0755 &&
                                             inode.uid == ABI_UID_ROOT);
    UNIT_CHECK("provisioned_check_0755", fs_lookup_at(k, ZIX_CHECK_DIR, &inode) == 0 && inode.mode == 0755);
    UNIT_CHECK("provisioned_tmp_0711", fs_lookup_at(k, ZIX_TMP_DIR, &inode) == 0 && inode.mode == 0711);
    UNIT_CHECK("provisioned_log_0755", fs_lookup_at(k, ZIX_LOG_DIR, &inode) == 0 && inode.mode == 0755);
    UNIT_CHECK("provisioned_keys_0700", fs_lookup_at(k, ZIX_KEY_DIR, &inode) == 0 && inode.mode == 0700 &&
                                            inode.uid == ABI_UID_ROOT);
    UNIT_CHECK("inodes_leave_the_records_room", FS_INODES_MAX + FS_RECORD_KEYS_MAX + 16u == GRAINDB_REFS_MAX);
}

static void test_hash_and_seal(struct kernel *k, u8 h1_hash[ZIX_HASH_BYTES]) {
    u8 before[ZIX_HASH_BYTES], after[ZIX_HASH_BYTES], check[ZIX_HASH_BYTES];
    bool found[2] = {false, false};
    UNIT_CHECK("hash_setup", make_hello(k, H1) && make_hello(k, C1));
    UNIT_CHECK("hash_finds_references", hash_of(k, H1, before, found) == 0 && found[0] && !found[1]);
    UNIT_CHECK("seal", zix_tree_seal(k, H1) == 0);
    UNIT_CHECK("seal_directory_0555", mode_is(k, H1, 0555) && mode_is(k, H1 "/share", 0555));
    UNIT_CHECK("seal_executable_0555", mode_is(k, H1 "/bin/hello", 0555)); // set-uid gone too
    UNIT_CHECK("seal_file_0444", mode_is(k, H1 "/share/doc", 0444));
    UNIT_CHECK("seal_keeps_the_hash", hash_of(k, H1, after, found) == 0 && memcmp(before, after, sizeof after) == 0);
    static const char none[1][ZIX_STORE_PATH_LEN_MAX + 1] = {""};
    u64 size = 0;
    i64 result = zix_tree_hash(k, C1, none, 0, C1, H1, check, &size, NULL);
    UNIT_CHECK("rewrite_hashes_a_rebuild_as_its_store_path", result == 0 && memcmp(check, after, sizeof after) == 0);
    UNIT_CHECK("without_rewrite_a_rebuild_differs", hash_of(k, C1, check, found) == 0 &&
                                                        memcmp(check, after, sizeof after) != 0);
    UNIT_CHECK("content_change_setup", make_file(k, C1 "/share/doc", 0664, "plain words!\n") == 0);
    result = zix_tree_hash(k, C1, none, 0, C1, H1, check, &size, NULL);
    UNIT_CHECK("content_change_changes_the_hash", result == 0 && memcmp(check, after, sizeof after) != 0);
    UNIT_CHECK("x_bit_setup", make_file(k, C1 "/share/doc", 0665, "plain words\n") == 0);
    result = zix_tree_hash(k, C1, none, 0, C1, H1, check, &size, NULL);
    UNIT_CHECK("x_bit_changes_the_hash", result == 0 && memcmp(check, after, sizeof after) != 0);
    UNIT_CHECK("hash_absent_is_noent", hash_of(k, H3, check, found) == -E_NOENT);
    memcpy(h1_hash, after, ZIX_HASH_BYTES);
}

// A builder's hard link to a file it was not given: neither hashed nor sealed (which
// would make root's secret 0444), the file untouched.
static void test_hard_link(struct kernel *k) {
    struct fs_name old_name, new_name;
    struct fs_inode inode;
    bool ok = zix_tree_make_directory(k, H4, BUILDER_UID, 0755) == 0 &&
              fs_write_file_as_root(k, "/root/secret", 0600, (const u8 *)"key", 3) == 0 &&
              fs_walk(k, &root, FS_ROOT_INODE, "/root/secret", FS_WALK_LOOKUP, &old_name) == 0 &&
              fs_walk(k, &root, FS_ROOT_INODE, H4 "/stolen", 0, &new_name) == 0 &&
              fs_link_name(k, &root, &old_name, &new_name) == 0;
    u8 hash[ZIX_HASH_BYTES];
    bool found[2];
    UNIT_CHECK("hard_link_setup", ok);
    UNIT_CHECK("hard_link_not_hashed", hash_of(k, H4, hash, found) == -E_INVAL);
    UNIT_CHECK("hard_link_not_sealed", zix_tree_seal(k, H4) == -E_INVAL);
    UNIT_CHECK("hard_link_target_untouched", fs_lookup_at(k, "/root/secret", &inode) == 0 && inode.mode == 0600);
    UNIT_CHECK("hard_link_removed_as_a_name", zix_tree_remove(k, H4) == 0 &&
                                                  fs_lookup_at(k, "/root/secret", &inode) == 0 && inode.nlink == 1);
}

// A chain deeper than ZIX_NAR_DEPTH_MAX: not hashed, yet removed (the builder chose it).
static void test_bounds(struct kernel *k) {
    char path[ABI_PATH_LEN_MAX] = C1 "/deep";
    bool ok = true;
    for (u32 i = 0; i < ZIX_NAR_DEPTH_MAX + 2u && ok; i++) {
        ok = zix_tree_make_directory(k, path, BUILDER_UID, 0755) == 0;
        strcat(path, "/d");
    }
    u8 hash[ZIX_HASH_BYTES];
    bool found[2];
    UNIT_CHECK("deep_setup", ok);
    UNIT_CHECK("too_deep_is_refused", hash_of(k, C1, hash, found) == -E_INVAL);
    UNIT_CHECK("too_deep_is_removed", zix_tree_remove(k, C1 "/deep") == 0 &&
                                          fs_lookup_link_at(k, C1 "/deep", &(struct fs_inode){0}) == -E_NOENT);
    ok = zix_tree_make_directory(k, C1 "/many", BUILDER_UID, 0755) == 0;
    for (u32 i = 0; i < ZIX_OUTPUT_NODES_MAX && ok; i++) {
        snprintf(path, sizeof path, C1 "/many/f%03u", i);
        ok = fs_write_file_as_root(k, path, 0644, (const u8 *)"x", 1) == 0;
    }
    UNIT_CHECK("many_setup", ok);
    UNIT_CHECK("too_many_nodes_is_refused", hash_of(k, C1, hash, found) == -E_INVAL);
}

static struct zix_registration registration; // large: off the stack

// Whose registrations register_path makes: xy's, unless a test needs root's (whose
// store has no share but the machine's bound).
static u32 register_uid = 1000;

static i64 register_path(struct kernel *k, const char *path, const u8 hash[ZIX_HASH_BYTES], const char *ref) {
    memset(&registration, 0, sizeof registration);
    size_t length = strnlen(path, sizeof registration.path - 1);
    memcpy(registration.path, path, length);
    registration.path[length] = '\0';
    memcpy(registration.nar_hash, hash, ZIX_HASH_BYTES);
    registration.nar_size_bytes = 1234;
    registration.builder_uid = register_uid;
    if (ref != NULL) {
        registration.refs_count = 1;
        snprintf(registration.refs[0], sizeof registration.refs[0], "%s", ref);
    }
    return zix_store_register(k, &registration);
}

// Writes bytes as the ref of path's key, as a damaged or misplaced record would be.
static i64 plant_record(struct kernel *k, const char *path, const u8 *bytes, u32 size) {
    u8 key[64];
    u8 hash[GRAINDB_HASH_BYTES];
    u32 key_len = (u32)snprintf((char *)key, sizeof key, "zix/%.32s", path + ZIX_STORE_DIR_LEN + 1u);
    i64 result = graindb_batch_begin(&k->fs.db);
    if (result == 0) result = graindb_batch_put_object(&k->fs.db, bytes, size, hash);
    if (result == 0) result = graindb_batch_set_ref(&k->fs.db, key, key_len, hash);
    if (result == 0) return fs_record_commit(k);
    fs_record_abort(k, result);
    return result;
}

static void test_registrations(struct kernel *k, const u8 h1_hash[ZIX_HASH_BYTES]) {
    static struct zix_registration read;
    u8 h2_hash[ZIX_HASH_BYTES];
    bool found[2];
    UNIT_CHECK("lookup_unregistered_is_noent", zix_store_lookup(k, H1, &read) == -E_NOENT);
    UNIT_CHECK("list_leaves_unregistered_out", zix_store_list(k, k->zix.paths) == 0);
    UNIT_CHECK("register", register_path(k, H1, h1_hash, H2) == 0);
    UNIT_CHECK("lookup", zix_store_lookup(k, H1, &read) == 0 && strcmp(read.path, H1) == 0 && read.refs_count == 1 &&
                             strcmp(read.refs[0], H2) == 0 && memcmp(read.nar_hash, h1_hash, ZIX_HASH_BYTES) == 0 &&
                             read.nar_size_bytes == 1234);
    UNIT_CHECK("dep_setup", zix_tree_make_directory(k, H2, ABI_UID_ROOT, 0755) == 0 &&
                                make_file(k, H2 "/lib", 0644, "a library\n") == 0 && zix_tree_seal(k, H2) == 0 &&
                                hash_of(k, H2, h2_hash, found) == 0 && register_path(k, H2, h2_hash, NULL) == 0);
    UNIT_CHECK("list_sorted", zix_store_list(k, k->zix.paths) == 2 && strcmp(k->zix.paths[0], H1) == 0 &&
                                  strcmp(k->zix.paths[1], H2) == 0);
    i64 length = zix_registration_encode(&read, k->zix.record_bytes, sizeof k->zix.record_bytes);
    static u8 bytes[ZIX_RECORD_BYTES_MAX];
    memcpy(bytes, k->zix.record_bytes, (size_t)length);
    UNIT_CHECK("misplaced_setup", length > 0 && plant_record(k, H3, bytes, (u32)length) == 0);
    UNIT_CHECK("record_under_another_key_is_badmsg", zix_store_lookup(k, H3, &read) == -E_BADMSG);
    bytes[length / 2] ^= 0x40;
    UNIT_CHECK("damaged_setup", plant_record(k, H3, bytes, (u32)length) == 0);
    UNIT_CHECK("damaged_record_is_badmsg", zix_store_lookup(k, H3, &read) == -E_BADMSG);
    UNIT_CHECK("unregister_setup", zix_store_unregister(k, H3) == 0);
    UNIT_CHECK("unregistered_is_noent", zix_store_lookup(k, H3, &read) == -E_NOENT);
    UNIT_CHECK("not_a_store_path_is_inval", zix_store_lookup(k, "/zix/store/xyz", &read) == -E_INVAL);
}

static void test_gc(struct kernel *k) {
    static struct abi_zix_gc gc;
    UNIT_CHECK("gc_dry_run_frees_both", zix_gc_run(k, true, &gc) == 0 && gc.roots == 0 && gc.kept == 0 &&
                                            gc.freed == 2 && gc.freed_named == 2 && gc.freed_bytes == 2468 &&
                                            strcmp(gc.freed_paths[0], H1) == 0);
    UNIT_CHECK("gc_dry_run_changes_nothing", zix_store_list(k, k->zix.paths) == 2);
    UNIT_CHECK("root_setup", make_link(k, ZIX_ROOTS_DIR "/hello", H1 "/bin/hello") == 0 &&
                                 make_link(k, ZIX_ROOTS_DIR "/dangling", H3) == 0);
    UNIT_CHECK("gc_keeps_what_a_root_reaches", zix_gc_run(k, false, &gc) == 0 && gc.roots == 1 && gc.kept == 2 &&
                                                   gc.freed == 0);
    UNIT_CHECK("root_moved", fs_remove_at(k, ZIX_ROOTS_DIR "/hello") == 0 &&
                                 make_link(k, ZIX_ROOTS_DIR "/dep", "../store/22222222222222222222222222222222-dep") == 0);
    UNIT_CHECK("gc_frees_the_unreached", zix_gc_run(k, false, &gc) == 0 && gc.roots == 1 && gc.kept == 1 &&
                                             gc.freed == 1 && strcmp(gc.freed_paths[0], H1) == 0);
    static struct zix_registration read;
    UNIT_CHECK("gc_unregistered_it", zix_store_lookup(k, H1, &read) == -E_NOENT);
    UNIT_CHECK("gc_removed_its_tree", fs_lookup_link_at(k, H1, &(struct fs_inode){0}) == -E_NOENT);
    UNIT_CHECK("gc_kept_the_rest", zix_store_lookup(k, H2, &read) == 0 &&
                                       fs_lookup_link_at(k, H2 "/lib", &(struct fs_inode){0}) == 0);
}

// The store's share of GrainDB's keys: ZIX_STORE_PATHS_MAX registrations, then E_AGAIN;
// a path registered again (a repair) needs no new key.
static void test_registrations_bounded(struct kernel *k) {
    static const char digits[] = "0123456789abcdfghijklmnpqrsvwxyz";
    static char paths[ZIX_STORE_PATHS_MAX + 1][ZIX_STORE_PATH_LEN_MAX + 1];
    u8 hash[ZIX_HASH_BYTES] = {1};
    i64 live = zix_store_list(k, k->zix.paths); // those with a tree; records without one count too
    u32 made = 0;
    register_uid = ABI_UID_ROOT; // xy's share (64 paths) would end it first

    i64 result = 0;
    for (u32 i = 0; i <= ZIX_STORE_PATHS_MAX && result == 0; i++) {
        snprintf(paths[i], sizeof paths[i], "/zix/store/5555555555555555555555555555%c%c%c%c-r", digits[i / 32768 % 32],
                 digits[i / 1024 % 32], digits[i / 32 % 32], digits[i % 32]);
        result = register_path(k, paths[i], hash, NULL);
        if (result == 0) made++;
    }
    UNIT_CHECK("registrations_bounded", result == -E_AGAIN && live >= 0 && made + (u32)live == ZIX_STORE_PATHS_MAX);
    UNIT_CHECK("registered_again_needs_no_room", register_path(k, paths[0], hash, NULL) == 0);
    register_uid = 1000;
    bool ok = true;
    for (u32 i = 0; i < made && ok; i++) ok = zix_store_unregister(k, paths[i]) == 0;
    UNIT_CHECK("room_again_once_unregistered", ok && register_path(k, paths[made], hash, NULL) == 0 &&
                                                   zix_store_unregister(k, paths[made]) == 0);
}

static void test_leftovers(struct kernel *k) {
    UNIT_CHECK("leftover_setup", zix_tree_make_directory(k, H4, BUILDER_UID, 0755) == 0 &&
                                     make_file(k, H4 "/half", 0644, "cut short") == 0 &&
                                     make_file(k, ZIX_STORE_DIR "/stray", 0644, "not a store path") == 0 &&
                                     zix_tree_make_directory(k, ZIX_TMP_DIR "/b1", BUILDER_UID, 0700) == 0 &&
                                     make_file(k, ZIX_TMP_DIR "/b1/scratch", 0600, "tmp") == 0);
    zix_store_remove_leftovers(k);
    struct fs_inode inode;
    UNIT_CHECK("leftover_store_entry_removed", fs_lookup_link_at(k, H4, &inode) == -E_NOENT &&
                                                  fs_lookup_link_at(k, ZIX_STORE_DIR "/stray", &inode) == -E_NOENT);
    UNIT_CHECK("leftover_check_emptied", fs_list_at(k, ZIX_CHECK_DIR) == 0 && fs_list_at(k, ZIX_TMP_DIR) == 0);
    UNIT_CHECK("leftovers_keep_registered", fs_lookup_link_at(k, H2 "/lib", &inode) == 0 &&
                                                fs_list_at(k, ZIX_STORE_DIR) == 1);
    UNIT_CHECK("leftover_dirs_kept", fs_lookup_at(k, ZIX_CHECK_DIR, &inode) == 0 &&
                                         fs_lookup_at(k, ZIX_TMP_DIR, &inode) == 0);
}

int main(void) {
    root = cred_of_user(ABI_UID_ROOT);
    struct sim *sim = unit_sim_boot_mounted(13, STEPS_MAX, DISK_BYTES, "init.rounds=0 init.end=idle loglevel=error", true);
    struct kernel *k = &sim->nodes[0]->kernel;
    u8 h1_hash[ZIX_HASH_BYTES];
    test_provisioned(k);
    test_hash_and_seal(k, h1_hash);
    test_bounds(k);
    test_hard_link(k);
    test_registrations(k, h1_hash);
    test_gc(k);
    test_registrations_bounded(k);
    test_leftovers(k);
    sim_destroy(sim);
    UNIT_EXIT();
}
