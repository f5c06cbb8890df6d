// The replicated keyspace on the disk: a chain of log chunks in GrainDB. The ref
// REPLICA_LOG_KEY names the newest chunk; every chunk links the one before it and the
// values of its versions, so compaction keeps every version ever acknowledged and its
// value (they are reachable from a live ref through links).
//
// Chunk format (version 1, little-endian):
//   0  u8[4] magic "GBRL"   4 u8 format version (1)   5 u8 flags (bit 0: has a previous)
//   6  u16 versions count   8 u32 links count          12 u32 zero
//   16 links: u8[32] each: the previous chunk (when flag bit 0), then the distinct values
//   then per version: u64 hlc, u32 uid, u8 node, u8 key bytes, u16 value bytes,
//   u8[32] value hash (48 bytes), the key.
// Chunks are read back verified (SHA-256, by GrainDB), and parsed as if hostile anyway.
#include "kernel/replica/internal.h"

#include <bearssl_hash.h>

#include "kernel/fs/fs.h"
#include "kernel/lib/endian.h"
#include "kernel/lib/mem.h"

#define CHUNK_MAGIC "GBRL"
#define CHUNK_VERSION 1u
#define CHUNK_FLAG_PREVIOUS 1u
#define LOG_KEY_LEN (sizeof(REPLICA_LOG_KEY) - 1u)
#define LOAD_CHUNKS_MAX REPLICA_VERSIONS_MAX // a chain is never longer than its versions

STATIC_ASSERT(REPLICA_CHUNK_BYTES_MAX <= GRAINDB_OBJECT_BYTES_MAX);
STATIC_ASSERT(1u + REPLICA_MESSAGE_VERSIONS_MAX <= GRAINDB_OBJECT_LINKS_MAX);
STATIC_ASSERT(REPLICA_HASH_BYTES == GRAINDB_HASH_BYTES);

void replica_host_sha256(const u8 *bytes, u32 count, u8 out[REPLICA_HASH_BYTES]) {
    assert(out != NULL);
    if (count != 0) assert(bytes != NULL);
    br_sha256_context context;
    br_sha256_init(&context);
    br_sha256_update(&context, bytes, count);
    br_sha256_out(&context, out);
}

static bool hash_is_zero(const u8 hash[REPLICA_HASH_BYTES]) {
    u8 any = 0;
    for (u32 i = 0; i < REPLICA_HASH_BYTES; i++) any |= hash[i];
    return any == 0;
}

// The chunk for versions into h->chunk; its length. with_previous: link log_head.
static u32 chunk_encode(struct replica_host *h, const struct replica_version *versions, u32 count,
                        bool with_previous, u32 *links_count_out) {
    assert(count >= 1);
    assert(count <= REPLICA_MESSAGE_VERSIONS_MAX);
    u8 *chunk = h->chunk;
    u32 links = 0;
    if (with_previous) {
        mem_copy(chunk + REPLICA_CHUNK_HEADER_BYTES, h->log_head, REPLICA_HASH_BYTES);
        links++;
    }
    for (u32 i = 0; i < count; i++) {
        bool seen = false;
        for (u32 j = with_previous ? 1 : 0; j < links && !seen; j++) {
            seen = mem_equal(chunk + REPLICA_CHUNK_HEADER_BYTES + j * REPLICA_HASH_BYTES, versions[i].value_hash,
                             REPLICA_HASH_BYTES);
        }
        if (seen) continue;
        mem_copy(chunk + REPLICA_CHUNK_HEADER_BYTES + links * REPLICA_HASH_BYTES, versions[i].value_hash,
                 REPLICA_HASH_BYTES);
        links++;
    }
    mem_copy(chunk, CHUNK_MAGIC, 4);
    chunk[4] = CHUNK_VERSION;
    chunk[5] = with_previous ? CHUNK_FLAG_PREVIOUS : 0;
    store_u16_le(chunk + 6, (u16)count);
    store_u32_le(chunk + 8, links);
    store_u32_le(chunk + 12, 0);
    u32 at = REPLICA_CHUNK_HEADER_BYTES + links * REPLICA_HASH_BYTES;
    for (u32 i = 0; i < count; i++) {
        const struct replica_version *v = &versions[i];
        assert(v->key_len <= REPLICA_KEY_BYTES_MAX);
        store_u64_le(chunk + at, v->hlc);
        store_u32_le(chunk + at + 8, v->uid);
        chunk[at + 12] = v->node;
        chunk[at + 13] = v->key_len;
        store_u16_le(chunk + at + 14, v->value_bytes);
        mem_copy(chunk + at + 16, v->value_hash, REPLICA_HASH_BYTES);
        mem_copy(chunk + at + REPLICA_CHUNK_RECORD_BYTES, v->key, v->key_len);
        at += REPLICA_CHUNK_RECORD_BYTES + v->key_len;
    }
    assert(at <= REPLICA_CHUNK_BYTES_MAX);
    *links_count_out = links;
    return at;
}

