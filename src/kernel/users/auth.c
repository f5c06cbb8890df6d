// Password checks with delays, login sessions and sudo's stamps. The kernel keeps
// these, not sudo or login: a program the user runs could forget a failure or forge
// a success.
//
// Delays instead of lockouts (the rule is in auth.h): a lockout lets anyone who can
// type wrong passwords keep the account's owner out, root included, for as long as
// the loop runs. A delay per (account, source) slows only the source that failed:
// xy's guesses at root's password slow xy's next guess, not root at the login prompt,
// and root's password asked by login on the console (euid 0, owning the console) is
// never delayed at all, like pam_faillock, which does not lock root by default. What
// still slows guessing at the console is the hash itself and login's pause.
#include "kernel/users/auth.h"

#include "kernel/bugs.h"

#include "kernel/proc/clock.h"
#include "kernel/users/console.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/users/internal.h"

STATIC_ASSERT(ARRAY_COUNT(((struct auth *)0)->delays) == ACCOUNTS_MAX);
STATIC_ASSERT(AUTH_DELAY_FIRST_NS << 7 >= AUTH_DELAY_MAX_NS); // the cap is reached

// Index of uid's account in k->accounts (and k->auth.delays), or ACCOUNTS_MAX.
static u32 auth_account_index(const struct kernel *k, u32 uid) {
    assert(k->accounts.count <= ACCOUNTS_MAX);
    const struct account *account = accounts_find(k, uid);
    if (account == NULL) return ACCOUNTS_MAX;
    u32 index = (u32)(account - k->accounts.entries);
    assert(index < k->accounts.count);
    assert(k->accounts.entries[index].uid == uid);
    return index;
}

u64 auth_delay_ns(u32 failures) {
    if (failures <= AUTH_DELAY_FREE_FAILURES) return 0;
    u32 doublings = failures - AUTH_DELAY_FREE_FAILURES - 1;
    if (doublings >= 8) return AUTH_DELAY_MAX_NS;
    u64 delay_ns = AUTH_DELAY_FIRST_NS << doublings;
    assert(delay_ns >= AUTH_DELAY_FIRST_NS); // no bits shifted out: doublings < 8
    u64 capped_ns = delay_ns < AUTH_DELAY_MAX_NS ? delay_ns : AUTH_DELAY_MAX_NS;
    assert(capped_ns <= AUTH_DELAY_MAX_NS);
    return capped_ns;
}

struct auth_asker auth_asker_of(const struct kernel *k, const struct proc *proc_) {
    assert(k != NULL);
    assert(proc_ != NULL);
    return (struct auth_asker){.ruid = proc_->cred.ruid, .owns_console = console_owned_by(k, proc_)};
}

// The delay that applies to asker's checks of account `index`; NULL when exempt.
static struct auth_delay *auth_delay_of(struct kernel *k, const struct auth_asker *asker, u32 index, u32 uid) {
    assert(index < k->accounts.count); // the account checked has an index
    bool console_login = uid == ABI_UID_ROOT && asker->ruid == ABI_UID_ROOT && asker->owns_console;
    if (console_login) return NULL;
    u32 source = auth_account_index(k, asker->ruid);
    assert(source < AUTH_SOURCES_MAX);
    return &k->auth.delays[index][source];
}

static void auth_count_failure(struct kernel *k, u32 uid, const struct auth_asker *asker, struct auth_delay *delay) {
    if (delay->failures < AUTH_DELAY_FAILURES_MAX) delay->failures++;
    assert(delay->failures > 0);
    assert(delay->failures <= AUTH_DELAY_FAILURES_MAX);
    u64 wait_ns = auth_delay_ns(delay->failures);
    delay->next_check_ns = kernel_monotonic_ns(k) + wait_ns;
    klog(k, wait_ns > 0 ? LOG_INFO : LOG_DEBUG,
         "auth: uid %u's password wrong %u times in a row asked by uid %u; its next check waits %llu ms",
         uid, delay->failures, asker->ruid, (unsigned long long)(wait_ns / 1000000ull));
}

i64 auth_check_password(struct kernel *k, const struct auth_asker *asker, u32 uid, const char *password,
                        u64 *retry_at_ns) {
    assert(k != NULL);
    assert(asker != NULL);
    assert(retry_at_ns != NULL);
    *retry_at_ns = 0;
    u32 index = auth_account_index(k, uid);
    if (index == ACCOUNTS_MAX) return -E_ACCES;
    assert(index < k->accounts.count);
    struct auth_delay *delay = auth_delay_of(k, asker, index, uid);
    if (delay != NULL && kernel_monotonic_ns(k) < delay->next_check_ns) {
        *retry_at_ns = delay->next_check_ns;
        return -E_AGAIN;
    }
    i64 result = password == NULL ? -E_ACCES : accounts_check_password(k, uid, password);
    if (delay != NULL && result == 0) mem_set(delay, 0, sizeof *delay);
    if (delay != NULL && result == -E_ACCES) auth_count_failure(k, uid, asker, delay);
    return result;
}

void auth_failures_reset(struct kernel *k, u32 uid) {
    assert(k != NULL);
    u32 index = auth_account_index(k, uid);
    if (index < ACCOUNTS_MAX) mem_set(k->auth.delays[index], 0, sizeof k->auth.delays[index]);
    if (index < ACCOUNTS_MAX) assert(k->auth.delays[index][0].failures == 0);
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
    assert(k != NULL);
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
    assert(stamp->session_id != AUTH_SESSION_NONE); // a free slot is told by NONE

}

void auth_stamp_forget(struct kernel *k, u64 session_id, u32 uid) {
    assert(k != NULL);
    struct auth_stamp *stamp = auth_stamp_find(k, session_id, uid);
    if (stamp != NULL && session_id != AUTH_SESSION_NONE) mem_set(stamp, 0, sizeof *stamp);
}
