// Mounting: open GrainDB (recovery), or on a blank disk format it and have the
// caller populate it (the first boot's tree and files: kernel/boot/provision.c). A
// disk GrainDB refuses (corruption) stays unmounted with a clear message: never
// mounted half-trusted.
#include "kernel/kernel.h"

#include "kernel/bugs.h"
#include "kernel/lib/endian.h"
#include "kernel/lib/mem.h"
#include "kernel/trace_events.h"
#include "kernel/fs/internal.h"
#include "kernel/observe.h"

#define FS_DIRECTORY_MODE 0755

i64 fs_usable(const struct kernel *k) {
    if (k->fs.state == FS_MOUNTED) return graindb_failed(&k->fs.db) ? -E_IO : 0;
    return k->fs.state == FS_NO_DISK ? -E_NODEV : -E_IO;
}

// After a failed write or flush GrainDB is read-only until the next mount: what it
// committed before can still be read (and every read is still verified).
i64 fs_readable(const struct kernel *k) {
    if (k->fs.state == FS_MOUNTED) return 0;
    return k->fs.state == FS_NO_DISK ? -E_NODEV : -E_IO;
}

// Where the search for a free inode number starts (fs_inodes.c): past the highest
// number a key still holds, so a number freed before the reboot is not the first reused.
static void fs_find_inode_next(struct kernel *k) {
    u64 highest = FS_ROOT_INODE;
    u32 count = graindb_ref_count(&k->fs.db);
    for (u32 i = 0; i < count; i++) {
        u8 key[GRAINDB_KEY_LEN_MAX];
        u32 key_len = 0;
        struct graindb_ref_info info;
        if (graindb_ref_at(&k->fs.db, i, key, &key_len, &info) < 0) continue;
        u64 inode = fs_inode_from_key(key, key_len);
        if (inode > highest) highest = inode;
    }
    k->fs.inode_next = highest + 1;
}

#define FS_READY_KEY "fs/ready"

// The first boot's population ends by writing this key, so a boot that finds it
// missing knows the previous one was interrupted (power loss) and completes it.
static bool fs_is_ready(struct kernel *k) {
    struct graindb_ref_info info;
    i64 result = graindb_ref_get(&k->fs.db, (const u8 *)FS_READY_KEY, sizeof FS_READY_KEY - 1, &info);
    return result == 0 && !info.deleted;
}

i64 fs_mark_ready(struct kernel *k) {
    u8 hash[GRAINDB_HASH_BYTES];
    i64 result = graindb_batch_begin(&k->fs.db);
    if (result == 0) result = fs_put_object(k, (const u8 *)"1", 1, hash);
    if (result == 0) {
        result = graindb_batch_set_ref(&k->fs.db, (const u8 *)FS_READY_KEY, sizeof FS_READY_KEY - 1, hash);
    }
    if (result == 0) result = fs_commit(k);
    if (result < 0) fs_batch_abort(k, result);
    return result;
}

i64 fs_make_root(struct kernel *k) {
    // Resuming an interrupted first boot: a root that exists is kept. Only a root
    // whose key was never written is made: one whose record fails to read (a read
    // error, damage GrainDB detected, its object missing) is the mount's error, since
    // an empty root written over it would orphan every directory made before.
    u8 key[FS_KEY_LEN_MAX];
    u32 key_len = 0;
    fs_inode_key(FS_ROOT_INODE, key, &key_len);
    struct graindb_ref_info info;
    if (graindb_ref_get(&k->fs.db, key, key_len, &info) == 0) {
        struct fs_inode existing;
        return fs_read_inode(k, FS_ROOT_INODE, &existing);
    }
    struct fs_inode root;
    mem_set(&root, 0, sizeof root);
    root.inode = FS_ROOT_INODE;
    root.parent = FS_ROOT_INODE;
    root.type = ABI_TYPE_DIRECTORY;
    root.mode = FS_DIRECTORY_MODE;
    root.nlink = 2; // "." and its own ".."
    root.atime_ns = root.mtime_ns = root.ctime_ns = platform_realtime_ns(k->platform);
    i64 result = graindb_batch_begin(&k->fs.db);
    if (result == 0) result = fs_stage_inode(k, &root);
    if (result == 0) result = fs_commit(k);
    if (result < 0) fs_batch_abort(k, result);
    else fs_usage_charge(k, root.uid, 1, (i64)fs_cost_bytes(root.type, 0));
    k->fs.inode_next = FS_ROOT_INODE + 1;
    return result;
}

