// Boot and first-boot provisioning: the room above the filesystem, the accounts and
// the limits, that uses them together. The filesystem mounts with
// provision_first_boot as its populate step (fs.h), so it needs no accounts; the
// limits are read from /etc here, so they need no filesystem.
#pragma once

#include "kernel/lib/types.h"

struct kernel;

// The first boot (or the completion of an interrupted one): the root and the standard
// tree, every file of the initial archive, the account files of /etc (passwd, group,
// capabilities, sudo.conf, shadow), /etc/limits.conf, then the ready mark. Each step
// leaves what an earlier attempt finished. An fs_populate_fn for fs_mount.
i64 provision_first_boot(struct kernel *k);
// At boot: the limits' defaults, then /etc/limits.conf's values (limits_load.c).
void limits_load(struct kernel *k);
