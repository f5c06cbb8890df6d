// Names: create, remove and link, each change one atomic GrainDB batch, checked in
// the order Linux's fs/namei.c decides (filename_create, may_create, may_delete,
// do_unlinkat, do_rmdir, do_linkat).
#include "kernel/bugs.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/fs/internal.h"

// Linux's inode_init_owner: the caller's fsuid owns it; in a setgid directory the
// group is the directory's, a new directory inherits the setgid bit, and a file
// keeps a setgid bit with group x only if the caller is in that group.
static void create_owner(const struct cred *cred, const struct fs_inode *dir, struct fs_inode *out) {
    assert(cred != NULL);
    assert((out->mode & ~MODE_BITS_ALL) == 0); // create_inode kept the mode bits only
    out->uid = cred->euid;
    out->gid = cred->egid;
    if ((dir->mode & ABI_MODE_SETGID) == 0) return;
    out->gid = dir->gid;
    if (out->type == ABI_TYPE_DIRECTORY) {
        out->mode |= ABI_MODE_SETGID;
    } else if (mode_setgid_executable(out->mode) && cred->euid != ABI_UID_ROOT &&
               !cred_in_group(cred, out->gid)) {
        out->mode &= ~(u32)ABI_MODE_SETGID;
    }
}

// The new inode's record; a symlink's target is staged as its one chunk.
static i64 create_inode(struct kernel *k, const struct cred *cred, const struct fs_name *name, u32 type, u32 mode,
                        const char *content, u64 number, struct fs_inode *out) {
    assert(number > FS_ROOT_INODE); // fs_inode_allocate never gives the root's
    assert(number < FS_INODES_MAX);
    mem_set(out, 0, sizeof *out);
    out->inode = number;
    out->parent = type == ABI_TYPE_DIRECTORY ? name->dir.inode : 0;
    out->type = type;
    out->mode = mode & MODE_BITS_ALL;
    out->nlink = type == ABI_TYPE_DIRECTORY ? 2 : 1;
    create_owner(cred, &name->dir, out);
    assert(out->uid == cred->euid); // whatever the directory, the creator owns it
    out->atime_ns = out->mtime_ns = out->ctime_ns = platform_realtime_ns(k->platform);
    if (type != ABI_TYPE_SYMLINK) return 0;
    u64 length = str_len_bounded(content, FS_SYMLINK_BYTES_MAX + 1);
    assert(length > 0);
    assert(length <= FS_SYMLINK_BYTES_MAX);
    out->size_bytes = length;
    out->chunk_count = 1;
    return fs_put_object(k, (const u8 *)content, (u32)length, out->chunks[0]);
}

i64 fs_create_name(struct kernel *k, const struct cred *cred, struct fs_name *name, u32 type, u32 mode,
                   const char *content, struct fs_inode *out) {
    assert(cred != NULL);
    assert(name->last == FS_LAST_NAME);
    assert(!name->exists);
    // The kernel creates only these three kinds of inode.
    bool type_known = type == ABI_TYPE_FILE || type == ABI_TYPE_DIRECTORY || type == ABI_TYPE_SYMLINK;
    assert(type_known);
    u64 size_bytes = type == ABI_TYPE_SYMLINK ? str_len_bounded(content, FS_SYMLINK_BYTES_MAX + 1) : 0;
    i64 result = fs_usable(k);
    if (result == 0) result = cred_permission(cred, &name->dir, PERM_WRITE);
    if (result == 0) result = fs_read_directory(k, &name->dir);
    // The shares (limits.h): the caller's names in a directory it does not own, its
    // inodes and its disk; the new inode is the caller's.
    if (result == 0) result = fs_usage_allow_entry(k, cred, &name->dir);
    if (result == 0) result = fs_usage_allow(k, cred->euid, cred->euid, 1, fs_cost_bytes(type, size_bytes));
    if (result < 0) return result;
    struct fs *fs = &k->fs;
    bool found = false;
    u32 at = fs_entry_find(fs, name->name, &found);
    assert(!found);
    u64 number = 0;
    result = fs_inode_allocate(k, &number);
    if (result == 0) result = fs_entry_insert(fs, at, number, type, cred->euid, name->name);
    if (result < 0) return result;
    const struct fs_change change = {.op = FS_CHANGE_CREATE, .cred = cred, .path = &name->path, .dir = &name->dir};
    result = fs_change_begin(k, &change, 1);
    if (result == 0 && type == ABI_TYPE_DIRECTORY) name->dir.nlink++;
    if (result < 0) return result;
    result = create_inode(k, cred, name, type, mode, content, number, out);
    if (result == 0) result = fs_stage_inode(k, out);
    if (result == 0) result = fs_stage_directory(k, &name->dir);
    if (result == 0) result = fs_commit(k);
    if (result < 0) { fs_batch_abort(k, result); return result; }
    fs_inode_allocated(k, out->inode);
    fs_usage_charge(k, out->uid, 1, (i64)fs_cost_bytes(out->type, out->size_bytes));
    return 0;
}

