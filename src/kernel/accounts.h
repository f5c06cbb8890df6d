// The accounts on disk, written at the first boot: /etc/passwd, /etc/group,
// /etc/capabilities (name:capability,capability) and /etc/shadow (root only, 0600,
// salted PBKDF2-HMAC-SHA256). The initial passwords come from the build.
#pragma once

#include "types.h"

#ifndef BASIN_PASSWORD_ROOT
#define BASIN_PASSWORD_ROOT "basin-root"
#endif
#ifndef BASIN_PASSWORD_XY
#define BASIN_PASSWORD_XY "basin-xy"
#endif

#define ACCOUNTS_FILE_BYTES_MAX 1024

struct kernel;

// Writes the four files (again, when resuming an interrupted first boot).
i64 accounts_populate(struct kernel *k);
