// Names: lookup, create, remove and rename, each change one atomic GrainDB batch.
#include "bugs.h"
#include "kernel.h"
#include "trace_events.h"
#include "mem.h"

// Every object the filesystem stores or reads is traced with a fingerprint of its
// bytes, so the simulator can prove that no read returns bytes never written.
i64 fs_put_object(struct kernel *k, const u8 *bytes, u32 size_bytes, u8 hash[GRAINDB_HASH_BYTES]) {
    i64 result = graindb_batch_put_object(&k->fs.db, bytes, size_bytes, hash);
    if (result == 0) {
        platform_trace(k->platform, TRACE_FS_OBJECT_WRITE, load_u64_le(hash),
                       bytes_digest(bytes, size_bytes), size_bytes);
    }
    return result;
}

i64 fs_get_object(struct kernel *k, const u8 hash[GRAINDB_HASH_BYTES], u8 *buffer, u32 capacity,
                  u32 *size_out) {
    i64 result = graindb_get(&k->fs.db, hash, buffer, capacity, size_out);
    if (result < 0 && result != -E_NOENT && planted_bug(k, BUG_FS_READ_ERROR_AS_DATA)) {
        *size_out = 0;
        result = 0;
    }
    if (result == 0) {
        platform_trace(k->platform, TRACE_FS_OBJECT_READ, load_u64_le(hash),
                       bytes_digest(buffer, *size_out), *size_out);
    }
    return result;
}

i64 fs_read_inode(struct kernel *k, u64 inode, struct fs_inode *out) {
    u8 key[FS_KEY_LEN_MAX];
    u32 key_len = 0;
    fs_inode_key(inode, key, &key_len);
    struct graindb_ref_info info;
    i64 result = graindb_ref_get(&k->fs.db, key, key_len, &info);
    if (result < 0) return result;
    if (info.deleted) return -E_NOENT;
    u8 bytes[FS_INODE_RECORD_BYTES];
    u32 size = 0;
    result = fs_get_object(k, info.object_hash, bytes, sizeof bytes, &size);
    if (result < 0) return result == -E_2BIG ? -E_BADMSG : result;
    result = fs_inode_decode(bytes, size, out);
    if (result == 0 && out->inode != inode) result = -E_BADMSG;
    out->version = info.commit_seq;
    return result;
}

i64 fs_stage_inode(struct kernel *k, const struct fs_inode *inode) {
    u8 bytes[FS_INODE_RECORD_BYTES];
    u32 size = fs_inode_encode(inode, bytes);
    u8 hash[GRAINDB_HASH_BYTES];
    i64 result = fs_put_object(k, bytes, size, hash);
    if (result < 0) return result;
    u8 key[FS_KEY_LEN_MAX];
    u32 key_len = 0;
    fs_inode_key(inode->inode, key, &key_len);
    return graindb_batch_set_ref(&k->fs.db, key, key_len, hash);
}

// Traced before (the commit may not survive a crash) and after (acknowledged).
i64 fs_commit(struct kernel *k) {
    struct graindb *db = &k->fs.db;
    platform_trace(k->platform, TRACE_DB_COMMIT_START, graindb_commit_seq(db) + 1, 0, 0);
    i64 result = graindb_batch_commit(db, NULL);
    u8 root[GRAINDB_HASH_BYTES];
    graindb_merkle_root(db, root);
    platform_trace(k->platform, TRACE_DB_COMMIT, graindb_commit_seq(db), load_u64_le(root), (u64)result);
    if (result == 0) k->fs.commits++;
    else klog(k, LOG_WARN, "filesystem commit failed: error %lld", (long long)-result);
    return result;
}

i64 fs_read_directory(struct kernel *k, const struct fs_inode *dir) {
    struct fs *fs = &k->fs;
    assert(dir->type == ABI_TYPE_DIRECTORY);
    fs->entries_count = 0;
    if (dir->chunk_count == 0) return 0;
    u32 size = 0;
    i64 result = fs_get_object(k, dir->chunks[0], fs->object_buffer, GRAINDB_OBJECT_BYTES_MAX, &size);
    if (result < 0) return result;
    return fs_directory_decode(fs, fs->object_buffer, size);
}

// Encodes fs->entries as dir's new content and stages both (inside an open batch).
static i64 fs_stage_directory(struct kernel *k, struct fs_inode *dir) {
    struct fs *fs = &k->fs;
    i64 size = fs_directory_encode(fs);
    if (size < 0) return size;
    i64 result = fs_put_object(k, fs->object_buffer, (u32)size, dir->chunks[0]);
    if (result < 0) return result;
    dir->chunk_count = 1;
    dir->size_bytes = 0;
    dir->mtime_ns = platform_realtime_ns(k->platform);
    return fs_stage_inode(k, dir);
}

