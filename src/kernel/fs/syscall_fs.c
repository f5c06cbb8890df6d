// File syscalls on names: open, mkdir, unlink, rmdir, rename, link, symlink, chdir,
// getcwd. Paths are walked by fs_walk from the root or the caller's cwd; each call
// then decides in the order Linux's fs/namei.c does, so the errors are Linux's.
// Without a usable disk they return -E_NODEV / -E_IO.
#include "kernel/bugs.h"
#include "kernel/users/console.h"
#include "kernel/fs/fs.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/syscall.h"
#include "kernel/trace_events.h"
#include "kernel/proc/usercopy.h"
#include "kernel/proc/vm.h"
#include "kernel/fs/internal.h"

struct fd *fd_get(struct kernel *k, u32 slot, u64 fd) {
    assert(slot < PROCS_MAX);
    if (fd >= ABI_FDS_MAX) return NULL;
    struct fd *entry = &k->procs[slot].fds[fd];
    return entry->kind == FD_NONE ? NULL : entry;
}

i64 user_walk(struct kernel *k, u32 slot, u64 path_va, u32 flags, struct fs_name *out) {
    assert(slot < PROCS_MAX);
    assert(out != NULL);
    char path[ABI_PATH_LEN_MAX];
    i64 length = copy_string_from_user(k, &k->procs[slot], path, sizeof path, path_va);
    if (length < 0) return length;
    return fs_walk(k, &k->procs[slot].cred, k->procs[slot].cwd_inode, path, flags, out);
}

void fd_close_all(struct kernel *k, u32 slot) {
    assert(slot < PROCS_MAX);
    for (u32 fd = 0; fd < ABI_FDS_MAX; fd++) {
        struct fd *entry = &k->procs[slot].fds[fd];
        if (entry->kind == FD_FILE) (void)fs_file_release(k, entry->open_file); // exit: no one to tell
        mem_set(entry, 0, sizeof *entry);
    }
}

// The lowest free descriptor, as POSIX hands out; -E_MFILE when all those the
// process may have (limits.conf files_per_process) are in use.
static i64 fd_lowest_free(struct kernel *k, u32 slot) {
    assert(slot < PROCS_MAX);
    assert(k->limits.files_per_process <= ABI_FDS_MAX);
    for (u32 fd = 0; fd < k->limits.files_per_process; fd++) {
        if (k->procs[slot].fds[fd].kind == FD_NONE) return fd;
    }
    return -E_MFILE;
}

// open(O_CREAT), as Linux's open_last_lookups: "." or ".." names a directory (which
// open refuses later), a trailing slash is E_ISDIR, a missing name is created (w on
// its directory), and an existing symlink is followed unless O_EXCL or O_NOFOLLOW
// (then its target's last component is decided the same way).
static i64 open_create(struct kernel *k, u32 slot, const char *text, u64 flags, u64 mode, struct fs_name *name,
                       bool *created) {
    const struct proc *proc_ = &k->procs[slot];
    assert(flags & ABI_O_CREAT);
    assert(created != NULL);
    i64 result = fs_walk(k, &proc_->cred, proc_->cwd_inode, text, 0, name);
    while (result == 0 && name->last == FS_LAST_NAME) {
        if (name->trailing_slash) return -E_ISDIR;
        if (!name->exists) {
            u32 file_mode = (u32)mode & MODE_BITS_ALL & ~proc_->umask;
            assert((file_mode & proc_->umask) == 0); // the umask only ever takes bits away
            result = fs_create_name(k, &proc_->cred, name, ABI_TYPE_FILE, file_mode, NULL, &name->inode);
            *created = result == 0;
            return result;
        }
        bool follow = (flags & (ABI_O_EXCL | ABI_O_NOFOLLOW)) == 0;
        if (name->inode.type != ABI_TYPE_SYMLINK || !follow) return 0;
        result = fs_walk_follow(k, &proc_->cred, 0, name);
    }
    return result;
}

