// Compaction, part 1: marking what is live. A live key's object is live, and so is
// every object a live object links to. A root is found by the position its key keeps
// (no read) and its header read for its size and links; an object with links is read
// whole (its SHA-256 checked) and each link looked up (a header read). Marking is
// iterative: passes over the slot table follow the links of the objects still marked
// PENDING until none is left, so it needs no stack, and its order is the table's (the
// hashes'), never a pointer's. Nothing is written.
#include "subsystems/graindb/internal.h"

static u64 record_bytes(u32 length) { return align_up(length, GRAINDB_RECORD_ALIGN_BYTES); }

// Marks the object in slot live, once; its links are followed later unless it has none.
static void mark(struct graindb *db, struct compact_plan *plan, u32 slot, const struct object_header *header) {
    assert(slot < GRAINDB_OBJECT_SLOTS_COUNT);
    assert(header->size <= GRAINDB_OBJECT_BYTES_MAX);
    if (db->compact_slot[slot] != 0) return;
    bool follow = header->links_count > 0 && !GRAINDB_PLANTED(db, GRAINDB_BUG_COMPACT_IGNORES_LINKS);
    db->compact_slot[slot] = COMPACT_MARKED | (follow ? COMPACT_PENDING : 0) | header->size;
    plan->live_objects++;
    plan->base_bytes_max += record_bytes(OBJ_HEADER_BYTES + header->size);
}

// The slot and header of the object a live key names. The index keeps the newest copy
// of a hash: when the key's copy was replaced (it did not read back), the newest one.
static i64 root_slot(struct graindb *db, const struct graindb_ref_entry *entry, struct object_header *header) {
    assert(entry->live);
    u64 position = (u64)entry->object_pos8 * GRAINDB_RECORD_ALIGN_BYTES;
    i64 slot = objects_slot_at(db, entry->object_hash, position);
    if (slot < 0) {
        i64 error = 0;
        position = objects_find(db, entry->object_hash, header, &error);
        if (position == GRAINDB_NONE) return error < 0 ? -E_IO : -E_BADMSG; // a live key's object is gone
        slot = objects_slot_at(db, entry->object_hash, position);
        assert(slot >= 0);
        return slot;
    }
    i64 found = objects_header_check(db, position, entry->object_hash, header);
    if (found < 0) return found;
    return found == 1 ? slot : -E_BADMSG;
}

static void count_ref(struct compact_plan *plan, u32 key_len) {
    plan->live_refs++;
    plan->live_key_bytes += key_len;
    plan->base_bytes_max += record_bytes(REF_HEADER_BYTES + key_len);
}

static i64 mark_roots(struct graindb *db, struct compact_plan *plan) {
    for (u32 i = 0; i < db->refs_count; i++) {
        const struct graindb_ref_entry *entry = &db->refs[i];
        db->compact_ref_slot[i] = 0;
        if (!entry->live) {
            // Forgotten (the retention rule), unless the planted bug keeps it.
            if (GRAINDB_PLANTED(db, GRAINDB_BUG_COMPACT_KEEPS_TOMBSTONES)) count_ref(plan, entry->key_len);
            continue;
        }
        struct object_header header;
        i64 slot = root_slot(db, entry, &header);
        if (slot < 0) return slot;
        if (header.size != entry->object_bytes) return -E_BADMSG;
        db->compact_ref_slot[i] = (u32)slot;
        mark(db, plan, (u32)slot, &header);
        count_ref(plan, entry->key_len);
    }
    return 0;
}

i64 compact_slot_read(struct graindb *db, u32 slot, const u8 **record_out, const u8 **data_out, u32 *size_out) {
    assert(slot < GRAINDB_OBJECT_SLOTS_COUNT);
    assert(db->object_slot_pos8[slot] != 0);
    u64 position = (u64)(db->object_slot_pos8[slot] - 1) * GRAINDB_RECORD_ALIGN_BYTES;
    u32 size_hint = db->compact_slot[slot] & COMPACT_SIZE_MASK;
    i64 result = object_read(db, position, NULL, size_hint, data_out, size_out);
    if (result < 0) return result;
    *record_out = *data_out - OBJ_HEADER_BYTES;
    if (load_u32_le(*record_out + OBJ_HASH) != db->object_slot_tag[slot]) return -E_BADMSG;
    return 0;
}

