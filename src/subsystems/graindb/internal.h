// GrainDB internals shared by its files: on-disk layouts, byte codecs and the
// functions one part of the engine offers the others. Not for users of graindb.h.
#pragma once

#include "subsystems/graindb/graindb.h"
#include "kernel/lib/endian.h"
#include "kernel/lib/mem.h"

#define SECTOR_BYTES ((u64)BLOCK_SECTOR_SIZE_BYTES)
#define GRAINDB_FORMAT_VERSION 3u // 2: two zones, compaction, links; 3: batch checksums
#define GRAINDB_SUPERBLOCK_MAGIC 0x3142444e49415247ull // "GRAINDB1"
#define GRAINDB_CHECKPOINT_MAGIC 0x3154504b43424447ull // "GDBCKPT1"
#define GRAINDB_RECORD_ALIGN_BYTES 8u
// Mixed with the generation into a record's id: records a zone kept from an earlier
// generation are foreign (an odd multiplier: distinct generations, distinct ids).
#define GRAINDB_GENERATION_MIX 0x9e3779b97f4a7c15ull
// Compaction's marks in compact_slot: MARKED | (PENDING while its links are still to
// follow) | the object's size; once copied, its new position / 8 + 1, below the marks.
#define COMPACT_MARKED 0x80000000u
#define COMPACT_PENDING 0x40000000u
#define COMPACT_SIZE_MASK 0xffffu
#define COMPACT_POSITION8_LIMIT 0x40000000u

STATIC_ASSERT(GRAINDB_MIRROR_FIRST_SECTOR + GRAINDB_MIRROR_SLOTS_COUNT * GRAINDB_MIRROR_SLOT_SECTORS <=
              GRAINDB_LOG_START_SECTOR);
STATIC_ASSERT((GRAINDB_REF_SLOTS_COUNT & (GRAINDB_REF_SLOTS_COUNT - 1)) == 0);
STATIC_ASSERT((GRAINDB_OBJECT_SLOTS_COUNT & (GRAINDB_OBJECT_SLOTS_COUNT - 1)) == 0);
STATIC_ASSERT((GRAINDB_MERKLE_LEAVES_COUNT & (GRAINDB_MERKLE_LEAVES_COUNT - 1)) == 0);
STATIC_ASSERT(GRAINDB_REFS_MAX < 65535u && GRAINDB_REFS_MAX * 2 <= GRAINDB_REF_SLOTS_COUNT);
STATIC_ASSERT(GRAINDB_OBJECTS_MAX * 4 <= GRAINDB_OBJECT_SLOTS_COUNT * 3);
STATIC_ASSERT(GRAINDB_BATCH_BYTES_MAX % BLOCK_SECTOR_SIZE_BYTES == 0);
STATIC_ASSERT(GRAINDB_IO_BYTES_MAX >= 2 * GRAINDB_BATCH_BYTES_MAX);
STATIC_ASSERT(GRAINDB_KEY_LEN_MAX <= 255u);
STATIC_ASSERT(GRAINDB_ZONE_BYTES_MAX / GRAINDB_RECORD_ALIGN_BYTES < COMPACT_POSITION8_LIMIT);
STATIC_ASSERT(GRAINDB_OBJECT_BYTES_MAX <= COMPACT_SIZE_MASK);
STATIC_ASSERT(GRAINDB_ZONE_BYTES_MIN >= 2 * GRAINDB_BATCH_BYTES_MAX + GRAINDB_ZONE_RESERVE_BYTES);
STATIC_ASSERT(GRAINDB_ZONES_COUNT == 2);

// ---- records ----------------------------------------------------------------------------
enum record_type {
    RECORD_OBJECT = 1,
    RECORD_REF = 2,
    RECORD_COMMIT = 3,
    RECORD_CHUNK = 4, // checkpoint data
    RECORD_END = 5,   // checkpoint end
    RECORD_COPY = 6,  // closes a COPY batch of a compacted base
};