i64 fs_make(struct kernel *k, const struct cred *cred, struct fs_name *name, u32 type, u32 mode,
            const char *content, struct fs_inode *out) {
    assert(name != NULL);
    assert(out != NULL);
    assert((type == ABI_TYPE_SYMLINK) == (content != NULL));
    if (name->last != FS_LAST_NAME || name->exists) return -E_EXIST;
    // "new/" asks for a directory: only mkdir may make it (Linux: E_NOENT for you).
    if (name->trailing_slash && type != ABI_TYPE_DIRECTORY) return -E_NOENT;
    return fs_create_name(k, cred, name, type, mode, content, out);
}

// Removing or replacing `child` in `parent`: w on the parent, and in a sticky
// directory (/tmp) only the child's or the directory's owner (or root) may.
i64 fs_check_unlink_access(struct kernel *k, const struct cred *cred, const struct fs_inode *parent,
                           const struct fs_inode *child) {
    assert(child != NULL);
    // Both callers name a child of a directory found by a walk, which reads only directories.
    assert(parent->type == ABI_TYPE_DIRECTORY);
    i64 result = cred_permission(cred, parent, PERM_WRITE);
    if (result < 0) return result;
    if ((parent->mode & MODE_STICKY) == 0 || cred->euid == ABI_UID_ROOT) return 0;
    if (planted_bug(k, BUG_STICKY_DIR_IGNORED)) return 0;
    return cred->euid == child->uid || cred->euid == parent->uid ? 0 : -E_PERM;
}

void fs_forget_cwd(struct kernel *k, u64 inode) {
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        if (k->procs[slot].cwd_inode == inode) k->procs[slot].cwd_inode = 0;
    }
}

// Linux's may_delete: access first, then the type (rmdir of a non-directory:
// E_NOTDIR, unlink of a directory: E_ISDIR), then (rmdir) an empty directory.
static i64 unlink_check(struct kernel *k, const struct cred *cred, const struct fs_name *name, u32 type) {
    assert(name->last == FS_LAST_NAME);
    assert(name->exists);
    i64 result = fs_check_unlink_access(k, cred, &name->dir, &name->inode);
    if (result < 0) return result;
    bool is_dir = name->inode.type == ABI_TYPE_DIRECTORY;
    if (type == ABI_TYPE_DIRECTORY && !is_dir) return -E_NOTDIR;
    if (type != ABI_TYPE_DIRECTORY && is_dir) return -E_ISDIR;
    if (!is_dir) return 0;
    bool empty = false;
    result = fs_directory_is_empty(k, &name->inode, &empty);
    if (result < 0) return result;
    return empty ? 0 : -E_NOTEMPTY;
}

// The child loses a name: a directory (and a file's last name) goes, else its link
// count drops. Inside an open batch; the directory's entry is already gone.
static i64 unlink_stage_child(struct kernel *k, struct fs_inode *child, bool *gone) {
    assert(child->nlink > 0);
    *gone = child->type == ABI_TYPE_DIRECTORY || child->nlink <= 1;
    if (*gone) return fs_delete_inode(k, child->inode);
    child->nlink--;
    assert(child->nlink > 0); // a file keeps its other names
    child->ctime_ns = platform_realtime_ns(k->platform);
    return fs_stage_inode(k, child);
}

