// Storage invariants, part 1: the kernel's storage events (commits, mounts, object
// writes and reads) against the node's storage shadow, and when the state checks of
// invariant_storage_state.c and invariant_storage_tree.c run: after the first step of
// a boot that mounted, and after every step that changed the commit seq.
//
// What a mount must show (acknowledged_writes_survive, batches_all_or_nothing): the
// shadow keeps the highest acknowledged commit and its Merkle root (TRACE_DB_COMMIT
// with result 0), and the commit started after it but not acknowledged, if any
// (TRACE_DB_COMMIT_START without a successful TRACE_DB_COMMIT). A mount at
// - a lower commit lost acknowledged data;
// - the acknowledged commit must show its root exactly (not part of a later batch);
// - one past it is accepted only when that commit was started (it may survive);
// - anything else shows commits that were never made.
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/invariants/invariant_storage.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/disk.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "sim/violation.h"

_Noreturn void storage_violation(struct sim *sim, struct platform *node, u32 invariant,
                                 const char *format, ...) {
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(detail, sizeof(detail), format, args);
    va_end(args);
    sim_violation(sim, node, invariant, detail);
}

bool storage_recoverable(const struct platform *node) {
    assert(node != NULL);
    return node->disk.fault_scope != DISK_FAULTS_UNRESTRICTED; // recoverable, or its checkpoint focus
}

bool storage_unreadable_excused(const struct platform *node, u64 commit_seq) {
    assert(node != NULL);
    if (!storage_recoverable(node)) return true; // damage outside the atlas: detected, not wrong
    // A commit that was never acknowledged but survived (recovery took it from the
    // mirror) whose write-back failed: the database is failed (read-only) and says so.
    return graindb_failed(&node->kernel.fs.db) && commit_seq > node->invariants.storage_mount_base_seq;
}

void storage_key_text(const u8 *key, u32 key_len, char text[STORAGE_KEY_TEXT_BYTES]) {
    assert(key != NULL);
    assert(text != NULL);
    u32 n = key_len < STORAGE_KEY_TEXT_BYTES - 1 ? key_len : STORAGE_KEY_TEXT_BYTES - 1;
    for (u32 i = 0; i < n; i++) text[i] = key[i] >= 0x20 && key[i] < 0x7f ? (char)key[i] : '?';
    text[n] = '\0';
}

// ---- inspections --------------------------------------------------------------------
static struct storage_scratch *scratch_get(struct sim *sim) {
    if (sim->storage_scratch != NULL) return sim->storage_scratch;
    struct storage_scratch *scratch = calloc(1, sizeof(*scratch));
    struct fs *decode = calloc(1, sizeof(*decode));
    if (scratch == NULL || decode == NULL) {
        fprintf(stdout, "basin-sim: out of memory for the storage inspections\n");
        exit(2);
    }
    scratch->decode = decode;
    sim->storage_scratch = scratch;
    return scratch;
}

void storage_scratch_destroy(struct storage_scratch *scratch) {
    if (scratch == NULL) return;
    free(scratch->decode);
    free(scratch);
}

struct storage_scratch *storage_inspection_begin(struct sim *sim, struct platform *node, bool whole) {
    assert(sim != NULL);
    assert(node != NULL);
    assert(!node->inspecting);
    assert(!node->power_unwind_armed);
    struct storage_scratch *scratch = scratch_get(sim);
    assert(!scratch->active);
    const struct graindb *db = &node->kernel.fs.db;
    STATIC_ASSERT(sizeof(scratch->io_buffer) == sizeof(db->io_buffer));
    STATIC_ASSERT(sizeof(scratch->probe_buffer) == sizeof(db->probe_buffer));
    STATIC_ASSERT(sizeof(scratch->sector_buffer) == sizeof(db->sector_buffer));
    scratch->io_saved_bytes = whole ? sizeof(db->io_buffer) : STORAGE_IO_SAVE_STEP_BYTES;
    memcpy(scratch->io_buffer, db->io_buffer, scratch->io_saved_bytes);
    memcpy(scratch->probe_buffer, db->probe_buffer, sizeof(db->probe_buffer));
    memcpy(scratch->sector_buffer, db->sector_buffer, sizeof(db->sector_buffer));
    scratch->io_window_position = db->io_window_position;
    scratch->io_window_bytes = db->io_window_bytes;
    scratch->active = true;
    node->inspecting = true;
    return scratch;
}

void storage_inspection_end(struct platform *node, struct storage_scratch *scratch) {
    assert(node != NULL);
    assert(scratch != NULL);
    assert(node->inspecting);
    assert(scratch->active);
    struct graindb *db = &node->kernel.fs.db;
    assert(scratch->io_saved_bytes <= sizeof(db->io_buffer));
    memcpy(db->io_buffer, scratch->io_buffer, scratch->io_saved_bytes);
    memcpy(db->probe_buffer, scratch->probe_buffer, sizeof(db->probe_buffer));
    memcpy(db->sector_buffer, scratch->sector_buffer, sizeof(db->sector_buffer));
    db->io_window_position = scratch->io_window_position;
    db->io_window_bytes = scratch->io_window_bytes;
    scratch->active = false;
    node->inspecting = false;
}

