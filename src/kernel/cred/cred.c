#include "kernel/cred/cred.h"

#include "kernel/abi.h"

u32 cred_primary_gid(u32 uid) { return uid; }

struct cred cred_of_user(u32 uid) {
    u32 gid = cred_primary_gid(uid);
    struct cred cred = {.ruid = uid, .euid = uid, .suid = uid, .rgid = gid, .egid = gid, .sgid = gid,
                        .groups_count = 1, .groups = {gid}};
    assert(cred.groups_count <= GROUPS_MAX);
    assert(cred.groups[0] == cred.egid); // the primary group first
    return cred;
}

bool cred_in_group(const struct cred *cred, u32 gid) {
    assert(cred != NULL);
    assert(cred->groups_count <= GROUPS_MAX);
    if (cred->egid == gid) return true;
    for (u32 i = 0; i < cred->groups_count; i++) {
        if (cred->groups[i] == gid) return true;
    }
    return false;
}

i64 cred_for_child(const struct cred *parent, u32 uid, struct cred *child) {
    assert(parent != NULL);
    assert(child != NULL);
    assert(parent->groups_count <= GROUPS_MAX);
    if (uid == parent->euid) {
        *child = *parent;
        child->suid = parent->euid;
        child->sgid = parent->egid;
        assert(child->euid == uid);
        return 0;
    }
    if (parent->euid != ABI_UID_ROOT) return -E_PERM;
    *child = cred_of_user(uid);
    assert(child->euid == uid);
    return 0;
}

i64 cred_setuid(struct cred *cred, u32 uid) {
    assert(cred != NULL);
    assert(uid != CRED_ID_UNCHANGED); // sys_setuid refused it
    if (cred->euid == ABI_UID_ROOT) {
        cred->ruid = cred->euid = cred->suid = uid;
        assert(cred->ruid == uid);
        return 0;
    }
    if (uid != cred->ruid && uid != cred->suid) return -E_PERM;
    cred->euid = uid;
    // A user only moves its effective id between ids it already held: real and
    // saved stay as they were, so nobody gains an id this way.
    bool held = cred->euid == cred->ruid || cred->euid == cred->suid;
    assert(held);
    return 0;
}

i64 cred_setgid(struct cred *cred, u32 gid) {
    assert(cred != NULL);
    assert(gid != CRED_ID_UNCHANGED); // sys_setgid refused it
    if (cred->euid == ABI_UID_ROOT) {
        cred->rgid = cred->egid = cred->sgid = gid;
        assert(cred->rgid == gid);
        return 0;
    }
    if (gid != cred->rgid && gid != cred->sgid) return -E_PERM;
    cred->egid = gid;
    bool held = cred->egid == cred->rgid || cred->egid == cred->sgid; // as cred_setuid
    assert(held);
    return 0;
}


bool cred_may_signal(const struct cred *sender, const struct cred *target) {
    assert(sender != NULL);
    assert(target != NULL);
    return sender->euid == ABI_UID_ROOT || sender->ruid == target->ruid;
}
