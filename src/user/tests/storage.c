// storage: a file workload that keeps a model of what it wrote and of what the kernel
// acknowledged as durable, so that the state left by a crash at any instant can be
// checked after the reboot.
//
//   storage DIR OPS [MODE]                run OPS operations (1..150) in DIR
//   storage --verify DIR [STRICTNESS]     check DIR, typically after a crash
//
// MODE: mixed (default: every 4th operation is an fsync round), sync (an fsync round
// after every mutation), nosync (no fsync rounds: nothing is ever acknowledged).
// STRICTNESS: strict (default: an acknowledged file the kernel refuses to read, with
// E_IO or E_BADMSG, is a violation), lenient (it is only reported: for fault modes
// allowed to destroy data, where refusing is the correct behaviour).
// Exit codes: 0 good (a run stopped by an error the disk can cause, such as E_IO or
// E_NOSPC, is good), 1 violation or an error a correct kernel would not return,
// 2 usage. Deterministic lines: "storage: N ops, M fsyncs acknowledged",
// "storage: verify DIR: ok" or "storage: verify DIR: N violations", and one
// "storage: VIOLATION ..." line per violation; details start with "~".
//
// ============================== THE MODEL ==================================
// Layout. DIR holds slots f0..f5, the subdirectory d0 with slots f6 and f7, the
// journal, and briefly journal.new. Nothing else may ever appear there.
//
// Files. A slot file is a sequence of 1..6 chunks (format in src/user/tests/lib/storage.h):
// a 41-byte header "#chunk fS GGGGGGGG LLLL CCCCCCCCCCCCCCCC\n" naming the slot S it
// was first written to, its generation G (unique, increasing within an epoch), the
// body length L and an FNV-1a 64 checksum C of header and body, then the body, which
// is a pure function of G. Every byte of a chunk can thus be regenerated from (S, G).
//
// Mutations. Each mutation takes the next generation G and first appends
//   "B G op slot target" to the journal and fsyncs the journal
// (write-ahead: a crash can never leave a mutation's effect without its record). Then:
//   create    open(fS, O_CREAT|O_EXCL) and write chunk G        (slot was absent)
//   overwrite open(fS, O_TRUNC) and write chunk G                (slot was present)
//   append    open(fS, O_APPEND) and write chunk G               (present, < 6 chunks)
//   rename    rename(fS, fT): fT takes fS's chunks, fS is absent (T in an existing dir)
//   unlink    unlink(fS)
//   mkdir     mkdir(d0) when absent (also before any operation on f6 or f7);
//   rmdir     rmdir(d0) when a drawn mkdir finds d0 present and f6, f7 absent.
// After each mutation the affected slots are read back and must equal the model
// exactly (contents, stat size, presence); this is checked live, without a crash.
//
// Acknowledgements. An fsync round for a slot S: open fS and fsync it (if present),
// fsync d0 if S lives there and d0 exists, fsync DIR. Only if every fsync returned 0
// does the run append "A G S N g1..gN" (after mutation G, slot S durably holds chunks
// g1..gN; N = 0: durably absent) and fsync the journal. A failed fsync is never
// retried: the run stops (the data behind it is not to be trusted).
//
// Epochs. A run first verifies DIR as it finds it (a violation ends the run at once
// and leaves the evidence in place), then starts a new epoch: it writes journal.new
// with the header "J1 F" (F = first generation of the epoch, above every generation
// seen), fsyncs it, renames it over journal and fsyncs DIR (its descriptor, still
// open, is the journal from then on). Only then does it remove the old slot files and
// d0 (unrecorded: the new journal claims nothing yet). Each run is one epoch, so the
// journal stays small (OPS is at most 150).
//
// Verification (what --verify checks, and what every run checks first):
//   Journal. Every complete line must carry its checksum and be the record storage
//   wrote at that point: the header first, begin generations consecutive from F,
//   acknowledgements naming the latest begun generation and chunks of this epoch in
//   increasing order. A missing or altered record is a violation; only the last line
//   may be incomplete (a crash during its write, before its fsync returned).
//   Integrity (every file, acknowledged or not). Each complete chunk must equal the
//   regenerated chunk of its (S, G); the file may end in a strict prefix of one more
//   chunk (a torn write), never anything else; stat's size must equal the bytes read;
//   a slot must be a file; the listings of DIR and d0 must name exactly the slots
//   stat finds, plus d0, journal and journal.new. Bytes storage never wrote, read as
//   data, are always a violation ("corruption is an error, never data").
//   Durability, per slot, from its last acknowledgement A (state S_A after gen G_A)
//   and the kinds of mutations begun after it (journal records after the "A" line):
//     - no acknowledgement in this epoch: integrity only;
//     - no later mutation: the slot must hold exactly S_A (same chunks, no tail;
//       absent if S_A is absent);
//     - otherwise it may hold S_A; or be absent if an unlink or a rename away was
//       begun; or hold anything consistent if a create, an overwrite, a rename onto
//       it or a rename away was begun (after a rename away the old name may still
//       reach the moved file, which the new name keeps changing); or hold S_A
//       followed by chunks with generations above G_A (and maybe a tail) if an
//       append was begun. Anything else lost an acknowledged write.
//   A slot the kernel refuses to read (E_IO, E_BADMSG, E_NOSPC or E_ROFS, after one
//   retry) is a violation in strict mode if it has an acknowledgement; so is an
//   unreadable journal or DIR. Lenient mode only reports them.
//
// What this assumes of the kernel (POSIX semantics, nothing stronger):
//   - fsync(fd) of a file makes its contents and size durable, whichever fd wrote
//     them; fsync of a directory fd (opened O_RDONLY|O_DIRECTORY) makes its entries
//     durable (creations, removals, renames in and out).
//   - rename(old, new) replaces new atomically; after a crash each name shows the old
//     or the new file, never a mix of bytes.
//   - a crash may drop or tear (keep a prefix of) any write not covered by an fsync
//     that returned 0, but never produce bytes that were not written.
//   - readdir lists each entry once; "." and ".." are ignored if present.
// ============================================================================
#include <stdio.h>
#include <string.h>

