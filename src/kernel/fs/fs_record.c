// The on-disk forms of inode records and directories (little-endian, versioned by a
// magic), and the GrainDB keys they live under. Decoding checks every length: the
// bytes come from disk (GrainDB verified their hash, but a bad format must still be
// an error, never a crash).
#include "kernel/kernel.h"
#include "kernel/lib/endian.h"
#include "kernel/lib/mem.h"
#include "kernel/fs/internal.h"

#define INODE_MAGIC 0x33494247u // "GBI3": the base fields, the semantics block, the chunk hashes
#define DIR_MAGIC 0x32444247u   // "GBD2": a directory in one object; entries carry their maker's uid
#define DIR_CHUNK_MAGIC 0x33444247u // "GBD3": one of the objects of a directory that needs several
#define DIR_HEADER_BYTES 8        // magic, count
#define DIR_CHUNK_HEADER_BYTES 12 // magic, count, the object's index in the inode's chunks
#define DIR_ENTRY_FIXED_BYTES 14 // inode u64, maker uid u32, type u8, name length u8
#define DIR_ENTRY_BYTES_MAX (DIR_ENTRY_FIXED_BYTES + NAME_LEN_MAX)
// Greedy packing leaves less than one entry unused per object: even with every name
// at its longest, a full directory fits its objects.
STATIC_ASSERT(FS_DIR_CHUNKS_MAX * ((GRAINDB_OBJECT_BYTES_MAX - DIR_CHUNK_HEADER_BYTES) / DIR_ENTRY_BYTES_MAX) >=
              FS_DIR_ENTRIES_MAX);
// A full directory of the longest names, its objects' headers and three inode records
// (a create: the new inode and the directory) fit one batch; two full directories (a
// rename between them) may not, and are refused whole (fs_rename.c).
STATIC_ASSERT(FS_DIR_ENTRIES_MAX * DIR_ENTRY_BYTES_MAX + FS_DIR_CHUNKS_MAX * (DIR_CHUNK_HEADER_BYTES + 1024u) +
              3u * (FS_INODE_RECORD_BYTES + 1024u) <= GRAINDB_BATCH_BYTES_MAX);


void fs_inode_key(u64 inode, u8 key[FS_KEY_LEN_MAX], u32 *key_len) {
    static const char hex[] = "0123456789abcdef";
    mem_copy(key, "ino/", 4);
    for (u32 i = 0; i < 16; i++) key[4 + i] = (u8)hex[(inode >> (60 - 4 * i)) & 0xf];
    *key_len = 20;
    assert(*key_len <= FS_KEY_LEN_MAX);
}

// Issue 9's block after the base fields: link count, atime, ctime (mtime is in the
// base fields), before the chunk hashes (GrainDB's links, which end the record).
#define SEMANTICS_AT FS_INODE_BASE_BYTES
STATIC_ASSERT(SEMANTICS_AT + FS_INODE_SEMANTICS_BYTES == FS_INODE_CHUNKS_OFFSET);

static void semantics_encode(const struct fs_inode *in, u8 *out) {
    store_u32_le(out, in->nlink);
    store_u32_le(out + 4, 0); // reserved
    store_u64_le(out + 8, in->atime_ns);
    store_u64_le(out + 16, in->ctime_ns);
}

static i64 semantics_decode(const u8 *bytes, struct fs_inode *out) {
    out->nlink = load_u32_le(bytes);
    out->atime_ns = load_u64_le(bytes + 8);
    out->ctime_ns = load_u64_le(bytes + 16);
    if (out->nlink == 0 || load_u32_le(bytes + 4) != 0) return -E_BADMSG; // a record with no name is never written
    if (out->type == ABI_TYPE_DIRECTORY && out->nlink < 2) return -E_BADMSG;
    return 0;
}

u32 fs_inode_encode(const struct fs_inode *in, u8 out[FS_INODE_RECORD_BYTES]) {
    mem_set(out, 0, FS_INODE_CHUNKS_OFFSET);
    store_u32_le(out, INODE_MAGIC);
    store_u32_le(out + 4, in->type);
    store_u64_le(out + 8, in->inode);
    store_u64_le(out + 16, in->parent);
    store_u64_le(out + 24, in->size_bytes);
    store_u64_le(out + 32, in->mtime_ns);
    store_u32_le(out + 40, in->mode);
    store_u32_le(out + 44, in->uid);
    store_u32_le(out + 48, in->gid);
    assert(in->chunk_count <= FS_FILE_CHUNKS_MAX);
    store_u32_le(out + 52, in->chunk_count);
    for (u32 c = 0; c < in->chunk_count; c++) {
        mem_copy(out + FS_INODE_CHUNKS_OFFSET + c * GRAINDB_HASH_BYTES, in->chunks[c], GRAINDB_HASH_BYTES);
    }
    semantics_encode(in, out + SEMANTICS_AT);
    u32 size = FS_INODE_CHUNKS_OFFSET + in->chunk_count * GRAINDB_HASH_BYTES;
    assert(size <= FS_INODE_RECORD_BYTES);
    return size;
}

