// File syscalls: descriptors, paths resolved against the caller's cwd, and the
// filesystem on GrainDB (fs*.c). Without a usable disk they return -E_NODEV / -E_IO.
#include "bugs.h"
#include "fs.h"
#include "kernel.h"
#include "mem.h"
#include "syscall.h"
#include "usercopy.h"
#include "vm.h"

#define IO_CHUNK_BYTES 256ull
#define FS_IO_LEN_MAX ((u64)FS_FILE_BYTES_MAX)

static struct fd *fd_get(struct kernel *k, u32 slot, u64 fd) {
    if (fd >= ABI_FDS_MAX) return NULL;
    struct fd *entry = &k->procs[slot].fds[fd];
    return entry->kind == FD_NONE ? NULL : entry;
}

// The path argument, resolved against the caller's cwd.
static i64 user_path(struct kernel *k, u32 slot, u64 path_va, struct path *out) {
    char path[ABI_PATH_LEN_MAX];
    i64 length = copy_string_from_user(k, &k->procs[slot], path, sizeof path, path_va);
    if (length < 0) return length;
    return path_resolve(k->procs[slot].cwd, path, out);
}

void fd_close_all(struct kernel *k, u32 slot) {
    for (u32 fd = 0; fd < ABI_FDS_MAX; fd++) {
        struct fd *entry = &k->procs[slot].fds[fd];
        if (entry->kind == FD_FILE) (void)fs_file_release(k, entry->open_file); // exit: no one to tell
        mem_set(entry, 0, sizeof *entry);
    }
}

// The lowest free descriptor, as POSIX hands out; -E_MFILE when all those the
// process may have (limits.conf files_per_process) are in use.
static i64 fd_lowest_free(struct kernel *k, u32 slot) {
    assert(k->limits.files_per_process <= ABI_FDS_MAX);
    for (u32 fd = 0; fd < k->limits.files_per_process; fd++) {
        if (k->procs[slot].fds[fd].kind == FD_NONE) return fd;
    }
    return -E_MFILE;
}

// Finds or (with O_CREAT) creates the file or directory to open. A file it creates
// opens whatever its mode says (*created), as Unix does.
static i64 open_target(struct kernel *k, u32 slot, const struct path *path, u64 flags, u64 mode,
                       struct fs_inode *inode, bool *created) {
    const struct cred *cred = &k->procs[slot].cred;
    *created = false;
    i64 result = fs_lookup(k, cred, path, inode);
    if (result == -E_NOENT && (flags & ABI_O_CREAT)) {
        result = fs_create(k, cred, path, ABI_TYPE_FILE, (u32)mode, inode);
        *created = result == 0;
        return result;
    }
    if (result == 0 && (flags & ABI_O_CREAT) && (flags & ABI_O_EXCL)) return -E_EXIST;
    return result;
}

// r to read, w to write; a directory opens for reading its entries only.
static i64 open_access(struct kernel *k, const struct cred *cred, const struct fs_inode *inode, u64 flags) {
    u64 access = flags & ABI_O_ACCMODE;
    if (inode->type == ABI_TYPE_DIRECTORY && access != ABI_O_RDONLY) return -E_ISDIR;
    u32 want = access == ABI_O_RDONLY ? PERM_READ : access == ABI_O_WRONLY ? PERM_WRITE : PERM_READ | PERM_WRITE;
    if (planted_bug(k, BUG_OPEN_WRITE_CHECKS_READ)) want = PERM_READ;
    return cred_permission(cred, inode, want);
}

// The planted bug open-truncates-before-check: the truncation happens before the
// permission check can refuse the open (the real code truncates only after it).
static void open_truncate_early(struct kernel *k, const struct fs_inode *inode, u64 flags) {
    bool writable = (flags & ABI_O_ACCMODE) != ABI_O_RDONLY;
    if (!writable || (flags & ABI_O_TRUNC) == 0 || inode->type != ABI_TYPE_FILE) return;
    i64 index = fs_file_open(k, inode, true, ABI_UID_ROOT);
    if (index >= 0) (void)fs_file_release(k, (u32)index); // the defect: nothing looks
}

