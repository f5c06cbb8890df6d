// The share-and-reserve rule (limits_allow), /etc/limits.conf parsing, and the shares
// on a real booted kernel: the open-file table, the buffer pool, processes, frames
// and the filesystem's usage (one simulated node with a blank disk, first boot done).
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/limits/limits.h"
#include "kernel/proc/proc.h"
#include "sim/machine/disk.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_sim.h"
#include "kernel/fs/internal.h"

#define DISK_BYTES (16ull << 20)
#define STEPS_MAX 200000u

static void test_allow(void) {
    struct limits_use use = {.user = 0, .all = 0};
    UNIT_CHECK("allow_user_within_share", limits_allow(1000, &use, 1, 10, 4, 2));
    use = (struct limits_use){.user = 4, .all = 4};
    UNIT_CHECK("refuse_user_at_share", !limits_allow(1000, &use, 1, 10, 4, 2));
    use = (struct limits_use){.user = 1, .all = 8};
    UNIT_CHECK("refuse_user_in_reserve", !limits_allow(1000, &use, 1, 10, 4, 2));
    use = (struct limits_use){.user = 1, .all = 7};
    UNIT_CHECK("allow_user_up_to_reserve", limits_allow(1000, &use, 1, 10, 4, 2));
    use = (struct limits_use){.user = 0, .all = 9};
    UNIT_CHECK("allow_root_in_reserve", limits_allow(ABI_UID_ROOT, &use, 1, 10, 4, 2));
    use = (struct limits_use){.user = 0, .all = 10};
    UNIT_CHECK("refuse_root_when_none_left", !limits_allow(ABI_UID_ROOT, &use, 1, 10, 4, 2));
    use = (struct limits_use){.user = 0, .all = 0};
    UNIT_CHECK("refuse_more_than_share_at_once", !limits_allow(1000, &use, 5, 10, 4, 2));
}

static void test_parse(void) {
    struct limits limits;
    limits_defaults(&limits);
    struct limits_parse_report report;
    limits_parse("# comment\n\nprocesses_per_user = 5\n  inodes_per_user=77 # trailing\n", &limits, &report);
    UNIT_CHECK("parse_applies_values", limits.processes_per_user == 5 && limits.inodes_per_user == 77);
    UNIT_CHECK("parse_counts_applied", report.applied == 2 && report.ignored == 0 && report.first_ignored_line == 0);
    limits_defaults(&limits);
    limits_parse("processes_per_user = 5\nbogus_key = 3\nprocesses_root_reserve = 999\nmemory_per_user_percent = 1x\n"
                 "files_per_process = 2\ndisk_per_user_percent =\n",
                 &limits, &report);
    UNIT_CHECK("parse_ignores_unknown_and_out_of_range", report.applied == 1 && report.ignored == 5);
    UNIT_CHECK("parse_names_first_bad_line", report.first_ignored_line == 2);
    struct limits defaults;
    limits_defaults(&defaults);
    UNIT_CHECK("parse_bad_lines_keep_defaults",
               limits.processes_root_reserve == defaults.processes_root_reserve &&
                   limits.memory_per_user_percent == defaults.memory_per_user_percent &&
                   limits.files_per_process == defaults.files_per_process);
    limits_parse("processes_per_user = 4294967296\n", &limits, &report);
    UNIT_CHECK("parse_refuses_overflow", report.ignored == 1);
}

static struct sim *boot_node(void) {
    return unit_sim_boot_mounted(11, STEPS_MAX, DISK_BYTES, "init.rounds=0 init.end=idle loglevel=error", false);
}

static i64 lookup(struct kernel *k, const char *absolute, struct fs_inode *inode) {
    struct path path;
    struct cred root = cred_of_user(ABI_UID_ROOT);
    i64 result = path_resolve("/", absolute, &path);
    return result == 0 ? fs_lookup(k, &root, &path, inode) : result;
}

