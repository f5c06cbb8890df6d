// Compaction, part 2: writing the compacted base into the inactive zone. COPY batches
// hold the live objects (in slot order, each read whole and checked against its
// SHA-256 first: damage is never copied) and then every live key's current version as
// a REF record that keeps its key_version and commit and links to no older version.
// Every record carries the new zone's record id and the base's commit_seq (the last
// commit), and each batch ends with a COPY record, so recovery can replay the base when
// no checkpoint is usable. Nothing is flushed here, and nothing in RAM but the
// compaction arrays changes: until the switch the old zone is the database.
#include "subsystems/graindb/internal.h"

struct copy_writer {
    u64 zone_first_sector;
    u64 record_id;
    u64 base_seq;
    u64 position;   // of the batch being filled, in the new zone
    u64 room_bytes; // where the base must end (its bound)
    u32 fill;       // bytes in batch_buffer
    u32 records;
    u32 index;
};

static i64 writer_close(struct graindb *db, struct copy_writer *w) {
    assert(w->records > 0);
    u32 offset = (u32)align_up(w->fill, GRAINDB_RECORD_ALIGN_BYTES);
    assert(offset + COPY_BYTES <= GRAINDB_BATCH_BYTES_MAX);
    mem_set(db->batch_buffer + w->fill, 0, offset - w->fill);
    u8 *record = db->batch_buffer + offset;
    record_begin(w->record_id, record, w->position + offset, w->base_seq, COPY_BYTES, RECORD_COPY);
    store_u32_le(record + COPY_RECORD_COUNT, w->records);
    store_u32_le(record + COPY_BATCH_BYTES, offset + COPY_BYTES);
    store_u32_le(record + COPY_INDEX, w->index);
    store_u32_le(record + COPY_INDEX + 4, 0);
    store_u64_le(record + COPY_BATCH_CHECKSUM, gdb_checksum(db->batch_buffer, offset));
    record_finish(record, COPY_BYTES);
    u64 padded = align_up(offset + COPY_BYTES, SECTOR_BYTES);
    mem_set(db->batch_buffer + offset + COPY_BYTES, 0, padded - offset - COPY_BYTES);
    if (w->position + padded > w->room_bytes) return -E_NOSPC; // the bound was wrong: nothing switched
    i64 result = gdb_zone_write(db, w->zone_first_sector, w->position, db->batch_buffer, padded);
    if (result < 0) return result;
    w->position += padded;
    w->fill = 0;
    w->records = 0;
    w->index++;
    return 0;
}

// Room for a record of `length` in the current batch (closing it first when full);
// returns the record's place in batch_buffer.
static i64 writer_place(struct graindb *db, struct copy_writer *w, u32 length, u16 type, u8 **record) {
    assert(length >= REC_HEADER_BYTES);
    assert(length <= OBJ_HEADER_BYTES + GRAINDB_OBJECT_BYTES_MAX);
    bool type_copied = type == RECORD_OBJECT || type == RECORD_REF; // what compaction keeps
    assert(type_copied);
    u64 start = align_up(w->fill, GRAINDB_RECORD_ALIGN_BYTES);
    if (start + length + GRAINDB_RECORD_ALIGN_BYTES + COPY_BYTES > GRAINDB_BATCH_BYTES_MAX) {
        i64 result = writer_close(db, w);
        if (result < 0) return result;
        start = 0;
    }
    mem_set(db->batch_buffer + w->fill, 0, start - w->fill);
    *record = db->batch_buffer + start;
    record_begin(w->record_id, *record, w->position + start, w->base_seq, length, type);
    w->fill = (u32)start + length;
    w->records++;
    return 0;
}

static u64 placed_position(const struct graindb *db, const struct copy_writer *w, const u8 *record) {
    return w->position + (u64)(record - db->batch_buffer);
}