i64 fs_inode_decode(const u8 *bytes, u32 size_bytes, struct fs_inode *out) {
    if (size_bytes < FS_INODE_CHUNKS_OFFSET || size_bytes > FS_INODE_RECORD_BYTES ||
        load_u32_le(bytes) != INODE_MAGIC) return -E_BADMSG;
    mem_set(out, 0, sizeof *out);
    out->type = load_u32_le(bytes + 4);
    out->inode = load_u64_le(bytes + 8);
    out->parent = load_u64_le(bytes + 16);
    out->size_bytes = load_u64_le(bytes + 24);
    out->mtime_ns = load_u64_le(bytes + 32);
    out->mode = load_u32_le(bytes + 40);
    out->uid = load_u32_le(bytes + 44);
    out->gid = load_u32_le(bytes + 48);
    out->chunk_count = load_u32_le(bytes + 52);
    bool type_ok = out->type == ABI_TYPE_FILE || out->type == ABI_TYPE_DIRECTORY || out->type == ABI_TYPE_SYMLINK;
    if (!type_ok || out->size_bytes > FS_FILE_BYTES_MAX || out->chunk_count > FS_FILE_CHUNKS_MAX ||
        size_bytes != FS_INODE_CHUNKS_OFFSET + out->chunk_count * GRAINDB_HASH_BYTES) {
        return -E_BADMSG;
    }
    if (out->type == ABI_TYPE_FILE &&
        out->chunk_count != (out->size_bytes + FS_CHUNK_BYTES - 1) / FS_CHUNK_BYTES) {
        return -E_BADMSG;
    }
    if (out->type == ABI_TYPE_DIRECTORY && out->chunk_count > FS_DIR_CHUNKS_MAX) return -E_BADMSG;
    // A symlink: one chunk holding a target of 1..FS_SYMLINK_BYTES_MAX bytes.
    bool link_ok = out->size_bytes > 0 && out->size_bytes <= FS_SYMLINK_BYTES_MAX && out->chunk_count == 1;
    if (out->type == ABI_TYPE_SYMLINK && !link_ok) return -E_BADMSG;
    if (semantics_decode(bytes + SEMANTICS_AT, out) < 0) return -E_BADMSG;
    for (u32 c = 0; c < out->chunk_count; c++) {
        mem_copy(out->chunks[c], bytes + FS_INODE_CHUNKS_OFFSET + c * GRAINDB_HASH_BYTES, GRAINDB_HASH_BYTES);
    }
    return 0;
}

// The bytes of fs->entries in the one-object form.
static u64 directory_bytes(const struct fs *fs) {
    u64 bytes = DIR_HEADER_BYTES;
    for (u32 i = 0; i < fs->entries_count; i++) bytes += DIR_ENTRY_FIXED_BYTES + fs->entries[i].name_len;
    return bytes;
}

static u32 entry_encode(const struct fs_dirent *e, u8 *out) {
    assert(e->name_len > 0);
    assert(e->name_len <= NAME_LEN_MAX);
    store_u64_le(out, e->inode);
    store_u32_le(out + 8, e->maker_uid);
    out[12] = (u8)e->type;
    out[13] = (u8)e->name_len;
    mem_copy(out + DIR_ENTRY_FIXED_BYTES, e->name, e->name_len);
    return DIR_ENTRY_FIXED_BYTES + e->name_len;
}

// Encodes object `index` of fs->entries (sorted by name) into fs->object_buffer, from
// entry *first on, and moves *first past what it holds. Returns its size. A directory
// that fits one object is that object alone, as before directories could grow (so old
// disks read, and small directories keep their bytes); a larger one is packed greedily
// into objects in name order, each saying its index.
i64 fs_directory_encode_chunk(struct fs *fs, u32 index, u32 *first) {
    assert(index < FS_DIR_CHUNKS_MAX);
    assert(*first <= fs->entries_count);
    u8 *out = fs->object_buffer;
    bool single = directory_bytes(fs) <= GRAINDB_OBJECT_BYTES_MAX;
    if (single) assert(index == 0);
    u64 at = single ? DIR_HEADER_BYTES : DIR_CHUNK_HEADER_BYTES;
    u32 i = *first;
    for (; i < fs->entries_count; i++) {
        if (at + DIR_ENTRY_FIXED_BYTES + fs->entries[i].name_len > GRAINDB_OBJECT_BYTES_MAX) break;
        at += entry_encode(&fs->entries[i], out + at);
    }
    if (!single) assert(i > *first); // an entry always fits an empty object
    store_u32_le(out, single ? DIR_MAGIC : DIR_CHUNK_MAGIC);
    store_u32_le(out + 4, i - *first);
    if (!single) store_u32_le(out + 8, index);
    *first = i;
    return (i64)at;
}

