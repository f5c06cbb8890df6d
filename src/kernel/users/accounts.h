// The accounts on disk, written at the first boot (kernel/boot): /etc/passwd, /etc/group,
// /etc/capabilities (name:capability,capability) and /etc/shadow (root only, 0600,
// salted PBKDF2-HMAC-SHA256). The initial passwords come from the build.
#pragma once

#include "kernel/lib/types.h"

#include "kernel/cred/cred.h"
#include "kernel/users/passwords_default.h"

#define ACCOUNTS_FILE_BYTES_MAX 1024
#define ACCOUNTS_MAX 8
#define ACCOUNT_NAME_LEN_MAX 32

struct kernel;

#define GROUP_USERS_GID 100 // "users", which lists xy: a supplementary group to test with

// One user as the kernel knows it from /etc/passwd, /etc/group and /etc/capabilities.
struct account {
    u32 uid;
    u32 gid;
    u32 capabilities; // bit per enum capability
    u32 groups_count; // its primary group, then the groups /etc/group lists it in
    u32 groups[GROUPS_MAX];
    char name[ACCOUNT_NAME_LEN_MAX];
};

// Loaded at boot: edits of /etc/passwd, /etc/group or /etc/capabilities apply from
// the next boot.
struct accounts {
    u32 count;
    struct account entries[ACCOUNTS_MAX];
};

// Reads /etc/passwd and /etc/capabilities into k->accounts; without a usable disk
// (or files), the built-in root and xy (xy: sudo).
void accounts_load(struct kernel *k);
// The one capability check: effective uid 0 holds all, others what
// /etc/capabilities grants their effective uid.
bool kernel_capable(const struct kernel *k, const struct cred *cred, enum capability capability);
// The credentials of a login as uid (switch_user, sudo, a spawn by root as uid):
// every id uid's and its groups from /etc/group (only the primary one if unknown).
struct cred accounts_cred(const struct kernel *k, u32 uid);
// The whole file, NUL-terminated, read as root whatever its mode. Returns its length
// (at most capacity - 1: longer files are cut) or -error.
i64 accounts_read_file(struct kernel *k, const char *absolute, char *buffer, u32 capacity);
