// Value parsers shared by the CLI (options.c) and scenario files (scenario.c).
#include "sim/cli/parse.h"
#include "kernel/kernel.h"

#include <string.h>

static bool hex_digit(char c, u64 *digit) {
    if (c >= '0' && c <= '9') *digit = (u64)(c - '0');
    else if (c >= 'a' && c <= 'f') *digit = (u64)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') *digit = (u64)(c - 'A' + 10);
    else return false;
    return true;
}

static bool parse_digits(const char *text, u64 length, u64 base, u64 *value) {
    if (length == 0) return false;
    u64 result = 0;
    for (u64 i = 0; i < length; i++) {
        u64 digit = 0;
        if (!hex_digit(text[i], &digit) || digit >= base) return false;
        if (result > (~0ull - digit) / base) return false; // would overflow
        result = result * base + digit;
    }
    *value = result;
    return true;
}

bool parse_u64(const char *text, u64 *value) {
    assert(value != NULL);
    if (text == NULL) return false;
    u64 length = strlen(text);
    if (length > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        return parse_digits(text + 2, length - 2, 16, value);
    }
    return parse_digits(text, length, 10, value);
}

bool parse_duration_ns(const char *text, u64 *value_ns) {
    assert(value_ns != NULL);
    if (text == NULL) return false;
    static const struct {
        const char *suffix;
        u64 scale_ns;
    } units[] = {{"ns", 1ull}, {"us", 1000ull}, {"ms", 1000000ull},
                 {"s", 1000000000ull}, {"m", 60000000000ull}, {"h", 3600000000000ull}};
    u64 length = strlen(text);
    u64 digits = 0;
    while (digits < length && text[digits] >= '0' && text[digits] <= '9') digits++;
    for (u32 i = 0; i < ARRAY_COUNT(units); i++) {
        if (strcmp(text + digits, units[i].suffix) != 0) continue;
        u64 count = 0;
        if (!parse_digits(text, digits, 10, &count)) return false;
        if (count > ~0ull / units[i].scale_ns) return false;
        *value_ns = count * units[i].scale_ns;
        return true;
    }
    return false;
}

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};

bool parse_log_level(const char *text, enum log_level *level) {
    assert(level != NULL);
    STATIC_ASSERT(ARRAY_COUNT(level_names) == LOG_TRACE + 1);
    if (text == NULL) return false;
    for (u32 i = 0; i < ARRAY_COUNT(level_names); i++) {
        if (strcmp(text, level_names[i]) == 0) {
            *level = (enum log_level)i;
            return true;
        }
    }
    return false;
}

const char *log_level_name(enum log_level level) {
    assert((u32)level < ARRAY_COUNT(level_names));
    return level_names[level];
}

bool parse_seed_range(const char *text, u64 *first, u64 *last) {
    assert(first != NULL);
    assert(last != NULL);
    if (text == NULL) return false;
    const char *dots = strstr(text, "..");
    if (dots == NULL) return false;
    char left[32];
    u64 length = (u64)(dots - text);
    if (length == 0 || length >= sizeof(left)) return false;
    memcpy(left, text, length);
    left[length] = '\0';
    if (!parse_u64(left, first) || !parse_u64(dots + 2, last)) return false;
    return *first <= *last;
}
