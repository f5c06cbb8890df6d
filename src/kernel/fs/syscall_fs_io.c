// File syscalls on descriptors and on what names name: read, write, pread, pwrite,
// seek, readdir, stat, lstat, fstat, readlink.
#include "kernel/bugs.h"
#include "kernel/users/console.h"
#include "kernel/fs/fs.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/syscall.h"
#include "kernel/observe.h"
#include "kernel/proc/usercopy.h"
#include "kernel/proc/vm.h"
#include "kernel/fs/internal.h"
#include "kernel/z6/z6host_log.h"

#define IO_CHUNK_BYTES 256ull
#define FS_IO_LEN_MAX ((u64)FS_FILE_BYTES_MAX)
#define WRITE_CONSOLE_LEN_MAX 4096ull // larger console writes are partial, as POSIX allows
#define CONSOLE_MODE 0620u            // what fstat says of the console (a tty's usual mode)

// Only the console session that owns the console reads it (console.h): -E_IO for the
// others, as on a hung-up terminal.
// A z6 service's log or notification descriptor: write-only, like a pipe's write end.
static bool is_z6_fd(const struct fd *entry) {
    return entry->kind == FD_Z6_LOG || entry->kind == FD_Z6_NOTIFY;
}

static i64 read_console(struct kernel *k, u32 slot, u64 buffer_va, u64 length) {
    if (!console_owned_by(k, &k->procs[slot])) return -E_IO;
    if (length > IO_CHUNK_BYTES) length = IO_CHUNK_BYTES;
    if (!user_range_ok(k, &k->procs[slot], buffer_va, length, PTE_R | PTE_W)) return -E_FAULT;
    u8 bytes[IO_CHUNK_BYTES];
    observe_trace(k->platform, TRACE_CONSOLE_READ, k->procs[slot].pid, length, 0);
    u64 count = platform_console_read(k->platform, bytes, length);
    assert(count <= length);
    if (count == 0 && length > 0) return -E_AGAIN; // nothing typed yet: not end of file
    i64 copied = copy_to_user(k, &k->procs[slot], buffer_va, bytes, count);
    return copied < 0 ? copied : (i64)count;
}

// The bytes of an open file at offset (none at or past its end); a read that asked
// for bytes moves atime the relatime way.
// Copied chunk by chunk (fs_file_peek: from the file's buffer, or a chunk read from
// GrainDB); past the end nothing is copied, and no pointer past any buffer is formed.
static i64 read_file_at(struct kernel *k, u32 slot, const struct fd *entry, u64 buffer_va, u64 length,
                        u64 offset) {
    if ((entry->flags & ABI_O_ACCMODE) == ABI_O_WRONLY) return -E_BADF;
    // What will be copied must be writable by the caller, nothing more (as before).
    u64 size = k->fs.files[entry->open_file].meta.size_bytes;
    bool asked = length > 0; // Linux's filemap_read touches atime even at the end
    if (offset >= size) length = 0;
    else if (length > size - offset) length = size - offset;
    if (!user_range_ok(k, &k->procs[slot], buffer_va, length, PTE_R | PTE_W)) return -E_FAULT;
    u64 done = 0;
    while (done < length) {
        const u8 *bytes = NULL;
        u64 available = 0;
        i64 result = fs_file_peek(k, entry->open_file, offset + done, &bytes, &available);
        if (result < 0) return done > 0 ? (i64)done : result;
        if (available == 0) break; // the end of the file
        u64 n = length - done < available ? length - done : available;
        i64 copied = copy_to_user(k, &k->procs[slot], buffer_va + done, bytes, n);
        assert(copied == 0); // the whole range was checked above
        done += n;
    }
    if (asked) fs_file_accessed(k, entry->open_file);
    return (i64)done;
}