// The values, then the chunk (linking the previous one when it can still be linked:
// a previous chunk whose header GrainDB cannot find any more is left out, and the new
// chain starts here; its versions are on the peers).
static i64 stage_chunk(struct kernel *k, const struct replica_version *versions, u32 count,
                       u8 hash_out[REPLICA_HASH_BYTES]) {
    struct replica_host *h = &k->replica;
    bool with_previous = !hash_is_zero(h->log_head);
    u32 links = 0;
    u32 bytes = chunk_encode(h, versions, count, with_previous, &links);
    i64 result = graindb_batch_put_object_linked(&k->fs.db, h->chunk, bytes, REPLICA_CHUNK_HEADER_BYTES, links,
                                                 hash_out);
    if (result == 0 || !with_previous || (result != -E_NOENT && result != -E_BADMSG)) return result;
    klog(k, LOG_WARN, "replica: the log's previous chunk is unreadable (error %lld): a new chain starts",
         (long long)-result);
    bytes = chunk_encode(h, versions, count, false, &links);
    return graindb_batch_put_object_linked(&k->fs.db, h->chunk, bytes, REPLICA_CHUNK_HEADER_BYTES, links, hash_out);
}

i64 replica_host_persist(struct kernel *k, const struct replica_version *versions,
                        const u8 *const values[], u32 count) {
    assert(versions != NULL);
    assert(count >= 1);
    assert(count <= REPLICA_MESSAGE_VERSIONS_MAX);
    struct graindb *db = &k->fs.db;
    if (k->fs.state != FS_MOUNTED) return -E_IO;
    i64 result = graindb_batch_begin(db);
    if (result < 0) return result;
    for (u32 i = 0; i < count && result == 0; i++) {
        u8 hash[REPLICA_HASH_BYTES];
        result = graindb_batch_put_object(db, values[i], versions[i].value_bytes, hash);
        // The callers checked every hash: a difference is the caller's bug.
        if (result == 0) assert(mem_equal(hash, versions[i].value_hash, REPLICA_HASH_BYTES));
    }
    u8 chunk_hash[REPLICA_HASH_BYTES];
    if (result == 0) result = stage_chunk(k, versions, count, chunk_hash);
    if (result == 0) result = graindb_batch_set_ref(db, (const u8 *)REPLICA_LOG_KEY, LOG_KEY_LEN, chunk_hash);
    if (result < 0) {
        fs_record_abort(k, result);
        return result;
    }
    // Committed as the filesystem commits (traced: the simulator's durability shadow
    // follows every commit of this database).
    result = fs_record_commit(k);
    if (result < 0) return result;
    mem_copy(k->replica.log_head, chunk_hash, REPLICA_HASH_BYTES);
    return 0;
}

// One record of a chunk at `at` into *v; the bytes it took, 0 when malformed.
static u32 record_decode(const u8 *chunk, u32 bytes, u32 at, struct replica_version *v) {
    if (at > bytes || bytes - at < REPLICA_CHUNK_RECORD_BYTES) return 0;
    const u8 *record = chunk + at;
    u32 key_len = record[13];
    if (key_len == 0 || key_len > REPLICA_KEY_BYTES_MAX) return 0;
    if (bytes - at - REPLICA_CHUNK_RECORD_BYTES < key_len) return 0;
    mem_set(v, 0, sizeof *v);
    v->hlc = load_u64_le(record);
    v->uid = load_u32_le(record + 8);
    v->node = record[12];
    v->key_len = (u8)key_len;
    v->value_bytes = load_u16_le(record + 14);
    mem_copy(v->value_hash, record + 16, REPLICA_HASH_BYTES);
    mem_copy(v->key, record + REPLICA_CHUNK_RECORD_BYTES, key_len);
    return REPLICA_CHUNK_RECORD_BYTES + key_len;
}

