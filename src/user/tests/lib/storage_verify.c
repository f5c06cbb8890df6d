// Checking a storage directory against claims: each slot file is read and parsed
// (integrity), judged against its slot's claim (durability), and the directory
// listings are compared with what the slots showed (tree consistency). The rules are
// those of the model at the top of src/user/tests/storage.c.
#include <stdio.h>
#include <string.h>

#include "user/tests/lib/storage.h"
#include "user/lib/tool.h"

#define EXAMINE_ATTEMPTS 2u // an environmental error is retried once before refusing
#define LISTING_ENTRIES_MAX 64u // more entries than storage ever makes is itself wrong
#define STATE_TEXT_LEN_MAX 96u

bool storage_slot_in_subdir(u32 slot) {
    basin_assert(slot < STORAGE_SLOTS_COUNT);
    return slot >= STORAGE_SLOTS_ROOT_COUNT;
}

i64 storage_subdir_path(char *out, u64 capacity, const char *dir) {
    return tool_path_join(out, capacity, dir, STORAGE_SUBDIR_NAME);
}

i64 storage_slot_path(char *out, u64 capacity, const char *dir, u32 slot) {
    basin_assert(slot < STORAGE_SLOTS_COUNT);
    char name[4] = {'f', (char)('0' + slot), 0, 0};
    if (!storage_slot_in_subdir(slot)) return tool_path_join(out, capacity, dir, name);
    i64 result = storage_subdir_path(out, capacity, dir);
    return result < 0 ? result : tool_path_join(out, capacity, out, name);
}

// Reads the whole file at path into bytes (capacity: one byte more than any slot file).
static i64 file_read_all(const char *path, u8 *bytes, u64 capacity, u64 *length) {
    i64 fd = sys_open(path, ABI_O_RDONLY, 0);
    if (fd < 0) return fd;
    i64 result = 0;
    *length = 0;
    while (*length < capacity) {
        result = sys_read(fd, bytes + *length, capacity - *length);
        if (result <= 0) break;
        basin_assert((u64)result <= capacity - *length);
        *length += (u64)result;
    }
    i64 closed = sys_close(fd);
    return result < 0 ? result : closed;
}

// One attempt at a slot. 0 with found set, or -error (environmental ones are retried).
static i64 examine_once(const char *path, struct storage_found *found) {
    memset(found, 0, sizeof(*found));
    struct abi_stat stat;
    memset(&stat, 0, sizeof(stat));
    i64 result = sys_stat(path, &stat);
    if (result == -E_NOENT) {
        found->kind = STORAGE_FOUND_ABSENT;
        return 0;
    }
    if (result < 0) return result;
    found->kind = STORAGE_FOUND_BAD;
    if (stat.type != ABI_TYPE_FILE) {
        snprintf(found->reason, sizeof(found->reason), "not a file (type %lu)",
                 (unsigned long)stat.type);
        return 0;
    }
    u8 bytes[STORAGE_FILE_BYTES_MAX + 1];
    u64 length = 0;
    result = file_read_all(path, bytes, sizeof(bytes), &length);
    if (result == -E_NOENT) {
        snprintf(found->reason, sizeof(found->reason), "stat found it, open did not");
        return 0;
    }
    if (result < 0) return result;
    if (length != stat.size_bytes || length > STORAGE_FILE_BYTES_MAX) {
        snprintf(found->reason, sizeof(found->reason), "stat says %lu bytes, read gave %lu%s",
                 (unsigned long)stat.size_bytes, (unsigned long)length,
                 length > STORAGE_FILE_BYTES_MAX ? " or more" : "");
        return 0;
    }
    result = storage_contents_parse(bytes, length, &found->contents, found->reason,
                                    sizeof(found->reason));
    if (result == 0) found->kind = STORAGE_FOUND_FILE;
    return 0;
}

i64 storage_slot_examine(const char *dir, u32 slot, struct storage_found *found) {
    basin_assert(dir != NULL);
    basin_assert(found != NULL);
    char path[TOOL_PATH_BYTES];
    i64 result = storage_slot_path(path, sizeof(path), dir, slot);
    if (result < 0) return result;
    for (u32 attempt = 0; attempt < EXAMINE_ATTEMPTS; attempt++) {
        result = examine_once(path, found);
        if (result == 0 || !tool_error_is_environmental(result)) return result;
    }
    memset(found, 0, sizeof(*found));
    found->kind = STORAGE_FOUND_REFUSED;
    found->error = result;
    snprintf(found->reason, sizeof(found->reason), "unreadable: %s", error_name(result));
    return 0;
}

static bool found_equals(const struct storage_found *found, const struct storage_state *state) {
    if (found->kind == STORAGE_FOUND_ABSENT) return !state->present;
    if (found->kind != STORAGE_FOUND_FILE || !state->present) return false;
    const struct storage_contents *contents = &found->contents;
    if (contents->tail_bytes != 0 || contents->count != state->count) return false;
    return memcmp(contents->gens, state->gens, state->count * sizeof(state->gens[0])) == 0;
}

