// The storage journal (format: storage.h): writing its records, and reading it back
// into per-slot claims. Every record was fsynced before the next was written, so every
// complete line must be one that storage wrote, in order, with no gap in the gens:
// anything else is corruption or a lost acknowledged write. Only the last line may be
// incomplete (its write was cut by a crash before its fsync returned).
#include <stdio.h>
#include <string.h>

#include "storage.h"
#include "tool.h"

#define RECORD_SUM_BYTES 10u // " " + 8 hex digits + "\n"
#define JOURNAL_READ_BYTES 512u
#define RECORD_ALPHABET "0123456789abcdef JBA-orum" // hex digits, record kinds, op letters

static u64 record_finish(char *out, u64 capacity, int length) {
    basin_assert(length > 0 && (u64)length + RECORD_SUM_BYTES < capacity);
    u32 sum = (u32)storage_fnv64(STORAGE_FNV64_OFFSET, (const u8 *)out, (u64)length);
    snprintf(out + length, capacity - (u64)length, " %08lx\n", (unsigned long)sum);
    basin_assert(strlen(out) == (u64)length + RECORD_SUM_BYTES);
    return (u64)length + RECORD_SUM_BYTES;
}

static char slot_char(u32 slot) {
    basin_assert(slot < STORAGE_SLOTS_COUNT || slot == STORAGE_SLOTS_COUNT);
    return slot == STORAGE_SLOTS_COUNT ? '-' : (char)('0' + slot); // COUNT: no slot
}

u64 storage_record_header(char *out, u64 capacity, u32 first_gen) {
    return record_finish(out, capacity, snprintf(out, capacity, "J1 %08lx", (unsigned long)first_gen));
}

u64 storage_record_begin(char *out, u64 capacity, u32 gen, char op, u32 slot, u32 target) {
    int length = snprintf(out, capacity, "B %08lx %c %c %c", (unsigned long)gen, op,
                          slot_char(slot), slot_char(target));
    return record_finish(out, capacity, length);
}

u64 storage_record_ack(char *out, u64 capacity, u32 gen, u32 slot,
                       const struct storage_state *state) {
    basin_assert(slot < STORAGE_SLOTS_COUNT && state->count <= STORAGE_CHUNKS_MAX);
    u32 count = state->present ? state->count : 0;
    int length = snprintf(out, capacity, "A %08lx %c %lu", (unsigned long)gen, slot_char(slot),
                          (unsigned long)count);
    for (u32 i = 0; i < count; i++) {
        length += snprintf(out + length, capacity - (u64)length, " %08lx",
                           (unsigned long)state->gens[i]);
    }
    return record_finish(out, capacity, length);
}

// ---- reading -----------------------------------------------------------------------
struct cursor {
    const char *text;
    u64 length;
    u64 at;
    bool ok;
};

static char take_char(struct cursor *c) {
    if (!c->ok || c->at >= c->length) {
        c->ok = false;
        return 0;
    }
    return c->text[c->at++];
}

static void expect_char(struct cursor *c, char want) {
    if (take_char(c) != want) c->ok = false;
}

static u32 take_hex8(struct cursor *c) {
    u32 value = 0;
    for (u32 i = 0; i < 8; i++) {
        char digit = take_char(c);
        bool decimal = digit >= '0' && digit <= '9', letter = digit >= 'a' && digit <= 'f';
        if (!decimal && !letter) c->ok = false;
        value = value * 16 + (u32)(decimal ? digit - '0' : letter ? digit - 'a' + 10 : 0);
    }
    return value;
}

// A slot digit; STORAGE_SLOTS_COUNT for '-'.
static u32 take_slot(struct cursor *c) {
    char digit = take_char(c);
    if (digit == '-') return STORAGE_SLOTS_COUNT;
    if (digit < '0' || digit >= (char)('0' + STORAGE_SLOTS_COUNT)) c->ok = false;
    return c->ok ? (u32)(digit - '0') : 0;
}

static void later_mark(struct storage_journal *journal, u32 slot, u32 later) {
    if (slot < STORAGE_SLOTS_COUNT) journal->claims[slot].later |= later;
}

static bool record_begin(struct storage_journal *journal, struct cursor *c) {
    expect_char(c, ' ');
    u32 gen = take_hex8(c);
    expect_char(c, ' ');
    char op = take_char(c);
    expect_char(c, ' ');
    u32 slot = take_slot(c);
    expect_char(c, ' ');
    u32 target = take_slot(c);
    if (!c->ok || c->at != c->length || gen != journal->last_gen + 1) return false;
    bool one_slot = slot < STORAGE_SLOTS_COUNT && target == STORAGE_SLOTS_COUNT;
    bool no_slot = slot == STORAGE_SLOTS_COUNT && target == STORAGE_SLOTS_COUNT;
    switch (op) {
    case STORAGE_OP_CREATE:
    case STORAGE_OP_OVERWRITE: later_mark(journal, slot, STORAGE_LATER_REPLACE); break;
    case STORAGE_OP_APPEND: later_mark(journal, slot, STORAGE_LATER_APPEND); break;
    case STORAGE_OP_UNLINK: later_mark(journal, slot, STORAGE_LATER_REMOVE); break;
    case STORAGE_OP_RENAME:
        if (slot == STORAGE_SLOTS_COUNT || target == STORAGE_SLOTS_COUNT || slot == target) return false;
        later_mark(journal, slot, STORAGE_LATER_REMOVE);
        later_mark(journal, target, STORAGE_LATER_REPLACE);
        one_slot = true;
        break;
    case STORAGE_OP_MKDIR:
    case STORAGE_OP_RMDIR: one_slot = no_slot; break;
    default: return false;
    }
    journal->last_gen = gen;
    return one_slot;
}

