// The simulator's RV64 user-mode interpreter (RV64IMAC, what riscv64-unknown-elf-gcc
// emits for -march=rv64imac -mabi=lp64) with its own Sv39 walker that reads the page
// tables the kernel built in simulated RAM. Deterministic: no globals, no host time,
// no pointer value ever decides anything.
#pragma once

#include "kernel/platform.h" // struct user_context, struct platform_trap, TRAP_*

struct rv64_decode_cache;

// The simulated RAM: `ram` holds physical addresses [ram_base_pa, ram_base_pa +
// ram_size_bytes). Both must be 4 KiB aligned. Page-table entries and user data are
// read from it as little-endian values; anything outside it is an access fault.
struct rv64_memory {
    u8 *ram;
    u64 ram_base_pa;
    u64 ram_size_bytes;
    // Decoded user code kept across calls (rv64_decode.h); NULL: decode every
    // execution. Either way a run gives the same result, count for count.
    struct rv64_decode_cache *decode;
};

struct rv64_result {
    struct platform_trap trap;
    u64 instructions_retired; // the trapping instruction itself does not count
};

// The time CSR counts at 10 MHz, QEMU virt's timebase-frequency.
#define RV64_TIME_TICK_NS 100ull

// satp mode field value for Sv39 (bits 63:60); the root PPN is in bits 43:0.
#define RV64_SATP_MODE_SV39 8ull

// Run U-mode code from ctx->pc under the Sv39 root in satp until it traps or
// instruction_budget instructions have retired; then trap.cause =
// TRAP_TIMER_INTERRUPT and ctx->pc is the next instruction. ctx->regs[0] stays 0.
// On ecall: cause TRAP_ECALL_FROM_USER, pc stays AT the ecall (the kernel advances
// it). Faults leave pc at the faulting instruction and registers unchanged by it;
// tval = bad virtual address (page faults, access faults, misaligned AMO/LR/SC), the
// instruction bits (illegal instruction, 16 or 32 bits, zero-extended), or the pc
// (breakpoint). Misaligned plain loads and stores succeed. A/D bits are never
// written: A = 0, or D = 0 on a store, is a page fault (the kernel sets them, Svade).
// Translations are cached only within one call, so the kernel may change the page
// tables freely between calls.
// rdtime (a read of the time CSR, the only CSR user mode may read) gives time_ticks
// throughout the run: the caller's clock at its start, in RV64_TIME_TICK_NS ticks. Held
// still within a run, so the value never goes back whatever the clock's drift.
// cycle, instret and every write to a CSR are illegal instructions.
struct rv64_result rv64_run(const struct rv64_memory *memory, struct user_context *ctx,
                            u64 satp, u64 instruction_budget, u64 time_ticks);
