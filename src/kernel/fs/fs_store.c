// The filesystem's storage primitives: objects, inode records and directories in
// GrainDB, and the sorted entry list of the one directory decoded at a time.
#include "kernel/bugs.h"
#include "kernel/kernel.h"
#include "kernel/trace_events.h"
#include "kernel/lib/endian.h"
#include "kernel/observe.h"
#include "kernel/lib/mem.h"
#include "kernel/fs/internal.h"

// Every object the filesystem stores or reads is traced with a fingerprint of its
// bytes, so the simulator can prove that no read returns bytes never written.
i64 fs_put_object_linked(struct kernel *k, const u8 *bytes, u32 size_bytes, u32 links_offset, u32 links_count,
                         u8 hash[GRAINDB_HASH_BYTES]) {
    i64 result = graindb_batch_put_object_linked(&k->fs.db, bytes, size_bytes, links_offset, links_count, hash);
    if (result == 0) {
        observe_trace(k->platform, TRACE_FS_OBJECT_WRITE, load_u64_le(hash),
                      bytes_digest(bytes, size_bytes), size_bytes);
    }
    return result;
}

i64 fs_put_object(struct kernel *k, const u8 *bytes, u32 size_bytes, u8 hash[GRAINDB_HASH_BYTES]) {
    return fs_put_object_linked(k, bytes, size_bytes, 0, 0, hash);
}

i64 fs_get_object(struct kernel *k, const u8 hash[GRAINDB_HASH_BYTES], u8 *buffer, u32 capacity,
                  u32 *size_out) {
    i64 result = graindb_get(&k->fs.db, hash, buffer, capacity, size_out);
    if (result == -E_BADMSG) observe_object_damaged(k->platform, hash);
    if (result < 0 && result != -E_NOENT && planted_bug(k, BUG_FS_READ_ERROR_AS_DATA)) {
        *size_out = 0;
        result = 0;
    }
    if (result == 0) {
        observe_trace(k->platform, TRACE_FS_OBJECT_READ, load_u64_le(hash),
                      bytes_digest(buffer, *size_out), *size_out);
    }
    return result;
}

i64 fs_read_inode(struct kernel *k, u64 inode, struct fs_inode *out) {
    u8 key[FS_KEY_LEN_MAX];
    u32 key_len = 0;
    fs_inode_key(inode, key, &key_len);
    struct graindb_ref_info info;
    i64 result = graindb_ref_get(&k->fs.db, key, key_len, &info);
    if (result < 0) return result;
    if (info.deleted) return -E_NOENT;
    u8 bytes[FS_INODE_RECORD_BYTES];
    u32 size = 0;
    result = fs_get_object(k, info.object_hash, bytes, sizeof bytes, &size);
    if (result < 0) return result == -E_2BIG ? -E_BADMSG : result;
    result = fs_inode_decode(bytes, size, out);
    if (result == 0 && out->inode != inode) result = -E_BADMSG;
    out->version = info.commit_seq;
    return result;
}

// The inode record links to its chunks (a directory: its entries object; a symlink:
// its target), so GrainDB's compaction keeps them as long as the record is current;
// each must be staged in this batch or stored.
i64 fs_stage_inode(struct kernel *k, const struct fs_inode *inode) {
    assert(inode->nlink > 0);
    u8 bytes[FS_INODE_RECORD_BYTES];
    u32 size = fs_inode_encode(inode, bytes);
    u8 hash[GRAINDB_HASH_BYTES];
    u32 links_offset = inode->chunk_count > 0 ? FS_INODE_CHUNKS_OFFSET : 0;
    i64 result = fs_put_object_linked(k, bytes, size, links_offset, inode->chunk_count, hash);
    if (result < 0) return result;
    u8 key[FS_KEY_LEN_MAX];
    u32 key_len = 0;
    fs_inode_key(inode->inode, key, &key_len);
    return graindb_batch_set_ref(&k->fs.db, key, key_len, hash);
}

