// Open files. Each open inode has one entry in fs.files (metadata only), shared by its
// descriptors; its bytes are read from GrainDB chunk by chunk, or from a whole-file
// buffer of the pool (fs_buffers.c) that it borrows to be written. Data reaches
// GrainDB at fsync, at the last close, or when its buffer is taken back for someone
// else (write-back), as one atomic batch: the chunks that changed, the inode record
// (which links to all its chunks) and its ref. Nothing is ever stored without a ref
// reaching it between batches, so a compaction never drops part of a commit in
// progress; an append stores its last chunk and the inode record only.
//
// The open copy's attributes are the inode's current ones: every attribute change
// made through a name is copied into it (fs_inode_attributes_to_open), and writes
// and reads change its times in memory, committed with the file. A non-root user
// holds at most open_files_per_user entries and leaves root's reserve (limits.h).
#include "kernel/bugs.h"
#include "kernel/kernel.h"
#include "kernel/limits/limits.h"
#include "kernel/lib/mem.h"
#include "kernel/trace_events.h"
#include "kernel/fs/internal.h"
#include "kernel/observe.h"

static u64 fs_chunk_bytes(u64 size_bytes, u32 chunk) {
    u64 offset = (u64)chunk * FS_CHUNK_BYTES;
    if (size_bytes <= offset) return 0;
    return size_bytes - offset < FS_CHUNK_BYTES ? size_bytes - offset : FS_CHUNK_BYTES;
}

// Committed chunk `chunk` of the file into out (FS_CHUNK_BYTES); it must have exactly
// the size the committed file implies.
static i64 fs_chunk_load(struct kernel *k, const struct fs_open_file *file, u32 chunk, u8 *out) {
    assert(chunk < file->meta.chunk_count);
    u64 expected = fs_chunk_bytes(file->committed_size_bytes, chunk);
    assert(expected > 0);
    assert(expected <= FS_CHUNK_BYTES);
    u32 size = 0;
    // No more than expected: a larger object (damage GrainDB cannot see) never lands
    // past the end of what the caller sized for the file.
    i64 result = fs_get_object(k, file->meta.chunks[chunk], out, (u32)expected, &size);
    if (result < 0) return result == -E_2BIG ? -E_BADMSG : result;
    return size == expected ? 0 : -E_BADMSG;
}

// The file's bytes [0, size) into data, from its committed chunks: a file without a
// buffer never grew since its last commit (growth takes a buffer), so they hold them.
static i64 fs_file_load(struct kernel *k, const struct fs_open_file *file, u8 *data) {
    assert(file->meta.size_bytes <= file->committed_size_bytes);
    u32 chunks = (u32)((file->meta.size_bytes + FS_CHUNK_BYTES - 1) / FS_CHUNK_BYTES);
    for (u32 c = 0; c < chunks; c++) {
        i64 result = fs_chunk_load(k, file, c, data + (u64)c * FS_CHUNK_BYTES);
        if (result < 0) return result;
    }
    return 0;
}

// A chunk keeps its hash when no write touched it and its extent is what it was at the
// last commit (a size change moves the last chunk's end).
static bool fs_chunk_unchanged(const struct fs_open_file *file, u32 chunk) {
    if ((file->chunks_written >> chunk) & 1u) return false;
    u64 before = fs_chunk_bytes(file->committed_size_bytes, chunk);
    return before != 0 && before == fs_chunk_bytes(file->meta.size_bytes, chunk);
}

// Stages the chunks that changed into the open batch; the others keep their hashes.
// A chunk that changed was written (so the file has its buffer), or is gone.
static i64 fs_file_stage_chunks(struct kernel *k, struct fs_open_file *file) {
    struct fs_inode *meta = &file->meta;
    meta->chunk_count = (u32)((meta->size_bytes + FS_CHUNK_BYTES - 1) / FS_CHUNK_BYTES);
    assert(meta->chunk_count <= FS_FILE_CHUNKS_MAX);
    for (u32 c = 0; c < meta->chunk_count; c++) {
        if (fs_chunk_unchanged(file, c)) continue;
        u64 size = fs_chunk_bytes(meta->size_bytes, c);
        assert(size > 0);
        const u8 *data = fs_file_buffer(k, file) + (u64)c * FS_CHUNK_BYTES;
        i64 result = fs_put_object(k, data, (u32)size, meta->chunks[c]);
        if (result < 0) return result;
    }
    for (u32 c = meta->chunk_count; c < FS_FILE_CHUNKS_MAX; c++) mem_set(meta->chunks[c], 0, GRAINDB_HASH_BYTES);
    return 0;
}

