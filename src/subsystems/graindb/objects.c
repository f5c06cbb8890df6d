// The object index: SHA-256 -> log position, open addressing with linear probing.
// A slot keeps the position and a 32-bit tag, the hash's first word: its low bits are
// the home slot (so compaction can rehash the table in place without reading the disk)
// and the rest filters candidates; a tag match is confirmed against the record header
// on disk, so the index never has to hold whole hashes. Every read still verifies the
// whole record and its SHA-256; the index only says where to look.
#include "subsystems/graindb/internal.h"

#define SLOT_MASK (GRAINDB_OBJECT_SLOTS_COUNT - 1u)

void objects_reset(struct graindb *db) {
    assert(db != NULL);
    mem_set(db->object_slot_pos8, 0, sizeof(db->object_slot_pos8));
    mem_set(db->object_slot_tag, 0, sizeof(db->object_slot_tag));
    db->objects_count = 0;
}

static u32 tag_of(const u8 hash[GRAINDB_HASH_BYTES]) { return load_u32_le(hash); }
static u32 home_of(u32 tag) { return tag & SLOT_MASK; }

bool objects_links_valid(u32 size, u32 links_offset, u32 links_count) {
    if (links_count == 0) return links_offset == 0;
    if (links_count > GRAINDB_OBJECT_LINKS_MAX || links_offset > size) return false;
    return (u64)links_count * GRAINDB_HASH_BYTES <= size - links_offset;
}

// Reads the header and hash of the object record at position into probe_buffer.
// Returns 1 when it is this db's OBJECT record of `hash` (or of any hash when NULL),
// 0 when it is another object, -E_IO / -E_BADMSG when it cannot be told.
// from_mirror: the last commit's mirror slot instead of the log (-E_NOENT when the header
// is not in that batch), as object_read does.
static i64 header_check_once(struct graindb *db, u64 position, const u8 *hash, bool from_mirror,
                             struct object_header *header) {
    assert(position % GRAINDB_RECORD_ALIGN_BYTES == 0);
    u64 first = position / SECTOR_BYTES;
    u64 last = (position + OBJ_HEADER_BYTES - 1) / SECTOR_BYTES;
    assert(last - first < 2);
    if ((last + 1) * SECTOR_BYTES > gdb_log_bytes(db)) return -E_BADMSG;
    if (from_mirror) {
        i64 result = mirror_last_read(db, position, OBJ_HEADER_BYTES, db->probe_buffer, sizeof(db->probe_buffer));
        if (result < 0) return result;
    } else if (platform_block_read(db->platform, db->superblock.log_start_sector + first,
                                   db->probe_buffer, (u32)(last - first + 1)) < 0) {
        return -E_IO;
    }
    const u8 *record = db->probe_buffer + position % SECTOR_BYTES;
    u32 length = load_u32_le(record + REC_LENGTH);
    if (load_u64_le(record + REC_DB_ID) != gdb_record_id(&db->superblock) ||
        load_u64_le(record + REC_POSITION) != position || load_u16_le(record + REC_TYPE) != RECORD_OBJECT ||
        length < OBJ_HEADER_BYTES || length > OBJ_HEADER_BYTES + GRAINDB_OBJECT_BYTES_MAX) {
        return -E_BADMSG;
    }
    header->size = length - OBJ_HEADER_BYTES;
    header->links_offset = load_u32_le(record + OBJ_LINKS_OFFSET);
    header->links_count = load_u32_le(record + OBJ_LINKS_COUNT);
    if (!objects_links_valid(header->size, header->links_offset, header->links_count)) return -E_BADMSG;
    return hash == NULL || mem_equal(record + OBJ_HASH, hash, GRAINDB_HASH_BYTES) ? 1 : 0;
}