// The acknowledged chunks, then only chunks of later mutations (and maybe a tail).
static bool found_extends(const struct storage_found *found, const struct storage_claim *claim) {
    const struct storage_contents *contents = &found->contents;
    if (found->kind != STORAGE_FOUND_FILE || !claim->state.present) return false;
    if (contents->count < claim->state.count) return false;
    for (u32 i = 0; i < contents->count; i++) {
        bool acked = i < claim->state.count;
        if (acked && contents->gens[i] != claim->state.gens[i]) return false;
        if (!acked && contents->gens[i] <= claim->ack_gen) return false;
    }
    return true;
}

// "absent", or "gens 3,5,9" (just "gens" for an empty file) and "+N" torn bytes.
static void describe(char *out, u64 capacity, bool present, const u32 *gens, u32 count, u64 tail) {
    u64 used = (u64)snprintf(out, capacity, present ? "gens" : "absent");
    for (u32 i = 0; i < count && used < capacity; i++) {
        used += (u64)snprintf(out + used, capacity - used, "%c%lu", i == 0 ? ' ' : ',',
                              (unsigned long)gens[i]);
    }
    if (tail > 0 && used < capacity)
        snprintf(out + used, capacity - used, " +%lu", (unsigned long)tail);
}

static bool judge_allows(const struct storage_claim *claim, const struct storage_found *found,
                         enum storage_strictness strictness) {
    if (found->kind == STORAGE_FOUND_BAD) return false;
    if (!claim->acked) return true;
    if (found->kind == STORAGE_FOUND_REFUSED) return strictness == STORAGE_LENIENT;
    if (found_equals(found, &claim->state)) return true;
    if ((claim->later & STORAGE_LATER_REMOVE) != 0 && found->kind == STORAGE_FOUND_ABSENT)
        return true;
    if ((claim->later & STORAGE_LATER_REPLACE) != 0 && found->kind == STORAGE_FOUND_FILE)
        return true;
    return (claim->later & STORAGE_LATER_APPEND) != 0 && found_extends(found, claim);
}

bool storage_judge(const struct storage_claim *claim, const struct storage_found *found,
                   enum storage_strictness strictness, char *reason, u64 capacity) {
    basin_assert(claim != NULL);
    basin_assert(found != NULL);
    basin_assert(reason != NULL);
    if (judge_allows(claim, found, strictness)) return true;
    if (found->kind == STORAGE_FOUND_BAD) {
        snprintf(reason, capacity, "integrity: %s", found->reason);
        return false;
    }
    char acked[STATE_TEXT_LEN_MAX], seen[STATE_TEXT_LEN_MAX];
    const struct storage_state *state = &claim->state;
    const struct storage_contents *contents = &found->contents;
    describe(acked, sizeof(acked), state->present, state->gens, state->count, 0);
    describe(seen, sizeof(seen), found->kind == STORAGE_FOUND_FILE, contents->gens, contents->count,
             contents->tail_bytes);
    // later: a = append, r = replace, x = remove begun since the acknowledgement.
    snprintf(reason, capacity, "acknowledged at gen %lu as %s; later [%c%c%c]; found %s",
             (unsigned long)claim->ack_gen, acked,
             (claim->later & STORAGE_LATER_APPEND) != 0 ? 'a' : '-',
             (claim->later & STORAGE_LATER_REPLACE) != 0 ? 'r' : '-',
             (claim->later & STORAGE_LATER_REMOVE) != 0 ? 'x' : '-',
             found->kind == STORAGE_FOUND_REFUSED ? found->reason : seen);
    return false;
}

// ---- listings ---------------------------------------------------------------------
// Every name storage makes, by index: slots 0..7, then d0, journal, journal.new.
#define NAME_SUBDIR_INDEX STORAGE_SLOTS_COUNT
#define NAMES_COUNT (STORAGE_SLOTS_COUNT + 3u)
static const char names[NAMES_COUNT][12] = {"f0",
                                            "f1",
                                            "f2",
                                            "f3",
                                            "f4",
                                            "f5",
                                            "f6",
                                            "f7",
                                            STORAGE_SUBDIR_NAME,
                                            STORAGE_JOURNAL_NAME,
                                            STORAGE_JOURNAL_NEW_NAME};

