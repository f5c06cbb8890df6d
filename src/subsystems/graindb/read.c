// Reads. Every object handed out was read from the device just now and checked:
// record checksum, the position it names, and the SHA-256 of its bytes against the
// hash the caller (or the ref) expects. Any mismatch is -E_BADMSG, never data.
#include "subsystems/graindb/internal.h"

// Log range [position, position + bytes) into io_buffer: from the log, or from_mirror
// from the last commit's mirror slot (-E_NOENT when the range is not in that batch).
static i64 record_read(struct graindb *db, u64 position, u64 bytes, bool from_mirror, const u8 **out) {
    assert(db != NULL);
    assert(out != NULL);
    if (!from_mirror) {
        i64 result = gdb_log_read(db, position, bytes, out);
        return result == -E_INVAL ? -E_BADMSG : result;
    }
    i64 result = mirror_last_read(db, position, bytes, db->io_buffer, GRAINDB_IO_BYTES_MAX);
    if (result < 0) return result == -E_2BIG ? -E_NOENT : result;
    *out = db->io_buffer + position % SECTOR_BYTES;
    return 0;
}

static i64 object_read_once(struct graindb *db, u64 position, const u8 *expected_hash, u64 size_hint,
                            bool from_mirror, const u8 **data_out, u32 *size_out) {
    assert(db != NULL);
    assert(data_out != NULL);
    assert(size_out != NULL);
    assert(position % GRAINDB_RECORD_ALIGN_BYTES == 0);
    const u8 *record = NULL;
    u64 length = size_hint == GRAINDB_NONE ? 0 : OBJ_HEADER_BYTES + size_hint;
    if (length == 0) {
        i64 result = record_read(db, position, OBJ_HEADER_BYTES, from_mirror, &record);
        if (result < 0) return result;
        length = load_u32_le(record + REC_LENGTH);
        if (length < OBJ_HEADER_BYTES || length > OBJ_HEADER_BYTES + GRAINDB_OBJECT_BYTES_MAX) return -E_BADMSG;
    }
    i64 result = record_read(db, position, length, from_mirror, &record);
    if (result < 0) return result;
    *data_out = record + OBJ_HEADER_BYTES;
    *size_out = (u32)(length - OBJ_HEADER_BYTES);
    if (GRAINDB_PLANTED(db, GRAINDB_BUG_SKIP_READ_VERIFY)) return 0;
    struct record_view view;
    if (record_check(db, record, length, position, &view) != RECORD_VALID) return -E_BADMSG;
    if (view.type != RECORD_OBJECT || view.length != length) return -E_BADMSG;
    u8 actual[GRAINDB_HASH_BYTES];
    gdb_sha256(*data_out, *size_out, actual);
    if (!mem_equal(actual, record + OBJ_HASH, GRAINDB_HASH_BYTES)) return -E_BADMSG;
    if (expected_hash != NULL && !mem_equal(actual, expected_hash, GRAINDB_HASH_BYTES)) return -E_BADMSG;
    return 0;
}

// Reads are retried (a flipped bit in transit or a transient error is not damage);
// writes never are. An object of the last commit that the log does not give is read
// from that commit's mirror slot: the last commit has two copies (graindb_layout), and
// after recovery took it from the mirror and its write-back to the log failed (the
// database is failed, read-only), the mirror holds the only copy.
i64 object_read(struct graindb *db, u64 position, const u8 *expected_hash, u64 size_hint,
                const u8 **data_out, u32 *size_out) {
    i64 result = object_read_once(db, position, expected_hash, size_hint, false, data_out, size_out);
    for (u32 attempt = 1; attempt < GRAINDB_READ_ATTEMPTS_MAX && (result == -E_BADMSG || result == -E_IO); attempt++) {
        result = object_read_once(db, position, expected_hash, size_hint, false, data_out, size_out);
    }
    for (u32 attempt = 0; attempt < GRAINDB_READ_ATTEMPTS_MAX && (result == -E_BADMSG || result == -E_IO); attempt++) {
        i64 mirrored = object_read_once(db, position, expected_hash, size_hint, true, data_out, size_out);
        if (mirrored == -E_NOENT) break; // not in the last commit's batch
        result = mirrored;
    }
    return result;
}

