// GrainDB: the storage engine under the filesystem and the Zix store.
//
// An append-only log of checksummed records on the block device (platform.h),
// content-addressed objects (SHA-256, checked on every read) that may link to other
// objects, versioned refs (key -> object), atomic batches, superblock copies with
// quorums, a mirrored tail that says how far the log got and repairs its last commits,
// checkpoints, fsck, a Merkle root over the current refs, and compaction: the log
// lives in one of two zones, and when the active zone fills up the live state is
// copied into the other one (a semispace collector), so the space of deleted and
// overwritten data comes back. Portable kernel code: no allocation, no globals, all
// state in struct graindb (about 4.5 MiB on LP64; asserted to stay under
// GRAINDB_STATE_BYTES_MAX = 5 MiB).
//
// On-disk format (sectors of BLOCK_SECTOR_SIZE_BYTES, integers little-endian):
//   sectors 0..3      superblock copies (copy i names i): geometry, db_id, sequence,
//                     the active zone and its generation, the compacted base at its
//                     start, the newest checkpoint. Written all four, then flushed.
//   sectors 4..579    the tail mirror: two slots of GRAINDB_BATCH_BYTES_MAX. A commit
//                     writes its batch to the log and the same bytes to slot
//                     commit_seq % 2, then flushes once, then is acknowledged. So the
//                     last acknowledged commit always has two durable copies: recovery
//                     repairs it from the other when one is damaged (or was lost or
//                     misdirected), and the mirror says how far the log got: damage
//                     before that is corruption, an invalid tail after it with no copy
//                     in the mirror is the torn last write (Protocol-Aware Recovery's
//                     distinction, made with one flush per commit).
//   sectors 584..end  two log zones of equal size; the superblock names the active one.
//                     A batch starts on a sector boundary: records at 8-byte aligned
//                     offsets, the last one a COMMIT, zero padding to the sector end.
//                     The COMMIT carries a checksum of the batch's bytes before it: a
//                     torn tail is cut and that commit written again at the same place,
//                     so a second torn write may leave sectors of both writes, each
//                     record valid on its own; only the whole batch counts.
//                     Every record starts with a 40-byte header: checksum (XXH3-64 of
//                     the rest), record id (db_id mixed with the zone's generation, so
//                     what an earlier generation left in a zone is foreign), its own
//                     position in the zone, commit_seq, length, type. Checkpoints are
//                     CHUNK records (serialized index) and an END record, also in the log.
// The log is the truth: checkpoints and superblocks only say where replay may start.
//
// Compaction (compact.c) writes into the inactive zone: first the compacted base, COPY
// batches holding every object reachable from a live ref (through links) and each live
// key's current REF record (its key_version and commit kept, its link to older versions
// cut), then a checkpoint, then a flush, and only then the superblock switch (all four
// copies written and read back), which is the commit point: a power loss before it
// leaves the old zone complete and untouched, after it the new one. Commit sequence
// numbers go on growing; nothing of a compaction is a commit.
//
// Retention rule (what history is kept): every version of a key written since the last
// compaction, and the version that was current when it ran (copied with its key_version
// and commit_seq; versions before it are forgotten). A key that was deleted when a
// compaction ran is forgotten entirely: its entry and key bytes are freed, and when it
// is written again it starts over at version 1. Objects not reachable from a live ref
// through links (older versions' data, objects put without a ref) are dropped by the
// next compaction. graindb_space() says which commit the last compaction kept
// (history_base_seq): graindb_ref_get_at() answers for commits before it only with the
// version then current, or -E_NOENT.
#pragma once

#include "kernel/abi.h"
#include "kernel/platform.h"
#include "kernel/lib/types.h"

