// The z6 room's private calls, shared by its files.
#pragma once

#include "kernel/kernel.h"

// Reads /etc/z6/*/ into k->z6.parsed (sorted by name) and resolves each service's
// user and dependencies into k->z6.configs. Returns the number of services.
u32 z6host_read(struct kernel *k);
