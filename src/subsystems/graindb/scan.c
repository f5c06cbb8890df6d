// Reading the log batch by batch, shared by recovery and fsck. A batch counts only
// when every record in it is valid and it ends with its COMMIT (or COPY) record: a
// batch is trusted whole or not at all.
#include "subsystems/graindb/internal.h"

static struct scan_result invalid(struct scan_result r, enum record_verdict verdict, u64 at) {
    r.kind = SCAN_INVALID;
    r.verdict = verdict;
    r.problem_position = at;
    return r;
}

static struct scan_result single_record(struct scan_result r, const struct record_view *view,
                                        u64 expected_seq) {
    if (view->commit_seq + 1 != expected_seq) return invalid(r, RECORD_STALE, r.position);
    r.kind = view->type == RECORD_CHUNK ? SCAN_CHUNK : SCAN_END;
    r.bytes = view->length;
    r.records = 1;
    r.commit_seq = view->commit_seq;
    r.next_position = align_up(r.position + view->length, SECTOR_BYTES);
    return r;
}

// A COMMIT or COPY record closes the batch. In a commit every version is the commit's
// own; a COPY batch (compaction) keeps the commits that wrote the versions it copies.
// The batch checksum proves the records before it are the ones written with it, not
// what an earlier write of the same commit to the same place left in some sectors.
static struct scan_result batch_end(struct scan_result r, const u8 *bytes, u64 offset, u32 length,
                                    u32 records, bool copied_versions) {
    STATIC_ASSERT(COMMIT_RECORD_COUNT == COPY_RECORD_COUNT && COMMIT_BATCH_BYTES == COPY_BATCH_BYTES);
    const u8 *record = bytes + offset;
    bool copy = load_u16_le(record + REC_TYPE) == RECORD_COPY;
    if (load_u32_le(record + COMMIT_RECORD_COUNT) != records || load_u32_le(record + COMMIT_BATCH_BYTES) != offset + length ||
        (copied_versions && !copy)) {
        return invalid(r, RECORD_FOREIGN, r.position + offset);
    }
    u64 checksum = load_u64_le(record + (copy ? COPY_BATCH_CHECKSUM : COMMIT_BATCH_CHECKSUM));
    if (checksum != gdb_checksum(bytes, offset)) return invalid(r, RECORD_TORN_BATCH, r.position + offset);
    r.kind = copy ? SCAN_COPY : SCAN_COMMIT;
    r.bytes = offset + length;
    r.records = records + 1;
    r.next_position = align_up(r.position + r.bytes, SECTOR_BYTES);
    return r;
}

struct scan_result scan_parse(struct graindb *db, const u8 *bytes, u64 available, u64 position,
                              u64 commit_seq) {
    assert(db != NULL);
    assert(bytes != NULL);
    assert(position % SECTOR_BYTES == 0);
    assert(commit_seq > 0);
    struct scan_result r = {.kind = SCAN_INVALID, .position = position, .problem_position = position,
                            .commit_seq = commit_seq};
    if (available > GRAINDB_BATCH_BYTES_MAX) available = GRAINDB_BATCH_BYTES_MAX;
    u64 offset = 0;
    u32 records = 0;
    bool copied_versions = false;
    for (;;) {
        if (offset + REC_HEADER_BYTES > available) return invalid(r, RECORD_BAD_LENGTH, position + offset);
        const u8 *record = bytes + offset;
        u64 length = load_u32_le(record + REC_LENGTH);
        if (length > available - offset) length = available - offset; // record_check refuses it
        struct record_view view;
        enum record_verdict verdict = record_check(db, record, length, position + offset, &view);
        if (verdict != RECORD_VALID) return invalid(r, verdict, position + offset);
        if (view.type == RECORD_CHUNK || view.type == RECORD_END) {
            if (records != 0) return invalid(r, RECORD_FOREIGN, position + offset);
            return single_record(r, &view, commit_seq);
        }
        if (view.commit_seq != commit_seq) return invalid(r, RECORD_STALE, position + offset);
        if (view.type == RECORD_COMMIT || view.type == RECORD_COPY) {
            return batch_end(r, bytes, offset, view.length, records, copied_versions);
        }
        if (view.type == RECORD_REF && load_u64_le(record + REF_VERSION_SEQ) != commit_seq) copied_versions = true;
        records++;
        offset = align_up(offset + view.length, GRAINDB_RECORD_ALIGN_BYTES);
    }
}