// ---- limits -------------------------------------------------------------------------
#define GRAINDB_HASH_BYTES 32u
#define GRAINDB_KEY_LEN_MAX 128u
#define GRAINDB_OBJECT_BYTES_MAX 32768u
#define GRAINDB_OBJECT_LINKS_MAX (GRAINDB_OBJECT_BYTES_MAX / GRAINDB_HASH_BYTES)
// One commit, records and padding included: a 128 KiB file in 4 KiB chunks with its
// inode record and ref fits (the filesystem commits a file in one batch).
#define GRAINDB_BATCH_BYTES_MAX 147456u
#define GRAINDB_BATCH_REFS_MAX 256u      // ref updates in one batch
#define GRAINDB_BATCH_OBJECTS_MAX 256u   // new objects in one batch
#define GRAINDB_REFS_MAX 8192u           // keys at once (a deleted key until the next compaction)
#define GRAINDB_REF_SLOTS_COUNT 16384u   // hash table slots for keys (power of two)
#define GRAINDB_KEY_ARENA_BYTES_MAX 262144u
#define GRAINDB_OBJECTS_MAX 196608u      // distinct objects at once (3/4 of the slots)
#define GRAINDB_OBJECT_SLOTS_COUNT 262144u
#define GRAINDB_MERKLE_LEAVES_COUNT 1024u
#define GRAINDB_IO_BYTES_MAX (3u * GRAINDB_BATCH_BYTES_MAX)
#define GRAINDB_SUPERBLOCK_COPIES 4u
#define GRAINDB_SUPERBLOCK_QUORUM 2u     // identical valid copies preferred when choosing
#define GRAINDB_MIRROR_SLOTS_COUNT 2u    // the last two batches
#define GRAINDB_LOG_START_SECTOR 584u    // after the superblocks and the mirror, 8-aligned
// The fixed layout before the log (a fault atlas needs it, see graindb_layout): the
// superblock copies are sectors 0..GRAINDB_SUPERBLOCK_COPIES-1, then the mirror slots,
// one whole batch each.
#define GRAINDB_MIRROR_FIRST_SECTOR GRAINDB_SUPERBLOCK_COPIES
#define GRAINDB_MIRROR_SLOT_SECTORS (GRAINDB_BATCH_BYTES_MAX / BLOCK_SECTOR_SIZE_BYTES)
#define GRAINDB_ZONES_COUNT 2u
#define GRAINDB_ZONE_BYTES_MAX (4ull * 1024 * 1024 * 1024) // positions kept as u32 / 8, top bits free
// The end of a zone that only batches which shrink the live state may use (a batch
// with a tombstone and no new key: rm, rmdir, rename over a file), so removing files
// is possible on a full disk; and the smallest zone (a full batch, the reserve, and
// room for the live state).
#define GRAINDB_ZONE_RESERVE_BYTES GRAINDB_BATCH_BYTES_MAX
#define GRAINDB_ZONE_BYTES_MIN (4ull * GRAINDB_BATCH_BYTES_MAX)
// Compaction runs at batch_begin when the active zone has no room for a whole batch
// outside the reserve (or an index is nearly full), once per this much log appended or
// after a delete; it goes ahead only when it frees at least this much, or the room a
// whole batch needs, or index entries.
#define GRAINDB_COMPACT_RETRY_BYTES (GRAINDB_BATCH_BYTES_MAX / 4u)
#define GRAINDB_COMPACT_GAIN_MIN_BYTES (GRAINDB_BATCH_BYTES_MAX / 4u)
#define GRAINDB_CHECKPOINT_INTERVAL_BYTES (8u * 1024u * 1024u)
// A smaller interval is raised to this: a checkpoint after every small commit would fill
// the log with checkpoints (each holds the whole index) and compact it over and over.
#define GRAINDB_CHECKPOINT_INTERVAL_BYTES_MIN (16u * 1024u)
#define GRAINDB_TAIL_SCAN_BYTES (2u * GRAINDB_BATCH_BYTES_MAX)
#define GRAINDB_VERIFY_PROBLEMS_KEPT 8u
#define GRAINDB_READ_ATTEMPTS_MAX 2u     // a read that fails its checks is read again once
#define GRAINDB_REPAIR_TRIES_MAX 3u      // writes of one repair that does not read back
#define GRAINDB_STATE_BYTES_MAX (5u * 1024u * 1024u)      // asserted on sizeof(struct graindb)

