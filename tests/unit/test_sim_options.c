// basin-sim's command line: values, errors naming the bad input, the reproduce
// command, and how options override the scenario.
#include <stdio.h>
#include <string.h>

#include "kernel/kernel.h"
#include "sim/cli/options.h"
#include "sim/sim.h"

static u32 failures;

static void check(bool ok, const char *name, const char *reason) {
    if (ok) {
        printf("ok %s\n", name);
    } else {
        printf("not ok %s - %s\n", name, reason);
        failures++;
    }
}

static bool parse(struct options *o, char *error, u32 capacity, int argc, char **argv) {
    error[0] = '\0';
    return options_parse(argc, argv, o, error, capacity);
}

static void test_values(void) {
    char error[OPTIONS_ERROR_BYTES_MAX];
    struct options o;
    char *argv[] = {"basin-sim", "--seed", "42", "--nodes=3", "--time", "500ms",
                    "--bug", "frame-double-alloc", "--bug=sleep-wakes-early",
                    "--log", "debug", "--scenario", "scenarios/x.scenario", "--progress"};
    bool ok = parse(&o, error, sizeof(error), (int)ARRAY_COUNT(argv), argv);
    check(ok, "options_parse_valid", error);
    check(o.seed_given && o.seed == 42 && o.nodes_count == 3 && o.time_ns == 500000000ull &&
              o.bugs[BUG_FRAME_DOUBLE_ALLOC] && o.bugs[BUG_SLEEP_WAKES_EARLY] &&
              !o.bugs[BUG_RUNQUEUE_DOUBLE_ENQUEUE] && o.log_level == LOG_DEBUG && o.progress,
          "options_values", "parsed values wrong");
    char command[SIM_COMMAND_BYTES_MAX];
    options_command(&o, 42, command, sizeof(command));
    check(strcmp(command, "./build.sh sim --seed 42 --scenario scenarios/x.scenario --nodes 3 "
                          "--time 500ms --bug frame-double-alloc --bug sleep-wakes-early "
                          "--log debug") == 0,
          "options_reproduce_command", command);

    char *minimal[] = {"basin-sim"};
    ok = parse(&o, error, sizeof(error), 1, minimal);
    options_command(&o, 7, command, sizeof(command));
    check(ok && !o.seed_given && o.log_level == OPTIONS_LOG_DEFAULT &&
              strcmp(command, "./build.sh sim --seed 7") == 0,
          "options_defaults", command);
}

// --merge-json FILE with --seeds and run options: what merge.c reads back.
static void test_merge_json(void) {
    char error[OPTIONS_ERROR_BYTES_MAX];
    struct options o;
    char *argv[] = {"basin-sim", "--merge-json=fleet.jsonl", "--seeds", "3..9", "--steps", "800",
                    "--json", "merged.json"};
    bool ok = parse(&o, error, sizeof(error), (int)ARRAY_COUNT(argv), argv);
    check(ok && o.merge_json_path != NULL && strcmp(o.merge_json_path, "fleet.jsonl") == 0 &&
              o.seeds_given && o.seeds_first == 3 && o.seeds_last == 9 && o.steps == 800 &&
              strcmp(o.json_path, "merged.json") == 0,
          "options_merge_json", error);
    char *missing[] = {"basin-sim", "--merge-json"};
    bool refused = !parse(&o, error, sizeof(error), 2, missing);
    check(refused && strstr(error, "--merge-json needs a value") != NULL, "options_merge_json_needs_file", error);
}

static void expect_error(const char *name, int argc, char **argv, const char *bad_input) {
    char error[OPTIONS_ERROR_BYTES_MAX];
    struct options o;
    bool ok = parse(&o, error, sizeof(error), argc, argv);
    char reason[OPTIONS_ERROR_BYTES_MAX + 32];
    snprintf(reason, sizeof(reason), "%s: '%s'", ok ? "accepted" : "message", error);
    check(!ok && strstr(error, bad_input) != NULL, name, reason);
}

