// Loading a user program: ELF64, little-endian, RISC-V, ET_EXEC, PT_LOAD segments
// inside the user range. A malformed file is -E_NOEXEC, never a fault.
#pragma once

#include "kernel/kernel.h"

// Checks a whole file without loading it: the header, every PT_LOAD segment, and the
// entry point (2-byte aligned, inside the file bytes of an executable PT_LOAD
// segment). 0 and *entry_va, or -E_NOEXEC (the one error of every bad file).
i64 elf_check(const u8 *image, u64 image_size_bytes, u64 *entry_va);
// elf_check, then maps and fills the segments into proc_'s address space.
i64 elf_load(struct kernel *k, struct proc *proc_, u8 owner, const u8 *image,
             u64 image_size_bytes, u64 *entry_va);
