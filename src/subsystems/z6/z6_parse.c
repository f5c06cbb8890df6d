// z6_parse: a service directory's files in, a struct z6_parsed out (z6_parse.h says
// the format). Each value is checked where it is read, so the message can name the
// file and the line; the first error refuses the service and is the one kept.
#include "subsystems/z6/z6_parse.h"

#include "kernel/abi.h"
#include "kernel/lib/format.h"
#include "kernel/lib/mem.h"

#define VALUE_BYTES_MAX 48 // a value quoted in a message (longer ones are cut)
#define U32_DIGITS_MAX 10

// One line of a file, without its newline and the blanks around it.
struct line {
    const u8 *bytes;
    u32 length;
    u32 number; // from 1
};

static bool is_blank(u8 c) {
    return c == ' ' || c == '\t' || c == '\r';
}

// The line at *offset (advanced past its newline). False at the end of the bytes.
static bool line_next(const u8 *bytes, u64 size_bytes, u64 *offset, struct line *line) {
    assert(offset != 0);
    assert(*offset <= size_bytes);
    if (*offset == size_bytes) return false;
    u64 start = *offset;
    u64 end = start;
    while (end < size_bytes && bytes[end] != '\n') end++;
    *offset = end < size_bytes ? end + 1 : end;
    while (start < end && is_blank(bytes[start])) start++;
    while (end > start && is_blank(bytes[end - 1])) end--;
    line->bytes = bytes + start;
    line->length = (u32)(end - start);
    line->number++;
    return true;
}

static bool line_is(const struct line *line, const char *word) {
    u64 length = str_len_bounded(word, VALUE_BYTES_MAX);
    return line->length == length && mem_equal(line->bytes, word, length);
}

// The line as a C string for a message, cut at VALUE_BYTES_MAX - 1 bytes.
static void line_text(const struct line *line, char text[VALUE_BYTES_MAX]) {
    u32 length = line->length < VALUE_BYTES_MAX - 1 ? line->length : VALUE_BYTES_MAX - 1;
    mem_copy(text, line->bytes, length);
    text[length] = '\0';
    assert(length < VALUE_BYTES_MAX);
}

// Refuses the service: "<directory>/<file>:<line>: <what>" (line 0: no line).
static bool refuse(struct z6_parsed *parsed, const char *file, u32 line_number, const char *what,
                   const struct line *value) {
    assert(parsed != 0);
    assert(what != 0);
    if (parsed->refused) return false; // the first error is the one kept
    parsed->refused = true;
    char text[VALUE_BYTES_MAX] = {0};
    if (value != 0) line_text(value, text);
    if (line_number == 0) {
        format(parsed->message, sizeof parsed->message, "%s/%s: %s", parsed->directory, file, what);
    } else if (value != 0) {
        format(parsed->message, sizeof parsed->message, "%s/%s:%u: '%s' %s", parsed->directory, file,
               line_number, text, what);
    } else {
        format(parsed->message, sizeof parsed->message, "%s/%s:%u: %s", parsed->directory, file,
               line_number, what);
    }
    return false;
}

// Decimal, no sign, at most U32_DIGITS_MAX digits and no more than UINT32_MAX.
static bool parse_u32(const u8 *bytes, u32 length, u32 *out) {
    assert(out != 0);
    if (length == 0 || length > U32_DIGITS_MAX) return false;
    u64 value = 0;
    for (u32 i = 0; i < length; i++) {
        if (bytes[i] < '0' || bytes[i] > '9') return false;
        value = value * 10 + (u64)(bytes[i] - '0');
    }
    if (value > UINT32_MAX) return false;
    *out = (u32)value;
    assert(*out == value);
    return true;
}

// A name (service or account): letters, digits, '-', '_', '.', not starting with '.'.
static bool name_valid(const u8 *bytes, u32 length, u32 capacity) {
    assert(capacity > 0);
    if (length == 0 || length >= capacity) return false;
    if (bytes[0] == '.') return false;
    for (u32 i = 0; i < length; i++) {
        u8 c = bytes[i];
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        bool digit = c >= '0' && c <= '9';
        if (!letter && !digit && c != '-' && c != '_' && c != '.') return false;
    }
    return true;
}

