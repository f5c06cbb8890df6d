// Scenario file parser. Keys:
//   nodes, time, steps, bootargs, disk.size, disk.faults (recoverable|unrestricted),
//   fault.<kind> (on|off|swarm), fault.<kind>.rate
#include "sim/cli/scenario.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/cli/parse.h"
#include "sim/sim.h" // NODES_MAX

enum scenario_key { KEY_NODES = 0, KEY_TIME, KEY_STEPS, KEY_BOOTARGS, KEY_DISK_SIZE,
                    KEY_DISK_FAULTS, KEY_FAULT_FIRST };
#define SCENARIO_KEYS_COUNT (KEY_FAULT_FIRST + 2 * FAULT_COUNT)
#define SCENARIO_KEY_BYTES_MAX 64
#define SCENARIO_SIZE_DIGITS_BYTES_MAX 32

void scenario_defaults(struct scenario *scenario) {
    assert(scenario != NULL);
    memset(scenario, 0, sizeof(*scenario));
    scenario->nodes_count = 1;
    scenario->time_ns = SCENARIO_TIME_DEFAULT_NS;
    snprintf(scenario->time_text, sizeof(scenario->time_text), "2s");
    snprintf(scenario->bootargs, sizeof(scenario->bootargs), "%s", SCENARIO_BOOTARGS_DEFAULT);
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) scenario->faults[kind].mode = FAULT_MODE_SWARM;
    scenario->disk_size_bytes = DISK_SIZE_DEFAULT_BYTES;
    scenario->disk_fault_scope = DISK_FAULTS_RECOVERABLE;
    assert(scenario->nodes_count <= NODES_MAX);
}

static void key_name(u32 key, char *name, u32 capacity) {
    static const char *const fixed[KEY_FAULT_FIRST] = {"nodes",     "time",       "steps",
                                                       "bootargs",  "disk.size",  "disk.faults"};
    if (key < KEY_FAULT_FIRST) {
        snprintf(name, capacity, "%s", fixed[key]);
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

struct parse_state {
    const char *name;
    u32 line;
    char *error;
    u32 capacity;
};

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
    else return parse_fail(state, name, "'%s' is not recoverable or unrestricted", value);
    return true;
}

static bool set_value(struct scenario *scenario, struct parse_state *state, u32 key,
                      const char *name, const char *value) {
    u64 number = 0;
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

static bool parse_line(struct scenario *scenario, struct parse_state *state, char *line,
                       bool seen[SCENARIO_KEYS_COUNT]) {
    char *text = trim(line);
    if (text[0] == '\0' || text[0] == '#') return true;
    char *equals = strchr(text, '=');
    if (equals == NULL) return parse_fail(state, NULL, "expected 'key = value', got '%s'", text);
    *equals = '\0';
    char *key_text = trim(text);
    char *value = trim(equals + 1);
    u32 key = 0;
    if (!key_lookup(key_text, &key)) return parse_fail(state, key_text, "unknown key");
    if (seen[key]) return parse_fail(state, key_text, "duplicate key");
    bool limit = key == KEY_TIME || key == KEY_STEPS;
    if (limit && !seen[KEY_TIME] && !seen[KEY_STEPS]) {
        // A file that names a limit means only the limits it names (no default 2s).
        scenario->time_ns = 0;
        scenario->time_text[0] = '\0';
        scenario->steps = 0;
    }
    seen[key] = true;
    scenario->time_given = scenario->time_given || key == KEY_TIME;
    scenario->steps_given = scenario->steps_given || key == KEY_STEPS;
    return set_value(scenario, state, key, key_text, value);
}

bool scenario_parse(struct scenario *scenario, const char *name, const char *text, char *error,
                    u32 error_capacity) {
    assert(scenario != NULL && name != NULL && text != NULL);
    assert(error != NULL && error_capacity > 0);
    struct parse_state state = {.name = name, .line = 0, .error = error, .capacity = error_capacity};
    bool seen[SCENARIO_KEYS_COUNT] = {false};
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
        if (!parse_line(scenario, &state, line, seen)) return false;
        cursor = end != NULL ? end + 1 : cursor + length;
    }
    return true;
}

bool scenario_load(struct scenario *scenario, const char *path, char *error, u32 error_capacity) {
    assert(scenario != NULL && path != NULL && error != NULL);
    char text[SCENARIO_FILE_BYTES_MAX + 1];
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
    return scenario_parse(scenario, path, text, error, error_capacity);
}
