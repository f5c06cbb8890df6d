// Syscalls about who a process is: its user and group ids, and changing them.
#include "bugs.h"
#include "cred.h"
#include "kernel.h"
#include "syscall.h"

i64 sys_getuid(struct kernel *k, u32 slot, const u64 *args) { return k->procs[slot].cred.ruid; }
i64 sys_geteuid(struct kernel *k, u32 slot, const u64 *args) { return k->procs[slot].cred.euid; }
i64 sys_getgid(struct kernel *k, u32 slot, const u64 *args) { return k->procs[slot].cred.rgid; }
i64 sys_getegid(struct kernel *k, u32 slot, const u64 *args) { return k->procs[slot].cred.egid; }

// Ids are u32; a wider argument is no id at all (and never wraps onto root).
static bool id_argument_ok(u64 id) { return id < CRED_ID_UNCHANGED; }

i64 sys_setuid(struct kernel *k, u32 slot, const u64 *args) {
    struct proc *proc_ = &k->procs[slot];
    if (!id_argument_ok(args[0])) return -E_INVAL;
    u32 euid_before = proc_->cred.euid;
    if (planted_bug(k, BUG_SETUID_ANY_UID)) {
        proc_->cred.euid = (u32)args[0];
        return 0;
    }
    i64 result = cred_setuid(&proc_->cred, (u32)args[0]);
    // The planted bug: a refused setuid still leaves the requested effective uid.
    if (result < 0 && planted_bug(k, BUG_SETUID_DENIED_KEEPS_EUID)) proc_->cred.euid = (u32)args[0];
    klog(k, LOG_DEBUG, "pid %u setuid(%llu) from euid %u = %lld", proc_->pid,
         (unsigned long long)args[0], euid_before, (long long)result);
    return result;
}

i64 sys_setgid(struct kernel *k, u32 slot, const u64 *args) {
    struct proc *proc_ = &k->procs[slot];
    if (!id_argument_ok(args[0])) return -E_INVAL;
    i64 result = cred_setgid(&proc_->cred, (u32)args[0]);
    klog(k, LOG_DEBUG, "pid %u setgid(%llu) = %lld", proc_->pid, (unsigned long long)args[0],
         (long long)result);
    return result;
}