// Index of name in fs->entries, or where it would go (sorted), with *found.
u32 fs_entry_find(const struct fs *fs, const char *name, bool *found) {
    u32 at = 0;
    *found = false;
    for (; at < fs->entries_count; at++) {
        i32 order = 0;
        const char *a = fs->entries[at].name;
        u32 i = 0;
        while (a[i] != '\0' && a[i] == name[i]) i++;
        order = (i32)(u8)a[i] - (i32)(u8)name[i];
        if (order == 0) { *found = true; return at; }
        if (order > 0) return at;
    }
    return at;
}

static void fs_entry_remove(struct fs *fs, u32 at) {
    assert(at < fs->entries_count);
    for (u32 i = at; i + 1 < fs->entries_count; i++) fs->entries[i] = fs->entries[i + 1];
    fs->entries_count--;
}

static i64 fs_entry_insert(struct fs *fs, u32 at, u64 inode, u32 type, u32 maker_uid, const char *name) {
    if (fs->entries_count >= FS_DIR_ENTRIES_MAX) return -E_NOSPC;
    assert(at <= fs->entries_count);
    for (u32 i = fs->entries_count; i > at; i--) fs->entries[i] = fs->entries[i - 1];
    struct fs_dirent *e = &fs->entries[at];
    e->inode = inode;
    e->type = type;
    e->maker_uid = maker_uid;
    e->name_len = (u32)str_len_bounded(name, NAME_LEN_MAX + 1);
    assert(e->name_len > 0 && e->name_len <= NAME_LEN_MAX);
    str_copy(e->name, sizeof e->name, name);
    fs->entries_count++;
    return 0;
}

// Walks `count` components of path from the root; each directory passed needs x.
static i64 fs_walk(struct kernel *k, const struct cred *cred, const struct path *path, u32 count,
                   struct fs_inode *out) {
    assert(count <= path->count);
    assert(cred != NULL);
    i64 result = fs_read_inode(k, FS_ROOT_INODE, out);
    for (u32 i = 0; i < count && result == 0; i++) {
        if (out->type != ABI_TYPE_DIRECTORY) return -E_NOTDIR;
        result = cred_permission(cred, out, PERM_EXECUTE);
        if (result < 0) return result;
        result = fs_read_directory(k, out);
        if (result < 0) return result;
        bool found = false;
        u32 at = fs_entry_find(&k->fs, path->names[i], &found);
        if (!found) return -E_NOENT;
        result = fs_read_inode(k, k->fs.entries[at].inode, out);
    }
    return result;
}

i64 fs_lookup(struct kernel *k, const struct cred *cred, const struct path *path, struct fs_inode *out) {
    i64 usable = fs_readable(k);
    if (usable < 0) return usable;
    return fs_walk(k, cred, path, path->count, out);
}

// The parent directory of path, decoded into fs->entries; *at/*found for the name.
// Looking the name up needs x on the parent; changing it (the caller's check, after
// the name's existence decided EEXIST or ENOENT, as Unix orders them) needs w too.
static i64 fs_parent(struct kernel *k, const struct cred *cred, const struct path *path,
                     struct fs_inode *parent, u32 *at, bool *found) {
    i64 usable = fs_usable(k);
    if (usable < 0) return usable;
    if (path->count == 0) return -E_INVAL; // the root has no name to change
    i64 result = fs_walk(k, cred, path, path->count - 1, parent);
    if (result < 0) return result;
    if (parent->type != ABI_TYPE_DIRECTORY) return -E_NOTDIR;
    result = cred_permission(cred, parent, PERM_EXECUTE);
    if (result < 0) return result;
    result = fs_read_directory(k, parent);
    if (result < 0) return result;
    *at = fs_entry_find(&k->fs, path->names[path->count - 1], found);
    return 0;
}

