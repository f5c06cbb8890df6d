// Scenario file parser. Keys:
//   include (a base file, first key only), nodes, time, steps, life, bootargs, disk.size,
//   disk.faults (recoverable|unrestricted|checkpoint), fault.<kind> (on|off|swarm), fault.<kind>.rate,
//   net.latency_min, net.latency_max, net.cut_until_heal (on|off), net.probe_every,
//   liveness.heal_at, liveness.bound
#include "sim/cli/scenario.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/cli/parse.h"
#include "sim/machine/network.h" // NET_LATENCY_*
#include "sim/sim.h" // NODES_MAX

enum scenario_key { KEY_NODES = 0, KEY_TIME, KEY_STEPS, KEY_LIFE, KEY_BOOTARGS, KEY_DISK_SIZE,
                    KEY_DISK_FAULTS, KEY_FAULT_FIRST };
// The keys of issue 14, after every fault kind's two.
enum scenario_extra_key { KEY_NET_LATENCY_MIN = 0, KEY_NET_LATENCY_MAX, KEY_NET_CUT_UNTIL_HEAL,
                          KEY_LIVENESS_HEAL_AT, KEY_LIVENESS_BOUND, KEY_NET_PROBE_EVERY,
                          KEY_EXTRA_COUNT };
#define KEY_EXTRA_FIRST (KEY_FAULT_FIRST + 2 * FAULT_COUNT)
#define SCENARIO_KEYS_COUNT (KEY_EXTRA_FIRST + KEY_EXTRA_COUNT)
#define SCENARIO_KEY_BYTES_MAX 64
#define SCENARIO_SIZE_DIGITS_BYTES_MAX 32

void scenario_defaults(struct scenario *scenario) {
    assert(scenario != NULL);
    memset(scenario, 0, sizeof(*scenario));
    scenario->nodes_count = 1;
    scenario->time_ns = SCENARIO_TIME_DEFAULT_NS;
    snprintf(scenario->time_text, sizeof(scenario->time_text), "%s", SCENARIO_TIME_DEFAULT_TEXT);
    snprintf(scenario->bootargs, sizeof(scenario->bootargs), "%s", SCENARIO_BOOTARGS_DEFAULT);
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) scenario->faults[kind].mode = FAULT_MODE_SWARM;
    scenario->disk_size_bytes = DISK_SIZE_DEFAULT_BYTES;
    scenario->disk_fault_scope = DISK_FAULTS_RECOVERABLE;
    scenario->net_latency_min_ns = NET_LATENCY_MIN_DEFAULT_NS;
    scenario->net_latency_max_ns = NET_LATENCY_MAX_DEFAULT_NS;
    snprintf(scenario->net_latency_min_text, sizeof(scenario->net_latency_min_text), "200us");
    snprintf(scenario->net_latency_max_text, sizeof(scenario->net_latency_max_text), "2ms");
    assert(scenario->nodes_count <= NODES_MAX);
}

void scenario_default_run(struct scenario *scenario) {
    assert(scenario != NULL);
    scenario_defaults(scenario);
    char error[SCENARIO_ERROR_BYTES_MAX] = "";
    bool parsed = scenario_parse(scenario, "built-in default", SCENARIO_DEFAULT_RUN_KEYS, error, sizeof(error));
    assert(parsed); // a constant: the unit tests parse it too
    assert(scenario->life_ns != 0);
}

static void key_name(u32 key, char *name, u32 capacity) {
    static const char *const fixed[KEY_FAULT_FIRST] = {"nodes",    "time",      "steps",      "life",
                                                       "bootargs", "disk.size", "disk.faults"};
    static const char *const extra[KEY_EXTRA_COUNT] = {"net.latency_min", "net.latency_max",
                                                       "net.cut_until_heal", "liveness.heal_at",
                                                       "liveness.bound", "net.probe_every"};
    if (key < KEY_FAULT_FIRST) {
        snprintf(name, capacity, "%s", fixed[key]);
        return;
    }
    if (key >= KEY_EXTRA_FIRST) {
        snprintf(name, capacity, "%s", extra[key - KEY_EXTRA_FIRST]);
        return;
    }
    u32 kind = (key - KEY_FAULT_FIRST) / 2;
    bool rate = (key - KEY_FAULT_FIRST) % 2 == 1;
    snprintf(name, capacity, "fault.%s%s", fault_name(kind), rate ? ".rate" : "");
}

