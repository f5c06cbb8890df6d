// non_root_never_writes_etc_or_others: a reference model of who may change what in
// the filesystem, written apart from the kernel's cred.c and fs_namespace.c. The
// kernel tells the simulator of every change it is about to make (observe.h, from the
// filesystem's doors in fs.h), after its own checks passed; this model decides again, from the inode
// attributes involved and the ids the process table holds for the current process:
//   - nothing under /etc is changed by a process with euid != 0;
//   - a file is opened for writing only when its mode grants the caller w (the
//     caller's class only: owner, else group, else other, as Unix does);
//   - a name is made or removed only in a directory granting w and x, and in a sticky
//     directory only the entry's owner or the directory's owner removes or replaces it;
//   - a hard link to a file is made only by its owner, or by someone who may read and
//     write it when it is a plain file without set-user-ID or executable set-group-ID
//     (Linux's fs.protected_hardlinks=1);
//   - only the owner changes a mode or sets times; others may set both times to now
//     when they may write the file;
//   - only root changes an owner; the owner may give a file to a group it is in; a
//     chown that changes neither id (ctime only) is anyone's, as on Linux.
// The group class applies when the file's group is the caller's egid or one of its
// supplementary groups.
// A change made on the kernel's own authority (the first boot's files, a password
// change after the kernel checked the old password, the auth log) carries the
// kernel's root credentials, never the process's: they must be root's, and while a
// process is current they may only touch the files the kernel keeps for it.
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kernel/kernel.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/violation.h"

static const char *const change_names[] = {
    [FS_CHANGE_OPEN_WRITE] = "open for writing", [FS_CHANGE_CREATE] = "create",
    [FS_CHANGE_REMOVE] = "remove",               [FS_CHANGE_RENAME_FROM] = "rename away",
    [FS_CHANGE_RENAME_TO] = "rename onto",       [FS_CHANGE_CHMOD] = "chmod",
    [FS_CHANGE_CHOWN] = "chown",                 [FS_CHANGE_LINK] = "link",
    [FS_CHANGE_UTIMES] = "set the times of",
};

static bool model_in_group(const struct cred *cred, u32 gid) {
    if (cred->egid == gid) return true;
    for (u32 i = 0; i < cred->groups_count && i < GROUPS_MAX; i++) {
        if (cred->groups[i] == gid) return true;
    }
    return false;
}

// The class bits that apply to cred: owner's, else group's, else other's.
static u32 model_granted(const struct cred *cred, const struct fs_inode *inode) {
    u32 bits = inode->mode & 0777u;
    if (cred->euid == inode->uid) return (bits >> 6) & 7u;
    if (model_in_group(cred, inode->gid)) return (bits >> 3) & 7u;
    return bits & 7u;
}

static bool model_may(const struct cred *cred, const struct fs_inode *inode, u32 want) {
    assert(want != 0);
    assert(want <= 7u);
    return (model_granted(cred, inode) & want) == want;
}

// Removing or replacing `target` in the sticky directory `dir`.
static bool model_sticky_allows(const struct cred *cred, const struct fs_inode *dir,
                                const struct fs_inode *target) {
    if ((dir->mode & MODE_STICKY) == 0 || target == NULL) return true;
    return cred->euid == target->uid || cred->euid == dir->uid;
}

// protected_hardlinks: the owner, or a plain file the caller may read and write.
static bool model_link_target_ok(const struct cred *cred, const struct fs_inode *target) {
    if (cred->euid == target->uid) return true;
    if (target->type != ABI_TYPE_FILE || (target->mode & ABI_MODE_SETUID) != 0) return false;
    if ((target->mode & (ABI_MODE_SETGID | 010u)) == (ABI_MODE_SETGID | 010u)) return false;
    return model_may(cred, target, PERM_READ | PERM_WRITE);
}

