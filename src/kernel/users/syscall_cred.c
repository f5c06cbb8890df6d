// Syscalls about who a process is: its user and group ids, and changing them.
#include "kernel/bugs.h"
#include "kernel/cred/cred.h"
#include "kernel/kernel.h"
#include "kernel/lib/endian.h"
#include "kernel/syscall.h"
#include "kernel/proc/usercopy.h"

// The caller's credentials: syscall_dispatch runs only a runnable process's syscalls.
static const struct cred *caller_cred(const struct kernel *k, u32 slot) {
    assert(slot < PROCS_MAX);
    assert(k->procs[slot].state == PROC_RUNNABLE);
    return &k->procs[slot].cred;
}

i64 sys_getuid(struct kernel *k, u32 slot, const u64 *args) { return caller_cred(k, slot)->ruid; }
i64 sys_geteuid(struct kernel *k, u32 slot, const u64 *args) { return caller_cred(k, slot)->euid; }
i64 sys_getgid(struct kernel *k, u32 slot, const u64 *args) { return caller_cred(k, slot)->rgid; }
i64 sys_getegid(struct kernel *k, u32 slot, const u64 *args) { return caller_cred(k, slot)->egid; }

// Ids are u32; a wider argument is no id at all (and never wraps onto root).
static bool id_argument_ok(u64 id) { return id < CRED_ID_UNCHANGED; }

i64 sys_setuid(struct kernel *k, u32 slot, const u64 *args) {
    assert(slot < PROCS_MAX);
    struct proc *proc_ = &k->procs[slot];
    assert(proc_->state == PROC_RUNNABLE);
    if (!id_argument_ok(args[0])) return -E_INVAL;
    u32 euid_before = proc_->cred.euid;
    if (planted_bug(k, BUG_SETUID_ANY_UID)) {
        proc_->cred.euid = (u32)args[0];
        return 0;
    }
    i64 result = cred_setuid(&proc_->cred, (u32)args[0]);
    if (result < 0) assert(result == -E_PERM); // the only refusal cred_setuid has
    // The planted bug: a refused setuid still leaves the requested effective uid.
    if (result < 0 && planted_bug(k, BUG_SETUID_DENIED_KEEPS_EUID)) proc_->cred.euid = (u32)args[0];
    klog(k, LOG_DEBUG, "pid %u setuid(%llu) from euid %u = %lld", proc_->pid,
         (unsigned long long)args[0], euid_before, (long long)result);
    return result;
}

i64 sys_setgid(struct kernel *k, u32 slot, const u64 *args) {
    assert(slot < PROCS_MAX);
    struct proc *proc_ = &k->procs[slot];
    assert(proc_->state == PROC_RUNNABLE);
    if (!id_argument_ok(args[0])) return -E_INVAL;
    u32 euid_before = proc_->cred.euid;
    i64 result = cred_setgid(&proc_->cred, (u32)args[0]);
    assert(proc_->cred.euid == euid_before); // a group change never changes the user
    klog(k, LOG_DEBUG, "pid %u setgid(%llu) = %lld", proc_->pid, (unsigned long long)args[0],
         (long long)result);
    return result;
}

// getgroups(gids, capacity): the process's groups (its primary group first, then
// those /etc/group lists it in). Capacity 0 only counts; a smaller one than the
// count is E_INVAL, as Linux's getgroups.
i64 sys_getgroups(struct kernel *k, u32 slot, const u64 *args) {
    assert(slot < PROCS_MAX);
    const struct cred *cred = &k->procs[slot].cred;
    u64 count = cred->groups_count, capacity = args[1];
    assert(count <= GROUPS_MAX);
    if (capacity == 0) return (i64)count;
    if (capacity < count) return -E_INVAL;
    u8 bytes[GROUPS_MAX * sizeof(u32)];
    for (u64 i = 0; i < count; i++) store_u32_le(bytes + i * sizeof(u32), cred->groups[i]);
    assert(count * sizeof(u32) <= sizeof bytes); // never more than asked, nor than held
    assert(count <= capacity);

    i64 copied = copy_to_user(k, &k->procs[slot], args[0], bytes, count * sizeof(u32));
    return copied < 0 ? copied : (i64)count;
}
