// --merge-json: the lines are those of seeds.c's --json (seeds_json_line), read back with
// a parser for exactly that shape, not general JSON. Lines may come in any order and a
// seed twice (a chunk run again) when both lines agree; a seed of the range without a line
// is "missing" (its machine or job died) and counts as a failure. The summary, the groups
// and the reproduce commands are seeds.c's, so a merged run reads like a local one.
#include "sim/cli/merge.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/parse.h"
#include "sim/cli/seeds.h"
#include "sim/invariants/invariants.h"

#define MERGE_LINE_BYTES_MAX 1024 // a seeds.c line is under 300 bytes
#define MERGE_KEY_BYTES_MAX 32
#define MERGE_NUMBER_DIGITS_MAX 20 // u64
#define MERGE_EXIT_STATUS_MAX 255 // 128 + signal at most
#define MERGE_EXIT_PASS 0
#define MERGE_EXIT_FAIL 1
#define MERGE_EXIT_USAGE 2

static int usage(const char *message) {
    assert(message != NULL);
    fprintf(stderr, "basin-sim: %s\nrun 'basin-sim --help' for usage\n", message);
    return MERGE_EXIT_USAGE;
}

// The text after "key": in a line, or NULL.
static const char *field(const char *line, const char *key) {
    assert(line != NULL);
    assert(key != NULL);
    char pattern[MERGE_KEY_BYTES_MAX];
    snprintf(pattern, sizeof(pattern), "\"%s\":", key);
    const char *at = strstr(line, pattern);
    return at == NULL ? NULL : at + strlen(pattern);
}

static bool field_u64(const char *line, const char *key, u64 *value) {
    assert(value != NULL);
    const char *at = field(line, key);
    if (at == NULL) return false;
    char digits[MERGE_NUMBER_DIGITS_MAX + 1];
    u32 length = 0;
    while (length < MERGE_NUMBER_DIGITS_MAX && at[length] >= '0' && at[length] <= '9') {
        digits[length] = at[length];
        length++;
    }
    digits[length] = '\0';
    return length > 0 && parse_u64(digits, value);
}

// A string value without escapes, or null (an empty text).
static bool field_text(const char *line, const char *key, char *text, u32 capacity) {
    assert(text != NULL);
    assert(capacity > 0);
    const char *at = field(line, key);
    if (at == NULL) return false;
    if (strncmp(at, "null", 4) == 0) {
        text[0] = '\0';
        return true;
    }
    if (at[0] != '"') return false;
    const char *end = strchr(at + 1, '"');
    if (end == NULL || (u64)(end - at - 1) >= capacity) return false;
    memcpy(text, at + 1, (u64)(end - at - 1));
    text[end - at - 1] = '\0';
    return true;
}

static bool invariant_lookup(const char *name, u32 *invariant) {
    assert(name != NULL);
    assert(invariant != NULL);
    for (u32 id = 0; id < INVARIANT_COUNT; id++) {
        if (strcmp(name, invariant_name(id)) != 0) continue;
        *invariant = id;
        return true;
    }
    if (strcmp(name, seeds_group_name(SEEDS_GROUP_LIVENESS)) != 0) return false;
    *invariant = SEEDS_GROUP_LIVENESS; // a liveness failure (sim/liveness.h)
    return true;
}

// NULL, or what is wrong with the line.
static const char *parse_line(const char *line, struct seed_result *r) {
    assert(line != NULL);
    assert(r != NULL);
    memset(r, 0, sizeof(*r));
    u64 exit_status = 0;
    if (!field_u64(line, "seed", &r->seed) || !field_u64(line, "steps", &r->steps) ||
        !field_u64(line, "simulated_time_ns", &r->time_ns) ||
        !field_u64(line, "faults_injected", &r->faults_total) || !field_u64(line, "wall_ms", &r->wall_ms) ||
        !field_u64(line, "exit_status", &exit_status) || exit_status > MERGE_EXIT_STATUS_MAX) {
        return "not a basin-sim --json line (a number field is missing or bad)";
    }
    r->exit_status = (i32)exit_status;
    char text[MERGE_LINE_BYTES_MAX];
    if (!field_text(line, "result", text, sizeof(text))) return "no \"result\" string";
    if (strcmp(text, "pass") == 0) r->outcome = SEED_PASS;
    else if (strcmp(text, "fail") == 0) r->outcome = SEED_FAIL;
    else if (strcmp(text, "error") == 0) r->outcome = SEED_ERROR;
    else return "\"result\" is not pass, fail or error";
    if (!field_text(line, "invariant", text, sizeof(text))) return "no \"invariant\" (a name or null)";
    r->invariant = SEEDS_NO_INVARIANT;
    if (text[0] != '\0' && !invariant_lookup(text, &r->invariant)) return "\"invariant\" names no invariant";
    if ((r->outcome == SEED_FAIL) != (r->invariant != SEEDS_NO_INVARIANT)) {
        return "\"invariant\" must be given for a fail and null otherwise";
    }
    char hex[MERGE_NUMBER_DIGITS_MAX] = "0x";
    if (!field_text(line, "trace_hash", hex + 2, sizeof(hex) - 2) || strlen(hex) != 2 + 16 ||
        !parse_u64(hex, &r->trace_hash)) {
        return "\"trace_hash\" is not 16 hex digits";
    }
    return NULL;
}

static bool same_result(const struct seed_result *a, const struct seed_result *b) {
    assert(a->seed == b->seed);
    assert(a->outcome != SEED_PENDING);
    return a->outcome == b->outcome && a->invariant == b->invariant && a->steps == b->steps &&
           a->time_ns == b->time_ns && a->faults_total == b->faults_total && a->trace_hash == b->trace_hash;
}