i64 sys_open(struct kernel *k, u32 slot, const u64 *args) {
    u64 flags = args[1], mode = args[2];
    u64 known = ABI_O_ACCMODE | ABI_O_CREAT | ABI_O_EXCL | ABI_O_TRUNC | ABI_O_APPEND | ABI_O_DIRECTORY;
    if ((flags & ~known) != 0 || (flags & ABI_O_ACCMODE) == ABI_O_ACCMODE) return -E_INVAL;
    // open(O_CREAT | O_DIRECTORY) cannot create a directory: refuse before creating a file.
    if ((flags & ABI_O_CREAT) && (flags & ABI_O_DIRECTORY)) return -E_INVAL;
    // The descriptor first: nothing (no create, no truncate) may happen if none is free.
    i64 fd = fd_lowest_free(k, slot);
    if (fd < 0) return fd;
    struct path path;
    i64 result = user_path(k, slot, args[0], &path);
    if (result < 0) return result;
    struct fs_inode inode;
    bool created = false;
    result = open_target(k, slot, &path, flags, mode, &inode, &created);
    if (result == 0 && !created && planted_bug(k, BUG_OPEN_TRUNCATES_BEFORE_CHECK)) {
        open_truncate_early(k, &inode, flags);
    }
    if (result == 0 && !created) result = open_access(k, &k->procs[slot].cred, &inode, flags);
    if (result < 0) return result;
    bool writable = (flags & ABI_O_ACCMODE) != ABI_O_RDONLY;
    // A file this call created opens whatever its mode says: its CREATE was the change.
    if (writable && !created && inode.type == ABI_TYPE_FILE) {
        fs_audit_change(k, &(struct fs_change){.op = FS_CHANGE_OPEN_WRITE, .cred = &k->procs[slot].cred,
                                               .path = &path, .target = &inode});
    }
    struct fd entry = {.flags = (u32)flags};
    if (inode.type == ABI_TYPE_DIRECTORY) {
        if (writable) return -E_ISDIR;
        entry.kind = FD_DIRECTORY;
        entry.inode = inode.inode;
        k->procs[slot].fds[fd] = entry;
        return fd;
    }
    if (flags & ABI_O_DIRECTORY) return -E_NOTDIR;
    i64 index = fs_file_open(k, &inode, writable && (flags & ABI_O_TRUNC), k->procs[slot].cred.ruid);
    if (index < 0) return index;
    entry.kind = FD_FILE;
    entry.open_file = (u32)index;
    k->procs[slot].fds[fd] = entry;
    return fd;
}

i64 sys_close(struct kernel *k, u32 slot, const u64 *args) {
    struct fd *entry = fd_get(k, slot, args[0]);
    if (entry == NULL) return -E_BADF;
    i64 result = entry->kind == FD_FILE ? fs_file_release(k, entry->open_file) : 0;
    mem_set(entry, 0, sizeof *entry);
    return result;
}

i64 sys_fsync(struct kernel *k, u32 slot, const u64 *args) {
    struct fd *entry = fd_get(k, slot, args[0]);
    if (entry == NULL) return -E_BADF;
    // Namespace changes are durable when their syscall returns; only data waits.
    return entry->kind == FD_FILE ? fs_file_commit(k, entry->open_file) : 0;
}

static i64 read_console(struct kernel *k, u32 slot, u64 buffer_va, u64 length) {
    if (length > IO_CHUNK_BYTES) length = IO_CHUNK_BYTES;
    if (!user_range_ok(k, &k->procs[slot], buffer_va, length, PTE_R | PTE_W)) return -E_FAULT;
    u8 bytes[IO_CHUNK_BYTES];
    u64 count = platform_console_read(k->platform, bytes, length);
    assert(count <= length);
    if (count == 0 && length > 0) return -E_AGAIN; // nothing typed yet: not end of file
    i64 copied = copy_to_user(k, &k->procs[slot], buffer_va, bytes, count);
    return copied < 0 ? copied : (i64)count;
}