// ---- events -----------------------------------------------------------------------
void storage_check_read(struct sim *sim, struct platform *node, u64 hash_prefix, u64 digest,
                        u64 size_bytes, const char *where) {
    sim->invariant_checks[INV_READS_RETURN_WRITTEN_BYTES]++;
    const struct storage_object_entry *entry = storage_object_find(&node->storage, hash_prefix);
    if (entry == NULL) {
        storage_violation(sim, node, INV_READS_RETURN_WRITTEN_BYTES,
                          "%s: object %016" PRIx64 " read (%" PRIu64 " bytes) was never written on this disk",
                          where, hash_prefix, size_bytes);
    }
    if (entry->digest != digest || entry->size_bytes != size_bytes) {
        storage_violation(sim, node, INV_READS_RETURN_WRITTEN_BYTES,
                          "%s: object %016" PRIx64 " read as %" PRIu64 " bytes (fnv %016" PRIx64
                          "), written as %u bytes (fnv %016" PRIx64 ")",
                          where, hash_prefix, size_bytes, digest, entry->size_bytes, entry->digest);
    }
}

static void object_written(struct platform *node, u64 hash_prefix, u64 digest, u64 size_bytes) {
    assert(size_bytes <= GRAINDB_OBJECT_BYTES_MAX);
    struct storage_object_entry *entry = storage_object_insert(&node->storage, hash_prefix);
    // Content addressed: a second write of a prefix is the same bytes (a 2^-64 accident
    // otherwise); the newest description wins either way.
    entry->digest = digest;
    entry->size_bytes = (u32)size_bytes;
}

// An acknowledged commit must come after every one acknowledged before (an empty
// batch acknowledges the current state again): a lower or rewritten one means the
// database went back (say, recovery cut acknowledged commits and the kernel wrote on).
static void commit_done(struct sim *sim, struct platform *node, u64 commit_seq, u64 root, i64 result) {
    struct storage_shadow *shadow = &node->storage;
    if (result != 0) { // not acknowledged: started_seq stays, it may or may not survive
        storage_commit_end(node, commit_seq, false);
        return;
    }
    sim->invariant_checks[INV_ACKNOWLEDGED_WRITES_SURVIVE]++;
    bool same = commit_seq == shadow->acked_seq && root == shadow->acked_root;
    if (shadow->acked_any && commit_seq <= shadow->acked_seq && !same) {
        assert(commit_seq >= 1);
        storage_judge_loss(sim, node, commit_seq - 1, "the database went back: a new commit took its number");
    }
    storage_commit_end(node, commit_seq, true);
    node->invariants.storage_boot_commits++;
    shadow->committed_seq = commit_seq;
    shadow->acked_any = true;
    shadow->acked_seq = commit_seq;
    shadow->acked_root = root;
    shadow->started_seq = 0;
}

static void mount_refused(struct sim *sim, struct platform *node) {
    sim->invariant_checks[INV_ACKNOWLEDGED_WRITES_SURVIVE]++;
    const struct graindb_open_stats *stats = &node->kernel.fs.db.open_stats;
    // Refusals of recovery, and a filesystem that GrainDB opened but that found an
    // acknowledged object missing (-E_NOENT: not in the index at all) while completing
    // an interrupted first boot. A first boot whose formatting failed (a write error)
    // has nothing acknowledged to lose; one that could not write or read (-E_IO, or
    // -E_BADMSG: GrainDB reports a candidate it could not read so) or ran out of room
    // was told so.
    i64 fs_error = node->kernel.fs.mount_error;
    bool data_lost = stats->error == 0 && fs_error == -E_NOENT;
    if (!storage_recoverable(node) || (stats->error == 0 && !data_lost) || !node->storage.acked_any) return;
    storage_violation(sim, node, INV_ACKNOWLEDGED_WRITES_SURVIVE,
                      "mount refused (error %" PRId64 ": %s at %" PRIu64 ") with disk faults inside "
                      "the atlas; commit %" PRIu64 " was acknowledged",
                      data_lost ? -fs_error : -stats->error,
                      data_lost ? "the filesystem found acknowledged data missing"
                                : stats->problem != NULL ? stats->problem : "no reason given",
                      stats->problem_position, node->storage.acked_seq);
}

