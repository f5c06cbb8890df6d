// The ref index: key -> current version, in RAM. Keys are kept once in an arena, entries
// in first-written order, found through an open-addressing table of entry indexes. A
// deleted key keeps its tombstone version until the next compaction, which forgets it
// (refs_rebuild packs the entries and the arena, keeping their order). Older versions
// are not in RAM: each REF record on disk links to the previous one.
#include "subsystems/graindb/internal.h"

#define SLOT_MASK (GRAINDB_REF_SLOTS_COUNT - 1u)

void refs_reset(struct graindb *db) {
    assert(db != NULL);
    mem_set(db->ref_slots, 0, sizeof(db->ref_slots));
    db->refs_count = 0;
    db->key_arena_bytes = 0;
}

u64 key_hash(const u8 *key, u32 key_len) {
    assert(key != NULL);
    assert(key_len > 0);
    assert(key_len <= GRAINDB_KEY_LEN_MAX);
    return gdb_checksum(key, key_len);
}

i64 refs_find(const struct graindb *db, const u8 *key, u32 key_len) {
    assert(db != NULL);
    assert(key != NULL);
    assert(key_len > 0);
    assert(key_len <= GRAINDB_KEY_LEN_MAX);
    u32 slot = (u32)key_hash(key, key_len) & SLOT_MASK;
    for (u32 probes = 0; probes < GRAINDB_REF_SLOTS_COUNT; probes++) {
        u16 index_plus_one = db->ref_slots[slot];
        if (index_plus_one == 0) return -1;
        const struct graindb_ref_entry *entry = &db->refs[index_plus_one - 1];
        if (entry->key_len == key_len && mem_equal(db->key_arena + entry->key_offset, key, key_len)) {
            return index_plus_one - 1;
        }
        slot = (slot + 1) & SLOT_MASK;
    }
    return -1;
}

i64 refs_insert(struct graindb *db, const u8 *key, u32 key_len) {
    assert(db != NULL);
    assert(key != NULL);
    assert(refs_find(db, key, key_len) < 0);
    if (db->refs_count >= GRAINDB_REFS_MAX) return -E_NOMEM;
    if (GRAINDB_KEY_ARENA_BYTES_MAX - db->key_arena_bytes < key_len) return -E_NOMEM;
    u32 index = db->refs_count;
    struct graindb_ref_entry *entry = &db->refs[index];
    mem_set(entry, 0, sizeof(*entry));
    entry->key_offset = db->key_arena_bytes;
    entry->key_len = (u8)key_len;
    mem_copy(db->key_arena + db->key_arena_bytes, key, key_len);
    db->key_arena_bytes += key_len;
    db->refs_count++;
    u32 slot = (u32)key_hash(key, key_len) & SLOT_MASK;
    while (db->ref_slots[slot] != 0) slot = (slot + 1) & SLOT_MASK;
    db->ref_slots[slot] = (u16)(index + 1);
    return index;
}

i64 refs_apply_record(struct graindb *db, const u8 *record, u64 position) {
    assert(db != NULL);
    assert(record != NULL);
    assert(load_u16_le(record + REC_TYPE) == RECORD_REF);
    assert(position < GRAINDB_ZONE_BYTES_MAX);
    u32 key_len = record[REF_KEY_LEN];
    const u8 *key = record + REF_HEADER_BYTES;
    i64 index = refs_find(db, key, key_len);
    if (index < 0) index = refs_insert(db, key, key_len);
    if (index < 0) return index;
    struct graindb_ref_entry *entry = &db->refs[index];
    bool tombstone = (record[REF_FLAGS] & REF_FLAG_TOMBSTONE) != 0;
    mem_copy(entry->object_hash, record + REF_OBJECT_HASH, GRAINDB_HASH_BYTES);
    entry->live = tombstone ? 0 : 1;
    u64 object_position = load_u64_le(record + REF_OBJECT_POSITION);
    entry->object_pos8 = tombstone ? 0 : (u32)(object_position / GRAINDB_RECORD_ALIGN_BYTES);
    entry->object_bytes = tombstone ? 0 : load_u32_le(record + REF_OBJECT_BYTES);
    entry->key_version = load_u32_le(record + REF_KEY_VERSION);
    entry->record_pos8 = (u32)(position / GRAINDB_RECORD_ALIGN_BYTES);
    entry->commit_seq = load_u64_le(record + REF_VERSION_SEQ);
    assert(entry->commit_seq > 0);
    return 0;
}

static void slots_rebuild(struct graindb *db) {
    mem_set(db->ref_slots, 0, sizeof(db->ref_slots));
    for (u32 i = 0; i < db->refs_count; i++) {
        const struct graindb_ref_entry *entry = &db->refs[i];
        u32 slot = (u32)key_hash(db->key_arena + entry->key_offset, entry->key_len) & SLOT_MASK;
        while (db->ref_slots[slot] != 0) slot = (slot + 1) & SLOT_MASK;
        db->ref_slots[slot] = (u16)(i + 1);
    }
}

// Copies count bytes to a lower (or equal) address, front to back: safe when they overlap.
static void move_down(u8 *destination, const u8 *source, u32 count) {
    assert(destination <= source);
    for (u32 i = 0; i < count; i++) destination[i] = source[i];
}

// Entries and keys only move down (both are in first-written order), so they are packed
// in place.
void refs_rebuild(struct graindb *db) {
    assert(db != NULL);
    assert(db->refs_count <= GRAINDB_REFS_MAX);
    u32 kept = 0, key_bytes = 0;
    for (u32 i = 0; i < db->refs_count; i++) {
        struct graindb_ref_entry entry = db->refs[i];
        if (db->compact_ref_pos8[i] == 0) continue; // not copied: forgotten
        assert(entry.key_offset >= key_bytes);
        move_down(db->key_arena + key_bytes, db->key_arena + entry.key_offset, entry.key_len);
        entry.key_offset = key_bytes;
        entry.record_pos8 = db->compact_ref_pos8[i] - 1;
        if (entry.live) {
            u32 moved = db->compact_slot[db->compact_ref_slot[i]];
            assert(moved != 0);
            assert(moved < COMPACT_POSITION8_LIMIT);
            entry.object_pos8 = moved - 1;
        }
        key_bytes += entry.key_len;
        db->refs[kept++] = entry;
    }
    db->refs_count = kept;
    db->key_arena_bytes = key_bytes;
    slots_rebuild(db);
}