#include "user/tests/lib/storage.h"
#include "user/lib/tool.h"

BASIN_PROGRAM("storage");

#define FILE_MODE 0644u
#define DIR_MODE 0755u
#define FSYNC_EVERY 4u // mixed mode: every 4th operation is an fsync round
#define RECORDS_PER_ACK_MAX 2u // a rename acknowledges both of its slots
#define NO_SLOT STORAGE_SLOTS_COUNT

static const char usage[] =
    "usage: storage DIR OPS [mixed|sync|nosync]\n"
    "       storage --verify DIR [strict|lenient]\n"
    "Runs OPS (1..150) file operations in DIR, keeping a journal of what was\n"
    "acknowledged, or verifies DIR against its journal (after a crash).\n"
    "Exit: 0 good, 1 durability or integrity violation (or a broken kernel), 2 usage.\n";

enum run_mode { MODE_MIXED, MODE_SYNC, MODE_NOSYNC };

enum outcome {
    OUTCOME_OK,
    OUTCOME_STOPPED, // an error the disk can cause: the run ends, it is no violation
    OUTCOME_FAILED, // an error a correct kernel would not return
    OUTCOME_VIOLATION, // the kernel broke the model
};

struct run {
    const char *dir;
    enum run_mode mode;
    u32 ops_target;
    u32 ops_done;
    u32 acks; // fsync rounds whose fsyncs all returned 0, recorded in the journal
    u32 first_gen; // of this epoch
    u32 next_gen; // generation of the next mutation
    struct storage_state slots[STORAGE_SLOTS_COUNT];
    bool subdir_present;
    i64 journal_fd;
    u64 journal_bytes;
    u64 random_state;
};

static const char *op_name(char op) {
    switch (op) {
    case STORAGE_OP_CREATE: return "create";
    case STORAGE_OP_OVERWRITE: return "overwrite";
    case STORAGE_OP_APPEND: return "append";
    case STORAGE_OP_RENAME: return "rename";
    case STORAGE_OP_UNLINK: return "unlink";
    case STORAGE_OP_MKDIR: return "mkdir";
    default: return "rmdir";
    }
}

// Ends a step with an error: environmental errors stop the run, others fail it.
static enum outcome run_error(const struct run *run, const char *step, const char *what,
                              i64 error) {
    basin_assert(error < 0);
    bool environmental = tool_error_is_environmental(error);
    say("%s after %lu ops: %s %s: %s", environmental ? "stopped" : "FAIL",
        (unsigned long)run->ops_done, step, what, error_name(error));
    return environmental ? OUTCOME_STOPPED : OUTCOME_FAILED;
}

