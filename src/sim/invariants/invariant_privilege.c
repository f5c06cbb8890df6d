// privilege_only_through_authentication: a reference model of how a process's ids
// may change, independent of the kernel's cred.c. After every step each live
// process's credentials are compared with what the simulator saw before: a change
// needs the syscall that allows it (the process's last one, from the trace), and a
// new process needs its parent's ids, a root parent, or a successful sudo. The
// supplementary groups change only with the user: a login (switch_user), a sudo or a
// root parent's spawn as another user give exactly that user's groups as /etc/group
// listed them at boot (the accounts table); setuid and setgid keep them.
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kernel/kernel.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "sim/violation.h"

static bool groups_same(const struct cred *a, const struct cred *b) {
    if (a->groups_count != b->groups_count || a->groups_count > GROUPS_MAX) return false;
    return memcmp(a->groups, b->groups, a->groups_count * sizeof a->groups[0]) == 0;
}

static bool cred_same(const struct cred *a, const struct cred *b) {
    return a->ruid == b->ruid && a->euid == b->euid && a->suid == b->suid && a->rgid == b->rgid &&
           a->egid == b->egid && a->sgid == b->sgid && groups_same(a, b);
}

// The groups a login as uid gets: the account's, or its primary group alone.
static bool groups_of_user(const struct kernel *k, const struct cred *c, u32 uid) {
    const struct account *account = NULL;
    for (u32 i = 0; i < k->accounts.count; i++) {
        if (k->accounts.entries[i].uid == uid) account = &k->accounts.entries[i];
    }
    if (account == NULL) return c->groups_count == 1 && c->groups[0] == c->rgid;
    if (c->groups_count != account->groups_count || c->groups_count > GROUPS_MAX) return false;
    return memcmp(c->groups, account->groups, c->groups_count * sizeof c->groups[0]) == 0;
}

static bool cred_all_one_user(const struct cred *c) {
    return c->ruid == c->euid && c->euid == c->suid && c->rgid == c->egid && c->egid == c->sgid;
}

static bool cred_all_root(const struct cred *c) { return cred_all_one_user(c) && c->euid == 0 && c->egid == 0; }

void privilege_on_syscall(struct platform *node, const struct trace_event *event) {
    assert(node != NULL);
    assert(event != NULL);
    assert(event->kind == TRACE_SYSCALL);
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        struct privilege_shadow *shadow = &node->invariants.privilege[slot];
        if (shadow->pid == 0 || shadow->pid != event->a) continue;
        shadow->syscall = event->b;
        shadow->syscall_result = (i64)event->c;
    }
}

// An existing process whose ids changed: which syscall of its may have done it.
static bool change_allowed(const struct kernel *k, const struct privilege_shadow *before, const struct cred *after) {
    const struct cred *old = &before->cred;
    if (before->syscall_result != 0) return false; // a failed syscall changes nothing
    if (before->syscall == SYS_switch_user) return cred_all_one_user(after) && groups_of_user(k, after, after->ruid);
    if (!groups_same(old, after)) return false;
    bool gids_kept = old->rgid == after->rgid && old->egid == after->egid && old->sgid == after->sgid;
    bool uids_kept = old->ruid == after->ruid && old->euid == after->euid && old->suid == after->suid;
    if (before->syscall == SYS_setuid && gids_kept) {
        if (old->euid == 0) return after->ruid == after->euid && after->euid == after->suid;
        return old->ruid == after->ruid && old->suid == after->suid &&
               (after->euid == old->ruid || after->euid == old->suid);
    }
    if (before->syscall == SYS_setgid && uids_kept) {
        if (old->euid == 0) return after->rgid == after->egid && after->egid == after->sgid;
        return old->rgid == after->rgid && old->sgid == after->sgid &&
               (after->egid == old->rgid || after->egid == old->sgid);
    }
    return false;
}

// A new process: init is root; others inherit, or a root parent chose, or sudo.
static bool start_allowed(const struct platform *node, const struct proc *proc) {
    const struct kernel *k = &node->kernel;
    // No parent: init (root), or a z6 service the kernel started as its account says.
    if (proc->parent_pid == 0 && proc->supervised) {
        return cred_all_one_user(&proc->cred) && groups_of_user(k, &proc->cred, proc->cred.ruid);
    }
    // A Zix builder (kernel/zix/zix_build.c): its build slot's build user, no groups.
    if (proc->parent_pid == 0 && proc->zix_build != 0) {
        u32 build_uid = ZIX_BUILD_UID_FIRST + (u32)proc->zix_build - 1u;
        return cred_all_one_user(&proc->cred) && proc->cred.ruid == build_uid && proc->cred.rgid == build_uid &&
               proc->cred.groups_count == 0;
    }
    if (proc->parent_pid == 0) return cred_all_root(&proc->cred) && groups_of_user(k, &proc->cred, ABI_UID_ROOT);
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        const struct privilege_shadow *parent = &node->invariants.privilege[slot];
        if (parent->pid == 0 || parent->pid != proc->parent_pid) continue;
        const struct cred *p = &parent->cred, *c = &proc->cred;
        if (parent->syscall == SYS_sudo && parent->syscall_result == (i64)proc->pid) {
            return cred_all_root(c) && groups_of_user(k, c, ABI_UID_ROOT);
        }
        bool inherits = c->euid == p->euid && c->egid == p->egid && groups_same(c, p);
        if (p->euid == 0) return inherits || (cred_all_one_user(c) && groups_of_user(k, c, c->ruid));
        return c->ruid == p->ruid && c->euid == p->euid && c->suid == p->euid && c->rgid == p->rgid &&
               c->egid == p->egid && c->sgid == p->egid && groups_same(c, p);
    }
    return false; // a parent never seen: nothing vouches for these ids
}