// Errors (negative abi.h codes):
//   -E_NODEV  no disk              -E_NOENT  blank disk (open), key/object absent, or
//                                            a link to an object that is not stored
//   -E_BADMSG stored data failed a checksum, or acknowledged data is missing: never
//             returned as data, never silently cut
//   -E_IO     a device read/write/flush failed; after a failed write or flush the
//             database is failed (read-only) until it is reopened
//   -E_NOSPC  the zone is full (after compacting), or the live state does not fit
//   -E_NOMEM  an index (refs, keys, objects) is full even after compacting
//   -E_NAMETOOLONG key too long      -E_2BIG   object (or batch) too large, or a
//                                              read buffer too small
//   -E_INVAL  bad arguments, no batch open, or a disk of an incompatible format

// ---- planted bugs ---------------------------------------------------------------------
// Sites that re-introduce a known defect; each names the invariant that catches it.
// X(id, --bug name, invariant, what it breaks)
#define GRAINDB_BUG_LIST(X)                                                              \
    X(GRAINDB_BUG_ACK_BEFORE_FLUSH, "graindb-ack-before-flush", "acknowledged_writes_survive", \
      "commit acknowledges without flushing the batch")                                  \
    X(GRAINDB_BUG_SKIP_READ_VERIFY, "graindb-skip-read-verify", "reads_return_written_bytes", \
      "reads skip the record checksum and the SHA-256 check")                            \
    X(GRAINDB_BUG_RECOVERY_CUTS_AT_BAD, "graindb-recovery-cuts-at-bad", "acknowledged_writes_survive", \
      "recovery truncates at the first bad record, even where later commits exist")      \
    X(GRAINDB_BUG_MERKLE_SKIPS_DELETES, "graindb-merkle-skips-deletes", "merkle_incremental_equals_recomputed", \
      "the incremental Merkle update ignores tombstones")                                \
    X(GRAINDB_BUG_RETRY_FAILED_FLUSH, "graindb-retry-failed-flush", "acknowledged_writes_survive", \
      "a failed flush is retried and the commit acknowledged (fsyncgate)")               \
    X(GRAINDB_BUG_IGNORE_MIRROR, "graindb-ignore-mirror", "acknowledged_writes_survive", \
      "recovery ignores the tail mirror, so a damaged last commit is cut as torn")       \
    X(GRAINDB_BUG_HISTORY_DROPS_PREVIOUS, "graindb-history-drops-previous", "version_history_only_grows", \
      "a ref update forgets the link to the previous version")                           \
    X(GRAINDB_BUG_REPLAY_PARTIAL_BATCH, "graindb-replay-partial-batch", "batches_all_or_nothing", \
      "recovery applies the valid records of a torn batch")                              \
    X(GRAINDB_BUG_SKIP_SUPERBLOCK_REPAIR, "graindb-skip-superblock-repair", "fsck_clean_after_recovery", \
      "recovery counts damaged superblock copies as repaired without rewriting them")     \
    X(GRAINDB_BUG_REPAIR_SKIPS_READBACK, "graindb-repair-skips-readback", "repairs_read_back", \
      "a repair is flushed and believed without reading it back") \
    X(GRAINDB_BUG_COMPACT_SWITCH_BEFORE_FLUSH, "graindb-compact-switch-before-flush", "acknowledged_writes_survive", \
      "compaction writes the superblock switch before the new zone is flushed")          \
    X(GRAINDB_BUG_COMPACT_IGNORES_LINKS, "graindb-compact-ignores-links", "acknowledged_writes_survive", \
      "compaction keeps only the objects refs name, not the ones they link to")          \
    X(GRAINDB_BUG_COMPACT_KEEPS_TOMBSTONES, "graindb-compact-keeps-tombstones", "version_history_only_grows", \
      "compaction copies deleted keys' tombstones instead of forgetting them") \
    X(GRAINDB_BUG_READ_ERROR_AS_DAMAGE, "graindb-read-error-as-damage", "damage_is_real",     \
      "an object header the device could not read is called damaged (-E_BADMSG)")        \
    X(GRAINDB_BUG_DAMAGED_CHECKPOINT_SKIPS_BASE, "graindb-damaged-checkpoint-skips-base",   \
      "acknowledged_writes_survive",                                                     \
      "recovery past a damaged checkpoint resumes after it, not at the zone's start")