static enum outcome slot_error(const struct run *run, const char *step, u32 slot, i64 error) {
    char name[4] = {'f', (char)('0' + slot), 0, 0};
    return run_error(run, step, name, error);
}

// ---- syscall sequences -----------------------------------------------------------
// open, fsync, close: the first error, or 0.
static i64 fsync_path(const char *path, bool directory) {
    i64 fd = sys_open(path, ABI_O_RDONLY | (directory ? ABI_O_DIRECTORY : 0), 0);
    if (fd < 0) return fd;
    i64 synced = sys_fsync(fd);
    i64 closed = sys_close(fd);
    return synced < 0 ? synced : closed;
}

static i64 write_chunk(const char *path, u64 flags, u32 origin, u32 gen) {
    u8 chunk[STORAGE_CHUNK_BYTES_MAX];
    u64 length = storage_chunk_render(origin, gen, chunk, sizeof(chunk));
    i64 fd = sys_open(path, ABI_O_WRONLY | flags, FILE_MODE);
    if (fd < 0) return fd;
    i64 wrote = tool_write_all(fd, chunk, length);
    i64 closed = sys_close(fd);
    return wrote < 0 ? wrote : closed;
}

// ---- journal ---------------------------------------------------------------------
static enum outcome journal_append(struct run *run, const char *record, u64 length) {
    if (run->journal_bytes + length > ABI_FILE_SIZE_MAX) {
        say("stopped after %lu ops: journal full", (unsigned long)run->ops_done);
        return OUTCOME_STOPPED;
    }
    i64 wrote = tool_write_all(run->journal_fd, record, length);
    if (wrote < 0) return run_error(run, "write", STORAGE_JOURNAL_NAME, wrote);
    run->journal_bytes += length;
    return OUTCOME_OK;
}

static enum outcome journal_sync(struct run *run) {
    i64 synced = sys_fsync(run->journal_fd);
    return synced < 0 ? run_error(run, "fsync", STORAGE_JOURNAL_NAME, synced) : OUTCOME_OK;
}

// ---- checking the model live -------------------------------------------------------
static enum outcome check_slot(struct run *run, u32 slot, char op) {
    struct storage_found found;
    i64 result = storage_slot_examine(run->dir, slot, &found);
    if (result < 0) return slot_error(run, "read back", slot, result);
    if (found.kind == STORAGE_FOUND_REFUSED) return slot_error(run, "read back", slot, found.error);
    struct storage_claim exact;
    memset(&exact, 0, sizeof(exact));
    exact.acked = true;
    exact.ack_gen = run->next_gen - 1;
    exact.state = run->slots[slot];
    char reason[STORAGE_VERDICT_LEN_MAX];
    if (storage_judge(&exact, &found, STORAGE_STRICT, reason, sizeof(reason))) return OUTCOME_OK;
    say("VIOLATION f%lu right after %s (gen %lu), no crash: %s", (unsigned long)slot, op_name(op),
        (unsigned long)(run->next_gen - 1), reason);
    return OUTCOME_VIOLATION;
}

// ---- mutations ---------------------------------------------------------------------
struct choice {
    char op;
    u32 slot; // NO_SLOT for mkdir and rmdir
    u32 target; // rename only
};

