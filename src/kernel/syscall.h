// One numbered table (ABI_SYSCALL_LIST in abi.h) and its handlers.
#pragma once

#include "kernel.h"

#define SYSCALL_ARGS_MAX 6
#define SYSCALL_NAME_LEN_MAX 16

// Handles the ecall of the process in `slot` (pc already past the ecall). If the
// process is still runnable afterwards, its result is in a0 and it is queued again.
void syscall_dispatch(struct kernel *k, u32 slot);
// Closes every descriptor of the process in slot (at exit).
void fd_close_all(struct kernel *k, u32 slot);
// The name of a syscall number, "unknown" if it has none.
const char *syscall_name(u64 number);

// Handlers, one per entry of ABI_SYSCALL_LIST (syscall.c, syscall_proc.c). Each gets
// the raw a0..a5 and returns the value for a0 (negative: -E_*).
#define SYSCALL_DECLARE(number, name, count) i64 sys_##name(struct kernel *k, u32 slot, const u64 *args);
ABI_SYSCALL_LIST(SYSCALL_DECLARE)
#undef SYSCALL_DECLARE
