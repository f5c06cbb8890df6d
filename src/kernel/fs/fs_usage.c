// Who uses how much of the filesystem: inodes and bytes per owner, so that no user
// can fill the disk or the inode numbers root needs (limits.h: disk_* and inodes_*).
//
// What is charged: every inode its owner (uid), FS_INODE_COST_BYTES for its record,
// its ref and its name in its directory's entries object (so a directory itself costs
// that alone: its entries are their makers'), plus its data (a file's, a symlink's
// target) rounded up to whole chunks. The size charged is the one in memory: a file being written
// is charged as it grows (write fails with E_DQUOT beyond the share), and given back
// when its growth is dropped or it is removed. The table is derived state, never
// stored: counted from the disk at the first need after a mount (a non-root write or
// create, or a usage query: a boot that only reads pays nothing, and a first boot
// interrupted again and again does no extra reads), then kept up to date by each change.
#include "kernel/kernel.h"
#include "kernel/limits/limits.h"
#include "kernel/observe.h"
#include "kernel/trace_events.h"
#include "kernel/lib/mem.h"
#include "kernel/fs/internal.h"

STATIC_ASSERT(FS_INODE_COST_BYTES >= FS_INODE_RECORD_BYTES + 256); // its ref and entry fit the rest

u64 fs_cost_bytes(u32 type, u64 size_bytes) {
    if (type != ABI_TYPE_DIRECTORY) assert(size_bytes <= FS_FILE_BYTES_MAX);
    u64 data = type == ABI_TYPE_DIRECTORY ? 0 : size_bytes;
    return FS_INODE_COST_BYTES + (data + FS_CHUNK_BYTES - 1) / FS_CHUNK_BYTES * FS_CHUNK_BYTES;
}

// The row of uid; uids beyond the table share the last row (counted together, so
// the shares still bound them).
static struct fs_usage *fs_usage_row(struct fs *fs, u32 uid) {
    for (u32 i = 0; i < fs->usage_count; i++) {
        if (fs->usage[i].uid == uid) return &fs->usage[i];
    }
    if (fs->usage_count < FS_USAGE_UIDS_MAX) {
        struct fs_usage *row = &fs->usage[fs->usage_count++];
        *row = (struct fs_usage){.uid = uid};
        return row;
    }
    return &fs->usage[FS_USAGE_UIDS_MAX - 1];
}

void fs_usage_charge(struct kernel *k, u32 uid, i64 inodes, i64 bytes) {
    if (!k->fs.usage_valid) return; // the count from the disk will include it
    struct fs_usage *row = fs_usage_row(&k->fs, uid);
    if (inodes < 0) assert(row->inodes >= (u64)-inodes);
    if (bytes < 0) assert(row->bytes >= (u64)-bytes);
    row->inodes = (u64)((i64)row->inodes + inodes);
    row->bytes = (u64)((i64)row->bytes + bytes);
}

// A query creates no row: asking about uids must not fill the table.
struct fs_usage fs_usage_of(struct kernel *k, u32 uid) {
    if (fs_usage_ensure(k) < 0) return (struct fs_usage){.uid = uid}; // nothing known
    for (u32 i = 0; i < k->fs.usage_count; i++) {
        if (k->fs.usage[i].uid == uid) return k->fs.usage[i];
    }
    return (struct fs_usage){.uid = uid};
}

// What the filesystem can hold: the live data GrainDB can keep and still compact with
// room to spare (graindb.h: a zone, less its reserve for deletes and a batch of room
// after a compaction), less an eighth for what the costs do not count (record headers,
// commit records, the compaction's checkpoint).
u64 fs_capacity_bytes(const struct kernel *k) {
    struct graindb_space space;
    graindb_space(&k->fs.db, &space);
    u64 held_back = space.reserve_bytes + 2 * (u64)GRAINDB_BATCH_BYTES_MAX;
    if (space.zone_bytes <= held_back) return 0;
    u64 capacity = (space.zone_bytes - held_back) / FS_CAPACITY_SHARE_DIVISOR * (FS_CAPACITY_SHARE_DIVISOR - 1);
    assert(capacity < space.zone_bytes);
    return capacity;
}

static void fs_usage_totals(const struct fs *fs, u32 uid, struct limits_use *inodes, struct limits_use *bytes) {
    mem_set(inodes, 0, sizeof *inodes);
    mem_set(bytes, 0, sizeof *bytes);
    for (u32 i = 0; i < fs->usage_count; i++) {
        const struct fs_usage *row = &fs->usage[i];
        inodes->all += row->inodes;
        bytes->all += row->bytes;
        if (row->uid == uid) { inodes->user = row->inodes; bytes->user = row->bytes; }
    }
}

// The disk (or what of it is left to this user) is full: -E_NOSPC, traced as GrainDB's
// own refusal is (fs_batch_abort), so a workload may name "disk full" as its excuse.
static i64 fs_no_room(struct kernel *k) {
    assert(k != NULL);
    assert(k->fs.usage_valid);
    observe_trace(k->platform, TRACE_FS_NO_ROOM, (u64)-E_NOSPC, graindb_commit_seq(&k->fs.db), 0);
    return -E_NOSPC;
}