static i64 copy_object(struct graindb *db, struct copy_writer *w, u32 slot) {
    assert(slot < GRAINDB_OBJECT_SLOTS_COUNT);
    assert(db->object_slot_pos8[slot] != 0);
    assert((db->compact_slot[slot] & COMPACT_MARKED) != 0);
    const u8 *old = NULL;
    const u8 *data = NULL;
    u32 size = 0;
    i64 result = compact_slot_read(db, slot, &old, &data, &size);
    if (result < 0) return result;
    u8 *record = NULL;
    result = writer_place(db, w, OBJ_HEADER_BYTES + size, RECORD_OBJECT, &record);
    if (result < 0) return result;
    mem_copy(record + OBJ_HASH, old + OBJ_HASH, OBJ_HEADER_BYTES - OBJ_HASH); // hash and links
    mem_copy(record + OBJ_HEADER_BYTES, data, size);
    record_finish(record, OBJ_HEADER_BYTES + size);
    db->compact_slot[slot] = (u32)(placed_position(db, w, record) / GRAINDB_RECORD_ALIGN_BYTES) + 1;
    return 0;
}

static void copy_ref(struct graindb *db, struct copy_writer *w, u32 index, u8 *record) {
    const struct graindb_ref_entry *entry = &db->refs[index];
    assert(load_u16_le(record + REC_TYPE) == RECORD_REF);
    mem_copy(record + REF_OBJECT_HASH, entry->object_hash, GRAINDB_HASH_BYTES);
    u64 object_position = GRAINDB_NONE;
    if (entry->live) {
        u32 moved = db->compact_slot[db->compact_ref_slot[index]];
        assert(moved != 0);
        assert(moved < COMPACT_POSITION8_LIMIT);
        object_position = (u64)(moved - 1) * GRAINDB_RECORD_ALIGN_BYTES;
    }
    store_u64_le(record + REF_OBJECT_POSITION, object_position);
    store_u64_le(record + REF_PREVIOUS, GRAINDB_NONE); // the retention rule: older versions are forgotten
    store_u32_le(record + REF_KEY_VERSION, entry->key_version);
    store_u32_le(record + REF_OBJECT_BYTES, entry->object_bytes);
    record[REF_KEY_LEN] = entry->key_len;
    record[REF_FLAGS] = entry->live ? 0 : REF_FLAG_TOMBSTONE;
    mem_set(record + REF_FLAGS + 1, 0, REF_VERSION_SEQ - REF_FLAGS - 1);
    store_u64_le(record + REF_VERSION_SEQ, entry->commit_seq);
    mem_copy(record + REF_HEADER_BYTES, db->key_arena + entry->key_offset, entry->key_len);
    record_finish(record, REF_HEADER_BYTES + entry->key_len);
    db->compact_ref_pos8[index] = (u32)(placed_position(db, w, record) / GRAINDB_RECORD_ALIGN_BYTES) + 1;
}

static bool ref_kept(const struct graindb *db, u32 index) {
    return db->refs[index].live || GRAINDB_PLANTED(db, GRAINDB_BUG_COMPACT_KEEPS_TOMBSTONES);
}

i64 compact_copy(struct graindb *db, struct compact_plan *plan) {
    assert(db != NULL);
    assert(plan != NULL);
    assert(plan->base_bytes_max < gdb_log_bytes(db));
    assert(db->commit_seq > 0);
    struct copy_writer w = {.zone_first_sector = gdb_zone_first_sector(db, plan->target_zone),
                            .record_id = gdb_record_id(&plan->target), .base_seq = db->commit_seq,
                            .room_bytes = plan->base_bytes_max};
    for (u32 slot = 0; slot < GRAINDB_OBJECT_SLOTS_COUNT; slot++) {
        if ((db->compact_slot[slot] & COMPACT_MARKED) == 0) continue;
        i64 result = copy_object(db, &w, slot);
        if (result < 0) return result;
    }
    for (u32 i = 0; i < db->refs_count; i++) {
        if (!ref_kept(db, i)) continue;
        u8 *record = NULL;
        i64 result = writer_place(db, &w, REF_HEADER_BYTES + db->refs[i].key_len, RECORD_REF, &record);
        if (result < 0) return result;
        copy_ref(db, &w, i, record);
    }
    if (w.records > 0) {
        i64 result = writer_close(db, &w);
        if (result < 0) return result;
    }
    plan->base_bytes = w.position;
    return 0;
}
