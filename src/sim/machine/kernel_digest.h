// A digest of a node's kernel state (process table, queues, frames, counters), used by
// the simulator to prove a rebooted kernel equals a freshly booted one
// (reboot_state_fresh). The filesystem is left out: the disk persists.
#pragma once

#include "kernel/lib/types.h"

struct kernel;

u64 kernel_state_digest(const struct kernel *k);