// Linux's do_unlinkat and do_rmdir, after the walk to the last component.
static i64 unlink_name_check(struct kernel *k, const struct cred *cred, struct fs_name *name, u32 type) {
    assert(cred != NULL);
    assert(name != NULL);
    if (type == ABI_TYPE_DIRECTORY) {
        if (name->last == FS_LAST_DOTDOT) return -E_NOTEMPTY;
        if (name->last == FS_LAST_DOT) return -E_INVAL;
        if (name->last == FS_LAST_ROOT) return -E_BUSY;
    } else if (name->last != FS_LAST_NAME) {
        return -E_ISDIR;
    }
    i64 usable = fs_usable(k);
    if (usable < 0) return usable;
    if (!name->exists) return -E_NOENT;
    // unlink "name/": not a directory -> E_NOTDIR, a directory -> E_ISDIR, before access.
    if (type != ABI_TYPE_DIRECTORY && name->trailing_slash) {
        return name->inode.type == ABI_TYPE_DIRECTORY ? -E_ISDIR : -E_NOTDIR;
    }
    assert(name->last == FS_LAST_NAME); // ".", ".." and "/" were refused above
    return unlink_check(k, cred, name, type);
}

i64 fs_unlink_name(struct kernel *k, const struct cred *cred, struct fs_name *name, u32 type) {
    assert(cred != NULL);
    assert(name != NULL);
    // unlink removes a file, rmdir a directory: the callers say which.
    bool type_removable = type == ABI_TYPE_FILE || type == ABI_TYPE_DIRECTORY;
    assert(type_removable);
    i64 result = unlink_name_check(k, cred, name, type);
    if (result < 0) return result;
    result = fs_read_directory(k, &name->dir); // fs->entries again (the check reused the buffer)
    if (result < 0) return result;
    bool found = false;
    u32 at = fs_entry_find(&k->fs, name->name, &found);
    assert(found);
    if (!planted_bug(k, BUG_FS_REMOVE_KEEPS_ENTRY)) fs_entry_remove(&k->fs, at);
    const struct fs_change change = {.op = FS_CHANGE_REMOVE, .cred = cred, .path = &name->path, .dir = &name->dir,
                                     .target = &name->inode};
    result = fs_change_begin(k, &change, 1);
    if (result < 0) return result;
    if (name->inode.type == ABI_TYPE_DIRECTORY) name->dir.nlink--;
    bool gone = false;
    result = unlink_stage_child(k, &name->inode, &gone);
    if (result == 0) result = fs_stage_directory(k, &name->dir);
    if (result == 0) result = fs_commit(k);
    if (result < 0) { fs_batch_abort(k, result); return result; }
    if (gone) fs_usage_gone(k, &name->inode); // before the open copy is marked unlinked
    if (gone) fs_mark_unlinked(k, name->inode.inode);
    else fs_inode_attributes_to_open(k, &name->inode);
    if (name->inode.type == ABI_TYPE_DIRECTORY) fs_forget_cwd(k, name->inode.inode);
    return 0;
}

// Linux's fs.protected_hardlinks=1 (Debian's default; may_linkat): a user who does
// not own the file may link it only when it is a regular file, not set-user-ID, not
// set-group-ID with group x, and readable and writable by the user.
static i64 link_may(struct kernel *k, const struct cred *cred, const struct fs_inode *old) {
    assert(cred != NULL);
    assert(old != NULL);
    if (cred->euid == ABI_UID_ROOT || cred->euid == old->uid) return 0;
    if (planted_bug(k, BUG_LINK_SKIPS_PROTECTION)) return 0;
    if (old->type != ABI_TYPE_FILE || (old->mode & ABI_MODE_SETUID) != 0) return -E_PERM;
    if (mode_setgid_executable(old->mode)) return -E_PERM;
    return cred_permission(cred, old, PERM_READ | PERM_WRITE) == 0 ? 0 : -E_PERM;
}

// Linux's do_linkat after both lookups: filename_create's answers, may_linkat,
// may_create (w on the directory), then no directories and at most FS_LINKS_MAX.
static i64 link_check(struct kernel *k, const struct cred *cred, const struct fs_name *old,
                      const struct fs_name *new_name) {
    assert(cred != NULL);
    assert(old->exists); // fs_link_name's callers looked it up
    if (new_name->last != FS_LAST_NAME || new_name->exists) return -E_EXIST;
    if (new_name->trailing_slash) return -E_NOENT;
    i64 result = fs_usable(k);
    if (result == 0) result = link_may(k, cred, &old->inode);
    if (result == 0) result = cred_permission(cred, &new_name->dir, PERM_WRITE);
    if (result < 0) return result;
    if (old->inode.type == ABI_TYPE_DIRECTORY) return -E_PERM;
    assert(new_name->last == FS_LAST_NAME); // a new name in a writable directory
    return old->inode.nlink >= FS_LINKS_MAX ? -E_MLINK : 0;
}