i64 sys_read(struct kernel *k, u32 slot, const u64 *args) {
    struct fd *entry = fd_get(k, slot, args[0]);
    u64 buffer_va = args[1], length = args[2];
    if (entry == NULL || entry->kind == FD_CONSOLE_OUT) return -E_BADF;
    if (entry->kind == FD_CONSOLE_IN) return read_console(k, slot, buffer_va, length);
    if (entry->kind == FD_DIRECTORY) return -E_ISDIR;
    if ((entry->flags & ABI_O_ACCMODE) == ABI_O_WRONLY) return -E_BADF;
    if (length > FS_IO_LEN_MAX) length = FS_IO_LEN_MAX;
    if (!user_range_ok(k, &k->procs[slot], buffer_va, length, PTE_R | PTE_W)) return -E_FAULT;
    u64 done = 0;
    while (done < length) {
        const u8 *bytes = NULL;
        u64 available = 0;
        i64 result = fs_file_peek(k, entry->open_file, entry->offset, &bytes, &available);
        if (result < 0) return done > 0 ? (i64)done : result;
        if (available == 0) break; // the end of the file
        u64 n = length - done < available ? length - done : available;
        i64 copied = copy_to_user(k, &k->procs[slot], buffer_va + done, bytes, n);
        assert(copied == 0); // the whole range was checked above
        entry->offset += n;
        done += n;
    }
    return (i64)done;
}

#define WRITE_CONSOLE_LEN_MAX 4096ull // larger console writes are partial, as POSIX allows

static i64 write_console(struct kernel *k, u32 slot, u64 buffer_va, u64 length) {
    struct proc *proc_ = &k->procs[slot];
    if (length > WRITE_CONSOLE_LEN_MAX) length = WRITE_CONSOLE_LEN_MAX;
    if (!user_range_ok(k, proc_, buffer_va, length, PTE_R)) return -E_FAULT;
    u8 chunk[IO_CHUNK_BYTES];
    for (u64 done = 0; done < length;) {
        u64 n = length - done < IO_CHUNK_BYTES ? length - done : IO_CHUNK_BYTES;
        i64 copied = copy_from_user(k, proc_, chunk, buffer_va + done, n);
        assert(copied == 0); // the whole range was checked above
        platform_console_write(k->platform, chunk, n);
        done += n;
    }
    return (i64)length;
}

static i64 write_file(struct kernel *k, u32 slot, struct fd *entry, u64 buffer_va, u64 length) {
    struct fs_open_file *file = &k->fs.files[entry->open_file];
    if ((entry->flags & ABI_O_ACCMODE) == ABI_O_RDONLY) return -E_BADF;
    if (entry->flags & ABI_O_APPEND) entry->offset = file->meta.size_bytes;
    if (length > FS_IO_LEN_MAX) return -E_FBIG;
    if (!user_range_ok(k, &k->procs[slot], buffer_va, length, PTE_R)) return -E_FAULT;
    u8 chunk[IO_CHUNK_BYTES];
    for (u64 done = 0; done < length;) {
        u64 n = length - done < IO_CHUNK_BYTES ? length - done : IO_CHUNK_BYTES;
        i64 copied = copy_from_user(k, &k->procs[slot], chunk, buffer_va + done, n);
        assert(copied == 0);
        i64 written = fs_file_write(k, entry->open_file, k->procs[slot].cred.ruid, entry->offset, chunk, n);
        if (written < 0) return done > 0 ? (i64)done : written;
        entry->offset += n;
        done += n;
    }
    return (i64)length;
}

i64 sys_write(struct kernel *k, u32 slot, const u64 *args) {
    struct fd *entry = fd_get(k, slot, args[0]);
    if (entry == NULL || entry->kind == FD_CONSOLE_IN) return -E_BADF;
    if (entry->kind == FD_CONSOLE_OUT) return write_console(k, slot, args[1], args[2]);
    if (entry->kind == FD_DIRECTORY) return -E_ISDIR;
    return write_file(k, slot, entry, args[1], args[2]);
}

