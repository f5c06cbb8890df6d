// Open files. Each open inode has one entry in fs.files (metadata only), shared by its
// descriptors; its data is read from GrainDB chunk by chunk, or from a whole-file
// buffer of the pool fs.buffers that it borrows to be written (and keeps as a cache
// while nobody needs the buffer). Data reaches GrainDB at fsync, at the last close, or
// when its buffer is taken back for someone else (write-back, as a page cache does):
// one atomic batch (content + inode). A write-back's error stays with the file: it
// remains dirty, and its next fsync or close tries again and reports what happens.
//
// Shares (limits.h): a non-root user holds at most open_files_per_user entries and
// FS_BUFFERS_PER_USER_MAX buffers, and the non-root users together leave the root
// reserve of each, so no user can keep root from opening /etc/passwd or writing
// /etc/shadow and the auth log.
#include "kernel.h"
#include "limits.h"
#include "mem.h"

static u64 chunk_size_at(u64 size_bytes, u32 chunk) {
    u64 offset = (u64)chunk * FS_CHUNK_BYTES;
    assert(offset < size_bytes);
    return size_bytes - offset < FS_CHUNK_BYTES ? size_bytes - offset : FS_CHUNK_BYTES;
}

// Reads chunk `chunk` of inode into out (FS_CHUNK_BYTES); it must have exactly the
// size the inode implies.
static i64 fs_chunk_load(struct kernel *k, const struct fs_inode *inode, u32 chunk, u8 *out) {
    assert(chunk < inode->chunk_count);
    u64 expected = chunk_size_at(inode->size_bytes, chunk);
    u32 size = 0;
    i64 result = fs_get_object(k, inode->chunks[chunk], out, FS_CHUNK_BYTES, &size);
    if (result < 0) return result == -E_2BIG ? -E_BADMSG : result;
    return size == expected ? 0 : -E_BADMSG;
}

// Every committed chunk of inode into data.
static i64 fs_file_load(struct kernel *k, const struct fs_inode *inode, u8 *data) {
    for (u32 c = 0; c < inode->chunk_count; c++) {
        i64 result = fs_chunk_load(k, inode, c, data + (u64)c * FS_CHUNK_BYTES);
        if (result < 0) return result;
    }
    return 0;
}

// Chunks before the last go in batches of their own: a GrainDB batch holds about
// one object. Unreferenced until the inode names them, so a crash between is harmless.
static i64 fs_file_stage_chunks(struct kernel *k, struct fs_open_file *file, const u8 *data) {
    struct fs_inode *meta = &file->meta;
    meta->chunk_count = (u32)((meta->size_bytes + FS_CHUNK_BYTES - 1) / FS_CHUNK_BYTES);
    assert(meta->chunk_count <= FS_FILE_CHUNKS_MAX);
    for (u32 c = 0; c < meta->chunk_count; c++) {
        u64 size = chunk_size_at(meta->size_bytes, c);
        i64 result = fs_put_object(k, data + (u64)c * FS_CHUNK_BYTES, (u32)size, meta->chunks[c]);
        bool last = c + 1 == meta->chunk_count;
        if (result == 0 && !last) result = fs_commit(k);
        if (result == 0 && !last) result = graindb_batch_begin(&k->fs.db);
        if (result < 0) return result;
    }
    return 0;
}

u32 fs_file_find(const struct kernel *k, u64 inode) {
    for (u32 i = 0; i < FS_OPEN_FILES_MAX; i++) {
        const struct fs_open_file *file = &k->fs.files[i];
        if (file->references > 0 && file->meta.inode == inode && !file->unlinked) return i;
    }
    return FS_OPEN_FILES_MAX;
}

static u8 *fs_file_buffer(struct kernel *k, const struct fs_open_file *file) {
    assert(file->buffer < FS_BUFFERS_MAX);
    assert(k->fs.buffer_owners[file->buffer].file == (u32)(file - k->fs.files));
    return k->fs.buffers[file->buffer];
}

