// Checkpoints: the RAM index (refs, keys, object slots) serialized into CHUNK records
// at the end of the log, closed by an END record that chains the chunks' checksums,
// then flushed, then named by a new superblock. Recovery loads the one the superblock
// names and replays only the log after it, so its time is bounded by the checkpoint
// interval, not by the whole log. A checkpoint holds nothing the log does not: when
// one cannot be read, recovery replays from the start instead.
#include "subsystems/graindb/internal.h"

#define CHUNK_PAYLOAD_MAX (GRAINDB_BATCH_BYTES_MAX - CHUNK_HEADER_BYTES)
#define HEADER_BYTES 56u
#define REF_ENTRY_BYTES 64u
#define OBJECT_SLOT_BYTES 12u

struct checkpoint_stream {
    u64 position;       // of the current chunk
    u64 first_position;
    u64 extent;         // first chunk to the end of the END sector
    u32 chunk_index;
    u32 fill;           // payload bytes in the current chunk
    u32 chunk_length;   // reader: payload bytes of the current chunk
    u64 total;
    u64 chain;
    bool verify;        // writer: a repair while opening, read back (readback.c)
};

static u64 chain_next(u64 chain, u64 checksum) {
    u8 bytes[16];
    store_u64_le(bytes, chain);
    store_u64_le(bytes + 8, checksum);
    return gdb_checksum(bytes, sizeof(bytes));
}

// A repair reads each record back before the buffer is reused (its flush included).
static i64 log_write(struct graindb *db, const struct checkpoint_stream *w, u64 position,
                     const u8 *bytes, u64 count) {
    if (!w->verify) return gdb_log_write(db, position, bytes, count);
    u32 sectors = (u32)(count / SECTOR_BYTES);
    u32 unverified = 0;
    return gdb_write_verified(db, db->superblock.log_start_sector + position / SECTOR_BYTES, bytes,
                              sectors, sectors, &unverified);
}

static i64 writer_flush_chunk(struct graindb *db, struct checkpoint_stream *w) {
    u32 length = CHUNK_HEADER_BYTES + w->fill;
    u8 *record = db->batch_buffer;
    record_begin(gdb_record_id(&db->superblock), record, w->position, db->commit_seq, length, RECORD_CHUNK);
    store_u32_le(record + CHUNK_INDEX, w->chunk_index);
    store_u32_le(record + CHUNK_PAYLOAD_BYTES, w->fill);
    store_u64_le(record + CHUNK_OFFSET, w->position - w->first_position);
    store_u64_le(record + CHUNK_EXTENT, w->extent);
    record_finish(record, length);
    u64 padded = align_up(length, SECTOR_BYTES);
    mem_set(record + length, 0, padded - length);
    // Room for this chunk and the END record's sector.
    if (w->position + padded + SECTOR_BYTES > gdb_log_bytes(db)) return -E_NOSPC;
    i64 result = log_write(db, w, w->position, record, padded);
    if (result < 0) return result;
    w->chain = chain_next(w->chain, load_u64_le(record + REC_CHECKSUM));
    w->position += padded;
    w->chunk_index++;
    w->fill = 0;
    return 0;
}

static i64 writer_put(struct graindb *db, struct checkpoint_stream *w, const u8 *bytes, u64 count) {
    while (count > 0) {
        u64 space = CHUNK_PAYLOAD_MAX - w->fill;
        u64 take = count < space ? count : space;
        mem_copy(db->batch_buffer + CHUNK_HEADER_BYTES + w->fill, bytes, take);
        w->fill += (u32)take;
        w->total += take;
        bytes += take;
        count -= take;
        if (w->fill == CHUNK_PAYLOAD_MAX) {
            i64 result = writer_flush_chunk(db, w);
            if (result < 0) return result;
        }
    }
    return 0;
}

static void encode_ref(const struct graindb_ref_entry *entry, u8 *out) {
    mem_copy(out, entry->object_hash, GRAINDB_HASH_BYTES);
    store_u64_le(out + 32, entry->commit_seq);
    store_u32_le(out + 40, entry->key_offset);
    store_u32_le(out + 44, entry->record_pos8);
    store_u32_le(out + 48, entry->object_pos8);
    store_u32_le(out + 52, entry->object_bytes);
    store_u32_le(out + 56, entry->key_version);
    out[60] = entry->key_len;
    out[61] = entry->live;
    out[62] = 0;
    out[63] = 0;
}

