// RISC-V supervisor CSRs and the few privileged instructions the platform uses.
#pragma once

#include "kernel/lib/types.h"

#define SSTATUS_SIE (1ull << 1)
#define SSTATUS_SPIE (1ull << 5)
#define SSTATUS_SPP (1ull << 8)
#define SSTATUS_FS (3ull << 13)
#define SSTATUS_SUM (1ull << 18)

#define SIE_SSIE (1ull << 1)
#define SIE_STIE (1ull << 5)
#define SIE_SEIE (1ull << 9)

#define SATP_MODE_SHIFT 60
#define SATP_MODE_SV39_VALUE 8ull

#define CSR_READ(csr, out) __asm__ volatile("csrr %0, " #csr : "=r"(out))
#define CSR_WRITE(csr, value) __asm__ volatile("csrw " #csr ", %0" : : "r"((u64)(value)) : "memory")
#define CSR_SET(csr, bits) __asm__ volatile("csrs " #csr ", %0" : : "r"((u64)(bits)) : "memory")
#define CSR_CLEAR(csr, bits) __asm__ volatile("csrc " #csr ", %0" : : "r"((u64)(bits)) : "memory")

static inline u64 hw_rdtime(void) {
    u64 ticks;
    __asm__ volatile("rdtime %0" : "=r"(ticks));
    return ticks;
}

static inline void hw_wfi(void) {
    __asm__ volatile("wfi" : : : "memory");
}

static inline void hw_sfence_vma(void) {
    __asm__ volatile("sfence.vma zero, zero" : : : "memory");
}
