// Opening = recovery. The superblock names the active zone and the checkpoint to start
// from; the log after it is replayed batch by batch (without a usable checkpoint, from
// the zone's start: first the compacted base a compaction left there, which must be
// whole, then the commits after it). Where the log stops being valid at commit c + 1:
//  - the tail mirror holds c + 1 for this position: the log copy was damaged, lost or
//    misdirected (or torn while the mirror copy landed): replay the mirror copy and
//    write it back to the log;
//  - a readable chunk or END just behind says a checkpoint taken after c starts here:
//    only redundant data is damaged, step over it;
//  - commit c + 1 is known to be durable (the mirror or the checkpoint holds it or a
//    later one), or a valid later commit lies behind the damage: corruption, open
//    refuses with -E_BADMSG (-E_IO if unreadable), never a silent cut;
//  - otherwise it is the torn last write, never acknowledged: the log is cut there.
#include "subsystems/graindb/internal.h"

static i64 refuse(struct graindb *db, i64 error, u64 position, const char *problem) {
    db->open_stats.error = error;
    db->open_stats.problem_position = position;
    db->open_stats.problem = problem;
    return error;
}

struct replay_plan {
    u64 durable_seq; // commits up to this one are known to have been completed
    struct graindb_mirror_slot mirror[GRAINDB_MIRROR_SLOTS_COUNT];
    u64 skip_position; // a damaged checkpoint named by the superblock: step over it
    u64 skip_bytes;
};

static i64 replay_batch(struct graindb *db, const u8 *bytes, u64 position, u64 batch_bytes) {
    u64 commit_seq = db->commit_seq + 1;
    if (batch_apply(db, bytes, position, batch_bytes) < 0) {
        return refuse(db, -E_BADMSG, position, "batch does not fit the index (foreign format?)");
    }
    db->commit_seq = commit_seq;
    db->open_stats.replayed_commits++;
    db->open_stats.replayed_bytes += align_up(batch_bytes, SECTOR_BYTES);
    return 0;
}

// A repair that never read back: open goes on only because its other copy holds it.
static void repair_unverified(struct graindb *db, const char *what) {
    db->open_stats.repairs_unverified++;
    db->open_stats.repair_problem = what;
}

// Writes the mirror copy of a commit (in io_buffer) back over its bad log copy. When it
// does not read back, the database is failed (read-only): the mirror slot holds the
// only good copy and the commit after next would reuse it.
static void rewrite_log_copy(struct graindb *db, const u8 *bytes, u64 position, u64 batch_bytes) {
    if (db->failed) return; // a failed database writes nothing; the mirror still holds it
    u64 padded = align_up(batch_bytes, SECTOR_BYTES);
    mem_copy(db->batch_buffer, bytes, padded); // io_buffer takes the read-back
    u32 sectors = (u32)(padded / SECTOR_BYTES);
    u32 unverified = 0;
    i64 result = gdb_write_verified(db, db->superblock.log_start_sector + position / SECTOR_BYTES,
                                    db->batch_buffer, sectors, sectors, &unverified);
    if (result == -E_BADMSG) {
        repair_unverified(db, "log copy rewritten from the mirror does not read back");
        gdb_fail(db);
    }
}

// The mirror copy of the expected commit replaces the bad log copy, on disk too.
// Returns 1 when it was used (*resume_at set), 0 when the mirror does not hold it.
static i64 replay_from_mirror(struct graindb *db, const struct replay_plan *plan, u64 position,
                              u64 *resume_at) {
    u64 expected = db->commit_seq + 1;
    const struct graindb_mirror_slot *slot = &plan->mirror[expected % GRAINDB_MIRROR_SLOTS_COUNT];
    if (slot->commit_seq != expected || GRAINDB_PLANTED(db, GRAINDB_BUG_IGNORE_MIRROR)) return 0;
    // Elsewhere: what is invalid here is not that commit (a damaged older checkpoint of
    // the commit before it, say); replay_stop decides without the mirror.
    if (slot->position != position) return 0;
    const u8 *bytes = NULL;
    struct graindb_mirror_slot again = mirror_read(db, (u32)(expected % GRAINDB_MIRROR_SLOTS_COUNT), &bytes);
    if (again.commit_seq != expected || again.bytes != slot->bytes) return 0; // failed on the second read
    i64 result = replay_batch(db, bytes, position, slot->bytes);
    if (result < 0) return result;
    db->open_stats.recovered_from_mirror++;
    db->open_stats.repaired = true;
    rewrite_log_copy(db, bytes, position, slot->bytes);
    *resume_at = align_up(position + slot->bytes, SECTOR_BYTES);
    return 1;
}