static i64 write_payload(struct graindb *db, struct checkpoint_stream *w) {
    u8 bytes[REF_ENTRY_BYTES];
    STATIC_ASSERT(HEADER_BYTES <= REF_ENTRY_BYTES);
    store_u64_le(bytes, GRAINDB_CHECKPOINT_MAGIC);
    store_u64_le(bytes + 8, db->commit_seq);
    store_u64_le(bytes + 16, db->last_commit_position);
    store_u32_le(bytes + 24, db->refs_count);
    store_u32_le(bytes + 28, db->key_arena_bytes);
    store_u32_le(bytes + 32, db->objects_count);
    store_u32_le(bytes + 36, 0);
    store_u64_le(bytes + 40, db->last_batch_position);
    store_u64_le(bytes + 48, db->last_batch_bytes);
    // Keys first: loading an entry checks its key and indexes it at once.
    i64 result = writer_put(db, w, bytes, HEADER_BYTES);
    if (result == 0) result = writer_put(db, w, db->key_arena, db->key_arena_bytes);
    for (u32 i = 0; result == 0 && i < db->refs_count; i++) {
        encode_ref(&db->refs[i], bytes);
        result = writer_put(db, w, bytes, REF_ENTRY_BYTES);
    }
    for (u32 slot = 0; result == 0 && slot < GRAINDB_OBJECT_SLOTS_COUNT; slot++) {
        if (db->object_slot_pos8[slot] == 0) continue;
        store_u32_le(bytes, slot);
        store_u32_le(bytes + 4, db->object_slot_pos8[slot]);
        store_u32_le(bytes + 8, db->object_slot_tag[slot]);
        result = writer_put(db, w, bytes, OBJECT_SLOT_BYTES);
    }
    if (result == 0 && w->fill > 0) result = writer_flush_chunk(db, w);
    return result;
}

// Known before the first chunk is written, so every chunk can name it.
u64 checkpoint_extent_of(u32 refs_count, u32 key_bytes, u32 objects_count) {
    u64 payload = HEADER_BYTES + key_bytes + (u64)refs_count * REF_ENTRY_BYTES +
                  (u64)objects_count * OBJECT_SLOT_BYTES;
    u64 full_chunks = payload / CHUNK_PAYLOAD_MAX;
    u64 rest = payload % CHUNK_PAYLOAD_MAX;
    u64 bytes = full_chunks * GRAINDB_BATCH_BYTES_MAX;
    if (rest > 0) bytes += align_up(CHUNK_HEADER_BYTES + rest, SECTOR_BYTES);
    return bytes + SECTOR_BYTES; // the END record
}

static u64 checkpoint_extent(const struct graindb *db) {
    return checkpoint_extent_of(db->refs_count, db->key_arena_bytes, db->objects_count);
}

// Names the written checkpoint in a new superblock.
static i64 checkpoint_name(struct graindb *db, const struct checkpoint_stream *w, u64 end_checksum) {
    struct graindb_superblock sb = db->superblock;
    sb.checkpoint_position = w->first_position;
    sb.checkpoint_bytes = w->position + SECTOR_BYTES - w->first_position;
    sb.checkpoint_commit_seq = db->commit_seq;
    sb.checkpoint_checksum = end_checksum;
    if (!w->verify) return superblock_write(db, &sb);
    u32 unverified = 0;
    i64 result = superblock_write_verified(db, &sb, &unverified);
    if (result == 0 && unverified > 0) {
        db->open_stats.repairs_unverified++;
        db->open_stats.repair_problem = "superblock copies do not read back";
    }
    return result; // -E_BADMSG: no copy read back, the checkpoint is not named
}

// A checkpoint is redundant: it never takes the zone's reserve, which deletes need.
static bool checkpoint_fits(const struct graindb *db, const struct checkpoint_stream *w) {
    return w->first_position + w->extent + GRAINDB_ZONE_RESERVE_BYTES <= gdb_log_bytes(db);
}

