// Boot and the event loop: kernel_step() wakes sleepers, runs the next process
// until it traps, and handles the trap. Everything lives in struct kernel.
#include "kernel/kernel.h"

#include "kernel/boot/boot.h"
#include "kernel/bugs.h"
#include "kernel/proc/clock.h"
#include "kernel/proc/frames.h"
#include "kernel/lib/mem.h"
#include "kernel/proc/proc.h"
#include "kernel/syscall.h"
#include "kernel/observe.h"
#include "kernel/proc/vm.h"
#include "kernel/z6/z6host.h"

#define INIT_PATH "/bin/init"
#define SLEEP_EARLY_BUG_NS 1000000ull

static const char log_level_names[LOG_TRACE + 1][6] = {"error", "warn", "info", "debug", "trace"};

#define CHECKPOINT_ARG "fs.checkpoint_interval="
#define CHECKPOINT_ARG_LEN (sizeof(CHECKPOINT_ARG) - 1)
#define BOOT_ARG_U64_DIGITS_MAX 12

// A decimal boot argument value; 0 (the default's marker) when it is not one.
static u64 boot_arg_u64(const char *text) {
    assert(text != NULL);
    u64 value = 0;
    u32 digits = 0;
    for (; *text != '\0'; text++, digits++) {
        if (*text < '0' || *text > '9' || digits == BOOT_ARG_U64_DIGITS_MAX) return 0;
        value = value * 10 + (u64)(*text - '0');
    }
    assert(digits <= BOOT_ARG_U64_DIGITS_MAX);
    return value;
}

// Splits the boot arguments into words: the kernel reads loglevel=, and init gets
// them all as argv[1..].
static void boot_parse_args(struct kernel *k, struct spawn_args *init_args) {
    init_args->count = 1;
    str_copy(init_args->strings[0], ABI_ARG_LEN_MAX, "init");
    const char *s = k->bootargs;
    while (*s != '\0') {
        while (*s == ' ') s++;
        u64 length = 0;
        while (s[length] != '\0' && s[length] != ' ') length++;
        if (length == 0) break;
        if (length < ABI_ARG_LEN_MAX && init_args->count < ABI_ARGV_COUNT_MAX) {
            char *word = init_args->strings[init_args->count++];
            mem_copy(word, s, length);
            word[length] = '\0';
            if (str_equal(word, "fs.verify=1")) k->fs_verify_at_mount = true;
            if (str_equal(word, "z6.log_console=1")) k->z6_log_console = true;
            if (str_starts_with(word, CHECKPOINT_ARG)) k->fs_checkpoint_interval_bytes = boot_arg_u64(word + CHECKPOINT_ARG_LEN);
            for (u32 level = 0; level <= LOG_TRACE; level++) {
                if (str_starts_with(word, "loglevel=") && str_equal(word + 9, log_level_names[level])) {
                    k->log_level = (enum log_level)level;
                }
            }
        }
        s += length;
    }
}

void kernel_boot(struct kernel *k, struct platform *p) {
    assert(k != NULL);
    assert(p != NULL);
    // Reboot discards everything: the struct is rebuilt from zero.
    u32 pid_next_before = 0;
    k->platform = p;
    if (planted_bug(k, BUG_REBOOT_KEEPS_PID_COUNTER)) pid_next_before = k->pid_next;
    mem_set(k, 0, sizeof *k);
    k->platform = p;
    k->run_state = KERNEL_RUNNING;
    k->log_level = LOG_INFO;
    k->pid_next = pid_next_before > 1 ? pid_next_before : 1;
    k->current_slot = SLOT_NONE;
    k->initrd = platform_initrd(p, &k->initrd_size_bytes);
    str_copy(k->bootargs, BOOTARGS_LEN_MAX, platform_bootargs(p));
    struct spawn_args init_args;
    boot_parse_args(k, &init_args);
    frames_init(k);
    vm_kernel_entries_init(k);
    klog(k, LOG_INFO, "Grain Basin booting: %u page frames, %u process slots, initrd %llu bytes",
         k->frames.count, PROCS_MAX, (unsigned long long)k->initrd_size_bytes);
    observe_trace(p, TRACE_BOOT, k->frames.free_count, PROCS_MAX, 0);
    // Before the mount: a first boot draws GrainDB's db_id and the password salts.
    random_boot(k);
    limits_defaults(&k->limits); // the first boot populates the disk under them
    fs_mount(k, provision_first_boot);
    k->random.seed_file_due = true; // the first step, before any process runs
    accounts_load(k);
    limits_load(k);
    const struct cred root = accounts_cred(k, ABI_UID_ROOT);
    i64 pid = proc_spawn(k, 0, INIT_PATH, &init_args, &root);
    if (pid < 0 && fs_readable(k) == 0) {
        // The disk's /bin/init is missing or broken (a user may have removed it):
        // the machine must still boot, so take the one the image carries.
        klog(k, LOG_WARN, "%s on disk unusable (error %lld); starting the initial archive's",
             INIT_PATH, (long long)-pid);
        k->fs.state = FS_INIT_FROM_ARCHIVE;
        pid = proc_spawn(k, 0, INIT_PATH, &init_args, &root);
        k->fs.state = FS_MOUNTED;
    }
    if (pid != 1) {
        // A broken image, not a user error: say so and stop the machine.
        klog(k, LOG_ERROR, "cannot start %s (error %lld); halting", INIT_PATH, (long long)-pid);
        k->run_state = KERNEL_HALTED;
        platform_halt(p);
        return;
    }
    // After init (pid 1), and like the seed file at the first step: the boot's state
    // is the same at every boot whatever the disk's /etc/z6 says (reboot_state_fresh).
    k->z6.boot_due = true;
    k->zix.boot_due = true; // Zix's leftovers go at the first step, like the seed file
    replica_host_boot(k);    // the replicated keyspace's versions, from the disk
}

