#include "kernel/proc/clock.h"

#include "kernel/bugs.h"
#include "kernel/observe.h"

u64 kernel_monotonic_ns(struct kernel *k) {
    assert(k != NULL);
    assert(k->platform != NULL);
    u64 now_ns = platform_monotonic_ns(k->platform);
    if (now_ns < k->monotonic_last_ns) now_ns = k->monotonic_last_ns;
    k->monotonic_last_ns = now_ns;
    return now_ns;
}

i64 clock_read_for_process(struct kernel *k, struct proc *proc_, u32 clock_id, u64 *value_ns) {
    assert(proc_ != NULL);
    assert(value_ns != NULL);
    assert(proc_->state == PROC_RUNNABLE);
    u64 value = 0;
    if (clock_id == ABI_CLOCK_REALTIME) {
        value = platform_realtime_ns(k->platform);
    } else if (clock_id == ABI_CLOCK_MONOTONIC) {
        value = kernel_monotonic_ns(k);
        if (planted_bug(k, BUG_MONOTONIC_FROM_REALTIME)) {
            value = platform_realtime_ns(k->platform);
        }
        proc_->monotonic_last_ns = value;
    } else {
        return -E_INVAL;
    }
    observe_trace(k->platform, TRACE_CLOCK_READ, proc_->pid, clock_id, value);
    *value_ns = value;
    return 0;
}