// A one-value file: its first line in *value; false (refused) when empty or when a
// later line is not blank.
static bool single_value(struct z6_parsed *parsed, const char *file, const u8 *bytes,
                         u64 size_bytes, struct line *value) {
    assert(value != 0);
    u64 offset = 0;
    *value = (struct line){.bytes = bytes, .length = 0, .number = 0};
    if (!line_next(bytes, size_bytes, &offset, value) || value->length == 0) {
        return refuse(parsed, file, 1, "empty: one value expected", 0);
    }
    struct line extra = *value;
    while (line_next(bytes, size_bytes, &offset, &extra)) {
        if (extra.length != 0) return refuse(parsed, file, extra.number, "is a second value (one value only)", &extra);
    }
    assert(value->number == 1);
    return true;
}

static bool parse_restart(struct z6_parsed *parsed, const char *file, const struct line *value) {
    assert(parsed != 0);
    assert(value != 0);
    if (line_is(value, "always")) parsed->config.restart = Z6_RESTART_ALWAYS;
    else if (line_is(value, "on-failure")) parsed->config.restart = Z6_RESTART_ON_FAILURE;
    else if (line_is(value, "never")) parsed->config.restart = Z6_RESTART_NEVER;
    else return refuse(parsed, file, value->number, "is not always, on-failure or never", value);
    return true;
}

static bool parse_ms(struct z6_parsed *parsed, const char *file, const struct line *value, u32 *out) {
    assert(parsed != 0);
    assert(out != 0);
    if (parse_u32(value->bytes, value->length, out)) return true;
    return refuse(parsed, file, value->number, "is not a number of milliseconds", value);
}

static bool parse_crash_limit(struct z6_parsed *parsed, const char *file, const struct line *value) {
    assert(parsed != 0);
    assert(value != 0);
    u32 space = 0;
    while (space < value->length && !is_blank(value->bytes[space])) space++;
    u32 window_start = space;
    while (window_start < value->length && is_blank(value->bytes[window_start])) window_start++;
    u32 deaths = 0;
    u32 window_ms = 0;
    bool ok = parse_u32(value->bytes, space, &deaths) &&
              parse_u32(value->bytes + window_start, value->length - window_start, &window_ms);
    if (!ok || window_start == space) {
        return refuse(parsed, file, value->number, "is not DEATHS WINDOW_MS", value);
    }
    if (deaths == 0 || deaths > Z6_CRASH_DEATHS_MAX || window_ms == 0) {
        return refuse(parsed, file, value->number, "needs 1 to 32 deaths and a window over 0 ms", value);
    }
    parsed->config.crash_deaths = deaths;
    parsed->config.crash_window_ms = window_ms;
    return true;
}

static bool parse_notification_fd(struct z6_parsed *parsed, const char *file, const struct line *value) {
    assert(parsed != 0);
    assert(value != 0);
    u32 fd = 0;
    if (!parse_u32(value->bytes, value->length, &fd) || fd >= ABI_FDS_MAX) {
        return refuse(parsed, file, value->number, "is not a descriptor number", value);
    }
    parsed->notification_fd = fd;
    parsed->config.notification = true;
    return true;
}

// A number in [low, high]; what says what it counts, for the message.
static bool parse_bounded(struct z6_parsed *parsed, const char *file, const struct line *value, u32 low,
                          u32 high, u32 *out) {
    assert(parsed != 0);
    assert(low <= high);
    u32 number = 0;
    if (!parse_u32(value->bytes, value->length, &number) || number < low || number > high) {
        char what[VALUE_BYTES_MAX];
        format(what, sizeof what, "is not a number from %u to %u", low, high);
        return refuse(parsed, file, value->number, what, value);
    }
    *out = number;
    return true;
}

static bool parse_user(struct z6_parsed *parsed, const char *file, const struct line *value) {
    assert(parsed != 0);
    assert(value != 0);
    if (!name_valid(value->bytes, value->length, Z6_USER_BYTES_MAX)) {
        return refuse(parsed, file, value->number, "is not an account name", value);
    }
    mem_copy(parsed->user, value->bytes, value->length);
    parsed->user[value->length] = '\0';
    return true;
}