// Retried once when it cannot tell: a read is never trusted to be damage at once. Then
// the last commit's mirror slot is asked (object_read reads its objects from there):
// its log copy may be damaged or hold what an earlier write left there, another
// object's record at the same place included.
i64 objects_header_check(struct graindb *db, u64 position, const u8 *hash, struct object_header *header) {
    assert(db != NULL);
    assert(header != NULL);
    i64 result = header_check_once(db, position, hash, false, header);
    for (u32 attempt = 1; attempt < GRAINDB_READ_ATTEMPTS_MAX && result < 0; attempt++) {
        result = header_check_once(db, position, hash, false, header);
    }
    for (u32 attempt = 0; attempt < GRAINDB_READ_ATTEMPTS_MAX && result != 1; attempt++) {
        i64 mirrored = header_check_once(db, position, hash, true, header);
        if (mirrored == -E_NOENT) break; // not in the last commit's batch
        if (mirrored == 1 || result < 0) result = mirrored;
        if (mirrored >= 0) break;
    }
    return result;
}

u64 objects_find_noting_other(struct graindb *db, const u8 hash[GRAINDB_HASH_BYTES], struct object_header *header,
                              i64 *error_out, u64 *other_out) {
    assert(db != NULL);
    assert(hash != NULL);
    assert(error_out != NULL);
    assert(header != NULL);
    assert(other_out != NULL);
    *error_out = 0;
    *other_out = GRAINDB_NONE;
    u32 tag = tag_of(hash);
    u32 slot = home_of(tag);
    for (u32 probes = 0; probes < GRAINDB_OBJECT_SLOTS_COUNT; probes++) {
        u32 pos8 = db->object_slot_pos8[slot];
        if (pos8 == 0) return GRAINDB_NONE;
        if (db->object_slot_tag[slot] == tag) {
            u64 position = (u64)(pos8 - 1) * GRAINDB_RECORD_ALIGN_BYTES;
            i64 match = objects_header_check(db, position, hash, header);
            if (match == 1) return position;
            if (match == 0 && *other_out == GRAINDB_NONE) *other_out = position;
            // A candidate that could not be read (-E_IO) may still be this object,
            // intact: a device error is never reported as damage (-E_BADMSG).
            if (match < 0 && *error_out != -E_IO) *error_out = match;
            if (match < 0 && GRAINDB_PLANTED(db, GRAINDB_BUG_READ_ERROR_AS_DAMAGE)) *error_out = -E_BADMSG;
        }
        slot = (slot + 1) & SLOT_MASK;
    }
    return GRAINDB_NONE;
}

u64 objects_find(struct graindb *db, const u8 hash[GRAINDB_HASH_BYTES], struct object_header *header,
                 i64 *error_out) {
    u64 other = GRAINDB_NONE;
    return objects_find_noting_other(db, hash, header, error_out, &other);
}

i64 objects_slot_at(const struct graindb *db, const u8 hash[GRAINDB_HASH_BYTES], u64 position) {
    assert(db != NULL);
    assert(hash != NULL);
    assert(position % GRAINDB_RECORD_ALIGN_BYTES == 0);
    u32 tag = tag_of(hash);
    u32 slot = home_of(tag);
    u32 pos8 = (u32)(position / GRAINDB_RECORD_ALIGN_BYTES) + 1;
    for (u32 probes = 0; probes < GRAINDB_OBJECT_SLOTS_COUNT; probes++) {
        if (db->object_slot_pos8[slot] == 0) return -1;
        if (db->object_slot_tag[slot] == tag && db->object_slot_pos8[slot] == pos8) return slot;
        slot = (slot + 1) & SLOT_MASK;
    }
    return -1;
}

i64 objects_insert(struct graindb *db, const u8 hash[GRAINDB_HASH_BYTES], u64 position) {
    assert(db != NULL);
    assert(hash != NULL);
    assert(position % GRAINDB_RECORD_ALIGN_BYTES == 0);
    assert(position < GRAINDB_ZONE_BYTES_MAX);
    u32 tag = tag_of(hash);
    u32 slot = home_of(tag);
    u32 pos8 = (u32)(position / GRAINDB_RECORD_ALIGN_BYTES) + 1;
    struct object_header header;
    for (u32 probes = 0; probes < GRAINDB_OBJECT_SLOTS_COUNT; probes++) {
        u32 existing = db->object_slot_pos8[slot];
        if (existing == 0) {
            if (db->objects_count >= GRAINDB_OBJECTS_MAX) return -E_NOMEM;
            db->object_slot_pos8[slot] = pos8;
            db->object_slot_tag[slot] = tag;
            db->objects_count++;
            return 0;
        }
        // A newer copy of the same object replaces the older one: it was written
        // because the older copy could not be read back, or lacked its links.
        if (db->object_slot_tag[slot] == tag &&
            objects_header_check(db, (u64)(existing - 1) * GRAINDB_RECORD_ALIGN_BYTES, hash, &header) == 1) {
            db->object_slot_pos8[slot] = pos8;
            return 0;
        }
        slot = (slot + 1) & SLOT_MASK;
    }
    return -E_NOMEM;
}

