// Credentials of a process: real, effective and saved user and group ids (Unix
// setuid rules) and capabilities. Below the filesystem: it knows no inodes.
#pragma once

#include "kernel/abi.h"
#include "kernel/lib/types.h"

#define GROUPS_MAX ABI_GROUPS_MAX

struct cred {
    u32 ruid, euid, suid; // real, effective (decides access), saved
    u32 rgid, egid, sgid;
    u32 groups_count;     // the supplementary groups (getgroups), from /etc/group at
    u32 groups[GROUPS_MAX]; // a login; the primary group first
};

// What a user may do beyond its files. Root (euid 0) holds every capability.
enum capability {
    CAPABILITY_SUDO = 0,
    CAPABILITY_SHUTDOWN,
    CAPABILITY_MOUNT,
    CAPABILITY_COUNT,
};

#define PERM_READ 4u
#define PERM_WRITE 2u
#define PERM_EXECUTE 1u
#define MODE_STICKY 01000u
#define MODE_GROUP_EXECUTE 010u
#define MODE_OTHER_WRITE 02u
#define MODE_PERMISSIONS 0777u // rwx of the owner, the group and the others
#define MODE_BITS_ALL 07777u   // and the set-ID and sticky bits

// Set-group-ID with group x: a set-group-ID program. Without x the bit only marks
// mandatory locking, and Linux leaves it alone where it drops a program's.
static inline bool mode_setgid_executable(u32 mode) {
    return (mode & (ABI_MODE_SETGID | MODE_GROUP_EXECUTE)) == (ABI_MODE_SETGID | MODE_GROUP_EXECUTE);
}
#define CRED_ID_UNCHANGED ABI_ID_UNCHANGED

// Every id the user's own (a login or a spawn by root as that user), and only the
// primary group as its group list: accounts_groups_fill (accounts.h) adds the rest.
struct cred cred_of_user(u32 uid);
// Whether gid is cred's effective gid or one of its groups (Linux's in_group_p).
bool cred_in_group(const struct cred *cred, u32 gid);
// The user's primary group (until /etc/passwd is read: the gid equals the uid).
u32 cred_primary_gid(u32 uid);
// Credentials of a spawned child asking to run as `uid`: inherits the parent's when
// uid is the parent's effective uid (saved ids become the effective ones, as exec
// does); only root may start a child as another user. -E_PERM otherwise.
i64 cred_for_child(const struct cred *parent, u32 uid, struct cred *child);
// Whether `sender` may signal a process running with `target` (kill): root (euid 0),
// or the sender's real uid is the target's real uid. Deliberately narrower than
// Linux (which also matches effective and saved ids): a setuid-root program started
// by a user keeps its real uid, so that user may still stop it, and nobody else may.
bool cred_may_signal(const struct cred *sender, const struct cred *target);
// The capability check itself is kernel_capable (accounts.h): it needs /etc. The
// permission check on inodes is cred_permission (kernel/fs/fs.h): it needs inodes.
// Unix setuid/setgid: root (euid 0) sets all three ids; others may only set the
// effective id to their real or saved one. -E_PERM otherwise.
i64 cred_setuid(struct cred *cred, u32 uid);
i64 cred_setgid(struct cred *cred, u32 gid);