// Reads the object in slot and marks what it links to. A link to an object that is not
// stored was lost before (fsck reports it): nothing to keep; one that cannot be told
// stops the compaction.
static i64 follow(struct graindb *db, struct compact_plan *plan, u32 slot) {
    assert(slot < GRAINDB_OBJECT_SLOTS_COUNT);
    assert(db->object_slot_pos8[slot] != 0);
    assert((db->compact_slot[slot] & COMPACT_PENDING) != 0);
    const u8 *record = NULL;
    const u8 *data = NULL;
    u32 size = 0;
    i64 result = compact_slot_read(db, slot, &record, &data, &size);
    if (result < 0) return result;
    u32 links_offset = load_u32_le(record + OBJ_LINKS_OFFSET), links_count = load_u32_le(record + OBJ_LINKS_COUNT);
    db->compact_slot[slot] &= ~COMPACT_PENDING;
    // data stays in io_buffer: the lookups read headers into probe_buffer.
    for (u32 i = 0; i < links_count; i++) {
        const u8 *child = data + links_offset + (u64)i * GRAINDB_HASH_BYTES;
        i64 error = 0;
        struct object_header header;
        u64 child_position = objects_find(db, child, &header, &error);
        if (child_position == GRAINDB_NONE) {
            if (error < 0) return -E_IO;
            continue;
        }
        i64 child_slot = objects_slot_at(db, child, child_position);
        assert(child_slot >= 0);
        mark(db, plan, (u32)child_slot, &header);
    }
    return 0;
}

static i64 follow_links(struct graindb *db, struct compact_plan *plan) {
    bool pending = true;
    for (u32 pass = 0; pending; pass++) {
        assert(pass <= db->objects_count + 1); // every pass but the last follows an object
        pending = false;
        for (u32 slot = 0; slot < GRAINDB_OBJECT_SLOTS_COUNT; slot++) {
            if ((db->compact_slot[slot] & COMPACT_PENDING) == 0) continue;
            i64 result = follow(db, plan, slot);
            if (result < 0) return result;
            pending = true;
        }
    }
    return 0;
}

// Every batch but the last is closed only when the next record does not fit, so holds
// more than a batch less the largest record; each costs its COPY record and padding.
static void bound_base(struct compact_plan *plan) {
    u64 records = plan->base_bytes_max;
    u64 largest = record_bytes(OBJ_HEADER_BYTES + GRAINDB_OBJECT_BYTES_MAX);
    u64 filled_min = GRAINDB_BATCH_BYTES_MAX - COPY_BYTES - largest - GRAINDB_RECORD_ALIGN_BYTES;
    u64 batches = records / filled_min + 1;
    plan->base_bytes_max = records + batches * (COPY_BYTES + GRAINDB_RECORD_ALIGN_BYTES + SECTOR_BYTES);
    plan->new_used_max = plan->base_bytes_max +
                         checkpoint_extent_of(plan->live_refs, plan->live_key_bytes, plan->live_objects);
}

i64 compact_mark(struct graindb *db, struct compact_plan *plan) {
    assert(db != NULL);
    assert(plan != NULL);
    assert(db->open);
    assert(!db->batch_open);
    mem_set(db->compact_slot, 0, sizeof(db->compact_slot));
    mem_set(db->compact_ref_pos8, 0, sizeof(db->compact_ref_pos8));
    i64 result = mark_roots(db, plan);
    if (result == 0) result = follow_links(db, plan);
    if (result < 0) return result;
    assert(plan->live_objects <= db->objects_count);
    assert(plan->live_refs <= db->refs_count);
    bound_base(plan);
    return 0;
}
