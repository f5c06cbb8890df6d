// GrainDB: the storage engine under the filesystem and the Zix store.
//
// An append-only log of checksummed records on the block device (platform.h),
// content-addressed objects (SHA-256, checked on every read), versioned refs (key ->
// object, every version kept), atomic batches, superblock copies with quorums, a
// mirrored tail that says how far the log got and repairs its last commits,
// checkpoints, fsck and a Merkle root over the current refs. Portable kernel code: no
// allocation, no globals, all state in struct graindb (2,751,784 bytes = 2.62 MiB on
// LP64; asserted to stay under GRAINDB_STATE_BYTES_MAX = 3 MiB).
//
// On-disk format (sectors of BLOCK_SECTOR_SIZE_BYTES, integers little-endian):
//   sectors 0..3      superblock copies (copy i names i): geometry, db_id, sequence,
//                     pointer to the newest checkpoint. Written all four, then flush.
//   sectors 4..259    the tail mirror: two slots of GRAINDB_BATCH_BYTES_MAX. A commit
//                     writes its batch to the log and the same bytes to slot
//                     commit_seq % 2, then flushes once, then is acknowledged. So the
//                     last acknowledged commit always has two durable copies: recovery
//                     repairs it from the other when one is damaged (or was lost or
//                     misdirected), and the mirror says how far the log got: damage
//                     before that is corruption, an invalid tail after it with no copy
//                     in the mirror is the torn last write (Protocol-Aware Recovery's
//                     distinction, made with one flush per commit).
//   sectors 264..end  the log. A batch starts on a sector boundary: records at 8-byte
//                     aligned offsets, the last one a COMMIT, zero padding to the
//                     sector end. Every record starts with a 40-byte header:
//                     checksum (XXH3-64 of the rest), db_id, its own log position,
//                     commit_seq, length, type. Checkpoints are CHUNK records
//                     (serialized index) and an END record, also in the log.
// The log is the truth: checkpoints and superblocks only say where replay may start.
#pragma once

#include "kernel/abi.h"
#include "kernel/platform.h"
#include "kernel/types.h"

// ---- limits -------------------------------------------------------------------------
#define GRAINDB_HASH_BYTES 32u
#define GRAINDB_KEY_LEN_MAX 128u
#define GRAINDB_OBJECT_BYTES_MAX 32768u
#define GRAINDB_BATCH_BYTES_MAX 65536u   // one commit, records and padding included
#define GRAINDB_BATCH_REFS_MAX 256u      // ref updates in one batch
#define GRAINDB_BATCH_OBJECTS_MAX 256u   // new objects in one batch
#define GRAINDB_REFS_MAX 8192u           // distinct keys ever written (deleted keys stay)
#define GRAINDB_REF_SLOTS_COUNT 16384u   // hash table slots for keys (power of two)
#define GRAINDB_KEY_ARENA_BYTES_MAX 262144u
#define GRAINDB_OBJECTS_MAX 196608u      // distinct objects (3/4 of the slots)
#define GRAINDB_OBJECT_SLOTS_COUNT 262144u
#define GRAINDB_MERKLE_LEAVES_COUNT 1024u
#define GRAINDB_IO_BYTES_MAX (3u * GRAINDB_BATCH_BYTES_MAX)
#define GRAINDB_SUPERBLOCK_COPIES 4u
#define GRAINDB_SUPERBLOCK_QUORUM 2u     // identical valid copies preferred when choosing
#define GRAINDB_MIRROR_SLOTS_COUNT 2u    // the last two batches
#define GRAINDB_LOG_START_SECTOR 264u
#define GRAINDB_CHECKPOINT_INTERVAL_BYTES (8u * 1024u * 1024u)
#define GRAINDB_TAIL_SCAN_BYTES (2u * GRAINDB_BATCH_BYTES_MAX)
#define GRAINDB_VERIFY_PROBLEMS_KEPT 8u
#define GRAINDB_READ_ATTEMPTS_MAX 2u     // a read that fails its checks is read again once
#define GRAINDB_REPAIR_TRIES_MAX 3u      // writes of one repair that does not read back
#define GRAINDB_LOG_BYTES_MAX (32ull * 1024 * 1024 * 1024) // positions kept as u32 / 8
#define GRAINDB_STATE_BYTES_MAX (3u * 1024u * 1024u)      // asserted on sizeof(struct graindb)

