// Open files: one buffer per open inode, shared by its descriptors. Data reaches
// GrainDB at fsync and at the last close, as one atomic batch (content + inode).
#include "kernel.h"
#include "mem.h"

i64 fs_file_open(struct kernel *k, const struct fs_inode *inode, bool truncate) {
    struct fs *fs = &k->fs;
    assert(inode->type == ABI_TYPE_FILE);
    u32 free_index = FS_OPEN_FILES_MAX;
    for (u32 i = 0; i < FS_OPEN_FILES_MAX; i++) {
        struct fs_open_file *file = &fs->files[i];
        if (file->references == 0) {
            if (free_index == FS_OPEN_FILES_MAX) free_index = i;
        } else if (file->meta.inode == inode->inode && !file->unlinked) {
            file->references++;
            if (truncate && file->meta.size_bytes != 0) { file->meta.size_bytes = 0; file->dirty = true; }
            return i;
        }
    }
    if (free_index == FS_OPEN_FILES_MAX) return -E_MFILE;
    struct fs_open_file *file = &fs->files[free_index];
    file->meta = *inode;
    file->dirty = false;
    file->unlinked = false;
    if (inode->has_content && !truncate) {
        u32 size = 0;
        i64 result = fs_get_object(k, inode->content, file->data, FS_FILE_BYTES_MAX, &size);
        if (result < 0) return result == -E_2BIG ? -E_BADMSG : result;
        if (size != inode->size_bytes) return -E_BADMSG;
    }
    if (truncate && inode->size_bytes != 0) { file->meta.size_bytes = 0; file->dirty = true; }
    file->references = 1;
    return free_index;
}

void fs_file_hold(struct kernel *k, u32 index) {
    assert(index < FS_OPEN_FILES_MAX && k->fs.files[index].references > 0);
    k->fs.files[index].references++;
}

i64 fs_file_commit(struct kernel *k, u32 index) {
    struct fs *fs = &k->fs;
    struct fs_open_file *file = &fs->files[index];
    assert(index < FS_OPEN_FILES_MAX && file->references > 0);
    if (!file->dirty || file->unlinked) return 0;
    i64 result = graindb_batch_begin(&fs->db);
    if (result < 0) return result;
    file->meta.has_content = file->meta.size_bytes > 0;
    mem_set(file->meta.content, 0, GRAINDB_HASH_BYTES);
    if (file->meta.has_content) {
        result = fs_put_object(k, file->data, (u32)file->meta.size_bytes, file->meta.content);
    }
    file->meta.mtime_ns = platform_realtime_ns(k->platform);
    if (result == 0) result = fs_stage_inode(k, &file->meta);
    if (result == 0) result = fs_commit(k);
    if (result < 0) { graindb_batch_abort(&fs->db); return result; }
    file->dirty = false;
    return 0;
}

i64 fs_file_release(struct kernel *k, u32 index) {
    struct fs_open_file *file = &k->fs.files[index];
    assert(index < FS_OPEN_FILES_MAX && file->references > 0);
    i64 result = file->references == 1 ? fs_file_commit(k, index) : 0;
    file->references--;
    return result;
}

i64 fs_file_write(struct kernel *k, u32 index, u64 offset, const u8 *bytes, u64 count) {
    struct fs_open_file *file = &k->fs.files[index];
    assert(index < FS_OPEN_FILES_MAX && file->references > 0);
    if (offset > FS_FILE_BYTES_MAX || count > FS_FILE_BYTES_MAX - offset) return -E_FBIG;
    if (offset > file->meta.size_bytes) { // a hole reads as zeros
        mem_set(file->data + file->meta.size_bytes, 0, offset - file->meta.size_bytes);
    }
    mem_copy(file->data + offset, bytes, count);
    if (offset + count > file->meta.size_bytes) file->meta.size_bytes = offset + count;
    file->dirty = true;
    return (i64)count;
}
