// rename: one atomic batch, decided in the order of Linux's do_renameat2 and
// vfs_rename (fs/namei.c): ".", ".." or "/" on either side (E_BUSY), a missing source
// (E_NOENT), a trailing slash on a non-directory (E_NOTDIR), a directory into itself
// (E_INVAL), onto one of its ancestors (E_NOTEMPTY), the same file (0, nothing done),
// then the access (may_delete / may_create: E_ACCES, E_PERM for sticky), the types
// (E_NOTDIR / E_ISDIR), w on a directory that changes parent, and last a target
// directory that is not empty (E_NOTEMPTY).
#include "kernel/bugs.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/fs/internal.h"

// The checks that need no permission (do_renameat2 before vfs_rename).
static i64 rename_check_names(struct kernel *k, const struct fs_name *from, const struct fs_name *to) {
    assert(from != NULL);
    assert(to != NULL);
    if (from->last != FS_LAST_NAME || to->last != FS_LAST_NAME) return -E_BUSY;
    if (!from->exists) return -E_NOENT;
    bool is_dir = from->inode.type == ABI_TYPE_DIRECTORY;
    if (!is_dir && (from->trailing_slash || to->trailing_slash)) return -E_NOTDIR;
    if (from->dir.inode == to->dir.inode) return 0;
    bool inside = false;
    i64 result = is_dir ? fs_is_ancestor(k, from->inode.inode, to->dir.inode, &inside) : 0;
    if (result < 0) return result;
    if (inside) return -E_INVAL;
    if (!to->exists || to->inode.type != ABI_TYPE_DIRECTORY) return 0;
    result = fs_is_ancestor(k, to->inode.inode, from->dir.inode, &inside);
    if (result < 0) return result;
    return inside ? -E_NOTEMPTY : 0;
}

// vfs_rename's checks, after the source and target are known to differ.
static i64 rename_check_access(struct kernel *k, const struct cred *cred, const struct fs_name *from,
                               const struct fs_name *to) {
    // rename_check_names passed: two names, the source exists and is not the target.
    assert(from->last == FS_LAST_NAME);
    assert(to->last == FS_LAST_NAME);
    assert(from->exists);
    if (to->exists) assert(to->inode.inode != from->inode.inode);
    bool is_dir = from->inode.type == ABI_TYPE_DIRECTORY;
    i64 result = fs_check_unlink_access(k, cred, &from->dir, &from->inode);
    if (result < 0) return result;
    if (!to->exists) {
        result = cred_permission(cred, &to->dir, PERM_WRITE);
    } else {
        result = fs_check_unlink_access(k, cred, &to->dir, &to->inode);
        bool target_dir = to->inode.type == ABI_TYPE_DIRECTORY;
        if (result == 0 && is_dir && !target_dir) result = -E_NOTDIR;
        if (result == 0 && !is_dir && target_dir) result = -E_ISDIR;
    }
    if (result < 0) return result;
    // A directory that changes parent rewrites its ".." link: w on itself.
    if (is_dir && from->dir.inode != to->dir.inode) {
        result = cred_permission(cred, &from->inode, PERM_WRITE);
        if (result < 0) return result;
    }
    if (!to->exists || to->inode.type != ABI_TYPE_DIRECTORY) return 0;
    bool empty = false;
    result = fs_directory_is_empty(k, &to->inode, &empty);
    if (result < 0) return result;
    return empty ? 0 : -E_NOTEMPTY;
}

// The replaced target loses this name: a directory (empty) or a file's last name
// goes, else its link count drops. Inside the open batch.
static i64 rename_stage_replaced(struct kernel *k, struct fs_inode *target, bool *gone) {
    assert(target->nlink > 0);
    *gone = target->type == ABI_TYPE_DIRECTORY || target->nlink <= 1;
    if (*gone) return fs_delete_inode(k, target->inode);
    target->nlink--;
    assert(target->nlink > 0); // a file keeps its other names
    target->ctime_ns = platform_realtime_ns(k->platform);
    return fs_stage_inode(k, target);
}

