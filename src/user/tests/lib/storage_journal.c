// The storage journal (format: storage.h): writing its records, and reading it back
// into per-slot claims. Every record was fsynced before the next was written, so every
// complete line must be one that storage wrote, in order, with no gap in the gens:
// anything else is corruption or a lost acknowledged write. Only the last line may be
// incomplete (its write was cut by a crash before its fsync returned).
#include <stdio.h>
#include <string.h>

#include "user/tests/lib/storage.h"
#include "user/lib/tool.h"

#define RECORD_SUM_BYTES 10u // " " + 8 hex digits + "\n"
#define JOURNAL_READ_BYTES 512u
#define RECORD_ALPHABET "0123456789abcdef JBA-orum" // hex digits, record kinds, op letters

static u64 record_finish(char *out, u64 capacity, int length) {
    basin_assert(length > 0);
    basin_assert((u64)length + RECORD_SUM_BYTES < capacity);
    u32 sum = (u32)storage_fnv64(STORAGE_FNV64_OFFSET, (const u8 *)out, (u64)length);
    snprintf(out + length, capacity - (u64)length, " %08lx\n", (unsigned long)sum);
    basin_assert(strlen(out) == (u64)length + RECORD_SUM_BYTES);
    return (u64)length + RECORD_SUM_BYTES;
}

static char slot_char(u32 slot) {
    basin_assert(slot <= STORAGE_SLOTS_COUNT); // COUNT itself stands for no slot
    return slot == STORAGE_SLOTS_COUNT ? '-' : (char)('0' + slot); // COUNT: no slot
}

u64 storage_record_header(char *out, u64 capacity, u32 first_gen) {
    return record_finish(out, capacity,
                         snprintf(out, capacity, "J1 %08lx", (unsigned long)first_gen));
}

u64 storage_record_begin(char *out, u64 capacity, u32 gen, char op, u32 slot, u32 target) {
    int length = snprintf(out, capacity, "B %08lx %c %c %c", (unsigned long)gen, op,
                          slot_char(slot), slot_char(target));
    return record_finish(out, capacity, length);
}

u64 storage_record_ack(char *out, u64 capacity, u32 gen, u32 slot,
                       const struct storage_state *state) {
    basin_assert(slot < STORAGE_SLOTS_COUNT);
    basin_assert(state->count <= STORAGE_CHUNKS_MAX);
    u32 count = state->present ? state->count : 0;
    int length = snprintf(out, capacity, "A %08lx %c %lu", (unsigned long)gen, slot_char(slot),
                          (unsigned long)count);
    for (u32 i = 0; i < count; i++) {
        length +=
            snprintf(out + length, capacity - (u64)length, " %08lx", (unsigned long)state->gens[i]);
    }
    return record_finish(out, capacity, length);
}

// ---- reading -----------------------------------------------------------------------
// A line is checked by parsing its fields at their fixed positions, checking them
// against the journal so far, rendering the record those fields make, and comparing
// every byte: a line passes only if it is exactly what storage would have written.
#define RECORD_GEN_AT 2u // "B GGGGGGGG ..." and "A GGGGGGGG ..."
#define RECORD_HEADER_GEN_AT 3u
#define RECORD_OP_AT 11u
#define RECORD_SLOT_AT 13u // begin: slot; ack: the chunk count
#define RECORD_TARGET_AT 15u
#define RECORD_ACK_SLOT_AT 11u
#define RECORD_ACK_GENS_AT 15u // the first digit of the first gen
#define RECORD_GEN_STRIDE 9u // " GGGGGGGG"

// Hex digits at line[at..at+8), leniently: a wrong digit changes the value, and the
// rendered record then differs from the line.
static u32 hex8_at(const char *line, u64 length, u64 at) {
    u32 value = 0;
    for (u64 i = at; i < at + 8 && i < length; i++) {
        u32 digit = line[i] <= '9' ? (u32)(line[i] - '0') : (u32)(line[i] - 'a' + 10);
        value = value * 16 + (digit & 15);
    }
    return value;
}