i64 sys_read(struct kernel *k, u32 slot, const u64 *args) {
    struct fd *entry = fd_get(k, slot, args[0]);
    u64 buffer_va = args[1], length = args[2];
    if (entry == NULL || entry->kind == FD_CONSOLE_OUT || is_z6_fd(entry)) return -E_BADF;
    if (entry->kind == FD_CONSOLE_IN) return read_console(k, slot, buffer_va, length);
    if (entry->kind == FD_DIRECTORY) return -E_ISDIR;
    i64 count = read_file_at(k, slot, entry, buffer_va, length, entry->offset);
    if (count > 0) entry->offset += (u64)count;
    return count;
}

// The owning session writes, and root's processes of session 0 (init); no one else
// may print on the console (a fake login prompt): -E_IO.
static i64 write_console(struct kernel *k, u32 slot, u64 buffer_va, u64 length) {
    struct proc *proc_ = &k->procs[slot];
    if (!console_may_write(k, proc_)) return -E_IO;
    if (length > WRITE_CONSOLE_LEN_MAX) length = WRITE_CONSOLE_LEN_MAX;
    if (!user_range_ok(k, proc_, buffer_va, length, PTE_R)) return -E_FAULT;
    observe_trace(k->platform, TRACE_CONSOLE, proc_->pid, length, 0);
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

// Writes at *offset (at the end with O_APPEND, also for pwrite, as Linux does) and
// moves *offset past what was written. A write of bytes is a change of content:
// new mtime and ctime, and a writer other than root removes the privilege bits.
static i64 write_file_at(struct kernel *k, u32 slot, const struct fd *entry, u64 buffer_va, u64 length,
                         u64 *offset) {
    struct fs_open_file *file = &k->fs.files[entry->open_file];
    if ((entry->flags & ABI_O_ACCMODE) == ABI_O_RDONLY) return -E_BADF;
    bool append = (entry->flags & ABI_O_APPEND) != 0 && !planted_bug(k, BUG_APPEND_IGNORED);
    if (append) *offset = file->meta.size_bytes;
    if (length > FS_IO_LEN_MAX) return -E_FBIG;
    if (!user_range_ok(k, &k->procs[slot], buffer_va, length, PTE_R)) return -E_FAULT;
    u8 chunk[IO_CHUNK_BYTES];
    u64 done = 0;
    while (done < length) {
        u64 n = length - done < IO_CHUNK_BYTES ? length - done : IO_CHUNK_BYTES;
        i64 copied = copy_from_user(k, &k->procs[slot], chunk, buffer_va + done, n);
        assert(copied == 0);
        i64 written = fs_file_write(k, entry->open_file, k->procs[slot].cred.ruid, *offset, chunk, n);
        if (written < 0 && done == 0) return written;
        if (written < 0) break;
        *offset += n;
        done += n;
    }
    if (done > 0) fs_file_wrote(k, entry->open_file, &k->procs[slot].cred);
    return (i64)done;
}

i64 sys_write(struct kernel *k, u32 slot, const u64 *args) {
    struct fd *entry = fd_get(k, slot, args[0]);
    if (entry == NULL || entry->kind == FD_CONSOLE_IN) return -E_BADF;
    if (entry->kind == FD_CONSOLE_OUT) return write_console(k, slot, args[1], args[2]);
    if (entry->kind == FD_DIRECTORY) return -E_ISDIR;
    if (is_z6_fd(entry)) return z6host_log_write(k, slot, entry, args[1], args[2]);
    return write_file_at(k, slot, entry, args[1], args[2], &entry->offset);
}

// pread/pwrite(fd, buf, length, offset): a negative offset is E_INVAL before the
// descriptor is looked at, a console is E_SPIPE (Linux's ksys_pread64 order).
i64 sys_pread(struct kernel *k, u32 slot, const u64 *args) {
    if ((i64)args[3] < 0) return -E_INVAL;
    struct fd *entry = fd_get(k, slot, args[0]);
    if (entry == NULL) return -E_BADF;
    if (entry->kind == FD_CONSOLE_IN || entry->kind == FD_CONSOLE_OUT || is_z6_fd(entry)) return -E_SPIPE;
    if (entry->kind == FD_DIRECTORY) return -E_ISDIR;
    return read_file_at(k, slot, entry, args[1], args[2], args[3]);
}

i64 sys_pwrite(struct kernel *k, u32 slot, const u64 *args) {
    if ((i64)args[3] < 0) return -E_INVAL;
    struct fd *entry = fd_get(k, slot, args[0]);
    if (entry == NULL) return -E_BADF;
    if (entry->kind == FD_CONSOLE_IN || entry->kind == FD_CONSOLE_OUT || is_z6_fd(entry)) return -E_SPIPE;
    if (entry->kind == FD_DIRECTORY) return -E_BADF; // opened for reading only
    u64 offset = args[3]; // the descriptor's own offset stays where it is
    return write_file_at(k, slot, entry, args[1], args[2], &offset);
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
    out->atime_ns = inode->atime_ns;
    out->ctime_ns = inode->ctime_ns;
    out->nlink = inode->nlink;
    out->type = inode->type;
    out->mode = inode->mode;
    out->uid = inode->uid;
    out->gid = inode->gid;
}

static i64 stat_path(struct kernel *k, u32 slot, u64 path_va, u64 stat_va, u32 flags) {
    if (!user_range_ok(k, &k->procs[slot], stat_va, sizeof(struct abi_stat), PTE_R | PTE_W)) return -E_FAULT;
    struct fs_name name;
    i64 result = user_walk(k, slot, path_va, FS_WALK_LOOKUP | flags, &name);
    if (result < 0) return result;
    // An open file's size includes what was written but not yet committed.
    const struct fs_open_file *file = fs_open_copy(k, name.inode.inode);
    if (file != NULL) name.inode.size_bytes = file->meta.size_bytes;
    struct abi_stat stat;
    stat_fill(&name.inode, &stat);
    return copy_to_user(k, &k->procs[slot], stat_va, &stat, sizeof stat);
}

i64 sys_stat(struct kernel *k, u32 slot, const u64 *args) {
    return stat_path(k, slot, args[0], args[1], FS_WALK_FOLLOW);
}

i64 sys_lstat(struct kernel *k, u32 slot, const u64 *args) {
    return stat_path(k, slot, args[0], args[1], 0);
}

i64 sys_fstat(struct kernel *k, u32 slot, const u64 *args) {
    struct fd *entry = fd_get(k, slot, args[0]);
    if (entry == NULL) return -E_BADF;
    if (!user_range_ok(k, &k->procs[slot], args[1], sizeof(struct abi_stat), PTE_R | PTE_W)) return -E_FAULT;
    struct fs_inode inode;
    mem_set(&inode, 0, sizeof inode);
    if (entry->kind == FD_FILE) {
        inode = k->fs.files[entry->open_file].meta;
    } else if (entry->kind == FD_DIRECTORY) {
        i64 result = fs_read_inode(k, entry->inode, &inode);
        if (result < 0) return result;
    } else {
        inode.type = ABI_TYPE_CHAR;
        inode.mode = CONSOLE_MODE;
        inode.nlink = 1;
    }
    struct abi_stat stat;
    stat_fill(&inode, &stat);
    return copy_to_user(k, &k->procs[slot], args[1], &stat, sizeof stat);
}

// readlink(path, buf, capacity): the target, cut at capacity, without a NUL; a
// capacity of 0 is E_INVAL before the path is looked at, as Linux's do_readlinkat.
i64 sys_readlink(struct kernel *k, u32 slot, const u64 *args) {
    u64 capacity = args[2];
    if (capacity == 0) return -E_INVAL;
    struct fs_name name;
    i64 result = user_walk(k, slot, args[0], FS_WALK_LOOKUP, &name);
    if (result < 0) return result;
    if (name.inode.type != ABI_TYPE_SYMLINK) return -E_INVAL;
    char target[FS_SYMLINK_BYTES_MAX + 1];
    i64 length = fs_read_symlink(k, &name.inode, target);
    if (length < 0) return length;
    u64 count = (u64)length < capacity ? (u64)length : capacity;
    result = copy_to_user(k, &k->procs[slot], args[1], target, count);
    return result < 0 ? result : (i64)count;
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