// One sector, read again when it fails: a one-off read error must not end the
// readable prefix of an intact batch (it would be taken for unreadable).
static bool sector_readable(struct graindb *db, u64 position) {
    const u8 *ignored = NULL;
    for (u32 attempt = 0; attempt < GRAINDB_READ_ATTEMPTS_MAX; attempt++) {
        if (gdb_log_scan_read(db, position, SECTOR_BYTES, &ignored) == 0) return true;
    }
    return false;
}

// The readable prefix of [position, position + bytes), sector by sector.
static u64 readable_prefix(struct graindb *db, u64 position, u64 bytes) {
    assert(position % SECTOR_BYTES == 0);
    u64 readable = 0;
    while (readable < bytes && sector_readable(db, position + readable)) readable += SECTOR_BYTES;
    assert(readable <= bytes);
    return readable;
}

static struct scan_result scan_batch_once(struct graindb *db, u64 position, u64 commit_seq,
                                         const u8 **bytes_out) {
    assert(db != NULL);
    assert(bytes_out != NULL);
    assert(position % SECTOR_BYTES == 0);
    assert(commit_seq > 0);
    struct scan_result r = {.kind = SCAN_LOG_END, .position = position, .problem_position = position};
    if (position + SECTOR_BYTES > gdb_log_bytes(db)) return r;
    u64 wanted = gdb_log_bytes(db) - position;
    if (wanted > GRAINDB_BATCH_BYTES_MAX) wanted = GRAINDB_BATCH_BYTES_MAX;
    u64 readable = wanted;
    i64 result = gdb_log_scan_read(db, position, wanted, bytes_out);
    if (result == -E_IO) {
        readable = readable_prefix(db, position, wanted);
        result = readable == 0 ? -E_IO : gdb_log_scan_read(db, position, readable, bytes_out);
    }
    if (result < 0) {
        r.kind = result == -E_IO ? SCAN_UNREADABLE : SCAN_INVALID;
        return r;
    }
    r = scan_parse(db, *bytes_out, readable, position, commit_seq);
    // Cut short by a sector that cannot be read: nothing can be concluded about it.
    if (r.kind == SCAN_INVALID && readable < wanted && r.verdict == RECORD_BAD_LENGTH) {
        r.kind = SCAN_UNREADABLE;
        r.problem_position = position + readable;
    }
    return r;
}

// A batch that fails its checks is read once more from the device before anyone
// concludes from it: a bit flipped on the way or a transient error must not be taken
// for damage on the medium (and certainly not cut as a torn tail).
struct scan_result scan_batch(struct graindb *db, u64 position, u64 commit_seq,
                              const u8 **bytes_out) {
    assert(db != NULL);
    assert(bytes_out != NULL);
    struct scan_result r = scan_batch_once(db, position, commit_seq, bytes_out);
    for (u32 attempt = 1; attempt < GRAINDB_READ_ATTEMPTS_MAX; attempt++) {
        bool retry = r.kind == SCAN_UNREADABLE ||
                     (r.kind == SCAN_INVALID && r.verdict != RECORD_BLANK && r.verdict != RECORD_STALE);
        if (!retry) break;
        db->io_window_position = GRAINDB_NONE;
        r = scan_batch_once(db, position, commit_seq, bytes_out);
    }
    return r;
}

// Checks one sector start for a record proving that expected_seq completed.
static bool evidence_at(struct graindb *db, u64 position, u64 expected_seq) {
    const u8 *record = NULL;
    if (gdb_log_scan_read(db, position, REC_HEADER_BYTES, &record) < 0) return false;
    if (load_u64_le(record + REC_DB_ID) != gdb_record_id(&db->superblock) || load_u64_le(record + REC_POSITION) != position) {
        return false; // cheap filters before the checksum
    }
    u32 length = load_u32_le(record + REC_LENGTH);
    if (length < REC_HEADER_BYTES || length > GRAINDB_BATCH_BYTES_MAX) return false;
    if (gdb_log_scan_read(db, position, length, &record) < 0) return false;
    struct record_view view;
    if (record_check(db, record, length, position, &view) != RECORD_VALID) return false;
    if (view.commit_seq > expected_seq) return true;
    return view.commit_seq == expected_seq && (view.type == RECORD_CHUNK || view.type == RECORD_END);
}

bool scan_evidence_after(struct graindb *db, u64 from, u64 to, u64 expected_seq) {
    assert(db != NULL);
    assert(from % SECTOR_BYTES == 0);
    if (to > gdb_log_bytes(db)) to = gdb_log_bytes(db);
    for (u64 position = from; position + SECTOR_BYTES <= to; position += SECTOR_BYTES) {
        if (evidence_at(db, position, expected_seq)) return true;
    }
    return false;
}

