// The processes-and-memory room's private calls: frames, address spaces, the process
// table's lookups and the ELF loader, used only by its own files. Other rooms use
// clock.h, frames.h, proc.h, usercopy.h and vm.h; tests may look inside.
#pragma once

#include "kernel/kernel.h"

// ---- frames (frames.c) ------------------------------------------------------------
// A zeroed frame for `owner` (FRAME_OWNER_KERNEL or slot + 1); 0 when none is free.
u64 frame_alloc(struct kernel *k, u8 owner);
void frame_free(struct kernel *k, u64 pa, u8 owner);
// Index of the frame holding pa, or FRAME_INDEX_NONE when pa is outside the table.
u32 frame_index(const struct kernel *k, u64 pa);

// ---- processes (proc.c) -----------------------------------------------------------
u32 proc_slot_of_pid(const struct kernel *k, u32 pid); // SLOT_NONE if none
// For a parent in wait: reap a matching zombie child if there is one.
// Returns the reaped pid, 0 if none has exited yet, or -error.
i64 proc_reap_child(struct kernel *k, u32 parent_slot, i64 wait_pid, u64 status_va);
bool proc_has_child(const struct kernel *k, u32 parent_pid, i64 wait_pid);

// ---- address spaces (vm.c) --------------------------------------------------------
// A new, empty user address space owned by frame owner `owner`; 0 if out of frames.
u64 vm_create(struct kernel *k, u8 owner);
// Maps one 4 KiB page (va, pa page-aligned, user VA range). Page-table pages it
// allocates are added to *frames_owned. Returns 0 or -E_NOMEM.
i64 vm_map_page(struct kernel *k, u64 root_pa, u64 va, u64 pa, u64 pte_flags, u8 owner,
                u32 *frames_owned);
// The leaf PTE for a user VA, or 0 when unmapped.
u64 vm_lookup(struct kernel *k, u64 root_pa, u64 va);
// Releases every user page and page-table page, then the root.
void vm_destroy(struct kernel *k, u64 root_pa, u8 owner);

// ---- the ELF loader (elf.c) -------------------------------------------------------
// Loading a user program: ELF64, little-endian, RISC-V, ET_EXEC, PT_LOAD segments
// inside the user range. A malformed file is -E_NOEXEC, never a fault.
// Checks a whole file without loading it: the header, every PT_LOAD segment, and the
// entry point (2-byte aligned, inside the file bytes of an executable PT_LOAD
// segment). 0 and *entry_va, or -E_NOEXEC (the one error of every bad file).
i64 elf_check(const u8 *image, u64 image_size_bytes, u64 *entry_va);
i64 elf_load(struct kernel *k, struct proc *proc_, u8 owner, const u8 *image,
             u64 image_size_bytes, u64 *entry_va);

// ---- "#!" scripts (script.c) ----------------------------------------------------
struct cpio_file;
struct spawn_args;
// Whether a program's bytes start with "#!".
bool proc_is_script(const struct cpio_file *file);
// The interpreter of a script and its argv: [interpreter, (the line's one argument),
// path, args[1..]]. 0, or -E_NOEXEC (a line over ABI_INTERPRETER_LINE_LEN_MAX, a NUL
// in it, no absolute interpreter path), or -E_2BIG (argv too long).
i64 proc_script_args(const struct cpio_file *file, const char *path, const struct spawn_args *args,
                     char interpreter[ABI_PATH_LEN_MAX], struct spawn_args *out);