// Common header.
#define REC_CHECKSUM 0u   // u64 XXH3-64 of bytes [8, length)
#define REC_DB_ID 8u      // u64 record id: db_id mixed with the zone's generation
#define REC_POSITION 16u  // u64 log position of this record: misdirected writes show
#define REC_COMMIT_SEQ 24u
#define REC_LENGTH 32u    // u32, header included, padding excluded
#define REC_TYPE 36u      // u16
#define REC_FLAGS 38u     // u16, zero
#define REC_HEADER_BYTES 40u
// OBJECT: hash, its links (SHA-256 hashes inside the bytes), then the bytes.
#define OBJ_HASH 40u
#define OBJ_LINKS_OFFSET 72u    // u32, into the bytes (0 when there are no links)
#define OBJ_LINKS_COUNT 76u     // u32
#define OBJ_HEADER_BYTES 80u
// REF.
#define REF_OBJECT_HASH 40u     // zero for a tombstone
#define REF_OBJECT_POSITION 72u // u64, GRAINDB_NONE for a tombstone
#define REF_PREVIOUS 80u        // u64 previous version's REF record, GRAINDB_NONE
#define REF_KEY_VERSION 88u     // u32
#define REF_OBJECT_BYTES 92u    // u32
#define REF_KEY_LEN 96u         // u8
#define REF_FLAGS 97u           // u8: REF_FLAG_TOMBSTONE
#define REF_VERSION_SEQ 104u    // u64 the commit that wrote this version (a copy keeps it)
#define REF_HEADER_BYTES 112u
#define REF_FLAG_TOMBSTONE 1u
// COMMIT: last record of a batch. Its batch checksum binds the batch whole: a commit cut
// as a torn tail is written again at the same position with the same commit_seq, and a
// second torn write can leave sectors of both writes, every record valid on its own
// (seed 33 of storage-compaction: one write's object before the other's REF).
#define COMMIT_RECORD_COUNT 40u // u32 records before this one
#define COMMIT_BATCH_BYTES 44u  // u32 from the batch start to the end of this record
#define COMMIT_PREVIOUS 48u     // u64 previous COMMIT record, GRAINDB_NONE
#define COMMIT_MERKLE_ROOT 56u  // root after this commit
#define COMMIT_BATCH_CHECKSUM 88u // u64 XXH3-64 of the batch's bytes before this record
#define COMMIT_BYTES 96u
// COPY: last record of a COPY batch (a compacted base); its records all carry the
// base's commit_seq.
#define COPY_RECORD_COUNT 40u   // u32 records before this one
#define COPY_BATCH_BYTES 44u    // u32 from the batch start to the end of this record
#define COPY_INDEX 48u          // u32 batches of the base before this one
#define COPY_BATCH_CHECKSUM 56u // u64 as COMMIT_BATCH_CHECKSUM (a compaction tried again)
#define COPY_BYTES 64u
// CHUNK: a piece of a checkpoint's serialized index. Each names the whole checkpoint's
// extent, so one readable chunk is enough to step over a damaged checkpoint.
#define CHUNK_INDEX 40u         // u32
#define CHUNK_PAYLOAD_BYTES 44u // u32
#define CHUNK_OFFSET 48u        // u64 from the checkpoint's first chunk
#define CHUNK_EXTENT 56u        // u64 checkpoint bytes: first chunk to the end of END's sector
#define CHUNK_HEADER_BYTES 64u
// END: closes a checkpoint.
#define END_CHUNK_COUNT 40u     // u32
#define END_PAYLOAD_TOTAL 48u   // u64
#define END_CHUNK_CHAIN 56u     // u64: chain of the chunks' checksums
#define END_FIRST_CHUNK 64u     // u64 position of chunk 0
#define END_BYTES 72u

