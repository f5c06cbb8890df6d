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
