// Storage invariants, part 2: whole-state checks of a node's GrainDB, run inside an
// inspection (invariant_storage.h): no key from a later commit after a mount, the
// incremental Merkle root against a recomputation, key versions and their history
// under GrainDB's retention rule (graindb.h), and fsck after a mount.
#include <inttypes.h>
#include <stdio.h>

#include "sim/invariants/invariant_storage.h"
#include "kernel/lib/endian.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"

void storage_check_keys_within(struct sim *sim, struct platform *node, u64 commit_seq) {
    struct graindb *db = &node->kernel.fs.db;
    sim->invariant_checks[INV_BATCHES_ALL_OR_NOTHING]++;
    u32 count = graindb_ref_count(db);
    for (u32 i = 0; i < count; i++) {
        u8 key[GRAINDB_KEY_LEN_MAX];
        u32 key_len = 0;
        struct graindb_ref_info info;
        i64 result = graindb_ref_at(db, i, key, &key_len, &info);
        assert(result == 0);
        if (info.commit_seq <= commit_seq) continue;
        char text[STORAGE_KEY_TEXT_BYTES];
        storage_key_text(key, key_len, text);
        storage_violation(sim, node, INV_BATCHES_ALL_OR_NOTHING,
                          "mounted at commit %" PRIu64 ", but key '%s' holds version %u of commit %" PRIu64
                          " (part of a batch that did not commit)",
                          commit_seq, text, info.key_version, info.commit_seq);
    }
}

void storage_check_merkle(struct sim *sim, struct platform *node) {
    struct graindb *db = &node->kernel.fs.db;
    assert(node->inspecting);
    sim->invariant_checks[INV_MERKLE_INCREMENTAL_EQUALS_RECOMPUTED]++;
    u8 incremental[GRAINDB_HASH_BYTES];
    u8 recomputed[GRAINDB_HASH_BYTES];
    graindb_merkle_root(db, incremental);
    graindb_merkle_recompute(db, recomputed);
    if (mem_equal(incremental, recomputed, GRAINDB_HASH_BYTES)) return;
    storage_violation(sim, node, INV_MERKLE_INCREMENTAL_EQUALS_RECOMPUTED,
                      "at commit %" PRIu64 " the incremental merkle root is %016" PRIx64
                      "..., recomputed from the %u refs it is %016" PRIx64 "...",
                      graindb_commit_seq(db), load_u64_le(incremental), graindb_ref_count(db),
                      load_u64_le(recomputed));
}

// What one key's history must look like under the retention rule (base: the commit the
// last compaction kept): versions k, k-1, ... in falling commits; the chain ends before
// version 1 only at the version current at the base (commit <= base), and holds no
// version older than that one. Returns whether the chain reached version 1 with every
// version after the base (a key written anew after a compaction forgot it).
static bool check_history(struct sim *sim, struct platform *node, struct storage_scratch *scratch,
                          const u8 *key, u32 key_len, const struct graindb_ref_info *current, u64 base) {
    struct graindb *db = &node->kernel.fs.db;
    char text[STORAGE_KEY_TEXT_BYTES];
    storage_key_text(key, key_len, text);
    u32 count = 0;
    i64 result = graindb_ref_history(db, key, key_len, scratch->history, STORAGE_HISTORY_DEPTH, &count);
    if (result < 0) {
        if (storage_unreadable_excused(node, current->commit_seq)) return false;
        storage_violation(sim, node, INV_ACKNOWLEDGED_WRITES_SURVIVE,
                          "history of key '%s' (version %u) unreadable: error %" PRId64, text,
                          current->key_version, -result);
    }
    for (u32 i = 0; i < count; i++) {
        const struct graindb_ref_info *version = &scratch->history[i];
        bool in_order = i == 0 ? version->commit_seq == current->commit_seq
                               : version->commit_seq < scratch->history[i - 1].commit_seq;
        bool older_than_kept = i + 1 < count && version->commit_seq <= base;
        if (version->key_version == current->key_version - i && in_order && !older_than_kept) continue;
        storage_violation(sim, node, INV_VERSION_HISTORY_ONLY_GROWS,
                          "key '%s': history entry %u is version %u of commit %" PRIu64
                          ", expected version %u of an earlier commit%s (compaction kept commit %" PRIu64 ")",
                          text, i, version->key_version, version->commit_seq, current->key_version - i,
                          older_than_kept ? ", and none older than the one current then" : "", base);
    }
    bool ended = count < STORAGE_HISTORY_DEPTH && count < current->key_version;
    const struct graindb_ref_info *oldest = count > 0 ? &scratch->history[count - 1] : NULL;
    if (count == 0 || (ended && oldest->commit_seq > base)) {
        storage_violation(sim, node, INV_VERSION_HISTORY_ONLY_GROWS,
                          "key '%s' is at version %u but its history holds %u version%s, the oldest of commit "
                          "%" PRIu64 " (after commit %" PRIu64 ", which the last compaction kept)",
                          text, current->key_version, count, count == 1 ? "" : "s",
                          oldest != NULL ? oldest->commit_seq : 0, base);
    }
    return count == current->key_version && oldest->key_version == 1 && oldest->commit_seq > base;
}

