// Attribute syscalls: chmod, chown, utimens and umask, with Linux's rules from
// fs/attr.c (setattr_prepare, notify_change), fs/open.c (chown_common) and
// fs/utimes.c. Every change of attributes sets ctime.
#include "kernel/bugs.h"
#include "kernel/fs/fs.h"
#include "kernel/kernel.h"
#include "kernel/syscall.h"
#include "kernel/proc/usercopy.h"


static bool owner_or_root(const struct cred *cred, const struct fs_inode *inode) {
    assert(cred != NULL);
    assert(inode != NULL);
    return cred->euid == ABI_UID_ROOT || cred->euid == inode->uid;
}

// chmod: the owner or root. The set-group-ID bit stays only for root or a member of
// the file's group (setattr_prepare: in_group_p or CAP_FSETID).
i64 sys_chmod(struct kernel *k, u32 slot, const u64 *args) {
    assert(slot < PROCS_MAX);
    assert(args != NULL);
    const struct cred *cred = &k->procs[slot].cred;
    if ((args[1] & ~(u64)MODE_BITS_ALL) != 0) return -E_INVAL;
    struct fs_name name;
    i64 result = user_walk(k, slot, args[0], FS_WALK_LOOKUP | FS_WALK_FOLLOW, &name);
    if (result < 0) return result;
    struct fs_inode inode = name.inode;
    if (!owner_or_root(cred, &inode) && !planted_bug(k, BUG_CHMOD_SKIPS_OWNER_CHECK)) return -E_PERM;
    u32 mode = (u32)args[1];
    if (cred->euid != ABI_UID_ROOT && !cred_in_group(cred, inode.gid)) mode &= ~(u32)ABI_MODE_SETGID;
    assert((mode & ~MODE_BITS_ALL) == 0); // the argument was refused with any other bit
    inode.mode = mode;
    inode.ctime_ns = platform_realtime_ns(k->platform);
    const struct fs_change change = {.op = FS_CHANGE_CHMOD, .cred = cred, .path = &name.path, .target = &name.inode};
    return fs_change_attributes(k, &change, &inode);
}

// Linux's chown_ok and chgrp_ok: root anything; the owner may "change" the owner to
// itself and the group to one it is in (or the file's own); nobody else anything.
static i64 chown_allowed(struct kernel *k, const struct cred *cred, const struct fs_inode *inode, u64 uid,
                         u64 gid) {
    // sys_chown refused wider ids: the casts to u32 below lose nothing.
    assert(uid <= ABI_ID_UNCHANGED);
    assert(gid <= ABI_ID_UNCHANGED);
    if (cred->euid == ABI_UID_ROOT) return 0;
    bool owner = cred->euid == inode->uid;
    if (uid != ABI_ID_UNCHANGED && !(owner && uid == inode->uid)) return -E_PERM;
    bool member = cred_in_group(cred, (u32)gid) || planted_bug(k, BUG_CHOWN_ANY_GROUP);
    if (gid != ABI_ID_UNCHANGED && !(owner && (member || gid == inode->gid))) return -E_PERM;
    return 0;
}

// The bits a chown of a non-directory removes (chown_common's ATTR_KILL_SUID and
// ATTR_KILL_SGID, whatever the caller): set-user-ID, and set-group-ID with group x.
static u32 chown_removes(const struct fs_inode *inode) {
    assert(inode != NULL);
    if (inode->type == ABI_TYPE_DIRECTORY) return 0;
    u32 removed = inode->mode & ABI_MODE_SETUID;
    if (mode_setgid_executable(inode->mode)) removed |= ABI_MODE_SETGID;
    assert((removed & ~(u32)(ABI_MODE_SETUID | ABI_MODE_SETGID)) == 0); // only set-ID bits
    return removed;
}