i64 fs_create(struct kernel *k, const struct cred *cred, const struct path *path, u32 type, u32 mode,
              struct fs_inode *out) {
    struct fs_inode parent;
    u32 at = 0;
    bool found = false;
    i64 result = fs_parent(k, cred, path, &parent, &at, &found);
    if (result < 0) return result;
    if (found) return -E_EXIST;
    result = cred_permission(cred, &parent, PERM_WRITE);
    if (result == 0) result = fs_usage_allow_entry(k, cred, &parent);
    if (result == 0) result = fs_usage_allow(k, cred->euid, cred->euid, 1, fs_cost_bytes(type, 0));
    if (result < 0) return result;
    fs_audit_change(k, &(struct fs_change){.op = FS_CHANGE_CREATE, .cred = cred, .path = path, .dir = &parent});
    struct fs *fs = &k->fs;
    mem_set(out, 0, sizeof *out);
    out->inode = fs->inode_next;
    out->parent = type == ABI_TYPE_DIRECTORY ? parent.inode : 0;
    out->type = type;
    out->mode = mode & 07777;
    out->uid = cred->euid;
    out->gid = cred->egid;
    out->mtime_ns = platform_realtime_ns(k->platform);
    result = fs_entry_insert(fs, at, out->inode, type, cred->euid, path->names[path->count - 1]);
    if (result < 0) return result;
    result = graindb_batch_begin(&fs->db);
    if (result < 0) return result;
    result = fs_stage_inode(k, out);
    if (result == 0) result = fs_stage_directory(k, &parent);
    if (result == 0) result = fs_commit(k);
    if (result < 0) { graindb_batch_abort(&fs->db); return result; }
    fs->inode_next++;
    fs_usage_charge(k, out->uid, 1, (i64)fs_cost_bytes(type, 0));
    return 0;
}

static i64 fs_directory_is_empty(struct kernel *k, const struct fs_inode *dir, bool *empty) {
    if (dir->chunk_count == 0) { *empty = true; return 0; }
    // fs->entries holds the parent's directory: decode the child's on the side.
    u32 size = 0;
    i64 result = fs_get_object(k, dir->chunks[0], k->fs.object_buffer, GRAINDB_OBJECT_BYTES_MAX, &size);
    if (result < 0) return result;
    i64 count = fs_directory_count(k->fs.object_buffer, size);
    if (count < 0) return count;
    *empty = count == 0;
    return 0;
}

static i64 fs_delete_inode(struct kernel *k, u64 inode) {
    u8 key[FS_KEY_LEN_MAX];
    u32 key_len = 0;
    fs_inode_key(inode, key, &key_len);
    return graindb_batch_delete_ref(&k->fs.db, key, key_len);
}

// The planted bug usage-replaced-kept: the replaced inode is forgotten, its charge not.
static void fs_mark_unlinked_keep_charge(struct kernel *k, const struct fs_inode *inode) {
    for (u32 i = 0; i < FS_OPEN_FILES_MAX; i++) {
        struct fs_open_file *file = &k->fs.files[i];
        if (file->references > 0 && file->meta.inode == inode->inode) file->unlinked = true;
    }
}

// Only once the removal is committed: open copies of the inode then never commit
// again (before, a failed unlink would make their fsync skip the write yet return 0),
// and its owner gets back what it was charged (the size in memory, if open).
static void fs_mark_unlinked(struct kernel *k, const struct fs_inode *inode) {
    u64 size_bytes = inode->size_bytes;
    u32 open = fs_file_find(k, inode->inode);
    if (open < FS_OPEN_FILES_MAX) size_bytes = k->fs.files[open].meta.size_bytes;
    fs_usage_charge(k, inode->uid, -1, -(i64)fs_cost_bytes(inode->type, size_bytes));
    for (u32 i = 0; i < FS_OPEN_FILES_MAX; i++) {
        struct fs_open_file *file = &k->fs.files[i];
        if (file->references > 0 && file->meta.inode == inode->inode) file->unlinked = true;
    }
}

// A removable child: right type, and an empty directory. Checks before any staging.
static i64 fs_check_removable(struct kernel *k, const struct fs_inode *child, u32 type) {
    if (type == ABI_TYPE_DIRECTORY && child->type != ABI_TYPE_DIRECTORY) return -E_NOTDIR;
    if (type == ABI_TYPE_FILE && child->type == ABI_TYPE_DIRECTORY) return -E_ISDIR;
    if (child->type != ABI_TYPE_DIRECTORY) return 0;
    bool empty = false;
    i64 result = fs_directory_is_empty(k, child, &empty);
    if (result < 0) return result;
    return empty ? 0 : -E_NOTEMPTY;
}

// Removing or replacing `child` in `parent`: w on the parent, and in a sticky
// directory (/tmp) only the child's or the directory's owner (or root) may.
static i64 fs_check_unlink_access(struct kernel *k, const struct cred *cred, const struct fs_inode *parent,
                                  const struct fs_inode *child) {
    i64 result = cred_permission(cred, parent, PERM_WRITE);
    if (result < 0) return result;
    if ((parent->mode & MODE_STICKY) == 0 || cred->euid == ABI_UID_ROOT) return 0;
    if (planted_bug(k, BUG_STICKY_DIR_IGNORED)) return 0;
    return cred->euid == child->uid || cred->euid == parent->uid ? 0 : -E_PERM;
}