// A slot digit; STORAGE_SLOTS_COUNT for '-'; STORAGE_SLOTS_COUNT + 1 for anything else.
static u32 slot_at(const char *line, u64 length, u64 at) {
    if (at >= length) return STORAGE_SLOTS_COUNT + 1;
    if (line[at] == '-') return STORAGE_SLOTS_COUNT;
    bool digit = line[at] >= '0' && line[at] < (char)('0' + STORAGE_SLOTS_COUNT);
    return digit ? (u32)(line[at] - '0') : STORAGE_SLOTS_COUNT + 1;
}

// Begin records by operation: what each may do to its slot (a rename also replaces
// its target). create and overwrite replace; append appends; unlink removes; a rename
// away removes, and the old name may still reach the moved file, which later
// mutations through the new name keep changing, until the directory's fsync.
static const char begin_ops[] = {
    STORAGE_OP_CREATE, STORAGE_OP_OVERWRITE, STORAGE_OP_APPEND, STORAGE_OP_UNLINK,
    STORAGE_OP_RENAME, STORAGE_OP_MKDIR,     STORAGE_OP_RMDIR,  0};
#define BEGIN_OP_RENAME_INDEX 4u
#define BEGIN_OPS_WITH_SLOT 5u // the first five name a slot; mkdir and rmdir none
static const u8 begin_later[] = {STORAGE_LATER_REPLACE, STORAGE_LATER_REPLACE, STORAGE_LATER_APPEND,
                                 STORAGE_LATER_REMOVE,
                                 STORAGE_LATER_REMOVE | STORAGE_LATER_REPLACE};

// A begin record's fields: what later operations may do to which slots. Renders it.
static u64 record_begin_apply(struct storage_journal *journal, const char *line, u64 length,
                              char *expected, u64 capacity) {
    u32 gen = hex8_at(line, length, RECORD_GEN_AT);
    char op = length > RECORD_OP_AT ? line[RECORD_OP_AT] : 0;
    u32 slot = slot_at(line, length, RECORD_SLOT_AT),
        target = slot_at(line, length, RECORD_TARGET_AT);
    const char *known = op == 0 ? NULL : strchr(begin_ops, op);
    if (known == NULL || gen != journal->last_gen + 1) return 0;
    u32 index = (u32)(known - begin_ops);
    bool rename = index == BEGIN_OP_RENAME_INDEX;
    bool with_slot = index < BEGIN_OPS_WITH_SLOT;
    bool shape = (slot < STORAGE_SLOTS_COUNT) == with_slot && slot != target &&
        (rename ? target < STORAGE_SLOTS_COUNT : target == STORAGE_SLOTS_COUNT);
    if (!with_slot) shape = slot == STORAGE_SLOTS_COUNT && target == STORAGE_SLOTS_COUNT;
    if (!shape) return 0;
    if (index < BEGIN_OPS_WITH_SLOT) journal->claims[slot].later |= begin_later[index];
    if (rename) journal->claims[target].later |= STORAGE_LATER_REPLACE;
    journal->last_gen = gen;
    return storage_record_begin(expected, capacity, gen, op, slot, target);
}

// An acknowledgement's fields: the slot's new claim. Renders it.
static u64 record_ack_apply(struct storage_journal *journal, const char *line, u64 length,
                            char *expected, u64 capacity) {
    u32 gen = hex8_at(line, length, RECORD_GEN_AT);
    u32 slot = slot_at(line, length, RECORD_ACK_SLOT_AT);
    u32 count =
        length > RECORD_SLOT_AT ? (u32)(line[RECORD_SLOT_AT] - '0') : STORAGE_CHUNKS_MAX + 1;
    if (gen != journal->last_gen || slot >= STORAGE_SLOTS_COUNT || count > STORAGE_CHUNKS_MAX)
        return 0;
    struct storage_claim claim = {.acked = true, .ack_gen = gen};
    claim.state = (struct storage_state){.present = count > 0, .count = count};
    for (u32 i = 0; i < count; i++) {
        u32 chunk = hex8_at(line, length, RECORD_ACK_GENS_AT + i * RECORD_GEN_STRIDE);
        // Acknowledged chunks were written in this epoch, each after the one before.
        u32 floor = i == 0 ? journal->first_gen : claim.state.gens[i - 1] + 1;
        if (chunk < floor || chunk > gen) return 0;
        claim.state.gens[i] = chunk;
    }
    journal->claims[slot] = claim;
    return storage_record_ack(expected, capacity, gen, slot, &claim.state);
}