// The first boot acts as root.
i64 fs_lookup_at(struct kernel *k, const char *absolute, struct fs_inode *out) {
    struct path path;
    struct cred root = cred_of_user(ABI_UID_ROOT);
    i64 result = path_resolve("/", absolute, &path);
    return result == 0 ? fs_lookup(k, &root, &path, out) : result;
}

i64 fs_list_at(struct kernel *k, const char *absolute) {
    assert(absolute != NULL);
    assert(absolute[0] == '/'); // the kernel's own names, never a user's
    struct fs_inode dir;
    i64 result = fs_lookup_at(k, absolute, &dir);
    if (result < 0) return result;
    if (dir.type != ABI_TYPE_DIRECTORY) return -E_NOTDIR;
    result = fs_read_directory(k, &dir);
    return result < 0 ? result : (i64)k->fs.entries_count;
}

i64 fs_create_at(struct kernel *k, const char *absolute, u32 type, u32 mode,
                        struct fs_inode *out) {
    struct path path;
    struct cred root = cred_of_user(ABI_UID_ROOT);
    i64 result = path_resolve("/", absolute, &path);
    if (result == 0) result = fs_create(k, &root, &path, type, mode, out);
    return result;
}

i64 fs_remove_at(struct kernel *k, const char *absolute) {
    assert(absolute != NULL);
    assert(absolute[0] == '/'); // the kernel's own names, never a user's
    struct path path;
    struct cred root = cred_of_user(ABI_UID_ROOT);
    i64 result = path_resolve("/", absolute, &path);
    return result == 0 ? fs_remove(k, &root, &path, ABI_TYPE_FILE) : result;
}

i64 fs_remove_directory_at(struct kernel *k, const char *absolute) {
    assert(absolute != NULL);
    assert(absolute[0] == '/'); // the kernel's own names, never a user's
    struct path path;
    struct cred root = cred_of_user(ABI_UID_ROOT);
    i64 result = path_resolve("/", absolute, &path);
    return result == 0 ? fs_remove(k, &root, &path, ABI_TYPE_DIRECTORY) : result;
}

// The walk without FS_WALK_FOLLOW: a symbolic link is answered as itself.
i64 fs_lookup_link_at(struct kernel *k, const char *absolute, struct fs_inode *out) {
    assert(absolute != NULL);
    assert(absolute[0] == '/'); // the kernel's own names, never a user's
    i64 result = fs_readable(k);
    if (result < 0) return result;
    struct cred root = cred_of_user(ABI_UID_ROOT);
    struct fs_name name;
    result = fs_walk(k, &root, FS_ROOT_INODE, absolute, FS_WALK_LOOKUP, &name);
    if (result == 0) *out = name.inode;
    return result;
}

i64 fs_read_symlink_at(struct kernel *k, const char *absolute, char out[FS_SYMLINK_BYTES_MAX + 1]) {
    assert(out != NULL);
    struct fs_inode link;
    i64 result = fs_lookup_link_at(k, absolute, &link);
    if (result < 0) return result;
    if (link.type != ABI_TYPE_SYMLINK) return -E_INVAL; // as readlink answers
    return fs_read_symlink(k, &link, out);
}