// Chunks [offset, offset + count) of the file changed.
static void fs_file_mark_written(struct fs_open_file *file, u64 offset, u64 count) {
    if (count == 0) return;
    u64 first = offset / FS_CHUNK_BYTES, last = (offset + count - 1) / FS_CHUNK_BYTES;
    assert(last < FS_FILE_CHUNKS_MAX);
    for (u64 c = first; c <= last; c++) file->chunks_written |= 1u << c;
}

u32 fs_file_find(const struct kernel *k, u64 inode) {
    for (u32 i = 0; i < FS_OPEN_FILES_MAX; i++) {
        const struct fs_open_file *file = &k->fs.files[i];
        if (file->references > 0 && file->meta.inode == inode && !file->unlinked) return i;
    }
    return FS_OPEN_FILES_MAX;
}

// Only atime changed: the record alone, best effort. A read must not fail because
// the disk cannot take an atime (Linux's touch_atime ignores the error too).
static void fs_file_commit_times(struct kernel *k, struct fs_open_file *file) {
    file->times_dirty = false;
    if (fs_usable(k) != 0 || graindb_batch_begin(&k->fs.db) < 0) return;
    i64 result = fs_stage_inode(k, &file->meta);
    if (result == 0) result = fs_commit(k);
    if (result < 0) fs_batch_abort(k, result);
    else file->generation++;
}

