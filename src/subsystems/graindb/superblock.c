// Superblock copies (TigerBeetle's style): GRAINDB_SUPERBLOCK_COPIES sectors apart
// from the log, each naming its copy index so a misdirected copy is caught. A write
// updates every copy, then flushes (write quorum: all copies). On open the newest
// sequence held by at least GRAINDB_SUPERBLOCK_QUORUM identical copies wins; when no
// sequence has a quorum the newest valid copy is used and reported as degraded,
// which is safe because the superblock only says where replay may start: the log is
// append-only and complete, so an older checkpoint pointer never loses data. That holds
// within a zone; a copy naming the other zone is why compaction reads every copy back
// after its switch and before it reuses a zone (compact.c).
#include "subsystems/graindb/internal.h"

static const u32 superblock_limits[SB_LIMITS_COUNT] = {
    GRAINDB_REFS_MAX,          GRAINDB_OBJECT_SLOTS_COUNT, GRAINDB_KEY_ARENA_BYTES_MAX,
    GRAINDB_MERKLE_LEAVES_COUNT, GRAINDB_BATCH_BYTES_MAX,  GRAINDB_LOG_START_SECTOR,
};

void superblock_encode(const struct graindb_superblock *sb, u32 copy, u8 sector[SECTOR_BYTES]) {
    assert(sb != NULL);
    assert(sector != NULL);
    assert(copy < GRAINDB_SUPERBLOCK_COPIES);
    mem_set(sector, 0, SECTOR_BYTES);
    store_u64_le(sector + SB_MAGIC, GRAINDB_SUPERBLOCK_MAGIC);
    store_u32_le(sector + SB_FORMAT_VERSION, GRAINDB_FORMAT_VERSION);
    store_u32_le(sector + SB_COPY_INDEX, copy);
    store_u64_le(sector + SB_DB_ID, sb->db_id);
    store_u64_le(sector + SB_SEQUENCE, sb->sequence);
    store_u64_le(sector + SB_SECTOR_COUNT, sb->sector_count);
    store_u64_le(sector + SB_LOG_START, sb->log_start_sector);
    store_u64_le(sector + SB_LOG_BYTES, sb->log_bytes);
    store_u64_le(sector + SB_CHECKPOINT_POSITION, sb->checkpoint_position);
    store_u64_le(sector + SB_CHECKPOINT_BYTES, sb->checkpoint_bytes);
    store_u64_le(sector + SB_CHECKPOINT_COMMIT_SEQ, sb->checkpoint_commit_seq);
    store_u64_le(sector + SB_CHECKPOINT_CHECKSUM, sb->checkpoint_checksum);
    store_u64_le(sector + SB_GENERATION, sb->generation);
    store_u64_le(sector + SB_BASE_COMMIT_SEQ, sb->base_commit_seq);
    store_u64_le(sector + SB_BASE_BYTES, sb->base_bytes);
    for (u32 i = 0; i < SB_LIMITS_COUNT; i++) store_u32_le(sector + SB_LIMITS + 4 * i, superblock_limits[i]);
    store_u64_le(sector + SB_CHECKSUM, gdb_checksum(sector + 8, SECTOR_BYTES - 8));
}

static bool superblock_decode(const u8 *sector, u32 copy, struct graindb_superblock *sb) {
    assert(sector != NULL);
    assert(sb != NULL);
    if (gdb_checksum(sector + 8, SECTOR_BYTES - 8) != load_u64_le(sector + SB_CHECKSUM)) return false;
    if (load_u64_le(sector + SB_MAGIC) != GRAINDB_SUPERBLOCK_MAGIC) return false;
    if (load_u32_le(sector + SB_COPY_INDEX) != copy) return false; // misdirected copy
    sb->db_id = load_u64_le(sector + SB_DB_ID);
    sb->sequence = load_u64_le(sector + SB_SEQUENCE);
    sb->sector_count = load_u64_le(sector + SB_SECTOR_COUNT);
    sb->log_start_sector = load_u64_le(sector + SB_LOG_START);
    sb->log_bytes = load_u64_le(sector + SB_LOG_BYTES);
    sb->checkpoint_position = load_u64_le(sector + SB_CHECKPOINT_POSITION);
    sb->checkpoint_bytes = load_u64_le(sector + SB_CHECKPOINT_BYTES);
    sb->checkpoint_commit_seq = load_u64_le(sector + SB_CHECKPOINT_COMMIT_SEQ);
    sb->checkpoint_checksum = load_u64_le(sector + SB_CHECKPOINT_CHECKSUM);
    sb->generation = load_u64_le(sector + SB_GENERATION);
    sb->base_commit_seq = load_u64_le(sector + SB_BASE_COMMIT_SEQ);
    sb->base_bytes = load_u64_le(sector + SB_BASE_BYTES);
    return true;
}

static bool superblock_compatible(const u8 *sector) {
    if (load_u32_le(sector + SB_FORMAT_VERSION) != GRAINDB_FORMAT_VERSION) return false;
    for (u32 i = 0; i < SB_LIMITS_COUNT; i++) {
        if (load_u32_le(sector + SB_LIMITS + 4 * i) != superblock_limits[i]) return false;
    }
    return true;
}