static void violation(struct sim *sim, struct platform *node, const struct proc *proc, const char *what) {
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    snprintf(detail, sizeof(detail), "pid %u (parent %u) %s: uid %u/%u/%u gid %u/%u/%u", proc->pid,
             proc->parent_pid, what, proc->cred.ruid, proc->cred.euid, proc->cred.suid, proc->cred.rgid,
             proc->cred.egid, proc->cred.sgid);
    sim_violation(sim, node, INV_PRIVILEGE_ONLY_THROUGH_AUTHENTICATION, detail);
}

void privilege_after_step(struct sim *sim, struct platform *node) {
    assert(sim != NULL);
    assert(node != NULL);
    const struct kernel *k = &node->kernel;
    assert(k->run_state == KERNEL_RUNNING);
    sim->invariant_checks[INV_PRIVILEGE_ONLY_THROUGH_AUTHENTICATION]++;
    // New processes first, while their parents' shadows still hold this step's syscall.
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        const struct proc *proc = &k->procs[slot];
        const struct privilege_shadow *shadow = &node->invariants.privilege[slot];
        if (proc->state == PROC_FREE || shadow->pid == proc->pid) continue;
        if (!start_allowed(node, proc)) violation(sim, node, proc, "started with ids nothing allowed");
    }
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        const struct proc *proc = &k->procs[slot];
        struct privilege_shadow *shadow = &node->invariants.privilege[slot];
        if (proc->state == PROC_FREE) { memset(shadow, 0, sizeof(*shadow)); continue; }
        if (shadow->pid == proc->pid && !cred_same(&shadow->cred, &proc->cred) && !change_allowed(k, shadow, &proc->cred)) {
            violation(sim, node, proc, "changed ids without a syscall allowing it");
        }
    }
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        const struct proc *proc = &k->procs[slot];
        struct privilege_shadow *shadow = &node->invariants.privilege[slot];
        if (proc->state == PROC_FREE) continue;
        *shadow = (struct privilege_shadow){.pid = proc->pid, .cred = proc->cred};
    }
}

// ---- sudo's memory -------------------------------------------------------------------
// A model of the rule, apart from auth.c: a sudo with a password that returns a child
// remembers (uid, session) at the kernel's clock; one that returns 0 ("", sudo -k)
// forgets; a sudo without a password (a2 == NULL, still in the trap frame when the
// syscall's event arrives) that returns a child needs root or such a memory, younger
// than the timeout the kernel loaded from /etc/sudo.conf. Refusals are never wrong.
static struct sudo_stamp_shadow *stamp_find(struct platform *node, u32 uid, u64 session_id) {
    for (u32 i = 0; i < SUDO_STAMPS_SHADOW_MAX; i++) {
        struct sudo_stamp_shadow *stamp = &node->invariants.sudo_stamps[i];
        if (stamp->session_id == session_id && stamp->uid == uid) return stamp;
    }
    return NULL;
}

static void stamp_remember(struct platform *node, u32 uid, u64 session_id, u64 now_ns) {
    if (session_id == 0) return; // outside any login session nothing is remembered
    struct sudo_stamp_shadow *stamp = stamp_find(node, uid, session_id);
    if (stamp == NULL) stamp = stamp_find(node, 0, 0); // a free entry
    if (stamp == NULL) stamp = &node->invariants.sudo_stamps[session_id % SUDO_STAMPS_SHADOW_MAX];
    *stamp = (struct sudo_stamp_shadow){.session_id = session_id, .uid = uid, .granted_ns = now_ns};
}

void privilege_on_sudo(struct sim *sim, struct platform *node, const struct trace_event *event) {
    assert(sim != NULL);
    assert(node != NULL);
    assert(event->kind == TRACE_SYSCALL);
    assert(event->b == SYS_sudo);
    const struct kernel *k = &node->kernel;
    const struct proc *proc = NULL;
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        if (k->procs[slot].state != PROC_FREE && k->procs[slot].pid == event->a) proc = &k->procs[slot];
    }
    if (proc == NULL || proc->cred.ruid == ABI_UID_ROOT) return; // root needs no password
    u64 password_va = proc->context.regs[12];
    i64 result = (i64)event->c;
    u32 uid = proc->cred.ruid;
    u64 now_ns = k->monotonic_last_ns;
    struct sudo_stamp_shadow *stamp = stamp_find(node, uid, proc->session_id);
    if (password_va != 0) {
        if (result > 0) stamp_remember(node, uid, proc->session_id, now_ns);
        else if (result == 0 && stamp != NULL) *stamp = (struct sudo_stamp_shadow){0};
        return;
    }
    if (result <= 0) return;
    sim->invariant_checks[INV_PRIVILEGE_ONLY_THROUGH_AUTHENTICATION]++;
    bool remembered = proc->session_id != 0 && stamp != NULL && now_ns >= stamp->granted_ns &&
                      now_ns - stamp->granted_ns < k->auth.sudo_timeout_ns;
    if (remembered) return;
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    snprintf(detail, sizeof detail,
             "pid %u (uid %u, session %" PRIu64 ") got root's child %" PRIi64 " from sudo without a password, "
             "with no success of uid %u in that session in the last %" PRIu64 " ns",
             proc->pid, uid, proc->session_id, result, uid, k->auth.sudo_timeout_ns);
    sim_violation(sim, node, INV_PRIVILEGE_ONLY_THROUGH_AUTHENTICATION, detail);
}
