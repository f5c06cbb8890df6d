// Running user code natively: platform_user_run switches to the process's Sv39
// table and srets into U-mode (hw/trap.S); the next trap comes back here as the
// return value. Kernel pages are identity-mapped, supervisor-only, in every
// address space (platform_kernel_regions), so the trap vector needs no satp switch.
#include "hw/csr.h"
#include "hw/hw.h"
#include "kernel/lib/format.h"

struct platform_trap platform_user_run(struct platform *p, struct user_context *ctx, u64 satp,
                                       u64 slice_deadline_ns) {
    assert(p != NULL);
    assert(ctx != NULL);
    assert(satp >> SATP_MODE_SHIFT == SATP_MODE_SV39_VALUE);
    assert(ctx->regs[0] == 0);
    hw_timer_set(p, hw_deadline_ticks(p, slice_deadline_ns));
    CSR_SET(sie, SIE_STIE);
    struct platform_trap trap = hw_user_enter(ctx, satp);
    // Leave the process's tables at once: the kernel may free them before the
    // next run, and a freed root must not stay live in satp.
    CSR_WRITE(satp, 0);
    hw_sfence_vma();
    CSR_CLEAR(sie, SIE_STIE);
    if (trap.cause == TRAP_TIMER_INTERRUPT) hw_timer_set(p, HW_TIMER_NEVER);
    assert(ctx->regs[0] == 0);
    return trap;
}

// A trap taken in S-mode is a kernel bug (the kernel never enables interrupts for
// itself and touches user memory only through its page-table walk).
_Noreturn void hw_kernel_trap(u64 scause, u64 sepc, u64 stval);
_Noreturn void hw_kernel_trap(u64 scause, u64 sepc, u64 stval) {
    char message[HW_LOG_LINE_LEN_MAX];
    (void)format(message, sizeof message, "trap in the kernel: scause=0x%llx sepc=0x%llx stval=0x%llx",
                 (unsigned long long)scause, (unsigned long long)sepc,
                 (unsigned long long)stval);
    platform_panic(__FILE__, __LINE__, message);
}
