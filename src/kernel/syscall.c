#include "kernel/syscall.h"

#include "kernel/bugs.h"
#include "kernel/proc/clock.h"
#include "kernel/lib/endian.h"
#include "kernel/proc/proc.h"
#include "kernel/observe.h"
#include "kernel/proc/usercopy.h"
#include "kernel/proc/vm.h"


// Names as a 2-D char array (no pointers), so the table is pure read-only data.
static const char syscall_names[ABI_SYSCALL_NUMBER_MAX][SYSCALL_NAME_LEN_MAX] = {
#define SYSCALL_NAME(number, name, count) [number] = #name,
    ABI_SYSCALL_LIST(SYSCALL_NAME)
#undef SYSCALL_NAME
};

const char *syscall_name(u64 number) {
    if (number >= ABI_SYSCALL_NUMBER_MAX || syscall_names[number][0] == '\0') return "unknown";
    return syscall_names[number];
}

static i64 syscall_call(struct kernel *k, u32 slot, u64 number, const u64 *args) {
    switch (number) {
#define SYSCALL_CASE(num, name, count) case num: return sys_##name(k, slot, args);
        ABI_SYSCALL_LIST(SYSCALL_CASE)
#undef SYSCALL_CASE
    default: return -E_NOSYS;
    }
}

void syscall_dispatch(struct kernel *k, u32 slot) {
    struct proc *proc_ = &k->procs[slot];
    assert(slot < PROCS_MAX);
    assert(proc_->state == PROC_RUNNABLE);
    u64 number = proc_->context.regs[17]; // a7
    u64 args[SYSCALL_ARGS_MAX];
    for (u32 i = 0; i < SYSCALL_ARGS_MAX; i++) args[i] = proc_->context.regs[10 + i];
    u32 pid = proc_->pid;
    i64 result = 0;
    // A Zix builder's syscalls pass its sandbox first (kernel/zix/zix_sandbox.c).
    if (proc_->zix_build == 0 || !zix_sandbox_syscall(k, slot, number, args, &result)) {
        result = syscall_call(k, slot, number, args);
    }
    klog(k, LOG_TRACE, "pid %u %s() = %lld", pid, syscall_name(number), (long long)result);
    // exit, a blocking wait or sleep, or a shutdown leave the process off the queue.
    if (proc_->state != PROC_RUNNABLE || proc_->pid != pid || k->run_state != KERNEL_RUNNING) {
        return;
    }
    observe_trace(k->platform, TRACE_SYSCALL, pid, number, (u64)result);
    proc_->context.regs[10] = (u64)result;
    run_queue_push(k, slot);
    if (number == SYS_yield && planted_bug(k, BUG_RUNQUEUE_DOUBLE_ENQUEUE)) run_queue_push(k, slot);
}

i64 sys_getpid(struct kernel *k, u32 slot, const u64 *args) {
    return k->procs[slot].pid;
}


i64 sys_yield(struct kernel *k, u32 slot, const u64 *args) {
    return 0;
}

i64 sys_exit(struct kernel *k, u32 slot, const u64 *args) {
    proc_exit(k, slot, ABI_EXIT_NORMAL, (i64)args[0], 0, 0);
    return 0;
}

i64 sys_clock_gettime(struct kernel *k, u32 slot, const u64 *args) {
    struct proc *proc_ = &k->procs[slot];
    if (args[0] != ABI_CLOCK_REALTIME && args[0] != ABI_CLOCK_MONOTONIC) return -E_INVAL;
    if (!user_range_ok(k, proc_, args[1], 8, PTE_R | PTE_W)) return -E_FAULT;
    u64 value_ns = 0;
    i64 result = clock_read_for_process(k, proc_, (u32)args[0], &value_ns);
    if (result < 0) return result;
    u8 bytes[8];
    store_u64_le(bytes, value_ns);
    return copy_to_user(k, proc_, args[1], bytes, sizeof bytes);
}

i64 sys_sleep_until(struct kernel *k, u32 slot, const u64 *args) {
    struct proc *proc_ = &k->procs[slot];
    u64 deadline_ns = args[0];
    if (kernel_monotonic_ns(k) >= deadline_ns) return 0;
    run_queue_remove(k, slot); // it is not queued while running, but be exact
    proc_->state = PROC_SLEEPING;
    proc_->sleep_deadline_ns = deadline_ns;
    observe_trace(k->platform, TRACE_SLEEP, proc_->pid, deadline_ns, 0);
    return 0;
}

#define ECALL_BYTES 4ull // ecall has no compressed form

void syscall_restart_at(struct kernel *k, u32 slot, u64 deadline_ns) {
    struct proc *proc_ = &k->procs[slot];
    assert(slot < PROCS_MAX);
    assert(proc_->state == PROC_RUNNABLE);
    assert(deadline_ns > kernel_monotonic_ns(k));
    run_queue_remove(k, slot); // it is not queued while running, but be exact
    proc_->context.pc -= ECALL_BYTES; // back on the ecall: a0..a7 are untouched
    proc_->syscall_restart = true;
    proc_->state = PROC_SLEEPING;
    proc_->sleep_deadline_ns = deadline_ns;
    observe_trace(k->platform, TRACE_SLEEP, proc_->pid, deadline_ns, 0);
    klog(k, LOG_DEBUG, "pid %u sleeps %llu ms before its %s runs", proc_->pid,
         (unsigned long long)((deadline_ns - kernel_monotonic_ns(k)) / 1000000ull),
         syscall_name(proc_->context.regs[17]));
}

i64 sys_getrandom(struct kernel *k, u32 slot, const u64 *args) {
    u64 buffer_va = args[0], length = args[1], flags = args[2];
    if (flags != 0 || length > ABI_GETRANDOM_LEN_MAX) return -E_INVAL;
    struct proc *proc_ = &k->procs[slot];
    if (!user_range_ok(k, proc_, buffer_va, length, PTE_R | PTE_W)) return -E_FAULT;
    u8 bytes[ABI_GETRANDOM_LEN_MAX];
    random_bytes(k, bytes, length);
    i64 copied = copy_to_user(k, proc_, buffer_va, bytes, length);
    return copied < 0 ? copied : (i64)length;
}