// Errors (negative abi.h codes):
//   -E_NODEV  no disk              -E_NOENT  blank disk (open), key/object absent
//   -E_BADMSG stored data failed a checksum, or acknowledged data is missing: never
//             returned as data, never silently cut
//   -E_IO     a device read/write/flush failed; after a failed write or flush the
//             database is failed (read-only) until it is reopened
//   -E_NOSPC  the log is full        -E_NOMEM  an index (refs, keys, objects) is full
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
      "a repair is flushed and believed without reading it back")

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
// One key: its current version lives in RAM, older versions are a chain on disk.
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
    u64 log_start_sector;
    u64 log_bytes;            // size of the log zone
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
    struct graindb_superblock superblock;
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
    u32 batch_object_offsets[GRAINDB_BATCH_OBJECTS_MAX];
    struct graindb_staged_ref batch_refs[GRAINDB_BATCH_REFS_MAX];
    // Ref index.
    u32 refs_count;
    u32 key_arena_bytes;
    u16 ref_slots[GRAINDB_REF_SLOTS_COUNT]; // entry index + 1, 0 when empty
    struct graindb_ref_entry refs[GRAINDB_REFS_MAX];
    u8 key_arena[GRAINDB_KEY_ARENA_BYTES_MAX];
    // Object index: open addressing on the SHA-256; a 16-bit fragment avoids most
    // disk reads, a candidate is confirmed against the record on disk.
    u32 objects_count;
    u32 object_slot_pos8[GRAINDB_OBJECT_SLOTS_COUNT]; // log position / 8 + 1, 0 empty
    u16 object_slot_fragment[GRAINDB_OBJECT_SLOTS_COUNT];
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
u64 graindb_commit_seq(const struct graindb *db); // the database version

// ---- batches (atomic, durable when commit returns 0) ---------------------------------------
i64 graindb_batch_begin(struct graindb *db);
// Stages an object; hash_out gets its SHA-256. Already stored objects are not rewritten.
i64 graindb_batch_put_object(struct graindb *db, const u8 *bytes, u32 size_bytes,
                             u8 hash_out[GRAINDB_HASH_BYTES]);
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
// The version that was current after commit `commit_seq`. -E_NOENT if none then.
i64 graindb_ref_get_at(struct graindb *db, const u8 *key, u32 key_len, u64 commit_seq,
                       struct graindb_ref_info *info);
// Value of the current version; -E_NOENT when deleted or absent.
i64 graindb_ref_read(struct graindb *db, const u8 *key, u32 key_len, u8 *buffer,
                     u32 capacity, u32 *size_out);
// Versions newest first; count_out gets how many were written (at most capacity).
i64 graindb_ref_history(struct graindb *db, const u8 *key, u32 key_len,
                        struct graindb_ref_info *versions, u32 capacity, u32 *count_out);
// Keys in first-written order (deterministic), deleted ones included.
u32 graindb_ref_count(const struct graindb *db);
i64 graindb_ref_at(const struct graindb *db, u32 index, u8 key_out[GRAINDB_KEY_LEN_MAX],
                   u32 *key_len_out, struct graindb_ref_info *info);

// ---- layout, for a fault atlas -------------------------------------------------------------
// Static: the superblock copies are sectors superblock_first + i (any one good copy is
// enough to open). Dynamic: the last acknowledged commit has two copies, its log
// sectors and its mirror slot (either one is enough); every other log sector before
// append_sector holds single-copy data; sectors from append_sector on hold nothing
// acknowledged (damage there is harmless).
struct graindb_layout {
    u64 superblock_first_sector;
    u32 superblock_copies;
    u32 mirror_slots;
    u64 mirror_first_sector;      // slot s starts at mirror_first + s * mirror_slot_sectors
    u64 mirror_slot_sectors;
    u64 log_first_sector;
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
// fsck: walks the log to the append position, checks every checksum, SHA-256, ref
// target, commit order and checkpoint, the RAM index against the disk, the Merkle
// roots and the superblocks. Returns 0 when clean, -E_BADMSG when problems were found.
i64 graindb_verify(struct graindb *db, struct graindb_verify_report *report);