// xy's share of the open-file table ends in E_NFILE; root still opens (its reserve).
static void test_open_files(struct kernel *k) {
    struct fs_inode passwd;
    UNIT_CHECK("files_lookup", lookup(k, "/etc/passwd", &passwd) == 0);
    struct cred xy = cred_of_user(ABI_UID_USER);
    u32 opened = 0;
    i64 last = 0;
    for (u32 i = 0; i < FS_OPEN_FILES_MAX; i++) {
        char name[32];
        struct fs_inode inode;
        struct path path;
        snprintf(name, sizeof name, "/home/xy/open%u", i);
        i64 result = path_resolve("/", name, &path);
        if (result == 0) result = fs_create(k, &xy, &path, ABI_TYPE_FILE, 0644, &inode);
        if (result == 0) result = fs_file_open(k, &inode, false, ABI_UID_USER);
        last = result;
        if (result < 0) break;
        opened++;
    }
    UNIT_CHECK("files_user_share_ends_in_enfile", last == -E_NFILE && opened == k->limits.open_files_per_user);
    i64 index = fs_file_open(k, &passwd, false, ABI_UID_ROOT);
    UNIT_CHECK("files_root_opens_past_users_share", index >= 0);
    if (index >= 0) fs_file_release(k, (u32)index);
    for (u32 i = 0; i < FS_OPEN_FILES_MAX; i++) {
        if (k->fs.files[i].references > 0 && k->fs.files[i].opener_uid == ABI_UID_USER) fs_file_release(k, i);
    }
}

// Writers take buffers within their share; a user at its share takes back its own.
static void test_buffers(struct kernel *k) {
    struct cred xy = cred_of_user(ABI_UID_USER);
    u32 indexes[FS_BUFFERS_MAX + 2];
    u32 count = 0;
    for (u32 i = 0; i < FS_BUFFERS_PER_USER_MAX + 2; i++) {
        char name[32];
        struct fs_inode inode;
        struct path path;
        snprintf(name, sizeof name, "/home/xy/buffer%u", i);
        i64 result = path_resolve("/", name, &path);
        if (result == 0) result = fs_create(k, &xy, &path, ABI_TYPE_FILE, 0644, &inode);
        const struct fs_change change = {.op = FS_CHANGE_CREATE, .cred = &xy, .path = &path, .target = &inode};
        i64 index = result == 0 ? fs_file_open_write(k, &change, false, ABI_UID_USER) : result;
        if (index < 0) break;
        indexes[count++] = (u32)index;
        fs_file_write(k, (u32)index, ABI_UID_USER, 0, (const u8 *)"dirty", 5);
    }
    u32 held = 0, dirty = 0;
    for (u32 b = 0; b < FS_BUFFERS_MAX; b++) {
        const struct fs_buffer *owner = &k->fs.buffer_owners[b];
        if (owner->file == FS_BUFFER_NONE || owner->writer_uid != ABI_UID_USER) continue;
        held++;
        dirty += k->fs.files[owner->file].dirty;
    }
    UNIT_CHECK("buffers_user_never_above_share", count == FS_BUFFERS_PER_USER_MAX + 2 && held == FS_BUFFERS_PER_USER_MAX);
    UNIT_CHECK("buffers_taken_back_were_written_back", dirty == FS_BUFFERS_PER_USER_MAX &&
                                                         !k->fs.files[indexes[0]].dirty && !k->fs.files[indexes[1]].dirty);
    u8 byte = 0;
    const u8 *bytes = NULL;
    u64 available = 0;
    i64 peeked = fs_file_peek(k, indexes[0], 0, &bytes, &available);
    if (peeked == 0 && available > 0) byte = bytes[0];
    UNIT_CHECK("buffers_written_back_data_reads_back", peeked == 0 && available == 5 && byte == 'd');
    u32 released = 0;
    for (u32 i = 0; i < count; i++) released += fs_file_release(k, indexes[i]) == 0;
    UNIT_CHECK("buffers_release_commits", released == count);
}

