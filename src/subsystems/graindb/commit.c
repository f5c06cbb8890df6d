// Commit: the batch and its COMMIT record go to the log in one write and to the tail
// mirror in another, then one flush; only then does the batch become visible and the
// call return 0. Any failed write or flush fails the database (no retry) and leaves
// RAM as it was: recovery on reopen decides what of it is durable.
#include "subsystems/graindb/internal.h"

i64 batch_apply(struct graindb *db, const u8 *bytes, u64 position, u64 batch_bytes) {
    assert(db != NULL);
    assert(bytes != NULL);
    assert(position % SECTOR_BYTES == 0);
    assert(batch_bytes <= GRAINDB_BATCH_BYTES_MAX);
    u64 offset = 0;
    while (offset < batch_bytes) {
        const u8 *record = bytes + offset;
        u16 type = load_u16_le(record + REC_TYPE);
        u32 length = load_u32_le(record + REC_LENGTH);
        assert(length >= REC_HEADER_BYTES);
        assert(offset + length <= batch_bytes);
        i64 result = 0;
        if (type == RECORD_OBJECT) result = objects_insert(db, record + OBJ_HASH, position + offset);
        if (type == RECORD_REF) result = refs_apply_record(db, record, position + offset);
        if (result < 0) return result;
        if (type == RECORD_COMMIT) {
            assert(offset + length == batch_bytes);
            db->last_commit_position = position + offset;
            db->last_batch_position = position;
            db->last_batch_bytes = batch_bytes;
        }
        if (type == RECORD_COPY) assert(offset + length == batch_bytes);
        offset = align_up(offset + length, GRAINDB_RECORD_ALIGN_BYTES);
    }
    return 0;
}

static void merkle_stage(struct graindb *db) {
    for (u32 i = 0; i < db->batch_refs_count; i++) {
        const struct graindb_staged_ref *staged = &db->batch_refs[i];
        const u8 *record = db->batch_buffer + staged->record_offset;
        bool live = (record[REF_FLAGS] & REF_FLAG_TOMBSTONE) == 0;
        merkle_update(db, record + REF_HEADER_BYTES, record[REF_KEY_LEN], staged->previous_live != 0,
                      staged->previous_hash, live, record + REF_OBJECT_HASH);
    }
}

// Appends the COMMIT record and zero padding; returns the padded size.
static u64 stage_commit_record(struct graindb *db) {
    u32 offset = (u32)align_up(db->batch_bytes, GRAINDB_RECORD_ALIGN_BYTES);
    assert(offset + COMMIT_BYTES <= GRAINDB_BATCH_BYTES_MAX);
    mem_set(db->batch_buffer + db->batch_bytes, 0, offset - db->batch_bytes);
    u8 *record = db->batch_buffer + offset;
    record_begin(gdb_record_id(&db->superblock), record, db->append_position + offset, db->commit_seq + 1,
                 COMMIT_BYTES, RECORD_COMMIT);
    store_u32_le(record + COMMIT_RECORD_COUNT, db->batch_records);
    store_u32_le(record + COMMIT_BATCH_BYTES, offset + COMMIT_BYTES);
    store_u64_le(record + COMMIT_PREVIOUS, db->last_commit_position);
    graindb_merkle_root(db, record + COMMIT_MERKLE_ROOT);
    store_u64_le(record + COMMIT_BATCH_CHECKSUM, gdb_checksum(db->batch_buffer, offset));
    record_finish(record, COMMIT_BYTES);
    db->batch_bytes = offset + COMMIT_BYTES;
    u64 padded = align_up(db->batch_bytes, SECTOR_BYTES);
    mem_set(db->batch_buffer + db->batch_bytes, 0, padded - db->batch_bytes);
    return padded;
}

// A batch that shrinks the live state (a tombstone, no new key) may use the zone's
// reserve; any other must leave it free, so removing files works on a full disk.
static bool fits_zone(const struct graindb *db, u64 padded) {
    bool shrinks = db->batch_tombstones > 0 && db->batch_new_keys == 0;
    u64 limit = gdb_log_bytes(db) - (shrinks ? 0 : GRAINDB_ZONE_RESERVE_BYTES);
    return db->append_position + padded <= limit;
}

static i64 write_durably(struct graindb *db, u64 padded) {
    i64 result = gdb_log_write(db, db->append_position, db->batch_buffer, padded);
    if (result == 0) result = mirror_write(db, db->commit_seq + 1, db->batch_buffer, padded);
    if (result == 0 && !GRAINDB_PLANTED(db, GRAINDB_BUG_ACK_BEFORE_FLUSH)) result = gdb_flush(db);
    return result;
}

i64 graindb_batch_commit(struct graindb *db, u64 *commit_seq_out) {
    assert(db != NULL);
    if (!db->batch_open) return -E_INVAL;
    if (db->failed) {
        graindb_batch_abort(db);
        return -E_IO;
    }
    if (db->batch_records == 0) {
        graindb_batch_abort(db);
        if (commit_seq_out != NULL) *commit_seq_out = db->commit_seq;
        return 0;
    }
    u64 padded = align_up(align_up(db->batch_bytes, GRAINDB_RECORD_ALIGN_BYTES) + COMMIT_BYTES, SECTOR_BYTES);
    if (!fits_zone(db, padded)) {
        graindb_batch_abort(db);
        return -E_NOSPC;
    }
    merkle_stage(db);
    padded = stage_commit_record(db);
    i64 result = write_durably(db, padded);
    db->batch_open = false;
    if (result < 0) {
        merkle_undo(db);
        return result;
    }
    merkle_keep(db);
    result = batch_apply(db, db->batch_buffer, db->append_position, db->batch_bytes);
    assert(result == 0); // capacities were reserved while staging
    db->commit_seq++;
    db->compact_deletes += db->batch_tombstones;
    db->append_position += padded;
    if (commit_seq_out != NULL) *commit_seq_out = db->commit_seq;
    // The commit is durable whatever happens to the checkpoint: a checkpoint that
    // does not fit is skipped, one that fails to write fails the database.
    if (db->append_position - db->checkpoint_log_mark >= checkpoint_interval(db)) {
        (void)checkpoint_write(db, false);
    }
    return 0;
}

i64 graindb_put(struct graindb *db, const u8 *bytes, u32 size_bytes,
                u8 hash_out[GRAINDB_HASH_BYTES]) {
    assert(db != NULL);
    assert(hash_out != NULL);
    i64 result = graindb_batch_begin(db);
    if (result < 0) return result;
    result = graindb_batch_put_object(db, bytes, size_bytes, hash_out);
    if (result == 0) return graindb_batch_commit(db, NULL);
    graindb_batch_abort(db);
    return result;
}

i64 graindb_set(struct graindb *db, const u8 *key, u32 key_len, const u8 *value,
                u32 value_bytes) {
    assert(db != NULL);
    u8 hash[GRAINDB_HASH_BYTES];
    i64 result = graindb_batch_begin(db);
    if (result < 0) return result;
    result = graindb_batch_put_object(db, value, value_bytes, hash);
    if (result == 0) result = graindb_batch_set_ref(db, key, key_len, hash);
    if (result == 0) return graindb_batch_commit(db, NULL);
    graindb_batch_abort(db);
    return result;
}

i64 graindb_delete(struct graindb *db, const u8 *key, u32 key_len) {
    assert(db != NULL);
    i64 result = graindb_batch_begin(db);
    if (result < 0) return result;
    result = graindb_batch_delete_ref(db, key, key_len);
    if (result == 0) return graindb_batch_commit(db, NULL);
    graindb_batch_abort(db);
    return result;
}
