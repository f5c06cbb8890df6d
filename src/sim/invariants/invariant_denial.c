// denied_syscall_changes_nothing: a syscall the kernel refuses (E_ACCES, E_PERM) must
// leave the machine as it found it. When a process is scheduled (TRACE_SCHEDULE) the
// simulator takes a snapshot of what any syscall of it could change; a step runs that
// one process until its one trap, so when the syscall reports a denial (TRACE_SYSCALL,
// emitted before anything else happens) the snapshot is exactly "before" and the
// kernel's state is exactly "after". Refusals that the kernel records on purpose --
// sudo, switch_user and passwd append them to /var/log/auth -- may commit to the
// database; everything else they must leave alone too.
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/sim.h"
#include "kernel/lib/endian.h"
#include "kernel/kernel.h"
#include "kernel/syscall.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/trace.h"
#include "sim/violation.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static u64 fold_bytes(u64 digest, const void *bytes, u64 count) {
    const u8 *p = bytes;
    for (u64 i = 0; i < count; i++) digest = (digest ^ p[i]) * FNV_PRIME;
    return digest;
}

static u64 fold_u64(u64 digest, u64 value) {
    u8 bytes[8];
    store_u64_le(bytes, value);
    return fold_bytes(digest, bytes, sizeof bytes);
}

static u64 fold_cred(u64 digest, const struct cred *cred) {
    digest = fold_u64(digest, (u64)cred->ruid << 32 | cred->euid);
    digest = fold_u64(digest, (u64)cred->suid << 32 | cred->rgid);
    return fold_u64(digest, (u64)cred->egid << 32 | cred->sgid);
}

static u64 caller_digest(const struct proc *proc) {
    u64 digest = fold_cred(FNV_OFFSET, &proc->cred);
    digest = fold_u64(digest, proc->cwd_inode);
    digest = fold_u64(digest, proc->umask);
    for (u32 g = 0; g < proc->cred.groups_count && g < GROUPS_MAX; g++) digest = fold_u64(digest, proc->cred.groups[g]);
    for (u32 fd = 0; fd < ABI_FDS_MAX; fd++) {
        const struct fd *entry = &proc->fds[fd];
        digest = fold_u64(digest, (u64)entry->kind << 32 | entry->flags);
        digest = fold_u64(digest, entry->open_file);
        digest = fold_u64(digest, entry->offset);
        digest = fold_u64(digest, entry->inode);
        digest = fold_bytes(digest, entry->cursor, strnlen(entry->cursor, sizeof entry->cursor));
    }
    return digest;
}

static u64 procs_digest(const struct kernel *k) {
    u64 digest = FNV_OFFSET;
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        const struct proc *proc = &k->procs[slot];
        if (proc->state == PROC_FREE) continue;
        digest = fold_u64(digest, (u64)slot << 32 | proc->pid);
        digest = fold_u64(digest, (u64)proc->parent_pid << 32 | (u32)proc->state);
        digest = fold_cred(digest, &proc->cred);
    }
    return digest;
}

static u64 files_digest(const struct kernel *k) {
    u64 digest = FNV_OFFSET;
    for (u32 i = 0; i < FS_OPEN_FILES_MAX; i++) {
        const struct fs_open_file *file = &k->fs.files[i];
        if (file->references == 0) continue;
        digest = fold_u64(digest, (u64)i << 32 | file->references);
        digest = fold_u64(digest, (u64)file->dirty << 1 | (u64)file->unlinked);
        digest = fold_u64(digest, file->generation);
        digest = fold_u64(digest, file->meta.inode);
        digest = fold_u64(digest, file->meta.size_bytes);
        digest = fold_u64(digest, (u64)file->meta.mode << 32 | file->meta.type);
        digest = fold_u64(digest, (u64)file->meta.uid << 32 | file->meta.gid);
    }
    return digest;
}

static void snapshot_take(const struct kernel *k, u32 slot, struct denial_snapshot *out) {
    assert(slot < PROCS_MAX);
    assert(k->procs[slot].state != PROC_FREE);
    out->pid = k->procs[slot].pid;
    out->slot = slot;
    out->caller_digest = caller_digest(&k->procs[slot]);
    out->procs_digest = procs_digest(k);
    out->files_digest = files_digest(k);
    out->db_commit_seq = graindb_commit_seq(&k->fs.db);
    graindb_merkle_root(&k->fs.db, out->db_root);
    out->fs_commits = k->fs.commits;
    out->inode_next = k->fs.inode_next;
}

void denial_on_schedule(struct platform *node, const struct trace_event *event) {
    assert(node != NULL);
    assert(event != NULL);
    assert(event->kind == TRACE_SCHEDULE);
    const struct kernel *k = &node->kernel;
    struct denial_snapshot *snapshot = &node->invariants.denial;
    snapshot->pid = 0;
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        const struct proc *proc = &k->procs[slot];
        if (proc->state != PROC_FREE && proc->pid == event->a) snapshot_take(k, slot, snapshot);
    }
}

static bool denial_result(i64 result) { return result == -E_ACCES || result == -E_PERM; }

static bool logs_its_refusals(u64 number) {
    return number == SYS_sudo || number == SYS_switch_user || number == SYS_passwd;
}

// The first thing that differs, or NULL.
static const char *snapshot_difference(const struct denial_snapshot *before,
                                       const struct denial_snapshot *after, u64 number) {
    if (after->caller_digest != before->caller_digest) return "the caller's ids, groups, cwd, umask or descriptors";
    if (after->procs_digest != before->procs_digest) return "the process table";
    if (logs_its_refusals(number)) return NULL;
    if (after->files_digest != before->files_digest) return "an open file's data, size or attributes";
    if (after->db_commit_seq != before->db_commit_seq || after->fs_commits != before->fs_commits ||
        memcmp(after->db_root, before->db_root, sizeof before->db_root) != 0) {
        return "the database (a commit was made)";
    }
    if (after->inode_next != before->inode_next) return "the next inode number";
    return NULL;
}

void denial_on_syscall(struct sim *sim, struct platform *node, const struct trace_event *event) {
    assert(sim != NULL);
    assert(node != NULL);
    assert(event != NULL);
    assert(event->kind == TRACE_SYSCALL);
    sim->security.syscalls++;
    i64 result = (i64)event->c;
    if (!denial_result(result)) return;
    const struct denial_snapshot *before = &node->invariants.denial;
    if (before->pid == 0 || before->pid != event->a) {
        sim->security.denials_unchecked++;
        return;
    }
    sim->invariant_checks[INV_DENIED_SYSCALL_CHANGES_NOTHING]++;
    sim->security.denials_checked++;
    struct denial_snapshot after;
    snapshot_take(&node->kernel, before->slot, &after);
    const char *changed = snapshot_difference(before, &after, event->b);
    if (changed == NULL) return;
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    snprintf(detail, sizeof detail, "pid %u: %s() returned %s yet changed %s", before->pid,
             syscall_name(event->b), result == -E_ACCES ? "E_ACCES" : "E_PERM", changed);
    sim_violation(sim, node, INV_DENIED_SYSCALL_CHANGES_NOTHING, detail);
}
