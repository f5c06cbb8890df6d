// fsck: everything GrainDB stores is checked against everything else. The active zone
// is walked from its start to the append position (the compacted base, then every
// record checksum and position, every object's SHA-256 and links, every ref's target,
// the commit chain and order, every checkpoint), then the RAM index is checked against
// the disk, the Merkle root against a recomputation and the last commit, the
// superblock copies and the tail mirror.
#include "subsystems/graindb/internal.h"

static void problem(struct graindb_verify_report *report, i64 error, u64 position, const char *what) {
    if (report->problems_count < GRAINDB_VERIFY_PROBLEMS_KEPT) {
        report->problems[report->problems_count] = (struct graindb_problem){error, position, what};
    }
    report->problems_count++;
}

// Objects are only added to a zone, and a compaction copies what live objects link
// to, so every object the zone holds finds the objects it links to.
static void verify_links(struct graindb *db, const u8 *record, u64 position,
                         struct graindb_verify_report *report) {
    u32 links_offset = load_u32_le(record + OBJ_LINKS_OFFSET), links_count = load_u32_le(record + OBJ_LINKS_COUNT);
    for (u32 i = 0; i < links_count; i++) {
        const u8 *child = record + OBJ_HEADER_BYTES + links_offset + (u64)i * GRAINDB_HASH_BYTES;
        i64 error = 0;
        struct object_header header;
        report->links_checked++;
        if (objects_find(db, child, &header, &error) == GRAINDB_NONE) {
            problem(report, error == -E_IO ? -E_IO : -E_BADMSG, position, "object links to an object that is not stored");
            return;
        }
    }
}

static void verify_object(struct graindb *db, const u8 *record, u64 position,
                          struct graindb_verify_report *report) {
    u32 size = load_u32_le(record + REC_LENGTH) - OBJ_HEADER_BYTES;
    u8 actual[GRAINDB_HASH_BYTES];
    gdb_sha256(record + OBJ_HEADER_BYTES, size, actual);
    if (!mem_equal(actual, record + OBJ_HASH, GRAINDB_HASH_BYTES)) {
        problem(report, -E_BADMSG, position, "object bytes do not match their SHA-256");
    }
    i64 error = 0;
    struct object_header header;
    if (objects_find(db, record + OBJ_HASH, &header, &error) == GRAINDB_NONE) {
        problem(report, error == -E_IO ? -E_IO : -E_BADMSG, position, "object missing from the index");
    }
    verify_links(db, record, position, report);
    report->objects++;
    report->object_bytes += size;
}

static void verify_ref(struct graindb *db, const u8 *record, u64 position,
                       struct graindb_verify_report *report) {
    report->ref_records++;
    u64 previous = load_u64_le(record + REF_PREVIOUS);
    if (previous != GRAINDB_NONE && previous >= position) {
        problem(report, -E_BADMSG, position, "ref links forward to its previous version");
    }
    if (record[REF_FLAGS] & REF_FLAG_TOMBSTONE) {
        report->tombstones++;
        return;
    }
    u64 object_position = load_u64_le(record + REF_OBJECT_POSITION);
    struct object_header header;
    if (object_position >= position ||
        objects_header_check(db, object_position, record + REF_OBJECT_HASH, &header) != 1 ||
        header.size != load_u32_le(record + REF_OBJECT_BYTES)) {
        problem(report, -E_BADMSG, position, "ref points to no stored object with its hash");
    }
}

static void verify_batch(struct graindb *db, const u8 *bytes, const struct scan_result *r,
                         u64 *last_commit, struct graindb_verify_report *report) {
    u64 offset = 0;
    while (offset < r->bytes) {
        const u8 *record = bytes + offset;
        u64 position = r->position + offset;
        u16 type = load_u16_le(record + REC_TYPE);
        if (type == RECORD_OBJECT) verify_object(db, record, position, report);
        if (type == RECORD_REF) verify_ref(db, record, position, report);
        if (type == RECORD_COMMIT) {
            if (load_u64_le(record + COMMIT_PREVIOUS) != *last_commit) {
                problem(report, -E_BADMSG, position, "commit chain broken");
            }
            *last_commit = position;
            if (r->commit_seq == db->commit_seq) {
                u8 root[GRAINDB_HASH_BYTES];
                graindb_merkle_root(db, root);
                if (!mem_equal(root, record + COMMIT_MERKLE_ROOT, GRAINDB_HASH_BYTES)) {
                    problem(report, -E_BADMSG, position, "merkle root differs from the last commit's");
                }
            }
        }
        offset = align_up(offset + load_u32_le(record + REC_LENGTH), GRAINDB_RECORD_ALIGN_BYTES);
    }
}