static bool record_ack(struct storage_journal *journal, struct cursor *c) {
    expect_char(c, ' ');
    u32 gen = take_hex8(c);
    expect_char(c, ' ');
    u32 slot = take_slot(c);
    expect_char(c, ' ');
    char count_digit = take_char(c);
    u32 count = (u32)(count_digit - '0');
    if (!c->ok || slot >= STORAGE_SLOTS_COUNT || count_digit < '0' || count > STORAGE_CHUNKS_MAX ||
        gen != journal->last_gen) {
        return false;
    }
    struct storage_claim *claim = &journal->claims[slot];
    memset(claim, 0, sizeof(*claim));
    for (u32 i = 0; i < count; i++) {
        expect_char(c, ' ');
        claim->state.gens[i] = take_hex8(c);
        // Acknowledged chunks were written in this epoch, each after the one before.
        u32 floor = i == 0 ? journal->first_gen : claim->state.gens[i - 1] + 1;
        if (claim->state.gens[i] < floor || claim->state.gens[i] > gen) return false;
    }
    claim->acked = true;
    claim->ack_gen = gen;
    claim->state.present = count > 0;
    claim->state.count = count;
    return c->ok && c->at == c->length;
}

// One complete line, newline excluded. false: not a record storage would have written
// at this point of the journal.
static bool record_apply(struct storage_journal *journal, const char *line, u64 length) {
    if (length <= RECORD_SUM_BYTES - 1) return false;
    u64 text_length = length - (RECORD_SUM_BYTES - 1);
    struct cursor sum_cursor = {line, length, text_length, true};
    expect_char(&sum_cursor, ' ');
    u32 sum = take_hex8(&sum_cursor);
    u64 computed = storage_fnv64(STORAGE_FNV64_OFFSET, (const u8 *)line, text_length);
    if (!sum_cursor.ok || sum != (u32)computed) return false;
    struct cursor c = {line, text_length, 1, true};
    bool first = journal->records == 0;
    journal->records++;
    if (line[0] == 'J' && first) {
        expect_char(&c, '1');
        expect_char(&c, ' ');
        journal->first_gen = take_hex8(&c);
        journal->last_gen = journal->first_gen - 1;
        return c.ok && c.at == c.length && journal->first_gen > 0;
    }
    if (line[0] == 'B' && !first) return record_begin(journal, &c);
    if (line[0] == 'A' && !first) return record_ack(journal, &c);
    return false;
}

// Feeds the bytes of one read to the line assembler. false: a bad record (reason set).
static bool journal_feed(struct storage_journal *journal, char *line, u64 *line_length,
                         const u8 *bytes, u64 count, char *reason, u64 reason_capacity) {
    for (u64 i = 0; i < count; i++) {
        if (bytes[i] != '\n') {
            if (*line_length == STORAGE_RECORD_LEN_MAX) {
                snprintf(reason, reason_capacity, "journal record %lu is longer than any record",
                         (unsigned long)journal->records + 1);
                return false;
            }
            line[(*line_length)++] = (char)bytes[i];
            continue;
        }
        if (!record_apply(journal, line, *line_length)) {
            snprintf(reason, reason_capacity, "journal record %lu is not one storage wrote there",
                     (unsigned long)journal->records);
            return false;
        }
        *line_length = 0;
    }
    return true;
}

i64 storage_journal_read(const char *dir, struct storage_journal *journal, char *reason,
                         u64 reason_capacity) {
    basin_assert(dir != NULL && journal != NULL && reason != NULL);
    memset(journal, 0, sizeof(*journal));
    char path[TOOL_PATH_BYTES];
    i64 result = tool_path_join(path, sizeof(path), dir, STORAGE_JOURNAL_NAME);
    i64 fd = result < 0 ? result : sys_open(path, ABI_O_RDONLY, 0);
    if (fd == -E_NOENT) return 0;
    if (fd < 0) return fd;
    journal->found = true;
    char line[STORAGE_RECORD_LEN_MAX];
    u64 line_length = 0, total = 0;
    for (;;) {
        u8 bytes[JOURNAL_READ_BYTES];
        result = sys_read(fd, bytes, sizeof(bytes));
        if (result <= 0) break;
        basin_assert((u64)result <= sizeof(bytes));
        total += (u64)result;
        bool good = total <= ABI_FILE_SIZE_MAX &&
                    journal_feed(journal, line, &line_length, bytes, (u64)result, reason,
                                 reason_capacity);
        if (!good && total > ABI_FILE_SIZE_MAX) {
            snprintf(reason, reason_capacity, "journal longer than a file can be");
        }
        if (!good) result = -E_BADMSG;
        if (!good) break;
    }
    i64 closed = sys_close(fd);
    if (result == 0 && closed < 0) result = closed;
    // The header was fsynced before journal.new became journal: it must be there.
    if (result == 0 && journal->records == 0) {
        snprintf(reason, reason_capacity, "journal has no complete header");
        result = -E_BADMSG;
    }
    // A torn last record is a prefix of a record: only characters records are made of.
    for (u64 i = 0; i < line_length && result == 0; i++) {
        if (line[i] == 0 || strchr(RECORD_ALPHABET, line[i]) == NULL) {
            snprintf(reason, reason_capacity, "journal ends in bytes storage never wrote");
            result = -E_BADMSG;
        }
    }
    journal->torn_tail_bytes = line_length;
    basin_assert(journal->records == 0 || journal->first_gen > 0);
    return result;
}
