// The only way the kernel touches user memory: walk the process's page table, so a
// bad pointer is -E_FAULT on both targets and never a kernel fault.
#pragma once

#include "kernel/kernel.h"

i64 copy_from_user(struct kernel *k, const struct proc *proc_, void *destination,
                   u64 source_va, u64 size_bytes);
i64 copy_to_user(struct kernel *k, const struct proc *proc_, u64 destination_va,
                 const void *source, u64 size_bytes);
// Copies a NUL-terminated string. Returns its length, -E_FAULT, or
// -E_NAMETOOLONG when no NUL appears within capacity - 1 bytes.
i64 copy_string_from_user(struct kernel *k, const struct proc *proc_, char *destination,
                          u64 capacity, u64 source_va);
// Whether [va, va + size) is mapped with the given PTE permission bits.
bool user_range_ok(struct kernel *k, const struct proc *proc_, u64 va, u64 size_bytes,
                   u64 pte_need);
