// Syscalls that create, wait for and stop processes, and stop the machine.
#include "kernel/users/accounts.h"
#include "kernel/bugs.h"
#include "kernel/lib/endian.h"
#include "kernel/lib/mem.h"
#include "kernel/proc/proc.h"
#include "kernel/syscall.h"
#include "kernel/observe.h"
#include "kernel/proc/usercopy.h"
#include "kernel/proc/vm.h"
#include "kernel/proc/internal.h"

// Reads a NULL-terminated argv array of user pointers. argv_va == 0 means
// argv = { path }.
static i64 spawn_read_args(struct kernel *k, const struct proc *proc_, u64 argv_va,
                           const char *path, struct spawn_args *args) {
    args->count = 0;
    if (argv_va == 0) {
        args->count = 1;
        return str_copy(args->strings[0], ABI_ARG_LEN_MAX, path) ? 0 : -E_2BIG;
    }
    for (u32 i = 0;; i++) {
        u8 bytes[8];
        if (argv_va + i * 8ull < argv_va) return -E_FAULT;
        if (copy_from_user(k, proc_, bytes, argv_va + i * 8ull, 8) < 0) return -E_FAULT;
        u64 string_va = load_u64_le(bytes);
        if (string_va == 0) break;
        if (i >= ABI_ARGV_COUNT_MAX) return -E_2BIG;
        i64 length = copy_string_from_user(k, proc_, args->strings[i], ABI_ARG_LEN_MAX, string_va);
        if (length == -E_NAMETOOLONG) return -E_2BIG;
        if (length < 0) return length;
        args->count = i + 1;
    }
    return 0;
}

// The program's absolute path and its argv (declared in syscall.h: sudo uses it).
i64 spawn_read_request(struct kernel *k, const struct proc *proc_, u64 path_va, u64 argv_va,
                              char path[ABI_PATH_LEN_MAX], struct spawn_args *args) {
    i64 length = copy_string_from_user(k, proc_, path, ABI_PATH_LEN_MAX, path_va);
    if (length < 0) return length;
    if (length == 0 || path[0] != '/') return -E_INVAL; // absolute paths until a cwd exists
    return spawn_read_args(k, proc_, argv_va, path, args);
}

i64 sys_spawn(struct kernel *k, u32 slot, const u64 *args) {
    struct proc *proc_ = &k->procs[slot];
    u64 uid = args[2];
    // Root, xy, or the caller's own uid (a Zix builder's build user starts its tools).
    if (uid != ABI_UID_ROOT && uid != ABI_UID_USER && uid != proc_->cred.euid) return -E_INVAL;
    // Only root may start a process as someone else.
    struct cred child;
    i64 allowed = cred_for_child(&proc_->cred, (u32)uid, &child);
    if (allowed < 0) return allowed;
    if (uid != proc_->cred.euid) child = accounts_cred(k, (u32)uid); // a login as uid: its groups too
    char path[ABI_PATH_LEN_MAX];
    struct spawn_args spawn_args;
    i64 read = spawn_read_request(k, proc_, args[0], args[1], path, &spawn_args);
    if (read < 0) return read;
    i64 pid = proc_spawn(k, proc_->pid, path, &spawn_args, &child);
    klog(k, LOG_DEBUG, "spawn %s by pid %u as uid %llu = %lld", path, proc_->pid,
         (unsigned long long)uid, (long long)pid);
    return pid;
}

i64 sys_wait(struct kernel *k, u32 slot, const u64 *args) {
    struct proc *proc_ = &k->procs[slot];
    i64 wait_pid = (i64)args[0];
    u64 status_va = args[1], flags = args[2];
    if ((flags & ~(u64)ABI_WAIT_NOHANG) != 0) return -E_INVAL;
    if (wait_pid != ABI_WAIT_ANY && (wait_pid <= 0 || wait_pid > (i64)UINT32_MAX)) return -E_INVAL;
    if (status_va != 0 &&
        !user_range_ok(k, proc_, status_va, sizeof(struct abi_wait_status), PTE_R | PTE_W)) {
        return -E_FAULT;
    }
    i64 reaped = proc_reap_child(k, slot, wait_pid, status_va);
    if (reaped != 0 || (flags & ABI_WAIT_NOHANG)) return reaped;
    // Block: proc_exit() of a matching child completes the wait.
    proc_->state = PROC_WAITING;
    proc_->wait_pid = wait_pid;
    proc_->wait_status_va = status_va;
    return 0;
}

#define KILL_PID_INIT 1
#define KILL_SIGNAL_CHECK 0 // Linux's signal 0: every check, no signal

static bool kill_signal_known(u64 signal) {
    return signal == KILL_SIGNAL_CHECK || signal == ABI_SIGTERM || signal == ABI_SIGKILL;
}