// The kernel, as root, gives inode (at absolute) its owner, group and mode: one
// attribute change, shown to the observer as a chown on the kernel's authority.
i64 fs_give_as_root(struct kernel *k, const char *absolute, struct fs_inode *inode, u32 uid, u32 gid, u32 mode) {
    assert(absolute[0] == '/');
    assert(inode->inode >= FS_ROOT_INODE);
    struct path path;
    struct cred root = cred_of_user(ABI_UID_ROOT);
    i64 result = path_resolve("/", absolute, &path);
    if (result < 0) return result;
    const struct fs_inode before = *inode;
    const struct fs_change change = {.op = FS_CHANGE_CHOWN, .cred = &root, .path = &path, .target = &before,
                                     .uid = uid, .gid = gid};
    inode->uid = uid;
    inode->gid = gid;
    inode->mode = mode;
    inode->ctime_ns = platform_realtime_ns(k->platform);
    return fs_change_attributes(k, &change, inode);
}

// Opens the file at absolute for writing (and truncates it) on the kernel's authority.
static i64 fs_open_write_as_root(struct kernel *k, const char *absolute, const struct fs_inode *inode) {
    struct path path;
    struct cred root = cred_of_user(ABI_UID_ROOT);
    i64 result = path_resolve("/", absolute, &path);
    if (result < 0) return result;
    const struct fs_change change = {.op = FS_CHANGE_OPEN_WRITE, .cred = &root, .path = &path, .target = inode};
    return fs_file_open_write(k, &change, true, ABI_UID_ROOT);
}

// Resuming an interrupted first boot: a file already written whole (same mode,
// owner and bytes) is left as it is. Checking costs reads only (fs.program_buffer as
// scratch), so each attempt keeps the progress of the last instead of rewriting every
// file under the same risk of power loss (which a larger archive made ever less
// likely to outrun); a rewrite would also grow the log by the whole archive.
static bool fs_file_already(struct kernel *k, const struct fs_inode *inode, u32 mode, const u8 *bytes, u64 count) {
    assert(inode->type == ABI_TYPE_FILE);
    assert(bytes != k->fs.program_buffer);
    if (inode->mode != mode || inode->uid != ABI_UID_ROOT || inode->gid != ABI_UID_ROOT) return false;
    if (inode->size_bytes != count) return false;
    u64 size = 0;
    if (fs_file_read_all(k, inode, k->fs.program_buffer, sizeof k->fs.program_buffer, &size) < 0) return false;
    return size == count && mem_equal(k->fs.program_buffer, bytes, count);
}

i64 fs_write_file_as_root(struct kernel *k, const char *absolute, u32 mode, const u8 *bytes, u64 count) {
    struct fs_inode inode;
    i64 result = fs_create_at(k, absolute, ABI_TYPE_FILE, mode, &inode);
    if (result == -E_EXIST) result = fs_lookup_at(k, absolute, &inode); // resuming: rewrite
    if (result < 0) return result;
    if (inode.type != ABI_TYPE_FILE) return -E_ISDIR;
    if (inode.size_bytes != 0 && fs_file_already(k, &inode, mode, bytes, count)) return 0;
    if (inode.mode != mode || inode.uid != ABI_UID_ROOT || inode.gid != ABI_UID_ROOT) {
        result = fs_give_as_root(k, absolute, &inode, ABI_UID_ROOT, ABI_UID_ROOT, mode);
        if (result < 0) return result;
    }
    i64 index = fs_open_write_as_root(k, absolute, &inode);
    if (index < 0) return index;
    result = fs_file_write(k, (u32)index, ABI_UID_ROOT, 0, bytes, count);
    i64 released = fs_file_release(k, (u32)index);
    return result < 0 ? result : released;
}

static i64 fs_format_and_populate(struct kernel *k, fs_populate_fn *populate) {
    u8 id_bytes[8];
    random_bytes(k, id_bytes, sizeof id_bytes);
    i64 result = graindb_format(&k->fs.db, k->platform, load_u64_le(id_bytes) | 1);
    if (result == 0) result = graindb_open(&k->fs.db, k->platform);
    if (result == 0) result = populate(k);
    return result;
}

// GrainDB's planted-bug sites read db->planted_mask (simulator builds only).
static void fs_plant_bugs(struct kernel *k) {
    k->fs.db.planted_mask = 0;
    for (u32 bug = 0; bug < GRAINDB_BUG_COUNT; bug++) {
        if (planted_bug(k, BUG_GRAINDB_FIRST + bug)) k->fs.db.planted_mask |= 1ull << bug;
    }
}

