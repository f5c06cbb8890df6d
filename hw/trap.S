// User entry and the trap vector. struct user_context (src/kernel/platform.h) is
// regs[32] then pc: register xN at 8*N, pc at 256. While user code runs, sscratch
// holds the context pointer; while the kernel runs it holds 0, which is how the
// vector tells a user trap from a kernel bug.
#define CTX_PC 256
#define KERNEL_FRAME_BYTES 128
#define SSTATUS_SPIE 0x20
#define SSTATUS_SPP_FS 0x6100 // SPP (bit 8) and FS (bits 13-14)

    .option norelax
    .section .text
    .balign 4
    .globl hw_user_enter
// struct platform_trap hw_user_enter(struct user_context *ctx /*a0*/, u64 satp /*a1*/)
// Returns {scause, stval} in a0/a1 when the user traps.
hw_user_enter:
    addi sp, sp, -KERNEL_FRAME_BYTES
    sd ra, 0(sp)
    sd gp, 8(sp)
    sd tp, 16(sp)
    sd s0, 24(sp)
    sd s1, 32(sp)
    sd s2, 40(sp)
    sd s3, 48(sp)
    sd s4, 56(sp)
    sd s5, 64(sp)
    sd s6, 72(sp)
    sd s7, 80(sp)
    sd s8, 88(sp)
    sd s9, 96(sp)
    sd s10, 104(sp)
    sd s11, 112(sp)
    lla t0, hw_kernel_sp
    sd sp, 0(t0)
    csrw sscratch, a0
    csrw satp, a1
    sfence.vma zero, zero
    ld t0, CTX_PC(a0)
    csrw sepc, t0
    // U-mode after sret, interrupts on there, no FPU (illegal, like the interpreter).
    li t0, SSTATUS_SPP_FS
    csrc sstatus, t0
    li t0, SSTATUS_SPIE
    csrs sstatus, t0
    .irp n, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld x\n, (8 * \n)(a0)
    .endr
    ld a0, 80(a0)
    sret

    .balign 4
    .globl hw_trap_vector
hw_trap_vector:
    csrrw a0, sscratch, a0 // a0 = ctx, sscratch = the user's a0
    beqz a0, hw_trap_from_kernel
    .irp n, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd x\n, (8 * \n)(a0)
    .endr
    csrr t0, sscratch
    sd t0, 80(a0)
    csrr t0, sepc
    sd t0, CTX_PC(a0)
    csrw sscratch, zero
    lla t0, hw_kernel_sp
    ld sp, 0(t0)
    ld ra, 0(sp)
    ld gp, 8(sp)
    ld tp, 16(sp)
    ld s0, 24(sp)
    ld s1, 32(sp)
    ld s2, 40(sp)
    ld s3, 48(sp)
    ld s4, 56(sp)
    ld s5, 64(sp)
    ld s6, 72(sp)
    ld s7, 80(sp)
    ld s8, 88(sp)
    ld s9, 96(sp)
    ld s10, 104(sp)
    ld s11, 112(sp)
    addi sp, sp, KERNEL_FRAME_BYTES
    csrr a0, scause
    csrr a1, stval
    ret

hw_trap_from_kernel:
    csrrw a0, sscratch, a0 // back to the kernel's a0, and sscratch to 0
    csrr a0, scause
    csrr a1, sepc
    csrr a2, stval
    call hw_kernel_trap // does not return
1:  wfi
    j 1b

    .section .bss
    .balign 8
hw_kernel_sp:
    .dword 0