static bool sector_is_zero(const u8 *sector) {
    for (u64 i = 0; i < SECTOR_BYTES; i++) {
        if (sector[i] != 0) return false;
    }
    return true;
}

// Copies agree when everything but the checksum and the copy index is equal.
static bool copies_agree(const u8 *a, const u8 *b) {
    return mem_equal(a + 8, b + 8, SB_COPY_INDEX - 8) &&
           mem_equal(a + SB_COPY_INDEX + 4, b + SB_COPY_INDEX + 4, SECTOR_BYTES - SB_COPY_INDEX - 4);
}

i64 superblock_read(struct graindb *db, struct graindb_superblock *sb, u32 *copies_valid,
                    u64 *sequence_max) {
    assert(db != NULL);
    assert(sb != NULL);
    assert(copies_valid != NULL);
    assert(sequence_max != NULL);
    struct graindb_superblock copies[GRAINDB_SUPERBLOCK_COPIES];
    bool valid[GRAINDB_SUPERBLOCK_COPIES];
    u32 zero_count = 0, read_errors = 0;
    *sequence_max = 0;
    for (u32 c = 0; c < GRAINDB_SUPERBLOCK_COPIES; c++) {
        u8 *sector = db->sector_buffer + c * SECTOR_BYTES;
        valid[c] = false;
        if (gdb_meta_read(db, c, sector, 1) < 0) {
            read_errors++;
            continue;
        }
        if (sector_is_zero(sector)) zero_count++;
        valid[c] = superblock_decode(sector, c, &copies[c]);
        if (valid[c] && copies[c].sequence > *sequence_max) *sequence_max = copies[c].sequence;
    }
    i64 chosen = -1;
    u32 chosen_votes = 0;
    for (u32 c = 0; c < GRAINDB_SUPERBLOCK_COPIES; c++) {
        if (!valid[c]) continue;
        u32 votes = 0;
        for (u32 d = 0; d < GRAINDB_SUPERBLOCK_COPIES; d++) {
            if (valid[d] && copies_agree(db->sector_buffer + c * SECTOR_BYTES,
                                         db->sector_buffer + d * SECTOR_BYTES)) votes++;
        }
        bool quorum = votes >= GRAINDB_SUPERBLOCK_QUORUM;
        bool chosen_quorum = chosen_votes >= GRAINDB_SUPERBLOCK_QUORUM;
        if (chosen < 0 || (quorum && !chosen_quorum) ||
            (quorum == chosen_quorum && copies[c].sequence > copies[chosen].sequence)) {
            chosen = c;
            chosen_votes = votes;
        }
    }
    *copies_valid = chosen_votes;
    if (chosen < 0) {
        if (zero_count == GRAINDB_SUPERBLOCK_COPIES) return -E_NOENT;
        return read_errors == GRAINDB_SUPERBLOCK_COPIES ? -E_IO : -E_BADMSG;
    }
    if (!superblock_compatible(db->sector_buffer + (u64)chosen * SECTOR_BYTES)) return -E_INVAL;
    *sb = copies[chosen];
    return 0;
}

i64 superblock_write(struct graindb *db, const struct graindb_superblock *sb) {
    assert(db != NULL);
    assert(sb != NULL);
    assert(!db->failed);
    struct graindb_superblock next = *sb;
    next.sequence = db->superblock_sequence_max + 1;
    for (u32 c = 0; c < GRAINDB_SUPERBLOCK_COPIES; c++) {
        superblock_encode(&next, c, db->sector_buffer);
        i64 result = gdb_meta_write(db, c, db->sector_buffer, 1);
        if (result < 0) return result;
    }
    i64 result = gdb_flush(db);
    if (result < 0) return result;
    db->superblock = next;
    db->superblock_sequence_max = next.sequence;
    return 0;
}

i64 superblock_write_verified(struct graindb *db, const struct graindb_superblock *sb,
                              u32 *copies_unverified_out) {
    assert(db != NULL);
    assert(sb != NULL);
    assert(copies_unverified_out != NULL);
    assert(!db->failed);
    STATIC_ASSERT(sizeof(db->sector_buffer) >= GRAINDB_SUPERBLOCK_COPIES * SECTOR_BYTES);
    struct graindb_superblock next = *sb;
    next.sequence = db->superblock_sequence_max + 1;
    for (u32 c = 0; c < GRAINDB_SUPERBLOCK_COPIES; c++) {
        superblock_encode(&next, c, db->sector_buffer + c * SECTOR_BYTES);
    }
    // Copy c is sector c: one piece per copy, so a misdirected copy that lands on
    // another one is found too, and each is rewritten alone.
    i64 result = gdb_write_verified(db, 0, db->sector_buffer, GRAINDB_SUPERBLOCK_COPIES, 1,
                                    copies_unverified_out);
    if (result == -E_BADMSG && *copies_unverified_out < GRAINDB_SUPERBLOCK_COPIES) result = 0;
    if (result == 0 || result == -E_BADMSG) db->superblock_sequence_max = next.sequence;
    if (result < 0) return result;
    db->superblock = next;
    return 0;
}
