// Staging a batch: records are built in batch_buffer at the positions they will have
// in the log, and nothing becomes visible until graindb_batch_commit(). Every
// capacity (batch, disk, indexes) is checked here, so applying a durable batch
// cannot fail half-way. A batch begins with a compaction when the zone or an index is
// nearly full (compact.c), so what it stages finds the room a compaction can give.
#include "subsystems/graindb/internal.h"

static i64 writable(const struct graindb *db) {
    if (!db->open) return -E_INVAL;
    if (db->failed) return -E_IO;
    return 0;
}

i64 graindb_batch_begin(struct graindb *db) {
    assert(db != NULL);
    i64 state = writable(db);
    if (state < 0) return state;
    if (db->batch_open) return -E_INVAL;
    if (compact_due(db)) {
        // One that did not run (nothing to gain, no room, a live object unreadable)
        // leaves the database as it was: this batch may still fit, or its commit says
        // -E_NOSPC. One whose write or flush failed failed the database.
        i64 compacted = compact_run(db, false);
        if (compacted < 0 && db->failed) return -E_IO;
    }
    db->batch_open = true;
    db->batch_bytes = 0;
    db->batch_records = 0;
    db->batch_objects_count = 0;
    db->batch_refs_count = 0;
    db->batch_new_keys = 0;
    db->batch_new_key_bytes = 0;
    db->batch_tombstones = 0;
    assert(db->merkle_undo_count == 0);
    return 0;
}

void graindb_batch_abort(struct graindb *db) {
    assert(db != NULL);
    db->batch_open = false;
    db->batch_bytes = 0;
}

// Room for a record of `length` plus the COMMIT record, in the batch and on disk.
static i64 reserve(const struct graindb *db, u32 length, u32 *offset) {
    u64 start = align_up(db->batch_bytes, GRAINDB_RECORD_ALIGN_BYTES);
    u64 end = align_up(start + length, GRAINDB_RECORD_ALIGN_BYTES) + COMMIT_BYTES;
    if (end > GRAINDB_BATCH_BYTES_MAX) return -E_2BIG;
    if (db->append_position + align_up(end, SECTOR_BYTES) > gdb_log_bytes(db)) return -E_NOSPC;
    *offset = (u32)start;
    return 0;
}

static u8 *stage_record(struct graindb *db, u32 offset, u32 length, u16 type) {
    assert(offset % GRAINDB_RECORD_ALIGN_BYTES == 0);
    assert(offset + length <= GRAINDB_BATCH_BYTES_MAX);
    mem_set(db->batch_buffer + db->batch_bytes, 0, offset - db->batch_bytes); // alignment gap
    u8 *record = db->batch_buffer + offset;
    record_begin(gdb_record_id(&db->superblock), record, db->append_position + offset, db->commit_seq + 1, length,
                 type);
    db->batch_bytes = offset + length;
    db->batch_records++;
    return record;
}

static i64 staged_object(const struct graindb *db, const u8 hash[GRAINDB_HASH_BYTES]) {
    for (u32 i = 0; i < db->batch_objects_count; i++) {
        if (mem_equal(db->batch_buffer + db->batch_object_offsets[i] + OBJ_HASH, hash,
                      GRAINDB_HASH_BYTES)) return i;
    }
    return -1;
}

// Every linked object is staged in this batch or stored (its header read back).
static i64 check_links(struct graindb *db, const u8 *bytes, u32 links_offset, u32 links_count) {
    for (u32 i = 0; i < links_count; i++) {
        const u8 *child = bytes + links_offset + (u64)i * GRAINDB_HASH_BYTES;
        if (staged_object(db, child) >= 0) continue;
        i64 error = 0;
        struct object_header header;
        if (objects_find(db, child, &header, &error) == GRAINDB_NONE) return error < 0 ? error : -E_NOENT;
    }
    return 0;
}

// Whether a copy with these links serves a put asking for links_count links at
// links_offset: a plain put takes any copy; links must be the ones asked for.
static bool links_serve(u32 offset, u32 count, u32 links_offset, u32 links_count) {
    return links_count == 0 || (offset == links_offset && count == links_count);
}

