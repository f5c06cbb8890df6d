// Scenario files: values, defaults, and errors that name the file, line and key.
// Run from the repository root (it also loads scenarios/*.scenario).
#include <stdio.h>
#include <string.h>

#include "faults/faults.h"
#include "sim/cli/scenario.h"

static u32 failures;

static void check(bool ok, const char *name, const char *reason) {
    if (ok) {
        printf("ok %s\n", name);
    } else {
        printf("not ok %s - %s\n", name, reason);
        failures++;
    }
}

static bool parse(struct scenario *s, const char *text, char *error, u32 capacity) {
    scenario_defaults(s);
    error[0] = '\0';
    return scenario_parse(s, "test.scenario", text, error, capacity);
}

static void test_values(void) {
    char error[SCENARIO_ERROR_BYTES_MAX];
    struct scenario s;
    const char *text = "# comment\n"
                       "\n"
                       "  nodes = 3  \n"
                       "time=500ms\n"
                       "bootargs = init.end=reboot  extra=1\n"
                       "fault.power_loss = on\n"
                       "fault.power_loss.rate = 250\n"
                       "fault.clock_jump = off\n"
                       "fault.clock_drift.rate = 0x10\n"
                       "\t# indented comment\r\n"
                       "fault.process_crash = swarm";
    bool ok = parse(&s, text, error, sizeof(error));
    check(ok, "scenario_parses_all_keys", error);
    check(s.nodes_count == 3 && s.time_ns == 500000000ull && s.steps == 0 &&
              strcmp(s.time_text, "500ms") == 0,
          "scenario_nodes_time", "nodes/time not taken");
    check(strcmp(s.bootargs, "init.end=reboot  extra=1") == 0, "scenario_bootargs_rest_of_line",
          s.bootargs);
    const struct fault_request *f = s.faults;
    check(f[FAULT_POWER_LOSS].mode == FAULT_MODE_ON && f[FAULT_POWER_LOSS].rate_given &&
              f[FAULT_POWER_LOSS].rate_per_million == 250 &&
              f[FAULT_CLOCK_JUMP].mode == FAULT_MODE_OFF &&
              f[FAULT_CLOCK_DRIFT].mode == FAULT_MODE_SWARM &&
              f[FAULT_CLOCK_DRIFT].rate_per_million == 16 &&
              f[FAULT_PROCESS_CRASH].mode == FAULT_MODE_SWARM &&
              !f[FAULT_PROCESS_CRASH].rate_given,
          "scenario_fault_keys", "fault modes or rates not taken");

    ok = parse(&s, "steps = 1000\n", error, sizeof(error));
    check(ok && s.steps == 1000 && s.time_ns == 0, "scenario_steps_only_drops_default_time",
          "steps alone should mean no time limit");
    ok = parse(&s, "", error, sizeof(error));
    check(ok && s.time_ns == SCENARIO_TIME_DEFAULT_NS && s.nodes_count == 1 &&
              strcmp(s.bootargs, SCENARIO_BOOTARGS_DEFAULT) == 0,
          "scenario_empty_is_defaults", "empty file differs from defaults");
}

// The error must name the file, the line and (when there is one) the key.
static void expect_error(const char *name, const char *text, const char *expected_prefix,
                         const char *expected_part) {
    char error[SCENARIO_ERROR_BYTES_MAX];
    struct scenario s;
    bool ok = parse(&s, text, error, sizeof(error));
    bool named = !ok && strncmp(error, expected_prefix, strlen(expected_prefix)) == 0 &&
                 strstr(error, expected_part) != NULL;
    char reason[SCENARIO_ERROR_BYTES_MAX + 64];
    snprintf(reason, sizeof(reason), "%s: got '%s'", ok ? "accepted" : "wrong message", error);
    check(named, name, reason);
}

static void test_errors(void) {
    expect_error("scenario_error_unknown_key", "nodes = 1\n\nfault.meteor = on\n",
                 "test.scenario:3: key 'fault.meteor'", "unknown key");
    expect_error("scenario_error_duplicate_key", "time = 1s\n# x\ntime = 2s\n",
                 "test.scenario:3: key 'time'", "duplicate");
    expect_error("scenario_error_bad_nodes", "nodes = 9\n", "test.scenario:1: key 'nodes'", "'9'");
    expect_error("scenario_error_nodes_zero", "nodes = 0\n", "test.scenario:1: key 'nodes'", "'0'");
    expect_error("scenario_error_bad_number", "steps = 12x\n", "test.scenario:1: key 'steps'",
                 "'12x'");
    expect_error("scenario_error_time_unit", "time = 5\n", "test.scenario:1: key 'time'", "'5'");
    expect_error("scenario_error_bad_mode", "\nfault.power_loss = maybe\n",
                 "test.scenario:2: key 'fault.power_loss'", "'maybe'");
    expect_error("scenario_error_rate_range", "fault.clock_jump.rate = 1000001\n",
                 "test.scenario:1: key 'fault.clock_jump.rate'", "1000001");
    expect_error("scenario_error_negative_rate", "fault.clock_jump.rate = -1\n",
                 "test.scenario:1: key 'fault.clock_jump.rate'", "'-1'");
    expect_error("scenario_error_no_equals", "# fine\nnodes 2\n", "test.scenario:2:",
                 "key = value");
    expect_error("scenario_error_number_overflow", "steps = 18446744073709551616\n",
                 "test.scenario:1: key 'steps'", "18446744073709551616");
}

static void test_files(void) {
    static const char *const files[] = {"scenarios/default.scenario", "scenarios/no-faults.scenario",
                                        "scenarios/reboot-loop.scenario",
                                        "scenarios/clock-chaos.scenario",
                                        "scenarios/power-loss.scenario"};
    for (u32 i = 0; i < ARRAY_COUNT(files); i++) {
        char error[SCENARIO_ERROR_BYTES_MAX] = "";
        struct scenario s;
        scenario_defaults(&s);
        char name[96];
        const char *base = strchr(files[i], '/') + 1;
        snprintf(name, sizeof(name), "scenario_file_loads_%.*s", (int)(strchr(base, '.') - base), base);
        check(scenario_load(&s, files[i], error, sizeof(error)), name, error);
    }
    // default.scenario must equal the built-in defaults (basin-sim without --scenario).
    char error[SCENARIO_ERROR_BYTES_MAX] = "";
    struct scenario from_file;
    struct scenario builtin;
    scenario_defaults(&from_file);
    scenario_defaults(&builtin);
    bool loaded = scenario_load(&from_file, "scenarios/default.scenario", error, sizeof(error));
    bool same = loaded && from_file.nodes_count == builtin.nodes_count &&
                from_file.time_ns == builtin.time_ns && from_file.steps == builtin.steps &&
                strcmp(from_file.bootargs, builtin.bootargs) == 0;
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) {
        same = same && from_file.faults[kind].mode == builtin.faults[kind].mode &&
               from_file.faults[kind].rate_given == builtin.faults[kind].rate_given;
    }
    check(same, "scenario_default_file_matches_builtin", "default.scenario differs from built-in");

    expect_error("scenario_error_names_file", "x = 1\n", "test.scenario:1:", "'x'");
    struct scenario missing;
    scenario_defaults(&missing);
    bool opened = scenario_load(&missing, "scenarios/does-not-exist.scenario", error, sizeof(error));
    check(!opened && strstr(error, "scenarios/does-not-exist.scenario") != NULL,
          "scenario_missing_file_named", error);
}

int main(void) {
    test_values();
    test_errors();
    test_files();
    return failures == 0 ? 0 : 1;
}