// Where the checkpoint that the record at `at` belongs to ends, if it covers `damaged`
// (started there or before it: the chunks before damage in its middle read well).
static u64 checkpoint_end_from(struct graindb *db, u64 at, u64 damaged, u64 commit_seq) {
    const u8 *record = NULL;
    if (gdb_log_scan_read(db, at, REC_HEADER_BYTES, &record) < 0) return GRAINDB_NONE;
    if (load_u64_le(record + REC_DB_ID) != gdb_record_id(&db->superblock) || load_u64_le(record + REC_POSITION) != at) {
        return GRAINDB_NONE;
    }
    u32 length = load_u32_le(record + REC_LENGTH);
    if (length < REC_HEADER_BYTES || length > GRAINDB_BATCH_BYTES_MAX) return GRAINDB_NONE;
    if (gdb_log_scan_read(db, at, length, &record) < 0) return GRAINDB_NONE;
    struct record_view view;
    if (record_check(db, record, length, at, &view) != RECORD_VALID || view.commit_seq != commit_seq) {
        return GRAINDB_NONE;
    }
    if (view.type == RECORD_CHUNK) {
        u64 offset = load_u64_le(record + CHUNK_OFFSET);
        u64 extent = load_u64_le(record + CHUNK_EXTENT);
        if (offset > at || extent > gdb_log_bytes(db)) return GRAINDB_NONE;
        u64 first = at - offset;
        return first <= damaged && first + extent > damaged ? first + extent : GRAINDB_NONE;
    }
    if (view.type == RECORD_END && load_u64_le(record + END_FIRST_CHUNK) <= damaged) return at + SECTOR_BYTES;
    return GRAINDB_NONE;
}

u64 scan_damaged_checkpoint_end(struct graindb *db, u64 position, u64 commit_seq) {
    assert(db != NULL);
    assert(position % SECTOR_BYTES == 0);
    u64 to = position + GRAINDB_TAIL_SCAN_BYTES;
    if (to > gdb_log_bytes(db)) to = gdb_log_bytes(db);
    for (u64 at = position + SECTOR_BYTES; at + SECTOR_BYTES <= to; at += SECTOR_BYTES) {
        u64 end = checkpoint_end_from(db, at, position, commit_seq);
        if (end != GRAINDB_NONE && end > at && end <= gdb_log_bytes(db)) return end;
    }
    return GRAINDB_NONE;
}

u64 scan_skip_to_named_checkpoint(const struct graindb *db, u64 position, u64 commit_seq) {
    assert(db != NULL);
    assert(position % SECTOR_BYTES == 0);
    const struct graindb_superblock *sb = &db->superblock;
    if (sb->checkpoint_position == GRAINDB_NONE || sb->checkpoint_commit_seq != commit_seq) return GRAINDB_NONE;
    if (position >= sb->checkpoint_position || sb->checkpoint_position >= gdb_log_bytes(db)) return GRAINDB_NONE;
    return sb->checkpoint_position;
}

void scan_apply_valid_prefix(struct graindb *db, u64 position, u64 commit_seq) {
    assert(db != NULL);
    assert(GRAINDB_PLANTED(db, GRAINDB_BUG_REPLAY_PARTIAL_BATCH));
    u64 offset = 0;
    while (offset + REC_HEADER_BYTES <= GRAINDB_BATCH_BYTES_MAX) {
        const u8 *record = NULL;
        if (gdb_log_scan_read(db, position + offset, REC_HEADER_BYTES, &record) < 0) return;
        u32 length = load_u32_le(record + REC_LENGTH);
        if (length < REC_HEADER_BYTES || length > GRAINDB_BATCH_BYTES_MAX) return;
        if (gdb_log_scan_read(db, position + offset, length, &record) < 0) return;
        struct record_view view;
        if (record_check(db, record, length, position + offset, &view) != RECORD_VALID) return;
        if (view.commit_seq != commit_seq || view.type == RECORD_COMMIT || view.type == RECORD_COPY) return;
        if (view.type == RECORD_OBJECT && objects_insert(db, record + OBJ_HASH, position + offset) < 0) return;
        if (view.type == RECORD_REF && refs_apply_record(db, record, position + offset) < 0) return;
        offset = align_up(offset + length, GRAINDB_RECORD_ALIGN_BYTES);
    }
}