static i64 copy_out(const u8 *data, u32 size, u8 *buffer, u32 capacity, u32 *size_out) {
    if (size_out != NULL) *size_out = size;
    if (size > capacity) return -E_2BIG;
    if (size > 0) mem_copy(buffer, data, size);
    return 0;
}

// The index holds a candidate of this hash's tag whose header names another hash: a
// tag collision, or this object's record with a flipped bit in its hash field (seed 6
// of storage-mixed-unrestricted: the same stored bytes were -E_BADMSG when the flip
// struck the body read, then -E_NOENT once the header read saw it). Only the whole
// record tells: intact, it is another object; failing its checks, it may be this one,
// damaged; unreadable, it may be this one, intact.
static i64 other_verdict(struct graindb *db, u64 position) {
    assert(db != NULL);
    assert(position != GRAINDB_NONE);
    const u8 *data = NULL;
    u32 size = 0;
    i64 result = object_read(db, position, NULL, GRAINDB_NONE, &data, &size);
    return result == 0 ? -E_NOENT : result;
}

i64 graindb_get(struct graindb *db, const u8 hash[GRAINDB_HASH_BYTES], u8 *buffer,
                u32 capacity, u32 *size_out) {
    assert(db != NULL);
    assert(hash != NULL);
    if (capacity != 0) assert(buffer != NULL);
    if (!db->open) return -E_INVAL;
    i64 error = 0;
    u64 other = GRAINDB_NONE;
    struct object_header header;
    u64 position = objects_find_noting_other(db, hash, &header, &error, &other);
    const u8 *data = NULL;
    u32 size = 0;
    if (position == GRAINDB_NONE && error < 0) return error;
    if (position == GRAINDB_NONE) return other == GRAINDB_NONE ? -E_NOENT : other_verdict(db, other);
    i64 result = object_read(db, position, hash, header.size, &data, &size);
    if (result < 0) return result;
    return copy_out(data, size, buffer, capacity, size_out);
}

bool graindb_contains(struct graindb *db, const u8 hash[GRAINDB_HASH_BYTES]) {
    assert(db != NULL);
    assert(hash != NULL);
    i64 error = 0;
    struct object_header header;
    return db->open && objects_find(db, hash, &header, &error) != GRAINDB_NONE;
}

static void info_from_entry(const struct graindb_ref_entry *entry, struct graindb_ref_info *info) {
    mem_copy(info->object_hash, entry->object_hash, GRAINDB_HASH_BYTES);
    info->commit_seq = entry->commit_seq;
    info->record_position = (u64)entry->record_pos8 * GRAINDB_RECORD_ALIGN_BYTES;
    info->object_bytes = entry->object_bytes;
    info->key_version = entry->key_version;
    info->deleted = entry->live == 0;
}

i64 graindb_ref_get(struct graindb *db, const u8 *key, u32 key_len, struct graindb_ref_info *info) {
    assert(db != NULL);
    assert(info != NULL);
    if (!db->open || key == NULL || key_len == 0) return -E_INVAL;
    if (key_len > GRAINDB_KEY_LEN_MAX) return -E_NAMETOOLONG;
    i64 index = refs_find(db, key, key_len);
    if (index < 0) return -E_NOENT;
    info_from_entry(&db->refs[index], info);
    return 0;
}

i64 graindb_ref_read(struct graindb *db, const u8 *key, u32 key_len, u8 *buffer,
                     u32 capacity, u32 *size_out) {
    assert(db != NULL);
    if (capacity != 0) assert(buffer != NULL);
    struct graindb_ref_info info;
    i64 result = graindb_ref_get(db, key, key_len, &info);
    if (result < 0) return result;
    if (info.deleted) return -E_NOENT;
    i64 index = refs_find(db, key, key_len);
    const struct graindb_ref_entry *entry = &db->refs[index];
    const u8 *data = NULL;
    u32 size = 0;
    result = object_read(db, (u64)entry->object_pos8 * GRAINDB_RECORD_ALIGN_BYTES,
                         entry->object_hash, entry->object_bytes, &data, &size);
    if (result < 0) return result;
    return copy_out(data, size, buffer, capacity, size_out);
}