// Chunks and the END record at the append position, flushed (a verified write flushed
// already); *end_checksum gets the END record's checksum.
static i64 write_stream(struct graindb *db, struct checkpoint_stream *w, u64 *end_checksum) {
    i64 result = write_payload(db, w);
    if (result < 0) return result;
    assert(w->position + SECTOR_BYTES == w->first_position + w->extent);
    u8 *record = db->batch_buffer;
    record_begin(gdb_record_id(&db->superblock), record, w->position, db->commit_seq, END_BYTES, RECORD_END);
    store_u32_le(record + END_CHUNK_COUNT, w->chunk_index);
    store_u32_le(record + END_CHUNK_COUNT + 4, 0);
    store_u64_le(record + END_PAYLOAD_TOTAL, w->total);
    store_u64_le(record + END_CHUNK_CHAIN, w->chain);
    store_u64_le(record + END_FIRST_CHUNK, w->first_position);
    record_finish(record, END_BYTES);
    mem_set(record + END_BYTES, 0, SECTOR_BYTES - END_BYTES);
    *end_checksum = load_u64_le(record + REC_CHECKSUM);
    result = log_write(db, w, w->position, record, SECTOR_BYTES);
    if (result == 0 && !w->verify) result = gdb_flush(db);
    return result;
}

i64 checkpoint_write(struct graindb *db, bool verify) {
    assert(db != NULL);
    assert(db->open);
    assert(!db->batch_open);
    if (db->failed) return -E_IO;
    struct checkpoint_stream w = {.position = db->append_position, .first_position = db->append_position,
                                  .extent = checkpoint_extent(db), .verify = verify};
    if (!checkpoint_fits(db, &w)) return -E_NOSPC;
    u64 end_checksum = 0;
    i64 result = write_stream(db, &w, &end_checksum);
    if (result == 0) result = checkpoint_name(db, &w, end_checksum);
    if (result < 0) return result;
    db->append_position = w.position + SECTOR_BYTES;
    db->checkpoint_log_mark = db->append_position;
    return 0;
}

i64 checkpoint_write_unnamed(struct graindb *db, struct graindb_superblock *sb) {
    assert(db != NULL);
    assert(sb != NULL);
    assert(!db->batch_open);
    assert(!db->failed);
    struct checkpoint_stream w = {.position = db->append_position, .first_position = db->append_position,
                                  .extent = checkpoint_extent(db), .verify = false};
    if (!checkpoint_fits(db, &w)) return -E_NOSPC;
    u64 end_checksum = 0;
    i64 result = write_stream(db, &w, &end_checksum);
    if (result < 0) return result;
    sb->checkpoint_position = w.first_position;
    sb->checkpoint_bytes = w.position + SECTOR_BYTES - w.first_position;
    sb->checkpoint_commit_seq = db->commit_seq;
    sb->checkpoint_checksum = end_checksum;
    db->append_position = w.position + SECTOR_BYTES;
    db->checkpoint_log_mark = db->append_position;
    return 0;
}

// ---- loading --------------------------------------------------------------------------

static i64 reader_open_chunk(struct graindb *db, struct checkpoint_stream *r) {
    const u8 *record = NULL;
    i64 result = gdb_log_scan_read(db, r->position, CHUNK_HEADER_BYTES, &record);
    if (result < 0) return result == -E_IO ? -E_IO : -E_BADMSG;
    u32 length = load_u32_le(record + REC_LENGTH);
    if (length < CHUNK_HEADER_BYTES || length > GRAINDB_BATCH_BYTES_MAX) return -E_BADMSG;
    result = gdb_log_scan_read(db, r->position, length, &record);
    if (result < 0) return result == -E_IO ? -E_IO : -E_BADMSG;
    struct record_view view;
    if (record_check(db, record, length, r->position, &view) != RECORD_VALID) return -E_BADMSG;
    if (view.type != RECORD_CHUNK || view.commit_seq != db->superblock.checkpoint_commit_seq ||
        load_u32_le(record + CHUNK_INDEX) != r->chunk_index ||
        load_u64_le(record + CHUNK_OFFSET) != r->position - db->superblock.checkpoint_position ||
        load_u64_le(record + CHUNK_EXTENT) != db->superblock.checkpoint_bytes) return -E_BADMSG;
    r->chain = chain_next(r->chain, load_u64_le(record + REC_CHECKSUM));
    r->chunk_length = length - CHUNK_HEADER_BYTES;
    r->fill = 0;
    return 0;
}