// Finds or (with O_CREAT) creates what to open. A file it creates opens whatever
// its mode says (*created), as Unix does.
static i64 open_target(struct kernel *k, u32 slot, u64 path_va, u64 flags, u64 mode, struct fs_name *name,
                       bool *created) {
    assert(slot < PROCS_MAX);
    assert(name != NULL);
    *created = false;
    char text[ABI_PATH_LEN_MAX];
    i64 length = copy_string_from_user(k, &k->procs[slot], text, sizeof text, path_va);
    if (length < 0) return length;
    assert((u64)length < sizeof text);
    if (flags & ABI_O_CREAT) return open_create(k, slot, text, flags, mode, name, created);
    u32 walk_flags = FS_WALK_LOOKUP | ((flags & ABI_O_NOFOLLOW) ? 0 : FS_WALK_FOLLOW);
    const struct proc *proc_ = &k->procs[slot];
    return fs_walk(k, &proc_->cred, proc_->cwd_inode, text, walk_flags, name);
}

// Linux's do_open and may_open for a name that existed: O_EXCL, O_CREAT on a
// directory, O_DIRECTORY, a symlink not followed, writing (or truncating) a
// directory, then the permission: r to read, w to write, and w for O_TRUNC whatever
// the access mode.
static i64 open_access(struct kernel *k, const struct cred *cred, const struct fs_inode *inode, u64 flags) {
    assert(cred != NULL);
    u64 access = flags & ABI_O_ACCMODE;
    assert(access != ABI_O_ACCMODE); // sys_open refused the access mode that is none
    bool directory = inode->type == ABI_TYPE_DIRECTORY;
    if ((flags & ABI_O_CREAT) && (flags & ABI_O_EXCL)) return -E_EXIST;
    if ((flags & ABI_O_CREAT) && directory) return -E_ISDIR;
    if ((flags & ABI_O_DIRECTORY) && !directory) return -E_NOTDIR;
    if (inode->type == ABI_TYPE_SYMLINK) return -E_LOOP;
    u32 want = access == ABI_O_RDONLY ? PERM_READ : access == ABI_O_WRONLY ? PERM_WRITE : PERM_READ | PERM_WRITE;
    if (flags & ABI_O_TRUNC) want |= PERM_WRITE;
    // Writing or truncating always asks w: only reading alone is checked for r only.
    if (access != ABI_O_RDONLY) assert(want & PERM_WRITE);
    if (flags & ABI_O_TRUNC) assert(want & PERM_WRITE);
    if (directory && (want & PERM_WRITE)) return -E_ISDIR;
    if (planted_bug(k, BUG_OPEN_WRITE_CHECKS_READ)) want = PERM_READ;
    return cred_permission(cred, inode, want);
}

// The planted bug open-truncates-before-check: the truncation happens before the
// permission check can refuse the open (the real code truncates only after it).
static void open_truncate_early(struct kernel *k, struct fs_inode *inode, u64 flags) {
    if ((flags & ABI_O_TRUNC) == 0 || inode->type != ABI_TYPE_FILE) return;
    i64 index = fs_file_open(k, inode, true, ABI_UID_ROOT);
    if (index >= 0) (void)fs_file_release(k, (u32)index); // the defect: nothing looks
    // The rest of open goes on with the file as the defect left it (committed empty),
    // not with what the walk read before: the defect is the early truncation alone.
    if (index >= 0) (void)fs_read_inode(k, inode->inode, inode);
}

// The open file: for writing through the door (fs_file_open_write). A file this call
// created opens whatever its mode says: its CREATE was the change.
static i64 open_file(struct kernel *k, u32 slot, const struct fs_name *name, u64 flags, bool created) {
    const struct cred *cred = &k->procs[slot].cred;
    bool writes = (flags & ABI_O_ACCMODE) != ABI_O_RDONLY || (flags & ABI_O_TRUNC);
    if (!writes) return fs_file_open(k, &name->inode, false, cred->ruid);
    const struct fs_change change = {.op = created ? FS_CHANGE_CREATE : FS_CHANGE_OPEN_WRITE, .cred = cred,
                                     .path = &name->path, .dir = created ? &name->dir : NULL,
                                     .target = &name->inode};
    return fs_file_open_write(k, &change, (flags & ABI_O_TRUNC) && !created, cred->ruid);
}