// Sector layout of a superblock copy.
#define SB_CHECKSUM 0u
#define SB_MAGIC 8u
#define SB_FORMAT_VERSION 16u // u32
#define SB_COPY_INDEX 20u     // u32
#define SB_DB_ID 24u
#define SB_SEQUENCE 32u
#define SB_SECTOR_COUNT 40u
#define SB_LOG_START 48u
#define SB_LOG_BYTES 56u
#define SB_CHECKPOINT_POSITION 64u
#define SB_CHECKPOINT_BYTES 72u
#define SB_CHECKPOINT_COMMIT_SEQ 80u
#define SB_CHECKPOINT_CHECKSUM 88u
#define SB_LIMITS 96u // u32 each: refs, object slots, key arena, merkle leaves, batch, log start
#define SB_LIMITS_COUNT 6u
#define SB_GENERATION 128u
#define SB_BASE_COMMIT_SEQ 136u
#define SB_BASE_BYTES 144u

// ---- byte codecs: explicit little-endian (kernel/lib/endian.h), no struct layouts on disk
static inline u64 align_up(u64 value, u64 alignment) {
    return (value + alignment - 1) / alignment * alignment;
}

static inline u64 checkpoint_interval(const struct graindb *db) {
    u64 interval = db->checkpoint_interval_bytes != 0 ? db->checkpoint_interval_bytes : GRAINDB_CHECKPOINT_INTERVAL_BYTES;
    return interval < GRAINDB_CHECKPOINT_INTERVAL_BYTES_MIN ? GRAINDB_CHECKPOINT_INTERVAL_BYTES_MIN : interval;
}

// ---- hash.c: the only file that includes the two third-party libraries ---------------
u64 gdb_checksum(const u8 *bytes, u64 count); // XXH3-64
void gdb_sha256(const u8 *bytes, u64 count, u8 out[GRAINDB_HASH_BYTES]);
// SHA-256 over the concatenation of parts.
void gdb_sha256_parts(const u8 *const *parts, const u64 *counts, u32 parts_count,
                      u8 out[GRAINDB_HASH_BYTES]);

// ---- record.c ---------------------------------------------------------------------------
enum record_verdict {
    RECORD_VALID = 0,
    RECORD_BLANK,     // all zero header: never written
    RECORD_FOREIGN,   // another database or no record at all
    RECORD_BAD_LENGTH,
    RECORD_BAD_CHECKSUM,
    RECORD_MISPLACED, // valid checksum, names another position: misdirected or stale
    RECORD_STALE,     // valid and in place, but of another commit or out of order
    RECORD_TORN_BATCH, // valid records, but not the batch its closing record was written with
};
struct record_view {
    u64 db_id;
    u64 position;
    u64 commit_seq;
    u32 length;
    u16 type;
};
// The id records of the zone and generation sb names carry.
u64 gdb_record_id(const struct graindb_superblock *sb);
// Fills the header (checksum last, over everything after it).
void record_begin(u64 record_id, u8 *record, u64 position, u64 commit_seq, u32 length, u16 type);
void record_finish(u8 *record, u32 length);
// Checks a record that starts at `position`, `available` bytes readable.
enum record_verdict record_check(const struct graindb *db, const u8 *record, u64 available,
                                 u64 position, struct record_view *view);
// Checks the type-specific fields that make a record's payload usable.
bool record_payload_valid(const u8 *record, const struct record_view *view);
const char *record_verdict_text(enum record_verdict verdict);

// ---- io.c -------------------------------------------------------------------------------
// The log zone as byte positions; reads land in io_buffer.
i64 gdb_log_read(struct graindb *db, u64 position, u64 bytes, const u8 **out);
// Like gdb_log_read, but reads ahead (up to GRAINDB_IO_BYTES_MAX) for scans.
i64 gdb_log_scan_read(struct graindb *db, u64 position, u64 bytes, const u8 **out);
i64 gdb_log_write(struct graindb *db, u64 position, const u8 *bytes, u64 count);
// The same into the zone starting at zone_first_sector (compaction's target).
i64 gdb_zone_write(struct graindb *db, u64 zone_first_sector, u64 position, const u8 *bytes, u64 count);
u32 gdb_active_zone(const struct graindb *db);
u64 gdb_zone_first_sector(const struct graindb *db, u32 zone);
i64 gdb_flush(struct graindb *db);
// Sectors before the log (superblocks, mirror).
i64 gdb_meta_write(struct graindb *db, u64 sector, const u8 *bytes, u32 sector_count);
i64 gdb_meta_read(struct graindb *db, u64 sector, u8 *bytes, u32 sector_count);
void gdb_fail(struct graindb *db);
// A repair: writes bytes (never io_buffer) to [sector, sector + sector_count) in pieces
// of unit_sectors, flushes, reads the range back into io_buffer and writes again the
// pieces that differ, at most GRAINDB_REPAIR_TRIES_MAX times. 0 when every piece read
// back; -E_BADMSG when *units_unverified_out pieces never did; -E_IO when a write or
// flush failed (the database is failed).
i64 gdb_write_verified(struct graindb *db, u64 sector, const u8 *bytes, u32 sector_count,
                       u32 unit_sectors, u32 *units_unverified_out);