// Puts the entry (pos8, tag) at the first empty slot from its home.
static void place(struct graindb *db, u32 pos8, u32 tag) {
    assert(pos8 != 0);
    assert(pos8 < COMPACT_POSITION8_LIMIT);
    u32 slot = home_of(tag);
    for (u32 probes = 0; probes < GRAINDB_OBJECT_SLOTS_COUNT; probes++) {
        if (db->object_slot_pos8[slot] == 0) {
            db->object_slot_pos8[slot] = pos8;
            db->object_slot_tag[slot] = tag;
            return;
        }
        slot = (slot + 1) & SLOT_MASK;
    }
    assert(false); // the table holds fewer entries than before: there is room
}

// Dead slots become empty and live ones take their new positions; then, starting just
// after a slot that was empty before (no probe run crosses it), every entry is taken
// out and placed again from its home: it can only move back within its run, and runs
// already passed are never opened again, so every entry stays reachable.
void objects_rebuild(struct graindb *db) {
    assert(db != NULL);
    assert(db->objects_count < GRAINDB_OBJECT_SLOTS_COUNT);
    u32 boundary = GRAINDB_OBJECT_SLOTS_COUNT;
    u32 live = 0;
    for (u32 slot = 0; slot < GRAINDB_OBJECT_SLOTS_COUNT; slot++) {
        u32 mark = db->compact_slot[slot];
        if (db->object_slot_pos8[slot] == 0) {
            if (boundary == GRAINDB_OBJECT_SLOTS_COUNT) boundary = slot;
            continue;
        }
        bool moved = mark != 0 && mark < COMPACT_POSITION8_LIMIT;
        db->object_slot_pos8[slot] = moved ? mark : 0;
        if (!moved) db->object_slot_tag[slot] = 0;
        live += moved ? 1 : 0;
    }
    assert(boundary < GRAINDB_OBJECT_SLOTS_COUNT);
    for (u32 i = 1; i < GRAINDB_OBJECT_SLOTS_COUNT; i++) {
        u32 slot = (boundary + i) & SLOT_MASK;
        u32 pos8 = db->object_slot_pos8[slot];
        if (pos8 == 0) continue;
        u32 tag = db->object_slot_tag[slot];
        db->object_slot_pos8[slot] = 0;
        db->object_slot_tag[slot] = 0;
        place(db, pos8, tag);
    }
    db->objects_count = live;
}

// Replication's repair (graindb.h). The hash is checked first: a peer's bytes are stored
// only under the hash they have. Staging goes through the put path, which stages a fresh
// copy when the stored one fails verification (already_held in batch.c).
i64 graindb_batch_restore_object(struct graindb *db, const u8 *bytes, u32 size_bytes,
                                 const u8 expected_hash[GRAINDB_HASH_BYTES]) {
    assert(db != NULL);
    assert(expected_hash != NULL);
    if (size_bytes != 0) assert(bytes != NULL);
    if (!db->batch_open) return -E_INVAL;
    if (size_bytes > GRAINDB_OBJECT_BYTES_MAX) return -E_2BIG;
    u8 hash[GRAINDB_HASH_BYTES];
    gdb_sha256(bytes, size_bytes, hash);
    if (!mem_equal(hash, expected_hash, GRAINDB_HASH_BYTES)) return -E_BADMSG;
    return graindb_batch_put_object(db, bytes, size_bytes, hash);
}
