// Compaction, part 3: when it runs, and the switch. The live state is marked
// (compact_mark.c) and copied into the inactive zone (compact_copy.c); then, in this
// order: a flush (the base is durable before anything names it), the RAM index is
// rebuilt for the new zone (no device access, cannot fail), a checkpoint of it is
// written into the new zone and flushed, and the superblock switch is written to all
// four copies and read back. A power loss before the switch leaves the old zone, which
// compaction never writes, complete; after it the new one. Before writing into the
// inactive zone, every superblock copy must read back as the current one: a stale copy
// naming that zone at its earlier generation (a lost superblock write) could otherwise
// outvote the current ones after the zone was overwritten. The tail mirror is not
// written: its slots keep the old zone's last commits (foreign to the new generation)
// until commits replace them.
#include "subsystems/graindb/internal.h"

static bool space_tight(const struct graindb *db) {
    assert(db->append_position <= gdb_log_bytes(db));
    return db->append_position + GRAINDB_BATCH_BYTES_MAX + GRAINDB_ZONE_RESERVE_BYTES > gdb_log_bytes(db);
}

static bool keys_tight(const struct graindb *db) {
    return db->refs_count + GRAINDB_BATCH_REFS_MAX > GRAINDB_REFS_MAX ||
           db->key_arena_bytes + GRAINDB_BATCH_REFS_MAX * GRAINDB_KEY_LEN_MAX > GRAINDB_KEY_ARENA_BYTES_MAX;
}

static bool objects_tight(const struct graindb *db) {
    return db->objects_count + GRAINDB_BATCH_OBJECTS_MAX > GRAINDB_OBJECTS_MAX;
}

static bool index_tight(const struct graindb *db) { return keys_tight(db) || objects_tight(db); }

// Tight, and something may have become garbage since the last try: a delete (the only
// way keys become garbage), or log appended (overwritten versions, objects no key
// names), so a zone or index full of live data is not marked again at every batch.
bool compact_due(const struct graindb *db) {
    assert(db != NULL);
    if (!db->open || db->failed || db->batch_open || db->commit_seq == 0) return false;
    bool space = space_tight(db), objects = objects_tight(db);
    if (!space && !objects && !keys_tight(db)) return false;
    if (db->compact_deletes > 0) return true;
    bool appended = db->append_position >= db->compact_attempt_position + GRAINDB_COMPACT_RETRY_BYTES;
    return appended && (space || objects);
}

// Worth copying the live state: it frees enough, or the room a whole batch needs, or
// index entries an index is short of.
static bool worth(const struct graindb *db, const struct compact_plan *plan) {
    u64 used = db->append_position;
    u64 gain = used > plan->new_used_max ? used - plan->new_used_max : 0;
    if (gain >= GRAINDB_COMPACT_GAIN_MIN_BYTES) return true;
    bool roomy = plan->new_used_max + GRAINDB_BATCH_BYTES_MAX + GRAINDB_ZONE_RESERVE_BYTES <= gdb_log_bytes(db);
    if (space_tight(db) && gain > 0 && roomy) return true;
    bool index_gain = plan->live_refs < db->refs_count || plan->live_objects < db->objects_count;
    return index_tight(db) && index_gain;
}

// Every copy holds the current superblock, or all are written again and read back.
static i64 superblocks_current(struct graindb *db) {
    struct graindb_superblock on_disk;
    u32 copies = 0;
    u64 sequence_max = 0;
    i64 result = superblock_read(db, &on_disk, &copies, &sequence_max);
    if (result == 0 && copies == GRAINDB_SUPERBLOCK_COPIES && on_disk.sequence == db->superblock.sequence) return 0;
    u32 unverified = 0;
    result = superblock_write_verified(db, &db->superblock, &unverified);
    if (result == 0 && unverified == 0) return 0;
    return db->failed ? -E_IO : -E_AGAIN; // a copy may still name the other zone: do not write it
}

static void plan_target(const struct graindb *db, struct compact_plan *plan) {
    assert(db->commit_seq > 0);
    plan->target_zone = 1 - gdb_active_zone(db);
    plan->target = db->superblock;
    plan->target.log_start_sector = gdb_zone_first_sector(db, plan->target_zone);
    plan->target.generation = db->superblock.generation + 1;
    plan->target.base_commit_seq = db->commit_seq;
    plan->target.base_bytes = 0;
    plan->target.checkpoint_position = GRAINDB_NONE;
    plan->target.checkpoint_bytes = 0;
    plan->target.checkpoint_commit_seq = 0;
    plan->target.checkpoint_checksum = 0;
    assert(plan->target.log_start_sector != db->superblock.log_start_sector);
}

