// Log records: every record carries its database and zone generation, its own
// position and a checksum, so a torn, corrupted, misdirected, foreign or left-over
// record is recognised, never trusted.
#include "subsystems/graindb/internal.h"

u64 gdb_record_id(const struct graindb_superblock *sb) {
    assert(sb != NULL);
    return sb->db_id ^ (sb->generation * GRAINDB_GENERATION_MIX);
}

void record_begin(u64 record_id, u8 *record, u64 position, u64 commit_seq, u32 length, u16 type) {
    assert(record != NULL);
    assert(length >= REC_HEADER_BYTES);
    assert(position % GRAINDB_RECORD_ALIGN_BYTES == 0);
    store_u64_le(record + REC_CHECKSUM, 0);
    store_u64_le(record + REC_DB_ID, record_id);
    store_u64_le(record + REC_POSITION, position);
    store_u64_le(record + REC_COMMIT_SEQ, commit_seq);
    store_u32_le(record + REC_LENGTH, length);
    store_u16_le(record + REC_TYPE, type);
    store_u16_le(record + REC_FLAGS, 0);
}

void record_finish(u8 *record, u32 length) {
    assert(record != NULL);
    assert(load_u32_le(record + REC_LENGTH) == length);
    store_u64_le(record + REC_CHECKSUM, gdb_checksum(record + 8, length - 8));
}

static bool all_zero(const u8 *bytes, u64 count) {
    for (u64 i = 0; i < count; i++) {
        if (bytes[i] != 0) return false;
    }
    return true;
}

static u32 record_length_max(u16 type) {
    if (type == RECORD_OBJECT) return OBJ_HEADER_BYTES + GRAINDB_OBJECT_BYTES_MAX;
    if (type == RECORD_REF) return REF_HEADER_BYTES + GRAINDB_KEY_LEN_MAX;
    if (type == RECORD_COMMIT) return COMMIT_BYTES;
    if (type == RECORD_CHUNK) return GRAINDB_BATCH_BYTES_MAX;
    if (type == RECORD_END) return END_BYTES;
    if (type == RECORD_COPY) return COPY_BYTES;
    return 0;
}

enum record_verdict record_check(const struct graindb *db, const u8 *record, u64 available,
                                 u64 position, struct record_view *view) {
    assert(db != NULL);
    assert(record != NULL);
    assert(view != NULL);
    assert(position % GRAINDB_RECORD_ALIGN_BYTES == 0);
    if (available < REC_HEADER_BYTES) return RECORD_BAD_LENGTH;
    if (all_zero(record, REC_HEADER_BYTES)) return RECORD_BLANK;
    view->db_id = load_u64_le(record + REC_DB_ID);
    view->position = load_u64_le(record + REC_POSITION);
    view->commit_seq = load_u64_le(record + REC_COMMIT_SEQ);
    view->length = load_u32_le(record + REC_LENGTH);
    view->type = load_u16_le(record + REC_TYPE);
    u32 length_max = record_length_max(view->type);
    if (view->length < REC_HEADER_BYTES || view->length > length_max) return RECORD_FOREIGN;
    if (view->length > available) return RECORD_BAD_LENGTH;
    if (gdb_checksum(record + 8, view->length - 8) != load_u64_le(record + REC_CHECKSUM)) {
        return RECORD_BAD_CHECKSUM;
    }
    if (view->db_id != gdb_record_id(&db->superblock)) return RECORD_FOREIGN;
    if (view->position != position) return RECORD_MISPLACED;
    if (load_u16_le(record + REC_FLAGS) != 0 || !record_payload_valid(record, view)) {
        return RECORD_FOREIGN;
    }
    return RECORD_VALID;
}

bool record_payload_valid(const u8 *record, const struct record_view *view) {
    assert(record != NULL);
    assert(view != NULL);
    assert(view->length >= REC_HEADER_BYTES);
    switch (view->type) {
    case RECORD_OBJECT:
        return view->length >= OBJ_HEADER_BYTES &&
               objects_links_valid(view->length - OBJ_HEADER_BYTES, load_u32_le(record + OBJ_LINKS_OFFSET),
                                   load_u32_le(record + OBJ_LINKS_COUNT));
    case RECORD_REF: {
        if (view->length < REF_HEADER_BYTES) return false;
        u32 key_len = record[REF_KEY_LEN];
        u8 flags = record[REF_FLAGS];
        if (key_len == 0 || view->length != REF_HEADER_BYTES + key_len) return false;
        if ((flags & ~REF_FLAG_TOMBSTONE) != 0) return false;
        u64 version_seq = load_u64_le(record + REF_VERSION_SEQ);
        if (version_seq == 0 || version_seq > view->commit_seq) return false;
        for (u32 i = REF_FLAGS + 1; i < REF_VERSION_SEQ; i++) {
            if (record[i] != 0) return false;
        }
        u64 object_position = load_u64_le(record + REF_OBJECT_POSITION);
        if (flags & REF_FLAG_TOMBSTONE) return object_position == GRAINDB_NONE;
        return object_position != GRAINDB_NONE &&
               load_u32_le(record + REF_OBJECT_BYTES) <= GRAINDB_OBJECT_BYTES_MAX;
    }
    case RECORD_COMMIT:
        return view->length == COMMIT_BYTES &&
               load_u32_le(record + COMMIT_BATCH_BYTES) <= GRAINDB_BATCH_BYTES_MAX;
    case RECORD_COPY:
        return view->length == COPY_BYTES && load_u32_le(record + COPY_BATCH_BYTES) <= GRAINDB_BATCH_BYTES_MAX &&
               load_u32_le(record + COPY_INDEX + 4) == 0;
    case RECORD_CHUNK:
        return view->length >= CHUNK_HEADER_BYTES &&
               load_u32_le(record + CHUNK_PAYLOAD_BYTES) == view->length - CHUNK_HEADER_BYTES &&
               load_u64_le(record + CHUNK_OFFSET) % SECTOR_BYTES == 0 &&
               load_u64_le(record + CHUNK_OFFSET) <= view->position &&
               load_u64_le(record + CHUNK_EXTENT) % SECTOR_BYTES == 0 &&
               load_u64_le(record + CHUNK_OFFSET) < load_u64_le(record + CHUNK_EXTENT);
    case RECORD_END:
        return view->length == END_BYTES && load_u64_le(record + END_FIRST_CHUNK) < view->position &&
               (view->position - load_u64_le(record + END_FIRST_CHUNK)) % SECTOR_BYTES == 0;
    default:
        return false;
    }
}

const char *record_verdict_text(enum record_verdict verdict) {
    switch (verdict) {
    case RECORD_VALID: return "valid";
    case RECORD_BLANK: return "blank (never written)";
    case RECORD_FOREIGN: return "not a record of this database";
    case RECORD_BAD_LENGTH: return "record length out of range";
    case RECORD_BAD_CHECKSUM: return "record checksum mismatch";
    case RECORD_MISPLACED: return "record names another position (misdirected or stale)";
    case RECORD_STALE: return "record of another commit (stale or out of order)";
    case RECORD_TORN_BATCH: return "batch checksum mismatch (sectors of two writes)";
    }
    return "unknown";
}
