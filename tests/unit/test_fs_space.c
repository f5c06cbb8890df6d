// Space comes back, on a booted kernel (one simulated node, a small blank disk, first
// boot done): files filling the disk (in xy's home; created with the kernel's root ids,
// which the simulator's permission model accepts outside a syscall) can still be
// removed, and the next write finds the space again (GrainDB compacted); inode numbers are reused, so a
// create/remove loop far longer than the key space never runs out; a number an open
// (removed) file still holds is not handed out; an append stores its last chunk only.
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "sim/machine/disk.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_sim.h"
#include "kernel/fs/internal.h"

#define DISK_BYTES (4ull << 20) // two GrainDB zones of 1.9 MiB; the first boot leaves ~560 KiB live
#define STEPS_MAX 200000u
#define FILL_BYTES (64u * 1024u)
#define FILL_FILES_MAX 64u

static u8 data[FS_FILE_BYTES_MAX];

static struct sim *boot_node(void) {
    return unit_sim_boot_mounted(11, STEPS_MAX, DISK_BYTES, "init.rounds=0 init.end=idle loglevel=error", false);
}

static i64 path_of(const char *absolute, struct path *path) { return path_resolve("/", absolute, path); }

// Creates `absolute` as uid with `count` bytes (seeded); the last close commits them.
static i64 write_new_file(struct kernel *k, u32 uid, const char *absolute, u64 count, u32 seed, u64 *inode_out) {
    struct path path;
    struct fs_inode inode;
    struct cred cred = cred_of_user(uid);
    i64 result = path_of(absolute, &path);
    if (result == 0) result = fs_create(k, &cred, &path, ABI_TYPE_FILE, 0644, &inode);
    if (result < 0) return result;
    if (inode_out != NULL) *inode_out = inode.inode;
    u64 state = seed * 0x9e3779b97f4a7c15ull + 1; // no two chunks alike: nothing deduplicates
    for (u64 i = 0; i < count; i++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        data[i] = (u8)state;
    }
    // Just created: its CREATE was the change (the filesystem's door for content).
    const struct fs_change change = {.op = FS_CHANGE_CREATE, .cred = &cred, .path = &path, .target = &inode};
    i64 index = fs_file_open_write(k, &change, false, ABI_UID_ROOT);
    if (index < 0) return index;
    i64 written = fs_file_write(k, (u32)index, ABI_UID_ROOT, 0, data, count);
    i64 released = fs_file_release(k, (u32)index);
    return written < 0 ? written : released;
}

static i64 remove_file(struct kernel *k, u32 uid, const char *absolute) {
    struct path path;
    struct cred cred = cred_of_user(uid);
    i64 result = path_of(absolute, &path);
    return result == 0 ? fs_remove(k, &cred, &path, ABI_TYPE_FILE) : result;
}

// Fills the disk with FILL_BYTES files named prefix-N until a write fails; returns how
// many were written whole, and the error that stopped it.
static u32 fill(struct kernel *k, const char *prefix, u32 seed, i64 *error) {
    char name[64];
    *error = 0;
    u32 files = 0;
    for (; files < FILL_FILES_MAX; files++) {
        snprintf(name, sizeof name, "%s-%u", prefix, files);
        *error = write_new_file(k, ABI_UID_ROOT, name, FILL_BYTES, seed + files, NULL);
        if (*error < 0) break;
    }
    return files;
}

static bool remove_all(struct kernel *k, const char *prefix, u32 count) {
    bool removed = true;
    for (u32 i = 0; i <= count; i++) { // the one that failed may exist (its data did not fit)
        char name[64];
        snprintf(name, sizeof name, "%s-%u", prefix, i);
        i64 rc = remove_file(k, ABI_UID_ROOT, name);
        removed = removed && (rc == 0 || (i == count && rc == -E_NOENT));
    }
    return removed;
}

static void test_full_disk_comes_back(struct kernel *k) {
    i64 error = 0;
    u32 files = fill(k, "/home/xy/fill", 1000, &error);
    UNIT_CHECK("files_fill_the_disk", error == -E_NOSPC && files > 4 && !graindb_failed(&k->fs.db));
    struct graindb_space full;
    graindb_space(&k->fs.db, &full);
    UNIT_CHECK("a_big_file_does_not_fit_the_full_disk",
               write_new_file(k, ABI_UID_ROOT, "/root/big", FILL_BYTES, 7, NULL) < 0 &&
               remove_file(k, ABI_UID_ROOT, "/root/big") == 0);
    UNIT_CHECK("files_are_removed_on_the_full_disk", remove_all(k, "/home/xy/fill", files));
    // As much as before fits again: the writes that need the space make GrainDB compact.
    u32 again = fill(k, "/root/again", 2000, &error);
    struct graindb_space after;
    graindb_space(&k->fs.db, &after);
    printf("# full with %u files of %u bytes: %llu of %llu bytes used (generation %llu); after removing them, "
           "%u files fit again (generation %llu, %llu bytes live at the last compaction)\n", files, FILL_BYTES,
           (unsigned long long)full.used_bytes, (unsigned long long)full.zone_bytes,
           (unsigned long long)full.compactions, again, (unsigned long long)after.compactions,
           (unsigned long long)after.live_bytes);
    UNIT_CHECK("space_is_back_once_the_files_are_removed", again + 1 >= files && after.compactions > full.compactions);
    UNIT_CHECK("and_goes_again", remove_all(k, "/root/again", again));
}

