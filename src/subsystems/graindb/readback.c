// Repairs written while opening are read back. A repair restores a second copy that
// damage took away, and a drive may lose a write or put it elsewhere while reporting
// success: without reading it back, recovery would believe in redundancy it does not
// have (and fsck right after recovery would say so). So a repair is written, flushed,
// read back and compared, and the pieces that differ are written again, a bounded
// number of times (GRAINDB_REPAIR_TRIES_MAX). A read that fails or differs is read
// once more before anything is rewritten: a rewrite is a new chance for a misdirected
// write to land on something else. Ordinary commits are not read back: they are
// protected by their two copies and the recovery that follows.
//
// Each piece is told to the simulator the moment it reads back (TRACE_DB_REPAIR with the
// FNV-1a of its bytes; later reads of the range may still bring new damage, which is not
// the repair's), or at the end when it never did (TRACE_DB_REPAIR_UNVERIFIED); the
// simulator checks that the disk really holds what was believed (repairs_read_back).
#include "subsystems/graindb/internal.h"
#include "kernel/observe.h"

#define UNITS_MAX 64u // pieces are tracked in a u64

static i64 write_unit(struct graindb *db, u64 sector, const u8 *bytes, u32 sector_count) {
    if (sector < GRAINDB_LOG_START_SECTOR) {
        assert(sector + sector_count <= GRAINDB_LOG_START_SECTOR);
        return gdb_meta_write(db, sector, bytes, sector_count);
    }
    u64 position = (sector - db->superblock.log_start_sector) * SECTOR_BYTES;
    return gdb_log_write(db, position, bytes, (u64)sector_count * SECTOR_BYTES);
}

static void repair_believed(struct graindb *db, u64 sector, const u8 *bytes, u32 unit_sectors, u32 unit) {
    u64 unit_bytes = (u64)unit_sectors * SECTOR_BYTES;
    observe_trace(db->platform, TRACE_DB_REPAIR, sector + (u64)unit * unit_sectors, unit_sectors,
                  bytes_digest(bytes + unit * unit_bytes, unit_bytes));
}

// Clears from *pending the units whose sectors read back equal to bytes.
static void read_back(struct graindb *db, u64 sector, const u8 *bytes, u32 unit_sectors, u32 units,
                      u64 *pending) {
    assert(db != NULL);
    assert(pending != NULL);
    assert((u64)unit_sectors * units * SECTOR_BYTES <= GRAINDB_IO_BYTES_MAX);
    u64 unit_bytes = (u64)unit_sectors * SECTOR_BYTES;
    for (u32 attempt = 0; attempt < GRAINDB_READ_ATTEMPTS_MAX && *pending != 0; attempt++) {
        db->io_window_position = GRAINDB_NONE; // io_buffer no longer holds a log window
        if (platform_block_read(db->platform, sector, db->io_buffer, unit_sectors * units) < 0) continue;
        for (u32 unit = 0; unit < units; unit++) {
            if (((*pending >> unit) & 1u) == 0) continue;
            if (mem_equal(db->io_buffer + unit * unit_bytes, bytes + unit * unit_bytes, unit_bytes)) {
                *pending &= ~(1ull << unit);
                repair_believed(db, sector, bytes, unit_sectors, unit);
            }
        }
    }
}

static u32 bits_count(u64 bits) {
    u32 count = 0;
    for (; bits != 0; bits &= bits - 1) count++;
    return count;
}

i64 gdb_write_verified(struct graindb *db, u64 sector, const u8 *bytes, u32 sector_count,
                       u32 unit_sectors, u32 *units_unverified_out) {
    assert(db != NULL);
    assert(bytes != NULL);
    assert(units_unverified_out != NULL);
    assert(bytes != db->io_buffer);
    assert(unit_sectors > 0);
    assert(sector_count % unit_sectors == 0);
    u32 units = sector_count / unit_sectors;
    assert(units > 0);
    assert(units <= UNITS_MAX);
    u64 pending = units == UNITS_MAX ? ~0ull : (1ull << units) - 1;
    u64 unit_bytes = (u64)unit_sectors * SECTOR_BYTES;
    *units_unverified_out = units;
    for (u32 attempt = 0; attempt < GRAINDB_REPAIR_TRIES_MAX && pending != 0; attempt++) {
        if (db->failed) return -E_IO;
        if (attempt > 0) db->open_stats.repair_rewrites++;
        for (u32 unit = 0; unit < units; unit++) {
            if (((pending >> unit) & 1u) == 0) continue;
            i64 result = write_unit(db, sector + (u64)unit * unit_sectors, bytes + unit * unit_bytes, unit_sectors);
            if (result < 0) return result;
        }
        i64 result = gdb_flush(db);
        if (result < 0) return result;
        if (GRAINDB_PLANTED(db, GRAINDB_BUG_REPAIR_SKIPS_READBACK)) { // believed, not read
            for (u32 unit = 0; unit < units; unit++) {
                if (((pending >> unit) & 1u) != 0) repair_believed(db, sector, bytes, unit_sectors, unit);
            }
            pending = 0;
        } else {
            read_back(db, sector, bytes, unit_sectors, units, &pending);
        }
    }
    *units_unverified_out = bits_count(pending);
    for (u32 unit = 0; unit < units; unit++) {
        if (((pending >> unit) & 1u) == 0) continue;
        observe_trace(db->platform, TRACE_DB_REPAIR_UNVERIFIED, sector + (u64)unit * unit_sectors, unit_sectors, 0);
    }
    return pending == 0 ? 0 : -E_BADMSG;
}