static void test_errors(void) {
    char *unknown[] = {"basin-sim", "--sed", "1"};
    expect_error("options_error_unknown_option", 3, unknown, "--sed");
    char *bad_seed[] = {"basin-sim", "--seed", "12ab"};
    expect_error("options_error_bad_number", 3, bad_seed, "12ab");
    char *bad_bug[] = {"basin-sim", "--seed", "1", "--bug", "no-such-bug"};
    expect_error("options_error_unknown_bug", 5, bad_bug, "no-such-bug");
    char *missing[] = {"basin-sim", "--seed"};
    expect_error("options_error_missing_value", 2, missing, "--seed");
    char *nodes[] = {"basin-sim", "--nodes", "9"};
    expect_error("options_error_nodes_range", 3, nodes, "'9'");
    char *time[] = {"basin-sim", "--time", "10"};
    expect_error("options_error_time_unit", 3, time, "'10'");
    char *log[] = {"basin-sim", "--log", "loud"};
    expect_error("options_error_log_level", 3, log, "loud");
    char *prefix[] = {"basin-sim", "--seedling", "3"};
    expect_error("options_error_prefix_is_not_option", 3, prefix, "--seedling");
}

static void test_config(void) {
    char error[OPTIONS_ERROR_BYTES_MAX];
    struct options o;
    struct scenario scenario;
    scenario_defaults(&scenario);
    scenario.nodes_count = 4;
    struct sim_config config;
    char *argv[] = {"basin-sim", "--steps", "100", "--log", "warn"};
    bool ok = parse(&o, error, sizeof(error), 5, argv) &&
              sim_config_build(&o, &scenario, 5, &config, error, sizeof(error));
    check(ok && config.nodes_count == 4 && config.steps_limit == 100 && config.time_limit_ns == 0 &&
              config.seed == 5 && strcmp(config.bootargs, "init.end=poweroff loglevel=warn") == 0,
          "options_config_merge", error);
    memset(scenario.bootargs, 'x', BOOTARGS_LEN_MAX - 1);
    scenario.bootargs[BOOTARGS_LEN_MAX - 1] = '\0';
    ok = sim_config_build(&o, &scenario, 5, &config, error, sizeof(error));
    check(!ok && strstr(error, "bootargs") != NULL, "options_config_bootargs_too_long", error);
}

// --set: kept in order, in the reproduce command, applied over the scenario; the swarm's
// draws of the other kinds do not move when one kind is set.
static void test_sets(void) {
    char error[OPTIONS_ERROR_BYTES_MAX];
    struct options o;
    char *argv[] = {"basin-sim", "--seed", "9", "--set", "fault.clock_jump=off", "--set=nodes=2",
                    "--set", "steps=50", "--set", "time=2s"};
    bool ok = parse(&o, error, sizeof(error), (int)ARRAY_COUNT(argv), argv);
    char command[SIM_COMMAND_BYTES_MAX];
    options_command(&o, 9, command, sizeof(command));
    check(ok && o.sets_count == 4 &&
              strcmp(command, "./build.sh sim --seed 9 --set fault.clock_jump=off --set nodes=2 "
                              "--set steps=50 --set time=2s") == 0,
          "options_set_reproduce_command", command);
    struct scenario scenario;
    scenario_defaults(&scenario);
    ok = overrides_apply(&scenario, o.sets, o.sets_count, error, sizeof(error));
    check(ok && scenario.nodes_count == 2 && scenario.steps == 50 && scenario.time_ns == 2000000000ull &&
              scenario.faults[FAULT_CLOCK_JUMP].mode == FAULT_MODE_OFF &&
              scenario.faults[FAULT_POWER_LOSS].mode == FAULT_MODE_SWARM,
          "options_set_applied", error);
    const char *bad[] = {"fault.power_loss.rate=2000000"};
    ok = overrides_apply(&scenario, bad, 1, error, sizeof(error));
    check(!ok && strstr(error, "--set fault.power_loss.rate=2000000: key 'fault.power_loss.rate'") != NULL,
          "options_set_bad_rate_named", error);
}

int main(void) {
    test_values();
    test_errors();
    test_config();
    test_sets();
    test_merge_json();
    return failures == 0 ? 0 : 1;
}
