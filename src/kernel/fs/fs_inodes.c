// Inode numbers: which one a new inode takes. Numbers are reused, so removing files
// gives them back and the key space cannot run out while files come and go: a number
// in [FS_ROOT_INODE + 1, FS_INODES_MAX) is free when its key is absent or deleted
// and nothing still names it (an open file, also one removed while open, or a
// directory being read by inode number). The search starts where the last one ended
// (the cursor inode_next), so a number just given back is not handed out again at
// once. Only GrainDB's RAM index is consulted: no device access.
#include "kernel/kernel.h"
#include "kernel/fs/internal.h"

static bool fs_inode_key_free(struct kernel *k, u64 inode) {
    u8 key[FS_KEY_LEN_MAX];
    u32 key_len = 0;
    fs_inode_key(inode, key, &key_len);
    struct graindb_ref_info info;
    i64 result = graindb_ref_get(&k->fs.db, key, key_len, &info);
    return result == -E_NOENT || (result == 0 && info.deleted);
}

static bool fs_inode_named(const struct kernel *k, u64 inode) {
    for (u32 i = 0; i < FS_OPEN_FILES_MAX; i++) {
        const struct fs_open_file *file = &k->fs.files[i];
        if (file->references > 0 && file->meta.inode == inode) return true;
    }
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        const struct proc *p = &k->procs[slot];
        if (p->state == PROC_FREE) continue;
        for (u32 fd = 0; fd < ABI_FDS_MAX; fd++) {
            if (p->fds[fd].kind == FD_DIRECTORY && p->fds[fd].inode == inode) return true;
        }
    }
    return false;
}

// The number after `inode` in the cycle of usable numbers.
static u64 fs_inode_after(u64 inode) {
    return inode + 1 >= FS_INODES_MAX ? FS_ROOT_INODE + 1 : inode + 1;
}

i64 fs_inode_allocate(struct kernel *k, u64 *inode_out) {
    assert(k != NULL);
    assert(inode_out != NULL);
    u64 candidate = k->fs.inode_next;
    if (candidate <= FS_ROOT_INODE || candidate >= FS_INODES_MAX) candidate = FS_ROOT_INODE + 1;
    for (u64 tried = 0; tried < FS_INODES_MAX; tried++) {
        if (fs_inode_key_free(k, candidate) && !fs_inode_named(k, candidate)) {
            *inode_out = candidate;
            assert(candidate > FS_ROOT_INODE);
            assert(candidate < FS_INODES_MAX);
            return 0;
        }
        candidate = fs_inode_after(candidate);
    }
    return -E_NOSPC; // every number names a live inode
}

void fs_inode_allocated(struct kernel *k, u64 inode) {
    assert(inode > FS_ROOT_INODE);
    assert(inode < FS_INODES_MAX);
    k->fs.inode_next = fs_inode_after(inode);
}
