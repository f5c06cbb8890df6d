// The kernel's view of time. The platform's monotonic clock should never go back;
// the kernel clamps it anyway, so no process can ever see time decrease.
#pragma once

#include "kernel/kernel.h"

u64 kernel_monotonic_ns(struct kernel *k);
// clock_gettime for a process: records and traces what it was given.
i64 clock_read_for_process(struct kernel *k, struct proc *proc_, u32 clock_id, u64 *value_ns);