// The index in RAM becomes the new zone's (commit_seq and the Merkle tree stay).
static void switch_ram(struct graindb *db, const struct compact_plan *plan) {
    objects_rebuild(db);
    refs_rebuild(db);
    assert(db->objects_count == plan->live_objects);
    assert(db->refs_count == plan->live_refs);
    db->superblock = plan->target;
    db->append_position = plan->base_bytes;
    db->checkpoint_log_mark = plan->base_bytes;
    db->last_commit_position = GRAINDB_NONE;
    db->last_batch_position = GRAINDB_NONE;
    db->last_batch_bytes = 0;
    db->io_window_position = GRAINDB_NONE;
}

// The planted bug: the superblock names the new zone before the base is flushed.
static i64 switch_early(struct graindb *db) {
    assert(GRAINDB_PLANTED(db, GRAINDB_BUG_COMPACT_SWITCH_BEFORE_FLUSH));
    struct graindb_superblock next = db->superblock;
    next.sequence = db->superblock_sequence_max + 1;
    for (u32 c = 0; c < GRAINDB_SUPERBLOCK_COPIES; c++) {
        superblock_encode(&next, c, db->sector_buffer);
        i64 result = gdb_meta_write(db, c, db->sector_buffer, 1);
        if (result < 0) return result;
    }
    db->superblock_sequence_max = next.sequence;
    return 0;
}

// All four copies must read back: one that did not may still name the old zone, and a
// quorum of those would take the database back to it after the next open.
static i64 switch_superblock(struct graindb *db) {
    u32 unverified = 0;
    i64 result = superblock_write_verified(db, &db->superblock, &unverified);
    return result == 0 && unverified == 0 ? 0 : -E_IO;
}

static i64 compact_switch(struct graindb *db, struct compact_plan *plan) {
    assert(plan->base_bytes <= plan->base_bytes_max);
    assert(plan->base_bytes % SECTOR_BYTES == 0);
    bool early = GRAINDB_PLANTED(db, GRAINDB_BUG_COMPACT_SWITCH_BEFORE_FLUSH);
    plan->target.base_bytes = plan->base_bytes;
    i64 result = early ? 0 : gdb_flush(db);
    if (result < 0) return result; // failed: RAM and disk still hold the old zone
    switch_ram(db, plan);
    if (early) result = switch_early(db);
    // From here the new zone is what RAM describes, its base durable: a failure fails
    // the database (read-only, reads served from the new zone) and the next open
    // chooses between two zones that hold the same state.
    if (result == 0) result = checkpoint_write_unnamed(db, &db->superblock);
    if (result == 0) result = switch_superblock(db);
    if (result < 0) {
        gdb_fail(db);
        return -E_IO;
    }
    db->compact_copied_bytes += plan->base_bytes;
    db->compact_attempt_position = db->append_position;
    db->compact_deletes = 0;
    return 0;
}

i64 compact_run(struct graindb *db, bool forced) {
    assert(db != NULL);
    assert(db->open);
    assert(!db->batch_open);
    if (db->failed) return -E_IO;
    if (db->commit_seq == 0) return 0; // nothing was ever committed
    db->compact_attempt_position = db->append_position;
    db->compact_deletes = 0;
    struct compact_plan plan;
    mem_set(&plan, 0, sizeof(plan));
    i64 result = compact_mark(db, &plan);
    if (result == 0 && plan.new_used_max + GRAINDB_ZONE_RESERVE_BYTES > gdb_log_bytes(db)) result = -E_NOSPC;
    if (result == 0 && !forced && !worth(db, &plan)) result = -E_AGAIN;
    if (result == 0) result = superblocks_current(db);
    if (result == 0) {
        plan_target(db, &plan);
        result = compact_copy(db, &plan);
    }
    if (result < 0) {
        if (!db->failed) db->compact_declined++;
        return result;
    }
    return compact_switch(db, &plan);
}

i64 graindb_compact(struct graindb *db) {
    assert(db != NULL);
    if (!db->open || db->batch_open) return -E_INVAL;
    if (db->failed) return -E_IO;
    i64 result = compact_run(db, true);
    return result == -E_AGAIN ? -E_IO : result;
}

void graindb_space(const struct graindb *db, struct graindb_space *space) {
    assert(db != NULL);
    assert(space != NULL);
    mem_set(space, 0, sizeof(*space));
    if (!db->open) return;
    space->zone_bytes = gdb_log_bytes(db);
    space->used_bytes = db->append_position;
    space->reserve_bytes = GRAINDB_ZONE_RESERVE_BYTES;
    space->live_bytes = db->superblock.base_bytes;
    space->compactions = db->superblock.generation;
    space->history_base_seq = db->superblock.base_commit_seq;
    space->compact_declined = db->compact_declined;
    space->refs_count = db->refs_count;
    space->objects_count = db->objects_count;
}