i64 fs_delete_inode(struct kernel *k, u64 inode) {
    u8 key[FS_KEY_LEN_MAX];
    u32 key_len = 0;
    fs_inode_key(inode, key, &key_len);
    return graindb_batch_delete_ref(&k->fs.db, key, key_len);
}

// GrainDB compacts when a batch begins (graindb.h): said once per compaction, at the
// commit that follows it.
static void fs_report_compaction(struct kernel *k, const struct graindb_space *space) {
    if (space->compactions == k->fs.compactions_seen) return;
    k->fs.compactions_seen = space->compactions;
    klog(k, LOG_INFO, "filesystem: storage compacted (generation %llu): %llu of %llu bytes in use, %llu live",
         (unsigned long long)space->compactions, (unsigned long long)space->used_bytes,
         (unsigned long long)space->zone_bytes, (unsigned long long)space->live_bytes);
}

void fs_batch_abort(struct kernel *k, i64 result) {
    assert(k != NULL);
    assert(result < 0);
    graindb_batch_abort(&k->fs.db);
    if (result == -E_NOSPC) observe_trace(k->platform, TRACE_FS_NO_ROOM, (u64)result, graindb_commit_seq(&k->fs.db), 0);
}

// Traced before (the commit may not survive a crash) and after (acknowledged).
i64 fs_commit(struct kernel *k) {
    struct graindb *db = &k->fs.db;
    struct graindb_space space;
    graindb_space(db, &space);
    fs_report_compaction(k, &space);
    observe_trace(k->platform, TRACE_DB_COMMIT_START, graindb_commit_seq(db) + 1, space.compactions,
                  space.history_base_seq);
    i64 result = graindb_batch_commit(db, NULL);
    u8 root[GRAINDB_HASH_BYTES];
    graindb_merkle_root(db, root);
    observe_trace(k->platform, TRACE_DB_COMMIT, graindb_commit_seq(db), load_u64_le(root), (u64)result);
    if (result == 0) k->fs.commits++;
    else klog(k, LOG_WARN, "filesystem commit failed: error %lld", (long long)-result);
    return result;
}

// Records beside the inodes (fs.h): the same commit and abort as the filesystem's own.
i64 fs_record_commit(struct kernel *k) {
    assert(k != NULL);
    assert(k->fs.state == FS_MOUNTED);
    return fs_commit(k);
}

void fs_record_abort(struct kernel *k, i64 result) {
    assert(k != NULL);
    assert(result < 0);
    fs_batch_abort(k, result);
}

i64 fs_change_begin(struct kernel *k, const struct fs_change *changes, u32 count) {
    assert(changes != NULL);
    assert(count >= 1);
    assert(count <= FS_CHANGES_PER_BATCH_MAX);
    for (u32 i = 0; i < count; i++) {
        assert(changes[i].cred != NULL);
        assert(changes[i].path != NULL);
        observe_fs_change(k->platform, &changes[i]);
    }
    return graindb_batch_begin(&k->fs.db);
}

i64 fs_read_directory(struct kernel *k, const struct fs_inode *dir) {
    struct fs *fs = &k->fs;
    assert(dir->type == ABI_TYPE_DIRECTORY);
    assert(dir->chunk_count <= FS_DIR_CHUNKS_MAX); // fs_inode_decode refuses more
    fs->entries_count = 0;
    for (u32 c = 0; c < dir->chunk_count; c++) {
        u32 size = 0;
        i64 result = fs_get_object(k, dir->chunks[c], fs->object_buffer, GRAINDB_OBJECT_BYTES_MAX, &size);
        if (result == 0) result = fs_directory_decode_chunk(fs, fs->object_buffer, size, c, dir->chunk_count);
        if (result < 0) {
            fs->entries_count = 0;
            return result;
        }
    }
    return 0;
}

