// The boot room's private calls: the parts of the first boot's provisioning.
#pragma once

#include "kernel/lib/types.h"

struct kernel;

// The accounts' files (provision_accounts.c). Written again when resuming.
i64 provision_accounts(struct kernel *k);
// The services of the first boot, in /etc/z6 (provision_z6.c). Written again when resuming.
i64 provision_z6(struct kernel *k);
