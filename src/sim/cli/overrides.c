// --set KEY=VALUE (overrides.h): each override is parsed as a one-line scenario, so the
// keys, values and their errors are exactly those of scenario files.
#include "sim/cli/overrides.h"

#include <stdio.h>
#include <string.h>

#define OVERRIDE_NAME "--set"

// The limits a scenario line naming `time` or `steps` would clear: kept so that the
// other limit, named by an earlier --set, survives.
struct run_limits {
    bool time_given;
    u64 time_ns;
    char time_text[SCENARIO_TIME_TEXT_BYTES_MAX];
    bool steps_given;
    u64 steps;
};

static void limits_save(const struct scenario *scenario, struct run_limits *limits) {
    limits->time_given = scenario->time_given;
    limits->time_ns = scenario->time_ns;
    memcpy(limits->time_text, scenario->time_text, sizeof(limits->time_text));
    limits->steps_given = scenario->steps_given;
    limits->steps = scenario->steps;
}

static bool apply_one(struct scenario *scenario, const char *set, bool *time_set, bool *steps_set,
                      char *error, u32 error_capacity) {
    assert(scenario != NULL);
    assert(set != NULL);
    const char *equals = strchr(set, '=');
    if (equals == NULL || equals == set || strchr(set, '\n') != NULL) {
        snprintf(error, error_capacity, "bad value '%s' for --set: expected KEY=VALUE (a scenario key)",
                 set);
        return false;
    }
    char line[SCENARIO_LINE_BYTES_MAX];
    int length = snprintf(line, sizeof(line), "%.*s = %s", (int)(equals - set), set, equals + 1);
    if (length < 0 || (u64)length >= sizeof(line)) {
        snprintf(error, error_capacity, "--set %.64s...: longer than %u bytes", set,
                 SCENARIO_LINE_BYTES_MAX - 1);
        return false;
    }
    struct run_limits before;
    limits_save(scenario, &before);
    char message[SCENARIO_ERROR_BYTES_MAX];
    if (!scenario_parse(scenario, OVERRIDE_NAME, line, message, sizeof(message))) {
        // "--set:1: key 'K': why" names a line; name the option instead.
        const char *why = strncmp(message, OVERRIDE_NAME ":1: ", strlen(OVERRIDE_NAME ":1: ")) == 0
                              ? message + strlen(OVERRIDE_NAME ":1: ") : message;
        snprintf(error, error_capacity, "--set %.200s: %.280s", set, why);
        return false;
    }
    u64 key_length = (u64)(equals - set);
    bool is_time = key_length == strlen("time") && strncmp(set, "time", key_length) == 0;
    bool is_steps = key_length == strlen("steps") && strncmp(set, "steps", key_length) == 0;
    if (is_steps && *time_set) { // the time limit an earlier --set named stays
        scenario->time_given = before.time_given;
        scenario->time_ns = before.time_ns;
        memcpy(scenario->time_text, before.time_text, sizeof(scenario->time_text));
    }
    if (is_time && *steps_set) {
        scenario->steps_given = before.steps_given;
        scenario->steps = before.steps;
    }
    *time_set = *time_set || is_time;
    *steps_set = *steps_set || is_steps;
    return true;
}

bool overrides_apply(struct scenario *scenario, const char *const sets[], u32 count, char *error,
                     u32 error_capacity) {
    assert(scenario != NULL);
    assert(count <= OVERRIDES_MAX);
    bool time_set = false;
    bool steps_set = false;
    for (u32 i = 0; i < count; i++) {
        if (!apply_one(scenario, sets[i], &time_set, &steps_set, error, error_capacity)) return false;
    }
    return true;
}