// The descriptor for what open found: a directory to list, or the open file (with
// O_TRUNC truncated, which is a write: new times, privileges removed).
static i64 open_install(struct kernel *k, u32 slot, i64 fd, const struct fs_name *name, u64 flags, bool created) {
    assert(fd >= 0);
    assert(fd < ABI_FDS_MAX);
    assert(k->procs[slot].fds[fd].kind == FD_NONE);
    struct fd entry = {.flags = (u32)flags};
    if (name->inode.type == ABI_TYPE_DIRECTORY) {
        entry.kind = FD_DIRECTORY;
        entry.inode = name->inode.inode;
        k->procs[slot].fds[fd] = entry;
        return fd;
    }
    bool truncate = (flags & ABI_O_TRUNC) && !created;
    i64 index = open_file(k, slot, name, flags, created);
    if (index < 0) return index;
    if (truncate) fs_file_wrote(k, (u32)index, &k->procs[slot].cred);
    entry.kind = FD_FILE;
    entry.open_file = (u32)index;
    k->procs[slot].fds[fd] = entry;
    return fd;
}

i64 sys_open(struct kernel *k, u32 slot, const u64 *args) {
    assert(slot < PROCS_MAX);
    assert(k->procs[slot].state == PROC_RUNNABLE);
    u64 flags = args[1], mode = args[2];
    u64 known = ABI_O_ACCMODE | ABI_O_CREAT | ABI_O_EXCL | ABI_O_TRUNC | ABI_O_APPEND | ABI_O_DIRECTORY |
                ABI_O_NOFOLLOW;
    if ((flags & ~known) != 0 || (flags & ABI_O_ACCMODE) == ABI_O_ACCMODE) return -E_INVAL;
    // open(O_CREAT | O_DIRECTORY) cannot create a directory: refuse before creating a file.
    if ((flags & ABI_O_CREAT) && (flags & ABI_O_DIRECTORY)) return -E_INVAL;
    // The descriptor first: nothing (no create, no truncate) may happen if none is free.
    i64 fd = fd_lowest_free(k, slot);
    if (fd < 0) return fd;
    const struct cred *cred = &k->procs[slot].cred;
    struct fs_name name;
    bool created = false;
    i64 result = open_target(k, slot, args[0], flags, mode, &name, &created);
    if (result == 0 && !created && planted_bug(k, BUG_OPEN_TRUNCATES_BEFORE_CHECK)) {
        open_truncate_early(k, &name.inode, flags);
    }
    if (result == 0 && !created) result = open_access(k, cred, &name.inode, flags);
    if (result < 0) return result;
    if (!created) assert(name.exists); // what open did not create, it found
    return open_install(k, slot, fd, &name, flags, created);
}

i64 sys_close(struct kernel *k, u32 slot, const u64 *args) {
    struct fd *entry = fd_get(k, slot, args[0]);
    if (entry == NULL) return -E_BADF;
    if (entry->kind == FD_FILE) assert(entry->open_file < FS_OPEN_FILES_MAX);
    i64 result = entry->kind == FD_FILE ? fs_file_close(k, entry->open_file) : 0;
    mem_set(entry, 0, sizeof *entry);
    return result;
}

i64 sys_fsync(struct kernel *k, u32 slot, const u64 *args) {
    struct fd *entry = fd_get(k, slot, args[0]);
    if (entry == NULL) return -E_BADF;
    if (entry->kind == FD_FILE) assert(entry->open_file < FS_OPEN_FILES_MAX);
    // Namespace changes are durable when their syscall returns; only data waits.
    return entry->kind == FD_FILE ? fs_file_sync(k, entry->open_file) : 0;
}

i64 sys_mkdir(struct kernel *k, u32 slot, const u64 *args) {
    struct fs_name name;
    i64 result = user_walk(k, slot, args[0], 0, &name);
    if (result < 0) return result;
    // Linux's vfs_mkdir keeps the permission and sticky bits, under the umask.
    u32 mode = (u32)args[1] & (MODE_PERMISSIONS | MODE_STICKY) & ~k->procs[slot].umask;
    assert((mode & ~(MODE_PERMISSIONS | MODE_STICKY)) == 0); // never a set-ID bit from the caller
    struct fs_inode inode;
    return fs_make(k, &k->procs[slot].cred, &name, ABI_TYPE_DIRECTORY, mode, NULL, &inode);
}

static i64 remove_path(struct kernel *k, u32 slot, u64 path_va, u32 type) {
    assert(slot < PROCS_MAX);
    assert(k->procs[slot].state == PROC_RUNNABLE);
    struct fs_name name;
    i64 result = user_walk(k, slot, path_va, 0, &name);
    if (result < 0) return result;
    return fs_unlink_name(k, &k->procs[slot].cred, &name, type);
}