// A copy of the object is staged or stored already and serves the put: 1, else 0.
static i64 already_held(struct graindb *db, const u8 hash[GRAINDB_HASH_BYTES], u32 links_offset,
                        u32 links_count) {
    i64 staged = staged_object(db, hash);
    if (staged >= 0) {
        u8 *record = db->batch_buffer + db->batch_object_offsets[staged];
        if (links_serve(load_u32_le(record + OBJ_LINKS_OFFSET), load_u32_le(record + OBJ_LINKS_COUNT), links_offset, links_count)) {
            return 1;
        }
        // Staged with other links: give it these (it is not written yet).
        store_u32_le(record + OBJ_LINKS_OFFSET, links_offset);
        store_u32_le(record + OBJ_LINKS_COUNT, links_count);
        record_finish(record, load_u32_le(record + REC_LENGTH));
        return 1;
    }
    i64 error = 0;
    struct object_header header;
    u64 position = objects_find(db, hash, &header, &error);
    if (position == GRAINDB_NONE) return 0;
    if (!links_serve(header.links_offset, header.links_count, links_offset, links_count)) return 0;
    // Stored already and readable: content addressing makes a second copy useless.
    // A stored copy that fails verification gets a fresh copy instead.
    const u8 *data = NULL;
    u32 size = 0;
    return object_read(db, position, hash, header.size, &data, &size) == 0 ? 1 : 0;
}

i64 graindb_batch_put_object_linked(struct graindb *db, const u8 *bytes, u32 size_bytes,
                                    u32 links_offset, u32 links_count, u8 hash_out[GRAINDB_HASH_BYTES]) {
    assert(db != NULL);
    assert(hash_out != NULL);
    if (size_bytes != 0) assert(bytes != NULL);
    if (!db->batch_open) return -E_INVAL;
    if (size_bytes > GRAINDB_OBJECT_BYTES_MAX) return -E_2BIG;
    if (!objects_links_valid(size_bytes, links_offset, links_count)) return -E_INVAL;
    i64 links = check_links(db, bytes, links_offset, links_count);
    if (links < 0) return links;
    gdb_sha256(bytes, size_bytes, hash_out);
    if (already_held(db, hash_out, links_offset, links_count) == 1) return 0;
    if (db->batch_objects_count >= GRAINDB_BATCH_OBJECTS_MAX) return -E_2BIG;
    if (db->objects_count + db->batch_objects_count >= GRAINDB_OBJECTS_MAX) return -E_NOMEM;
    u32 offset = 0;
    i64 room = reserve(db, OBJ_HEADER_BYTES + size_bytes, &offset);
    if (room < 0) return room;
    u8 *record = stage_record(db, offset, OBJ_HEADER_BYTES + size_bytes, RECORD_OBJECT);
    mem_copy(record + OBJ_HASH, hash_out, GRAINDB_HASH_BYTES);
    store_u32_le(record + OBJ_LINKS_OFFSET, links_offset);
    store_u32_le(record + OBJ_LINKS_COUNT, links_count);
    mem_copy(record + OBJ_HEADER_BYTES, bytes, size_bytes);
    record_finish(record, OBJ_HEADER_BYTES + size_bytes);
    db->batch_object_offsets[db->batch_objects_count++] = offset;
    return 0;
}

i64 graindb_batch_put_object(struct graindb *db, const u8 *bytes, u32 size_bytes,
                             u8 hash_out[GRAINDB_HASH_BYTES]) {
    return graindb_batch_put_object_linked(db, bytes, size_bytes, 0, 0, hash_out);
}

// What a key looks like before this update: its latest staged version, else its
// committed one.
struct ref_before {
    u64 record_position; // GRAINDB_NONE for a new key
    u32 key_version;
    bool live;
    bool new_key;        // neither committed nor staged yet
    u8 hash[GRAINDB_HASH_BYTES];
};

static void ref_state_before(const struct graindb *db, const u8 *key, u32 key_len,
                             struct ref_before *before) {
    for (u32 i = db->batch_refs_count; i-- > 0;) {
        const u8 *record = db->batch_buffer + db->batch_refs[i].record_offset;
        if (record[REF_KEY_LEN] != key_len || !mem_equal(record + REF_HEADER_BYTES, key, key_len)) continue;
        before->record_position = load_u64_le(record + REC_POSITION);
        before->key_version = load_u32_le(record + REF_KEY_VERSION);
        before->live = (record[REF_FLAGS] & REF_FLAG_TOMBSTONE) == 0;
        before->new_key = false;
        mem_copy(before->hash, record + REF_OBJECT_HASH, GRAINDB_HASH_BYTES);
        return;
    }
    i64 index = refs_find(db, key, key_len);
    mem_set(before, 0, sizeof(*before));
    before->record_position = GRAINDB_NONE;
    before->new_key = index < 0;
    if (index < 0) return;
    const struct graindb_ref_entry *entry = &db->refs[index];
    before->record_position = (u64)entry->record_pos8 * GRAINDB_RECORD_ALIGN_BYTES;
    before->key_version = entry->key_version;
    before->live = entry->live != 0;
    mem_copy(before->hash, entry->object_hash, GRAINDB_HASH_BYTES);
}