i64 fs_link_name(struct kernel *k, const struct cred *cred, const struct fs_name *old, struct fs_name *new_name) {
    assert(old->exists);
    assert(cred != NULL);
    assert(new_name != NULL);
    i64 result = link_check(k, cred, old, new_name);
    if (result == 0) result = fs_read_directory(k, &new_name->dir);
    if (result == 0) result = fs_usage_allow_entry(k, cred, &new_name->dir); // a name is a name
    if (result < 0) return result;
    struct fs_inode inode = old->inode;
    result = fs_read_directory(k, &new_name->dir);
    if (result < 0) return result;
    bool found = false;
    u32 at = fs_entry_find(&k->fs, new_name->name, &found);
    assert(!found);
    result = fs_entry_insert(&k->fs, at, inode.inode, inode.type, cred->euid, new_name->name);
    if (result < 0) return result;
    if (!planted_bug(k, BUG_FS_LINK_KEEPS_NLINK)) inode.nlink++;
    inode.ctime_ns = platform_realtime_ns(k->platform);
    const struct fs_change change = {.op = FS_CHANGE_LINK, .cred = cred, .path = &new_name->path,
                                     .dir = &new_name->dir, .target = &old->inode};
    result = fs_change_begin(k, &change, 1);
    if (result < 0) return result;
    result = fs_stage_directory(k, &new_name->dir);
    if (result == 0) result = fs_stage_inode(k, &inode);
    if (result == 0) result = fs_commit(k);
    if (result < 0) { fs_batch_abort(k, result); return result; }
    fs_inode_attributes_to_open(k, &inode);
    return 0;
}

// ---- kernel-internal callers: absolute normalized paths --------------------------
static i64 name_of_path(struct kernel *k, const struct cred *cred, const struct path *path, u32 flags,
                        struct fs_name *out) {
    assert(path != NULL);
    assert(path->count <= PATH_COMPONENTS_MAX);
    char text[PATH_LEN_MAX];
    i64 result = path_format(path, text, sizeof text);
    return result < 0 ? result : fs_walk(k, cred, FS_ROOT_INODE, text, flags, out);
}

i64 fs_lookup(struct kernel *k, const struct cred *cred, const struct path *path, struct fs_inode *out) {
    assert(out != NULL);
    struct fs_name name;
    i64 result = name_of_path(k, cred, path, FS_WALK_FOLLOW | FS_WALK_LOOKUP, &name);
    if (result == 0) assert(name.exists); // FS_WALK_LOOKUP refuses a missing name
    if (result == 0) *out = name.inode;
    return result;
}

i64 fs_create(struct kernel *k, const struct cred *cred, const struct path *path, u32 type, u32 mode,
              struct fs_inode *out) {
    assert(cred != NULL);
    assert(out != NULL);
    i64 usable = fs_usable(k);
    if (usable < 0) return usable;
    struct fs_name name;
    i64 result = name_of_path(k, cred, path, 0, &name);
    if (result < 0) return result;
    if (name.last != FS_LAST_NAME || name.exists) return -E_EXIST;
    return fs_create_name(k, cred, &name, type, mode, NULL, out);
}

i64 fs_remove(struct kernel *k, const struct cred *cred, const struct path *path, u32 type) {
    assert(cred != NULL);
    assert(path != NULL);
    i64 usable = fs_usable(k);
    if (usable < 0) return usable;
    struct fs_name name;
    i64 result = name_of_path(k, cred, path, 0, &name);
    return result < 0 ? result : fs_unlink_name(k, cred, &name, type);
}

i64 fs_rename(struct kernel *k, const struct cred *cred, const struct path *from, const struct path *to) {
    assert(from != NULL);
    assert(to != NULL);
    i64 usable
 = fs_usable(k);
    if (usable < 0) return usable;
    struct fs_name from_name, to_name;
    i64 result = name_of_path(k, cred, from, 0, &from_name);
    if (result == 0) result = name_of_path(k, cred, to, 0, &to_name);
    return result < 0 ? result : fs_rename_names(k, cred, &from_name, &to_name);
}
