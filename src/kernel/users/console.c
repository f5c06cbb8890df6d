// Console ownership by sessions (the rules are in console.h) and vhangup.
#include "kernel/users/console.h"

#include "kernel/users/auth.h"
#include "kernel/bugs.h"
#include "kernel/kernel.h"
#include "kernel/syscall.h"
#include "kernel/users/internal.h"

bool console_owned_by(const struct kernel *k, const struct proc *proc_) {
    assert(k != NULL);
    assert(proc_ != NULL);
    assert(proc_->state != PROC_FREE);
    // The planted bug: a hung-up process still reads what is typed (the original hole).
    if (planted_bug(k, BUG_CONSOLE_READ_AFTER_HANGUP)) return true;
    return proc_->console_session == k->console.owner_session;
}

bool console_may_write(const struct kernel *k, const struct proc *proc_) {
    assert(k != NULL);
    assert(proc_ != NULL);
    if (console_owned_by(k, proc_)) return true;
    return proc_->console_session == CONSOLE_SESSION_INIT && proc_->cred.euid == ABI_UID_ROOT;
}

void console_session_end(struct kernel *k, const struct proc *leader) {
    assert(k != NULL);
    assert(leader != NULL);
    assert(leader->console_leader);
    if (leader->console_session != k->console.owner_session) return; // lost it already
    k->console.owner_session = CONSOLE_SESSION_INIT;
    klog(k, LOG_INFO, "console: session %llu ended with pid %u; the console is init's again",
         (unsigned long long)leader->console_session, leader->pid);
}

// vhangup(): root only. Every process outside the caller's new session has lost the
// console from now on; they are counted for the log, nothing else needs doing
// because access is decided by session at every read and write.
i64 sys_vhangup(struct kernel *k, u32 slot, const u64 *args) {
    assert(k != NULL);
    assert(slot < PROCS_MAX);
    (void)args;
    struct proc *proc_ = &k->procs[slot];
    if (proc_->cred.euid != ABI_UID_ROOT) return -E_PERM;
    u64 session = auth_session_new(k);
    assert(session != CONSOLE_SESSION_INIT);
    u32 hung_up = 0;
    for (u32 other = 0; other < PROCS_MAX; other++) {
        const struct proc *p = &k->procs[other];
        bool live = p->state != PROC_FREE && p->state != PROC_ZOMBIE;
        if (live && other != slot && p->console_session != CONSOLE_SESSION_INIT) hung_up++;
    }
    proc_->console_session = session;
    proc_->console_leader = true;
    k->console.owner_session = session;
    assert(console_owned_by(k, proc_)); // the caller, and only its new session, owns it now

    k->console.hangups++;
    klog(k, LOG_INFO, "console: pid %u took the console (session %llu); %u processes of other sessions lost it",
         proc_->pid, (unsigned long long)session, hung_up);
    return 0;
}
