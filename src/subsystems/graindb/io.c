// Device access for the engine. Every failed write or flush fails the database: the
// data it carried is never trusted again and the flush is never retried (a retried
// fsync can report success for pages the kernel already dropped).
#include "subsystems/graindb/internal.h"

u64 gdb_log_bytes(const struct graindb *db) {
    assert(db != NULL);
    assert(db->superblock.log_bytes % SECTOR_BYTES == 0);
    return db->superblock.log_bytes;
}

u64 gdb_zone_first_sector(const struct graindb *db, u32 zone) {
    assert(db != NULL);
    assert(zone < GRAINDB_ZONES_COUNT);
    return GRAINDB_LOG_START_SECTOR + (u64)zone * (gdb_log_bytes(db) / SECTOR_BYTES);
}

u32 gdb_active_zone(const struct graindb *db) {
    assert(db != NULL);
    u32 zone = db->superblock.log_start_sector == GRAINDB_LOG_START_SECTOR ? 0 : 1;
    assert(db->superblock.log_start_sector == gdb_zone_first_sector(db, zone));
    return zone;
}

void gdb_fail(struct graindb *db) {
    assert(db != NULL);
    db->failed = true;
    db->io_window_position = GRAINDB_NONE;
}

static u64 log_sector(const struct graindb *db, u64 position) {
    assert(position % SECTOR_BYTES == 0);
    return db->superblock.log_start_sector + position / SECTOR_BYTES;
}

// Reads whole sectors [start, start + count) of the log zone into io_buffer.
static i64 read_window(struct graindb *db, u64 start, u64 count) {
    assert(start % SECTOR_BYTES == 0);
    assert(count % SECTOR_BYTES == 0);
    assert(count > 0);
    assert(count <= GRAINDB_IO_BYTES_MAX);
    db->io_window_position = GRAINDB_NONE;
    i64 result = platform_block_read(db->platform, log_sector(db, start), db->io_buffer,
                                     (u32)(count / SECTOR_BYTES));
    if (result < 0) return result == -E_INVAL ? -E_INVAL : -E_IO;
    db->io_window_position = start;
    db->io_window_bytes = count;
    return 0;
}

static i64 check_range(const struct graindb *db, u64 position, u64 bytes) {
    if (bytes == 0 || position > gdb_log_bytes(db) || bytes > gdb_log_bytes(db) - position) {
        return -E_INVAL;
    }
    u64 start = position / SECTOR_BYTES * SECTOR_BYTES;
    if (align_up(position + bytes, SECTOR_BYTES) - start > GRAINDB_IO_BYTES_MAX) return -E_2BIG;
    return 0;
}

i64 gdb_log_read(struct graindb *db, u64 position, u64 bytes, const u8 **out) {
    assert(db != NULL);
    assert(out != NULL);
    i64 range = check_range(db, position, bytes);
    if (range < 0) return range;
    u64 start = position / SECTOR_BYTES * SECTOR_BYTES;
    i64 result = read_window(db, start, align_up(position + bytes, SECTOR_BYTES) - start);
    if (result < 0) return result;
    *out = db->io_buffer + (position - start);
    return 0;
}

i64 gdb_log_scan_read(struct graindb *db, u64 position, u64 bytes, const u8 **out) {
    assert(db != NULL);
    assert(out != NULL);
    i64 range = check_range(db, position, bytes);
    if (range < 0) return range;
    u64 window = db->io_window_position;
    if (window != GRAINDB_NONE && position >= window &&
        position + bytes <= window + db->io_window_bytes) {
        *out = db->io_buffer + (position - window);
        return 0;
    }
    u64 start = position / SECTOR_BYTES * SECTOR_BYTES;
    u64 count = gdb_log_bytes(db) - start;
    if (count > GRAINDB_IO_BYTES_MAX) count = GRAINDB_IO_BYTES_MAX;
    i64 result = read_window(db, start, count);
    // A bad sector further ahead must not hide the readable range asked for.
    if (result == -E_IO) result = read_window(db, start, align_up(position + bytes, SECTOR_BYTES) - start);
    if (result < 0) return result;
    *out = db->io_buffer + (position - start);
    return 0;
}

i64 gdb_zone_write(struct graindb *db, u64 zone_first_sector, u64 position, const u8 *bytes, u64 count) {
    assert(db != NULL);
    assert(bytes != NULL);
    assert(position % SECTOR_BYTES == 0);
    assert(count % SECTOR_BYTES == 0);
    assert(count > 0);
    assert(!db->failed);
    assert(zone_first_sector >= GRAINDB_LOG_START_SECTOR);
    db->io_window_position = GRAINDB_NONE;
    if (position + count > gdb_log_bytes(db)) return -E_NOSPC;
    i64 result = platform_block_write(db->platform, zone_first_sector + position / SECTOR_BYTES, bytes,
                                      (u32)(count / SECTOR_BYTES));
    if (result < 0) {
        gdb_fail(db);
        return -E_IO;
    }
    return 0;
}

i64 gdb_log_write(struct graindb *db, u64 position, const u8 *bytes, u64 count) {
    assert(db != NULL);
    assert(bytes != NULL);
    assert(position % SECTOR_BYTES == 0);
    return gdb_zone_write(db, log_sector(db, 0), position, bytes, count);
}

i64 gdb_meta_write(struct graindb *db, u64 sector, const u8 *bytes, u32 sector_count) {
    assert(db != NULL);
    assert(bytes != NULL);
    assert(sector + sector_count <= GRAINDB_LOG_START_SECTOR);
    assert(!db->failed);
    if (platform_block_write(db->platform, sector, bytes, sector_count) < 0) {
        gdb_fail(db);
        return -E_IO;
    }
    return 0;
}

i64 gdb_meta_read(struct graindb *db, u64 sector, u8 *bytes, u32 sector_count) {
    assert(db != NULL);
    assert(bytes != NULL);
    assert(sector + sector_count <= GRAINDB_LOG_START_SECTOR);
    if (bytes == db->io_buffer) db->io_window_position = GRAINDB_NONE;
    i64 result = platform_block_read(db->platform, sector, bytes, sector_count);
    return result < 0 ? -E_IO : 0;
}

i64 gdb_flush(struct graindb *db) {
    assert(db != NULL);
    assert(!db->failed);
    i64 result = platform_block_flush(db->platform);
    if (result < 0 && GRAINDB_PLANTED(db, GRAINDB_BUG_RETRY_FAILED_FLUSH)) {
        result = platform_block_flush(db->platform); // the fsyncgate mistake
    }
    if (result < 0) {
        gdb_fail(db);
        return -E_IO;
    }
    return 0;
}