static bool model_chown_allows(const struct cred *cred, const struct fs_change *change) {
    const struct fs_inode *target = change->target;
    if (target == NULL || cred->euid != target->uid) return false;
    bool uid_kept = change->uid == ABI_ID_UNCHANGED || change->uid == target->uid;
    bool gid_ok = change->gid == ABI_ID_UNCHANGED || change->gid == target->gid || model_in_group(cred, change->gid);
    return uid_kept && gid_ok;
}

static bool model_allows(const struct cred *cred, const struct fs_change *change) {
    const struct fs_inode *dir = change->dir, *target = change->target;
    switch (change->op) {
    case FS_CHANGE_OPEN_WRITE: return target != NULL && model_may(cred, target, PERM_WRITE);
    case FS_CHANGE_CREATE: return dir != NULL && model_may(cred, dir, PERM_WRITE | PERM_EXECUTE);
    case FS_CHANGE_REMOVE:
    case FS_CHANGE_RENAME_FROM:
        return dir != NULL && target != NULL && model_may(cred, dir, PERM_WRITE | PERM_EXECUTE) &&
               model_sticky_allows(cred, dir, target);
    case FS_CHANGE_RENAME_TO:
        return dir != NULL && model_may(cred, dir, PERM_WRITE | PERM_EXECUTE) &&
               model_sticky_allows(cred, dir, target);
    case FS_CHANGE_CHMOD: return target != NULL && cred->euid == target->uid;
    case FS_CHANGE_CHOWN: return model_chown_allows(cred, change);
    case FS_CHANGE_LINK:
        return dir != NULL && target != NULL && model_may(cred, dir, PERM_WRITE | PERM_EXECUTE) &&
               model_link_target_ok(cred, target);
    case FS_CHANGE_UTIMES:
        return target != NULL && (cred->euid == target->uid || (change->now && model_may(cred, target, PERM_WRITE)));
    }
    return false;
}

// A chown that keeps both ids changes nothing but ctime: anyone's, anywhere.
static bool model_changes_nothing(const struct fs_change *change) {
    return change->op == FS_CHANGE_CHOWN && change->uid == ABI_ID_UNCHANGED && change->gid == ABI_ID_UNCHANGED;
}

// The rule a refused change broke, for the report.
static const char *model_rule(enum fs_change_op op) {
    switch (op) {
    case FS_CHANGE_OPEN_WRITE: return "its mode grants the caller no w";
    case FS_CHANGE_CREATE: return "the directory grants the caller no w and x";
    case FS_CHANGE_REMOVE:
    case FS_CHANGE_RENAME_FROM:
    case FS_CHANGE_RENAME_TO: return "the directory grants no w and x, or it is sticky and neither is the caller's";
    case FS_CHANGE_CHMOD: return "only the owner changes a mode";
    case FS_CHANGE_CHOWN: return "only root changes an owner, and the owner gives a file only to its own groups";
    case FS_CHANGE_LINK: return "the directory grants no w and x, or the file is another's it may not read and write";
    case FS_CHANGE_UTIMES: return "only the owner sets times (others: both to now, with w)";
    }
    return "unknown change";
}

