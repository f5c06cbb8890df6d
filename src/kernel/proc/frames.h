// Page frames: a table over all of the platform's usable RAM. Each frame is free,
// reserved by the kernel, or owned by exactly one process slot.
#pragma once

#include "kernel/kernel.h"

void frames_init(struct kernel *k);
// A zeroed frame for `owner` (FRAME_OWNER_KERNEL or slot + 1); 0 when none is free.
u64 frame_alloc(struct kernel *k, u8 owner);
void frame_free(struct kernel *k, u64 pa, u8 owner);
// Index of the frame holding pa, or FRAME_INDEX_NONE when pa is outside the table.
u32 frame_index(const struct kernel *k, u64 pa);
