// The storage workload's model, shared by its run and its verifier (the program is
// src/user/tests/storage.c; its opening comment is the specification of the model:
// read it first). This header holds the pieces both halves need: slot names and
// paths, the chunk format of the files, the journal records, and the judgement of
// what was found on disk against what the journal claims.
#pragma once

#include "user/lib/basin.h"

// ---- slots ------------------------------------------------------------------------
// Eight file slots: f0..f5 directly in DIR, f6 and f7 in DIR/d0 (a subdirectory the
// workload creates and removes, so renames cross directories).
#define STORAGE_SLOTS_COUNT 8u
#define STORAGE_SLOTS_ROOT_COUNT 6u
#define STORAGE_SUBDIR_NAME "d0"
#define STORAGE_JOURNAL_NAME "journal"
#define STORAGE_JOURNAL_NEW_NAME "journal.new"
#define STORAGE_OPS_MAX 150u // worst case (sync mode, all renames) the journal stays under 32 KiB
#define STORAGE_GEN_LIMIT 0xfff00000u // gens are 8 hex digits; leave room for a run

// DIR/fN or DIR/d0/fN. 0 or -E_NAMETOOLONG.
i64 storage_slot_path(char *out, u64 capacity, const char *dir, u32 slot);
// DIR/d0. 0 or -E_NAMETOOLONG.
i64 storage_subdir_path(char *out, u64 capacity, const char *dir);
bool storage_slot_in_subdir(u32 slot);

// ---- chunks: the contents of every slot file ---------------------------------------
// A file is a sequence of chunks; each is a 41-byte header and a body:
//   "#chunk fS GGGGGGGG LLLL CCCCCCCCCCCCCCCC\n" + L bytes of body
// S: the slot the chunk was first written to (renames move it elsewhere); G: its
// generation (8 hex digits, unique in a run); L: body length (4 hex digits);
// C: FNV-1a 64 of the header's first 24 bytes and the body (16 hex digits).
// The body is a pure function of G (length 16..255, lowercase letters, last byte
// '\n'), so every byte of a chunk can be regenerated from (S, G) and compared.
#define STORAGE_CHUNK_HEADER_BYTES 41u
#define STORAGE_CHUNK_SUMMED_HEADER_BYTES 24u
#define STORAGE_CHUNK_BODY_MIN_BYTES 16u
#define STORAGE_CHUNK_BODY_SPAN_BYTES 240u // body lengths are MIN .. MIN + SPAN - 1
#define STORAGE_CHUNK_BYTES_MAX \
    (STORAGE_CHUNK_HEADER_BYTES + STORAGE_CHUNK_BODY_MIN_BYTES + STORAGE_CHUNK_BODY_SPAN_BYTES)
#define STORAGE_CHUNKS_MAX 6u // per file; an append to a full file overwrites instead
#define STORAGE_FILE_BYTES_MAX (STORAGE_CHUNKS_MAX * STORAGE_CHUNK_BYTES_MAX)
#define STORAGE_REASON_LEN_MAX 96u

// What a slot holds: absent, or present with these chunks (a clean state: no tail).
struct storage_state {
    bool present;
    u32 count;
    u32 gens[STORAGE_CHUNKS_MAX];
};

// What a slot file was found to hold. A tail is a strict prefix of one more chunk (a
// torn write): its bytes match what storage writes as far as they go.
struct storage_contents {
    u32 count;
    u32 gens[STORAGE_CHUNKS_MAX];
    u64 tail_bytes; // 0: the file ends with a whole chunk
};

// The whole chunk (origin slot, gen) into out. Returns its length.
u64 storage_chunk_render(u32 origin, u32 gen, u8 *out, u64 capacity);
// Parses a file's bytes. 0, or -E_BADMSG with the reason (bytes storage never wrote).
i64 storage_contents_parse(const u8 *bytes, u64 length, struct storage_contents *contents,
                           char *reason, u64 reason_capacity);
u64 storage_fnv64(u64 hash, const u8 *bytes, u64 length);
#define STORAGE_FNV64_OFFSET 0xcbf29ce484222325ull