// The compacted base: COPY batches of the base's commit, exactly up to its extent.
static u64 verify_base(struct graindb *db, struct graindb_verify_report *report) {
    const struct graindb_superblock *sb = &db->superblock;
    u64 position = 0, unused = GRAINDB_NONE;
    while (position < sb->base_bytes) {
        const u8 *bytes = NULL;
        struct scan_result r = scan_batch(db, position, sb->base_commit_seq, &bytes);
        if (r.kind != SCAN_COPY || r.next_position > sb->base_bytes) {
            problem(report, r.kind == SCAN_UNREADABLE ? -E_IO : -E_BADMSG, r.problem_position,
                    "compacted base damaged");
            return GRAINDB_NONE;
        }
        verify_batch(db, bytes, &r, &unused, report);
        report->base_batches++;
        position = r.next_position;
    }
    return position;
}

static void verify_log(struct graindb *db, struct graindb_verify_report *report) {
    u64 position = verify_base(db, report), seq = db->superblock.base_commit_seq, last_commit = GRAINDB_NONE;
    if (position == GRAINDB_NONE) return;
    while (position < db->append_position) {
        const u8 *bytes = NULL;
        struct scan_result r = scan_batch(db, position, seq + 1, &bytes);
        if (r.kind == SCAN_INVALID || r.kind == SCAN_UNREADABLE) {
            // A damaged checkpoint loses nothing (the log holds it all): counted, and
            // a problem only when it is the one the superblock names.
            u64 end = scan_damaged_checkpoint_end(db, position, seq);
            if (end == GRAINDB_NONE) end = scan_skip_to_named_checkpoint(db, position, seq);
            if (end != GRAINDB_NONE) {
                report->checkpoints_damaged++;
                u64 named = db->superblock.checkpoint_position;
                if (named != GRAINDB_NONE && position >= named && position - named < db->superblock.checkpoint_bytes) {
                    problem(report, -E_BADMSG, position, "the superblock's checkpoint is damaged");
                }
                position = end;
                continue;
            }
        }
        if (r.kind == SCAN_INVALID || r.kind == SCAN_UNREADABLE || r.kind == SCAN_LOG_END || r.kind == SCAN_COPY) {
            i64 error = r.kind == SCAN_UNREADABLE ? -E_IO : -E_BADMSG;
            problem(report, error, r.problem_position,
                    r.kind == SCAN_INVALID ? record_verdict_text(r.verdict) : "log unreadable");
            return;
        }
        report->batches++;
        if (r.kind == SCAN_END) report->checkpoints++;
        if (r.kind == SCAN_COMMIT) {
            verify_batch(db, bytes, &r, &last_commit, report);
            report->commits++;
            seq++;
        }
        position = r.next_position;
    }
    report->log_bytes = position;
    if (position != db->append_position) problem(report, -E_BADMSG, position, "log walk overran the append position");
    if (seq != db->commit_seq) problem(report, -E_BADMSG, position, "commit count differs from the database's");
    if (last_commit != db->last_commit_position) problem(report, -E_BADMSG, last_commit, "last commit differs");
    if (last_commit != GRAINDB_NONE &&
        db->last_batch_position + db->last_batch_bytes != last_commit + COMMIT_BYTES) {
        problem(report, -E_BADMSG, db->last_batch_position, "last batch bounds differ");
    }
}