#define GRAINDB_BUG_ENUM(id, name, invariant, what) id,
enum graindb_bug { GRAINDB_BUG_LIST(GRAINDB_BUG_ENUM) GRAINDB_BUG_COUNT };
#undef GRAINDB_BUG_ENUM

// A site is on when its bit is set in db->planted_mask (bit = enum graindb_bug). The
// simulator's kernel sets the mask from --bug before graindb_open; the host tests set
// it directly (engine built with GRAINDB_TEST_BUGS). In the hardware build every site
// is the constant false and compiles away.
#if defined(GRAINDB_TEST_BUGS) || defined(BASIN_SIM)
#define GRAINDB_PLANTED(db, bug) ((((db)->planted_mask) >> (bug)) & 1u)
#else
#define GRAINDB_PLANTED(db, bug) ((void)(db), false)
#endif

// ---- state ------------------------------------------------------------------------------
// One key: its current version lives in RAM, older versions are a chain on disk (back to
// the version the last compaction kept).
struct graindb_ref_entry {
    u8 object_hash[GRAINDB_HASH_BYTES]; // current value; zero when deleted
    u64 commit_seq;                     // commit that wrote the current version
    u32 key_offset;                     // into key_arena
    u32 record_pos8;                    // current REF record, log position / 8
    u32 object_pos8;                    // its OBJECT record, log position / 8
    u32 object_bytes;
    u32 key_version;                    // 1 for the first version, +1 per update
    u8 key_len;
    u8 live;                            // 0: the current version is a tombstone
    u8 reserved[2];
};

struct graindb_superblock {
    u64 sequence;
    u64 db_id;
    u64 sector_count;         // device size when formatted
    u64 log_start_sector;     // the active zone's first sector
    u64 log_bytes;            // size of one zone (both are this size)
    u64 generation;           // of the active zone: 0 at format, +1 per compaction
    u64 base_commit_seq;      // the commit the compacted base at the zone's start holds (0: none)
    u64 base_bytes;           // the base's extent from the zone's start (0: none)
    u64 checkpoint_position;  // GRAINDB_NONE when there is none
    u64 checkpoint_bytes;     // from its first chunk to the end of its END record's sector
    u64 checkpoint_commit_seq;
    u64 checkpoint_checksum;  // checksum field of the END record
};
#define GRAINDB_NONE UINT64_MAX

// What a mirror slot holds (commit_seq 0: nothing usable).
struct graindb_mirror_slot {
    u64 commit_seq;
    u64 position;  // log position of the batch
    u64 bytes;     // batch bytes, unpadded
};

struct graindb_staged_ref {
    u32 record_offset;       // in batch_buffer
    u8 previous_hash[GRAINDB_HASH_BYTES];
    u8 previous_live;        // for the Merkle update
    u8 reserved[3];
};