static i64 check_key(const u8 *key, u32 key_len) {
    if (key == NULL || key_len == 0) return -E_INVAL;
    if (key_len > GRAINDB_KEY_LEN_MAX) return -E_NAMETOOLONG;
    return 0;
}

// Stages a REF record: a value (hash at object_position) or a tombstone (hash NULL).
static i64 stage_ref(struct graindb *db, const u8 *key, u32 key_len, const u8 *hash,
                     u64 object_position, u32 object_bytes) {
    struct ref_before before;
    ref_state_before(db, key, key_len, &before);
    if (hash == NULL && !before.live) return -E_NOENT;
    if (db->batch_refs_count >= GRAINDB_BATCH_REFS_MAX) return -E_2BIG;
    if (before.new_key) {
        if (db->refs_count + db->batch_new_keys >= GRAINDB_REFS_MAX) return -E_NOMEM;
        if (db->key_arena_bytes + db->batch_new_key_bytes + key_len > GRAINDB_KEY_ARENA_BYTES_MAX) return -E_NOMEM;
    }
    u32 offset = 0;
    i64 room = reserve(db, REF_HEADER_BYTES + key_len, &offset);
    if (room < 0) return room;
    u8 *record = stage_record(db, offset, REF_HEADER_BYTES + key_len, RECORD_REF);
    if (hash != NULL) mem_copy(record + REF_OBJECT_HASH, hash, GRAINDB_HASH_BYTES);
    else mem_set(record + REF_OBJECT_HASH, 0, GRAINDB_HASH_BYTES);
    store_u64_le(record + REF_OBJECT_POSITION, hash != NULL ? object_position : GRAINDB_NONE);
    bool drop_history = GRAINDB_PLANTED(db, GRAINDB_BUG_HISTORY_DROPS_PREVIOUS);
    store_u64_le(record + REF_PREVIOUS, drop_history ? GRAINDB_NONE : before.record_position);
    store_u32_le(record + REF_KEY_VERSION, before.key_version + 1);
    store_u32_le(record + REF_OBJECT_BYTES, hash != NULL ? object_bytes : 0);
    record[REF_KEY_LEN] = (u8)key_len;
    record[REF_FLAGS] = hash != NULL ? 0 : REF_FLAG_TOMBSTONE;
    mem_set(record + REF_FLAGS + 1, 0, REF_VERSION_SEQ - REF_FLAGS - 1);
    store_u64_le(record + REF_VERSION_SEQ, db->commit_seq + 1);
    mem_copy(record + REF_HEADER_BYTES, key, key_len);
    record_finish(record, REF_HEADER_BYTES + key_len);
    struct graindb_staged_ref *staged = &db->batch_refs[db->batch_refs_count++];
    staged->record_offset = offset;
    staged->previous_live = before.live ? 1 : 0;
    mem_copy(staged->previous_hash, before.hash, GRAINDB_HASH_BYTES);
    if (before.new_key) {
        db->batch_new_keys++;
        db->batch_new_key_bytes += key_len;
    }
    if (hash == NULL) db->batch_tombstones++;
    return 0;
}

i64 graindb_batch_set_ref(struct graindb *db, const u8 *key, u32 key_len,
                          const u8 hash[GRAINDB_HASH_BYTES]) {
    assert(db != NULL);
    assert(hash != NULL);
    if (!db->batch_open) return -E_INVAL;
    i64 key_ok = check_key(key, key_len);
    if (key_ok < 0) return key_ok;
    i64 staged = staged_object(db, hash);
    if (staged >= 0) {
        const u8 *record = db->batch_buffer + db->batch_object_offsets[staged];
        return stage_ref(db, key, key_len, hash, load_u64_le(record + REC_POSITION),
                         load_u32_le(record + REC_LENGTH) - OBJ_HEADER_BYTES);
    }
    i64 error = 0;
    struct object_header header;
    u64 position = objects_find(db, hash, &header, &error);
    if (position == GRAINDB_NONE) return error < 0 ? error : -E_NOENT;
    return stage_ref(db, key, key_len, hash, position, header.size);
}

i64 graindb_batch_delete_ref(struct graindb *db, const u8 *key, u32 key_len) {
    assert(db != NULL);
    if (!db->batch_open) return -E_INVAL;
    i64 key_ok = check_key(key, key_len);
    if (key_ok < 0) return key_ok;
    return stage_ref(db, key, key_len, NULL, GRAINDB_NONE, 0);
}