// Fills results[seed - first]; exit status 2 with the file, line and why on a bad line.
static int read_lines(const struct options *o, FILE *in, struct seed_result *results) {
    assert(o->seeds_given);
    assert(results != NULL);
    char line[MERGE_LINE_BYTES_MAX];
    char message[MERGE_LINE_BYTES_MAX];
    u64 number = 0;
    while (fgets(line, sizeof(line), in) != NULL) {
        number++;
        u64 length = strlen(line);
        if (length + 1 == sizeof(line) && line[length - 1] != '\n') {
            snprintf(message, sizeof(message), "%s line %" PRIu64 ": longer than %u bytes", o->merge_json_path,
                     number, MERGE_LINE_BYTES_MAX - 1);
            return usage(message);
        }
        if (strspn(line, " \t\r\n") == length) continue; // blank
        struct seed_result r;
        const char *why = parse_line(line, &r);
        if (why == NULL && (r.seed < o->seeds_first || r.seed > o->seeds_last)) {
            why = "its seed is outside the --seeds range";
        }
        struct seed_result *slot = why == NULL ? &results[r.seed - o->seeds_first] : NULL;
        if (slot != NULL && slot->outcome != SEED_PENDING && !same_result(slot, &r)) {
            why = "its seed came before with another result";
        }
        if (why != NULL) {
            snprintf(message, sizeof(message), "%s line %" PRIu64 ": %s", o->merge_json_path, number, why);
            return usage(message);
        }
        if (slot->outcome == SEED_PENDING) *slot = r;
    }
    return MERGE_EXIT_PASS;
}

static const char *refused(const struct options *o) {
    if (!o->seeds_given) return "--merge-json needs --seeds A..B, the range that was run";
    if (o->count_given || o->seed_given) return "--merge-json takes the range from --seeds, not --count or --seed";
    if (o->jobs != 0 || o->save_failures_dir != NULL) return "--merge-json runs no seed: not with --jobs or --save-failures";
    if (o->trace_path != NULL || o->trace_json_path != NULL || o->check_determinism) {
        return "--merge-json runs no seed: not with --trace, --trace-json or --check-determinism";
    }
    return NULL;
}

static void print_summary(const struct options *o, const struct seed_result *results, u64 total) {
    assert(total >= 1);
    assert(results != NULL);
    u64 passed = 0, missing = 0, ran_ms = 0;
    for (u64 i = 0; i < total; i++) {
        passed += results[i].outcome == SEED_PASS;
        missing += results[i].outcome == SEED_MISSING;
        ran_ms += results[i].wall_ms;
    }
    u64 per_ten_s = (total - missing) * 10 * 1000 / (ran_ms + 1); // seeds per second of a job, times ten
    printf("seeds %" PRIu64 "..%" PRIu64 ": %" PRIu64 " passed, %" PRIu64 " failed", o->seeds_first,
           o->seeds_last, passed, total - passed);
    if (missing > 0) printf(", %" PRIu64 " of them missing", missing);
    printf(" (merged from %s; seed time %" PRIu64 ".%03" PRIu64 " s, %" PRIu64 ".%" PRIu64 " seeds/s per job)\n",
           o->merge_json_path, ran_ms / 1000, ran_ms % 1000, per_ten_s / 10, per_ten_s % 10);
    seeds_print_failures(o, results, total, stdout);
}

static int write_json(const struct options *o, const struct seed_result *results, u64 total) {
    assert(o->json_path != NULL);
    assert(results != NULL);
    FILE *out = fopen(o->json_path, "w");
    if (out == NULL) return usage("cannot open the --json file for writing");
    for (u64 i = 0; i < total; i++) seeds_json_line(out, &results[i]);
    if (fclose(out) != 0) return usage("writing the --json file failed");
    return MERGE_EXIT_PASS;
}

int merge_run(const struct options *o, const struct scenario *scenario) {
    assert(o->merge_json_path != NULL);
    assert(scenario != NULL);
    const char *why = refused(o);
    if (why != NULL) return usage(why);
    static char error[SCENARIO_ERROR_BYTES_MAX];
    static struct sim_config config; // large: kept off the stack
    if (!sim_config_build(o, scenario, o->seeds_first, &config, error, sizeof(error))) return usage(error);
    FILE *in = fopen(o->merge_json_path, "r");
    if (in == NULL) {
        snprintf(error, sizeof(error), "cannot open the --merge-json file '%s' for reading", o->merge_json_path);
        return usage(error);
    }
    u64 total = o->seeds_last - o->seeds_first + 1;
    struct seed_result *results = calloc(total, sizeof(struct seed_result));
    if (results == NULL) {
        fclose(in);
        return usage("out of memory for the seeds' results");
    }
    int status = read_lines(o, in, results);
    fclose(in);
    bool failed = false;
    for (u64 i = 0; i < total && status == MERGE_EXIT_PASS; i++) {
        if (results[i].outcome == SEED_PENDING) {
            results[i] = (struct seed_result){.seed = o->seeds_first + i, .outcome = SEED_MISSING,
                                              .invariant = SEEDS_NO_INVARIANT, .exit_status = -1};
        }
        failed = failed || results[i].outcome != SEED_PASS;
    }
    if (status == MERGE_EXIT_PASS) print_summary(o, results, total);
    if (status == MERGE_EXIT_PASS && o->json_path != NULL) status = write_json(o, results, total);
    free(results);
    if (status != MERGE_EXIT_PASS) return status;
    return failed ? MERGE_EXIT_FAIL : MERGE_EXIT_PASS;
}