// ---- journal --------------------------------------------------------------------
// One text line per record, each ending in " " + 8 hex digits (the low 32 bits of the
// FNV-1a 64 of the text before it) and "\n":
//   "J1 FFFFFFFF"                 header: this epoch's first gen
//   "B GGGGGGGG OP S T"           begin: mutation GGGGGGGG (OP one of STORAGE_OP_*) on
//                                 slot S ('0'..'7' or '-') and T (rename target or '-')
//   "A GGGGGGGG S N g1 .. gN"     acknowledged: after mutation GGGGGGGG, slot S is
//                                 durably absent (N = 0) or holds chunks g1..gN
#define STORAGE_OP_CREATE 'c'
#define STORAGE_OP_OVERWRITE 'o'
#define STORAGE_OP_APPEND 'a'
#define STORAGE_OP_RENAME 'r'
#define STORAGE_OP_UNLINK 'u'
#define STORAGE_OP_MKDIR 'm'
#define STORAGE_OP_RMDIR 'd'
#define STORAGE_RECORD_LEN_MAX 96u

// What later operations may have done to a slot since its last acknowledgement.
#define STORAGE_LATER_APPEND 1u  // chunks added at the end
#define STORAGE_LATER_REPLACE 2u // contents replaced (create, overwrite, rename onto it)
#define STORAGE_LATER_REMOVE 4u  // name removed (unlink, rename away)

struct storage_claim {
    bool acked;
    u32 ack_gen;
    struct storage_state state; // acknowledged state
    u32 later;                  // STORAGE_LATER_* of begun mutations after the ack
};

struct storage_journal {
    bool found;
    u32 first_gen;
    u32 last_gen; // the highest begun gen; first_gen - 1 if none
    u32 records;
    u64 torn_tail_bytes; // an incomplete last line (a record whose write was cut)
    struct storage_claim claims[STORAGE_SLOTS_COUNT];
};

// Record lines, checksum and newline included. Return the length.
u64 storage_record_header(char *out, u64 capacity, u32 first_gen);
u64 storage_record_begin(char *out, u64 capacity, u32 gen, char op, u32 slot, u32 target);
u64 storage_record_ack(char *out, u64 capacity, u32 gen, u32 slot,
                       const struct storage_state *state);
// Reads and checks DIR/journal. 0 (journal->found false if there is none), -E_BADMSG
// with *problem saying what is wrong after journal->records records (a record storage
// never wrote, or one missing), or another -error from the kernel.
i64 storage_journal_read(const char *dir, struct storage_journal *journal, const char **problem);

// ---- verification -------------------------------------------------------------------
enum storage_strictness {
    STORAGE_STRICT,  // an acknowledged slot that cannot be read is a violation
    STORAGE_LENIENT, // ... is only reported: for faults allowed to destroy data
};

struct storage_report {
    u32 violations;
    u32 refusal_violations; // of them, strict mode's unreadable acknowledged data (disk errors cause these)
    u32 refused;   // slots or listings that could not be read (errors, retried once)
    u32 present;   // slot files found
    u32 acked;     // slots with an acknowledgement
    u32 torn;      // slot files ending in a torn tail
    u32 max_gen;   // the highest gen seen anywhere (journal or files)
    bool subdir_present;
    bool slot_present[STORAGE_SLOTS_COUNT]; // a readable, consistent file
};

// What one slot was found to be.
enum storage_found_kind {
    STORAGE_FOUND_ABSENT,
    STORAGE_FOUND_FILE,    // contents parsed: every byte one storage wrote
    STORAGE_FOUND_REFUSED, // the kernel answered with an environmental error, twice
    STORAGE_FOUND_BAD,     // integrity violation: reason says what
};

struct storage_found {
    enum storage_found_kind kind;
    struct storage_contents contents; // STORAGE_FOUND_FILE
    i64 error;                        // STORAGE_FOUND_REFUSED
    char reason[STORAGE_REASON_LEN_MAX];
};

// Examines one slot. 0 with found set, or a -error that is neither environmental nor
// E_NOENT (the kernel cannot be asked: e.g. E_NOSYS).
i64 storage_slot_examine(const char *dir, u32 slot, struct storage_found *found);
// Whether what was found is allowed by the claim; if not, the reason (up to
// STORAGE_VERDICT_LEN_MAX bytes: a longer one is cut).
#define STORAGE_VERDICT_LEN_MAX 192u
bool storage_judge(const struct storage_claim *claim, const struct storage_found *found,
                   enum storage_strictness strictness, char *reason, u64 capacity);

// Checks DIR against the claims (from the journal, or from a run's exact model). Prints
// one "VIOLATION" line per violation (deterministic) and "~" details. 0, or -error if
// the directory itself could not be examined.
i64 storage_verify(const char *dir, const struct storage_journal *journal,
                   enum storage_strictness strictness, struct storage_report *report);
