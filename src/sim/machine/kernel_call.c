// Power loss inside the kernel. The event loop calls kernel_boot and kernel_step only
// through node_kernel_call, which arms a setjmp; a device call at which the power
// fails (platform_sim.c: block writes, flushes and console writes, drawn from
// STREAM_POWER_LOSS_DEVICE) longjmps back here, so the kernel's frames are abandoned
// in the middle of whatever they were doing, as on a machine that loses power. Reads
// are not power-loss points: they change nothing on the disk, so the crash states
// the writes and flushes produce are all there are.
//
// Why unwinding is safe (the invariant every change here must keep):
// - node_power_unwind is called only as the LAST action of a platform_* entry point,
//   after that call finished every update of simulator state it makes (disk and its
//   cache, fault counters, trace ring and hash, console ring and line). So the frames
//   skipped are the kernel's, the subsystems' and that entry point's own, and every
//   simulator structure they reached is whole.
// - Simulator code runs below the kernel only inside those entry points (and the
//   invariant hooks they call through sim_trace, which never unwind: a violation
//   exits). Inspections (node->inspecting) read without drawing any fault.
// - The kernel's half-done state is thrown away: node_power_loss_at poisons RAM and
//   struct kernel, and kernel_boot builds everything again from the disk.
// - The kernel allocates nothing and holds no host resource, so nothing leaks.
// - node_kernel_call modifies none of its locals between setjmp and longjmp, so they
//   keep their values after the jump (C11 7.13.2.1).
#include "faults/faults.h"
#include "kernel/kernel.h"
#include "sim/machine/node.h"
#include "sim/sim.h"

bool node_kernel_call(struct platform *node, enum kernel_step_result *step) {
    assert(node != NULL);
    assert(node->state == NODE_RUNNING);
    assert(!node->power_unwind_armed);
    assert(!node->inspecting);
    if (setjmp(node->power_unwind) != 0) {
        assert(!node->power_unwind_armed);
        assert(node->state == NODE_RUNNING);
        sim_count_fault(node, FAULT_POWER_LOSS, node->unwind_delay_ns, node->unwind_site);
        node_power_loss_at(node, node->unwind_delay_ns, node->unwind_site);
        return false;
    }
    node->power_unwind_armed = true;
    if (step == NULL) kernel_boot(&node->kernel, node);
    else *step = kernel_step(&node->kernel);
    node->power_unwind_armed = false;
    return true;
}

_Noreturn void node_power_unwind(struct platform *node, enum power_loss_site site, u64 delay_ns) {
    assert(node != NULL);
    assert(node->power_unwind_armed);
    assert(site != POWER_LOSS_AFTER_STEP);
    assert(site < POWER_LOSS_SITE_COUNT);
    node->power_unwind_armed = false;
    node->unwind_site = site;
    node->unwind_delay_ns = delay_ns;
    longjmp(node->power_unwind, 1);
}