i64 sys_seek(struct kernel *k, u32 slot, const u64 *args) {
    struct fd *entry = fd_get(k, slot, args[0]);
    if (entry == NULL) return -E_BADF;
    if (entry->kind != FD_FILE) return -E_INVAL; // consoles and directories do not seek
    i64 offset = (i64)args[1];
    i64 base = 0;
    if (args[2] == ABI_SEEK_CUR) base = (i64)entry->offset;
    else if (args[2] == ABI_SEEK_END) base = (i64)k->fs.files[entry->open_file].meta.size_bytes;
    else if (args[2] != ABI_SEEK_SET) return -E_INVAL;
    if (offset > (i64)FS_FILE_BYTES_MAX || offset < -(i64)FS_FILE_BYTES_MAX) return -E_INVAL;
    i64 target = base + offset;
    if (target < 0 || target > (i64)FS_FILE_BYTES_MAX) return -E_INVAL;
    entry->offset = (u64)target;
    return target;
}

static void stat_fill(const struct fs_inode *inode, struct abi_stat *out) {
    mem_set(out, 0, sizeof *out);
    out->inode = inode->inode;
    out->size_bytes = inode->size_bytes;
    out->version = inode->version;
    out->mtime_ns = inode->mtime_ns;
    out->type = inode->type;
    out->mode = inode->mode;
    out->uid = inode->uid;
    out->gid = inode->gid;
}

i64 sys_stat(struct kernel *k, u32 slot, const u64 *args) {
    if (!user_range_ok(k, &k->procs[slot], args[1], sizeof(struct abi_stat), PTE_R | PTE_W)) return -E_FAULT;
    struct path path;
    i64 result = user_path(k, slot, args[0], &path);
    struct fs_inode inode;
    if (result == 0) result = fs_lookup(k, &k->procs[slot].cred, &path, &inode);
    if (result < 0) return result;
    // An open file's size includes what was written but not yet committed.
    u32 open = fs_file_find(k, inode.inode);
    if (open < FS_OPEN_FILES_MAX) inode.size_bytes = k->fs.files[open].meta.size_bytes;
    struct abi_stat stat;
    stat_fill(&inode, &stat);
    return copy_to_user(k, &k->procs[slot], args[1], &stat, sizeof stat);
}

i64 sys_readdir(struct kernel *k, u32 slot, const u64 *args) {
    struct fd *entry = fd_get(k, slot, args[0]);
    u64 entries_va = args[1], capacity = args[2];
    if (entry == NULL) return -E_BADF;
    if (entry->kind != FD_DIRECTORY) return -E_NOTDIR;
    if (capacity > FS_DIR_ENTRIES_MAX) capacity = FS_DIR_ENTRIES_MAX;
    if (!user_range_ok(k, &k->procs[slot], entries_va, capacity * sizeof(struct abi_dirent), PTE_R | PTE_W)) {
        return -E_FAULT;
    }
    struct fs_inode dir;
    i64 result = fs_read_inode(k, entry->inode, &dir);
    if (result == 0) result = fs_read_directory(k, &dir);
    if (result < 0) return result;
    u32 at = 0;
    if (entry->cursor[0] != '\0') {
        bool found = false;
        at = fs_entry_find(&k->fs, entry->cursor, &found);
        if (found) at++;
    }
    u64 filled = 0;
    for (; filled < capacity && at < k->fs.entries_count; filled++, at++) {
        const struct fs_dirent *e = &k->fs.entries[at];
        struct abi_dirent out;
        mem_set(&out, 0, sizeof out);
        out.inode = e->inode;
        out.type = e->type;
        out.name_len = e->name_len;
        mem_copy(out.name, e->name, e->name_len);
        result = copy_to_user(k, &k->procs[slot], entries_va + filled * sizeof out, &out, sizeof out);
        assert(result == 0); // the range was checked
        str_copy(entry->cursor, sizeof entry->cursor, e->name);
    }
    return (i64)filled;
}

i64 sys_mkdir(struct kernel *k, u32 slot, const u64 *args) {
    struct path path;
    i64 result = user_path(k, slot, args[0], &path);
    if (result < 0) return result;
    if (path.count == 0) return -E_EXIST;
    struct fs_inode inode;
    return fs_create(k, &k->procs[slot].cred, &path, ABI_TYPE_DIRECTORY, (u32)args[1], &inode);
}

