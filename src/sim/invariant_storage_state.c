// Storage invariants, part 2: whole-state checks of a node's GrainDB, run inside an
// inspection (invariant_storage.h): no key from a later commit after a mount, the
// incremental Merkle root against a recomputation, key versions and their history,
// and fsck after a mount.
#include <inttypes.h>
#include <stdio.h>

#include "invariant_storage.h"
#include "../kernel/mem.h"

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

// The newest versions of one key: k, k-1, ... (down to 1 or the depth), each from an
// earlier commit than the one after it.
static void check_history(struct sim *sim, struct platform *node, struct storage_scratch *scratch,
                          const u8 *key, u32 key_len, const struct graindb_ref_info *current) {
    struct graindb *db = &node->kernel.fs.db;
    char text[STORAGE_KEY_TEXT_BYTES];
    storage_key_text(key, key_len, text);
    u32 count = 0;
    i64 result = graindb_ref_history(db, key, key_len, scratch->history, STORAGE_HISTORY_DEPTH, &count);
    if (result < 0) {
        if (storage_unreadable_excused(node, current->commit_seq)) return;
        storage_violation(sim, node, INV_ACKNOWLEDGED_WRITES_SURVIVE,
                          "history of key '%s' (version %u) unreadable: error %" PRId64, text,
                          current->key_version, -result);
    }
    u32 expected = current->key_version < STORAGE_HISTORY_DEPTH ? current->key_version : STORAGE_HISTORY_DEPTH;
    if (count != expected) {
        storage_violation(sim, node, INV_VERSION_HISTORY_ONLY_GROWS,
                          "key '%s' is at version %u but its history holds %u version%s (expected %u)",
                          text, current->key_version, count, count == 1 ? "" : "s", expected);
    }
    for (u32 i = 0; i < count; i++) {
        const struct graindb_ref_info *version = &scratch->history[i];
        bool in_order = i == 0 ? version->commit_seq == current->commit_seq
                               : version->commit_seq < scratch->history[i - 1].commit_seq;
        if (version->key_version == current->key_version - i && in_order) continue;
        storage_violation(sim, node, INV_VERSION_HISTORY_ONLY_GROWS,
                          "key '%s': history entry %u is version %u of commit %" PRIu64
                          ", expected version %u of an earlier commit",
                          text, i, version->key_version, version->commit_seq, current->key_version - i);
    }
}

void storage_check_versions(struct sim *sim, struct platform *node, struct storage_scratch *scratch,
                            u64 changed_after_seq) {
    struct graindb *db = &node->kernel.fs.db;
    assert(node->inspecting);
    sim->invariant_checks[INV_VERSION_HISTORY_ONLY_GROWS]++;
    u32 count = graindb_ref_count(db);
    for (u32 i = 0; i < count; i++) {
        u8 key[GRAINDB_KEY_LEN_MAX];
        u32 key_len = 0;
        struct graindb_ref_info info;
        i64 result = graindb_ref_at(db, i, key, &key_len, &info);
        assert(result == 0 && key_len > 0);
        if (info.commit_seq <= changed_after_seq) continue; // unchanged since the last check
        struct storage_key_entry *shadow = storage_key_find_or_insert(&node->storage, trace_hash_bytes(key, key_len));
        if (info.key_version < shadow->key_version) {
            char text[STORAGE_KEY_TEXT_BYTES];
            storage_key_text(key, key_len, text);
            storage_violation(sim, node, INV_VERSION_HISTORY_ONLY_GROWS,
                              "key '%s' is at version %u (commit %" PRIu64 "), but version %u was seen before",
                              text, info.key_version, info.commit_seq, shadow->key_version);
        }
        shadow->key_version = info.key_version;
        check_history(sim, node, scratch, key, key_len, &info);
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