// Sleepers whose deadline has passed become runnable, in slot order.
static void wake_sleepers(struct kernel *k, u64 now_ns) {
    u64 slack_ns = planted_bug(k, BUG_SLEEP_WAKES_EARLY) ? SLEEP_EARLY_BUG_NS : 0;
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        struct proc *proc_ = &k->procs[slot];
        if (proc_->state != PROC_SLEEPING || proc_->sleep_deadline_ns > now_ns + slack_ns) continue;
        proc_->state = PROC_RUNNABLE;
        // A delayed syscall runs again with its arguments intact; sleep_until returns 0.
        if (proc_->syscall_restart) proc_->syscall_restart = false;
        else proc_->context.regs[10] = 0;
        run_queue_push(k, slot);
        observe_trace(k->platform, TRACE_WAKE, proc_->pid, proc_->sleep_deadline_ns, now_ns);
    }
}

static void kernel_idle(struct kernel *k, u64 now_ns) {
    u64 deadline_ns = now_ns + IDLE_WAIT_MAX_NS;
    u64 repeat_deadline_ns = k->auth.log.repeat_deadline_ns; // a coalesced repeat waits to be written
    if (repeat_deadline_ns != 0 && repeat_deadline_ns < deadline_ns) deadline_ns = repeat_deadline_ns;
    u64 z6_deadline_ns = z6host_deadline(k); // the supervisor's timer wakes the machine too
    if (z6_deadline_ns != 0 && z6_deadline_ns < deadline_ns) deadline_ns = z6_deadline_ns;
    u64 zix_deadline_ns = zix_host_deadline(k); // an overdue builder is killed on time
    if (zix_deadline_ns != 0 && zix_deadline_ns < deadline_ns) deadline_ns = zix_deadline_ns;
    u64 replica_deadline_ns = replica_host_deadline(k); // the next sync round
    if (replica_deadline_ns != 0 && replica_deadline_ns < deadline_ns) deadline_ns = replica_deadline_ns;
    for (u32 slot = 0; slot < PROCS_MAX && !planted_bug(k, BUG_IDLE_OVERSLEEPS); slot++) {
        const struct proc *proc_ = &k->procs[slot];
        if (proc_->state == PROC_SLEEPING && proc_->sleep_deadline_ns < deadline_ns) {
            deadline_ns = proc_->sleep_deadline_ns;
        }
    }
    observe_trace(k->platform, TRACE_IDLE, deadline_ns, 0, 0);
    platform_idle_until(k->platform, deadline_ns);
}

static u32 fault_cause(u64 trap_cause) {
    switch (trap_cause) {
    case TRAP_INSTRUCTION_PAGE_FAULT: case TRAP_LOAD_PAGE_FAULT: case TRAP_STORE_PAGE_FAULT:
    case TRAP_INSTRUCTION_ACCESS_FAULT: case TRAP_LOAD_ACCESS_FAULT: case TRAP_STORE_ACCESS_FAULT:
        return ABI_EXIT_FAULT_PAGE;
    case TRAP_ILLEGAL_INSTRUCTION: return ABI_EXIT_FAULT_ILLEGAL;
    case TRAP_INSTRUCTION_MISALIGNED: case TRAP_LOAD_MISALIGNED: case TRAP_STORE_MISALIGNED:
        return ABI_EXIT_FAULT_MISALIGNED;
    case TRAP_BREAKPOINT: return ABI_EXIT_FAULT_BREAKPOINT;
    default: return ABI_EXIT_KILLED;
    }
}

