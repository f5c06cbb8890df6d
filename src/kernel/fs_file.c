// Open files: one buffer per open inode, shared by its descriptors. Data reaches
// GrainDB at fsync and at the last close, as one atomic batch: the chunks that changed,
// the inode record (which links to all its chunks) and its ref. Nothing is ever stored
// without a ref reaching it between batches, so a compaction never drops part of a
// commit in progress; an append stores its last chunk and the inode record only.
// The open copy's attributes are the inode's current ones: every attribute change
// made through a name is copied into it (fs_inode_attributes_to_open), and writes
// and reads change its times in memory, committed with the file.
#include "bugs.h"
#include "kernel.h"
#include "mem.h"
#include "trace_events.h"

// Reads every chunk; each must have exactly the size the inode implies.
static i64 fs_file_load(struct kernel *k, const struct fs_inode *inode, u8 *data) {
    for (u32 c = 0; c < inode->chunk_count; c++) {
        u64 offset = (u64)c * FS_CHUNK_BYTES;
        u64 expected = inode->size_bytes - offset < FS_CHUNK_BYTES ? inode->size_bytes - offset : FS_CHUNK_BYTES;
        u32 size = 0;
        i64 result = fs_get_object(k, inode->chunks[c], data + offset, FS_CHUNK_BYTES, &size);
        if (result < 0) return result == -E_2BIG ? -E_BADMSG : result;
        if (size != expected) return -E_BADMSG;
    }
    return 0;
}

static u64 fs_chunk_bytes(u64 size_bytes, u32 chunk) {
    u64 offset = (u64)chunk * FS_CHUNK_BYTES;
    if (size_bytes <= offset) return 0;
    return size_bytes - offset < FS_CHUNK_BYTES ? size_bytes - offset : FS_CHUNK_BYTES;
}

// A chunk keeps its hash when no write touched it and its extent is what it was at the
// last load or commit (a size change moves the last chunk's end).
static bool fs_chunk_unchanged(const struct fs_open_file *file, u32 chunk) {
    if ((file->chunks_written >> chunk) & 1u) return false;
    u64 before = fs_chunk_bytes(file->committed_size_bytes, chunk);
    return before != 0 && before == fs_chunk_bytes(file->meta.size_bytes, chunk);
}

// Stages the chunks that changed into the open batch; the others keep their hashes.
static i64 fs_file_stage_chunks(struct kernel *k, struct fs_open_file *file) {
    struct fs_inode *meta = &file->meta;
    meta->chunk_count = (u32)((meta->size_bytes + FS_CHUNK_BYTES - 1) / FS_CHUNK_BYTES);
    assert(meta->chunk_count <= FS_FILE_CHUNKS_MAX);
    for (u32 c = 0; c < meta->chunk_count; c++) {
        if (fs_chunk_unchanged(file, c)) continue;
        u64 size = fs_chunk_bytes(meta->size_bytes, c);
        assert(size > 0);
        i64 result = fs_put_object(k, file->data + (u64)c * FS_CHUNK_BYTES, (u32)size, meta->chunks[c]);
        if (result < 0) return result;
    }
    for (u32 c = meta->chunk_count; c < FS_FILE_CHUNKS_MAX; c++) {
        mem_set(meta->chunks[c], 0, GRAINDB_HASH_BYTES);
    }
    return 0;
}

// Chunks [offset, offset + count) of the file changed.
static void fs_file_mark_written(struct fs_open_file *file, u64 offset, u64 count) {
    if (count == 0) return;
    u64 first = offset / FS_CHUNK_BYTES, last = (offset + count - 1) / FS_CHUNK_BYTES;
    assert(last < FS_FILE_CHUNKS_MAX);
    for (u64 c = first; c <= last; c++) file->chunks_written |= 1u << c;
}

i64 fs_file_open(struct kernel *k, const struct fs_inode *inode, bool truncate, bool for_spawn) {
    struct fs *fs = &k->fs;
    assert(inode->type == ABI_TYPE_FILE);
    u32 usable = for_spawn ? FS_OPEN_FILES_MAX_ALL : FS_OPEN_FILES_MAX;
    u32 free_index = FS_OPEN_FILES_MAX_ALL;
    for (u32 i = 0; i < FS_OPEN_FILES_MAX_ALL; i++) {
        struct fs_open_file *file = &fs->files[i];
        if (file->references == 0) {
            if (free_index == FS_OPEN_FILES_MAX_ALL && i < usable) free_index = i;
        } else if (file->meta.inode == inode->inode && !file->unlinked) {
            file->references++;
            if (truncate) {
                file->meta.size_bytes = 0;
                file->dirty = true;
                file->generation++;
            }
            return i;
        }
    }
    if (free_index == FS_OPEN_FILES_MAX_ALL) return -E_NFILE; // the machine-wide table is full
    struct fs_open_file *file = &fs->files[free_index];
    file->meta = *inode;
    file->dirty = false;
    file->times_dirty = false;
    file->unlinked = false;
    file->chunks_written = 0;
    file->committed_size_bytes = inode->size_bytes;
    if (!truncate) {
        i64 result = fs_file_load(k, inode, file->data);
        if (result < 0) return result;
    }
    if (truncate) { file->meta.size_bytes = 0; file->dirty = true; }
    file->generation++;
    file->references = 1;
    return free_index;
}

void fs_file_hold(struct kernel *k, u32 index) {
    assert(index < FS_OPEN_FILES_MAX_ALL && k->fs.files[index].references > 0);
    k->fs.files[index].references++;
}