i64 fs_file_commit(struct kernel *k, u32 index) {
    struct fs *fs = &k->fs;
    struct fs_open_file *file = &fs->files[index];
    assert(index < FS_OPEN_FILES_MAX && file->references > 0);
    if (!file->dirty || file->unlinked) return 0;
    assert(file->buffer != FS_BUFFER_NONE); // dirty data lives in a buffer
    i64 result = graindb_batch_begin(&fs->db);
    if (result < 0) return result;
    struct fs_inode staged = file->meta; // the entry changes only once it is durable
    mem_set(staged.chunks, 0, sizeof staged.chunks);
    struct fs_open_file shadow = *file;
    shadow.meta = staged;
    result = fs_file_stage_chunks(k, &shadow, fs_file_buffer(k, file));
    shadow.meta.mtime_ns = platform_realtime_ns(k->platform);
    if (result == 0) result = fs_stage_inode(k, &shadow.meta);
    if (result == 0) result = fs_commit(k);
    if (result < 0) { graindb_batch_abort(&fs->db); return result; }
    file->meta = shadow.meta;
    file->committed_size_bytes = file->meta.size_bytes;
    file->dirty = false;
    file->generation++;
    return 0;
}

// Takes the buffer back from its file: written back first when dirty (0, or the
// commit's error: the file then keeps it).
static i64 fs_buffer_reclaim(struct kernel *k, u32 buffer) {
    struct fs_buffer *owner = &k->fs.buffer_owners[buffer];
    assert(owner->file < FS_OPEN_FILES_MAX);
    struct fs_open_file *file = &k->fs.files[owner->file];
    assert(file->buffer == buffer);
    i64 result = file->dirty ? fs_file_commit(k, owner->file) : 0;
    if (result < 0) return result;
    file->buffer = FS_BUFFER_NONE;
    owner->file = FS_BUFFER_NONE;
    return 0;
}

static u32 fs_buffers_of(const struct kernel *k, u32 uid) {
    u32 count = 0;
    for (u32 b = 0; b < FS_BUFFERS_MAX; b++) {
        const struct fs_buffer *owner = &k->fs.buffer_owners[b];
        if (owner->file != FS_BUFFER_NONE && owner->writer_uid == uid) count++;
    }
    return count;
}

enum fs_victims { VICTIMS_ANY, VICTIMS_OWN };

static bool fs_victim_allowed(const struct fs_buffer *owner, u32 uid, enum fs_victims victims) {
    if (owner->file == FS_BUFFER_NONE) return false;
    return victims == VICTIMS_ANY || owner->writer_uid == uid;
}

// The buffer to take back: the least recently used of those allowed, clean ones first
// (dropping them costs a reload at most, a dirty one costs a commit).
static u32 fs_buffer_victim(const struct kernel *k, u32 uid, enum fs_victims victims) {
    u32 best = FS_BUFFER_NONE;
    for (u32 b = 0; b < FS_BUFFERS_MAX; b++) {
        if (!fs_victim_allowed(&k->fs.buffer_owners[b], uid, victims)) continue;
        if (best == FS_BUFFER_NONE) { best = b; continue; }
        const struct fs_open_file *candidate = &k->fs.files[k->fs.buffer_owners[b].file];
        const struct fs_open_file *current = &k->fs.files[k->fs.buffer_owners[best].file];
        bool cheaper = !candidate->dirty && current->dirty;
        bool same_cost = candidate->dirty == current->dirty;
        if (cheaper || (same_cost && candidate->used_tick < current->used_tick)) best = b;
    }
    return best;
}

// A buffer for `uid` to write into: a free one while its share and root's reserve
// allow, else one taken back (which uses no more buffers in all): at its share one of
// its own, otherwise anyone's, least recently used and clean first.
static i64 fs_buffer_take(struct kernel *k, u32 uid, u32 *buffer_out) {
    struct limits_use use = {.user = fs_buffers_of(k, uid)};
    for (u32 b = 0; b < FS_BUFFERS_MAX; b++) {
        const struct fs_buffer *owner = &k->fs.buffer_owners[b];
        if (owner->file == FS_BUFFER_NONE) continue;
        use.all++;
    }
    bool room = limits_allow(uid, &use, 1, FS_BUFFERS_MAX, FS_BUFFERS_PER_USER_MAX, FS_BUFFERS_ROOT_RESERVE);
    u32 chosen = FS_BUFFER_NONE;
    for (u32 b = 0; room && b < FS_BUFFERS_MAX && chosen == FS_BUFFER_NONE; b++) {
        if (k->fs.buffer_owners[b].file == FS_BUFFER_NONE) chosen = b;
    }
    if (chosen == FS_BUFFER_NONE) {
        enum fs_victims victims = VICTIMS_ANY;
        if (uid != ABI_UID_ROOT && use.user >= FS_BUFFERS_PER_USER_MAX) victims = VICTIMS_OWN;
        chosen = fs_buffer_victim(k, uid, victims);
        if (chosen == FS_BUFFER_NONE) return -E_NOSPC;
        i64 result = fs_buffer_reclaim(k, chosen);
        if (result < 0) return result;
    }
    assert(k->fs.buffer_owners[chosen].file == FS_BUFFER_NONE);
    k->fs.buffer_owners[chosen].writer_uid = uid;
    *buffer_out = chosen;
    return 0;
}