// The log is invalid at r->position, where commit commit_seq + 1 was expected.
// Returns 1 to go on at *resume_at, 0 to stop there, or an error.
static i64 replay_stop(struct graindb *db, struct replay_plan *plan, const struct scan_result *r,
                       u64 *resume_at) {
    bool cut_anyway = GRAINDB_PLANTED(db, GRAINDB_BUG_RECOVERY_CUTS_AT_BAD);
    if (!cut_anyway) {
        i64 used = replay_from_mirror(db, plan, r->position, resume_at);
        if (used != 0) return used;
        *resume_at = scan_damaged_checkpoint_end(db, r->position, db->commit_seq);
        if (*resume_at == GRAINDB_NONE) *resume_at = scan_skip_to_named_checkpoint(db, r->position, db->commit_seq);
        if (*resume_at != GRAINDB_NONE) {
            db->open_stats.checkpoints_skipped++;
            return 1;
        }
    }
    u64 expected = db->commit_seq + 1;
    if (expected <= plan->durable_seq && !cut_anyway) {
        if (r->kind == SCAN_UNREADABLE) return refuse(db, -E_IO, r->problem_position, "acknowledged log unreadable");
        return refuse(db, -E_BADMSG, r->problem_position, record_verdict_text(r->verdict));
    }
    if (!cut_anyway &&
        scan_evidence_after(db, r->position + SECTOR_BYTES, r->position + GRAINDB_TAIL_SCAN_BYTES, expected)) {
        return refuse(db, -E_BADMSG, r->problem_position, "invalid batch followed by a later commit (hole)");
    }
    if (GRAINDB_PLANTED(db, GRAINDB_BUG_REPLAY_PARTIAL_BATCH)) scan_apply_valid_prefix(db, r->position, expected);
    if (cut_anyway) plan->durable_seq = db->commit_seq; // the bug believes its own cut
    db->open_stats.truncated_at = r->position;
    return 0;
}

// The compacted base: COPY batches of the base's commit up to its extent. It has no
// other copy (the old zone is not trusted once the superblock left it), so any damage
// refuses the open.
static i64 replay_base(struct graindb *db, u64 *position) {
    const struct graindb_superblock *sb = &db->superblock;
    assert(*position == 0);
    assert(db->commit_seq == 0);
    u64 at = 0;
    while (at < sb->base_bytes) {
        const u8 *bytes = NULL;
        struct scan_result r = scan_batch(db, at, sb->base_commit_seq, &bytes);
        if (r.kind != SCAN_COPY || r.next_position > sb->base_bytes) {
            i64 error = r.kind == SCAN_UNREADABLE ? -E_IO : -E_BADMSG;
            return refuse(db, error, r.problem_position, "compacted base damaged");
        }
        if (batch_apply(db, bytes, at, r.bytes) < 0) {
            return refuse(db, -E_BADMSG, at, "compacted base does not fit the index");
        }
        db->open_stats.replayed_bytes += r.next_position - at;
        at = r.next_position;
    }
    db->commit_seq = sb->base_commit_seq;
    *position = at;
    return 0;
}

static i64 replay(struct graindb *db, struct replay_plan *plan, u64 position) {
    if (position == 0 && db->superblock.base_commit_seq > 0) {
        i64 result = replay_base(db, &position);
        if (result < 0) return result;
    }
    for (;;) {
        if (position == plan->skip_position) {
            position += plan->skip_bytes;
            continue;
        }
        const u8 *bytes = NULL;
        struct scan_result r = scan_batch(db, position, db->commit_seq + 1, &bytes);
        if (r.kind == SCAN_LOG_END) break;
        if (r.kind == SCAN_COPY) { // only the base holds COPY batches
            r.kind = SCAN_INVALID;
            r.verdict = RECORD_STALE;
        }
        if (r.kind == SCAN_INVALID || r.kind == SCAN_UNREADABLE) {
            u64 resume_at = GRAINDB_NONE;
            i64 result = replay_stop(db, plan, &r, &resume_at);
            if (result < 0) return result;
            if (result == 0) break;
            assert(resume_at > position);
            position = resume_at;
            continue;
        }
        if (r.kind == SCAN_COMMIT) {
            i64 result = replay_batch(db, bytes, position, r.bytes);
            if (result < 0) return result;
        }
        position = r.next_position;
    }
    db->append_position = position;
    if (db->commit_seq < plan->durable_seq) {
        return refuse(db, -E_BADMSG, position, "log ends before a commit known to be durable");
    }
    return 0;
}

