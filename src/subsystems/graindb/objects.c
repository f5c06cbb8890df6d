// The object index: SHA-256 -> log position, open addressing with linear probing.
// A slot keeps the position and a 16-bit fragment of the hash; a fragment match is
// confirmed against the record header on disk, so the index never has to hold whole
// hashes (that is what keeps 196608 objects in 1.5 MiB). Every read still verifies
// the whole record and its SHA-256; the index only says where to look.
#include "internal.h"

#define SLOT_MASK (GRAINDB_OBJECT_SLOTS_COUNT - 1u)

void objects_reset(struct graindb *db) {
    assert(db != NULL);
    mem_set(db->object_slot_pos8, 0, sizeof(db->object_slot_pos8));
    mem_set(db->object_slot_fragment, 0, sizeof(db->object_slot_fragment));
    db->objects_count = 0;
}

static u32 home_slot(const u8 hash[GRAINDB_HASH_BYTES]) { return ld32(hash) & SLOT_MASK; }
static u16 fragment(const u8 hash[GRAINDB_HASH_BYTES]) { return ld16(hash + 4); }

// Reads the header and hash of the object record at position into probe_buffer.
// Returns 1 when it is this db's OBJECT record of `hash` (size_out gets its size), 0
// when it is another object, -E_IO / -E_BADMSG when it cannot be told.
static i64 header_check_once(struct graindb *db, u64 position, const u8 hash[GRAINDB_HASH_BYTES],
                             u32 *size_out) {
    assert(position % GRAINDB_RECORD_ALIGN_BYTES == 0);
    u64 first = position / SECTOR_BYTES;
    u64 last = (position + OBJ_HEADER_BYTES - 1) / SECTOR_BYTES;
    assert(last - first < 2);
    if ((last + 1) * SECTOR_BYTES > gdb_log_bytes(db)) return -E_BADMSG;
    if (platform_block_read(db->platform, db->superblock.log_start_sector + first,
                            db->probe_buffer, (u32)(last - first + 1)) < 0) return -E_IO;
    const u8 *record = db->probe_buffer + position % SECTOR_BYTES;
    if (ld64(record + REC_DB_ID) != db->superblock.db_id ||
        ld64(record + REC_POSITION) != position || ld16(record + REC_TYPE) != RECORD_OBJECT ||
        ld32(record + REC_LENGTH) < OBJ_HEADER_BYTES ||
        ld32(record + REC_LENGTH) > OBJ_HEADER_BYTES + GRAINDB_OBJECT_BYTES_MAX) {
        return -E_BADMSG;
    }
    *size_out = ld32(record + REC_LENGTH) - OBJ_HEADER_BYTES;
    return mem_equal(record + OBJ_HASH, hash, GRAINDB_HASH_BYTES) ? 1 : 0;
}

// Retried once when it cannot tell: a read is never trusted to be damage at once.
i64 objects_header_check(struct graindb *db, u64 position, const u8 hash[GRAINDB_HASH_BYTES],
                         u32 *size_out) {
    i64 result = header_check_once(db, position, hash, size_out);
    for (u32 attempt = 1; attempt < GRAINDB_READ_ATTEMPTS_MAX && result < 0; attempt++) {
        result = header_check_once(db, position, hash, size_out);
    }
    return result;
}

u64 objects_find(struct graindb *db, const u8 hash[GRAINDB_HASH_BYTES], u32 *size_out,
                 bool *damaged) {
    assert(db != NULL && hash != NULL && damaged != NULL && size_out != NULL);
    *damaged = false;
    u32 slot = home_slot(hash);
    for (u32 probes = 0; probes < GRAINDB_OBJECT_SLOTS_COUNT; probes++) {
        u32 pos8 = db->object_slot_pos8[slot];
        if (pos8 == 0) return GRAINDB_NONE;
        if (db->object_slot_fragment[slot] == fragment(hash)) {
            u64 position = (u64)(pos8 - 1) * GRAINDB_RECORD_ALIGN_BYTES;
            i64 match = objects_header_check(db, position, hash, size_out);
            if (match == 1) return position;
            if (match < 0) *damaged = true;
        }
        slot = (slot + 1) & SLOT_MASK;
    }
    return GRAINDB_NONE;
}

i64 objects_insert(struct graindb *db, const u8 hash[GRAINDB_HASH_BYTES], u64 position) {
    assert(db != NULL && hash != NULL);
    assert(position % GRAINDB_RECORD_ALIGN_BYTES == 0 && position < GRAINDB_LOG_BYTES_MAX);
    u32 slot = home_slot(hash);
    u32 pos8 = (u32)(position / GRAINDB_RECORD_ALIGN_BYTES) + 1;
    u32 size = 0;
    for (u32 probes = 0; probes < GRAINDB_OBJECT_SLOTS_COUNT; probes++) {
        u32 existing = db->object_slot_pos8[slot];
        if (existing == 0) {
            if (db->objects_count >= GRAINDB_OBJECTS_MAX) return -E_NOMEM;
            db->object_slot_pos8[slot] = pos8;
            db->object_slot_fragment[slot] = fragment(hash);
            db->objects_count++;
            return 0;
        }
        // A newer copy of the same object replaces the older one: it was written
        // because the older copy could not be read back.
        if (db->object_slot_fragment[slot] == fragment(hash) &&
            objects_header_check(db, (u64)(existing - 1) * GRAINDB_RECORD_ALIGN_BYTES, hash, &size) == 1) {
            db->object_slot_pos8[slot] = pos8;
            return 0;
        }
        slot = (slot + 1) & SLOT_MASK;
    }
    return -E_NOMEM;
}
