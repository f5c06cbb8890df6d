// Syscalls on descriptors themselves, and what a child inherits of them.
//
// Offsets: struct fd keeps its offset per descriptor, not per open file description
// as Unix does (fs.files is one buffer per open inode, shared by every open of it, so
// it cannot hold an offset either). A duplicate starts at the original's offset and
// then moves on its own, as a second open() would. Writers through an O_APPEND
// descriptor (which sh uses for > and >>) always write at the end, so several
// processes writing to copies of one descriptor still add up in order.
#include "kernel/lib/mem.h"
#include "kernel/syscall.h"

static bool fd_is_open(const struct kernel *k, u32 slot, u64 fd) {
    return fd < ABI_FDS_MAX && k->procs[slot].fds[fd].kind != FD_NONE;
}

// `to` becomes a copy of `from`: the same console, directory (and readdir cursor),
// or open file, which gains a reference. `to` must be free. (proc.c's inheritance
// does the same for a child's fds 0..2.)
static void fd_copy(struct kernel *k, struct fd *to, const struct fd *from) {
    assert(to->kind == FD_NONE);
    assert(from->kind != FD_NONE);
    *to = *from;
    if (to->kind == FD_FILE) fs_file_hold(k, to->open_file);
    assert(to->kind == from->kind);
    assert(to->open_file == from->open_file);
}

// dup2(old, new): new becomes a copy of old. new is closed first as close() would:
// when that was a file's last descriptor, its data is committed, and if that commit
// fails the error is returned and new is left closed (not a copy), so no error of a
// write is lost. Closing new before old's file gains a reference is safe when both
// name the same open file: old's own reference keeps it from its last release.
i64 sys_dup2(struct kernel *k, u32 slot, const u64 *args) {
    assert(k != NULL);
    assert(slot < PROCS_MAX);
    assert(args != NULL);
    u64 old_fd = args[0], new_fd = args[1];
    // As Linux with RLIMIT_NOFILE: a new fd beyond what the process may have is EBADF.
    if (!fd_is_open(k, slot, old_fd) || new_fd >= k->limits.files_per_process) return -E_BADF;
    if (old_fd == new_fd) return (i64)new_fd;
    struct proc *proc_ = &k->procs[slot];
    if (proc_->fds[new_fd].kind != FD_NONE) {
        const u64 close_args[SYSCALL_ARGS_MAX] = {new_fd};
        i64 closed = sys_close(k, slot, close_args);
        if (closed < 0) return closed;
    }
    fd_copy(k, &proc_->fds[new_fd], &proc_->fds[old_fd]);
    assert(fd_is_open(k, slot, new_fd));
    return (i64)new_fd;
}