i64 fs_remove(struct kernel *k, const struct cred *cred, const struct path *path, u32 type) {
    struct fs_inode parent, child;
    u32 at = 0;
    bool found = false;
    i64 result = fs_parent(k, cred, path, &parent, &at, &found);
    if (result < 0) return result == -E_INVAL ? -E_PERM : result; // the root stays
    if (!found) return -E_NOENT;
    u64 child_inode = k->fs.entries[at].inode;
    result = fs_read_inode(k, child_inode, &child);
    if (result == 0) result = fs_check_unlink_access(k, cred, &parent, &child);
    if (result == 0) result = fs_check_removable(k, &child, type);
    if (result < 0) return result;
    fs_audit_change(k, &(struct fs_change){.op = FS_CHANGE_REMOVE, .cred = cred, .path = path, .dir = &parent,
                                           .target = &child});
    result = fs_read_directory(k, &parent); // fs->entries again (the check reused the buffer)
    if (result < 0) return result;
    at = fs_entry_find(&k->fs, path->names[path->count - 1], &found);
    assert(found);
    if (!planted_bug(k, BUG_FS_REMOVE_KEEPS_ENTRY)) fs_entry_remove(&k->fs, at);
    result = graindb_batch_begin(&k->fs.db);
    if (result < 0) return result;
    result = fs_delete_inode(k, child_inode);
    if (result == 0) result = fs_stage_directory(k, &parent);
    if (result == 0) result = fs_commit(k);
    if (result < 0) graindb_batch_abort(&k->fs.db);
    else fs_mark_unlinked(k, &child);
    return result;
}

// Whether `inner` lies inside (or is) `outer`: a directory cannot move into itself.
static bool path_within(const struct path *inner, const struct path *outer) {
    if (inner->count < outer->count) return false;
    for (u32 i = 0; i < outer->count; i++) {
        if (!str_equal(inner->names[i], outer->names[i])) return false;
    }
    return true;
}

// The target of a rename, if one exists, must be replaceable by the source.
static i64 fs_check_replace(struct kernel *k, const struct fs_inode *source, u64 target_inode,
                            struct fs_inode *target) {
    i64 result = fs_read_inode(k, target_inode, target);
    if (result < 0) return result;
    if (source->type == ABI_TYPE_DIRECTORY && target->type != ABI_TYPE_DIRECTORY) return -E_NOTDIR;
    return fs_check_removable(k, target, source->type);
}

// Stages the directory changes of a rename inside an open batch.
static i64 fs_rename_stage(struct kernel *k, const struct cred *cred, const struct path *from,
                           const struct path *to, struct fs_inode *source, u64 *replaced) {
    struct fs_inode from_parent, to_parent;
    u32 at = 0;
    bool found = false;
    i64 result = fs_parent(k, cred, from, &from_parent, &at, &found);
    if (result < 0) return result;
    assert(found);
    fs_entry_remove(&k->fs, at);
    bool same_parent = false;
    if (from->count == to->count) {
        same_parent = true;
        for (u32 i = 0; i + 1 < from->count; i++) same_parent = same_parent && str_equal(from->names[i], to->names[i]);
    }
    if (!same_parent) {
        result = fs_stage_directory(k, &from_parent);
        if (result == 0) result = fs_parent(k, cred, to, &to_parent, &at, &found);
        if (result < 0) return result;
    } else {
        to_parent = from_parent;
        at = fs_entry_find(&k->fs, to->names[to->count - 1], &found);
    }
    if (found) {
        *replaced = k->fs.entries[at].inode;
        result = fs_delete_inode(k, *replaced);
        if (result < 0) return result;
        fs_entry_remove(&k->fs, at);
    }
    result = fs_entry_insert(&k->fs, at, source->inode, source->type, cred->euid, to->names[to->count - 1]);
    if (result == 0) result = fs_stage_directory(k, &to_parent);
    if (result == 0 && source->type == ABI_TYPE_DIRECTORY && source->parent != to_parent.inode &&
        !planted_bug(k, BUG_FS_RENAME_KEEPS_PARENT)) {
        source->parent = to_parent.inode;
        result = fs_stage_inode(k, source);
    }
    return result;
}

