// Attributes: mode, owner, group, link count and times, written as one batch and
// kept in step with an open copy of the inode (whose record the last close writes
// whole, so it must carry every attribute change made meanwhile).
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/fs/internal.h"

struct fs_open_file *fs_open_copy(struct kernel *k, u64 inode) {
    u32 index = fs_file_find(k, inode);
    if (index < FS_OPEN_FILES_MAX) assert(k->fs.files[index].meta.inode == inode);
    return index < FS_OPEN_FILES_MAX ? &k->fs.files[index] : NULL;
}

static void attributes_copy(struct fs_inode *to, const struct fs_inode *from) {
    assert(to != from);
    // Only between the record of an inode and its open copy, never across inodes.
    assert(to->inode == from->inode);
    to->mode = from->mode;
    to->uid = from->uid;
    to->gid = from->gid;
    to->nlink = from->nlink;
    to->atime_ns = from->atime_ns;
    to->mtime_ns = from->mtime_ns;
    to->ctime_ns = from->ctime_ns;
}

void fs_inode_current(struct kernel *k, struct fs_inode *inode) {
    assert(k != NULL);
    assert(inode != NULL);
    const struct fs_open_file *file = fs_open_copy(k, inode->inode);
    if (file != NULL) attributes_copy(inode, &file->meta);
}

void fs_inode_attributes_to_open(struct kernel *k, const struct fs_inode *inode) {
    assert(k != NULL);
    assert(inode != NULL);
    struct fs_open_file *file = fs_open_copy(k, inode->inode);
    if (file == NULL) return;
    attributes_copy(&file->meta, inode);
    file->generation++;
}

i64 fs_change_attributes(struct kernel *k, const struct fs_change *change, const struct fs_inode *inode) {
    assert(k != NULL);
    i64 usable = fs_usable(k);
    if (usable < 0) return usable;
    assert(inode->inode >= FS_ROOT_INODE);
    bool attribute_change = change->op == FS_CHANGE_CHMOD || change->op == FS_CHANGE_CHOWN ||
                            change->op == FS_CHANGE_UTIMES; // no other change writes attributes alone
    assert(attribute_change);
    assert(change->target != NULL);
    assert(change->target->inode == inode->inode);
    struct fs_inode before;
    i64 result = fs_read_inode(k, inode->inode, &before);
    if (result == 0) result = fs_change_begin(k, change, 1);
    if (result < 0) return result;
    assert(before.inode == inode->inode); // fs_read_inode checks the number it read
    result = fs_stage_inode(k, inode);
    if (result == 0) result = fs_commit(k);
    if (result < 0) { fs_batch_abort(k, result); return result; }
    if (before.uid != inode->uid) fs_usage_move(k, &before, inode->uid); // a chown: the new owner pays
    fs_inode_attributes_to_open(k, inode);
    return 0;
}

u32 fs_privileges_removed(const struct cred *cred, const struct fs_inode *inode) {
    assert(cred != NULL);
    assert(inode != NULL);
    if (cred->euid == ABI_UID_ROOT || inode->type != ABI_TYPE_FILE) return 0;
    u32 removed = inode->mode & ABI_MODE_SETUID;
    // A set-group-ID bit without group x is a mandatory-locking mark: it stays.
    if (mode_setgid_executable(inode->mode)) removed |= ABI_MODE_SETGID;
    assert((removed & ~(u32)(ABI_MODE_SETUID | ABI_MODE_SETGID)) == 0); // only set-ID bits
    return removed;

}
