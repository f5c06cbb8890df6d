// The command line of basin-sim, and how it combines with a scenario into the
// configuration of one run. main.c only calls these; the logic is here so that unit
// tests can link it.
#pragma once

#include <stdio.h>

#include "sim/cli/overrides.h"
#include "sim/cli/scenario.h"
#include "sim/sim.h"

#define OPTIONS_ERROR_BYTES_MAX 512
#define OPTIONS_LOG_DEFAULT LOG_INFO
#define SEEDS_MAX 1000000ull // seeds of one --seeds or --count run
#define JOBS_MAX 256
#define BUG_SIM_NONDETERMINISTIC_NAME "sim-nondeterministic" // simulator-side, not in bugs.h

struct options {
    bool seed_given;
    u64 seed;
    const char *scenario_path; // NULL: the built-in default scenario
    bool nodes_given;
    u32 nodes_count;
    bool time_given;
    u64 time_ns;
    const char *time_text;
    bool steps_given;
    u64 steps;
    bool bugs[BUG_COUNT];
    bool log_given;
    enum log_level log_level;
    const char *trace_path;
    const char *trace_json_path; // --trace-json FILE
    bool list_bugs;
    bool list_invariants;
    bool help;
    bool progress;
    bool no_invariants; // benchmark only: measure what the checks cost
    bool no_block_cache; // benchmark only: interpret without the decode cache (same run)
    bool print_scenario; // print the scenario's settings and exit
    // Many seeds (sim/cli/seeds.c): --seeds A..B or --count N from --seed (or a drawn seed).
    bool seeds_given;
    u64 seeds_first;
    u64 seeds_last;
    bool count_given;
    u64 count;
    u32 jobs; // 0: the number of online cores
    const char *json_path;
    const char *save_failures_dir;
    const char *merge_json_path; // --merge-json FILE: merge seeds run elsewhere (merge.h)
    bool check_determinism; // run three times and compare (determinism.h)
    bool bug_sim_nondeterministic; // --bug sim-nondeterministic (sim.h)
    const char *sets[OVERRIDES_MAX]; // --set KEY=VALUE, in order (overrides.h)
    u32 sets_count;
    bool shrink; // --shrink: search for a smaller failure (shrink.h)
    // issue 14: the liveness phase's times override the scenario's (sim/liveness.h)
    bool heal_at_given;
    u64 heal_at_ns;
    const char *heal_at_text;
    bool liveness_bound_given;
    u64 liveness_bound_ns;
    const char *liveness_bound_text;
    bool bug_sim_never_converges; // --bug sim-never-converges (liveness.h)
};

// False with a message naming the bad input (exit status 2).
bool options_parse(int argc, char *const argv[], struct options *options, char *error,
                   u32 error_capacity);
void options_print_usage(FILE *out);
void options_print_bugs(FILE *out);
void options_print_invariants(FILE *out);
bool bug_lookup(const char *name, u32 *bug);
const char *bug_name(u32 bug);
// The command that reproduces a run: the options as given, with the seed.
void options_command(const struct options *options, u64 seed, char *command, u32 capacity);
// Options override the scenario; loglevel= is appended to the scenario's bootargs.
bool sim_config_build(const struct options *options, const struct scenario *scenario, u64 seed,
                      struct sim_config *config, char *error, u32 error_capacity);
