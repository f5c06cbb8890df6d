// File syscalls. Until the filesystem on GrainDB lands (issue 3), only the console
// descriptors exist: fd 0 reads the console; every file operation is -E_NOSYS.
#include "mem.h"
#include "proc.h"
#include "syscall.h"
#include "usercopy.h"
#include "vm.h"

#define READ_CHUNK_BYTES 256ull

i64 sys_read(struct kernel *k, u32 slot, const u64 *args) {
    u64 fd = args[0], buffer_va = args[1], length = args[2];
    if (fd != 0) return -E_BADF;
    struct proc *proc_ = &k->procs[slot];
    if (length > READ_CHUNK_BYTES) length = READ_CHUNK_BYTES;
    if (!user_range_ok(k, proc_, buffer_va, length, PTE_R | PTE_W)) return -E_FAULT;
    u8 bytes[READ_CHUNK_BYTES];
    u64 count = platform_console_read(k->platform, bytes, length);
    assert(count <= length);
    i64 copied = copy_to_user(k, proc_, buffer_va, bytes, count);
    return copied < 0 ? copied : (i64)count;
}

#define FS_NOT_YET(name)                                                   \
    i64 sys_##name(struct kernel *k, u32 slot, const u64 *args) {          \
        return -E_NOSYS;                                                   \
    }
FS_NOT_YET(open)
FS_NOT_YET(close)
FS_NOT_YET(fsync)
FS_NOT_YET(mkdir)
FS_NOT_YET(readdir)
FS_NOT_YET(stat)
FS_NOT_YET(unlink)
FS_NOT_YET(rename)
FS_NOT_YET(chdir)
FS_NOT_YET(getcwd)
FS_NOT_YET(seek)
FS_NOT_YET(rmdir)