// The syscalls of one mutation, and the model update once they all succeeded.
static i64 mutation_apply(struct run *run, const struct choice *choice, u32 gen) {
    char path[TOOL_PATH_BYTES], target[TOOL_PATH_BYTES];
    i64 result = choice->slot == NO_SLOT
        ? storage_subdir_path(path, sizeof(path), run->dir)
        : storage_slot_path(path, sizeof(path), run->dir, choice->slot);
    if (result < 0) return result;
    if (choice->slot == NO_SLOT) {
        result = choice->op == STORAGE_OP_MKDIR ? sys_mkdir(path, DIR_MODE) : sys_rmdir(path);
        if (result == 0) run->subdir_present = choice->op == STORAGE_OP_MKDIR;
        return result;
    }
    struct storage_state *state = &run->slots[choice->slot];
    char op = choice->op;
    if (op == STORAGE_OP_RENAME) {
        result = storage_slot_path(target, sizeof(target), run->dir, choice->target);
        if (result == 0) result = sys_rename(path, target);
        if (result == 0) run->slots[choice->target] = *state;
    } else if (op == STORAGE_OP_UNLINK) {
        result = sys_unlink(path);
    } else {
        u64 flags = op == STORAGE_OP_CREATE ? ABI_O_CREAT | ABI_O_EXCL
            : op == STORAGE_OP_APPEND       ? ABI_O_APPEND
                                            : ABI_O_TRUNC;
        result = write_chunk(path, flags, choice->slot, gen);
    }
    if (result < 0) return result;
    if (op == STORAGE_OP_APPEND) basin_assert(state->count < STORAGE_CHUNKS_MAX); // room for its gen
    if (op == STORAGE_OP_APPEND)
        state->gens[state->count++] = gen;
    else if (op == STORAGE_OP_RENAME || op == STORAGE_OP_UNLINK)
        memset(state, 0, sizeof(*state));
    else
        *state = (struct storage_state){.present = true, .count = 1, .gens = {gen}};
    return 0;
}

// Journal first (write-ahead, fsynced), then the mutation, then the read-back.
static enum outcome mutation_run(struct run *run, const struct choice *choice) {
    char record[STORAGE_RECORD_LEN_MAX + 1];
    u32 target = choice->op == STORAGE_OP_RENAME ? choice->target : NO_SLOT;
    u64 length = storage_record_begin(record, sizeof(record), run->next_gen, choice->op,
                                      choice->slot, target);
    enum outcome outcome = journal_append(run, record, length);
    if (outcome == OUTCOME_OK) outcome = journal_sync(run);
    if (outcome != OUTCOME_OK) return outcome;
    u32 gen = run->next_gen++;
    i64 result = mutation_apply(run, choice, gen);
    if (result < 0 && choice->slot == NO_SLOT) {
        return run_error(run, op_name(choice->op), STORAGE_SUBDIR_NAME, result);
    }
    if (result < 0) return slot_error(run, op_name(choice->op), choice->slot, result);
    if (choice->slot == NO_SLOT) return OUTCOME_OK; // d0 is checked at the end, and by f6, f7
    outcome = check_slot(run, choice->slot, choice->op);
    if (outcome == OUTCOME_OK && target != NO_SLOT) outcome = check_slot(run, target, choice->op);
    return outcome;
}

// ---- acknowledgements -----------------------------------------------------------------
static enum outcome ack_fsyncs(struct run *run, const u32 *slots, u32 count) {
    char path[TOOL_PATH_BYTES];
    bool subdir = false;
    for (u32 i = 0; i < count; i++) {
        u32 slot = slots[i];
        subdir |= storage_slot_in_subdir(slot) && run->subdir_present;
        if (!run->slots[slot].present) continue;
        i64 result = storage_slot_path(path, sizeof(path), run->dir, slot);
        if (result == 0) result = fsync_path(path, false);
        if (result < 0) return slot_error(run, "fsync", slot, result);
    }
    if (subdir) {
        i64 result = storage_subdir_path(path, sizeof(path), run->dir);
        if (result == 0) result = fsync_path(path, true);
        if (result < 0) return run_error(run, "fsync", STORAGE_SUBDIR_NAME, result);
    }
    i64 result = fsync_path(run->dir, true);
    return result < 0 ? run_error(run, "fsync", run->dir, result) : OUTCOME_OK;
}

// An fsync round: every fsync, then the acknowledgement records, fsynced.
static enum outcome ack_round(struct run *run, const u32 *slots, u32 count) {
    basin_assert(count <= RECORDS_PER_ACK_MAX);
    enum outcome outcome = ack_fsyncs(run, slots, count);
    for (u32 i = 0; i < count && outcome == OUTCOME_OK; i++) {
        char record[STORAGE_RECORD_LEN_MAX + 1];
        u64 length = storage_record_ack(record, sizeof(record), run->next_gen - 1, slots[i],
                                        &run->slots[slots[i]]);
        outcome = journal_append(run, record, length);
    }
    if (outcome == OUTCOME_OK && count > 0) outcome = journal_sync(run);
    if (outcome == OUTCOME_OK) run->acks++;
    return outcome;
}