// Lists DIR (in_subdir false) or DIR/d0 into *listed: a bit per name index above.
// Entries storage never makes there are violations. 0 or -error.
static i64 listing_read(const char *path, bool in_subdir, u32 *listed, u32 *violations) {
    i64 fd = sys_open(path, ABI_O_RDONLY | ABI_O_DIRECTORY, 0);
    if (fd < 0) return fd;
    i64 result = 0;
    for (u32 seen = 0; result >= 0; seen++) {
        struct abi_dirent entry;
        memset(&entry, 0, sizeof(entry));
        result = seen == LISTING_ENTRIES_MAX ? -E_FBIG : sys_readdir(fd, &entry, 1);
        if (result <= 0) break;
        entry.name[sizeof(entry.name) - 1] = 0;
        u32 index = 0;
        while (index < NAMES_COUNT && strcmp(names[index], entry.name) != 0) index++;
        bool directory = index == NAME_SUBDIR_INDEX;
        bool here = index < STORAGE_SLOTS_COUNT ? storage_slot_in_subdir(index) == in_subdir
                                                : index < NAMES_COUNT && !in_subdir;
        u32 type = directory ? ABI_TYPE_DIRECTORY : ABI_TYPE_FILE;
        if (here && entry.type == type) {
            *listed |= 1u << index;
        } else {
            say("VIOLATION %s: entry \"%s\" (type %lu) that storage never made", path, entry.name,
                (unsigned long)entry.type);
            (*violations)++;
        }
    }
    i64 closed = sys_close(fd);
    return result < 0 ? result : closed;
}

// The listings must show exactly the slots that stat found (and nothing storage did
// not make). An environmental error while listing is a refusal; others violations.
static void verify_listings(const char *dir, const struct storage_found *found,
                            enum storage_strictness strictness, struct storage_report *report) {
    char subdir[TOOL_PATH_BYTES];
    u32 listed = 0;
    i64 result = storage_subdir_path(subdir, sizeof(subdir), dir);
    if (result == 0) result = listing_read(dir, false, &listed, &report->violations);
    report->subdir_present = (listed & (1u << NAME_SUBDIR_INDEX)) != 0;
    if (result == 0 && report->subdir_present) {
        result = listing_read(subdir, true, &listed, &report->violations);
    }
    bool environmental = result < 0 && tool_error_is_environmental(result);
    if (environmental) report->refused++;
    if (result < 0 && !(environmental && strictness == STORAGE_LENIENT)) {
        say("VIOLATION %s: cannot list: %s", dir, error_name(result));
        report->violations++;
        if (environmental) report->refusal_violations++;
    }
    for (u32 slot = 0; slot < STORAGE_SLOTS_COUNT && result == 0; slot++) {
        bool listed_slot = (listed & (1u << slot)) != 0;
        bool stated = found[slot].kind != STORAGE_FOUND_ABSENT;
        if (found[slot].kind == STORAGE_FOUND_REFUSED || listed_slot == stated) continue;
        say("VIOLATION f%lu: the listing %s it, stat %s", (unsigned long)slot,
            listed_slot ? "shows" : "lacks", stated ? "finds it" : "does not");
        report->violations++;
    }
}

static void report_slot(struct storage_report *report, u32 slot, const struct storage_found *found,
                        const struct storage_claim *claim) {
    if (found->kind == STORAGE_FOUND_REFUSED) report->refused++;
    if (claim->acked) report->acked++;
    if (found->kind != STORAGE_FOUND_FILE) return;
    report->present++;
    report->slot_present[slot] = true;
    if (found->contents.tail_bytes > 0) report->torn++;
    for (u32 i = 0; i < found->contents.count; i++) {
        if (found->contents.gens[i] > report->max_gen) report->max_gen = found->contents.gens[i];
    }
}

i64 storage_verify(const char *dir, const struct storage_journal *journal,
                   enum storage_strictness strictness, struct storage_report *report) {
    basin_assert(dir != NULL);
    basin_assert(report != NULL);
    memset(report, 0, sizeof(*report));
    struct abi_stat stat;
    memset(&stat, 0, sizeof(stat));
    i64 result = sys_stat(dir, &stat);
    if (result < 0) return result;
    if (stat.type != ABI_TYPE_DIRECTORY) {
        say("VIOLATION %s: not a directory", dir);
        report->violations++;
        return 0;
    }
    static const struct storage_claim unclaimed; // no journal: integrity only
    struct storage_found found[STORAGE_SLOTS_COUNT];
    for (u32 slot = 0; slot < STORAGE_SLOTS_COUNT; slot++) {
        result = storage_slot_examine(dir, slot, &found[slot]);
        if (result < 0) return result;
        const struct storage_claim *claim =
            journal != NULL && journal->found ? &journal->claims[slot] : &unclaimed;
        char reason[STORAGE_VERDICT_LEN_MAX];
        if (!storage_judge(claim, &found[slot], strictness, reason, sizeof(reason))) {
            say("VIOLATION f%lu: %s", (unsigned long)slot, reason);
            report->violations++;
            if (found[slot].kind == STORAGE_FOUND_REFUSED) report->refusal_violations++;
        }
        report_slot(report, slot, &found[slot], claim);
    }
    verify_listings(dir, found, strictness, report);
    if (journal != NULL && journal->last_gen > report->max_gen) report->max_gen = journal->last_gen;
    return 0;
}