// One name per line; blank lines are skipped.
static bool parse_dependencies(struct z6_parsed *parsed, const char *file, const u8 *bytes,
                               u64 size_bytes) {
    assert(parsed != 0);
    u64 offset = 0;
    struct line line = {.bytes = bytes, .length = 0, .number = 0};
    while (line_next(bytes, size_bytes, &offset, &line)) {
        if (line.length == 0) continue;
        if (!name_valid(line.bytes, line.length, Z6_NAME_BYTES_MAX)) {
            return refuse(parsed, file, line.number, "is not a service name", &line);
        }
        u32 index = parsed->dependency_name_count;
        if (index == Z6_DEPENDENCIES_MAX) return refuse(parsed, file, line.number, "is one dependency too many (16 at most)", &line);
        mem_copy(parsed->dependency_names[index], line.bytes, line.length);
        parsed->dependency_names[index][line.length] = '\0';
        parsed->dependency_lines[index] = line.number;
        parsed->dependency_name_count = index + 1;
    }
    assert(parsed->dependency_name_count <= Z6_DEPENDENCIES_MAX);
    return true;
}

void z6_parse_begin(struct z6_parsed *parsed, const char *root, const char *name) {
    assert(parsed != 0);
    assert(name != 0);
    mem_set(parsed, 0, sizeof *parsed);
    u64 length = str_len_bounded(name, Z6_NAME_BYTES_MAX);
    bool fits = name_valid((const u8 *)name, (u32)length, Z6_NAME_BYTES_MAX);
    z6_config_default(&parsed->config, fits ? name : "");
    parsed->log_max_bytes = Z6_LOG_MAX_BYTES_DEFAULT;
    parsed->log_archives = Z6_LOG_ARCHIVES_DEFAULT;
    char shown[Z6_NAME_BYTES_MAX];
    str_copy(shown, sizeof shown, name); // cut, for the message only
    format(parsed->directory, sizeof parsed->directory, "%s/%s", root, shown);
    if (fits) return;
    parsed->refused = true;
    format(parsed->message, sizeof parsed->message, "%s: not a service name (letters, digits, - _ .; "
           "under %u bytes)", parsed->directory, Z6_NAME_BYTES_MAX);
}

// The files whose value is one line.
static bool parse_value_file(struct z6_parsed *parsed, const char *file, const struct line *value) {
    assert(parsed != 0);
    assert(file != 0);
    struct z6_config *config = &parsed->config;
    if (str_equal(file, "restart")) return parse_restart(parsed, file, value);
    if (str_equal(file, "restart-delay-ms")) return parse_ms(parsed, file, value, &config->restart_delay_ms);
    if (str_equal(file, "timeout-kill")) return parse_ms(parsed, file, value, &config->timeout_kill_ms);
    if (str_equal(file, "timeout-finish")) return parse_ms(parsed, file, value, &config->timeout_finish_ms);
    if (str_equal(file, "crash-limit")) return parse_crash_limit(parsed, file, value);
    if (str_equal(file, "notification-fd")) return parse_notification_fd(parsed, file, value);
    if (str_equal(file, "log-max-bytes")) {
        return parse_bounded(parsed, file, value, Z6_LOG_MAX_BYTES_MIN, Z6_LOG_MAX_BYTES_MAX, &parsed->log_max_bytes);
    }
    if (str_equal(file, "log-archives")) {
        return parse_bounded(parsed, file, value, 0, Z6_LOG_ARCHIVES_MAX, &parsed->log_archives);
    }
    assert(str_equal(file, "user"));
    return parse_user(parsed, file, value);
}

static bool is_value_file(const char *file) {
    return str_equal(file, "restart") || str_equal(file, "restart-delay-ms") ||
           str_equal(file, "timeout-kill") || str_equal(file, "timeout-finish") ||
           str_equal(file, "crash-limit") || str_equal(file, "notification-fd") || str_equal(file, "user") ||
           str_equal(file, "log-max-bytes") || str_equal(file, "log-archives");
}

