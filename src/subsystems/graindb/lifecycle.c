// Format, close and the small queries about the database's state.
#include "subsystems/graindb/internal.h"

i64 graindb_format(struct graindb *db, struct platform *platform, u64 db_id) {
    assert(db != NULL);
    assert(platform != NULL);
    u64 sectors = platform_block_sector_count(platform);
    if (sectors == 0) return -E_NODEV;
    if (sectors < GRAINDB_LOG_START_SECTOR + GRAINDB_ZONES_COUNT * GRAINDB_ZONE_BYTES_MIN / SECTOR_BYTES) {
        return -E_NOSPC;
    }
    db->platform = platform;
    db->open = false;
    db->failed = false;
    db->batch_open = false;
    db->io_window_position = GRAINDB_NONE;
    // Sequence numbers continue above whatever a previous database left, so none of
    // its superblock copies can outvote ours.
    struct graindb_superblock old;
    u32 copies = 0;
    db->superblock_sequence_max = 0;
    (void)superblock_read(db, &old, &copies, &db->superblock_sequence_max);
    u64 zone_bytes = (sectors - GRAINDB_LOG_START_SECTOR) / GRAINDB_ZONES_COUNT * SECTOR_BYTES;
    if (zone_bytes > GRAINDB_ZONE_BYTES_MAX) zone_bytes = GRAINDB_ZONE_BYTES_MAX;
    assert(zone_bytes >= GRAINDB_ZONE_BYTES_MIN);
    struct graindb_superblock sb = {
        .db_id = db_id,
        .sector_count = sectors,
        .log_start_sector = GRAINDB_LOG_START_SECTOR, // zone 0, generation 0
        .log_bytes = zone_bytes,
        .checkpoint_position = GRAINDB_NONE,
    };
    db->superblock = sb;
    i64 result = mirror_clear_all(db);
    if (result == 0) result = gdb_flush(db);
    if (result == 0) result = superblock_write(db, &sb);
    return result;
}

i64 graindb_checkpoint(struct graindb *db) {
    assert(db != NULL);
    if (!db->open || db->batch_open) return -E_INVAL;
    if (db->failed) return -E_IO;
    return checkpoint_write(db, false);
}

i64 graindb_close(struct graindb *db) {
    assert(db != NULL);
    if (!db->open) return -E_INVAL;
    if (db->batch_open) graindb_batch_abort(db);
    i64 result = 0;
    if (db->failed) result = -E_IO;
    else if (db->append_position != db->checkpoint_log_mark) result = checkpoint_write(db, false);
    db->open = false;
    return result;
}

bool graindb_failed(const struct graindb *db) {
    assert(db != NULL);
    return db->failed;
}

u64 graindb_commit_seq(const struct graindb *db) {
    assert(db != NULL);
    return db->commit_seq;
}

void graindb_layout(const struct graindb *db, struct graindb_layout *layout) {
    assert(db != NULL);
    assert(layout != NULL);
    assert(db->open);
    mem_set(layout, 0, sizeof(*layout));
    layout->superblock_first_sector = 0;
    layout->superblock_copies = GRAINDB_SUPERBLOCK_COPIES;
    layout->mirror_slots = GRAINDB_MIRROR_SLOTS_COUNT;
    layout->mirror_first_sector = GRAINDB_MIRROR_FIRST_SECTOR;
    layout->mirror_slot_sectors = GRAINDB_MIRROR_SLOT_SECTORS;
    for (u32 zone = 0; zone < GRAINDB_ZONES_COUNT; zone++) {
        layout->zone_first_sector[zone] = gdb_zone_first_sector(db, zone);
    }
    layout->zone_sectors = gdb_log_bytes(db) / SECTOR_BYTES;
    layout->active_zone = gdb_active_zone(db);
    layout->generation = db->superblock.generation;
    layout->log_first_sector = db->superblock.log_start_sector;
    layout->log_end_sector = db->superblock.log_start_sector + gdb_log_bytes(db) / SECTOR_BYTES;
    layout->append_sector = db->superblock.log_start_sector + db->append_position / SECTOR_BYTES;
    if (db->last_batch_position != GRAINDB_NONE) {
        layout->last_commit_first_sector = db->superblock.log_start_sector + db->last_batch_position / SECTOR_BYTES;
        layout->last_commit_sectors = align_up(db->last_batch_bytes, SECTOR_BYTES) / SECTOR_BYTES;
        layout->last_commit_mirror_slot = (u32)(db->commit_seq % GRAINDB_MIRROR_SLOTS_COUNT);
    }
}