static i64 remove_path(struct kernel *k, u32 slot, u64 path_va, u32 type) {
    struct path path;
    i64 result = user_path(k, slot, path_va, &path);
    if (result < 0) return result;
    return fs_remove(k, &k->procs[slot].cred, &path, type);
}

i64 sys_unlink(struct kernel *k, u32 slot, const u64 *args) {
    return remove_path(k, slot, args[0], ABI_TYPE_FILE);
}

i64 sys_rmdir(struct kernel *k, u32 slot, const u64 *args) {
    return remove_path(k, slot, args[0], ABI_TYPE_DIRECTORY);
}

i64 sys_rename(struct kernel *k, u32 slot, const u64 *args) {
    struct path from, to;
    i64 result = user_path(k, slot, args[0], &from);
    if (result == 0) result = user_path(k, slot, args[1], &to);
    if (result < 0) return result;
    return fs_rename(k, &k->procs[slot].cred, &from, &to);
}

i64 sys_chdir(struct kernel *k, u32 slot, const u64 *args) {
    struct path path;
    i64 result = user_path(k, slot, args[0], &path);
    struct fs_inode inode;
    if (result == 0) result = fs_lookup(k, &k->procs[slot].cred, &path, &inode);
    if (result < 0) return result;
    if (inode.type != ABI_TYPE_DIRECTORY) return -E_NOTDIR;
    result = cred_permission(&k->procs[slot].cred, &inode, PERM_EXECUTE);
    if (result < 0) return result;
    char normalized[ABI_PATH_LEN_MAX];
    result = path_format(&path, normalized, sizeof normalized);
    if (result < 0) return result;
    str_copy(k->procs[slot].cwd, sizeof k->procs[slot].cwd, normalized);
    return 0;
}

i64 sys_getcwd(struct kernel *k, u32 slot, const u64 *args) {
    const char *cwd = k->procs[slot].cwd;
    u64 length = str_len_bounded(cwd, ABI_PATH_LEN_MAX);
    if (args[1] < length + 1) return -E_RANGE;
    i64 copied = copy_to_user(k, &k->procs[slot], args[0], cwd, length + 1);
    return copied < 0 ? copied : (i64)length;
}

#define MODE_BITS_MASK 07777u

// Only the owner or root changes the mode.
i64 sys_chmod(struct kernel *k, u32 slot, const u64 *args) {
    const struct cred *cred = &k->procs[slot].cred;
    if ((args[1] & ~(u64)MODE_BITS_MASK) != 0) return -E_INVAL;
    struct path path;
    struct fs_inode inode;
    i64 result = user_path(k, slot, args[0], &path);
    if (result == 0) result = fs_lookup(k, cred, &path, &inode);
    if (result < 0) return result;
    bool owner_or_root = cred->euid == ABI_UID_ROOT || cred->euid == inode.uid;
    if (!owner_or_root && !planted_bug(k, BUG_CHMOD_SKIPS_OWNER_CHECK)) return -E_PERM;
    fs_audit_change(k, &(struct fs_change){.op = FS_CHANGE_CHMOD, .cred = cred, .path = &path, .target = &inode});
    inode.mode = (u32)args[1];
    return fs_change_attributes(k, &inode);
}

// Only root changes the owner or the group; ABI_ID_UNCHANGED keeps either.
i64 sys_chown(struct kernel *k, u32 slot, const u64 *args) {
    const struct cred *cred = &k->procs[slot].cred;
    u64 uid = args[1], gid = args[2];
    if (uid > ABI_ID_UNCHANGED || gid > ABI_ID_UNCHANGED) return -E_INVAL;
    struct path path;
    struct fs_inode inode;
    i64 result = user_path(k, slot, args[0], &path);
    if (result == 0) result = fs_lookup(k, cred, &path, &inode);
    if (result < 0) return result;
    if (cred->euid != ABI_UID_ROOT) return -E_PERM;
    fs_audit_change(k, &(struct fs_change){.op = FS_CHANGE_CHOWN, .cred = cred, .path = &path, .target = &inode});
    if (uid != ABI_ID_UNCHANGED) inode.uid = (u32)uid;
    if (gid != ABI_ID_UNCHANGED) inode.gid = (u32)gid;
    return fs_change_attributes(k, &inode);
}
