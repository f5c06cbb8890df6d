// Password checks with a lockout, login sessions and sudo's stamps. The kernel keeps
// these, not sudo or login: a program the user runs could forget a failure or forge
// a success.
#include "auth.h"

#include "bugs.h"

#include "clock.h"
#include "kernel.h"
#include "format.h"
#include "mem.h"

STATIC_ASSERT(ARRAY_COUNT(((struct auth *)0)->failures) == ACCOUNTS_MAX);

// Index of uid's account in k->accounts (and k->auth.failures), or ACCOUNTS_MAX.
static u32 auth_account_index(const struct kernel *k, u32 uid) {
    const struct account *account = accounts_find(k, uid);
    if (account == NULL) return ACCOUNTS_MAX;
    u32 index = (u32)(account - k->accounts.entries);
    assert(index < k->accounts.count);
    return index;
}

// Whether the account is locked now; an expired lock is cleared with its count.
static bool auth_locked(struct kernel *k, struct auth_failures *failures) {
    if (failures->locked_until_ns == 0) return false;
    if (kernel_monotonic_ns(k) < failures->locked_until_ns) return true;
    failures->locked_until_ns = 0;
    failures->count = 0;
    return false;
}

static void auth_count_failure(struct kernel *k, u32 uid, struct auth_failures *failures) {
    assert(failures->locked_until_ns == 0);
    failures->count++;
    if (failures->count < AUTH_FAILURES_MAX) return;
    failures->locked_until_ns = kernel_monotonic_ns(k) + AUTH_LOCKOUT_NS;
    char detail[AUTH_LOG_DETAIL_LEN_MAX];
    format(detail, sizeof detail, "target=%u after %u failures, for %llu s", uid, failures->count,
           (unsigned long long)(AUTH_LOCKOUT_NS / NS_PER_S));
    u32 slot = k->current_slot;
    u32 pid = slot < PROCS_MAX ? k->procs[slot].pid : 0;
    u32 caller = slot < PROCS_MAX ? k->procs[slot].cred.ruid : ABI_UID_ROOT;
    auth_log(k, pid, caller, "lockout", "locked", detail);
    klog(k, LOG_WARN, "auth: uid %u locked for %llu s after %u failed passwords", uid,
         (unsigned long long)(AUTH_LOCKOUT_NS / NS_PER_S), failures->count);
}

i64 auth_check_password(struct kernel *k, u32 uid, const char *password) {
    assert(k != NULL);
    u32 index = auth_account_index(k, uid);
    if (index == ACCOUNTS_MAX) return -E_ACCES;
    struct auth_failures *failures = &k->auth.failures[index];
    if (auth_locked(k, failures)) return -E_AGAIN;
    i64 result = password == NULL ? -E_ACCES : accounts_check_password(k, uid, password);
    if (result == 0) {
        failures->count = 0;
    } else if (result == -E_ACCES) {
        auth_count_failure(k, uid, failures);
    }
    assert(failures->count <= AUTH_FAILURES_MAX);
    return result;
}

void auth_failures_reset(struct kernel *k, u32 uid) {
    assert(k != NULL);
    u32 index = auth_account_index(k, uid);
    if (index < ACCOUNTS_MAX) mem_set(&k->auth.failures[index], 0, sizeof k->auth.failures[index]);
}

u64 auth_session_new(struct kernel *k) {
    assert(k != NULL);
    if (k->auth.session_next == AUTH_SESSION_NONE) k->auth.session_next = AUTH_SESSION_NONE + 1;
    u64 session_id = k->auth.session_next++;
    assert(session_id != AUTH_SESSION_NONE);
    return session_id;
}

u64 auth_session_of_pid(const struct kernel *k, u32 pid) {
    assert(k != NULL);
    if (pid == 0) return AUTH_SESSION_NONE;
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        const struct proc *proc_ = &k->procs[slot];
        if (proc_->state != PROC_FREE && proc_->pid == pid) return proc_->session_id;
    }
    return AUTH_SESSION_NONE;
}

static struct auth_stamp *auth_stamp_find(struct kernel *k, u64 session_id, u32 uid) {
    for (u32 i = 0; i < AUTH_STAMPS_MAX; i++) {
        struct auth_stamp *stamp = &k->auth.stamps[i];
        // The planted bug: any of the user's sessions vouches for this one.
        bool session_matches = stamp->session_id == session_id ||
                               (stamp->session_id != AUTH_SESSION_NONE && planted_bug(k, BUG_SUDO_STAMP_ANY_SESSION));
        if (session_matches && stamp->uid == uid) return stamp;
    }
    return NULL;
}

bool auth_stamp_valid(struct kernel *k, u64 session_id, u32 uid) {
    assert(k != NULL);
    if (session_id == AUTH_SESSION_NONE || k->auth.sudo_timeout_ns == 0) return false;
    struct auth_stamp *stamp = auth_stamp_find(k, session_id, uid);
    if (stamp == NULL) return false;
    u64 now_ns = kernel_monotonic_ns(k);
    assert(now_ns >= stamp->granted_ns);
    if (now_ns - stamp->granted_ns < k->auth.sudo_timeout_ns) return true;
    mem_set(stamp, 0, sizeof *stamp); // expired: free the slot
    return false;
}

// Reuses the session's own slot, else a free one, else the oldest.
void auth_stamp_set(struct kernel *k, u64 session_id, u32 uid) {
    assert(k != NULL);
    if (session_id == AUTH_SESSION_NONE || k->auth.sudo_timeout_ns == 0) return;
    struct auth_stamp *stamp = auth_stamp_find(k, session_id, uid);
    if (stamp == NULL) stamp = auth_stamp_find(k, AUTH_SESSION_NONE, 0);
    if (stamp == NULL) {
        stamp = &k->auth.stamps[0];
        for (u32 i = 1; i < AUTH_STAMPS_MAX; i++) {
            if (k->auth.stamps[i].granted_ns < stamp->granted_ns) stamp = &k->auth.stamps[i];
        }
    }
    assert(stamp != NULL);
    *stamp = (struct auth_stamp){.session_id = session_id, .uid = uid, .granted_ns = kernel_monotonic_ns(k)};
}

void auth_stamp_forget(struct kernel *k, u64 session_id, u32 uid) {
    assert(k != NULL);
    struct auth_stamp *stamp = auth_stamp_find(k, session_id, uid);
    if (stamp != NULL && session_id != AUTH_SESSION_NONE) mem_set(stamp, 0, sizeof *stamp);
}
