// Sv39 address spaces, built by portable C and walked identically by the hardware
// MMU and by the simulator's interpreter.
#pragma once

#include "kernel/kernel.h"

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_G (1ull << 5)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_PPN_SHIFT 10
#define PTE_FLAGS_MASK 0x3ffull
#define SV39_LEVELS 3
#define SV39_ENTRIES_PER_TABLE 512
#define GIGAPAGE_SIZE_BYTES (1ull << 30)

// Records the supervisor-only gigapage entries every address space carries.
void vm_kernel_entries_init(struct kernel *k);
u64 vm_satp(u64 root_pa);
static inline u64 pte_pa(u64 pte) { return (pte >> PTE_PPN_SHIFT) << 12; }