// kill(pid, signal): the checks in Linux's order (signal, then pid, then permission),
// then the end of the target through proc_exit, whatever state it is in: proc_exit
// takes it off the run queue, and one asleep or in wait simply never resumes. Every
// refusal returns before anything changes.
i64 sys_kill(struct kernel *k, u32 slot, const u64 *args) {
    struct proc *sender = &k->procs[slot];
    i64 pid = (i64)args[0];
    u64 signal = args[1];
    assert(slot < PROCS_MAX);
    assert(sender->state == PROC_RUNNABLE);
    if (!kill_signal_known(signal) || pid <= 0) return -E_INVAL; // no process groups
    u32 target_slot = pid > (i64)UINT32_MAX ? SLOT_NONE : proc_slot_of_pid(k, (u32)pid);
    if (target_slot == SLOT_NONE) return -E_SRCH;
    struct proc *target = &k->procs[target_slot];
    bool allowed = cred_may_signal(&sender->cred, &target->cred) || planted_bug(k, BUG_KILL_ANY_UID);
    if (pid == KILL_PID_INIT || !allowed) {
        klog(k, LOG_DEBUG, "pid %u (uid %u) may not signal pid %lld", sender->pid, sender->cred.ruid,
             (long long)pid);
        return -E_PERM;
    }
    // Every kill that succeeds is announced, signal 0 and zombies included, so the
    // simulator judges each permission decision that said yes.
    observe_trace(k->platform, TRACE_KILL, sender->pid, target->pid, signal);
    if (signal == KILL_SIGNAL_CHECK) return 0;
    return proc_kill(k, target->pid, sender->pid, signal);
}

// signal_ignore(signal, ignore): only TERM may be ignored (KILL never, as in Unix).
i64 sys_signal_ignore(struct kernel *k, u32 slot, const u64 *args) {
    struct proc *proc_ = &k->procs[slot];
    assert(slot < PROCS_MAX);
    assert(proc_->state == PROC_RUNNABLE);
    if (args[0] != ABI_SIGTERM || args[1] > 1) return -E_INVAL;
    proc_->ignores_term = args[1] == 1;
    return 0;
}

static const char shutdown_names[4][10] = {"", "halt", "reboot", "power off"};

i64 sys_shutdown(struct kernel *k, u32 slot, const u64 *args) {
    struct proc *proc_ = &k->procs[slot];
    u64 type = args[0];
    if (type != ABI_SHUTDOWN_HALT && type != ABI_SHUTDOWN_REBOOT && type != ABI_SHUTDOWN_POWER_OFF) {
        return -E_INVAL;
    }
    // Like Linux's CAP_SYS_BOOT: stopping the machine needs root or the shutdown
    // capability, HALT included.
    bool allowed = kernel_capable(k, &proc_->cred, CAPABILITY_SHUTDOWN) ||
                   (type == ABI_SHUTDOWN_HALT && planted_bug(k, BUG_SHUTDOWN_HALT_ANY_UID));
    if (!allowed) {
        klog(k, LOG_INFO, "pid %u (euid %u) may not %s", proc_->pid, proc_->cred.euid, shutdown_names[type]);
        return -E_PERM;
    }
    auth_log_flush_repeats(k, true); // coalesced events must not die with the machine
    observe_trace(k->platform, TRACE_SHUTDOWN, proc_->pid, proc_->cred.euid, type);
    klog(k, LOG_INFO, "%s requested by pid %u", shutdown_names[type], proc_->pid);
    if (z6host_shutdown(k, type)) {
        // Services stop first (z6host_shutdown): the caller sleeps until the bound, and
        // the step that finds z6 quiet (or the bound passed) calls shutdown_now.
        proc_->state = PROC_SLEEPING;
        proc_->sleep_deadline_ns = k->z6.shutdown_deadline_ns;
        return 0;
    }
    shutdown_now(k, type);
    return 0; // only reached in the simulator, which stops stepping this kernel
}

void shutdown_now(struct kernel *k, u64 type) {
    assert(type >= ABI_SHUTDOWN_HALT);
    assert(type <= ABI_SHUTDOWN_POWER_OFF);
    assert(k->run_state == KERNEL_RUNNING);
    random_seed_file_save(k); // halt too: the machine may be switched off next
    if (type == ABI_SHUTDOWN_HALT) {
        k->run_state = KERNEL_HALTED;
        platform_halt(k->platform);
    } else if (type == ABI_SHUTDOWN_REBOOT) {
        k->run_state = KERNEL_REBOOTING;
        platform_reboot(k->platform);
    } else {
        k->run_state = KERNEL_POWERED_OFF;
        platform_power_off(k->platform);
    }
}