// Entries in an encoded directory object (either form), without decoding it;
// -E_BADMSG if not one.
i64 fs_directory_count(const u8 *bytes, u32 size_bytes) {
    if (size_bytes < DIR_HEADER_BYTES) return -E_BADMSG;
    u32 magic = load_u32_le(bytes);
    if (magic != DIR_MAGIC && magic != DIR_CHUNK_MAGIC) return -E_BADMSG;
    return load_u32_le(bytes + 4);
}

// The inode number a key names, or 0 when the key is not an inode key.
u64 fs_inode_from_key(const u8 *key, u32 key_len) {
    u8 expected[FS_KEY_LEN_MAX];
    u32 expected_len = 0;
    fs_inode_key(0, expected, &expected_len);
    if (key_len != expected_len || !mem_equal(key, expected, 4)) return 0;
    u64 inode = 0;
    for (u32 d = 4; d < key_len; d++) {
        u8 c = key[d];
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        if (!hex) return 0;
        inode = inode << 4 | (u64)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return inode;
}

// Whether name a sorts strictly before name b (bytes, as fs_entry_find orders them).
static bool name_before(const struct fs_dirent *a, const struct fs_dirent *b) {
    u32 common = a->name_len < b->name_len ? a->name_len : b->name_len;
    for (u32 i = 0; i < common; i++) {
        if (a->name[i] != b->name[i]) return (u8)a->name[i] < (u8)b->name[i];
    }
    return a->name_len < b->name_len;
}

// The header of object `index` of a directory stored in `chunks` objects: its entry
// count and where its entries start, or -E_BADMSG.
static i64 chunk_header(const u8 *bytes, u32 size_bytes, u32 index, u32 chunks, u32 *count, u32 *at) {
    assert(index < chunks);
    assert(count != NULL);
    if (chunks > FS_DIR_CHUNKS_MAX) return -E_BADMSG;
    *at = chunks == 1 ? DIR_HEADER_BYTES : DIR_CHUNK_HEADER_BYTES;
    if (size_bytes < *at) return -E_BADMSG;
    if (load_u32_le(bytes) != (chunks == 1 ? DIR_MAGIC : DIR_CHUNK_MAGIC)) return -E_BADMSG;
    *count = load_u32_le(bytes + 4);
    if (chunks == 1) return 0;
    // The encoder never writes an empty object of several, nor one out of its place.
    if (load_u32_le(bytes + 8) != index || *count == 0) return -E_BADMSG;
    return 0;
}

static i64 directory_decode_chunk(struct fs *fs, const u8 *bytes, u32 size_bytes, u32 index, u32 chunks) {
    u32 count = 0, header = 0;
    if (chunk_header(bytes, size_bytes, index, chunks, &count, &header) < 0) return -E_BADMSG;
    u32 base = fs->entries_count;
    if (count > FS_DIR_ENTRIES_MAX - base) return -E_BADMSG;
    u64 at = header;
    for (u32 i = 0; i < count; i++) {
        if (at + DIR_ENTRY_FIXED_BYTES > size_bytes) return -E_BADMSG;
        struct fs_dirent *e = &fs->entries[base + i];
        e->inode = load_u64_le(bytes + at);
        e->maker_uid = load_u32_le(bytes + at + 8);
        e->type = bytes[at + 12];
        e->name_len = bytes[at + 13];
        if (e->name_len == 0 || e->name_len > NAME_LEN_MAX) return -E_BADMSG;
        if (at + DIR_ENTRY_FIXED_BYTES + e->name_len > size_bytes) return -E_BADMSG;
        mem_copy(e->name, bytes + at + DIR_ENTRY_FIXED_BYTES, e->name_len);
        e->name[e->name_len] = '\0';
        at += DIR_ENTRY_FIXED_BYTES + e->name_len;
    }
    if (at != size_bytes) return -E_BADMSG;
    // Objects follow each other in name order: a name repeated or out of place across
    // two of them would make fs_entry_find miss it.
    if (base > 0 && count > 0 && !name_before(&fs->entries[base - 1], &fs->entries[base])) return -E_BADMSG;
    fs->entries_count = base + count;
    return 0;
}

i64 fs_directory_decode_chunk(struct fs *fs, const u8 *bytes, u32 size_bytes, u32 index, u32 chunks) {
    assert(fs != NULL);
    if (index > 0) assert(fs->entries_count > 0); // the objects before it were decoded
    i64 result = directory_decode_chunk(fs, bytes, size_bytes, index, chunks);
    if (result < 0) fs->entries_count = 0;
    return result;
}

i64 fs_directory_decode(struct fs *fs, const u8 *bytes, u32 size_bytes) {
    fs->entries_count = 0;
    return fs_directory_decode_chunk(fs, bytes, size_bytes, 0, 1);
}