i64 sys_unlink(struct kernel *k, u32 slot, const u64 *args) {
    return remove_path(k, slot, args[0], ABI_TYPE_FILE);
}

i64 sys_rmdir(struct kernel *k, u32 slot, const u64 *args) {
    return remove_path(k, slot, args[0], ABI_TYPE_DIRECTORY);
}

i64 sys_rename(struct kernel *k, u32 slot, const u64 *args) {
    assert(slot < PROCS_MAX);
    assert(k->procs[slot].state == PROC_RUNNABLE);
    struct fs_name from, to;
    i64 result = user_walk(k, slot, args[0], 0, &from);
    if (result == 0) result = user_walk(k, slot, args[1], 0, &to);
    if (result < 0) return result;
    return fs_rename_names(k, &k->procs[slot].cred, &from, &to);
}

// link(old, new): old is looked up without following a last symlink (Linux's link
// and linkat without AT_SYMLINK_FOLLOW), new as a name to create.
i64 sys_link(struct kernel *k, u32 slot, const u64 *args) {
    assert(slot < PROCS_MAX);
    struct fs_name old, new_name;
    i64 result = user_walk(k, slot, args[0], FS_WALK_LOOKUP, &old);
    if (result == 0) result = user_walk(k, slot, args[1], 0, &new_name);
    if (result < 0) return result;
    assert(old.exists); // FS_WALK_LOOKUP refuses a missing name
    return fs_link_name(k, &k->procs[slot].cred, &old, &new_name);
}

// symlink(target, linkpath): the target is stored as given, never looked at (an
// empty one is E_NOENT, as Linux's getname says); the link's mode is 0777.
i64 sys_symlink(struct kernel *k, u32 slot, const u64 *args) {
    char target[ABI_PATH_LEN_MAX];
    assert(slot < PROCS_MAX);
    i64 length = copy_string_from_user(k, &k->procs[slot], target, sizeof target, args[0]);
    if (length < 0) return length;
    if (length == 0) return -E_NOENT;
    assert((u64)length < sizeof target); // a target ending with its NUL
    struct fs_name name;
    i64 result = user_walk(k, slot, args[1], 0, &name);
    if (result < 0) return result;
    struct fs_inode inode;
    return fs_make(k, &k->procs[slot].cred, &name, ABI_TYPE_SYMLINK, MODE_PERMISSIONS, target, &inode);
}

i64 sys_chdir(struct kernel *k, u32 slot, const u64 *args) {
    assert(slot < PROCS_MAX);
    struct fs_name name;
    i64 result = user_walk(k, slot, args[0], FS_WALK_LOOKUP | FS_WALK_FOLLOW, &name);
    if (result < 0) return result;
    if (name.inode.type != ABI_TYPE_DIRECTORY) return -E_NOTDIR;
    result = cred_permission(&k->procs[slot].cred, &name.inode, PERM_EXECUTE);
    if (result < 0) return result;
    k->procs[slot].cwd_inode = name.inode.inode;
    assert(k->procs[slot].cwd_inode >= FS_ROOT_INODE); // a directory found by a walk
    return 0;
}

// The physical path of the cwd, rebuilt from parent links: after a chdir through a
// symlink, and after the cwd or a directory above it was renamed, it names where
// the process is, as Linux's getcwd does; a removed cwd is -E_NOENT.
i64 sys_getcwd(struct kernel *k, u32 slot, const u64 *args) {
    assert(slot < PROCS_MAX);
    u64 cwd_inode = k->procs[slot].cwd_inode;
    if (cwd_inode == 0) return -E_NOENT;
    struct path path;
    i64 result = fs_directory_path(k, cwd_inode, &path); // the root needs no disk
    char text[ABI_PATH_LEN_MAX];
    if (result == 0) result = path_format(&path, text, sizeof text);
    if (result < 0) return result;
    u64 length = (u64)result;
    assert(length < sizeof text); // path_format wrote its NUL inside text
    if (args[1] < length + 1) return -E_RANGE;

    i64 copied = copy_to_user(k, &k->procs[slot], args[0], text, length + 1);
    return copied < 0 ? copied : (i64)length;
}