// fsck at mount (boot argument fs.verify=1): says "clean" or names the problems.
static void fs_verify(struct kernel *k) {
    struct graindb_verify_report report;
    i64 result = graindb_verify(&k->fs.db, &report);
    if (result == 0 && report.problems_count == 0) {
        klog(k, LOG_INFO, "filesystem: verify: clean (%llu commits, %llu objects, %llu refs)",
             (unsigned long long)report.commits, (unsigned long long)report.objects,
             (unsigned long long)report.refs_checked);
        return;
    }
    klog(k, LOG_ERROR, "filesystem: verify: %u problems (error %lld)", report.problems_count, (long long)-result);
    for (u32 i = 0; i < report.problems_count && i < GRAINDB_VERIFY_PROBLEMS_KEPT; i++) {
        const struct graindb_problem *problem = &report.problems[i];
        klog(k, LOG_ERROR, "filesystem: verify: at %llu: %s (error %lld)", (unsigned long long)problem->position,
             problem->what != NULL ? problem->what : "?", (long long)-problem->error);
    }
}

void fs_mount(struct kernel *k, fs_populate_fn *populate) {
    assert(populate != NULL);
    struct fs *fs = &k->fs;
    fs->state = FS_NO_DISK;
    fs_files_reset(k);
    if (platform_block_sector_count(k->platform) == 0) {
        klog(k, LOG_INFO, "filesystem: no disk; running from the initial archive only");
        return;
    }
    fs->state = FS_MOUNTED;
    fs_plant_bugs(k);
    fs->db.checkpoint_interval_bytes = k->fs_checkpoint_interval_bytes;
    i64 result = graindb_open(&fs->db, k->platform);
    bool opened = result != -E_NOENT; // open_stats describe a refusal only when open refused
    fs->usage_valid = false; // derived from the disk when first needed (fs_usage.c)
    if (result == -E_NOENT) {
        result = fs_format_and_populate(k, populate);
    } else if (result == 0 && !fs_is_ready(k)) {
        klog(k, LOG_WARN, "filesystem: the first boot was interrupted; completing it");
        fs_find_inode_next(k);
        result = populate(k);
    } else if (result == 0) {
        fs_find_inode_next(k);
        const struct graindb_open_stats *stats = &fs->db.open_stats;
        klog(k, LOG_INFO, "filesystem: mounted at commit %llu (replayed %llu commits%s%s)",
             (unsigned long long)graindb_commit_seq(&fs->db), (unsigned long long)stats->replayed_commits,
             !stats->checkpoint_damaged ? ""
             : stats->checkpoint_unnamed ? ", the checkpoint was damaged: replayed from the zone's start, no room for a new one"
                                         : ", the checkpoint was damaged: replayed from the zone's start",
             stats->repaired ? ", repaired" : "");
    }
    struct graindb_space space;
    graindb_space(&fs->db, &space);
    fs->compactions_seen = space.compactions;
    if (result == 0 && k->fs_verify_at_mount) fs_verify(k);
    u8 root[GRAINDB_HASH_BYTES];
    mem_set(root, 0, sizeof root);
    if (result == 0) graindb_merkle_root(&fs->db, root);
    fs->mount_error = result < 0 ? result : 0; // set before the event: the simulator reads it
    observe_trace(k->platform, TRACE_FS_MOUNT, result == 0 ? FS_MOUNTED : FS_REFUSED,
                  result == 0 ? graindb_commit_seq(&fs->db) : 0, load_u64_le(root));
    if (result < 0) {
        const char *problem = opened ? fs->db.open_stats.problem : NULL;
        klog(k, LOG_ERROR, "filesystem: refusing the disk (error %lld%s%s); files unavailable",
             (long long)-result, problem != NULL ? ": " : "", problem != NULL ? problem : "");
        fs->state = FS_REFUSED;
    }
}