// Two zones of log_bytes after the mirror, the active one either; a base inside it.
static bool geometry_valid(const struct graindb_superblock *sb, u64 sectors) {
    if (sb->log_bytes < GRAINDB_ZONE_BYTES_MIN || sb->log_bytes % SECTOR_BYTES != 0 ||
        sb->log_bytes > GRAINDB_ZONE_BYTES_MAX) return false;
    u64 zone_sectors = sb->log_bytes / SECTOR_BYTES;
    if (GRAINDB_LOG_START_SECTOR + GRAINDB_ZONES_COUNT * zone_sectors > sectors) return false;
    if (sb->log_start_sector != GRAINDB_LOG_START_SECTOR &&
        sb->log_start_sector != GRAINDB_LOG_START_SECTOR + zone_sectors) return false;
    if (sb->base_bytes % SECTOR_BYTES != 0 || sb->base_bytes > sb->log_bytes) return false;
    if (sb->generation == 0) return sb->base_commit_seq == 0 && sb->base_bytes == 0;
    if (sb->base_commit_seq == 0) return false;
    if (sb->checkpoint_position == GRAINDB_NONE) return true;
    if (sb->checkpoint_position >= sb->log_bytes || sb->checkpoint_bytes > sb->log_bytes - sb->checkpoint_position) {
        return false; // a checkpoint outside the zone
    }
    return sb->checkpoint_commit_seq >= sb->base_commit_seq;
}

static i64 read_superblock(struct graindb *db, struct platform *platform) {
    u64 sectors = platform_block_sector_count(platform);
    if (sectors == 0) return refuse(db, -E_NODEV, GRAINDB_NONE, "no disk");
    u32 copies = 0;
    i64 result = superblock_read(db, &db->superblock, &copies, &db->superblock_sequence_max);
    if (result == -E_NOENT) return refuse(db, result, GRAINDB_NONE, "blank disk");
    if (result == -E_INVAL) return refuse(db, result, GRAINDB_NONE, "formatted by an incompatible build");
    if (result < 0) return refuse(db, result, GRAINDB_NONE, "no usable superblock copy");
    db->open_stats.superblock_copies_valid = copies;
    if (!geometry_valid(&db->superblock, sectors)) {
        return refuse(db, -E_INVAL, GRAINDB_NONE, "superblock geometry does not fit the disk");
    }
    db->superblock_loaded = true;
    return 0;
}

// The checkpoint the superblock names (geometry_valid held it to the zone; 0 sectors when
// none), without its last sector (its END record): a checkpoint with no readable record cannot
// be told from a hole in the log, so a walk from the zone's start (fsck, or a recovery
// whose newer checkpoint is damaged too) could not step over it to the commits after it.
static void named_checkpoint(const struct graindb_superblock *sb, struct graindb_recovery_range *range) {
    range->checkpoint_first_sector = 0;
    range->checkpoint_sectors = 0;
    if (sb->checkpoint_position == GRAINDB_NONE || sb->checkpoint_bytes == 0) return;
    assert(sb->checkpoint_bytes <= sb->log_bytes - sb->checkpoint_position);
    range->checkpoint_first_sector = sb->log_start_sector + sb->checkpoint_position / SECTOR_BYTES;
    u64 sectors = align_up(sb->checkpoint_position % SECTOR_BYTES + sb->checkpoint_bytes, SECTOR_BYTES) / SECTOR_BYTES;
    range->checkpoint_sectors = sectors - 1;
}