// Frames and process slots are charged to the real uid.
static void test_processes_and_memory(struct kernel *k) {
    u32 slot = 0;
    while (slot < PROCS_MAX && k->procs[slot].state == PROC_FREE) slot++;
    UNIT_CHECK("memory_a_process_exists", slot < PROCS_MAX);
    if (slot == PROCS_MAX) return;
    UNIT_CHECK("memory_root_may_take_a_frame", limits_allow_frames(k, slot, 1));
    u64 total = k->frames.count - k->frames.kernel_frames;
    UNIT_CHECK("memory_nobody_takes_more_than_exists", !limits_allow_frames(k, slot, (u32)total + 1));
    UNIT_CHECK("processes_root_allowed", limits_allow_process(k, ABI_UID_ROOT));
    UNIT_CHECK("processes_user_allowed", limits_allow_process(k, ABI_UID_USER));
    struct limits saved = k->limits;
    k->limits.processes_per_user = 1;
    struct proc saved_proc = k->procs[slot];
    k->procs[slot].cred = cred_of_user(ABI_UID_USER); // pretend it is xy's
    UNIT_CHECK("processes_user_at_share_refused", !limits_allow_process(k, ABI_UID_USER));
    UNIT_CHECK("processes_root_unaffected", limits_allow_process(k, ABI_UID_ROOT));
    k->procs[slot] = saved_proc;
    k->limits = saved;
}

// Usage follows creates, writes, removes and chown; E_DQUOT at the share.
static void test_usage(struct kernel *k) {
    struct cred xy = cred_of_user(ABI_UID_USER);
    struct fs_usage before = fs_usage_of(k, ABI_UID_USER);
    struct fs_inode inode;
    struct path path;
    i64 result = path_resolve("/", "/home/xy/usage", &path);
    if (result == 0) result = fs_create(k, &xy, &path, ABI_TYPE_FILE, 0644, &inode);
    struct fs_usage created = fs_usage_of(k, ABI_UID_USER);
    UNIT_CHECK("usage_create_charges_an_inode",
               result == 0 && created.inodes == before.inodes + 1 && created.bytes == before.bytes + FS_INODE_COST_BYTES);
    const struct fs_change change = {.op = FS_CHANGE_CREATE, .cred = &xy, .path = &path, .target = &inode};
    i64 index = result == 0 ? fs_file_open_write(k, &change, false, ABI_UID_USER) : result;
    static u8 data[FS_CHUNK_BYTES + 1];
    i64 written = index >= 0 ? fs_file_write(k, (u32)index, ABI_UID_USER, 0, data, sizeof data) : index;
    struct fs_usage grown = fs_usage_of(k, ABI_UID_USER);
    UNIT_CHECK("usage_write_charges_whole_chunks", written == (i64)sizeof data &&
                                                       grown.bytes == created.bytes + 2 * FS_CHUNK_BYTES);
    if (index >= 0) fs_file_release(k, (u32)index);
    struct limits saved = k->limits;
    k->limits.disk_per_user_percent = 1;
    u64 share = fs_capacity_bytes(k) / PERCENT_MAX;
    i64 allowed = fs_usage_allow(k, ABI_UID_USER, ABI_UID_USER, 0, share);
    UNIT_CHECK("usage_beyond_share_is_edquot", allowed == -E_DQUOT);
    UNIT_CHECK("usage_root_actor_exempt_from_share", fs_usage_allow(k, ABI_UID_USER, ABI_UID_ROOT, 0, share) == 0);
    k->limits = saved;
    result = fs_remove(k, &xy, &path, ABI_TYPE_FILE);
    struct fs_usage removed = fs_usage_of(k, ABI_UID_USER);
    UNIT_CHECK("usage_remove_gives_back", result == 0 && removed.inodes == before.inodes && removed.bytes == before.bytes);
}

int main(void) {
    test_allow();
    test_parse();
    struct sim *sim = boot_node();
    struct kernel *k = &sim->nodes[0]->kernel;
    // The kernel is driven from here, with xy's ids but no process of xy's: the
    // permission model's invariant would (rightly) refuse such a caller.
    sim->config.no_invariants = true;
    test_open_files(k);
    test_buffers(k);
    test_processes_and_memory(k);
    test_usage(k);
    sim_destroy(sim);
    UNIT_EXIT();
}
