// Scenario files: values, defaults, and errors that name the file, line and key; a
// file that extends a base (include): override, nesting, cycles, missing and bad bases.
// Run from the repository root (it also loads scenarios/*.scenario).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
    scenario_default_run(&builtin);
    bool loaded = scenario_load(&from_file, "scenarios/default.scenario", error, sizeof(error));
    bool same = loaded && from_file.nodes_count == builtin.nodes_count &&
                from_file.time_ns == builtin.time_ns && from_file.steps == builtin.steps &&
                from_file.life_ns == builtin.life_ns &&
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

// A scratch folder of scenario files for the include cases.
static char folder[64];

static void put_file(const char *name, const char *text) {
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", folder, name);
    FILE *file = fopen(path, "w");
    assert(file != NULL);
    fputs(text, file);
    fclose(file);
}

static bool load(struct scenario *s, const char *name, char *error, u32 capacity) {
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", folder, name);
    scenario_defaults(s);
    error[0] = '\0';
    return scenario_load(s, path, error, capacity);
}

// The error names `file:line` (in the scratch folder) and contains `part`.
static void expect_load_error(const char *name, const char *file, const char *file_line,
                              const char *part) {
    char error[SCENARIO_ERROR_BYTES_MAX];
    struct scenario s;
    bool ok = load(&s, file, error, sizeof(error));
    char where[128];
    snprintf(where, sizeof(where), "%s/%s", folder, file_line);
    bool named = !ok && strstr(error, where) != NULL && strstr(error, part) != NULL;
    char reason[SCENARIO_ERROR_BYTES_MAX + 64];
    snprintf(reason, sizeof(reason), "%s: got '%s'", ok ? "accepted" : "wrong message", error);
    check(named, name, reason);
}

static void test_include(void) {
    snprintf(folder, sizeof(folder), "/tmp/test_scenario.XXXXXX");
    assert(mkdtemp(folder) != NULL);
    char sub[96];
    snprintf(sub, sizeof(sub), "%s/sub", folder);
    assert(mkdir(sub, 0700) == 0);
    put_file("base.scenario", "nodes = 2\ntime = 5s\nfault.power_loss = on\nfault.power_loss.rate = 7\n");
    put_file("child.scenario", "# a comment first is fine\ninclude = base.scenario\nnodes = 3\n");
    put_file("sub/grand.scenario", "include = ../child.scenario\nsteps = 100\nfault.power_loss = off\n");
    char error[SCENARIO_ERROR_BYTES_MAX];
    struct scenario s;
    bool ok = load(&s, "child.scenario", error, sizeof(error));
    check(ok, "scenario_include_loads", error);
    check(s.nodes_count == 3, "scenario_include_file_overrides_base", "nodes not 3");
    check(s.time_ns == 5000000000ull && s.faults[FAULT_POWER_LOSS].mode == FAULT_MODE_ON &&
              s.faults[FAULT_POWER_LOSS].rate_per_million == 7,
          "scenario_include_keeps_the_rest_of_the_base", "time or power_loss not the base's");
    ok = load(&s, "sub/grand.scenario", error, sizeof(error));
    check(ok, "scenario_include_nested_relative_to_the_including_file", error);
    check(s.nodes_count == 3 && s.steps == 100 && s.time_ns == 0,
          "scenario_include_limits_replaced_by_the_file", "steps should replace the base's time");
    check(s.faults[FAULT_POWER_LOSS].mode == FAULT_MODE_OFF &&
              s.faults[FAULT_POWER_LOSS].rate_per_million == 7,
          "scenario_include_two_levels", "power_loss not overridden");

    put_file("a.scenario", "include = b.scenario\n");
    put_file("b.scenario", "include = a.scenario\n");
    expect_load_error("scenario_include_cycle_refused", "a.scenario", "a.scenario:", "cycle");
    put_file("self.scenario", "include = ./self.scenario\n");
    expect_load_error("scenario_include_self_refused", "self.scenario", "self.scenario:1", "cycle");
    put_file("missing.scenario", "\ninclude = nope.scenario\n");
    expect_load_error("scenario_include_missing_base_named", "missing.scenario", "nope.scenario",
                      "missing.scenario:2");
    put_file("bad.scenario", "nodes = 1\nfault.meteor = on\n");
    put_file("uses_bad.scenario", "include = bad.scenario\nnodes = 2\n");
    expect_load_error("scenario_include_bad_key_in_base_names_its_line", "uses_bad.scenario",
                      "bad.scenario:2: key 'fault.meteor'", "uses_bad.scenario:1");
    put_file("late.scenario", "nodes = 2\ninclude = base.scenario\n");
    expect_load_error("scenario_include_must_come_first", "late.scenario", "late.scenario:2",
                      "first key");
    put_file("twice.scenario", "include = base.scenario\ninclude = base.scenario\n");
    expect_load_error("scenario_include_only_once", "twice.scenario", "twice.scenario:2", "first key");
    // A chain deeper than the bound: deep0 includes deep1 ... includes deepN.
    for (u32 i = 0; i <= SCENARIO_INCLUDE_DEPTH_MAX; i++) {
        char name[32], text[64];
        snprintf(name, sizeof(name), "deep%u.scenario", i);
        snprintf(text, sizeof(text), i < SCENARIO_INCLUDE_DEPTH_MAX ? "include = deep%u.scenario\n" : "nodes = 2\n", i + 1);
        put_file(name, text);
    }
    expect_load_error("scenario_include_depth_bounded", "deep0.scenario", "deep0.scenario:1", "deeper");
    ok = load(&s, "deep1.scenario", error, sizeof(error));
    check(ok && s.nodes_count == 2, "scenario_include_depth_at_the_bound_loads", error);
    expect_error("scenario_include_not_from_text", "include = base.scenario\n",
                 "test.scenario:1: key 'include'", "only a scenario file");
}

// Every scenario file of the repository loads, and --print-scenario's output of one
// loads back to the same settings.
static void test_print_round_trip(void) {
    char error[SCENARIO_ERROR_BYTES_MAX];
    struct scenario s, again;
    scenario_defaults(&s);
    bool ok = scenario_load(&s, "scenarios/storage-corruption-unrestricted.scenario", error, sizeof(error));
    check(ok, "scenario_repository_chain_loads", error);
    char path[128];
    snprintf(path, sizeof(path), "%s/printed.scenario", folder);
    FILE *file = fopen(path, "w");
    assert(file != NULL);
    scenario_print(&s, file);
    fclose(file);
    scenario_defaults(&again);
    ok = scenario_load(&again, path, error, sizeof(error));
    // Which file stated the limit is not a setting: the printed file states them all.
    again.time_given = s.time_given;
    again.steps_given = s.steps_given;
    check(ok && memcmp(&s, &again, sizeof(s)) == 0, "scenario_print_loads_back_the_same", error);
}

int main(void) {
    test_values();
    test_errors();
    test_files();
    test_include();
    test_print_round_trip();
    char command[128];
    snprintf(command, sizeof(command), "rm -rf '%s'", folder);
    if (system(command) != 0) printf("# could not remove %s\n", folder);
    return failures == 0 ? 0 : 1;
}