bool graindb_recovery_checkpoint(const struct graindb *db, struct graindb_recovery_range *range) {
    assert(db != NULL);
    assert(range != NULL);
    const struct graindb_superblock *sb = &db->superblock;
    if (!db->opening || !db->superblock_loaded) return false;
    named_checkpoint(sb, range);
    // Once replayed, the named checkpoint may be the one a repair just wrote: not redundant.
    if (db->open) range->checkpoint_sectors = 0;
    range->zone_first_sector = sb->log_start_sector;
    range->zone_sectors = sb->log_bytes / SECTOR_BYTES;
    range->free_first_sector = 0;
    range->free_sectors = 0;
    u64 append = align_up(db->append_position, SECTOR_BYTES);
    if (db->open && append < sb->log_bytes) { // replayed: the repairs write after the log
        range->free_first_sector = sb->log_start_sector + append / SECTOR_BYTES;
        range->free_sectors = (sb->log_bytes - append) / SECTOR_BYTES;
    }
    assert(range->free_sectors <= range->zone_sectors);
    return true;
}

static void reset_index(struct graindb *db) {
    db->commit_seq = 0;
    db->append_position = 0;
    db->last_commit_position = GRAINDB_NONE;
    db->last_batch_position = GRAINDB_NONE;
    db->last_batch_bytes = 0;
    db->checkpoint_log_mark = 0;
    refs_reset(db);
    objects_reset(db);
}

static void reset_state(struct graindb *db, struct platform *platform) {
    db->platform = platform;
    db->open = false;
    db->superblock_loaded = false;
    db->failed = false;
    db->batch_open = false;
    db->io_window_position = GRAINDB_NONE;
    db->merkle_undo_count = 0;
    db->compact_attempt_position = 0;
    db->compact_deletes = 0;
    db->compact_declined = 0;
    db->compact_copied_bytes = 0;
    mem_set(&db->open_stats, 0, sizeof(db->open_stats));
    db->open_stats.truncated_at = GRAINDB_NONE;
    db->open_stats.problem_position = GRAINDB_NONE;
    reset_index(db);
}

// Writes the last commit's log copy to its mirror slot. The log copy is read through
// scan_batch, which reads again what fails (a one-off read error must not leave the
// last commit with one copy); when the repair does not read back, the log copy still
// holds the commit.
static i64 write_mirror_copy(struct graindb *db) {
    u64 last = db->commit_seq;
    const u8 *bytes = NULL;
    struct scan_result r = scan_batch(db, db->last_batch_position, last, &bytes);
    if (r.kind == SCAN_UNREADABLE) return -E_IO;
    if (r.kind != SCAN_COMMIT || r.bytes != db->last_batch_bytes) return -E_BADMSG;
    u64 padded = align_up(r.bytes, SECTOR_BYTES);
    mem_copy(db->batch_buffer, bytes, padded); // io_buffer takes the read-back
    db->open_stats.repaired = true;
    i64 result = mirror_write_verified(db, last, db->batch_buffer, padded);
    if (result == -E_BADMSG) repair_unverified(db, "tail mirror repair does not read back");
    return result == -E_BADMSG ? 0 : result;
}

static bool has_last_commit(const struct graindb *db) {
    return db->commit_seq > 0 && db->last_batch_position != GRAINDB_NONE;
}

// The last commit gets its mirror copy back when the mirror lost it.
static i64 repair_mirror(struct graindb *db, const struct replay_plan *plan) {
    if (!has_last_commit(db)) return 0;
    if (plan->mirror[db->commit_seq % GRAINDB_MIRROR_SLOTS_COUNT].commit_seq == db->commit_seq) return 0;
    return write_mirror_copy(db);
}

// A repair write that never read back: open refuses only when no valid superblock is
// left on the disk for the next open.
static i64 refuse_unless_superblock_left(struct graindb *db) {
    struct graindb_superblock on_disk;
    u32 copies = 0;
    u64 sequence_max = 0;
    if (superblock_read(db, &on_disk, &copies, &sequence_max) == 0) return 0;
    return refuse(db, -E_IO, GRAINDB_NONE, "no superblock copy reads back after repair");
}

// Writes `sb` over every superblock copy, read back.
static i64 write_superblock_repair(struct graindb *db, const struct graindb_superblock *sb) {
    u32 unverified = 0;
    i64 result = superblock_write_verified(db, sb, &unverified);
    if (result == 0 && unverified > 0) repair_unverified(db, "superblock copies do not read back");
    if (result != -E_BADMSG) return result;
    repair_unverified(db, "no superblock copy reads back");
    return refuse_unless_superblock_left(db);
}