// A directory's content changed: its mtime and ctime are now (Linux updates both).
// Objects that did not change are already held, and GrainDB stages them no more.
i64 fs_stage_directory(struct kernel *k, struct fs_inode *dir) {
    struct fs *fs = &k->fs;
    assert(dir->type == ABI_TYPE_DIRECTORY);
    assert(fs->entries_count <= FS_DIR_ENTRIES_MAX);
    u32 first = 0, chunks = 0;
    do {
        assert(chunks < FS_DIR_CHUNKS_MAX); // fs_record.c: a full directory fits them
        i64 size = fs_directory_encode_chunk(fs, chunks, &first);
        if (size < 0) return size;
        i64 result = fs_put_object(k, fs->object_buffer, (u32)size, dir->chunks[chunks]);
        if (result < 0) return result;
        chunks++;
    } while (first < fs->entries_count);
    for (u32 c = chunks; c < FS_FILE_CHUNKS_MAX; c++) mem_set(dir->chunks[c], 0, GRAINDB_HASH_BYTES);
    dir->chunk_count = chunks;
    dir->size_bytes = 0;
    dir->mtime_ns = dir->ctime_ns = platform_realtime_ns(k->platform);
    return fs_stage_inode(k, dir);
}

// Index of name in fs->entries, or where it would go (sorted), with *found.
u32 fs_entry_find(const struct fs *fs, const char *name, bool *found) {
    u32 at = 0;
    *found = false;
    for (; at < fs->entries_count; at++) {
        i32 order = 0;
        const char *a = fs->entries[at].name;
        u32 i = 0;
        while (a[i] != '\0' && a[i] == name[i]) i++;
        order = (i32)(u8)a[i] - (i32)(u8)name[i];
        if (order == 0) { *found = true; return at; }
        if (order > 0) return at;
    }
    return at;
}

void fs_entry_remove(struct fs *fs, u32 at) {
    assert(at < fs->entries_count);
    for (u32 i = at; i + 1 < fs->entries_count; i++) fs->entries[i] = fs->entries[i + 1];
    fs->entries_count--;
}

i64 fs_entry_insert(struct fs *fs, u32 at, u64 inode, u32 type, u32 maker_uid, const char *name) {
    if (fs->entries_count >= FS_DIR_ENTRIES_MAX) return -E_NOSPC;
    assert(at <= fs->entries_count);
    for (u32 i = fs->entries_count; i > at; i--) fs->entries[i] = fs->entries[i - 1];
    struct fs_dirent *e = &fs->entries[at];
    e->inode = inode;
    e->type = type;
    e->maker_uid = maker_uid;
    e->name_len = (u32)str_len_bounded(name, NAME_LEN_MAX + 1);
    assert(e->name_len > 0);
    assert(e->name_len <= NAME_LEN_MAX);
    str_copy(e->name, sizeof e->name, name);
    fs->entries_count++;
    return 0;
}

i64 fs_directory_is_empty(struct kernel *k, const struct fs_inode *dir, bool *empty) {
    if (dir->chunk_count == 0) { *empty = true; return 0; }
    // fs->entries may hold the parent's directory: count the child's on the side.
    u32 size = 0;
    i64 result = fs_get_object(k, dir->chunks[0], k->fs.object_buffer, GRAINDB_OBJECT_BYTES_MAX, &size);
    if (result < 0) return result;
    i64 count = fs_directory_count(k->fs.object_buffer, size);
    if (count < 0) return count;
    *empty = count == 0 && dir->chunk_count == 1; // an object of several is never empty
    return 0;
}

// Only once the removal is committed: open copies of the inode then never commit
// again (before, a failed unlink would make their fsync skip the write yet return 0).
void fs_mark_unlinked(struct kernel *k, u64 inode) {
    for (u32 i = 0; i < FS_OPEN_FILES_MAX; i++) {
        struct fs_open_file *file = &k->fs.files[i];
        if (file->references > 0 && file->meta.inode == inode) {
            file->unlinked = true;
            file->meta.nlink = 0;
        }
    }
}