struct graindb_open_stats {
    u64 replayed_bytes;
    u64 replayed_commits;
    u64 truncated_at;            // log position of a cut torn tail, GRAINDB_NONE if none
    u32 superblock_copies_valid; // of the chosen sequence
    u32 mirror_slots_valid;
    u32 recovered_from_mirror;   // commits whose log copy was bad, taken from the mirror
    u32 checkpoints_skipped;     // damaged checkpoints stepped over in the log
    bool checkpoint_used;
    bool checkpoint_damaged;     // replayed from the start instead
    bool checkpoint_unnamed;     // ... and no room for a new one: the superblock names none
    bool repaired;               // superblock, log, mirror or checkpoint rewritten while opening
    // Every repair is flushed and read back; what differs is written again, at most
    // GRAINDB_REPAIR_TRIES_MAX times in all.
    u32 repair_rewrites;         // repair writes repeated because they did not read back
    u32 repairs_unverified;      // repairs that never read back: the data is still held by
                                 // its other copy (open refuses when it is not)
    const char *repair_problem;  // which repair did not read back, NULL when none
    i64 error;                   // why open failed (0 when it did not)
    u64 problem_position;        // log position of the damage, GRAINDB_NONE if none
    const char *problem;         // what was wrong, NULL when nothing
};

struct graindb {
    struct platform *platform;
    bool open;
    bool failed;           // a write or flush failed: read-only until reopened
    bool batch_open;
    u64 planted_mask;      // planted bugs switched on (simulator and host tests only)
    // Log growth between checkpoints; 0: GRAINDB_CHECKPOINT_INTERVAL_BYTES, at least
    // GRAINDB_CHECKPOINT_INTERVAL_BYTES_MIN. Set before
    // graindb_open, like planted_mask (the kernel: boot argument fs.checkpoint_interval=),
    // so that runs on small disks (the simulator's) take and recover from checkpoints.
    u64 checkpoint_interval_bytes;
    struct graindb_superblock superblock;
    bool opening;            // graindb_open is running (recovery and its repairs)
    bool superblock_loaded;  // graindb_open read `superblock` from this disk (this open)
    u64 superblock_sequence_max; // highest sequence seen on disk, for the next write
    u64 append_position;   // next batch starts here (sector aligned)
    u64 commit_seq;        // last acknowledged commit
    u64 last_commit_position;
    u64 last_batch_position; // the last commit's batch (GRAINDB_NONE when none)
    u64 last_batch_bytes;
    u64 checkpoint_log_mark; // append_position after the last checkpoint
    struct graindb_open_stats open_stats;
    // Current batch.
    u32 batch_bytes;
    u32 batch_records;
    u32 batch_objects_count;
    u32 batch_refs_count;
    u32 batch_new_keys;
    u32 batch_new_key_bytes;
    u32 batch_tombstones;
    u32 batch_object_offsets[GRAINDB_BATCH_OBJECTS_MAX];
    struct graindb_staged_ref batch_refs[GRAINDB_BATCH_REFS_MAX];
    // Ref index.
    u32 refs_count;
    u32 key_arena_bytes;
    u16 ref_slots[GRAINDB_REF_SLOTS_COUNT]; // entry index + 1, 0 when empty
    struct graindb_ref_entry refs[GRAINDB_REFS_MAX];
    u8 key_arena[GRAINDB_KEY_ARENA_BYTES_MAX];
    // Object index: open addressing on the SHA-256; a 32-bit tag (the hash's first word,
    // whose low bits are the home slot) avoids most disk reads and lets compaction
    // rehash in place; a candidate is confirmed against the record on disk.
    u32 objects_count;
    u32 object_slot_pos8[GRAINDB_OBJECT_SLOTS_COUNT]; // log position / 8 + 1, 0 empty
    u32 object_slot_tag[GRAINDB_OBJECT_SLOTS_COUNT];
    // Compaction (compact*.c): per object slot its mark, then its position in the new
    // zone; per live key the slot of its object and its new REF record.
    u32 compact_slot[GRAINDB_OBJECT_SLOTS_COUNT];
    u32 compact_ref_slot[GRAINDB_REFS_MAX];
    u32 compact_ref_pos8[GRAINDB_REFS_MAX];
    u64 compact_attempt_position; // append_position when compaction was last tried (or ran)
    u32 compact_deletes;          // tombstones committed since then
    u64 compact_declined;         // attempts since open that did not compact (no gain, no room)
    u64 compact_copied_bytes;     // base bytes written by compactions since open
    // Merkle tree: leaves are per-bucket sums of leaf hashes (keys bucketed by hash),
    // node[1] is the root, node[LEAVES + b] = bucket b.
    u8 merkle_nodes[2 * GRAINDB_MERKLE_LEAVES_COUNT][GRAINDB_HASH_BYTES];
    u8 merkle_undo[GRAINDB_BATCH_REFS_MAX * 2][GRAINDB_HASH_BYTES];
    u16 merkle_undo_bucket[GRAINDB_BATCH_REFS_MAX * 2];
    u32 merkle_undo_count;
    // Buffers.
    u8 probe_buffer[2 * BLOCK_SECTOR_SIZE_BYTES];
    u8 sector_buffer[BLOCK_SECTOR_SIZE_BYTES * GRAINDB_SUPERBLOCK_COPIES];
    u8 batch_buffer[GRAINDB_BATCH_BYTES_MAX];
    u8 io_buffer[GRAINDB_IO_BYTES_MAX];
    u64 io_window_position; // log position of io_buffer[0], GRAINDB_NONE when empty
    u64 io_window_bytes;
};