static i64 reader_get(struct graindb *db, struct checkpoint_stream *r, u8 *out, u64 count) {
    while (count > 0) {
        if (r->fill == r->chunk_length) {
            r->position = align_up(r->position + CHUNK_HEADER_BYTES + r->chunk_length, SECTOR_BYTES);
            r->chunk_index++;
            i64 result = reader_open_chunk(db, r);
            if (result < 0) return result;
            if (r->chunk_length == 0) return -E_BADMSG;
        }
        const u8 *record = NULL;
        i64 result = gdb_log_scan_read(db, r->position, CHUNK_HEADER_BYTES + r->chunk_length, &record);
        if (result < 0) return result == -E_IO ? -E_IO : -E_BADMSG;
        u64 available = r->chunk_length - r->fill;
        u64 take = count < available ? count : available;
        mem_copy(out, record + CHUNK_HEADER_BYTES + r->fill, take);
        r->fill += (u32)take;
        r->total += take;
        out += take;
        count -= take;
    }
    return 0;
}

static bool decode_ref(const struct graindb *db, const u8 *in, struct graindb_ref_entry *entry) {
    mem_copy(entry->object_hash, in, GRAINDB_HASH_BYTES);
    entry->commit_seq = load_u64_le(in + 32);
    entry->key_offset = load_u32_le(in + 40);
    entry->record_pos8 = load_u32_le(in + 44);
    entry->object_pos8 = load_u32_le(in + 48);
    entry->object_bytes = load_u32_le(in + 52);
    entry->key_version = load_u32_le(in + 56);
    entry->key_len = in[60];
    entry->live = in[61];
    entry->reserved[0] = 0;
    entry->reserved[1] = 0;
    u64 limit8 = db->superblock.checkpoint_position / GRAINDB_RECORD_ALIGN_BYTES;
    return entry->key_len > 0 && entry->key_len <= GRAINDB_KEY_LEN_MAX && entry->live <= 1 &&
           (u64)entry->key_offset + entry->key_len <= db->key_arena_bytes &&
           entry->record_pos8 < limit8 && entry->object_pos8 < limit8 &&
           entry->commit_seq <= db->superblock.checkpoint_commit_seq &&
           entry->object_bytes <= GRAINDB_OBJECT_BYTES_MAX && entry->key_version > 0;
}

static i64 load_refs(struct graindb *db, struct checkpoint_stream *r, u32 refs_count) {
    u8 bytes[REF_ENTRY_BYTES];
    for (u32 i = 0; i < refs_count; i++) {
        i64 result = reader_get(db, r, bytes, REF_ENTRY_BYTES);
        if (result < 0) return result;
        if (!decode_ref(db, bytes, &db->refs[i])) return -E_BADMSG;
    }
    for (u32 i = 0; i < refs_count; i++) {
        const struct graindb_ref_entry *entry = &db->refs[i];
        const u8 *key = db->key_arena + entry->key_offset;
        if (refs_find(db, key, entry->key_len) >= 0) return -E_BADMSG; // a key twice
        u32 slot = (u32)key_hash(key, entry->key_len) & (GRAINDB_REF_SLOTS_COUNT - 1);
        while (db->ref_slots[slot] != 0) slot = (slot + 1) & (GRAINDB_REF_SLOTS_COUNT - 1);
        db->ref_slots[slot] = (u16)(i + 1);
        db->refs_count = i + 1;
    }
    return 0;
}

static i64 load_objects(struct graindb *db, struct checkpoint_stream *r, u32 objects_count) {
    u8 bytes[OBJECT_SLOT_BYTES];
    u64 limit8 = db->superblock.checkpoint_position / GRAINDB_RECORD_ALIGN_BYTES;
    for (u32 i = 0; i < objects_count; i++) {
        i64 result = reader_get(db, r, bytes, OBJECT_SLOT_BYTES);
        if (result < 0) return result;
        u32 slot = load_u32_le(bytes);
        u32 pos8 = load_u32_le(bytes + 4);
        if (slot >= GRAINDB_OBJECT_SLOTS_COUNT || pos8 == 0 || pos8 - 1 >= limit8 ||
            db->object_slot_pos8[slot] != 0) return -E_BADMSG;
        db->object_slot_pos8[slot] = pos8;
        db->object_slot_tag[slot] = load_u32_le(bytes + 8);
    }
    db->objects_count = objects_count;
    return 0;
}