// Files the kernel changes itself during a syscall, after its own checks: passwd
// (shadow.new renamed over shadow), the audit log with its numbered archives
// (/var/log/auth.1 .. auth.AUTH_LOG_ARCHIVES_MAX, shifted at each rotation), and the
// seed file shutdown rewrites (random-seed.new renamed over it, with /var/lib, made
// for a disk older than it), and z6's service logs, /var/log/z6 and all below it
// (written while the service's process writes: kernel/z6/z6host_log.c).
static bool kernel_keeps(const struct path *path) {
    bool z6_log = path->count >= 3 && strcmp(path->names[0], "var") == 0 && strcmp(path->names[1], "log") == 0 &&
                  strcmp(path->names[2], "z6") == 0;
    if (z6_log) return true;
    // Zix (kernel/zix): the store, its rebuilds and build directories under /zix, and the
    // build logs in /var/log/zix, written as root during zix_build and zix_store.
    bool zix = path->count >= 1 && strcmp(path->names[0], "zix") == 0;
    bool zix_log = path->count >= 3 && strcmp(path->names[0], "var") == 0 && strcmp(path->names[1], "log") == 0 &&
                   strcmp(path->names[2], "zix") == 0;
    if (zix || zix_log) return true;
    static const char *const kept[] = {"/etc/shadow", "/etc/shadow.new", "/var/log/auth", RANDOM_SEED_FILE_PATH,
                                       RANDOM_SEED_FILE_NEW_PATH, RANDOM_SEED_FILE_DIRECTORY};
    char name[ABI_PATH_LEN_MAX];
    if (path_format(path, name, sizeof name) < 0) return false;
    for (u32 i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        if (strcmp(name, kept[i]) == 0) return true;
    }
    for (u32 archive = 1; archive <= AUTH_LOG_ARCHIVES_MAX; archive++) {
        char archive_name[ABI_PATH_LEN_MAX];
        snprintf(archive_name, sizeof archive_name, "/var/log/auth.%u", archive);
        if (strcmp(name, archive_name) == 0) return true;
    }
    return false;
}

static bool path_under_etc(const struct path *path) {
    return path->count >= 1 && strcmp(path->names[0], "etc") == 0;
}

static void violation(struct sim *sim, struct platform *node, u32 pid, const struct cred *cred,
                      const struct fs_change *change, const char *why) {
    char name[ABI_PATH_LEN_MAX] = "?";
    (void)path_format(change->path, name, sizeof name);
    const struct fs_inode *about = change->target != NULL ? change->target : change->dir;
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    snprintf(detail, sizeof detail, "pid %u (euid %u egid %u) may not %s %.160s (%s uid %u gid %u mode %04o): %s",
             pid, cred->euid, cred->egid, change_names[change->op], name,
             change->target != NULL ? "file" : "its directory", about != NULL ? about->uid : 0,
             about != NULL ? about->gid : 0, about != NULL ? about->mode : 0, why);
    sim_violation(sim, node, INV_NON_ROOT_NEVER_WRITES_ETC_OR_OTHERS, detail);
}

void writes_on_change(struct sim *sim, struct platform *node, const struct fs_change *change) {
    assert(sim != NULL);
    assert(node != NULL);
    assert(change != NULL);
    assert(change->op >= FS_CHANGE_OPEN_WRITE);
    assert(change->op <= FS_CHANGE_UTIMES);
    assert(change->path != NULL);
    sim->invariant_checks[INV_NON_ROOT_NEVER_WRITES_ETC_OR_OTHERS]++;
    const struct kernel *k = &node->kernel;
    bool process_current = k->current_slot < PROCS_MAX;
    const struct proc *proc = process_current ? &k->procs[k->current_slot] : NULL;
    if (proc == NULL || change->cred != &proc->cred) {
        // The kernel's own authority: only ever root's ids, and while a process is
        // current only for the files the kernel keeps on its behalf.
        bool root_ids = change->cred->euid == ABI_UID_ROOT && change->cred->egid == ABI_UID_ROOT;
        if (root_ids && (proc == NULL || kernel_keeps(change->path))) return;
        violation(sim, node, proc != NULL ? proc->pid : 0, change->cred, change,
                  root_ids ? "root's ids lent to a process for a file the kernel does not keep"
                           : "acting with ids that are neither the process's nor the kernel's root");
    }
    assert(proc != NULL);
    const struct cred *cred = &proc->cred;
    if (cred->euid == ABI_UID_ROOT || model_changes_nothing(change)) return;
    sim->security.non_root_changes_checked++;
    if (path_under_etc(change->path)) violation(sim, node, proc->pid, cred, change, "it is under /etc");
    if (!model_allows(cred, change)) violation(sim, node, proc->pid, cred, change, model_rule(change->op));
}