i64 fs_usage_allow(struct kernel *k, u32 owner, u32 actor, u64 inodes, u64 bytes) {
    // Root is held only to the capacity, which GrainDB enforces itself: no count needed.
    if (actor == ABI_UID_ROOT && !k->fs.usage_valid) return 0;
    i64 counted = fs_usage_ensure(k);
    if (counted < 0) return counted;
    struct limits_use inode_use, byte_use;
    fs_usage_totals(&k->fs, owner, &inode_use, &byte_use);
    // Root's files have no share, but a non-root actor growing one still may not take
    // root's reserve: the share is checked for the owner, the reserve for the actor.
    if (owner == ABI_UID_ROOT) inode_use.user = byte_use.user = 0;
    u32 uid = actor;
    const struct limits *limits = &k->limits;
    if (inodes > 0 && !limits_allow(uid, &inode_use, inodes, FS_INODES_MAX, limits->inodes_per_user,
                                    limits->inodes_root_reserve)) {
        return inode_use.all + inodes > FS_INODES_MAX ? fs_no_room(k) : -E_DQUOT;
    }
    u64 capacity = fs_capacity_bytes(k);
    u64 per_user = capacity / PERCENT_MAX * limits->disk_per_user_percent;
    u64 reserve = capacity / PERCENT_MAX * limits->disk_root_reserve_percent;
    if (bytes > 0 && !limits_allow(uid, &byte_use, bytes, capacity, per_user, reserve)) {
        // Beyond the user's own share: its quota; beyond what is left to users: the disk.
        return byte_use.user + bytes > per_user ? -E_DQUOT : fs_no_room(k);
    }
    return 0;
}

i64 fs_usage_allow_owner(struct kernel *k, u32 owner, u64 inodes, u64 bytes) {
    assert(k != NULL);
    return fs_usage_allow(k, owner, owner, inodes, bytes);
}

// Every live inode, charged to its owner (an open file at its size in memory). An
// inode that cannot be read leaves the count undone (tried again at the next need)
// and is the error: a share cannot be judged on a count that misses an inode.
i64 fs_usage_ensure(struct kernel *k) {
    struct fs *fs = &k->fs;
    if (fs->usage_valid) return 0;
    i64 result = fs_readable(k);
    if (result < 0) return result;
    fs->usage_count = 0;
    fs->usage_valid = true;
    u32 count = graindb_ref_count(&fs->db);
    for (u32 i = 0; i < count && result == 0; i++) {
        u8 key[GRAINDB_KEY_LEN_MAX];
        u32 key_len = 0;
        struct graindb_ref_info info;
        if (graindb_ref_at(&fs->db, i, key, &key_len, &info) < 0 || info.deleted) continue;
        u64 number = fs_inode_from_key(key, key_len);
        if (number == 0) continue;
        struct fs_inode inode;
        result = fs_read_inode(k, number, &inode);
        if (result < 0) break;
        u32 open = fs_file_find(k, number);
        u64 size_bytes = open < FS_OPEN_FILES_MAX ? fs->files[open].meta.size_bytes : inode.size_bytes;
        fs_usage_charge(k, inode.uid, 1, (i64)fs_cost_bytes(inode.type, size_bytes));
    }
    if (result < 0) {
        fs->usage_valid = false;
        klog(k, LOG_WARN, "filesystem: usage: an inode is unreadable (error %lld); shares cannot be judged",
             (long long)-result);
    }
    return result;
}

void fs_usage_resize(struct kernel *k, const struct fs_inode *inode, u64 old_size_bytes, u64 new_size_bytes) {
    assert(inode->type == ABI_TYPE_FILE);
    i64 before = (i64)fs_cost_bytes(inode->type, old_size_bytes);
    i64 after = (i64)fs_cost_bytes(inode->type, new_size_bytes);
    if (after != before) fs_usage_charge(k, inode->uid, 0, after - before);
}

// A directory holds FS_DIR_ENTRIES_MAX names: a user who does not own it may make at
// most dir_entries_per_user of them, and the non-root users together leave root the
// reserve, so nobody can fill /tmp for the others.
i64 fs_usage_allow_entry(struct kernel *k, const struct cred *cred, const struct fs_inode *dir) {
    assert(dir->type == ABI_TYPE_DIRECTORY);
    struct limits_use use = {.all = k->fs.entries_count};
    for (u32 i = 0; i < k->fs.entries_count; i++) {
        u32 maker = k->fs.entries[i].maker_uid;
        if (maker == cred->euid) use.user++;
    }
    if (cred->euid == ABI_UID_ROOT) use.user = 0;
    u64 per_user = dir->uid == cred->euid ? FS_DIR_ENTRIES_MAX : k->limits.dir_entries_per_user;
    bool allowed = limits_allow(cred->euid, &use, 1, FS_DIR_ENTRIES_MAX, per_user, k->limits.dir_entries_root_reserve);
    return allowed ? 0 : -E_NOSPC;
}

// The size an inode is charged at: an open file's in memory, else its record's.
static u64 fs_usage_size(const struct kernel *k, const struct fs_inode *inode) {
    u32 open = fs_file_find(k, inode->inode);
    return open < FS_OPEN_FILES_MAX ? k->fs.files[open].meta.size_bytes : inode->size_bytes;
}

void fs_usage_gone(struct kernel *k, const struct fs_inode *inode) {
    assert(inode->inode >= FS_ROOT_INODE);
    fs_usage_charge(k, inode->uid, -1, -(i64)fs_cost_bytes(inode->type, fs_usage_size(k, inode)));
}

void fs_usage_move(struct kernel *k, const struct fs_inode *before, u32 uid) {
    assert(before->uid != uid);
    i64 cost = (i64)fs_cost_bytes(before->type, fs_usage_size(k, before));
    fs_usage_charge(k, before->uid, -1, -cost);
    fs_usage_charge(k, uid, 1, cost);
}