static bool key_lookup(const char *text, u32 *key) {
    char name[SCENARIO_KEY_BYTES_MAX];
    for (u32 candidate = 0; candidate < SCENARIO_KEYS_COUNT; candidate++) {
        key_name(candidate, name, sizeof(name));
        if (strcmp(name, text) == 0) {
            *key = candidate;
            return true;
        }
    }
    return false;
}

#define SCENARIO_PATH_BYTES_MAX 1024

// The files being read, outermost first: for the depth bound and to refuse a cycle.
// Files are told apart by device and inode, however the includes spell their paths.
struct include_chain {
    struct { u64 device; u64 inode; } files[SCENARIO_INCLUDE_DEPTH_MAX];
    u32 count;
};

struct parse_state {
    const char *name;
    u32 line;
    char *error;
    u32 capacity;
    struct include_chain *chain; // NULL: text without a file, include refused
};

static bool load_file(struct scenario *scenario, const char *path, struct include_chain *chain,
                      char *error, u32 error_capacity);

__attribute__((format(printf, 3, 4))) static bool parse_fail(struct parse_state *state,
                                                            const char *key, const char *format,
                                                            ...) {
    char message[SCENARIO_ERROR_BYTES_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    if (key != NULL) {
        snprintf(state->error, state->capacity, "%s:%u: key '%s': %s", state->name, state->line,
                 key, message);
    } else {
        snprintf(state->error, state->capacity, "%s:%u: %s", state->name, state->line, message);
    }
    return false;
}

static bool set_fault(struct scenario *scenario, struct parse_state *state, u32 key,
                      const char *name, const char *value) {
    u32 kind = (key - KEY_FAULT_FIRST) / 2;
    struct fault_request *request = &scenario->faults[kind];
    if ((key - KEY_FAULT_FIRST) % 2 == 1) {
        u64 rate = 0;
        if (!parse_u64(value, &rate) || rate > FAULT_RATE_PER_MILLION_MAX) {
            return parse_fail(state, name, "'%s' is not a rate 0..%u (%s)", value,
                              FAULT_RATE_PER_MILLION_MAX, fault_rate_unit(kind));
        }
        request->rate_given = true;
        request->rate_per_million = (u32)rate;
        return true;
    }
    if (strcmp(value, "on") == 0) request->mode = FAULT_MODE_ON;
    else if (strcmp(value, "off") == 0) request->mode = FAULT_MODE_OFF;
    else if (strcmp(value, "swarm") == 0) request->mode = FAULT_MODE_SWARM;
    else return parse_fail(state, name, "'%s' is not on, off or swarm", value);
    return true;
}

// Bytes, or a number with K, M or G (KiB, MiB, GiB; "KiB" etc. accepted too).
static bool parse_size_bytes(const char *value, u64 *size_bytes) {
    static const struct { const char *suffix; u32 shift; } units[] = {
        {"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"K", 10}, {"M", 20}, {"G", 30}};
    char digits[SCENARIO_SIZE_DIGITS_BYTES_MAX];
    u64 length = strlen(value);
    u32 shift = 0;
    for (u32 i = 0; i < ARRAY_COUNT(units); i++) {
        u64 suffix_length = strlen(units[i].suffix);
        if (length > suffix_length && strcmp(value + length - suffix_length, units[i].suffix) == 0) {
            length -= suffix_length;
            shift = units[i].shift;
            break;
        }
    }
    if (length == 0 || length >= sizeof(digits)) return false;
    memcpy(digits, value, length);
    digits[length] = '\0';
    u64 number = 0;
    if (!parse_u64(digits, &number) || number > (DISK_SIZE_BYTES_MAX >> shift)) return false;
    *size_bytes = number << shift;
    return true;
}

static bool set_disk(struct scenario *scenario, struct parse_state *state, u32 key,
                     const char *name, const char *value) {
    if (key == KEY_DISK_SIZE) {
        u64 size_bytes = 0;
        if (!parse_size_bytes(value, &size_bytes) || size_bytes % DISK_SECTOR_BYTES != 0) {
            return parse_fail(state, name,
                              "'%s' is not a size in 512-byte sectors up to 1G (e.g. 8M, 0 = no disk)",
                              value);
        }
        scenario->disk_size_bytes = size_bytes;
        return true;
    }
    assert(key == KEY_DISK_FAULTS);
    if (strcmp(value, "recoverable") == 0) scenario->disk_fault_scope = DISK_FAULTS_RECOVERABLE;
    else if (strcmp(value, "unrestricted") == 0) scenario->disk_fault_scope = DISK_FAULTS_UNRESTRICTED;
    else if (strcmp(value, "checkpoint") == 0) scenario->disk_fault_scope = DISK_FAULTS_CHECKPOINT;
    else return parse_fail(state, name, "'%s' is not recoverable, unrestricted or checkpoint", value);
    return true;
}

// A duration key of issue 14 (zero allowed only where it means "none").
static bool set_duration(struct parse_state *state, const char *name, const char *value, u64 max_ns,
                         u64 *duration_ns, char *text) {
    u64 number = 0;
    if (!parse_duration_ns(value, &number) || number > max_ns ||
        strlen(value) >= SCENARIO_TIME_TEXT_BYTES_MAX) {
        return parse_fail(state, name, "'%s' is not a duration like 2ms or 500us (at most %" PRIu64 " s)",
                          value, max_ns / 1000000000u);
    }
    *duration_ns = number;
    snprintf(text, SCENARIO_TIME_TEXT_BYTES_MAX, "%s", value);
    return true;
}

static bool set_extra(struct scenario *scenario, struct parse_state *state, u32 key,
                      const char *name, const char *value) {
    assert(key >= KEY_EXTRA_FIRST);
    assert(key < SCENARIO_KEYS_COUNT);
    switch (key - KEY_EXTRA_FIRST) {
    case KEY_NET_LATENCY_MIN:
        return set_duration(state, name, value, NET_LATENCY_LIMIT_NS, &scenario->net_latency_min_ns,
                            scenario->net_latency_min_text);
    case KEY_NET_LATENCY_MAX:
        return set_duration(state, name, value, NET_LATENCY_LIMIT_NS, &scenario->net_latency_max_ns,
                            scenario->net_latency_max_text);
    case KEY_NET_CUT_UNTIL_HEAL:
        if (strcmp(value, "on") == 0) scenario->net_cut_until_heal = true;
        else if (strcmp(value, "off") == 0) scenario->net_cut_until_heal = false;
        else return parse_fail(state, name, "'%s' is not on or off", value);
        return true;
    case KEY_LIVENESS_HEAL_AT:
        return set_duration(state, name, value, ~0ull, &scenario->liveness_heal_at_ns,
                            scenario->liveness_heal_at_text);
    case KEY_NET_PROBE_EVERY:
        return set_duration(state, name, value, NET_LATENCY_LIMIT_NS, &scenario->net_probe_every_ns,
                            scenario->net_probe_every_text);
    default:
        return set_duration(state, name, value, ~0ull, &scenario->liveness_bound_ns,
                            scenario->liveness_bound_text);
    }
}

static bool set_value(struct scenario *scenario, struct parse_state *state, u32 key,
                      const char *name, const char *value) {
    u64 number = 0;
    if (key >= KEY_EXTRA_FIRST) return set_extra(scenario, state, key, name, value);
    switch (key) {
    case KEY_DISK_SIZE:
    case KEY_DISK_FAULTS: return set_disk(scenario, state, key, name, value);
    case KEY_NODES:
        if (!parse_u64(value, &number) || number < 1 || number > NODES_MAX) {
            return parse_fail(state, name, "'%s' is not a node count 1..%u", value, NODES_MAX);
        }
        scenario->nodes_count = (u32)number;
        return true;
    case KEY_TIME:
        if (!parse_duration_ns(value, &number) || number == 0 ||
            strlen(value) >= SCENARIO_TIME_TEXT_BYTES_MAX) {
            return parse_fail(state, name, "'%s' is not a duration like 2s or 500ms", value);
        }
        scenario->time_ns = number;
        snprintf(scenario->time_text, sizeof(scenario->time_text), "%s", value);
        return true;
    case KEY_LIFE:
        if (!parse_duration_ns(value, &number) || number == 0 ||
            strlen(value) >= SCENARIO_TIME_TEXT_BYTES_MAX) {
            return parse_fail(state, name, "'%s' is not a duration like 5s or 500ms", value);
        }
        scenario->life_ns = number;
        snprintf(scenario->life_text, sizeof(scenario->life_text), "%s", value);
        return true;
    case KEY_STEPS:
        if (!parse_u64(value, &number) || number == 0) {
            return parse_fail(state, name, "'%s' is not a positive step count", value);
        }
        scenario->steps = number;
        return true;
    case KEY_BOOTARGS:
        if (strlen(value) >= BOOTARGS_LEN_MAX) {
            return parse_fail(state, name, "longer than %u bytes", BOOTARGS_LEN_MAX - 1);
        }
        snprintf(scenario->bootargs, sizeof(scenario->bootargs), "%s", value);
        return true;
    }
    return set_fault(scenario, state, key, name, value);
}

static char *trim(char *text) {
    while (*text == ' ' || *text == '\t') text++;
    u64 length = strlen(text);
    while (length > 0 && (text[length - 1] == ' ' || text[length - 1] == '\t' ||
                          text[length - 1] == '\r')) {
        length--;
    }
    text[length] = '\0';
    return text;
}

// The base's path as the including file names it: relative to that file's folder.
static bool include_path(const char *including, const char *value, char *path, u32 capacity) {
    const char *slash = strrchr(including, '/');
    int length = value[0] == '/' || slash == NULL
                     ? snprintf(path, capacity, "%s", value)
                     : snprintf(path, capacity, "%.*s/%s", (int)(slash - including), including, value);
    return length > 0 && (u32)length < capacity;
}

// include = FILE: the base's settings, which the rest of this file then overrides.
static bool parse_include(struct scenario *scenario, struct parse_state *state, const char *value,
                          bool any_key_seen) {
    assert(scenario != NULL);
    assert(state != NULL);
    if (state->chain == NULL) return parse_fail(state, "include", "only a scenario file may include");
    if (any_key_seen) return parse_fail(state, "include", "must be the first key of the file");
    char path[SCENARIO_PATH_BYTES_MAX];
    if (value[0] == '\0' || !include_path(state->name, value, path, sizeof(path))) {
        return parse_fail(state, "include", "'%s' is not a file name", value);
    }
    char error[SCENARIO_ERROR_BYTES_MAX];
    if (load_file(scenario, path, state->chain, error, sizeof(error))) return true;
    // The innermost error first: the base's file and line, then where it was included.
    snprintf(state->error, state->capacity, "%.400s (included from %s:%u)", error, state->name,
             state->line);
    return false;
}

// A file that names a limit means only the limits it names: not the default 2s, not
// its base's limits.
static void limits_replace(struct scenario *scenario) {
    scenario->time_ns = 0;
    scenario->time_text[0] = '\0';
    scenario->time_given = false;
    scenario->steps = 0;
    scenario->steps_given = false;
}

static bool parse_line(struct scenario *scenario, struct parse_state *state, char *line,
                       bool seen[SCENARIO_KEYS_COUNT], bool *any_key_seen) {
    char *text = trim(line);
    if (text[0] == '\0' || text[0] == '#') return true;
    char *equals = strchr(text, '=');
    if (equals == NULL) return parse_fail(state, NULL, "expected 'key = value', got '%s'", text);
    *equals = '\0';
    char *key_text = trim(text);
    char *value = trim(equals + 1);
    bool first_key = !*any_key_seen;
    *any_key_seen = true;
    if (strcmp(key_text, "include") == 0) return parse_include(scenario, state, value, !first_key);
    u32 key = 0;
    if (!key_lookup(key_text, &key)) return parse_fail(state, key_text, "unknown key");
    if (seen[key]) return parse_fail(state, key_text, "duplicate key");
    bool limit = key == KEY_TIME || key == KEY_STEPS;
    if (limit && !seen[KEY_TIME] && !seen[KEY_STEPS]) limits_replace(scenario);
    seen[key] = true;
    scenario->time_given = scenario->time_given || key == KEY_TIME;
    scenario->steps_given = scenario->steps_given || key == KEY_STEPS;
    return set_value(scenario, state, key, key_text, value);
}

static bool parse_text(struct scenario *scenario, const char *name, const char *text,
                       struct include_chain *chain, char *error, u32 error_capacity) {
    assert(scenario != NULL);
    assert(name != NULL);
    assert(text != NULL);
    assert(error != NULL);
    assert(error_capacity > 0);
    struct parse_state state = {
        .name = name, .line = 0, .error = error, .capacity = error_capacity, .chain = chain};
    bool seen[SCENARIO_KEYS_COUNT] = {false};
    bool any_key_seen = false;
    const char *cursor = text;
    while (*cursor != '\0') {
        state.line++;
        const char *end = strchr(cursor, '\n');
        u64 length = end != NULL ? (u64)(end - cursor) : strlen(cursor);
        if (length >= SCENARIO_LINE_BYTES_MAX) {
            return parse_fail(&state, NULL, "line longer than %u bytes", SCENARIO_LINE_BYTES_MAX - 1);
        }
        char line[SCENARIO_LINE_BYTES_MAX];
        memcpy(line, cursor, length);
        line[length] = '\0';
        if (!parse_line(scenario, &state, line, seen, &any_key_seen)) return false;
        cursor = end != NULL ? end + 1 : cursor + length;
    }
    return true;
}

bool scenario_parse(struct scenario *scenario, const char *name, const char *text, char *error,
                    u32 error_capacity) {
    return parse_text(scenario, name, text, NULL, error, error_capacity);
}

// Enters path into the chain: refused when it is already there (a cycle) or the chain
// is full.
static bool chain_enter(struct include_chain *chain, const char *path, char *error,
                        u32 error_capacity) {
    assert(chain != NULL);
    assert(path != NULL);
    assert(chain->count <= SCENARIO_INCLUDE_DEPTH_MAX);
    struct stat status;
    if (stat(path, &status) != 0) {
        snprintf(error, error_capacity, "%s: cannot open scenario file", path);
        return false;
    }
    for (u32 i = 0; i < chain->count; i++) {
        if (chain->files[i].device != (u64)status.st_dev) continue;
        if (chain->files[i].inode != (u64)status.st_ino) continue;
        snprintf(error, error_capacity, "%s: include cycle (a file includes itself)", path);
        return false;
    }
    if (chain->count == SCENARIO_INCLUDE_DEPTH_MAX) {
        snprintf(error, error_capacity, "%s: includes nested deeper than %u files", path,
                 SCENARIO_INCLUDE_DEPTH_MAX);
        return false;
    }
    chain->files[chain->count].device = (u64)status.st_dev;
    chain->files[chain->count].inode = (u64)status.st_ino;
    chain->count++;
    return true;
}

// Reads a whole file into text (SCENARIO_FILE_BYTES_MAX + 1 bytes), NUL-terminated.
static bool read_file(const char *path, char *text, char *error, u32 error_capacity) {
    assert(path != NULL);
    assert(text != NULL);
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        snprintf(error, error_capacity, "%s: cannot open scenario file", path);
        return false;
    }
    u64 length = fread(text, 1, SCENARIO_FILE_BYTES_MAX + 1, file);
    bool read_failed = ferror(file) != 0;
    fclose(file);
    if (read_failed || length > SCENARIO_FILE_BYTES_MAX) {
        snprintf(error, error_capacity, "%s: %s", path,
                 read_failed ? "read error" : "file larger than 64 KiB");
        return false;
    }
    text[length] = '\0';
    if (strlen(text) != length) {
        snprintf(error, error_capacity, "%s: contains a NUL byte", path);
        return false;
    }
    return true;
}

static bool load_file(struct scenario *scenario, const char *path, struct include_chain *chain,
                      char *error, u32 error_capacity) {
    assert(scenario != NULL);
    assert(path != NULL);
    assert(error != NULL);
    if (!chain_enter(chain, path, error, error_capacity)) return false;
    // One buffer per depth, static: 64 KiB each is too much for the stack at depth 8.
    static char texts[SCENARIO_INCLUDE_DEPTH_MAX][SCENARIO_FILE_BYTES_MAX + 1];
    char *text = texts[chain->count - 1];
    bool loaded = read_file(path, text, error, error_capacity) &&
                  parse_text(scenario, path, text, chain, error, error_capacity);
    chain->count--;
    return loaded;
}

bool scenario_load(struct scenario *scenario, const char *path, char *error, u32 error_capacity) {
    assert(scenario != NULL);
    assert(path != NULL);
    assert(error != NULL);
    struct include_chain chain = {.count = 0};
    return load_file(scenario, path, &chain, error, error_capacity);
}

void scenario_print(const struct scenario *scenario, FILE *out) {
    assert(scenario != NULL);
    assert(out != NULL);
    bool limited = scenario->time_ns != 0 || scenario->steps != 0;
    if (scenario->time_text[0] != '\0') assert(limited); // a scenario naming a time has a limit
    fprintf(out, "nodes = %u\n", scenario->nodes_count);
    if (scenario->time_ns != 0) fprintf(out, "time = %s\n", scenario->time_text);
    if (scenario->steps != 0) fprintf(out, "steps = %" PRIu64 "\n", scenario->steps);
    if (scenario->life_ns != 0) fprintf(out, "life = %s\n", scenario->life_text);
    fprintf(out, "bootargs = %s\n", scenario->bootargs);
    fprintf(out, "disk.size = %" PRIu64 "\n", scenario->disk_size_bytes);
    static const char *const scope_names[] = {"recoverable", "unrestricted", "checkpoint"};
    assert(scenario->disk_fault_scope <= DISK_FAULTS_CHECKPOINT);
    fprintf(out, "disk.faults = %s\n", scope_names[scenario->disk_fault_scope]);
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) {
        const struct fault_request *request = &scenario->faults[kind];
        fprintf(out, "fault.%s = %s\n", fault_name(kind), fault_mode_name(request->mode));
        if (request->rate_given) {
            fprintf(out, "fault.%s.rate = %u\n", fault_name(kind), request->rate_per_million);
        }
    }
    fprintf(out, "net.latency_min = %s\n", scenario->net_latency_min_text);
    fprintf(out, "net.latency_max = %s\n", scenario->net_latency_max_text);
    fprintf(out, "net.cut_until_heal = %s\n", scenario->net_cut_until_heal ? "on" : "off");
    if (scenario->net_probe_every_ns != 0) fprintf(out, "net.probe_every = %s\n", scenario->net_probe_every_text);
    if (scenario->liveness_heal_at_ns != 0) fprintf(out, "liveness.heal_at = %s\n", scenario->liveness_heal_at_text);
    if (scenario->liveness_bound_ns != 0) fprintf(out, "liveness.bound = %s\n", scenario->liveness_bound_text);
}
