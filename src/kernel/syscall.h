// One numbered table (ABI_SYSCALL_LIST in abi.h) and its handlers.
#pragma once

#include "kernel/kernel.h"

#define SYSCALL_ARGS_MAX 6
#define SYSCALL_NAME_LEN_MAX 16

// Handles the ecall of the process in `slot` (pc already past the ecall). If the
// process is still runnable afterwards, its result is in a0 and it is queued again.
void syscall_dispatch(struct kernel *k, u32 slot);
// Closes every descriptor of the process in slot (at exit).
void fd_close_all(struct kernel *k, u32 slot);
// spawn and sudo: the program's absolute path (at path_va) and its argv (a NULL-ended
// array at argv_va; 0 means { path }). 0 or -error (-E_FAULT, -E_2BIG, -E_INVAL).
struct spawn_args;
i64 spawn_read_request(struct kernel *k, const struct proc *proc_, u64 path_va, u64 argv_va,
                       char path[ABI_PATH_LEN_MAX], struct spawn_args *args);
// The syscall being handled cannot run before deadline_ns: the caller sleeps until
// then (no CPU, nobody else waits) and then makes the same syscall again, so nothing
// of it happens now. The handler's return value is then ignored.
void syscall_restart_at(struct kernel *k, u32 slot, u64 deadline_ns);
// Internal to syscall_fs*.c: the open descriptor fd of the process in slot (NULL if
// none), and the walk of a user's path argument from the caller's cwd.
struct fs_name;
struct fd *fd_get(struct kernel *k, u32 slot, u64 fd);
i64 user_walk(struct kernel *k, u32 slot, u64 path_va, u32 flags, struct fs_name *out);
// The machine goes down now (type: ABI_SHUTDOWN_*): the seed file saved, then halt,
// reboot or power off. sys_shutdown's end, or z6host's once the services stopped.
void shutdown_now(struct kernel *k, u64 type);
// The name of a syscall number, "unknown" if it has none.
const char *syscall_name(u64 number);

// Handlers, one per entry of ABI_SYSCALL_LIST (syscall*.c). Each gets
// the raw a0..a5 and returns the value for a0 (negative: -E_*).
#define SYSCALL_DECLARE(number, name, count) i64 sys_##name(struct kernel *k, u32 slot, const u64 *args);
ABI_SYSCALL_LIST(SYSCALL_DECLARE)
#undef SYSCALL_DECLARE