// Loads the versions of the chunk in h->chunk (bytes long); the previous chunk's hash
// into previous (all zero when none). -E_BADMSG when the chunk is malformed.
static i64 chunk_load(struct kernel *k, u32 bytes, u8 previous[REPLICA_HASH_BYTES], u32 *loaded) {
    struct replica_host *h = &k->replica;
    const u8 *chunk = h->chunk;
    mem_set(previous, 0, REPLICA_HASH_BYTES);
    if (bytes < REPLICA_CHUNK_HEADER_BYTES || !mem_equal(chunk, CHUNK_MAGIC, 4) || chunk[4] != CHUNK_VERSION) {
        return -E_BADMSG;
    }
    u32 count = load_u16_le(chunk + 6);
    u32 links = load_u32_le(chunk + 8);
    bool has_previous = (chunk[5] & CHUNK_FLAG_PREVIOUS) != 0;
    if (links > 1u + REPLICA_MESSAGE_VERSIONS_MAX || (has_previous && links == 0)) return -E_BADMSG;
    u32 at = REPLICA_CHUNK_HEADER_BYTES + links * REPLICA_HASH_BYTES;
    if (at > bytes) return -E_BADMSG;
    if (has_previous) mem_copy(previous, chunk + REPLICA_CHUNK_HEADER_BYTES, REPLICA_HASH_BYTES);
    for (u32 i = 0; i < count; i++) {
        struct replica_version v;
        u32 taken = record_decode(chunk, bytes, at, &v);
        if (taken == 0) return -E_BADMSG;
        at += taken;
        if (replica_load(&h->engine, &v) == 1) {
            *loaded += 1;
            replica_host_observe(k, &(struct replica_observation){.kind = REPLICA_OBSERVE_LOADED, .version = v});
        }
    }
    return 0;
}

u32 replica_host_load_log(struct kernel *k) {
    struct replica_host *h = &k->replica;
    struct graindb_ref_info info;
    i64 result = graindb_ref_get(&k->fs.db, (const u8 *)REPLICA_LOG_KEY, LOG_KEY_LEN, &info);
    if (result < 0 || info.deleted) return 0; // no log yet (-E_NOENT) or unreadable
    mem_copy(h->log_head, info.object_hash, REPLICA_HASH_BYTES);
    u8 next[REPLICA_HASH_BYTES];
    mem_copy(next, h->log_head, REPLICA_HASH_BYTES);
    u32 loaded = 0;
    for (u32 chunks = 0; chunks < LOAD_CHUNKS_MAX && !hash_is_zero(next); chunks++) {
        u32 bytes = 0;
        result = graindb_get(&k->fs.db, next, h->chunk, sizeof h->chunk, &bytes);
        if (result == 0) result = chunk_load(k, bytes, next, &loaded);
        if (result < 0) {
            klog(k, LOG_WARN, "replica: a log chunk is unreadable (error %lld): %u versions loaded, "
                 "the rest is the peers'", (long long)-result, loaded);
            if (chunks == 0 && result == -E_NOENT) mem_set(h->log_head, 0, REPLICA_HASH_BYTES);
            break;
        }
    }
    return loaded;
}

i64 replica_host_value_read(struct kernel *k, const struct replica_version *version, u8 *out) {
    assert(version != NULL);
    assert(out != NULL);
    u32 size = 0;
    i64 result = graindb_get(&k->fs.db, version->value_hash, out, REPLICA_VALUE_BYTES_MAX, &size);
    if (result == 0 && size != version->value_bytes) result = -E_BADMSG;
    if (result == -E_NOENT || result == -E_2BIG) result = -E_BADMSG; // acknowledged, so damage
    if (result == -E_BADMSG) replica_host_want(k, version->value_hash);
    return result;
}

i64 replica_host_value_restore(struct kernel *k, const u8 hash[REPLICA_HASH_BYTES], const u8 *bytes,
                          u32 size_bytes) {
    assert(hash != NULL);
    assert(size_bytes <= REPLICA_VALUE_BYTES_MAX);
    if (k->fs.state != FS_MOUNTED) return -E_IO;
    i64 result = graindb_batch_begin(&k->fs.db);
    if (result < 0) return result;
    result = graindb_batch_restore_object(&k->fs.db, bytes, size_bytes, hash);
    if (result < 0) {
        fs_record_abort(k, result);
        return result;
    }
    if (k->fs.db.batch_records == 0) { // the stored copy reads back after all: no commit
        graindb_batch_abort(&k->fs.db);
        return 0;
    }
    return fs_record_commit(k);
}