// Gives the open file a buffer, holding its bytes unless it is about to be emptied
// (`load` false: O_TRUNC reads nothing).
static i64 fs_file_attach(struct kernel *k, u32 index, u32 uid, bool load) {
    struct fs_open_file *file = &k->fs.files[index];
    if (file->buffer != FS_BUFFER_NONE) return 0;
    assert(!file->dirty);
    u32 buffer = FS_BUFFER_NONE;
    i64 result = fs_buffer_take(k, uid, &buffer);
    if (result < 0) return result;
    result = load ? fs_file_load(k, &file->meta, k->fs.buffers[buffer]) : 0;
    if (result < 0) return result; // the buffer stays free
    k->fs.buffer_owners[buffer].file = index;
    file->buffer = buffer;
    return 0;
}

void fs_files_reset(struct kernel *k) {
    assert(k != NULL);
    for (u32 b = 0; b < FS_BUFFERS_MAX; b++) k->fs.buffer_owners[b].file = FS_BUFFER_NONE;
    for (u32 i = 0; i < FS_OPEN_FILES_MAX; i++) k->fs.files[i].buffer = FS_BUFFER_NONE;
    assert(fs_buffers_of(k, ABI_UID_ROOT) == 0);
}

static void fs_file_touch(struct kernel *k, struct fs_open_file *file) { file->used_tick = ++k->fs.tick; }

// Empties the file in memory (O_TRUNC): dirty, so it needs its buffer.
static i64 fs_file_truncate(struct kernel *k, u32 index, u32 uid) {
    struct fs_open_file *file = &k->fs.files[index];
    if (file->meta.size_bytes == 0) return 0;
    i64 result = fs_file_attach(k, index, uid, false);
    if (result < 0) return result;
    if (!file->unlinked) fs_usage_resize(k, &file->meta, file->meta.size_bytes, 0);
    file->meta.size_bytes = 0;
    file->dirty = true;
    file->generation++;
    fs_file_touch(k, file);
    return 0;
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
    u32 index = fs_file_find(k, inode->inode);
    if (index < FS_OPEN_FILES_MAX) {
        i64 result = truncate ? fs_file_truncate(k, index, uid) : 0;
        if (result < 0) return result;
        k->fs.files[index].references++;
        return index;
    }
    index = fs_file_slot(k, uid);
    if (index == FS_OPEN_FILES_MAX) return -E_NFILE; // the table, or the user's share of it, is full
    struct fs_open_file *file = &k->fs.files[index];
    u64 generation = file->generation + 1; // never repeats for the slot: the simulator compares it
    *file = (struct fs_open_file){.references = 1, .opener_uid = uid, .buffer = FS_BUFFER_NONE,
                                  .generation = generation, .committed_size_bytes = inode->size_bytes,
                                  .meta = *inode};
    i64 result = truncate ? fs_file_truncate(k, index, uid) : 0;
    if (result < 0) file->references = 0;
    return result < 0 ? result : index;
}

void fs_file_hold(struct kernel *k, u32 index) {
    assert(index < FS_OPEN_FILES_MAX);
    assert(k->fs.files[index].references > 0);
    k->fs.files[index].references++;
}