// ---- lifecycle ---------------------------------------------------------------------------
// Writes an empty database over the whole device. db_id must be unique per format
// (the kernel draws it from platform_entropy): records of another db_id are foreign.
i64 graindb_format(struct graindb *db, struct platform *platform, u64 db_id);
// Recovery: choose the superblock, load the checkpoint, replay the log after it,
// truncate a torn tail, refuse corruption. -E_NOENT on a blank (all-zero) disk.
i64 graindb_open(struct graindb *db, struct platform *platform);
// Writes a checkpoint when the log grew since the last one. The db is closed after.
i64 graindb_close(struct graindb *db);
// Writes a checkpoint now (no batch may be open).
i64 graindb_checkpoint(struct graindb *db);
bool graindb_failed(const struct graindb *db);
// While graindb_open runs, after it chose the superblock and until the log is replayed:
// the sectors of the checkpoint that superblock names but its END record (what recovery
// reads first; 0 sectors when none; see named_checkpoint in recovery.c for why not the
// END); and of its log
// zone. That checkpoint is redundant while the rest of the zone is intact: the log
// (after a compacted base) holds it all, and recovery replays the log when it is
// damaged. Once the log is replayed, the free end of the zone after it too: nothing
// acknowledged lies there, only what the repairs write and read back. False outside an
// open. A fault atlas uses it.
struct graindb_recovery_range {
    u64 checkpoint_first_sector;
    u64 checkpoint_sectors;
    u64 zone_first_sector;
    u64 zone_sectors;
    u64 free_first_sector;
    u64 free_sectors;
};
bool graindb_recovery_checkpoint(const struct graindb *db, struct graindb_recovery_range *range);
u64 graindb_commit_seq(const struct graindb *db); // the database version

// ---- space ---------------------------------------------------------------------------------
// Copies the live state into the other zone now (no batch may be open): 0 when it did
// (or there is nothing to copy), -E_NOSPC when the live state and the reserve do not fit
// a zone, -E_BADMSG / -E_IO when a live object cannot be read or the superblock copies
// could not all be made current (nothing changed), -E_IO when a write or flush failed
// (the database is failed; it still reads, from whichever zone it was on).
i64 graindb_compact(struct graindb *db);
// What the filesystem's quotas build on.
struct graindb_space {
    u64 zone_bytes;        // one zone: the log space in use at any time
    u64 used_bytes;        // of the active zone (its append position)
    u64 reserve_bytes;     // the zone's end, for batches that shrink the live state only
    u64 live_bytes;        // the base the last compaction wrote: the live state then (0: none)
    u64 compactions;       // generation of the active zone
    u64 history_base_seq;  // the commit the last compaction kept (0: none; retention rule)
    u64 compact_declined;  // tries since open that did not compact (no gain, or no room)
    u32 refs_count;        // keys, deleted ones included until the next compaction
    u32 objects_count;
};
void graindb_space(const struct graindb *db, struct graindb_space *space);

