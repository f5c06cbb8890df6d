// Checking a storage directory against claims: each slot file is read and parsed
// (integrity), judged against its slot's claim (durability), and the directory
// listings are compared with what the slots showed (tree consistency). The rules are
// those of the model at the top of src/user/programs/storage.c.
#include <stdio.h>
#include <string.h>

#include "storage.h"
#include "tool.h"

#define EXAMINE_ATTEMPTS 2u   // an environmental error is retried once before refusing
#define LISTING_BATCH_COUNT 4u
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
        snprintf(found->reason, sizeof(found->reason), "not a file (type %lu)", (unsigned long)stat.type);
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
    basin_assert(dir != NULL && found != NULL);
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

static void later_format(u32 later, char *out, u64 capacity) {
    snprintf(out, capacity, "%s%s%s%s", later == 0 ? "none" : "",
             (later & STORAGE_LATER_APPEND) != 0 ? " append" : "",
             (later & STORAGE_LATER_REPLACE) != 0 ? " replace" : "",
             (later & STORAGE_LATER_REMOVE) != 0 ? " remove" : "");
}

static void found_format(const struct storage_found *found, char *out, u64 capacity) {
    switch (found->kind) {
    case STORAGE_FOUND_ABSENT: snprintf(out, capacity, "absent"); break;
    case STORAGE_FOUND_FILE: storage_contents_format(&found->contents, out, capacity); break;
    default: snprintf(out, capacity, "%s", found->reason); break;
    }
}

bool storage_judge(const struct storage_claim *claim, const struct storage_found *found,
                   enum storage_strictness strictness, char *reason, u64 capacity) {
    basin_assert(claim != NULL && found != NULL && reason != NULL);
    char acked[STATE_TEXT_LEN_MAX], seen[STATE_TEXT_LEN_MAX], later[STATE_TEXT_LEN_MAX];
    storage_state_format(&claim->state, acked, sizeof(acked));
    found_format(found, seen, sizeof(seen));
    later_format(claim->later, later, sizeof(later));
    reason[0] = 0;
    if (found->kind == STORAGE_FOUND_BAD) {
        snprintf(reason, capacity, "integrity: %s", found->reason);
        return false;
    }
    if (found->kind == STORAGE_FOUND_REFUSED) {
        if (!claim->acked || strictness == STORAGE_LENIENT) return true;
        snprintf(reason, capacity, "acknowledged %s after gen %lu, %s", acked,
                 (unsigned long)claim->ack_gen, seen);
        return false;
    }
    if (!claim->acked || found_equals(found, &claim->state)) return true;
    bool allowed = false;
    if ((claim->later & STORAGE_LATER_REMOVE) != 0) allowed = found->kind == STORAGE_FOUND_ABSENT;
    if ((claim->later & STORAGE_LATER_REPLACE) != 0) allowed |= found->kind == STORAGE_FOUND_FILE;
    if ((claim->later & STORAGE_LATER_APPEND) != 0) allowed |= found_extends(found, claim);
    if (allowed) return true;
    snprintf(reason, capacity, "acknowledged %s after gen %lu, later mutations: %s; found %s",
             acked, (unsigned long)claim->ack_gen, later, seen);
    return false;
}

// ---- listings ---------------------------------------------------------------------
// Which slots a directory listing showed, and whether the subdirectory was there.
struct listing {
    u32 slots_listed; // bit per slot
    bool subdir_listed;
    u32 unexpected;
};

// Classifies one entry of DIR (in_subdir false) or DIR/d0 (true).
static void listing_entry(struct listing *listing, const struct abi_dirent *entry, bool in_subdir,
                          const char *dir) {
    const char *name = entry->name;
    bool file = entry->type == ABI_TYPE_FILE;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) return;
    if (name[0] == 'f' && name[1] >= '0' && name[1] < (char)('0' + STORAGE_SLOTS_COUNT) &&
        name[2] == 0 && file) {
        u32 slot = (u32)(name[1] - '0');
        if (storage_slot_in_subdir(slot) == in_subdir) {
            listing->slots_listed |= 1u << slot;
            return;
        }
    }
    if (!in_subdir && strcmp(name, STORAGE_SUBDIR_NAME) == 0 && entry->type == ABI_TYPE_DIRECTORY) {
        listing->subdir_listed = true;
        return;
    }
    bool journal_name = strcmp(name, STORAGE_JOURNAL_NAME) == 0 ||
                        strcmp(name, STORAGE_JOURNAL_NEW_NAME) == 0;
    if (!in_subdir && journal_name && file) return;
    say("VIOLATION %s: entry \"%s\" (type %lu) that storage never made", dir, name,
        (unsigned long)entry->type);
    listing->unexpected++;
}