u64 gdb_log_bytes(const struct graindb *db);

// ---- superblock.c / mirror.c ------------------------------------------------------------
void superblock_encode(const struct graindb_superblock *sb, u32 copy, u8 sector[SECTOR_BYTES]);
// Reads the copies and picks one; -E_NOENT blank, -E_BADMSG none valid, -E_IO.
i64 superblock_read(struct graindb *db, struct graindb_superblock *sb, u32 *copies_valid,
                    u64 *sequence_max);
// Writes every copy with sequence_max + 1, then flushes.
i64 superblock_write(struct graindb *db, const struct graindb_superblock *sb);
// The same as a repair (gdb_write_verified, copy by copy). 0 when at least one copy of
// the new superblock read back (*copies_unverified_out says how many did not), -E_BADMSG
// when none did (db->superblock is then unchanged), -E_IO when a write or flush failed.
i64 superblock_write_verified(struct graindb *db, const struct graindb_superblock *sb,
                              u32 *copies_unverified_out);
// Writes the padded batch of commit_seq to its mirror slot (no flush).
i64 mirror_write(struct graindb *db, u64 commit_seq, const u8 *bytes, u64 padded_bytes);
// The same as a repair: flushed and read back (gdb_write_verified); bytes not io_buffer.
i64 mirror_write_verified(struct graindb *db, u64 commit_seq, const u8 *bytes, u64 padded_bytes);
// Reads and validates a slot into io_buffer; *bytes_out valid until the next read.
struct graindb_mirror_slot mirror_read(struct graindb *db, u32 slot, const u8 **bytes_out);
// The sectors holding log range [position, position + bytes) of the last commit's batch,
// read from its mirror slot into buffer (from the first sector's start): the second
// copy of the last commit, for reads whose log copy is damaged, or was never written
// back after recovery took the commit from the mirror (the write-back failed and left
// the database failed). -E_NOENT when the range is not in that batch. Nothing is
// checked here: readers check the records they read as they do from the log (their
// checksum, the position they name, the SHA-256), so stale slot bytes are refused.
i64 mirror_last_read(struct graindb *db, u64 position, u64 bytes, u8 *buffer, u64 capacity);
i64 mirror_clear_all(struct graindb *db);

// ---- objects.c / refs.c -----------------------------------------------------------------
struct object_header {
    u32 size;         // of the bytes
    u32 links_offset;
    u32 links_count;
};
void objects_reset(struct graindb *db);
// Position of the stored object (GRAINDB_NONE if absent), *header its header.
// *error_out: 0 when every candidate was read and told apart; -E_IO when one could not
// be read (its device reads failed: it may be intact); else -E_BADMSG when one was
// read and failed its checks.
u64 objects_find(struct graindb *db, const u8 hash[GRAINDB_HASH_BYTES], struct object_header *header,
                 i64 *error_out);
// objects_find, and *other_out: the first candidate whose header names another hash
// (GRAINDB_NONE if none). Headers are not checksummed alone: only reading that record
// whole tells a tag collision (an intact other object) from this object's record with
// a damaged hash field.
u64 objects_find_noting_other(struct graindb *db, const u8 hash[GRAINDB_HASH_BYTES], struct object_header *header,
                              i64 *error_out, u64 *other_out);
