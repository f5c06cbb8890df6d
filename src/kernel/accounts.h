// The accounts on disk, written at the first boot: /etc/passwd, /etc/group,
// /etc/capabilities (name:capability,capability) and /etc/shadow (root only, 0600,
// salted PBKDF2-HMAC-SHA256). The initial passwords come from the build.
#pragma once

#include "types.h"

#include "cred.h"
#include "passwords_default.h"

#define ACCOUNTS_FILE_BYTES_MAX 1024
#define ACCOUNTS_MAX 8
#define ACCOUNT_NAME_LEN_MAX 32

struct kernel;

// One user as the kernel knows it from /etc/passwd and /etc/capabilities.
struct account {
    u32 uid;
    u32 gid;
    u32 capabilities; // bit per enum capability
    char name[ACCOUNT_NAME_LEN_MAX];
};

// Loaded at boot: edits of /etc/passwd or /etc/capabilities apply from the next boot.
struct accounts {
    u32 count;
    struct account entries[ACCOUNTS_MAX];
};

// Writes the four files (again, when resuming an interrupted first boot).
i64 accounts_populate(struct kernel *k);
// Reads /etc/passwd and /etc/capabilities into k->accounts; without a usable disk
// (or files), the built-in root and xy (xy: sudo).
void accounts_load(struct kernel *k);
// The one capability check: effective uid 0 holds all, others what
// /etc/capabilities grants their effective uid.
bool kernel_capable(const struct kernel *k, const struct cred *cred, enum capability capability);
const struct account *accounts_find(const struct kernel *k, u32 uid); // NULL if unknown
// 0 when password is uid's (from /etc/shadow), else -E_ACCES (or -error reading it).
i64 accounts_check_password(struct kernel *k, u32 uid, const char *password);