i64 fs_file_release(struct kernel *k, u32 index) {
    struct fs_open_file *file = &k->fs.files[index];
    assert(index < FS_OPEN_FILES_MAX && file->references > 0);
    i64 result = file->references == 1 ? fs_file_commit(k, index) : 0;
    file->references--;
    if (file->references == 0 && file->buffer != FS_BUFFER_NONE) {
        // The last descriptor is gone: what a failed commit left is lost, as on Unix
        // (close reported the error), and its owner gets back what it was charged.
        if (file->dirty && !file->unlinked) fs_usage_resize(k, &file->meta, file->meta.size_bytes, file->committed_size_bytes);
        k->fs.buffer_owners[file->buffer].file = FS_BUFFER_NONE;
        file->buffer = FS_BUFFER_NONE;
        file->dirty = false;
    }
    return result;
}

i64 fs_file_write(struct kernel *k, u32 index, u32 uid, u64 offset, const u8 *bytes, u64 count) {
    struct fs_open_file *file = &k->fs.files[index];
    assert(index < FS_OPEN_FILES_MAX && file->references > 0);
    if (offset > FS_FILE_BYTES_MAX || count > FS_FILE_BYTES_MAX - offset) return -E_FBIG;
    u64 old_size = file->meta.size_bytes;
    u64 new_size = offset + count > old_size ? offset + count : old_size;
    u64 growth = fs_cost_bytes(ABI_TYPE_FILE, new_size) - fs_cost_bytes(ABI_TYPE_FILE, old_size);
    i64 result = file->unlinked || growth == 0 ? 0 : fs_usage_allow(k, file->meta.uid, uid, 0, growth);
    if (result < 0) return result;
    result = fs_file_attach(k, index, uid, true);
    if (result < 0) return result;
    if (!file->unlinked) fs_usage_resize(k, &file->meta, old_size, new_size);
    u8 *data = fs_file_buffer(k, file);
    if (offset > file->meta.size_bytes) { // a hole reads as zeros
        mem_set(data + file->meta.size_bytes, 0, offset - file->meta.size_bytes);
    }
    mem_copy(data + offset, bytes, count);
    if (offset + count > file->meta.size_bytes) file->meta.size_bytes = offset + count;
    file->dirty = true;
    file->generation++;
    fs_file_touch(k, file);
    return (i64)count;
}

i64 fs_file_peek(struct kernel *k, u32 index, u64 offset, const u8 **bytes, u64 *available) {
    struct fs_open_file *file = &k->fs.files[index];
    assert(index < FS_OPEN_FILES_MAX && file->references > 0);
    *available = 0;
    if (offset >= file->meta.size_bytes) return 0;
    u32 chunk = (u32)(offset / FS_CHUNK_BYTES);
    u64 within = offset - (u64)chunk * FS_CHUNK_BYTES;
    u64 chunk_bytes = chunk_size_at(file->meta.size_bytes, chunk);
    if (file->buffer != FS_BUFFER_NONE) {
        fs_file_touch(k, file);
        *bytes = fs_file_buffer(k, file) + offset;
    } else {
        i64 result = fs_chunk_load(k, &file->meta, chunk, k->fs.chunk_buffer);
        if (result < 0) return result;
        *bytes = k->fs.chunk_buffer + within;
    }
    *available = chunk_bytes - within;
    return 0;
}

i64 fs_file_read_all(struct kernel *k, const struct fs_inode *inode, u8 *out, u64 capacity,
                     u64 *size_bytes) {
    assert(out != NULL && size_bytes != NULL);
    u32 index = fs_file_find(k, inode->inode);
    const struct fs_open_file *file = index < FS_OPEN_FILES_MAX ? &k->fs.files[index] : NULL;
    const struct fs_inode *meta = file != NULL ? &file->meta : inode;
    *size_bytes = meta->size_bytes;
    if (meta->size_bytes > capacity) return -E_FBIG;
    if (file != NULL && file->buffer != FS_BUFFER_NONE) {
        mem_copy(out, k->fs.buffers[file->buffer], meta->size_bytes);
        return 0;
    }
    if (capacity < (u64)meta->chunk_count * FS_CHUNK_BYTES) {
        for (u32 c = 0; c < meta->chunk_count; c++) { // the last chunk may be cut: go through scratch
            i64 result = fs_chunk_load(k, meta, c, k->fs.chunk_buffer);
            if (result < 0) return result;
            mem_copy(out + (u64)c * FS_CHUNK_BYTES, k->fs.chunk_buffer, chunk_size_at(meta->size_bytes, c));
        }
        return 0;
    }
    return fs_file_load(k, meta, out);
}
