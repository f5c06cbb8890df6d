// Storage invariants, part 4: when may an acknowledged commit be lost? Never while
// the disk faults stay inside the atlas. With faults anywhere (unrestricted), a
// design with a fixed number of copies can lose a commit whose every copy was
// destroyed, and cannot even notice (the damaged last commit looks like a torn one):
// that loss is excused, and counted. It is not excused when any copy was still
// intact when the node powered on, or when a copy was never durable in the first
// place (acknowledged before a flush returned 0, or after a flush failed: the
// software's fault, not the disk's).
//
// So each commit's writes are recorded (sector range and XXH64 of the bytes, between
// TRACE_DB_COMMIT_START and TRACE_DB_COMMIT), with the flushes that followed them; at
// every power-on each recent commit's copies are compared with the disk as the
// kernel will find it.
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/invariants/invariant_storage.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/disk.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"

#define DIGEST_MULTIPLIER 0x9e3779b97f4a7c15ull

// A fold of the sectors' XXH64s, so the disk can be compared a sector at a time.
static u64 fold_sector(u64 digest, const u8 *sector_bytes) {
    return digest * DIGEST_MULTIPLIER ^ trace_hash_bytes(sector_bytes, DISK_SECTOR_BYTES);
}

void storage_commit_begin(struct platform *node, u64 commit_seq) {
    struct storage_shadow *shadow = &node->storage;
    memset(&shadow->pending, 0, sizeof(shadow->pending));
    shadow->pending.commit_seq = commit_seq;
    shadow->commit_open = true;
}

void storage_commit_end(struct platform *node, u64 commit_seq, bool acknowledged) {
    struct storage_shadow *shadow = &node->storage;
    bool recorded = shadow->commit_open && acknowledged && shadow->pending.commit_seq == commit_seq;
    shadow->commit_open = false;
    if (!recorded || commit_seq == 0) return; // failed, or an empty batch (no new commit)
    shadow->recent[commit_seq % STORAGE_RECENT_COMMITS] = shadow->pending;
}

void storage_on_block_write(struct platform *node, u64 sector, u32 sector_count, const u8 *bytes) {
    assert(node != NULL);
    assert(bytes != NULL);
    struct storage_commit_record *pending = &node->storage.pending;
    if (!node->storage.commit_open) return;
    if (pending->copies_count >= STORAGE_COMMIT_COPIES_MAX) {
        pending->untracked = true;
        return;
    }
    struct storage_commit_copy *copy = &pending->copies[pending->copies_count++];
    memset(copy, 0, sizeof(*copy));
    copy->sector = sector;
    copy->sector_count = sector_count;
    copy->digest = 0;
    for (u32 i = 0; i < sector_count; i++) copy->digest = fold_sector(copy->digest, bytes + (u64)i * DISK_SECTOR_BYTES);
}

void storage_on_flush(struct platform *node, i64 result) {
    assert(node != NULL);
    struct storage_commit_record *pending = &node->storage.pending;
    if (!node->storage.commit_open) return;
    for (u32 i = 0; i < pending->copies_count; i++) {
        if (result == 0) pending->copies[i].flushed = true;
        else pending->copies[i].flush_failed = true;
    }
}

// Whether the disk now holds exactly the copy's bytes, readably.
static bool copy_intact(const struct platform *node, const struct storage_commit_copy *copy) {
    const struct sim_disk *disk = &node->disk;
    if (!disk_range_valid(disk, copy->sector, copy->sector_count)) return false;
    if (disk_range_unreadable(disk, copy->sector, copy->sector_count)) return false;
    u64 digest = 0;
    for (u32 i = 0; i < copy->sector_count; i++) {
        u8 sector_bytes[DISK_SECTOR_BYTES];
        disk_view_read(disk, copy->sector + i, sector_bytes, 1);
        digest = fold_sector(digest, sector_bytes);
    }
    return digest == copy->digest;
}

void storage_on_power_on(struct platform *node) {
    assert(node != NULL);
    struct storage_shadow *shadow = &node->storage;
    shadow->commit_open = false; // a commit the power cut short was never acknowledged
    for (u32 r = 0; r < STORAGE_RECENT_COMMITS; r++) {
        struct storage_commit_record *record = &shadow->recent[r];
        if (record->commit_seq == 0) continue;
        for (u32 i = 0; i < record->copies_count; i++) {
            record->copies[i].intact_at_boot = copy_intact(node, &record->copies[i]);
        }
    }
}

// Why commit_seq may not be excused; NULL when it may. *sector: the copy concerned,
// GRAINDB_NONE when the reason is not about one copy.
static const char *loss_reason(const struct platform *node, u64 commit_seq, u64 *sector) {
    const struct storage_commit_record *record = &node->storage.recent[commit_seq % STORAGE_RECENT_COMMITS];
    *sector = GRAINDB_NONE;
    if (storage_recoverable(node)) return "the disk faults stayed inside the atlas";
    if (record->commit_seq != commit_seq) return "not among the recent commits tracked";
    if (record->untracked || record->copies_count == 0) return "its writes were not tracked";
    for (u32 i = 0; i < record->copies_count; i++) {
        const struct storage_commit_copy *copy = &record->copies[i];
        *sector = copy->sector;
        if (copy->flush_failed) return "acknowledged although a flush after its write failed";
        if (!copy->flushed) return "acknowledged before a flush made it durable";
        if (copy->intact_at_boot) return "a copy was intact on the disk at power-on";
    }
    return NULL;
}

void storage_judge_loss(struct sim *sim, struct platform *node, u64 kept_seq, const char *how) {
    struct storage_shadow *shadow = &node->storage;
    assert(shadow->acked_any);
    assert(kept_seq < shadow->acked_seq);
    for (u64 lost = kept_seq + 1; lost <= shadow->acked_seq; lost++) {
        u64 sector = GRAINDB_NONE;
        const char *reason = loss_reason(node, lost, &sector);
        if (reason == NULL) continue;
        // A commit above the last one a commit acknowledged was adopted by a mount:
        // recovery found it (unacknowledged) and showed it, so it must not vanish.
        const char *what = lost > shadow->committed_seq ? "commit (adopted by a mount, never made durable?)"
                                                         : "acknowledged commit";
        char where[48] = "";
        if (sector != GRAINDB_NONE) snprintf(where, sizeof(where), " (sector %" PRIu64 ")", sector);
        storage_violation(sim, node, INV_ACKNOWLEDGED_WRITES_SURVIVE,
                          "%s: %s %" PRIu64 " is lost (%" PRIu64 " acknowledged, %" PRIu64 " kept) and %s%s",
                          how, what, lost, shadow->acked_seq, kept_seq, reason, where);
    }
    shadow->lost_excused += shadow->acked_seq - kept_seq;
}