i64 fs_file_commit(struct kernel *k, u32 index) {
    struct fs *fs = &k->fs;
    struct fs_open_file *file = &fs->files[index];
    assert(index < FS_OPEN_FILES_MAX);
    assert(file->references > 0);
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
        fs_batch_abort(k, result);
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

// Gives the open file a buffer holding its bytes (`load` false: it is about to be
// emptied, nothing to read).
static i64 fs_file_attach(struct kernel *k, u32 index, u32 uid, bool load) {
    struct fs_open_file *file = &k->fs.files[index];
    if (file->buffer != FS_BUFFER_NONE) return 0;
    assert(file->chunks_written == 0);
    u32 buffer = FS_BUFFER_NONE;
    i64 result = fs_buffer_take(k, uid, &buffer);
    if (result < 0) return result;
    result = load ? fs_file_load(k, file, k->fs.buffers[buffer]) : 0;
    if (result < 0) return result; // the buffer stays free
    k->fs.buffer_owners[buffer].file = index;
    file->buffer = buffer;
    return 0;
}

static void fs_file_touch(struct kernel *k, struct fs_open_file *file) { file->used_tick = ++k->fs.tick; }

// Empties the file in memory (O_TRUNC). No buffer is needed: nothing is left to store.
static void fs_file_truncate(struct kernel *k, struct fs_open_file *file) {
    if (!file->unlinked) fs_usage_resize(k, &file->meta, file->meta.size_bytes, 0);
    file->meta.size_bytes = 0;
    file->chunks_written = 0;
    file->dirty = true;
    file->unsynced = true;
    file->generation++;
}

static struct limits_use fs_files_of(const struct kernel *k, u32 uid) {
    struct limits_use use = {0};
    for (u32 i = 0; i < FS_OPEN_FILES_MAX; i++) {
        const struct fs_open_file *file = &k->fs.files[i];
        if (file->references == 0) continue;
        use.all++;
        if (file->opener_uid == uid) use.user++;
    }
    assert(use.all <= FS_OPEN_FILES_MAX);
    return use;
}

// A free entry `uid`'s share allows, FS_OPEN_FILES_MAX when none.
static u32 fs_file_slot(const struct kernel *k, u32 uid) {
    struct limits_use use = fs_files_of(k, uid);
    if (!limits_allow(uid, &use, 1, FS_OPEN_FILES_MAX, k->limits.open_files_per_user,
                      k->limits.open_files_root_reserve)) {
        return FS_OPEN_FILES_MAX;
    }
    for (u32 i = 0; i < FS_OPEN_FILES_MAX; i++) {
        if (k->fs.files[i].references == 0) return i;
    }
    return FS_OPEN_FILES_MAX;
}

i64 fs_file_open(struct kernel *k, const struct fs_inode *inode, bool truncate, u32 uid) {
    assert(inode->type == ABI_TYPE_FILE);
    // A truncation is a change: it comes through fs_file_open_write, but for the bug.
    // Only the door truncates (fs_file_open_write), except at the planted bug's site.
    if (truncate) assert(planted_bug(k, BUG_OPEN_TRUNCATES_BEFORE_CHECK));
    u32 index = fs_file_find(k, inode->inode);
    if (index == FS_OPEN_FILES_MAX) {
        index = fs_file_slot(k, uid);
        if (index == FS_OPEN_FILES_MAX) return -E_NFILE; // the table, or the user's share of it, is full
        struct fs_open_file *file = &k->fs.files[index];
        u64 generation = file->generation + 1; // never repeats for the slot: the simulator compares it
        *file = (struct fs_open_file){.opener_uid = uid, .buffer = FS_BUFFER_NONE, .generation = generation,
                                      .committed_size_bytes = inode->size_bytes, .meta = *inode};
    }
    struct fs_open_file *file = &k->fs.files[index];
    if (truncate) fs_file_truncate(k, file);
    file->references++;
    return index;
}

i64 fs_file_open_write(struct kernel *k, const struct fs_change *change, bool truncate, u32 uid) {
    // A file just created opens through its CREATE, which nothing is left to truncate.
    if (change->op != FS_CHANGE_OPEN_WRITE) assert(change->op == FS_CHANGE_CREATE);
    if (change->op == FS_CHANGE_CREATE) assert(!truncate);
    assert(change->cred != NULL);
    assert(change->path != NULL);
    assert(change->target != NULL);
    if (change->op == FS_CHANGE_OPEN_WRITE) observe_fs_change(k->platform, change);
    i64 index = fs_file_open(k, change->target, false, uid);
    if (index < 0) return index;
    struct fs_open_file *file = &k->fs.files[index];
    file->write_opened = true;
    if (truncate) fs_file_truncate(k, file);
    return index;
}

void fs_file_hold(struct kernel *k, u32 index) {
    assert(index < FS_OPEN_FILES_MAX);
    assert(k->fs.files[index].references > 0);
    k->fs.files[index].references++;
}

i64 fs_file_release(struct kernel *k, u32 index) {
    struct fs_open_file *file = &k->fs.files[index];
    assert(index < FS_OPEN_FILES_MAX);
    assert(file->references > 0);
    i64 result = file->references == 1 ? fs_file_commit(k, index) : 0;
    file->references--;
    if (file->references > 0) return result;
    // The last descriptor is gone: what a failed commit left is lost, as on Unix (close
    // reported the error), and its owner gets back what it was charged.
    if (file->dirty && !file->unlinked) {
        fs_usage_resize(k, &file->meta, file->meta.size_bytes, file->committed_size_bytes);
    }
    file->dirty = false;
    fs_buffer_give_back(k, file);
    return result;
}

i64 fs_file_write(struct kernel *k, u32 index, u32 uid, u64 offset, const u8 *bytes, u64 count) {
    struct fs_open_file *file = &k->fs.files[index];
    assert(index < FS_OPEN_FILES_MAX);
    assert(file->references > 0);
    assert(file->write_opened); // its writer came through the door, fs_file_open_write
    if (offset > FS_FILE_BYTES_MAX || count > FS_FILE_BYTES_MAX - offset) return -E_FBIG;
    u64 old_size = file->meta.size_bytes;
    u64 new_size = offset + count > old_size ? offset + count : old_size;
    u64 growth = fs_cost_bytes(ABI_TYPE_FILE, new_size) - fs_cost_bytes(ABI_TYPE_FILE, old_size);
    i64 result = file->unlinked || growth == 0 ? 0 : fs_usage_allow(k, file->meta.uid, uid, 0, growth);
    if (result == 0) result = fs_file_attach(k, index, uid, true);
    if (result < 0) return result;
    if (!file->unlinked) fs_usage_resize(k, &file->meta, old_size, new_size);
    u8 *data = fs_file_buffer(k, file);
    if (offset > old_size) { // a hole reads as zeros
        mem_set(data + old_size, 0, offset - old_size);
        fs_file_mark_written(file, old_size, offset - old_size);
    }
    mem_copy(data + offset, bytes, count);
    fs_file_mark_written(file, offset, count);
    file->meta.size_bytes = new_size;
    file->meta.mtime_ns = file->meta.ctime_ns = platform_realtime_ns(k->platform);
    file->dirty = true;
    file->unsynced = true;
    file->generation++;
    fs_file_touch(k, file);
    return (i64)count;
}

i64 fs_file_peek(struct kernel *k, u32 index, u64 offset, const u8 **bytes, u64 *available) {
    struct fs_open_file *file = &k->fs.files[index];
    assert(index < FS_OPEN_FILES_MAX);
    assert(file->references > 0);
    *available = 0;
    if (offset >= file->meta.size_bytes) return 0;
    u32 chunk = (u32)(offset / FS_CHUNK_BYTES);
    u64 within = offset - (u64)chunk * FS_CHUNK_BYTES;
    if (file->buffer != FS_BUFFER_NONE) {
        fs_file_touch(k, file);
        *bytes = fs_file_buffer(k, file) + offset;
    } else {
        i64 result = fs_chunk_load(k, file, chunk, k->fs.chunk_buffer);
        if (result < 0) return result;
        *bytes = k->fs.chunk_buffer + within;
    }
    *available = fs_chunk_bytes(file->meta.size_bytes, chunk) - within;
    return 0;
}

i64 fs_file_read_all(struct kernel *k, const struct fs_inode *inode, u8 *out, u64 capacity,
                     u64 *size_bytes) {
    assert(out != NULL);
    assert(size_bytes != NULL);
    u32 index = fs_file_find(k, inode->inode);
    if (index == FS_OPEN_FILES_MAX) { // not open: as committed
        struct fs_open_file closed = {.committed_size_bytes = inode->size_bytes, .meta = *inode};
        *size_bytes = inode->size_bytes;
        if (inode->size_bytes > capacity) return -E_FBIG;
        return fs_file_load(k, &closed, out);
    }
    struct fs_open_file *file = &k->fs.files[index];
    *size_bytes = file->meta.size_bytes;
    if (file->meta.size_bytes > capacity) return -E_FBIG;
    if (file->buffer == FS_BUFFER_NONE) return fs_file_load(k, file, out);
    mem_copy(out, fs_file_buffer(k, file), file->meta.size_bytes);
    return 0;
}

// FNV-1a of the file's bytes as of now: its buffer, else its committed chunks (read
// one at a time through chunk_buffer).
static i64 fs_file_digest(struct kernel *k, struct fs_open_file *file, u64 *digest) {
    if (file->buffer != FS_BUFFER_NONE) {
        *digest = bytes_digest(fs_file_buffer(k, file), file->meta.size_bytes);
        return 0;
    }
    assert(file->meta.size_bytes <= file->committed_size_bytes);
    u64 h = bytes_digest(NULL, 0);
    for (u32 c = 0; (u64)c * FS_CHUNK_BYTES < file->meta.size_bytes; c++) {
        i64 result = fs_chunk_load(k, file, c, k->fs.chunk_buffer);
        if (result < 0) return result;
        h = bytes_digest_continue(h, k->fs.chunk_buffer, fs_chunk_bytes(file->meta.size_bytes, c));
    }
    *digest = h;
    return 0;
}

// After a successful fsync or last close of a file written since it was last said to
// be durable: TRACE_FILE_SYNCED with its bytes as of the call (acknowledged_files_durable).
static i64 fs_file_said_durable(struct kernel *k, struct fs_open_file *file) {
    if (!file->unsynced || file->unlinked) return 0;
    u64 digest = 0;
    i64 result = fs_file_digest(k, file, &digest);
    if (result < 0) return result; // not durable as far as anyone can tell: say so
    observe_trace(k->platform, TRACE_FILE_SYNCED, file->meta.inode, digest, file->meta.size_bytes);
    file->unsynced = false;
    return 0;
}

i64 fs_file_sync(struct kernel *k, u32 index) {
    struct fs_open_file *file = &k->fs.files[index];
    assert(index < FS_OPEN_FILES_MAX);
    assert(file->references > 0);
    i64 result = fs_file_commit(k, index);
    return result < 0 ? result : fs_file_said_durable(k, file);
}

// A close that is not the file's last promises nothing and says nothing.
i64 fs_file_close(struct kernel *k, u32 index) {
    struct fs_open_file *file = &k->fs.files[index];
    assert(index < FS_OPEN_FILES_MAX);
    assert(file->references > 0);
    if (file->references > 1) return fs_file_release(k, index);
    i64 result = fs_file_commit(k, index);
    if (result == 0) result = fs_file_said_durable(k, file);
    i64 released = fs_file_release(k, index); // commits nothing more: clean now, or failed
    return result < 0 ? result : released;
}

void fs_file_wrote(struct kernel *k, u32 index, const struct cred *cred) {
    struct fs_open_file *file = &k->fs.files[index];
    assert(index < FS_OPEN_FILES_MAX);
    assert(file->references > 0);
    file->meta.mtime_ns = file->meta.ctime_ns = platform_realtime_ns(k->platform);
    if (cred != NULL) file->meta.mode &= ~fs_privileges_removed(cred, &file->meta);
    file->dirty = true;
    file->generation++;
}

// Linux's relatime_need_update: atime moves when it is not newer than mtime or
// ctime, or is a day old; else a read writes nothing.
void fs_file_accessed(struct kernel *k, u32 index) {
    struct fs_open_file *file = &k->fs.files[index];
    assert(index < FS_OPEN_FILES_MAX);
    assert(file->references > 0);
    struct fs_inode *meta = &file->meta;
    assert(meta->type == ABI_TYPE_FILE);
    u64 now_ns = platform_realtime_ns(k->platform);
    bool day_old = now_ns > meta->atime_ns && now_ns - meta->atime_ns >= FS_ATIME_STALE_NS;
    bool stale = meta->atime_ns <= meta->mtime_ns || meta->atime_ns <= meta->ctime_ns || day_old;
    if (!stale || file->unlinked) return;
    meta->atime_ns = now_ns;
    file->times_dirty = true;
}