// In to's directory (decoded in fs->entries): the target's name goes, the source's
// comes. Link counts of directories follow their subdirectories.
static i64 rename_into(struct kernel *k, struct fs_name *to, const struct fs_inode *source, struct fs_inode *dir,
                       u32 maker_uid, bool *gone) {
    assert(dir->type == ABI_TYPE_DIRECTORY);
    assert(source->inode != dir->inode); // rename_check_names refused a directory into itself
    bool found = false;
    u32 at = fs_entry_find(&k->fs, to->name, &found);
    assert(found == to->exists);
    i64 result = 0;
    if (found) {
        fs_entry_remove(&k->fs, at);
        if (to->inode.type == ABI_TYPE_DIRECTORY) dir->nlink--;
        result = rename_stage_replaced(k, &to->inode, gone);
        if (result < 0) return result;
    }
    if (source->type == ABI_TYPE_DIRECTORY) dir->nlink++;
    result = fs_entry_insert(&k->fs, at, source->inode, source->type, maker_uid, to->name);
    return result < 0 ? result : fs_stage_directory(k, dir);
}

// Stages every change of the rename inside an open batch.
static i64 rename_stage(struct kernel *k, struct fs_name *from, struct fs_name *to, u32 maker_uid, bool *gone) {
    struct fs_inode source = from->inode;
    assert(from->exists);
    assert(from->last == FS_LAST_NAME);
    bool same_dir = from->dir.inode == to->dir.inode;
    i64 result = fs_read_directory(k, &from->dir);
    if (result < 0) return result;
    bool found = false;
    u32 at = fs_entry_find(&k->fs, from->name, &found);
    assert(found);
    fs_entry_remove(&k->fs, at);
    if (same_dir) {
        if (source.type == ABI_TYPE_DIRECTORY) from->dir.nlink--; // rename_into adds it back
        result = rename_into(k, to, &source, &from->dir, maker_uid, gone);
    } else {
        if (source.type == ABI_TYPE_DIRECTORY) from->dir.nlink--;
        result = fs_stage_directory(k, &from->dir);
        if (result == 0) result = fs_read_directory(k, &to->dir);
        if (result == 0) result = rename_into(k, to, &source, &to->dir, maker_uid, gone);
    }
    if (result < 0) return result;
    if (source.type == ABI_TYPE_DIRECTORY && !planted_bug(k, BUG_FS_RENAME_KEEPS_PARENT)) {
        source.parent = to->dir.inode;
    }
    source.ctime_ns = platform_realtime_ns(k->platform); // as ext4 does
    from->inode = source;
    return fs_stage_inode(k, &source);
}

i64 fs_rename_names(struct kernel *k, const struct cred *cred, struct fs_name *from, struct fs_name *to) {
    assert(cred != NULL);
    assert(from != NULL);
    assert(to != NULL);
    i64 result = rename_check_names(k, from, to);
    if (result < 0) return result;
    assert(from->exists);

    if (to->exists && to->inode.inode == from->inode.inode) return 0; // already that name
    result = fs_usable(k);
    if (result == 0) result = rename_check_access(k, cred, from, to);
    // A new name in another directory counts against the caller's share there.
    bool new_name = !to->exists && from->dir.inode != to->dir.inode;
    if (result == 0 && new_name) result = fs_read_directory(k, &to->dir);
    if (result == 0 && new_name) result = fs_usage_allow_entry(k, cred, &to->dir);
    if (result < 0) return result;
    const struct fs_change changes[FS_CHANGES_PER_BATCH_MAX] = {
        {.op = FS_CHANGE_RENAME_FROM, .cred = cred, .path = &from->path, .dir = &from->dir, .target = &from->inode},
        {.op = FS_CHANGE_RENAME_TO, .cred = cred, .path = &to->path, .dir = &to->dir,
         .target = to->exists ? &to->inode : NULL},
    };
    result = fs_change_begin(k, changes, FS_CHANGES_PER_BATCH_MAX);
    if (result < 0) return result;
    bool gone = false;
    result = rename_stage(k, from, to, cred->euid, &gone);
    if (result == 0) result = fs_commit(k);
    // -E_2BIG: the two directories' new objects outgrow one batch (both nearly full of
    // long names), and nothing was written; to the caller, as to Linux's, a directory
    // without room for the name.
    if (result < 0) { fs_batch_abort(k, result); return result == -E_2BIG ? -E_NOSPC : result; }
    fs_inode_attributes_to_open(k, &from->inode);
    // The replaced inode's charge goes back to its owner (not with the planted bug).
    if (to->exists && gone && !planted_bug(k, BUG_USAGE_REPLACED_KEPT)) fs_usage_gone(k, &to->inode);
    if (to->exists && gone) fs_mark_unlinked(k, to->inode.inode);
    else if (to->exists) fs_inode_attributes_to_open(k, &to->inode);
    if (to->exists && gone && to->inode.type == ABI_TYPE_DIRECTORY) fs_forget_cwd(k, to->inode.inode);
    return 0;
}