// Only atime changed: the record alone, best effort. A read must not fail because
// the disk cannot take an atime (Linux's touch_atime ignores the error too).
static void fs_file_commit_times(struct kernel *k, struct fs_open_file *file) {
    file->times_dirty = false;
    if (fs_usable(k) != 0 || graindb_batch_begin(&k->fs.db) < 0) return;
    i64 result = fs_stage_inode(k, &file->meta);
    if (result == 0) result = fs_commit(k);
    if (result < 0) graindb_batch_abort(&k->fs.db);
    else file->generation++;
}

i64 fs_file_commit(struct kernel *k, u32 index) {
    struct fs *fs = &k->fs;
    struct fs_open_file *file = &fs->files[index];
    assert(index < FS_OPEN_FILES_MAX_ALL && file->references > 0);
    if (file->unlinked) return 0;
    if (!file->dirty) {
        if (file->times_dirty) fs_file_commit_times(k, file);
        return 0;
    }
    i64 result = graindb_batch_begin(&fs->db);
    if (result < 0) return result;
    struct fs_inode staged = file->meta; // meta stays as it was if the commit fails
    result = fs_file_stage_chunks(k, file);
    if (result == 0) result = fs_stage_inode(k, &file->meta);
    if (result == 0) result = fs_commit(k);
    if (result < 0) {
        graindb_batch_abort(&fs->db);
        file->meta = staged;
        if (planted_bug(k, BUG_FS_FAILED_COMMIT_CLEARS_DIRTY)) file->dirty = false;
        return result;
    }
    file->dirty = false;
    file->times_dirty = false;
    file->chunks_written = 0;
    file->committed_size_bytes = file->meta.size_bytes;
    file->generation++;
    return 0;
}

i64 fs_file_release(struct kernel *k, u32 index) {
    struct fs_open_file *file = &k->fs.files[index];
    assert(index < FS_OPEN_FILES_MAX_ALL && file->references > 0);
    i64 result = file->references == 1 ? fs_file_commit(k, index) : 0;
    file->references--;
    return result;
}

i64 fs_file_write(struct kernel *k, u32 index, u64 offset, const u8 *bytes, u64 count) {
    struct fs_open_file *file = &k->fs.files[index];
    assert(index < FS_OPEN_FILES_MAX_ALL && file->references > 0);
    if (offset > FS_FILE_BYTES_MAX || count > FS_FILE_BYTES_MAX - offset) return -E_FBIG;
    if (offset > file->meta.size_bytes) { // a hole reads as zeros
        mem_set(file->data + file->meta.size_bytes, 0, offset - file->meta.size_bytes);
        fs_file_mark_written(file, file->meta.size_bytes, offset - file->meta.size_bytes);
    }
    mem_copy(file->data + offset, bytes, count);
    fs_file_mark_written(file, offset, count);
    if (offset + count > file->meta.size_bytes) file->meta.size_bytes = offset + count;
    file->meta.mtime_ns = file->meta.ctime_ns = platform_realtime_ns(k->platform);
    file->dirty = true;
    file->generation++;
    return (i64)count;
}

static void fs_file_trace_synced(struct kernel *k, u64 inode, u64 digest, u64 size_bytes) {
    assert(size_bytes <= FS_FILE_BYTES_MAX);
    platform_trace(k->platform, TRACE_FILE_SYNCED, inode, digest, size_bytes);
}

i64 fs_file_sync(struct kernel *k, u32 index) {
    const struct fs_open_file *file = &k->fs.files[index];
    assert(index < FS_OPEN_FILES_MAX_ALL && file->references > 0);
    i64 result = fs_file_commit(k, index);
    if (result == 0) {
        fs_file_trace_synced(k, file->meta.inode, bytes_digest(file->data, file->meta.size_bytes),
                             file->meta.size_bytes);
    }
    return result;
}

i64 fs_file_close(struct kernel *k, u32 index) {
    const struct fs_open_file *file = &k->fs.files[index];
    assert(index < FS_OPEN_FILES_MAX_ALL && file->references > 0);
    bool last = file->references == 1;
    // As of the call: the buffer is free once released.
    u64 inode = file->meta.inode, size_bytes = file->meta.size_bytes;
    u64 digest = last ? bytes_digest(file->data, size_bytes) : 0;
    i64 result = fs_file_release(k, index);
    if (last && result == 0) fs_file_trace_synced(k, inode, digest, size_bytes);
    return result;
}

void fs_file_wrote(struct kernel *k, u32 index, const struct cred *cred) {
    struct fs_open_file *file = &k->fs.files[index];
    assert(index < FS_OPEN_FILES_MAX_ALL && file->references > 0);
    file->meta.mtime_ns = file->meta.ctime_ns = platform_realtime_ns(k->platform);
    if (cred != NULL) file->meta.mode &= ~fs_privileges_removed(cred, &file->meta);
    file->dirty = true;
    file->generation++;
}

// Linux's relatime_need_update: atime moves when it is not newer than mtime or
// ctime, or is a day old; else a read writes nothing.
void fs_file_accessed(struct kernel *k, u32 index) {
    struct fs_open_file *file = &k->fs.files[index];
    assert(index < FS_OPEN_FILES_MAX_ALL && file->references > 0);
    struct fs_inode *meta = &file->meta;
    assert(meta->type == ABI_TYPE_FILE);
    u64 now_ns = platform_realtime_ns(k->platform);
    bool day_old = now_ns > meta->atime_ns && now_ns - meta->atime_ns >= FS_ATIME_STALE_NS;
    bool stale = meta->atime_ns <= meta->mtime_ns || meta->atime_ns <= meta->ctime_ns || day_old;
    if (!stale || file->unlinked) return;
    meta->atime_ns = now_ns;
    file->times_dirty = true;
}