// Reads and verifies the REF record of `key` at position; previous_out gets its link.
static i64 ref_record_read_once(struct graindb *db, u64 position, const u8 *key, u32 key_len, bool from_mirror,
                                struct graindb_ref_info *info, u64 *previous_out) {
    const u8 *record = NULL;
    u64 length = REF_HEADER_BYTES + key_len;
    i64 result = record_read(db, position, length, from_mirror, &record);
    if (result < 0) return result;
    struct record_view view;
    if (record_check(db, record, length, position, &view) != RECORD_VALID) return -E_BADMSG;
    if (view.type != RECORD_REF || record[REF_KEY_LEN] != key_len ||
        !mem_equal(record + REF_HEADER_BYTES, key, key_len)) return -E_BADMSG;
    mem_copy(info->object_hash, record + REF_OBJECT_HASH, GRAINDB_HASH_BYTES);
    info->commit_seq = load_u64_le(record + REF_VERSION_SEQ);
    info->record_position = position;
    info->object_bytes = load_u32_le(record + REF_OBJECT_BYTES);
    info->key_version = load_u32_le(record + REF_KEY_VERSION);
    info->deleted = (record[REF_FLAGS] & REF_FLAG_TOMBSTONE) != 0;
    *previous_out = load_u64_le(record + REF_PREVIOUS);
    // History only goes back: a link forward is corruption, not a loop to follow.
    if (*previous_out != GRAINDB_NONE && *previous_out >= position) return -E_BADMSG;
    return 0;
}

static i64 ref_record_read(struct graindb *db, u64 position, const u8 *key, u32 key_len,
                           struct graindb_ref_info *info, u64 *previous_out) {
    i64 result = ref_record_read_once(db, position, key, key_len, false, info, previous_out);
    for (u32 attempt = 1; attempt < GRAINDB_READ_ATTEMPTS_MAX && (result == -E_BADMSG || result == -E_IO); attempt++) {
        result = ref_record_read_once(db, position, key, key_len, false, info, previous_out);
    }
    for (u32 attempt = 0; attempt < GRAINDB_READ_ATTEMPTS_MAX && (result == -E_BADMSG || result == -E_IO); attempt++) {
        i64 mirrored = ref_record_read_once(db, position, key, key_len, true, info, previous_out);
        if (mirrored == -E_NOENT) break; // as object_read: the last commit's second copy
        result = mirrored;
    }
    return result;
}

i64 graindb_ref_get_at(struct graindb *db, const u8 *key, u32 key_len, u64 commit_seq,
                       struct graindb_ref_info *info) {
    assert(db != NULL);
    assert(info != NULL);
    i64 result = graindb_ref_get(db, key, key_len, info);
    if (result < 0) return result;
    u64 position = info->record_position;
    while (info->commit_seq > commit_seq) {
        u64 previous = GRAINDB_NONE;
        result = ref_record_read(db, position, key, key_len, info, &previous);
        if (result < 0) return result;
        if (info->commit_seq <= commit_seq) break;
        if (previous == GRAINDB_NONE) return -E_NOENT;
        position = previous;
    }
    return 0;
}

i64 graindb_ref_history(struct graindb *db, const u8 *key, u32 key_len,
                        struct graindb_ref_info *versions, u32 capacity, u32 *count_out) {
    assert(db != NULL);
    assert(count_out != NULL);
    if (capacity != 0) assert(versions != NULL);
    *count_out = 0;
    struct graindb_ref_info current;
    i64 result = graindb_ref_get(db, key, key_len, &current);
    if (result < 0) return result;
    u64 position = current.record_position;
    while (position != GRAINDB_NONE && *count_out < capacity) {
        u64 previous = GRAINDB_NONE;
        result = ref_record_read(db, position, key, key_len, &versions[*count_out], &previous);
        if (result < 0) return result;
        (*count_out)++;
        position = previous;
    }
    return 0;
}

u32 graindb_ref_count(const struct graindb *db) {
    assert(db != NULL);
    assert(db->refs_count <= GRAINDB_REFS_MAX);
    return db->refs_count;
}

i64 graindb_ref_at(const struct graindb *db, u32 index, u8 key_out[GRAINDB_KEY_LEN_MAX],
                   u32 *key_len_out, struct graindb_ref_info *info) {
    assert(db != NULL);
    assert(key_out != NULL);
    assert(key_len_out != NULL);
    assert(info != NULL);
    if (index >= db->refs_count) return -E_NOENT;
    const struct graindb_ref_entry *entry = &db->refs[index];
    mem_copy(key_out, db->key_arena + entry->key_offset, entry->key_len);
    *key_len_out = entry->key_len;
    info_from_entry(entry, info);
    return 0;
}