static i64 check_end(struct graindb *db, const struct checkpoint_stream *r) {
    const struct graindb_superblock *sb = &db->superblock;
    if (r->fill != r->chunk_length) return -E_BADMSG;
    u64 position = align_up(r->position + CHUNK_HEADER_BYTES + r->chunk_length, SECTOR_BYTES);
    if (position + SECTOR_BYTES != sb->checkpoint_position + sb->checkpoint_bytes) return -E_BADMSG;
    const u8 *record = NULL;
    i64 result = gdb_log_scan_read(db, position, END_BYTES, &record);
    if (result < 0) return result == -E_IO ? -E_IO : -E_BADMSG;
    struct record_view view;
    if (record_check(db, record, END_BYTES, position, &view) != RECORD_VALID) return -E_BADMSG;
    bool matches = view.type == RECORD_END && view.commit_seq == sb->checkpoint_commit_seq &&
                   load_u32_le(record + END_CHUNK_COUNT) == r->chunk_index + 1 &&
                   load_u64_le(record + END_PAYLOAD_TOTAL) == r->total &&
                   load_u64_le(record + END_CHUNK_CHAIN) == r->chain &&
                   load_u64_le(record + END_FIRST_CHUNK) == sb->checkpoint_position &&
                   load_u64_le(record + REC_CHECKSUM) == sb->checkpoint_checksum;
    return matches ? 0 : -E_BADMSG;
}

i64 checkpoint_load(struct graindb *db) {
    assert(db != NULL);
    assert(db->superblock.checkpoint_position != GRAINDB_NONE);
    const struct graindb_superblock *sb = &db->superblock;
    if (sb->checkpoint_position % SECTOR_BYTES != 0 || sb->checkpoint_bytes < 2 * SECTOR_BYTES ||
        sb->checkpoint_position + sb->checkpoint_bytes > gdb_log_bytes(db)) return -E_BADMSG;
    struct checkpoint_stream r = {.position = sb->checkpoint_position,
                                  .first_position = sb->checkpoint_position};
    i64 result = reader_open_chunk(db, &r);
    u8 header[HEADER_BYTES];
    if (result == 0) result = reader_get(db, &r, header, HEADER_BYTES);
    if (result < 0) return result;
    u32 refs_count = load_u32_le(header + 24), key_bytes = load_u32_le(header + 28), objects = load_u32_le(header + 32);
    if (load_u64_le(header) != GRAINDB_CHECKPOINT_MAGIC || load_u64_le(header + 8) != sb->checkpoint_commit_seq ||
        refs_count > GRAINDB_REFS_MAX || key_bytes > GRAINDB_KEY_ARENA_BYTES_MAX ||
        objects > GRAINDB_OBJECTS_MAX) return -E_BADMSG;
    refs_reset(db);
    objects_reset(db);
    db->key_arena_bytes = key_bytes;
    result = reader_get(db, &r, db->key_arena, key_bytes);
    if (result == 0) result = load_refs(db, &r, refs_count);
    if (result == 0) result = load_objects(db, &r, objects);
    if (result == 0) result = check_end(db, &r);
    if (result < 0) return result;
    db->commit_seq = sb->checkpoint_commit_seq;
    db->last_commit_position = load_u64_le(header + 16);
    db->last_batch_position = load_u64_le(header + 40);
    db->last_batch_bytes = load_u64_le(header + 48);
    bool none = db->last_batch_position == GRAINDB_NONE;
    if (none != (db->last_commit_position == GRAINDB_NONE) ||
        (!none && (db->last_batch_bytes > GRAINDB_BATCH_BYTES_MAX ||
                   db->last_batch_position + db->last_batch_bytes != db->last_commit_position + COMMIT_BYTES))) {
        return -E_BADMSG;
    }
    db->append_position = sb->checkpoint_position + sb->checkpoint_bytes;
    db->checkpoint_log_mark = db->append_position;
    return 0;
}