// ---- choosing operations --------------------------------------------------------------
static u32 random_below(struct run *run, u32 bound) {
    basin_assert(bound > 0);
    // splitmix64: the seed came from getrandom; every draw after it is ours.
    run->random_state += 0x9e3779b97f4a7c15ull;
    u64 x = run->random_state;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return (u32)((x ^ (x >> 31)) % bound);
}

// A rename target: any other slot whose directory exists.
static u32 choose_target(struct run *run, u32 slot) {
    u32 eligible[STORAGE_SLOTS_COUNT], count = 0;
    for (u32 t = 0; t < STORAGE_SLOTS_COUNT; t++) {
        if (t != slot && (!storage_slot_in_subdir(t) || run->subdir_present)) eligible[count++] = t;
    }
    basin_assert(count >= STORAGE_SLOTS_ROOT_COUNT - 1);
    return eligible[random_below(run, count)];
}

// Draws an operation and fits it to the model (e.g. appending to an absent slot
// creates it), so every drawn operation does something checkable.
static struct choice choose_mutation(struct run *run) {
    static const char weighted[] = "cccooaaarruum";
    struct choice choice = {weighted[random_below(run, sizeof(weighted) - 1)],
                            random_below(run, STORAGE_SLOTS_COUNT), NO_SLOT};
    bool subdir_slot = storage_slot_in_subdir(choice.slot);
    bool subdir_empty = !run->slots[STORAGE_SLOTS_COUNT - 1].present &&
        !run->slots[STORAGE_SLOTS_COUNT - 2].present;
    // d0 is made when needed or drawn, and removed when drawn and empty; a drawn
    // mkdir of a d0 with files in it becomes an operation on the drawn slot.
    if (!run->subdir_present && (choice.op == STORAGE_OP_MKDIR || subdir_slot)) {
        return (struct choice){STORAGE_OP_MKDIR, NO_SLOT, NO_SLOT};
    }
    if (choice.op == STORAGE_OP_MKDIR && subdir_empty)
        return (struct choice){STORAGE_OP_RMDIR, NO_SLOT, NO_SLOT};
    const struct storage_state *state = &run->slots[choice.slot];
    if (choice.op == STORAGE_OP_MKDIR) choice.op = STORAGE_OP_CREATE;
    if (!state->present)
        choice.op = STORAGE_OP_CREATE;
    else if (choice.op == STORAGE_OP_CREATE)
        choice.op = STORAGE_OP_OVERWRITE;
    else if (choice.op == STORAGE_OP_APPEND && state->count == STORAGE_CHUNKS_MAX) {
        choice.op = STORAGE_OP_OVERWRITE;
    }
    if (choice.op == STORAGE_OP_RENAME) choice.target = choose_target(run, choice.slot);
    return choice;
}

static enum outcome run_one(struct run *run, u32 index) {
    if (run->mode == MODE_MIXED && index % FSYNC_EVERY == FSYNC_EVERY - 1) {
        u32 slot = random_below(run, STORAGE_SLOTS_COUNT);
        return ack_round(run, &slot, 1);
    }
    struct choice choice = choose_mutation(run);
    enum outcome outcome = mutation_run(run, &choice);
    if (outcome != OUTCOME_OK || run->mode != MODE_SYNC) return outcome;
    u32 slots[RECORDS_PER_ACK_MAX] = {choice.slot, choice.target};
    u32 count = choice.slot == NO_SLOT ? 0 : choice.target == NO_SLOT ? 1 : 2;
    return ack_round(run, slots, count);
}

// ---- before the run: the directory, the check of what is there, a new epoch ----------
// DIR exists (made if missing) and its own entry is durable.
static enum outcome prepare_dir(struct run *run) {
    i64 made = sys_mkdir(run->dir, DIR_MODE);
    if (made < 0 && made != -E_EXIST) return run_error(run, "mkdir", run->dir, made);
    char parent[TOOL_PATH_BYTES]; // DIR/..: the kernel resolves ".." for us
    i64 synced = tool_path_join(parent, sizeof(parent), run->dir, "..");
    if (synced == 0) synced = fsync_path(parent, true);
    return synced < 0 ? run_error(run, "fsync", parent, synced) : OUTCOME_OK;
}

static i64 check_dir(const char *dir, enum storage_strictness strictness,
                     struct storage_report *report, i64 *refusal_violations);