// One key (current version info): the retention rule's checks and its version shadow.
static void check_key(struct sim *sim, struct platform *node, struct storage_scratch *scratch, const u8 *key,
                      u32 key_len, const struct graindb_ref_info *info, u64 base) {
    char text[STORAGE_KEY_TEXT_BYTES];
    storage_key_text(key, key_len, text);
    if (info->deleted && info->commit_seq <= base) {
        storage_violation(sim, node, INV_VERSION_HISTORY_ONLY_GROWS,
                          "key '%s' was deleted by commit %" PRIu64 ", but the compaction that kept commit %" PRIu64
                          " did not forget it (version %u)", text, info->commit_seq, base, info->key_version);
    }
    bool fresh = check_history(sim, node, scratch, key, key_len, info, base);
    struct storage_key_entry *shadow = storage_key_find_or_insert(&node->storage, trace_hash_bytes(key, key_len));
    bool forgotten_since = shadow->seen_seq <= base && fresh;
    if (info->key_version < shadow->key_version && !forgotten_since) {
        storage_violation(sim, node, INV_VERSION_HISTORY_ONLY_GROWS,
                          "key '%s' is at version %u (commit %" PRIu64 "), but version %u (commit %" PRIu64
                          ") was seen before", text, info->key_version, info->commit_seq, shadow->key_version,
                          shadow->seen_seq);
    }
    shadow->key_version = info->key_version;
    shadow->seen_seq = info->commit_seq;
}

void storage_check_versions(struct sim *sim, struct platform *node, struct storage_scratch *scratch,
                            u64 changed_after_seq) {
    struct graindb *db = &node->kernel.fs.db;
    assert(node->inspecting);
    sim->invariant_checks[INV_VERSION_HISTORY_ONLY_GROWS]++;
    struct graindb_space space;
    graindb_space(db, &space);
    // A compaction cut every key's history and forgot deleted keys: all are checked.
    if (space.history_base_seq != node->storage.history_base_seq) changed_after_seq = 0;
    node->storage.history_base_seq = space.history_base_seq;
    u32 count = graindb_ref_count(db);
    for (u32 i = 0; i < count; i++) {
        u8 key[GRAINDB_KEY_LEN_MAX];
        u32 key_len = 0;
        struct graindb_ref_info info;
        i64 result = graindb_ref_at(db, i, key, &key_len, &info);
        assert(result == 0);
        assert(key_len > 0);
        if (info.commit_seq <= changed_after_seq) continue; // unchanged since the last check
        check_key(sim, node, scratch, key, key_len, &info, space.history_base_seq);
    }
}

// A recovery that found something to mend (see STORAGE_FSCK_BYTES_PER_STEP).
static bool recovery_eventful(const struct graindb *db) {
    const struct graindb_open_stats *stats = &db->open_stats;
    u32 mirror_expected = graindb_commit_seq(db) < GRAINDB_MIRROR_SLOTS_COUNT ? (u32)graindb_commit_seq(db)
                                                                                : GRAINDB_MIRROR_SLOTS_COUNT;
    return stats->repaired || stats->recovered_from_mirror > 0 || stats->checkpoint_damaged ||
           stats->superblock_copies_valid < GRAINDB_SUPERBLOCK_COPIES || stats->mirror_slots_valid < mirror_expected;
}

void storage_check_fsck(struct sim *sim, struct platform *node, struct storage_scratch *scratch) {
    struct graindb *db = &node->kernel.fs.db;
    assert(node->inspecting);
    // Unrestricted faults may leave damage recovery cannot repair (detected, not
    // wrong); a failed repair write leaves the database read-only with the damage.
    if (!storage_recoverable(node) || graindb_failed(db)) return;
    // A boot that formatted the disk (or completed an interrupted first boot) wrote
    // on after opening it: what fsck would see is not what recovery left.
    if (node->invariants.storage_mount_wrote) return;
    struct storage_shadow *shadow = &node->storage;
    // GrainDB reads its repairs back (bounded tries); only a recovery that reports a
    // repair that never read back, while media damage struck, is excused (counted).
    if (node->invariants.storage_mount_damaged && db->open_stats.repairs_unverified > 0) {
        shadow->fsck_damaged_recoveries++;
        return;
    }
    i64 cost = (i64)db->append_position;
    if (!recovery_eventful(db) && shadow->fsck_budget_bytes < cost) {
        shadow->fsck_skipped++;
        return;
    }
    shadow->fsck_budget_bytes -= cost; // may go below zero: the next ones wait
    sim->invariant_checks[INV_FSCK_CLEAN_AFTER_RECOVERY]++;
    struct graindb_verify_report *report = &scratch->verify;
    i64 result = graindb_verify(db, report);
    if (result == 0) return;
    const struct graindb_problem *first = &report->problems[0];
    const struct graindb_open_stats *stats = &db->open_stats;
    storage_violation(sim, node, INV_FSCK_CLEAN_AFTER_RECOVERY,
                      "graindb_verify after recovery to commit %" PRIu64 ": %u problem%s, first: %s "
                      "(error %" PRId64 ", at %" PRIu64 "); superblock copies valid %u, repaired %u",
                      graindb_commit_seq(db), report->problems_count, report->problems_count == 1 ? "" : "s",
                      report->problems_count > 0 ? first->what : "none listed",
                      report->problems_count > 0 ? -first->error : -result,
                      report->problems_count > 0 ? first->position : 0, report->superblock_copies_valid,
                      (u32)stats->repaired);
}