static const char exit_cause_names[ABI_EXIT_KILLED + 1][20] = {
    "exit", "page fault", "illegal instruction", "misaligned access", "breakpoint", "killed"};

// Init is the one process the machine cannot do without: like Linux with panic=1,
// losing it reboots the machine.
static void kernel_lost_init(struct kernel *k) {
    klog(k, LOG_ERROR, "init exited; rebooting");
    k->current_slot = SLOT_NONE; // the kernel's own decision, not a process's request
    random_seed_file_save(k);
    k->run_state = KERNEL_REBOOTING;
    platform_reboot(k->platform);
}

static void handle_trap(struct kernel *k, u32 slot, struct platform_trap trap) {
    struct proc *proc_ = &k->procs[slot];
    observe_trace(k->platform, TRACE_TRAP, proc_->pid, trap.cause, trap.tval);
    if (trap.cause == TRAP_ECALL_FROM_USER) {
        proc_->context.pc += 4;
        syscall_dispatch(k, slot);
    } else if (trap.cause & TRAP_INTERRUPT_BIT) {
        run_queue_push(k, slot); // preempted: to the back of the queue
    } else {
        u32 cause = fault_cause(trap.cause);
        klog(k, LOG_INFO, "pid %u (%s) killed: %s at pc=0x%llx addr=0x%llx", proc_->pid,
             proc_->name, exit_cause_names[cause], (unsigned long long)proc_->context.pc,
             (unsigned long long)trap.tval);
        proc_exit(k, slot, cause, -1, proc_->context.pc, trap.tval);
    }
    if (proc_->state == PROC_ZOMBIE && proc_->pid == 1 && k->run_state == KERNEL_RUNNING) {
        kernel_lost_init(k);
    }
}

enum kernel_step_result kernel_step(struct kernel *k) {
    assert(k != NULL);
    assert(k->platform != NULL);
    if (k->run_state != KERNEL_RUNNING) return KERNEL_STEP_STOPPED;
    k->steps++;
    if (k->random.seed_file_due) {
        // Not in kernel_boot: the boot leaves the disk as the mount's recovery left
        // it, which is what the simulator inspects after a boot (fsck after recovery).
        k->random.seed_file_due = false;
        random_seed_file_load(k);
    }
    if (k->z6.boot_due) {
        k->z6.boot_due = false;
        z6host_boot(k);
    }
    u64 now_ns = kernel_monotonic_ns(k);
    // Outside any process, before one is scheduled: the kernel's own log lines.
    u64 repeat_deadline_ns = k->auth.log.repeat_deadline_ns;
    if (repeat_deadline_ns != 0 && now_ns >= repeat_deadline_ns) auth_log_flush_repeats(k, false);
    z6host_step(k, now_ns); // supervised exits and z6's deadline, before anything runs
    zix_host_step(k, now_ns); // Zix: the boot's leftovers, finished and overdue builders
    replica_host_step(k, now_ns); // datagrams in and out, a sync round when due
    if (k->run_state != KERNEL_RUNNING) return KERNEL_STEP_STOPPED; // a shutdown's services ended
    // That work may take time (a spawn reads its program from a slow disk): sleepers
    // whose deadline passed meanwhile wake now, not after an idle wait.
    now_ns = kernel_monotonic_ns(k);
    wake_sleepers(k, now_ns);
    u32 slot = run_queue_pop(k);
    if (slot == SLOT_NONE) {
        kernel_idle(k, now_ns);
        return KERNEL_STEP_IDLE;
    }
    struct proc *proc_ = &k->procs[slot];
    assert(proc_->state == PROC_RUNNABLE);
    u64 slice_deadline_ns = now_ns + TIME_SLICE_NS;
    observe_trace(k->platform, TRACE_SCHEDULE, proc_->pid, slice_deadline_ns, 0);
    k->current_slot = slot;
    struct platform_trap trap = platform_user_run(k->platform, &proc_->context,
                                                  vm_satp(proc_->root_table_pa), slice_deadline_ns);
    assert(proc_->context.regs[0] == 0);
    handle_trap(k, slot, trap);
    if (k->run_state == KERNEL_RUNNING) k->current_slot = SLOT_NONE;
    return k->run_state == KERNEL_RUNNING ? KERNEL_STEP_RAN : KERNEL_STEP_STOPPED;
}
