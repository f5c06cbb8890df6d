// Console sessions on a real booted kernel (one simulated node): who may read and
// write the console at boot, after vhangup, after a session ends; vhangup is root's;
// a process that lost the console gets -E_IO from read and write and never gets it
// back. Processes other than init are made up in free slots of the table (never run).
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/proc/proc.h"
#include "kernel/syscall.h"
#include "kernel/users/console.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_sim.h"

#define STEPS_MAX 200000u
#define FAKE_PID_FIRST 900u

static struct sim *boot_node(void) {
    struct sim_config config;
    unit_sim_config(&config, 11, STEPS_MAX, "init.rounds=0 init.end=idle loglevel=error");
    config.log_level = LOG_ERROR;
    struct sim *sim = unit_sim_start(&config);
    enum sim_end end;
    for (u32 i = 0; i < 1000 && sim->nodes[0]->kernel.procs[0].state != PROC_SLEEPING; i++) {
        if (!sim_step(sim, &end)) break;
    }
    return sim;
}

// A process in a free slot, never run: enough for the console's decisions.
static u32 fake_proc(struct kernel *k, u32 uid, u64 console_session) {
    static u32 pid_next = FAKE_PID_FIRST;
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        struct proc *p = &k->procs[slot];
        if (p->state != PROC_FREE) continue;
        memset(p, 0, sizeof *p);
        p->state = PROC_SLEEPING;
        p->sleep_deadline_ns = ~0ull;
        p->pid = pid_next++;
        p->parent_pid = 1;
        p->cred = cred_of_user(uid);
        p->console_session = console_session;
        p->fds[0].kind = FD_CONSOLE_IN;
        p->fds[1].kind = FD_CONSOLE_OUT;
        return slot;
    }
    assert(false);
    return SLOT_NONE;
}

static i64 try_read(struct kernel *k, u32 slot) {
    const u64 args[SYSCALL_ARGS_MAX] = {0, ABI_USER_VA_BASE, 1, 0, 0, 0};
    return sys_read(k, slot, args);
}

static i64 try_write(struct kernel *k, u32 slot) {
    const u64 args[SYSCALL_ARGS_MAX] = {1, ABI_USER_VA_BASE, 1, 0, 0, 0};
    return sys_write(k, slot, args);
}

static i64 vhangup(struct kernel *k, u32 slot) {
    const u64 args[SYSCALL_ARGS_MAX] = {0};
    return sys_vhangup(k, slot, args);
}

int main(void) {
    struct sim *sim = boot_node();
    struct kernel *k = &sim->nodes[0]->kernel;
    const struct proc *init = &k->procs[0];
    UNIT_CHECK("boot_init_alive", init->pid == 1 && init->state != PROC_FREE);
    u32 xy_init_side = fake_proc(k, ABI_UID_USER, CONSOLE_SESSION_INIT);
    UNIT_CHECK("boot_session_0_owns", k->console.owner_session == CONSOLE_SESSION_INIT &&
                                          console_owned_by(k, init) && console_owned_by(k, &k->procs[xy_init_side]));
    u32 login = fake_proc(k, ABI_UID_ROOT, CONSOLE_SESSION_INIT);
    u32 xy_attacker = fake_proc(k, ABI_UID_USER, CONSOLE_SESSION_INIT);
    UNIT_CHECK("vhangup_needs_root", vhangup(k, xy_attacker) == -E_PERM &&
                                         k->console.owner_session == CONSOLE_SESSION_INIT && k->console.hangups == 0);
    UNIT_CHECK("vhangup_root", vhangup(k, login) == 0 && k->procs[login].console_leader &&
                                   k->procs[login].console_session != CONSOLE_SESSION_INIT &&
                                   k->console.owner_session == k->procs[login].console_session);
    u64 first = k->procs[login].console_session;
    UNIT_CHECK("vhangup_caller_owns", console_owned_by(k, &k->procs[login]) && console_may_write(k, &k->procs[login]));
    UNIT_CHECK("vhangup_others_cannot_read", !console_owned_by(k, init) && !console_owned_by(k, &k->procs[xy_init_side]));
    UNIT_CHECK("session_0_root_still_writes", console_may_write(k, init));
    UNIT_CHECK("session_0_user_cannot_write", !console_may_write(k, &k->procs[xy_init_side]));
    UNIT_CHECK("lost_read_is_eio", try_read(k, xy_init_side) == -E_IO && try_read(k, 0) == -E_IO);
    UNIT_CHECK("lost_write_is_eio", try_write(k, xy_init_side) == -E_IO);
    // xy's shell in the login session, and what it leaves running.
    u32 shell = fake_proc(k, ABI_UID_USER, first);
    u32 leftover = fake_proc(k, ABI_UID_USER, first);
    UNIT_CHECK("session_member_owns", console_owned_by(k, &k->procs[shell]) && console_may_write(k, &k->procs[leftover]));
    UNIT_CHECK("member_cannot_vhangup", vhangup(k, leftover) == -E_PERM && k->console.owner_session == first);
    // The session ends with the process that made it: init's session has the console again.
    k->procs[login].state = PROC_ZOMBIE;
    console_session_end(k, &k->procs[login]);
    UNIT_CHECK("session_end_back_to_init", k->console.owner_session == CONSOLE_SESSION_INIT &&
                                               console_owned_by(k, init));
    i64 init_read = try_read(k, 0); // init's text is not writable: E_FAULT, but not E_IO
    UNIT_CHECK("session_end_init_reads", init_read != -E_IO && init_read != -E_BADF);
    UNIT_CHECK("session_end_leftover_hung_up", !console_owned_by(k, &k->procs[leftover]) &&
                                                   !console_may_write(k, &k->procs[leftover]) &&
                                                   try_read(k, leftover) == -E_IO &&
                                                   try_write(k, leftover) == -E_IO);
    // The next login: a new session, never the old one again.
    u32 next_login = fake_proc(k, ABI_UID_ROOT, CONSOLE_SESSION_INIT);
    UNIT_CHECK("next_login_new_session", vhangup(k, next_login) == 0 && k->console.owner_session != first &&
                                             k->console.hangups == 2);
    k->procs[leftover].session_id = 77; // a new login session (switch_user) does not bring it back
    UNIT_CHECK("hung_up_for_good", !console_owned_by(k, &k->procs[leftover]) && try_read(k, leftover) == -E_IO);
    // A session that lost the console before it ended does not take it from the new one.
    u32 old_leader = fake_proc(k, ABI_UID_ROOT, first);
    k->procs[old_leader].console_leader = true;
    console_session_end(k, &k->procs[old_leader]);
    UNIT_CHECK("old_session_end_changes_nothing", k->console.owner_session == k->procs[next_login].console_session);
    sim_destroy(sim);
    UNIT_EXIT();
}