// Lists one directory into listing. 0 or -error.
static i64 listing_read(struct listing *listing, const char *path, bool in_subdir) {
    i64 fd = sys_open(path, ABI_O_RDONLY | ABI_O_DIRECTORY, 0);
    if (fd < 0) return fd;
    i64 result = 0;
    for (u32 seen = 0;; seen += LISTING_BATCH_COUNT) {
        if (seen >= LISTING_ENTRIES_MAX) {
            result = -E_FBIG; // more entries than storage could ever have made
            break;
        }
        struct abi_dirent entries[LISTING_BATCH_COUNT];
        memset(entries, 0, sizeof(entries));
        result = sys_readdir(fd, entries, LISTING_BATCH_COUNT);
        if (result <= 0) break;
        basin_assert((u64)result <= LISTING_BATCH_COUNT);
        for (i64 i = 0; i < result; i++) {
            entries[i].name[sizeof(entries[i].name) - 1] = 0;
            listing_entry(listing, &entries[i], in_subdir, path);
        }
    }
    i64 closed = sys_close(fd);
    return result < 0 ? result : closed;
}

// A listing that failed: for an environmental error, what any unreadable part is;
// anything else is a violation.
static void listing_failed(const char *dir, i64 error, enum storage_strictness strictness,
                           struct storage_report *report) {
    if (tool_error_is_environmental(error)) report->refused++;
    if (tool_error_is_environmental(error) && strictness == STORAGE_LENIENT) {
        note("%s: cannot list: %s", dir, error_name(error));
        return;
    }
    say("VIOLATION %s: cannot list: %s", dir, error_name(error));
    report->violations++;
}

// The listings must show exactly the slots that stat found, and nothing storage did
// not make.
static void verify_listings(const char *dir, const struct storage_found *found,
                            enum storage_strictness strictness, struct storage_report *report) {
    struct listing listing;
    memset(&listing, 0, sizeof(listing));
    char subdir[TOOL_PATH_BYTES];
    i64 result = storage_subdir_path(subdir, sizeof(subdir), dir);
    basin_assert(result == 0); // the slot paths, longer, were made already
    result = listing_read(&listing, dir, false);
    if (result == 0 && listing.subdir_listed) result = listing_read(&listing, subdir, true);
    report->violations += listing.unexpected;
    report->subdir_present = listing.subdir_listed;
    if (result < 0) {
        listing_failed(listing.subdir_listed ? subdir : dir, result, strictness, report);
        return;
    }
    for (u32 slot = 0; slot < STORAGE_SLOTS_COUNT; slot++) {
        if (found[slot].kind == STORAGE_FOUND_REFUSED) continue;
        bool listed = (listing.slots_listed & (1u << slot)) != 0;
        bool stated = found[slot].kind != STORAGE_FOUND_ABSENT;
        if (listed == stated) continue;
        say("VIOLATION f%lu: the listing %s it, stat %s it", (unsigned long)slot,
            listed ? "shows" : "lacks", stated ? "finds" : "does not find");
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
    basin_assert(dir != NULL && report != NULL);
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
        char reason[STORAGE_REASON_LEN_MAX + 2 * STATE_TEXT_LEN_MAX];
        if (!storage_judge(claim, &found[slot], strictness, reason, sizeof(reason))) {
            say("VIOLATION f%lu: %s", (unsigned long)slot, reason);
            report->violations++;
        }
        report_slot(report, slot, &found[slot], claim);
    }
    verify_listings(dir, found, strictness, report);
    if (journal != NULL && journal->last_gen > report->max_gen) report->max_gen = journal->last_gen;
    return 0;
}