static void test_inode_numbers_reused(struct kernel *k) {
    bool ok = true;
    u64 highest = 0;
    u32 loops = 3 * FS_INODES_MAX;
    for (u32 i = 0; i < loops && ok; i++) {
        char name[64];
        snprintf(name, sizeof name, "/tmp/loop-%u", i % 5);
        u64 inode = 0;
        ok = write_new_file(k, ABI_UID_ROOT, name, 10, i, &inode) == 0 && remove_file(k, ABI_UID_ROOT, name) == 0;
        if (inode > highest) highest = inode;
    }
    struct graindb_space space;
    graindb_space(&k->fs.db, &space);
    printf("# %u files created and removed: inode numbers up to %llu, %u keys, %llu compactions\n", loops,
           (unsigned long long)highest, space.refs_count, (unsigned long long)space.compactions);
    UNIT_CHECK("create_remove_loop_past_the_key_space", ok && highest < FS_INODES_MAX &&
                                                            space.refs_count < GRAINDB_REFS_MAX);
}

static void test_open_file_keeps_its_number(struct kernel *k) {
    u64 held = 0;
    bool ok = write_new_file(k, ABI_UID_ROOT, "/root/held", 10, 1, &held) == 0;
    struct path path;
    struct fs_inode inode;
    struct cred root = cred_of_user(ABI_UID_ROOT);
    ok = ok && path_of("/root/held", &path) == 0 && fs_lookup(k, &root, &path, &inode) == 0;
    i64 index = ok ? fs_file_open(k, &inode, false, ABI_UID_ROOT) : -1;
    ok = ok && index >= 0 && remove_file(k, ABI_UID_ROOT, "/root/held") == 0;
    bool reused = false;
    for (u32 i = 0; i < FS_INODES_MAX + 8 && ok && !reused; i++) { // a whole cycle of numbers
        u64 inode_number = 0;
        ok = write_new_file(k, ABI_UID_ROOT, "/root/other", 0, i, &inode_number) == 0 &&
             remove_file(k, ABI_UID_ROOT, "/root/other") == 0;
        reused = inode_number == held;
    }
    if (index >= 0) (void)fs_file_release(k, (u32)index);
    UNIT_CHECK("a_number_an_open_file_holds_is_not_reused", ok && !reused);
}

static void test_append_stores_the_last_chunk(struct kernel *k) {
    u64 inode_number = 0;
    bool ok = write_new_file(k, ABI_UID_ROOT, "/root/log", 100 * 1024, 3, &inode_number) == 0;
    struct path path;
    struct fs_inode inode;
    struct cred root = cred_of_user(ABI_UID_ROOT);
    ok = ok && path_of("/root/log", &path) == 0 && fs_lookup(k, &root, &path, &inode) == 0;
    const struct fs_change change = {.op = FS_CHANGE_OPEN_WRITE, .cred = &root, .path = &path, .target = &inode};
    // A compaction during the append moves the append position back (the tests before
    // leave the log nearly full, how full depends on what the first boot wrote): then
    // the next append is the one measured.
    u64 appended = 0;
    for (u32 attempt = 0; attempt < 2 && ok; attempt++) {
        i64 index = fs_file_open_write(k, &change, false, ABI_UID_ROOT);
        u64 before = k->fs.db.append_position;
        u64 generation = k->fs.db.superblock.generation;
        u64 size = index >= 0 ? k->fs.files[index].meta.size_bytes : 0;
        ok = index >= 0 && fs_file_write(k, (u32)index, ABI_UID_ROOT, size, (const u8 *)"one more line\n", 14) == 14;
        ok = ok && fs_file_release(k, (u32)index) == 0;
        appended = k->fs.db.append_position - before;
        if (k->fs.db.superblock.generation == generation) break;
    }
    printf("# an append to a 100 KiB file wrote %llu bytes of log\n", (unsigned long long)appended);
    UNIT_CHECK("append_stores_its_last_chunk_and_the_inode_only", ok && appended > 0 && appended <= 8192);
}

int main(void) {
    struct sim *sim = boot_node();
    struct kernel *k = &sim->nodes[0]->kernel;
    test_full_disk_comes_back(k);
    test_inode_numbers_reused(k);
    test_open_file_keeps_its_number(k);
    test_append_stores_the_last_chunk(k);
    sim_destroy(sim);
    UNIT_EXIT();
}