// The superblock copies are rewritten.
static i64 repair_superblock(struct graindb *db) {
    db->open_stats.repaired = true;
    if (GRAINDB_PLANTED(db, GRAINDB_BUG_SKIP_SUPERBLOCK_REPAIR)) return 0;
    struct graindb_superblock sb = db->superblock;
    return write_superblock_repair(db, &sb);
}

// No room for a new checkpoint: the damaged one is no longer named, so nothing trusts it
// and each open replays the log from the zone's start until a checkpoint fits again.
static i64 unname_damaged_checkpoint(struct graindb *db) {
    assert(db->open_stats.checkpoint_damaged);
    assert(!db->failed);
    struct graindb_superblock sb = db->superblock;
    sb.checkpoint_position = GRAINDB_NONE;
    sb.checkpoint_bytes = 0;
    sb.checkpoint_commit_seq = 0;
    sb.checkpoint_checksum = 0;
    db->open_stats.checkpoint_unnamed = true;
    return write_superblock_repair(db, &sb);
}

// The checkpoint is redundant (the log holds it all): when it (or every copy of the
// superblock naming it) does not read back, the database is failed (read-only) so
// nothing is appended behind a checkpoint that is not there.
static i64 repair_checkpoint(struct graindb *db) {
    db->open_stats.repaired = true;
    i64 result = checkpoint_write(db, true);
    if (result == -E_NOSPC && db->open_stats.checkpoint_damaged && !db->failed) return unname_damaged_checkpoint(db);
    if (result != -E_BADMSG) return result;
    repair_unverified(db, "checkpoint repair does not read back");
    gdb_fail(db);
    return refuse_unless_superblock_left(db);
}

static bool superblock_whole(struct graindb *db) {
    struct graindb_superblock on_disk;
    u32 copies = 0;
    u64 sequence_max = 0;
    return superblock_read(db, &on_disk, &copies, &sequence_max) == 0 &&
           copies == GRAINDB_SUPERBLOCK_COPIES && on_disk.sequence == db->superblock.sequence;
}

static bool mirror_holds_last(struct graindb *db) {
    if (!has_last_commit(db)) return true;
    const u8 *bytes = NULL;
    struct graindb_mirror_slot slot = mirror_read(db, (u32)(db->commit_seq % GRAINDB_MIRROR_SLOTS_COUNT), &bytes);
    return slot.commit_seq == db->commit_seq && slot.position == db->last_batch_position &&
           slot.bytes == db->last_batch_bytes;
}

static bool log_holds_last(struct graindb *db) {
    if (!has_last_commit(db)) return true;
    const u8 *bytes = NULL;
    struct scan_result r = scan_batch(db, db->last_batch_position, db->commit_seq, &bytes);
    return r.kind == SCAN_COMMIT && r.bytes == db->last_batch_bytes;
}

// The last commit's log copy, damaged by a misdirected repair, back from the mirror.
static void rewrite_last_log_copy(struct graindb *db) {
    const u8 *bytes = NULL;
    struct graindb_mirror_slot slot = mirror_read(db, (u32)(db->commit_seq % GRAINDB_MIRROR_SLOTS_COUNT), &bytes);
    if (slot.commit_seq != db->commit_seq || slot.position != db->last_batch_position ||
        slot.bytes != db->last_batch_bytes) return;
    db->open_stats.repaired = true;
    rewrite_log_copy(db, bytes, slot.position, slot.bytes);
}

// A repair write the drive misdirected read back wrong where it was meant to land (and
// was written again), but it landed somewhere else: what fsck holds redundant (the
// superblock copies, the last commit's mirror slot and log copy) is read again after
// the repairs and repaired again, a bounded number of rounds (none once a repair never
// read back: the drive is not taking writes).
static void repair_victims(struct graindb *db) {
    for (u32 round = 0; round < GRAINDB_REPAIR_TRIES_MAX && !db->failed; round++) {
        if (db->open_stats.repairs_unverified > 0) return;
        bool superblock_ok = superblock_whole(db);
        bool mirror_ok = mirror_holds_last(db);
        bool log_ok = log_holds_last(db);
        if (superblock_ok && mirror_ok && log_ok) return;
        if (!superblock_ok && repair_superblock(db) < 0) return;
        if (!mirror_ok && log_ok && !db->failed && write_mirror_copy(db) < 0) return;
        if (!log_ok && mirror_ok && !db->failed) rewrite_last_log_copy(db);
        if (!log_ok && !mirror_ok) return; // both copies gone: nothing to repair from
    }
}