// Access for a rename: the source's name may go (w on its directory, sticky), the
// target's may be made or replaced, and a directory changing parent needs w on
// itself (its parent link changes), as Unix asks.
static i64 fs_rename_access(struct kernel *k, const struct cred *cred, const struct path *from,
                            const struct path *to, const struct fs_inode *source) {
    struct fs_inode from_parent, to_parent, target;
    u32 at = 0;
    bool found = false;
    i64 result = fs_parent(k, cred, from, &from_parent, &at, &found);
    if (result == 0) result = fs_check_unlink_access(k, cred, &from_parent, source);
    if (result == 0) result = fs_parent(k, cred, to, &to_parent, &at, &found);
    if (result < 0) return result;
    if (found) {
        result = fs_read_inode(k, k->fs.entries[at].inode, &target);
        if (result == 0) result = fs_check_unlink_access(k, cred, &to_parent, &target);
    } else {
        result = cred_permission(cred, &to_parent, PERM_WRITE);
        if (result == 0) result = fs_usage_allow_entry(k, cred, &to_parent); // a new name there
    }
    if (result == 0 && source->type == ABI_TYPE_DIRECTORY && from_parent.inode != to_parent.inode) {
        result = cred_permission(cred, source, PERM_WRITE);
    }
    if (result < 0) return result;
    fs_audit_change(k, &(struct fs_change){.op = FS_CHANGE_RENAME_FROM, .cred = cred, .path = from,
                                           .dir = &from_parent, .target = source});
    fs_audit_change(k, &(struct fs_change){.op = FS_CHANGE_RENAME_TO, .cred = cred, .path = to,
                                           .dir = &to_parent, .target = found ? &target : NULL});
    return 0;
}

i64 fs_rename(struct kernel *k, const struct cred *cred, const struct path *from, const struct path *to) {
    struct fs_inode source, target_parent;
    i64 result = fs_lookup(k, cred, from, &source);
    if (result < 0) return result;
    if (from->count == 0 || to->count == 0) return -E_INVAL;
    if (path_within(to, from)) return path_within(from, to) ? 0 : -E_INVAL;
    u32 at = 0;
    bool found = false;
    result = fs_parent(k, cred, to, &target_parent, &at, &found);
    if (result < 0) return result;
    struct fs_inode target;
    if (found) {
        u64 target_inode = k->fs.entries[at].inode;
        if (target_inode == source.inode) return 0; // already that name
        result = fs_check_replace(k, &source, target_inode, &target);
        if (result < 0) return result;
    }
    result = fs_rename_access(k, cred, from, to, &source);
    if (result < 0) return result;
    result = graindb_batch_begin(&k->fs.db);
    if (result < 0) return result;
    u64 replaced = 0;
    result = fs_rename_stage(k, cred, from, to, &source, &replaced);
    if (result == 0) result = fs_commit(k);
    if (result < 0) graindb_batch_abort(&k->fs.db);
    else if (replaced != 0 && planted_bug(k, BUG_USAGE_REPLACED_KEPT)) fs_mark_unlinked_keep_charge(k, &target);
    else if (replaced != 0) fs_mark_unlinked(k, &target);
    assert(replaced == 0 || (found && replaced == target.inode));
    return result;
}

// A new owner takes over what the inode is charged (its size in memory, if open).
static void fs_usage_move(struct kernel *k, const struct fs_inode *before, u32 uid) {
    if (before->uid == uid) return;
    u64 size_bytes = before->size_bytes;
    u32 open = fs_file_find(k, before->inode);
    if (open < FS_OPEN_FILES_MAX) size_bytes = k->fs.files[open].meta.size_bytes;
    i64 cost = (i64)fs_cost_bytes(before->type, size_bytes);
    fs_usage_charge(k, before->uid, -1, -cost);
    fs_usage_charge(k, uid, 1, cost);
}

i64 fs_change_attributes(struct kernel *k, const struct fs_inode *inode) {
    i64 usable = fs_usable(k);
    if (usable < 0) return usable;
    assert(inode->inode >= FS_ROOT_INODE);
    struct fs_inode before;
    i64 result = fs_read_inode(k, inode->inode, &before);
    if (result < 0) return result;
    result = graindb_batch_begin(&k->fs.db);
    if (result < 0) return result;
    result = fs_stage_inode(k, inode);
    if (result == 0) result = fs_commit(k);
    if (result < 0) { graindb_batch_abort(&k->fs.db); return result; }
    fs_usage_move(k, &before, inode->uid);
    // An open copy commits its whole record later: it must carry the new attributes.
    for (u32 i = 0; i < FS_OPEN_FILES_MAX; i++) {
        struct fs_open_file *file = &k->fs.files[i];
        if (file->references == 0 || file->meta.inode != inode->inode || file->unlinked) continue;
        file->meta.mode = inode->mode;
        file->meta.uid = inode->uid;
        file->meta.gid = inode->gid;
    }
    return 0;
}
