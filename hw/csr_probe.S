// Reading a CSR that may not exist for S-mode (the Zkr seed CSR, which M-mode grants
// only through mseccfg.SSEED; the cycle counter, through mcounteren.CY): the read runs
// under a trap vector of its own, so an illegal-instruction trap (taken here, or
// redirected here by the firmware) skips the instruction instead of reaching the
// kernel's vector, which treats any kernel trap as a bug. Interrupts are off in the
// kernel (sstatus.SIE clear), so only the read itself can trap.
#define CSR_SEED 0x015
#define CSR_CYCLE 0xc00

    .option norelax
    .section .text
    .balign 4
    .globl hw_csr_try_seed
// bool hw_csr_try_seed(u64 *value /*a0*/): csrrw from seed (the Zkr specification
// requires a read-write access); false, *value 0, when it trapped.
hw_csr_try_seed:
    csrr t2, stvec
    lla t0, hw_csr_probe_trap
    csrw stvec, t0
    li t1, 1
    csrrw t0, CSR_SEED, zero  // the trap handler sets t1 = 0, t0 = 0 and skips this
    csrw stvec, t2
    sd t0, 0(a0)
    mv a0, t1
    ret

    .globl hw_csr_try_cycle
// bool hw_csr_try_cycle(u64 *value /*a0*/): rdcycle; false, *value 0, when it trapped.
hw_csr_try_cycle:
    csrr t2, stvec
    lla t0, hw_csr_probe_trap
    csrw stvec, t0
    li t1, 1
    csrrs t0, CSR_CYCLE, zero
    csrw stvec, t2
    sd t0, 0(a0)
    mv a0, t1
    ret

// Direct-mode vector: 4-byte aligned. The faulting instruction is a 32-bit CSR
// access (there are no compressed ones): resume after it. sret returns to S-mode
// (sstatus.SPP was set by the trap) with interrupts as they were (off).
    .balign 4
hw_csr_probe_trap:
    csrr t3, sepc
    addi t3, t3, 4
    csrw sepc, t3
    li t1, 0
    li t0, 0
    sret