// Verifies what a previous run left (leniently: unreadable files are reported, not
// judged) and returns the first generation of the new epoch in *first_gen.
static enum outcome prepare_check(struct run *run, u32 *first_gen) {
    struct storage_report report;
    i64 refusal_violations = 0; // none: lenient
    i64 violations = check_dir(run->dir, STORAGE_LENIENT, &report, &refusal_violations);
    if (violations < 0) return run_error(run, "check", run->dir, violations);
    if (violations > 0) {
        say("%s held %ld violations before this run; left as found", run->dir, (long)violations);
        return OUTCOME_VIOLATION;
    }
    if (report.max_gen >= STORAGE_GEN_LIMIT)
        return run_error(run, "generations", "exhausted", -E_RANGE);
    *first_gen = report.max_gen + 1;
    return OUTCOME_OK;
}

// journal.new with the header, fsynced, renamed over journal, DIR fsynced. The
// descriptor follows the file through the rename and stays open for appending.
static enum outcome prepare_epoch(struct run *run, u32 first_gen) {
    char fresh[TOOL_PATH_BYTES], journal[TOOL_PATH_BYTES], header[STORAGE_RECORD_LEN_MAX + 1];
    i64 result = tool_path_join(fresh, sizeof(fresh), run->dir, STORAGE_JOURNAL_NEW_NAME);
    if (result == 0)
        result = tool_path_join(journal, sizeof(journal), run->dir, STORAGE_JOURNAL_NAME);
    u64 length = storage_record_header(header, sizeof(header), first_gen);
    if (result == 0) result = sys_open(fresh, ABI_O_WRONLY | ABI_O_CREAT | ABI_O_TRUNC, FILE_MODE);
    if (result >= 0) run->journal_fd = result;
    if (result >= 0) result = tool_write_all(run->journal_fd, header, length);
    if (result >= 0) result = sys_fsync(run->journal_fd);
    if (result >= 0) result = sys_rename(fresh, journal);
    if (result >= 0) result = fsync_path(run->dir, true);
    if (result < 0) return run_error(run, "start epoch in", STORAGE_JOURNAL_NAME, result);
    run->journal_bytes = length;
    run->first_gen = first_gen;
    run->next_gen = first_gen;
    return OUTCOME_OK;
}

// Removes the previous epoch's slots and d0: the new journal claims nothing of them.
static enum outcome prepare_clean(struct run *run) {
    char path[TOOL_PATH_BYTES];
    for (u32 slot = 0; slot < STORAGE_SLOTS_COUNT; slot++) {
        i64 result = storage_slot_path(path, sizeof(path), run->dir, slot);
        if (result == 0) result = sys_unlink(path);
        if (result < 0 && result != -E_NOENT) return slot_error(run, "remove old", slot, result);
    }
    i64 result = storage_subdir_path(path, sizeof(path), run->dir);
    if (result == 0) result = sys_rmdir(path);
    if (result < 0 && result != -E_NOENT)
        return run_error(run, "remove old", STORAGE_SUBDIR_NAME, result);
    memset(run->slots, 0, sizeof(run->slots));
    run->subdir_present = false;
    return OUTCOME_OK;
}

static enum outcome prepare(struct run *run) {
    u32 first_gen = 0;
    enum outcome outcome = prepare_dir(run);
    if (outcome == OUTCOME_OK) outcome = prepare_check(run, &first_gen);
    if (outcome == OUTCOME_OK) outcome = prepare_epoch(run, first_gen);
    if (outcome == OUTCOME_OK) outcome = prepare_clean(run);
    return outcome;
}

// ---- after the run ---------------------------------------------------------------------
// Without a crash, DIR must match the model exactly: every slot, d0, the listings.
static enum outcome final_check(struct run *run) {
    struct storage_journal exact;
    memset(&exact, 0, sizeof(exact));
    exact.found = true;
    for (u32 slot = 0; slot < STORAGE_SLOTS_COUNT; slot++) {
        exact.claims[slot].acked = true;
        exact.claims[slot].ack_gen = run->next_gen - 1;
        exact.claims[slot].state = run->slots[slot];
    }
    struct storage_report report;
    i64 result = storage_verify(run->dir, &exact, STORAGE_LENIENT, &report);
    if (result < 0) return run_error(run, "final check of", run->dir, result);
    if (report.violations > 0) return OUTCOME_VIOLATION;
    if (report.refused > 0) {
        say("stopped after %lu ops: final check could not read %lu slots",
            (unsigned long)run->ops_done, (unsigned long)report.refused);
        return OUTCOME_STOPPED;
    }
    if (report.subdir_present == run->subdir_present) return OUTCOME_OK;
    say("VIOLATION %s: %s at the end, the model says %s", STORAGE_SUBDIR_NAME,
        report.subdir_present ? "present" : "absent", run->subdir_present ? "present" : "absent");
    return OUTCOME_VIOLATION;
}

