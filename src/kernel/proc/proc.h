// The process table, the round-robin run queue, and the life of a process:
// spawn (load from the initial archive), exit or fault, and reaping by the parent.
#pragma once

#include "kernel/kernel.h"

#define SLOT_NONE PROCS_MAX

struct spawn_args {
    u32 count;
    char strings[ABI_ARGV_COUNT_MAX][ABI_ARG_LEN_MAX];
};

void run_queue_push(struct kernel *k, u32 slot);
u32 run_queue_pop(struct kernel *k); // SLOT_NONE when empty
void run_queue_remove(struct kernel *k, u32 slot);

static inline u8 proc_frame_owner(u32 slot) { return (u8)(slot + 1); }

// Starts `path` (from the filesystem, else the initial archive) running with `cred`,
// which must allow executing it. Returns the new pid or -error.
i64 proc_spawn(struct kernel *k, u32 parent_pid, const char *path, const struct spawn_args *args,
               const struct cred *cred);
// Ends the process in `slot`: releases its memory, makes it a zombie, hands its
// children to init, and completes a parent's wait if one is waiting for it.
void proc_exit(struct kernel *k, u32 slot, u32 cause, i64 exit_code, u64 fault_pc,
               u64 fault_addr);
// Starts a z6 service's run or finish as proc_spawn does, with no parent (as init):
// the console, "/", and no user process to reap it; its exit is counted in
// k->supervised_exits and collected by proc_reap_supervised. Returns the pid or -error.
i64 proc_spawn_supervised(struct kernel *k, const char *path, const struct spawn_args *args,
                          const struct cred *cred);
// The lowest-slot supervised zombie, reaped: true with its pid and status; false when
// none is left.
bool proc_reap_supervised(struct kernel *k, u32 *pid, struct abi_wait_status *status);
// Ends process target_pid by a signal (TERM or KILL: both end it, there are no
// handlers): the path kill() takes once its checks passed, and z6's stop. sender_pid 0:
// the kernel. 0 (a zombie is left as it is), or -E_SRCH when no process has the pid.
i64 proc_kill(struct kernel *k, u32 target_pid, u32 sender_pid, u64 signal);