// ---- batches (atomic, durable when commit returns 0) ---------------------------------------
i64 graindb_batch_begin(struct graindb *db);
// Stages an object; hash_out gets its SHA-256. Already stored objects are not rewritten.
i64 graindb_batch_put_object(struct graindb *db, const u8 *bytes, u32 size_bytes,
                             u8 hash_out[GRAINDB_HASH_BYTES]);
// An object whose bytes hold links_count SHA-256 hashes at links_offset: the objects it
// links to, each stored or staged in this batch (-E_NOENT when one is not), are kept by
// compaction as long as it is. -E_INVAL when the links do not lie inside the bytes. An
// object stored without these links is stored again with them (the hash is the bytes').
i64 graindb_batch_put_object_linked(struct graindb *db, const u8 *bytes, u32 size_bytes,
                                    u32 links_offset, u32 links_count, u8 hash_out[GRAINDB_HASH_BYTES]);
// Replication's repair (issue 14): stages the object `expected_hash` names from bytes a
// peer sent, so a stored copy that no longer verifies (a damaged value) is written again.
// -E_BADMSG (nothing staged) when the bytes do not hash to expected_hash. A copy that
// still reads back verified is kept (nothing staged); otherwise a fresh copy is staged
// whatever the index believes, and it replaces the damaged one at commit.
i64 graindb_batch_restore_object(struct graindb *db, const u8 *bytes, u32 size_bytes,
                                 const u8 expected_hash[GRAINDB_HASH_BYTES]);
// key -> object; the object must be stored or staged in this batch.
i64 graindb_batch_set_ref(struct graindb *db, const u8 *key, u32 key_len,
                          const u8 hash[GRAINDB_HASH_BYTES]);
// A tombstone version; -E_NOENT if the key has no live value.
i64 graindb_batch_delete_ref(struct graindb *db, const u8 *key, u32 key_len);
// Writes the batch to the log and to the tail mirror, flushes, then makes it visible.
// commit_seq_out (may be NULL) gets the new database version.
i64 graindb_batch_commit(struct graindb *db, u64 *commit_seq_out);
void graindb_batch_abort(struct graindb *db);

// One-commit conveniences.
i64 graindb_put(struct graindb *db, const u8 *bytes, u32 size_bytes,
                u8 hash_out[GRAINDB_HASH_BYTES]);
i64 graindb_set(struct graindb *db, const u8 *key, u32 key_len, const u8 *value,
                u32 value_bytes);
i64 graindb_delete(struct graindb *db, const u8 *key, u32 key_len);

// ---- reads (every byte returned was checked against its SHA-256) ----------------------------
struct graindb_ref_info {
    u8 object_hash[GRAINDB_HASH_BYTES];
    u64 commit_seq;      // commit that wrote this version
    u64 record_position; // its REF record
    u32 object_bytes;
    u32 key_version;
    bool deleted;        // this version is a tombstone
};
// size_out gets the object size; -E_2BIG (with size_out set) if capacity is too small.
i64 graindb_get(struct graindb *db, const u8 hash[GRAINDB_HASH_BYTES], u8 *buffer,
                u32 capacity, u32 *size_out);
bool graindb_contains(struct graindb *db, const u8 hash[GRAINDB_HASH_BYTES]);
// Current version of a key (deleted keys: info->deleted, returns 0).
i64 graindb_ref_get(struct graindb *db, const u8 *key, u32 key_len,
                    struct graindb_ref_info *info);
// The version that was current after commit `commit_seq`. -E_NOENT if none then, or if
// that version was forgotten by a compaction (see the retention rule).
i64 graindb_ref_get_at(struct graindb *db, const u8 *key, u32 key_len, u64 commit_seq,
                       struct graindb_ref_info *info);