static void mounted(struct sim *sim, struct platform *node, u64 commit_seq, u64 root) {
    struct storage_shadow *shadow = &node->storage;
    sim->invariant_checks[INV_ACKNOWLEDGED_WRITES_SURVIVE]++;
    if (node->kernel.fs.db.open_stats.checkpoint_damaged) sim->checkpoints_damaged_at_mount++;
    if (node->kernel.fs.db.open_stats.checkpoint_unnamed) sim->checkpoints_unnamed_at_mount++;
    bool lost = shadow->acked_any && commit_seq < shadow->acked_seq;
    if (lost) storage_judge_loss(sim, node, commit_seq, "mounted at an earlier commit");
    sim->invariant_checks[INV_BATCHES_ALL_OR_NOTHING]++;
    if (!lost && shadow->acked_any && commit_seq == shadow->acked_seq && root != shadow->acked_root) {
        storage_violation(sim, node, INV_BATCHES_ALL_OR_NOTHING,
                          "mounted at commit %" PRIu64 " with merkle root %016" PRIx64
                          ", but that commit was acknowledged with root %016" PRIx64,
                          commit_seq, root, shadow->acked_root);
    }
    u64 known = shadow->acked_any ? shadow->acked_seq : 0;
    if (!lost && commit_seq > known && !(commit_seq == known + 1 && shadow->started_seq == commit_seq)) {
        storage_violation(sim, node, INV_BATCHES_ALL_OR_NOTHING,
                          "mounted at commit %" PRIu64 ", but commits went only up to %" PRIu64
                          " acknowledged (%" PRIu64 " started)",
                          commit_seq, known, shadow->started_seq);
    }
    // What is mounted is the truth from now on (an unacknowledged commit that survived
    // must survive the next crash too).
    node->invariants.storage_mount_base_seq = shadow->acked_seq;
    shadow->acked_any = true;
    shadow->acked_seq = commit_seq;
    shadow->acked_root = root;
    shadow->started_seq = 0;
    node->invariants.storage_mount_pending = true;
    node->invariants.storage_mount_wrote = node->invariants.storage_boot_commits > 0;
    node->invariants.storage_mount_damaged = node->invariants.storage_boot_damage > 0;
}

void storage_on_event(struct sim *sim, struct platform *node, const struct trace_event *event) {
    assert(sim != NULL);
    assert(node != NULL);
    assert(event != NULL);
    switch (event->kind) {
    case TRACE_FS_OBJECT_WRITE: object_written(node, event->a, event->b, event->c); break;
    case TRACE_FS_OBJECT_READ: storage_check_read(sim, node, event->a, event->b, event->c, "filesystem read"); break;
    case TRACE_DB_COMMIT_START:
        node->storage.started_seq = event->a;
        if (event->b > node->storage.compactions) node->storage.compactions = event->b;
        storage_commit_begin(node, event->a);
        break;
    case TRACE_DB_COMMIT: commit_done(sim, node, event->a, event->b, (i64)event->c); break;
    case TRACE_FS_MOUNT:
        if (event->a == FS_MOUNTED) mounted(sim, node, event->b, event->c);
        else if (event->a == FS_REFUSED) mount_refused(sim, node);
        break;
    default: break;
    }
}

// ---- after steps --------------------------------------------------------------------
static bool inspectable(const struct kernel *k) {
    return k->fs.state == FS_MOUNTED && k->fs.db.open && !k->fs.db.batch_open;
}

void storage_after_step(struct sim *sim, struct platform *node) {
    assert(sim != NULL);
    assert(node != NULL);
    const struct kernel *k = &node->kernel;
    struct storage_shadow *shadow = &node->storage;
    if (shadow->fsck_budget_bytes < STORAGE_FSCK_BUDGET_MAX_BYTES) shadow->fsck_budget_bytes += STORAGE_FSCK_BYTES_PER_STEP;
    if (shadow->state_budget_refs < STORAGE_STATE_BUDGET_MAX_REFS) shadow->state_budget_refs += STORAGE_STATE_REFS_PER_STEP;
    if (!inspectable(k)) return;
    struct invariant_node_state *state = &node->invariants;
    u64 seq = graindb_commit_seq(&k->fs.db);
    bool mount = state->storage_mount_pending;
    if (!mount && seq == state->storage_checked_seq) return;
    // Recovery builds the Merkle tree the way the recomputation does, so right after a
    // mount only the tree walk is due at once; the recomputation waits for budget.
    i64 state_cost = (i64)graindb_ref_count(&k->fs.db) + 1;
    bool whole = shadow->state_budget_refs >= state_cost;
    struct storage_scratch *scratch = storage_inspection_begin(sim, node, mount);
    if (mount) storage_check_keys_within(sim, node, seq);
    if (whole) storage_check_merkle(sim, node);
    storage_check_versions(sim, node, scratch, mount ? 0 : state->storage_checked_seq);
    if (mount) storage_check_fsck(sim, node, scratch);
    if (whole || mount) storage_check_tree(sim, node, scratch);
    else storage_check_tree_changed(sim, node, scratch, state->storage_checked_seq);
    storage_inspection_end(node, scratch);
    if (whole || mount) shadow->state_budget_refs -= state_cost; // may go below zero: later ones wait
    if (!whole) shadow->state_skipped++;
    state->storage_mount_pending = false;
    state->storage_checked_seq = seq;
}