// chown(path, uid, gid); ABI_ID_UNCHANGED keeps either. Removing privilege bits is a
// mode change, which only the owner or root may make (so a non-owner's no-op chown
// succeeds only on a file without them, changing its ctime alone, as on Linux).
i64 sys_chown(struct kernel *k, u32 slot, const u64 *args) {
    assert(slot < PROCS_MAX);
    assert(args != NULL);
    const struct cred *cred = &k->procs[slot].cred;
    u64 uid = args[1], gid = args[2];
    if (uid > ABI_ID_UNCHANGED || gid > ABI_ID_UNCHANGED) return -E_INVAL;
    struct fs_name name;
    i64 result = user_walk(k, slot, args[0], FS_WALK_LOOKUP | FS_WALK_FOLLOW, &name);
    if (result < 0) return result;
    struct fs_inode inode = name.inode;
    result = chown_allowed(k, cred, &inode, uid, gid);
    if (result < 0) return result;
    u32 removed = chown_removes(&inode);
    if (removed != 0 && !owner_or_root(cred, &inode)) return -E_PERM;
    if (uid != ABI_ID_UNCHANGED) inode.uid = (u32)uid;
    if (gid != ABI_ID_UNCHANGED) inode.gid = (u32)gid;
    inode.mode &= ~removed;
    assert((inode.mode & removed) == 0);
    bool keeps_setgid = cred->euid == ABI_UID_ROOT || cred_in_group(cred, inode.gid);
    if (removed != 0 && !keeps_setgid) inode.mode &= ~(u32)ABI_MODE_SETGID; // setattr_prepare's ATTR_MODE rule
    inode.ctime_ns = platform_realtime_ns(k->platform);
    const struct fs_change change = {.op = FS_CHANGE_CHOWN, .cred = cred, .path = &name.path, .target = &name.inode,
                                     .uid = (u32)uid, .gid = (u32)gid};
    return fs_change_attributes(k, &change, &inode);
}

// The times asked for: *now when both are "now" (or times_va is 0); *omit_both when
// neither changes (Linux's utimensat then returns 0 without looking at the path).
static i64 utimens_read(struct kernel *k, u32 slot, u64 times_va, u64 times[2], bool *now, bool *omit_both) {
    assert(slot < PROCS_MAX);
    assert(now != NULL);
    assert(omit_both != NULL);
    times[0] = times[1] = ABI_UTIME_NOW;
    if (times_va != 0) {
        i64 copied = copy_from_user(k, &k->procs[slot], times, times_va, 2 * sizeof(u64));
        if (copied < 0) return copied;
    }
    *now = times[0] == ABI_UTIME_NOW && times[1] == ABI_UTIME_NOW;
    *omit_both = times[0] == ABI_UTIME_OMIT && times[1] == ABI_UTIME_OMIT;
    return 0;
}

// Setting both times to now: the owner, root, or anyone who may write the file
// (E_ACCES); any other setting: the owner or root (E_PERM).
static i64 utimens_allowed(struct kernel *k, const struct cred *cred, const struct fs_inode *inode, bool now) {
    assert(cred != NULL);
    assert(inode != NULL);
    if
 (owner_or_root(cred, inode) || planted_bug(k, BUG_UTIMENS_SKIPS_OWNER_CHECK)) return 0;
    if (!now) return -E_PERM;
    return cred_permission(cred, inode, PERM_WRITE);
}

i64 sys_utimens(struct kernel *k, u32 slot, const u64 *args) {
    assert(slot < PROCS_MAX);
    assert(args != NULL);
    const struct cred *cred = &k->procs[slot].cred;
    u64 times[2];
    bool now = false, omit_both = false;
    i64 result = utimens_read(k, slot, args[1], times, &now, &omit_both);
    if (result < 0 || omit_both) return result;
    if ((args[2] & ~(u64)ABI_AT_SYMLINK_NOFOLLOW) != 0) return -E_INVAL;
    u32 follow = (args[2] & ABI_AT_SYMLINK_NOFOLLOW) ? 0 : FS_WALK_FOLLOW;
    struct fs_name name;
    result = user_walk(k, slot, args[0], FS_WALK_LOOKUP | follow, &name);
    if (result == 0) result = utimens_allowed(k, cred, &name.inode, now);
    if (result < 0) return result;
    struct fs_inode inode = name.inode;
    u64 now_ns = platform_realtime_ns(k->platform);
    if (times[0] != ABI_UTIME_OMIT) inode.atime_ns = times[0] == ABI_UTIME_NOW ? now_ns : times[0];
    if (times[1] != ABI_UTIME_OMIT) inode.mtime_ns = times[1] == ABI_UTIME_NOW ? now_ns : times[1];
    inode.ctime_ns = now_ns;
    const struct fs_change change = {.op = FS_CHANGE_UTIMES, .cred = cred, .path = &name.path, .target = &name.inode,
                                     .now = now};
    return fs_change_attributes(k, &change, &inode);
}

i64 sys_umask(struct kernel *k, u32 slot, const u64 *args) {
    assert(slot < PROCS_MAX);
    assert(args != NULL);
    struct proc *proc_ = &k->procs[slot];
    u32 old = proc_->umask;
    proc_->umask = (u32)(args[0] & MODE_PERMISSIONS);
    assert(old <= MODE_PERMISSIONS);
    return old;
}
