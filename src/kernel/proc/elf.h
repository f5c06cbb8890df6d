// Loading a user program: ELF64, little-endian, RISC-V, ET_EXEC, PT_LOAD segments
// inside the user range. A malformed file is -E_NOEXEC, never a fault.
#pragma once

#include "kernel/kernel.h"

i64 elf_load(struct kernel *k, struct proc *proc_, u8 owner, const u8 *image,
             u64 image_size_bytes, u64 *entry_va);
