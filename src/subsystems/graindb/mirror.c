// The tail mirror: every batch is also written to slot commit_seq % 2 of a small zone
// before the log, in the same flush, so the last acknowledged commit (and usually the
// one before) has a second copy with no second flush. Each copy is a plain batch whose
// records name their log position and commit, so a slot proves which commit it holds
// and where it belongs; a batch in the wrong slot is refused like any misdirected write.
#include "subsystems/graindb/internal.h"

static u64 slot_sector(u32 slot) {
    assert(slot < GRAINDB_MIRROR_SLOTS_COUNT);
    return GRAINDB_MIRROR_FIRST_SECTOR + (u64)slot * GRAINDB_MIRROR_SLOT_SECTORS;
}

i64 mirror_write(struct graindb *db, u64 commit_seq, const u8 *bytes, u64 padded_bytes) {
    assert(db != NULL);
    assert(bytes != NULL);
    assert(padded_bytes % SECTOR_BYTES == 0);
    assert(padded_bytes <= GRAINDB_BATCH_BYTES_MAX);
    u32 slot = (u32)(commit_seq % GRAINDB_MIRROR_SLOTS_COUNT);
    return gdb_meta_write(db, slot_sector(slot), bytes, (u32)(padded_bytes / SECTOR_BYTES));
}

i64 mirror_write_verified(struct graindb *db, u64 commit_seq, const u8 *bytes, u64 padded_bytes) {
    assert(db != NULL);
    assert(bytes != NULL);
    assert(padded_bytes % SECTOR_BYTES == 0);
    assert(padded_bytes <= GRAINDB_BATCH_BYTES_MAX);
    u32 slot = (u32)(commit_seq % GRAINDB_MIRROR_SLOTS_COUNT);
    u32 sectors = (u32)(padded_bytes / SECTOR_BYTES);
    u32 unverified = 0;
    return gdb_write_verified(db, slot_sector(slot), bytes, sectors, sectors, &unverified);
}

// Reads as much of the slot as the device gives, from its start.
static u64 read_slot(struct graindb *db, u32 slot) {
    if (gdb_meta_read(db, slot_sector(slot), db->io_buffer, GRAINDB_MIRROR_SLOT_SECTORS) == 0) {
        return GRAINDB_BATCH_BYTES_MAX;
    }
    u64 readable = 0;
    while (readable < GRAINDB_BATCH_BYTES_MAX &&
           gdb_meta_read(db, slot_sector(slot) + readable / SECTOR_BYTES, db->io_buffer + readable, 1) == 0) {
        readable += SECTOR_BYTES;
    }
    return readable;
}

static struct graindb_mirror_slot mirror_read_once(struct graindb *db, u32 slot, const u8 **bytes_out) {
    assert(db != NULL);
    assert(bytes_out != NULL);
    assert(slot < GRAINDB_MIRROR_SLOTS_COUNT);
    struct graindb_mirror_slot result = {0, GRAINDB_NONE, 0};
    u64 readable = read_slot(db, slot);
    *bytes_out = db->io_buffer;
    if (readable < REC_HEADER_BYTES) return result;
    u64 position = load_u64_le(db->io_buffer + REC_POSITION);
    u64 commit_seq = load_u64_le(db->io_buffer + REC_COMMIT_SEQ);
    if (commit_seq == 0 || commit_seq % GRAINDB_MIRROR_SLOTS_COUNT != slot) return result;
    if (position % SECTOR_BYTES != 0 || position >= gdb_log_bytes(db)) return result;
    struct scan_result r = scan_parse(db, db->io_buffer, readable, position, commit_seq);
    if (r.kind != SCAN_COMMIT || r.next_position > gdb_log_bytes(db)) return result;
    result.commit_seq = commit_seq;
    result.position = position;
    result.bytes = r.bytes;
    return result;
}

struct graindb_mirror_slot mirror_read(struct graindb *db, u32 slot, const u8 **bytes_out) {
    struct graindb_mirror_slot result = mirror_read_once(db, slot, bytes_out);
    for (u32 attempt = 1; attempt < GRAINDB_READ_ATTEMPTS_MAX && result.commit_seq == 0; attempt++) {
        result = mirror_read_once(db, slot, bytes_out);
    }
    return result;
}

// The last commit's batch lies at last_batch_position in the log and from the start of
// its mirror slot, sector for sector, so a log range inside it is also in the slot.
i64 mirror_last_read(struct graindb *db, u64 position, u64 bytes, u8 *buffer, u64 capacity) {
    assert(db != NULL);
    assert(buffer != NULL);
    assert(bytes > 0);
    u64 batch = db->last_batch_position;
    if (GRAINDB_PLANTED(db, GRAINDB_BUG_IGNORE_MIRROR)) return -E_NOENT; // for reads too
    if (db->commit_seq == 0 || batch == GRAINDB_NONE || position < batch) return -E_NOENT;
    if (bytes > db->last_batch_bytes || position - batch > db->last_batch_bytes - bytes) return -E_NOENT;
    assert(batch % SECTOR_BYTES == 0);
    u64 first = (position - batch) / SECTOR_BYTES;
    u64 count = align_up(position + bytes, SECTOR_BYTES) / SECTOR_BYTES - position / SECTOR_BYTES;
    if (count * SECTOR_BYTES > capacity) return -E_2BIG;
    u32 slot = (u32)(db->commit_seq % GRAINDB_MIRROR_SLOTS_COUNT);
    return gdb_meta_read(db, slot_sector(slot) + first, buffer, (u32)count);
}

i64 mirror_clear_all(struct graindb *db) {
    assert(db != NULL);
    assert(!db->failed);
    mem_set(db->sector_buffer, 0, SECTOR_BYTES);
    for (u32 slot = 0; slot < GRAINDB_MIRROR_SLOTS_COUNT; slot++) {
        i64 result = gdb_meta_write(db, slot_sector(slot), db->sector_buffer, 1);
        if (result < 0) return result;
    }
    return 0;
}