static void run_summary(const struct run *run) {
    say("%lu ops, %lu fsyncs acknowledged", (unsigned long)run->ops_done, (unsigned long)run->acks);
    if (run->next_gen > run->first_gen) {
        note("mutations had gens %lu..%lu", (unsigned long)run->first_gen,
             (unsigned long)run->next_gen - 1);
    }
}

static int exit_code(enum outcome outcome) {
    return outcome == OUTCOME_OK || outcome == OUTCOME_STOPPED ? TOOL_EXIT_OK : TOOL_EXIT_FAILED;
}

static int run_main(struct run *run) {
    u64 seed = 0;
    i64 got = sys_getrandom(&seed, sizeof(seed), 0);
    if (got != (i64)sizeof(seed)) {
        say("FAIL: getrandom = %ld %s", (long)got, error_name(got));
        return TOOL_EXIT_FAILED;
    }
    run->random_state = seed;
    note("seed 0x%016lx, %lu ops in %s", (unsigned long)seed, (unsigned long)run->ops_target,
         run->dir);
    run->journal_fd = -1;
    enum outcome outcome = prepare(run);
    for (u32 index = 0; index < run->ops_target && outcome == OUTCOME_OK; index++) {
        outcome = run_one(run, index);
        if (outcome == OUTCOME_OK) run->ops_done++;
    }
    if (run->journal_fd >= 0) {
        i64 closed = sys_close(run->journal_fd);
        if (closed < 0 && outcome == OUTCOME_OK)
            outcome = run_error(run, "close", STORAGE_JOURNAL_NAME, closed);
    }
    if (outcome == OUTCOME_OK) outcome = final_check(run);
    run_summary(run);
    // A violation or an error a correct kernel would not return: only damage beyond what
    // recovery repairs (an earlier life's acknowledged data destroyed) excuses it.
    bool failed = outcome == OUTCOME_VIOLATION || outcome == OUTCOME_FAILED;
    report_check("storage run", failed ? 1 : 0, ABI_REPORT_EXCUSE_DATA_LOST);
    return exit_code(outcome);
}

// ---- checking a directory: before a run, and --verify ---------------------------------
// Reads DIR's journal and checks DIR against it, printing every violation. A journal
// that cannot be used leaves integrity checks only; a corrupt one is a violation, an
// unreadable one too in strict mode. Returns the number of violations, or -error if
// DIR could not be examined (-E_NOENT: it does not exist).
static i64 check_dir(const char *dir, enum storage_strictness strictness,
                     struct storage_report *report, i64 *refusal_violations) {
    struct storage_journal journal;
    const char *problem = NULL;
    i64 violations = 0;
    *refusal_violations = 0;
    i64 result = storage_journal_read(dir, &journal, &problem);
    if (result < 0) {
        bool refused = tool_error_is_environmental(result) && problem == NULL;
        if (problem == NULL && !refused) return result;
        journal.found = false;
        if (problem != NULL || strictness == STORAGE_STRICT) {
            say("VIOLATION %s at record %lu: %s", STORAGE_JOURNAL_NAME,
                (unsigned long)journal.records, problem != NULL ? problem : error_name(result));
            violations++;
            if (problem == NULL) (*refusal_violations)++;
        }
    }
    note("journal %s: %lu records, gens %lu..%lu, torn tail %lu bytes",
         journal.found ? "used" : "unused", (unsigned long)journal.records,
         (unsigned long)journal.first_gen, (unsigned long)journal.last_gen,
         (unsigned long)journal.torn_tail_bytes);
    result = storage_verify(dir, &journal, strictness, report);
    if (result < 0 && tool_error_is_environmental(result)) {
        // The directory itself is unreadable: refused, as for a slot.
        report->refused++;
        if (strictness == STORAGE_STRICT) say("VIOLATION %s: %s", dir, error_name(result));
        if (strictness == STORAGE_STRICT) violations++;
        if (strictness == STORAGE_STRICT) (*refusal_violations)++;
        result = 0;
    }
    if (result < 0) return result;
    note("%lu slot files, %lu acknowledged slots, %lu torn, %lu unreadable, max gen %lu",
         (unsigned long)report->present, (unsigned long)report->acked, (unsigned long)report->torn,
         (unsigned long)report->refused, (unsigned long)report->max_gen);
    *refusal_violations += report->refusal_violations;
    return violations + report->violations;
}

