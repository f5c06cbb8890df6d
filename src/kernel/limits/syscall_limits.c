// usage(uid, struct abi_usage *): what a user holds of each shared resource and what
// its share is (limits.h). A user may ask about itself; root about anyone.
#include "kernel/limits/limits.h"
#include "kernel/lib/mem.h"
#include "kernel/syscall.h"
#include "kernel/proc/usercopy.h"
#include "kernel/proc/vm.h"

static void usage_processes(const struct kernel *k, u32 uid, struct abi_usage *out) {
    assert(out->processes == 0);
    assert(k->frames.count >= k->frames.kernel_frames);
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        const struct proc *proc_ = &k->procs[slot];
        if (proc_->state == PROC_FREE || proc_->cred.ruid != uid) continue;
        out->processes++;
        out->memory_bytes += (u64)proc_->frames_owned * PAGE_SIZE_BYTES;
    }
    for (u32 i = 0; i < FS_OPEN_FILES_MAX; i++) {
        const struct fs_open_file *file = &k->fs.files[i];
        if (file->references > 0 && file->opener_uid == uid) out->open_files++;
    }
    bool root = uid == ABI_UID_ROOT;
    u64 memory_total = (u64)(k->frames.count - k->frames.kernel_frames) * PAGE_SIZE_BYTES;
    out->processes_max = root ? PROCS_MAX : k->limits.processes_per_user;
    out->open_files_max = root ? FS_OPEN_FILES_MAX : k->limits.open_files_per_user;
    out->files_per_process = k->limits.files_per_process;
    out->memory_max_bytes = root ? memory_total : memory_total / PERCENT_MAX * k->limits.memory_per_user_percent;
}

// Nothing (zeros) without a disk; the error of an inode that cannot be read.
static i64 usage_disk(struct kernel *k, u32 uid, struct abi_usage *out) {
    assert(out->disk_used_bytes == 0);
    assert(out->uid == uid);
    if (fs_readable(k) != 0) return 0;
    i64 counted = fs_usage_ensure(k);
    if (counted < 0) return counted;
    struct fs_usage row = fs_usage_of(k, uid);
    bool root = uid == ABI_UID_ROOT;
    out->inodes = row.inodes;
    out->disk_bytes = row.bytes;
    out->disk_capacity_bytes = fs_capacity_bytes(k);
    out->inodes_max = root ? FS_INODES_MAX : k->limits.inodes_per_user;
    out->disk_max_bytes = root ? out->disk_capacity_bytes
                               : out->disk_capacity_bytes / PERCENT_MAX * k->limits.disk_per_user_percent;
    for (u32 i = 0; i < k->fs.usage_count; i++) out->disk_used_bytes += k->fs.usage[i].bytes; // counted above
    return 0;
}

i64 sys_usage(struct kernel *k, u32 slot, const u64 *args) {
    assert(k != NULL);
    assert(slot < PROCS_MAX);
    const struct proc *proc_ = &k->procs[slot];
    if (args[0] > UINT32_MAX) return -E_INVAL;
    u32 uid = (u32)args[0];
    if (proc_->cred.euid != ABI_UID_ROOT && uid != proc_->cred.ruid && uid != proc_->cred.euid) return -E_PERM;
    if (!user_range_ok(k, proc_, args[1], sizeof(struct abi_usage), PTE_R | PTE_W)) return -E_FAULT;
    struct abi_usage out;
    mem_set(&out, 0, sizeof out);
    out.uid = uid;
    usage_processes(k, uid, &out);
    i64 result = usage_disk(k, uid, &out);
    if (result < 0) return result;
    return copy_to_user(k, proc_, args[1], &out, sizeof out);
}