// One complete line, newline excluded. false: not the record storage would have
// written at this point of the journal.
static bool record_apply(struct storage_journal *journal, const char *line, u64 length) {
    char expected[STORAGE_RECORD_LEN_MAX + 1];
    u64 expected_length = 0;
    bool first = journal->records == 0;
    journal->records++;
    if (length == 0 || length >= STORAGE_RECORD_LEN_MAX) return false;
    if (first && line[0] == 'J') {
        journal->first_gen = hex8_at(line, length, RECORD_HEADER_GEN_AT);
        journal->last_gen = journal->first_gen - 1;
        if (journal->first_gen == 0) return false;
        expected_length = storage_record_header(expected, sizeof(expected), journal->first_gen);
    } else if (!first && line[0] == 'B') {
        expected_length = record_begin_apply(journal, line, length, expected, sizeof(expected));
    } else if (!first && line[0] == 'A') {
        expected_length = record_ack_apply(journal, line, length, expected, sizeof(expected));
    }
    // The rendered record ends in its newline; the line does not.
    return expected_length == length + 1 && memcmp(expected, line, length) == 0;
}

// Feeds the bytes of one read to the line assembler: NULL, or what is wrong.
static const char *journal_feed(struct storage_journal *journal, char *line, u64 *line_length,
                                const u8 *bytes, u64 count) {
    for (u64 i = 0; i < count; i++) {
        if (bytes[i] != '\n' && *line_length == STORAGE_RECORD_LEN_MAX) return "a record too long";
        if (bytes[i] != '\n') {
            line[(*line_length)++] = (char)bytes[i];
            continue;
        }
        if (!record_apply(journal, line, *line_length)) return "not the record storage wrote there";
        *line_length = 0;
    }
    return NULL;
}

i64 storage_journal_read(const char *dir, struct storage_journal *journal, const char **problem) {
    basin_assert(dir != NULL);
    basin_assert(journal != NULL);
    basin_assert(problem != NULL);
    memset(journal, 0, sizeof(*journal));
    *problem = NULL;
    char path[TOOL_PATH_BYTES];
    i64 result = tool_path_join(path, sizeof(path), dir, STORAGE_JOURNAL_NAME);
    i64 fd = result < 0 ? result : sys_open(path, ABI_O_RDONLY, 0);
    if (fd == -E_NOENT) return 0;
    if (fd < 0) return fd;
    journal->found = true;
    char line[STORAGE_RECORD_LEN_MAX];
    u64 line_length = 0, total = 0;
    while (*problem == NULL) {
        u8 bytes[JOURNAL_READ_BYTES];
        result = sys_read(fd, bytes, sizeof(bytes));
        if (result <= 0) break;
        basin_assert((u64)result <= sizeof(bytes));
        total += (u64)result;
        *problem = total <= ABI_FILE_SIZE_MAX
            ? journal_feed(journal, line, &line_length, bytes, (u64)result)
            : "longer than a file can be";
    }
    if (result > 0) result = 0; // stopped by a problem, not by the end of the file
    i64 closed = sys_close(fd);
    if (result == 0 && closed < 0) result = closed;
    // The header was fsynced before journal.new became journal: it must be there.
    if (result == 0 && *problem == NULL && journal->records == 0) *problem = "no complete header";
    // A torn last record is a prefix of a record: only characters records are made of.
    for (u64 i = 0; i < line_length && result == 0 && *problem == NULL; i++) {
        if (line[i] == 0 || strchr(RECORD_ALPHABET, line[i]) == NULL)
            *problem = "a torn record with bytes storage never wrote";
    }
    journal->torn_tail_bytes = line_length;
    return result == 0 && *problem != NULL ? -E_BADMSG : result;
}