// Value of the current version; -E_NOENT when deleted or absent.
i64 graindb_ref_read(struct graindb *db, const u8 *key, u32 key_len, u8 *buffer,
                     u32 capacity, u32 *size_out);
// Versions newest first, back to the one the last compaction kept (the retention rule);
// count_out gets how many there are (at most capacity).
i64 graindb_ref_history(struct graindb *db, const u8 *key, u32 key_len,
                        struct graindb_ref_info *versions, u32 capacity, u32 *count_out);
// Keys in first-written order (deterministic; a compaction keeps the order of the keys it
// keeps), deleted ones included until the next compaction forgets them.
u32 graindb_ref_count(const struct graindb *db);
i64 graindb_ref_at(const struct graindb *db, u32 index, u8 key_out[GRAINDB_KEY_LEN_MAX],
                   u32 *key_len_out, struct graindb_ref_info *info);

// ---- layout, for a fault atlas -------------------------------------------------------------
// Static: the superblock copies are sectors superblock_first + i (any one good copy is
// enough to open); the mirror slots; the two zones. Dynamic: the active zone is the log
// [log_first_sector, log_end_sector); the last acknowledged commit has two copies, its
// log sectors and its mirror slot (either one is enough; right after a compaction there
// is no such commit: the base and the checkpoint hold the state); every other log
// sector before append_sector holds single-copy data; sectors from append_sector on,
// and the inactive zone, hold nothing acknowledged (damage there is harmless, though a
// compaction that is writing the inactive zone needs it until its flush).
struct graindb_layout {
    u64 superblock_first_sector;
    u32 superblock_copies;
    u32 mirror_slots;
    u64 mirror_first_sector;      // slot s starts at mirror_first + s * mirror_slot_sectors
    u64 mirror_slot_sectors;
    u64 zone_first_sector[GRAINDB_ZONES_COUNT];
    u64 zone_sectors;
    u32 active_zone;
    u64 generation;               // of the active zone
    u64 log_first_sector;         // the active zone
    u64 log_end_sector;           // exclusive
    u64 append_sector;            // first log sector after the acknowledged log
    u64 last_commit_first_sector; // its log copy; 0 sectors when there is no commit
    u64 last_commit_sectors;
    u32 last_commit_mirror_slot;
};
void graindb_layout(const struct graindb *db, struct graindb_layout *layout);

// ---- whole-state checks -----------------------------------------------------------------------
void graindb_merkle_root(const struct graindb *db, u8 root_out[GRAINDB_HASH_BYTES]);
// From scratch over the current refs (uses io_buffer as scratch).
void graindb_merkle_recompute(struct graindb *db, u8 root_out[GRAINDB_HASH_BYTES]);

struct graindb_problem {
    i64 error;      // -E_BADMSG, -E_IO, ...
    u64 position;   // log position or sector, GRAINDB_NONE when not about one place
    const char *what;
};
struct graindb_verify_report {
    u64 batches;
    u64 base_batches;          // COPY batches of the compacted base
    u64 links_checked;         // links of stored objects, each found in the index
    u64 commits;
    u64 checkpoints;
    u64 objects;
    u64 object_bytes;
    u64 ref_records;
    u64 tombstones;
    u64 log_bytes;
    u64 refs_checked;
    u64 checkpoints_damaged;   // stepped over; only the superblock's own counts as a problem
    u32 superblock_copies_valid;
    u32 problems_count;
    struct graindb_problem problems[GRAINDB_VERIFY_PROBLEMS_KEPT];
};
// fsck: walks the log to the append position (the compacted base first), checks every
// checksum, SHA-256, ref target, link (each linked object is stored), commit order and
// checkpoint, the RAM index against the disk, the Merkle roots and the superblocks.
// Returns 0 when clean, -E_BADMSG when problems were found.
i64 graindb_verify(struct graindb *db, struct graindb_verify_report *report);
