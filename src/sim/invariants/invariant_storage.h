// Shared by the storage invariants (invariant_storage*.c). Not for other files.
//
// An inspection reads the node's GrainDB from the simulator, between steps (or at a
// mount event), through graindb's own read functions. It must not change the run:
// - device reads are served by platform_sim.c's inspection path (node->inspecting):
//   no fault drawn, no latency, no trace event;
// - GrainDB's reads use its scratch buffers (io_buffer and its window, probe_buffer,
//   sector_buffer): they are saved before and restored after, so the kernel finds
//   them as it left them (tests/unit/test_sim_storage.c compares the whole struct);
// - nothing is written: platform_block_write/flush assert !inspecting, and no
//   function called can open a batch (graindb_verify refuses with one open);
// - the filesystem's own functions are not used (they trace and use fs scratch):
//   inodes and directories are decoded with the pure fs_*_decode functions into
//   the simulator's buffers.
// So a run prints the same trace hash with and without --no-invariants.
#pragma once

#include "kernel/platform.h" // BLOCK_SECTOR_SIZE_BYTES
#include "subsystems/graindb/graindb.h"

struct platform;
struct sim;

#define STORAGE_HISTORY_DEPTH 4u // newest versions of a key checked after each commit
#define STORAGE_WALK_SET_CAPACITY (2u * GRAINDB_REFS_MAX) // a power of two
#define STORAGE_KEY_TEXT_BYTES 48u
// fsck walks the whole log (every object's SHA-256), so its cost grows with the log.
// After a recovery that repaired, truncated into the mirror or found damaged copies,
// it always runs. After an uneventful one it runs when the node's budget holds the
// log's size: each step earns STORAGE_FSCK_BYTES_PER_STEP (about a fifth of a step's
// cost at most), up to STORAGE_FSCK_BUDGET_MAX_BYTES. Deterministic: counts, not time.
#define STORAGE_FSCK_BYTES_PER_STEP 1024
#define STORAGE_FSCK_BUDGET_MAX_BYTES (64ll << 20)
// The Merkle recomputation and the directory walk cost about one SHA-256 per key
// (several per key for the Merkle paths): they run after a commit or a mount when the
// node's budget holds the number of keys, each step earning
// STORAGE_STATE_REFS_PER_STEP; the walk also runs after every mount regardless. What they catch persists (a wrong incremental root, a
// wrong parent field stays until repaired), so a later check still finds it. Key
// versions and their newest history are checked after every commit (they cost only
// the keys that changed).
#define STORAGE_STATE_REFS_PER_STEP 1
#define STORAGE_STATE_BUDGET_MAX_REFS (1ll << 20)

STATIC_ASSERT((STORAGE_WALK_SET_CAPACITY & (STORAGE_WALK_SET_CAPACITY - 1)) == 0);

// The part of io_buffer the checks after a commit can overwrite: the Merkle
// recomputation's scratch tree, or one object record read (with its sector slack).
// A mount's checks (fsck scans whole windows) save all of it.
#define STORAGE_IO_SAVE_STEP_BYTES (2u * GRAINDB_MERKLE_LEAVES_COUNT * GRAINDB_HASH_BYTES)
STATIC_ASSERT(GRAINDB_OBJECT_BYTES_MAX + 4u * BLOCK_SECTOR_SIZE_BYTES <= STORAGE_IO_SAVE_STEP_BYTES);
STATIC_ASSERT(STORAGE_IO_SAVE_STEP_BYTES <= GRAINDB_IO_BYTES_MAX);

struct storage_scratch {
    // The node's GrainDB scratch, kept during an inspection.
    u8 io_buffer[GRAINDB_IO_BYTES_MAX];
    u8 probe_buffer[2 * BLOCK_SECTOR_SIZE_BYTES];
    u8 sector_buffer[BLOCK_SECTOR_SIZE_BYTES * GRAINDB_SUPERBLOCK_COPIES];
    u64 io_window_position;
    u64 io_window_bytes;
    u64 io_saved_bytes; // of io_buffer, from its start
    bool active;
    // Buffers of the checks.
    u8 object[GRAINDB_OBJECT_BYTES_MAX];
    u64 stack[GRAINDB_REFS_MAX + 1];           // directories still to walk
    u64 visited[STORAGE_WALK_SET_CAPACITY];    // inode + 1 per slot, 0: empty
    u32 names[STORAGE_WALK_SET_CAPACITY];      // per slot: entries naming a non-directory
    u32 nlinks[STORAGE_WALK_SET_CAPACITY];     // per slot: its record's link count (0: a directory)
    struct graindb_ref_info history[STORAGE_HISTORY_DEPTH];
    struct graindb_verify_report verify;
    struct fs *decode; // fs_directory_decode's target: only its entries are used
};

// Starts an inspection of node's mounted GrainDB (allocating the scratch on first use).
// whole: the checks may scan the log (fsck), so all of io_buffer is kept.
struct storage_scratch *storage_inspection_begin(struct sim *sim, struct platform *node, bool whole);
void storage_inspection_end(struct platform *node, struct storage_scratch *scratch);

// Reports a violation (ends the run), with a formatted detail.
_Noreturn void storage_violation(struct sim *sim, struct platform *node, u32 invariant,
                                 const char *format, ...) __attribute__((format(printf, 4, 5)));
// reads_return_written_bytes for one object read (hash, the bytes returned).
void storage_check_read(struct sim *sim, struct platform *node, u64 hash_prefix, u64 digest,
                        u64 size_bytes, const char *where);
// The key as text for a report (non-printable bytes as '?').
void storage_key_text(const u8 *key, u32 key_len, char text[STORAGE_KEY_TEXT_BYTES]);
bool storage_recoverable(const struct platform *node);
// Whether a version written by commit_seq may be unreadable (an error, never data).
bool storage_unreadable_excused(const struct platform *node, u64 commit_seq);

// invariant_storage_loss.c: the copies of recent commits, and judging a loss.
void storage_commit_begin(struct platform *node, u64 commit_seq);
void storage_commit_end(struct platform *node, u64 commit_seq, bool acknowledged);
// The database went back to kept_seq (< the highest acknowledged): a violation unless
// every lost commit may be excused (the run goes on, counting them).
void storage_judge_loss(struct sim *sim, struct platform *node, u64 kept_seq, const char *how);

// The checks, each on an inspection already begun.
void storage_check_keys_within(struct sim *sim, struct platform *node, u64 commit_seq);
void storage_check_merkle(struct sim *sim, struct platform *node);
void storage_check_versions(struct sim *sim, struct platform *node, struct storage_scratch *scratch,
                            u64 changed_after_seq);
void storage_check_fsck(struct sim *sim, struct platform *node, struct storage_scratch *scratch);
void storage_check_tree(struct sim *sim, struct platform *node, struct storage_scratch *scratch);
// The inodes written after changed_after_seq only (after every commit).
void storage_check_tree_changed(struct sim *sim, struct platform *node, struct storage_scratch *scratch,
                                u64 changed_after_seq);