// After recovery: restore redundancy that damage or a crash took away. Every repair is
// read back (readback.c). A failed repair write leaves the database failed (read-only):
// what was recovered is still readable, and the next open decides again. Returns an
// error only when the disk could not be opened again.
static i64 repair(struct graindb *db, const struct replay_plan *plan) {
    const struct graindb_open_stats *stats = &db->open_stats;
    if (!db->failed && (stats->checkpoint_damaged || stats->replayed_bytes >= checkpoint_interval(db))) {
        (void)repair_checkpoint(db); // -E_NOSPC: no room, -E_IO: the database failed
    } else if (!db->failed && stats->superblock_copies_valid < GRAINDB_SUPERBLOCK_COPIES) {
        (void)repair_superblock(db);
    }
    if (stats->error != 0) return stats->error; // refused
    if (!db->failed) (void)repair_mirror(db, plan);
    if (stats->repaired) repair_victims(db);
    return stats->error;
}

static void read_mirror(struct graindb *db, struct replay_plan *plan) {
    for (u32 slot = 0; slot < GRAINDB_MIRROR_SLOTS_COUNT; slot++) {
        const u8 *bytes = NULL;
        plan->mirror[slot] = mirror_read(db, slot, &bytes);
        if (plan->mirror[slot].commit_seq == 0) continue;
        db->open_stats.mirror_slots_valid++;
        bool ignore = GRAINDB_PLANTED(db, GRAINDB_BUG_IGNORE_MIRROR);
        if (!ignore && plan->mirror[slot].commit_seq > plan->durable_seq) plan->durable_seq = plan->mirror[slot].commit_seq;
    }
}

static i64 open_and_repair(struct graindb *db, struct platform *platform) {
    reset_state(db, platform);
    // What recovery reads, it adopts: make the drive's cache durable first, or a
    // commit read from the cache after a warm reboot could vanish at the next power loss.
    // If that flush fails, the database still opens (what it holds stays readable) but
    // read-only: nothing may be acknowledged on top of commits that may not be durable.
    bool flush_failed = platform_block_sector_count(platform) > 0 && platform_block_flush(platform) < 0;
    i64 result = read_superblock(db, platform);
    if (result < 0) return result;
    struct replay_plan plan = {.skip_position = GRAINDB_NONE};
    plan.durable_seq = db->superblock.base_commit_seq; // the switch came after its flush
    read_mirror(db, &plan);
    const struct graindb_superblock *sb = &db->superblock;
    if (sb->checkpoint_position != GRAINDB_NONE) {
        if (sb->checkpoint_commit_seq > plan.durable_seq) plan.durable_seq = sb->checkpoint_commit_seq;
        result = checkpoint_load(db);
        db->open_stats.checkpoint_used = result == 0;
        db->open_stats.checkpoint_damaged = result < 0;
        if (result < 0) {
            reset_index(db);
            plan.skip_position = sb->checkpoint_position;
            plan.skip_bytes = sb->checkpoint_bytes;
            bool skip_base = GRAINDB_PLANTED(db, GRAINDB_BUG_DAMAGED_CHECKPOINT_SKIPS_BASE);
            if (skip_base) db->append_position = sb->checkpoint_position + align_up(sb->checkpoint_bytes, SECTOR_BYTES);
        }
    }
    result = replay(db, &plan, db->append_position);
    if (result < 0) return result;
    merkle_rebuild(db);
    db->open = true;
    if (flush_failed) {
        db->failed = true; // read-only until the next open; repairs would not be trusted either
        db->open_stats.problem = "the flush before recovery failed: opened read-only";
        return 0;
    }
    result = repair(db, &plan);
    if (result < 0) db->open = false;
    return result;
}

i64 graindb_open(struct graindb *db, struct platform *platform) {
    assert(db != NULL);
    assert(platform != NULL);
    STATIC_ASSERT(sizeof(struct graindb) <= GRAINDB_STATE_BYTES_MAX);
    db->opening = true;
    i64 result = open_and_repair(db, platform);
    db->opening = false;
    return result;
}