// The RAM entry of every key against its REF record and object on disk.
static void verify_refs(struct graindb *db, struct graindb_verify_report *report) {
    for (u32 i = 0; i < db->refs_count; i++) {
        const struct graindb_ref_entry *entry = &db->refs[i];
        const u8 *key = db->key_arena + entry->key_offset;
        u64 position = (u64)entry->record_pos8 * GRAINDB_RECORD_ALIGN_BYTES;
        u64 length = REF_HEADER_BYTES + entry->key_len;
        const u8 *record = NULL;
        struct record_view view;
        report->refs_checked++;
        if (gdb_log_read(db, position, length, &record) < 0 ||
            record_check(db, record, length, position, &view) != RECORD_VALID || view.type != RECORD_REF ||
            record[REF_KEY_LEN] != entry->key_len || !mem_equal(record + REF_HEADER_BYTES, key, entry->key_len) ||
            !mem_equal(record + REF_OBJECT_HASH, entry->object_hash, GRAINDB_HASH_BYTES) ||
            load_u32_le(record + REF_KEY_VERSION) != entry->key_version || load_u64_le(record + REF_VERSION_SEQ) != entry->commit_seq ||
            ((record[REF_FLAGS] & REF_FLAG_TOMBSTONE) != 0) != (entry->live == 0)) {
            problem(report, -E_BADMSG, position, "key's current version differs from its record");
            continue;
        }
        const u8 *data = NULL;
        u32 size = 0;
        if (entry->live && object_read(db, (u64)entry->object_pos8 * GRAINDB_RECORD_ALIGN_BYTES,
                                       entry->object_hash, entry->object_bytes, &data, &size) < 0) {
            problem(report, -E_BADMSG, position, "key's current object unreadable or wrong");
        }
    }
}

static void verify_index_and_state(struct graindb *db, struct graindb_verify_report *report) {
    u32 occupied = 0;
    for (u32 slot = 0; slot < GRAINDB_OBJECT_SLOTS_COUNT; slot++) {
        if (db->object_slot_pos8[slot] != 0) occupied++;
    }
    if (occupied != db->objects_count) problem(report, -E_BADMSG, GRAINDB_NONE, "object index count differs");
    u8 incremental[GRAINDB_HASH_BYTES], recomputed[GRAINDB_HASH_BYTES];
    graindb_merkle_root(db, incremental);
    graindb_merkle_recompute(db, recomputed);
    if (!mem_equal(incremental, recomputed, GRAINDB_HASH_BYTES)) {
        problem(report, -E_BADMSG, GRAINDB_NONE, "incremental merkle root differs from a recomputation");
    }
    struct graindb_superblock sb;
    u32 copies = 0;
    u64 sequence_max = 0;
    if (superblock_read(db, &sb, &copies, &sequence_max) < 0 || sb.sequence != db->superblock.sequence) {
        problem(report, -E_BADMSG, GRAINDB_NONE, "superblock on disk differs from the open one");
    }
    report->superblock_copies_valid = copies;
    if (copies < GRAINDB_SUPERBLOCK_COPIES) problem(report, -E_BADMSG, GRAINDB_NONE, "superblock copies damaged");
    u64 last = db->commit_seq;
    const u8 *bytes = NULL;
    struct graindb_mirror_slot slot = mirror_read(db, (u32)(last % GRAINDB_MIRROR_SLOTS_COUNT), &bytes);
    // Right after a compaction no commit of this zone exists yet: its base and checkpoint
    // hold the state, and the mirror the old zone's commits.
    bool expected = last > 0 && db->last_batch_position != GRAINDB_NONE;
    if (expected && (slot.commit_seq != last ||
                     slot.position + slot.bytes != db->last_commit_position + COMMIT_BYTES)) {
        problem(report, -E_BADMSG, GRAINDB_NONE, "tail mirror does not hold the last commit");
    }
}

i64 graindb_verify(struct graindb *db, struct graindb_verify_report *report) {
    assert(db != NULL);
    assert(report != NULL);
    mem_set(report, 0, sizeof(*report));
    if (!db->open || db->batch_open) return -E_INVAL;
    verify_log(db, report);
    verify_refs(db, report);
    verify_index_and_state(db, report);
    if (report->problems_count == 0) assert(report->refs_checked == db->refs_count);
    return report->problems_count == 0 ? 0 : -E_BADMSG;
}