bool z6_parse_file(struct z6_parsed *parsed, const char *file, const u8 *bytes, u64 size_bytes) {
    assert(parsed != 0);
    assert(file != 0);
    if (parsed->refused) return false;
    if (str_equal(file, "run")) { parsed->has_run = true; return true; }
    if (str_equal(file, "finish")) { parsed->config.has_finish = true; return true; }
    if (str_equal(file, "down")) { parsed->config.down = true; return true; }
    if (str_equal(file, "console")) { parsed->console = true; return true; }
    if (str_equal(file, "dependencies")) return parse_dependencies(parsed, file, bytes, size_bytes);
    if (!is_value_file(file)) return refuse(parsed, file, 0, "unknown file", 0);
    struct line value;
    if (!single_value(parsed, file, bytes, size_bytes, &value)) return false;
    return parse_value_file(parsed, file, &value);
}

bool z6_parse_end(struct z6_parsed *parsed) {
    assert(parsed != 0);
    assert(str_len_bounded(parsed->directory, sizeof parsed->directory) < sizeof parsed->directory);
    if (parsed->refused) return false;
    if (!parsed->has_run) return refuse(parsed, "run", 0, "missing (a service needs a run file)", 0);
    return true;
}

static u32 index_of(const struct z6_parsed *parsed, u32 count, const char *name) {
    assert(parsed != 0);
    assert(count <= Z6_SERVICES_MAX);
    for (u32 i = 0; i < count; i++) {
        if (str_equal(parsed[i].config.name, name)) return i;
    }
    return count;
}

u32 z6_parse_resolve(struct z6_parsed *parsed, u32 count, struct z6_config *configs) {
    assert(parsed != 0);
    assert(count <= Z6_SERVICES_MAX);
    u32 refused = 0;
    for (u32 i = 0; i < count; i++) {
        struct z6_parsed *service = &parsed[i];
        for (u32 d = 0; d < service->dependency_name_count && !service->refused; d++) {
            u32 index = index_of(parsed, count, service->dependency_names[d]);
            if (index == count) {
                struct line name = {.bytes = (const u8 *)service->dependency_names[d],
                                    .length = (u32)str_len_bounded(service->dependency_names[d], Z6_NAME_BYTES_MAX),
                                    .number = service->dependency_lines[d]};
                refuse(service, "dependencies", name.number, "names no service", &name);
            }
            service->config.dependencies[d] = index;
        }
        service->config.dependency_count = service->refused ? 0 : service->dependency_name_count;
        service->config.invalid = service->refused;
        if (service->refused) refused++;
        configs[i] = service->config;
    }
    return refused;
}

// The first dependency of service i that is on its cycle or refused: its line.
static u32 explain_line(const struct z6_parsed *parsed, const struct z6 *z6, u32 i) {
    assert(i < z6->service_count);
    const struct z6_service *service = &z6->services[i];
    for (u32 d = 0; d < service->config.dependency_count; d++) {
        u32 j = service->config.dependencies[d];
        bool cycle = j == i || (z6->services[j].requires_mask & (1ull << i)) != 0;
        bool refused = z6->services[j].error != Z6_LOAD_OK;
        if (service->error == Z6_LOAD_DEPENDENCY_CYCLE ? cycle : refused) return parsed[i].dependency_lines[d];
    }
    assert(service->error != Z6_LOAD_DEPENDENCY_CYCLE); // a cycle goes through a direct dependency
    return 1;
}

void z6_parse_explain(struct z6_parsed *parsed, u32 count, const struct z6 *z6) {
    assert(parsed != 0);
    assert(count == z6->service_count);
    for (u32 i = 0; i < count; i++) {
        enum z6_load_error error = z6->services[i].error;
        if (parsed[i].refused || error == Z6_LOAD_OK) continue;
        u32 line = explain_line(parsed, z6, i);
        refuse(&parsed[i], "dependencies", line,
               error == Z6_LOAD_DEPENDENCY_CYCLE ? "dependency cycle" : "a dependency was refused", 0);
    }
}
