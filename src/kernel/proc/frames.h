// Page frames: a table over all of the platform's usable RAM. Each frame is free,
// reserved by the kernel, or owned by exactly one process slot.
#pragma once

#include "kernel/kernel.h"

void frames_init(struct kernel *k);