// The slot of the object stored at position (its record's hash is `hash`), or -1: the
// index keeps one copy per hash, the newest.
i64 objects_slot_at(const struct graindb *db, const u8 hash[GRAINDB_HASH_BYTES], u64 position);
i64 objects_insert(struct graindb *db, const u8 hash[GRAINDB_HASH_BYTES], u64 position);
// Reads the header of the OBJECT record at position (probe_buffer): 1 when it holds
// `hash` (NULL: any object; *header set), 0 for another object, -E_IO / -E_BADMSG when
// unusable.
i64 objects_header_check(struct graindb *db, u64 position, const u8 *hash, struct object_header *header);
// Whether links lie inside an object of size bytes.
bool objects_links_valid(u32 size, u32 links_offset, u32 links_count);
// After a compaction's switch: every slot compact_slot marks gets its new position, the
// others are removed, and the table is rehashed in place (no device access).
void objects_rebuild(struct graindb *db);
void refs_reset(struct graindb *db);
u64 key_hash(const u8 *key, u32 key_len);
// Entry index or -1.
i64 refs_find(const struct graindb *db, const u8 *key, u32 key_len);
i64 refs_insert(struct graindb *db, const u8 *key, u32 key_len);
// Applies a validated REF record found at position.
i64 refs_apply_record(struct graindb *db, const u8 *record, u64 position);
// After a compaction's switch: keeps the live keys (in their order) with their new
// positions (compact_ref_pos8, compact_slot), frees the rest of the entries and key bytes.
void refs_rebuild(struct graindb *db);

// ---- merkle.c ---------------------------------------------------------------------------
void merkle_leaf(const u8 *key, u32 key_len, const u8 hash[GRAINDB_HASH_BYTES],
                 u8 out[GRAINDB_HASH_BYTES]);
u32 merkle_bucket(const u8 *key, u32 key_len);
// Incremental change of one key; the undo log allows merkle_undo() until merkle_keep().
void merkle_update(struct graindb *db, const u8 *key, u32 key_len, bool old_live,
                   const u8 old_hash[GRAINDB_HASH_BYTES], bool new_live,
                   const u8 new_hash[GRAINDB_HASH_BYTES]);
void merkle_undo(struct graindb *db);
void merkle_keep(struct graindb *db);
void merkle_rebuild(struct graindb *db);

// ---- batch apply (commit.c), shared by commit and replay --------------------------------
// Applies a whole validated batch (a commit or a COPY batch) held in bytes[0, batch_bytes)
// at log position.
i64 batch_apply(struct graindb *db, const u8 *bytes, u64 position, u64 batch_bytes);

// ---- read.c -----------------------------------------------------------------------------
// Reads and verifies the OBJECT record at position (checksum, position, SHA-256, and
// expected_hash when not NULL). size_hint is the object size when known, else
// GRAINDB_NONE. *data_out points into io_buffer until the next read.
i64 object_read(struct graindb *db, u64 position, const u8 *expected_hash, u64 size_hint,
                const u8 **data_out, u32 *size_out);

// ---- scan.c -----------------------------------------------------------------------------
enum scan_kind {
    SCAN_COMMIT = 0,   // a complete, valid commit batch
    SCAN_COPY,         // a complete, valid COPY batch of a compacted base
    SCAN_CHUNK,        // one checkpoint chunk
    SCAN_END,          // checkpoint end
    SCAN_INVALID,      // nothing valid starts here
    SCAN_UNREADABLE,   // the device failed to read it
    SCAN_LOG_END,      // no room for a record: end of the zone
};
struct scan_result {
    enum scan_kind kind;
    enum record_verdict verdict; // why invalid
    u64 position;
    u64 bytes;          // batch bytes (unpadded) when valid
    u64 next_position;  // sector-aligned position after it
    u64 commit_seq;
    u32 records;
    u64 problem_position;
};
// Reads and validates the batch (or checkpoint record) at position, expecting
// commit_seq for a commit or COPY batch and commit_seq - 1 for checkpoint records. On
// success the bytes are in io_buffer at *bytes_out until the next read.
struct scan_result scan_batch(struct graindb *db, u64 position, u64 commit_seq,
                              const u8 **bytes_out);