// The verdicts: a loss of acknowledged data read as data is excused only by damage
// beyond what recovery repairs; strict mode's unreadable acknowledged data also by disk
// errors (the kernel then refuses, as it must). A verify that could not run is a failure.
static void verify_report(i64 violations, i64 refusal_violations) {
    basin_assert(refusal_violations >= 0);
    basin_assert(refusal_violations <= (violations > 0 ? violations : 0));
    u64 lost = violations < 0 ? 1 : (u64)(violations - refusal_violations);
    report_check("storage verify", lost, ABI_REPORT_EXCUSE_DATA_LOST);
    // A refusal is E_IO: a disk that failed, or a filesystem that refused a full disk.
    report_check("storage verify refusals", violations < 0 ? 0 : (u64)refusal_violations,
                 ABI_REPORT_EXCUSE_DISK_ERRORS | ABI_REPORT_EXCUSE_DATA_LOST | ABI_REPORT_EXCUSE_DISK_FULL);
}

static int verify_main(const char *dir, enum storage_strictness strictness) {
    struct storage_report report;
    i64 refusal_violations = 0;
    i64 violations = check_dir(dir, strictness, &report, &refusal_violations);
    if (violations == -E_NOENT) note("%s does not exist: nothing was acknowledged there", dir);
    if (violations == -E_NOENT) violations = 0;
    verify_report(violations, refusal_violations);
    if (violations < 0) {
        say("FAIL: verify %s: %s", dir, error_name(violations));
        return TOOL_EXIT_FAILED;
    }
    if (violations == 0)
        say("verify %s: ok", dir);
    else
        say("verify %s: %ld violations", dir, (long)violations);
    return violations == 0 ? TOOL_EXIT_OK : TOOL_EXIT_FAILED;
}

// ---- arguments -------------------------------------------------------------------------
static bool parse_count(const char *text, u32 max, u32 *value) {
    u64 result = 0;
    if (*text == 0) return false;
    for (; *text != 0; text++) {
        if (*text < '0' || *text > '9') return false;
        result = result * 10 + (u64)(*text - '0');
        if (result > max) return false;
    }
    *value = (u32)result;
    return true;
}

// The index of word in words, or count if it is none of them.
static u32 word_index(const char *word, const char *const *words, u32 count) {
    u32 index = 0;
    while (index < count && strcmp(word, words[index]) != 0) index++;
    return index;
}

int main(int argc, char **argv) {
    static const char *const modes[] = {"mixed", "sync", "nosync"};
    static const char *const strictness[] = {"strict", "lenient"};
    if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
        tool_print(BASIN_FD_STDOUT, "%s", usage);
        return TOOL_EXIT_OK;
    }
    bool verify = argc >= 2 && strcmp(argv[1], "--verify") == 0;
    if (argc < 3 || argc > 4) tool_usage_error(usage, "need DIR and OPS, or --verify DIR");
    const char *dir = argv[verify ? 2 : 1], *word = argc == 4 ? argv[3] : NULL;
    if (dir[0] == '-') tool_usage_error(usage, "unknown option %s", dir);
    u32 choice = word == NULL ? 0 : word_index(word, verify ? strictness : modes, verify ? 2 : 3);
    if (choice == (verify ? 2u : 3u)) tool_usage_error(usage, "unknown mode %s", word);
    if (verify) return verify_main(dir, choice == 0 ? STORAGE_STRICT : STORAGE_LENIENT);
    struct run run;
    memset(&run, 0, sizeof(run));
    run.dir = dir;
    run.mode = (enum run_mode)choice;
    if (!parse_count(argv[2], STORAGE_OPS_MAX, &run.ops_target) || run.ops_target == 0) {
        tool_usage_error(usage, "OPS must be 1..%u, not %s", STORAGE_OPS_MAX, argv[2]);
    }
    return run_main(&run);
}