// Validates a batch held in memory (available bytes) that belongs at log position.
struct scan_result scan_parse(struct graindb *db, const u8 *bytes, u64 available, u64 position,
                              u64 commit_seq);
// Whether a valid record of this db at a sector start in [from, to) proves that the
// commit `expected_seq` was completed (a later commit, or a checkpoint after it).
bool scan_evidence_after(struct graindb *db, u64 from, u64 to, u64 expected_seq);
// The log is invalid at position, which may lie inside a checkpoint taken after commit
// commit_seq (at its start, or further in when its first chunks were readable): when a
// readable chunk or END of a checkpoint of that commit covering position lies within
// GRAINDB_TAIL_SCAN_BYTES after it, returns the checkpoint's end (else GRAINDB_NONE).
u64 scan_damaged_checkpoint_end(struct graindb *db, u64 position, u64 commit_seq);
// The log is invalid at position, before the checkpoint the superblock names, and that
// checkpoint was taken after commit_seq, the last commit read: no commit lies between,
// only redundant data (an older checkpoint of that commit, repair writes that never
// read back), however damaged. Returns the named checkpoint's position (else GRAINDB_NONE).
u64 scan_skip_to_named_checkpoint(const struct graindb *db, u64 position, u64 commit_seq);
// The valid records at the start of an invalid batch (planted bug only).
void scan_apply_valid_prefix(struct graindb *db, u64 position, u64 commit_seq);

// ---- checkpoint.c -----------------------------------------------------------------------
// verify (repairs while opening): every chunk, the END record and the superblock are
// read back (gdb_write_verified); -E_BADMSG when one never did (nothing names the
// checkpoint then).
i64 checkpoint_write(struct graindb *db, bool verify);
// Loads the checkpoint the superblock names; -E_BADMSG/-E_IO if it cannot be used.
i64 checkpoint_load(struct graindb *db);
// Writes the index as a checkpoint at the append position and flushes, without naming
// it: sb gets its position, extent and checksum (compaction names it in its switch).
i64 checkpoint_write_unnamed(struct graindb *db, struct graindb_superblock *sb);
// The bytes a checkpoint of refs_count keys, key_bytes of keys and objects_count
// objects takes in the log.
u64 checkpoint_extent_of(u32 refs_count, u32 key_bytes, u32 objects_count);

// ---- compact.c / compact_mark.c / compact_copy.c ------------------------------------------
// What a compaction found and wrote.
struct compact_plan {
    u32 live_refs;
    u32 live_key_bytes;
    u32 live_objects;
    u64 base_bytes_max;  // an upper bound of the base, from the records' sizes
    u64 new_used_max;    // base and checkpoint, an upper bound
    u64 base_bytes;      // as written
    u32 target_zone;
    struct graindb_superblock target; // the superblock of the new zone (unnamed checkpoint)
};
// Whether batch_begin should try a compaction first.
bool compact_due(const struct graindb *db);
// Tries one (forced: whenever it fits, gain or not). 0 when it ran, -E_AGAIN when it was
// not worth it, other errors as graindb_compact.
i64 compact_run(struct graindb *db, bool forced);
// Marks every live key's object and what it links to in compact_slot (reads objects
// with links); fills the plan's counts and bounds.
i64 compact_mark(struct graindb *db, struct compact_plan *plan);
// Reads the object stored in slot (its size from compact_slot, checked against its own
// SHA-256 and the slot's tag): *record_out is its header, *data_out its bytes, both in
// io_buffer until the next read.
i64 compact_slot_read(struct graindb *db, u32 slot, const u8 **record_out, const u8 **data_out, u32 *size_out);
// Writes the base into the target zone (live objects in slot order, then the live keys'
// REF records) and sets compact_slot / compact_ref_pos8 to the new positions.
i64 compact_copy(struct graindb *db, struct compact_plan *plan);
