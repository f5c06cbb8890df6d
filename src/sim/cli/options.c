// basin-sim command line: parsing, listings, the reproduce command, and the merge of
// options with the scenario into a sim_config.
#include "sim/cli/options.h"

#include <inttypes.h>
#include <string.h>

#include "sim/cli/parse.h"
#include "sim/invariants/invariants.h"
#include "sim/liveness.h"
#include "sim/machine/network.h"
#include "sim/sim.h"

// Positional: BUG_LIST is in id order (bugs.h), starting after BUG_NONE.
#define BUG_FIELD_NAME(id, name, invariant, what) name,
static const char *const bug_names[BUG_COUNT] = {NULL, BUG_LIST(BUG_FIELD_NAME)};
#undef BUG_FIELD_NAME
#define BUG_FIELD_INVARIANT(id, name, invariant, what) invariant,
static const char *const bug_invariants[BUG_COUNT] = {NULL, BUG_LIST(BUG_FIELD_INVARIANT)};
#undef BUG_FIELD_INVARIANT
#define BUG_FIELD_WHAT(id, name, invariant, what) what,
static const char *const bug_whats[BUG_COUNT] = {NULL, BUG_LIST(BUG_FIELD_WHAT)};
#undef BUG_FIELD_WHAT

const char *bug_name(u32 bug) {
    assert(bug > BUG_NONE);
    assert(bug < BUG_COUNT);
    return bug_names[bug];
}

bool bug_lookup(const char *name, u32 *bug) {
    assert(name != NULL);
    assert(bug != NULL);
    for (u32 id = BUG_NONE + 1; id < BUG_COUNT; id++) {
        if (strcmp(name, bug_names[id]) == 0) {
            *bug = id;
            return true;
        }
    }
    return false;
}

void options_print_bugs(FILE *out) {
    for (u32 id = BUG_NONE + 1; id < BUG_COUNT; id++) {
        fprintf(out, "%-28s caught by %-28s %s\n", bug_names[id], bug_invariants[id], bug_whats[id]);
    }
    // Not "caught by": no invariant catches it (t_planted_bugs.sh runs those that are).
    fprintf(out, "%-28s found by  %-28s %s\n", BUG_SIM_NONDETERMINISTIC_NAME, "--check-determinism",
            "(simulator side) the host's process id decides one event's argument");
    fprintf(out, "%-28s found by  %-28s %s\n", BUG_SIM_NEVER_CONVERGES_NAME, "the liveness phase",
            "(simulator side) the convergence predicate always answers false: exit 3");
}

void options_print_invariants(FILE *out) {
    for (u32 id = 0; id < INVARIANT_COUNT; id++) {
        fprintf(out, "%-28s %s\n", invariant_name(id), invariant_description(id));
    }
}

void options_print_usage(FILE *out) {
    fprintf(out,
            "usage: basin-sim --seed N [--scenario FILE] [--nodes N] [--time 10s|500ms|... | --steps N]\n"
            "                 [--bug NAME]... [--log error|warn|info|debug|trace] [--trace FILE]\n"
            "                 [--trace-json FILE] [--set KEY=VALUE]... [--shrink] [--heal-at T] [--liveness-bound B]\n"
            "                 [--progress] [--check-determinism] [--list-bugs] [--list-invariants] [--print-scenario] [--help]\n"
            "       basin-sim --seeds A..B | --count N [--jobs N] [--json FILE] [--save-failures DIR] [...]\n"
            "Runs the Grain Basin kernel on simulated nodes, injecting faults drawn from the seed\n"
            "and checking invariants after every step. The same seed gives the same run.\n"
            "  --seed N          run seed (decimal or 0x hex); drawn at random and printed if absent\n"
            "  --scenario FILE   key = value scenario (default: built-in, as scenarios/default.scenario)\n"
            "  --print-scenario  print every setting of the scenario (its bases and the defaults\n"
            "                    included) as key = value lines, and exit without a run\n"
            "  --nodes N         number of nodes, 1..%u (overrides the scenario)\n"
            "  --time T          stop at simulated time T (units ns us ms s m h)\n"
            "  --steps N         stop after N steps\n"
            "  --bug NAME        switch on a planted bug (see --list-bugs); repeatable\n"
            "  --log LEVEL       kernel log level (bootargs loglevel=); info or more verbose\n"
            "                    also prints every node's console as 'n0| text' (default info)\n"
            "  --trace FILE      write every trace event as a line of text\n"
            "  --trace-json FILE write the run as a Chrome trace event JSON timeline (open it in\n"
            "                    ui.perfetto.dev or chrome://tracing): a process per node, a thread\n"
            "                    per kernel process, its kernel and its disk; does not change the run\n"
            "  --progress        report progress on stderr (does not change the run)\n"
            "  --no-invariants   benchmarks only: skip the simulator's invariant checks (the workload's\n"
            "                    own verdicts, workload_checks_pass and workload_reaches_end, still hold)\n"
            "  --no-block-cache  benchmarks only: decode every user instruction at each execution\n"
            "                    instead of keeping decoded code (same run, same trace hash; slower)\n"
            "  --check-determinism  run the seed three times, each in a child process: twice as given\n"
            "                    and once with --no-invariants; compare every trace event (step, node,\n"
            "                    time, kind, arguments); print 'deterministic: ...' or the first event\n"
            "                    where a run parts from run 1, with the events before it\n"
            "  --set KEY=VALUE   override one scenario key (nodes, time, steps, fault.KIND=on|off|swarm,\n"
            "                    fault.KIND.rate=N, disk.size, disk.faults, bootargs); repeatable,\n"
            "                    applied in order over the scenario\n"
            "  --shrink          the seed must fail: search for a smaller failure of the same invariant\n"
            "                    (the step limit cut to the failing step, fewer nodes, fault kinds off\n"
            "                    one at a time, rates halved; the swarm's draws made explicit with --set),\n"
            "                    each candidate run in a child process, at most 200 runs; prints the\n"
            "                    smallest reproduce command, verified by a rerun, and how much smaller\n"
            "                    it is; not with --seeds, --count, --trace, --trace-json, --check-determinism\n"
            "Many seeds, one child process per seed (sim/cli/seeds.c):\n"
            "  --seeds A..B      run seeds A to B, each as --seed S with the other options would\n"
            "  --count N         run N seeds from --seed S (or from a drawn seed, printed first)\n"
            "  --jobs N          seeds run at once, 1..256 (default: the number of online cores)\n"
            "  --json FILE       one JSON line per seed, in seed order: seed, result, invariant,\n"
            "                    steps, simulated_time_ns, faults_injected, trace_hash, wall_ms\n"
            "  --save-failures DIR  write each failing seed as DIR/<seed>-<invariant>.args (seeds/ format)\n"
            "  Progress goes to stderr; the seeds' own reports are discarded; the summary groups\n"
            "  failures by invariant with the first seed's reproduce command.\n"
            "  --merge-json FILE  run nothing: merge --json lines of seeds run elsewhere (any order,\n"
            "                    e.g. by ./build.sh fleet) into that summary; with --seeds A..B and the\n"
            "                    run's options (for the reproduce commands); a seed without a line\n"
            "                    is 'missing' and fails; --json FILE writes the merged lines in order\n"
            "Liveness (issue 14; scenario keys liveness.heal_at, liveness.bound):\n"
            "  --heal-at T       at simulated time T every fault kind stops for the rest of the run,\n"
            "                    partitions heal and net.cut_until_heal ends; then the run ends as soon\n"
            "                    as the cluster converged (result: pass (converged))\n"
            "  --liveness-bound B  the cluster must converge within B after the heal (default 10s),\n"
            "                    else a liveness failure: its report and exit status 3\n"
            "Exit status: 0 pass (every seed; with --check-determinism: the runs agree), 1 invariant\n"
            "violated (by any seed; with --shrink: the failure was shrunk), 2 bad usage,\n"
            "3 runs of --check-determinism differ, or (any other run) a liveness failure: a run, or\n"
            "any seed of --seeds/--count, not converged within the bound after the heal, 4 --shrink\n"
            "of a seed that passes (nothing to shrink).\n",
            NODES_MAX);
}

struct arguments {
    int argc;
    char *const *argv;
    int index;
    char *error;
    u32 capacity;
};

// The value of an option, from "--opt value" or "--opt=value".
static const char *option_value(struct arguments *args, const char *inline_value,
                                const char *option) {
    if (inline_value != NULL) return inline_value;
    if (args->index + 1 >= args->argc) {
        snprintf(args->error, args->capacity, "option %s needs a value", option);
        return NULL;
    }
    args->index++;
    return args->argv[args->index];
}

static bool bad_value(struct arguments *args, const char *option, const char *value,
                      const char *expected) {
    snprintf(args->error, args->capacity, "bad value '%s' for %s: expected %s", value, option,
             expected);
    return false;
}

// The options of many seeds (sim/cli/seeds.c).
static bool parse_seeds_valued(struct arguments *args, struct options *o, const char *option,
                               const char *value) {
    u64 number = 0;
    if (strcmp(option, "--seeds") == 0) {
        if (!parse_seed_range(value, &o->seeds_first, &o->seeds_last) ||
            o->seeds_last - o->seeds_first >= SEEDS_MAX) {
            return bad_value(args, option, value, "A..B, two seeds with A <= B, at most 1000000 seeds");
        }
        o->seeds_given = true;
    } else if (strcmp(option, "--count") == 0) {
        if (!parse_u64(value, &o->count) || o->count == 0 || o->count > SEEDS_MAX) {
            return bad_value(args, option, value, "a seed count 1..1000000");
        }
        o->count_given = true;
    } else if (strcmp(option, "--jobs") == 0) {
        if (!parse_u64(value, &number) || number < 1 || number > JOBS_MAX) {
            return bad_value(args, option, value, "a job count 1..256");
        }
        o->jobs = (u32)number;
    } else if (strcmp(option, "--json") == 0) {
        o->json_path = value;
    } else {
        assert(strcmp(option, "--save-failures") == 0);
        o->save_failures_dir = value;
    }
    return true;
}

static bool parse_liveness(struct arguments *args, struct options *o, const char *option,
                           const char *value) {
    u64 number = 0;
    if (!parse_duration_ns(value, &number) || number == 0) {
        return bad_value(args, option, value, "a duration like 2s or 500ms");
    }
    if (strcmp(option, "--heal-at") == 0) {
        o->heal_at_given = true;
        o->heal_at_ns = number;
        o->heal_at_text = value;
        return true;
    }
    o->liveness_bound_given = true;
    o->liveness_bound_ns = number;
    o->liveness_bound_text = value;
    return true;
}

static bool parse_valued(struct arguments *args, struct options *o, const char *option,
                         const char *value) {
    u64 number = 0;
    if (strcmp(option, "--seeds") == 0 || strcmp(option, "--count") == 0 ||
        strcmp(option, "--jobs") == 0 || strcmp(option, "--json") == 0 ||
        strcmp(option, "--save-failures") == 0) {
        return parse_seeds_valued(args, o, option, value);
    }
    if (strcmp(option, "--seed") == 0) {
        if (!parse_u64(value, &o->seed)) return bad_value(args, option, value, "a 64-bit number");
        o->seed_given = true;
    } else if (strcmp(option, "--scenario") == 0) {
        o->scenario_path = value;
    } else if (strcmp(option, "--nodes") == 0) {
        if (!parse_u64(value, &number) || number < 1 || number > NODES_MAX) {
            return bad_value(args, option, value, "a node count 1..8");
        }
        o->nodes_given = true;
        o->nodes_count = (u32)number;
    } else if (strcmp(option, "--time") == 0) {
        if (!parse_duration_ns(value, &o->time_ns) || o->time_ns == 0) {
            return bad_value(args, option, value, "a duration like 10s or 500ms");
        }
        o->time_given = true;
        o->time_text = value;
    } else if (strcmp(option, "--steps") == 0) {
        if (!parse_u64(value, &o->steps) || o->steps == 0) {
            return bad_value(args, option, value, "a positive step count");
        }
        o->steps_given = true;
    } else if (strcmp(option, "--bug") == 0) {
        u32 bug = 0;
        if (strcmp(value, BUG_SIM_NONDETERMINISTIC_NAME) == 0) {
            o->bug_sim_nondeterministic = true;
            return true;
        }
        if (strcmp(value, BUG_SIM_NEVER_CONVERGES_NAME) == 0) {
            o->bug_sim_never_converges = true;
            return true;
        }
        if (!bug_lookup(value, &bug)) return bad_value(args, option, value, "a name from --list-bugs");
        o->bugs[bug] = true;
    } else if (strcmp(option, "--log") == 0) {
        if (!parse_log_level(value, &o->log_level)) {
            return bad_value(args, option, value, "error, warn, info, debug or trace");
        }
        o->log_given = true;
    } else if (strcmp(option, "--trace-json") == 0) {
        o->trace_json_path = value;
    } else if (strcmp(option, "--set") == 0) {
        if (o->sets_count == OVERRIDES_MAX) return bad_value(args, option, value, "at most 64 --set options");
        o->sets[o->sets_count++] = value;
    } else if (strcmp(option, "--heal-at") == 0 || strcmp(option, "--liveness-bound") == 0) {
        return parse_liveness(args, o, option, value);
    } else if (strcmp(option, "--merge-json") == 0) {
        o->merge_json_path = value;
    } else {
        assert(strcmp(option, "--trace") == 0);
        o->trace_path = value;
    }
    return true;
}

static bool parse_one(struct arguments *args, struct options *o) {
    const char *arg = args->argv[args->index];
    static const char *const flags[] = {"--list-bugs", "--list-invariants", "--help", "-h",
                                        "--progress", "--no-invariants", "--print-scenario",
                                        "--check-determinism", "--shrink", "--no-block-cache"};
    bool *flag_fields[] = {&o->list_bugs, &o->list_invariants, &o->help, &o->help, &o->progress,
                           &o->no_invariants, &o->print_scenario, &o->check_determinism,
                           &o->shrink, &o->no_block_cache};
    for (u32 i = 0; i < ARRAY_COUNT(flags); i++) {
        if (strcmp(arg, flags[i]) == 0) {
            *flag_fields[i] = true;
            return true;
        }
    }
    static const char *const valued[] = {"--seed", "--scenario", "--nodes", "--time",
                                         "--steps", "--bug", "--log", "--trace", "--trace-json",
                                         "--seeds", "--count", "--jobs", "--json",
                                         "--save-failures", "--set", "--merge-json", "--heal-at",
                                         "--liveness-bound"};
    for (u32 i = 0; i < ARRAY_COUNT(valued); i++) {
        u64 length = strlen(valued[i]);
        if (strncmp(arg, valued[i], length) != 0) continue;
        if (arg[length] != '\0' && arg[length] != '=') continue;
        const char *value = option_value(args, arg[length] == '=' ? arg + length + 1 : NULL, valued[i]);
        if (value == NULL) return false;
        return parse_valued(args, o, valued[i], value);
    }
    snprintf(args->error, args->capacity, "unknown option '%s' (see --help)", arg);
    return false;
}

bool options_parse(int argc, char *const argv[], struct options *options, char *error,
                   u32 error_capacity) {
    assert(argv != NULL);
    assert(options != NULL);
    assert(error != NULL);
    assert(argc >= 1);
    memset(options, 0, sizeof(*options));
    options->log_level = OPTIONS_LOG_DEFAULT;
    struct arguments args = {.argc = argc, .argv = argv, .index = 1, .error = error,
                             .capacity = error_capacity};
    for (; args.index < argc; args.index++) {
        if (!parse_one(&args, options)) return false;
    }
    return true;
}

void options_command(const struct options *o, u64 seed, char *command, u32 capacity) {
    assert(o != NULL);
    assert(command != NULL);
    assert(capacity > 0);
    u64 used = (u64)snprintf(command, capacity, "./build.sh sim --seed %" PRIu64, seed);
#define APPEND(...)                                                                        \
    do {                                                                                   \
        if (used < capacity) used += (u64)snprintf(command + used, capacity - used, __VA_ARGS__); \
    } while (0)
    if (o->scenario_path != NULL) APPEND(" --scenario %s", o->scenario_path);
    if (o->nodes_given) APPEND(" --nodes %u", o->nodes_count);
    if (o->time_given) APPEND(" --time %s", o->time_text);
    if (o->steps_given) APPEND(" --steps %" PRIu64, o->steps);
    for (u32 bug = BUG_NONE + 1; bug < BUG_COUNT; bug++) {
        if (o->bugs[bug]) APPEND(" --bug %s", bug_names[bug]);
    }
    if (o->bug_sim_nondeterministic) APPEND(" --bug " BUG_SIM_NONDETERMINISTIC_NAME);
    if (o->bug_sim_never_converges) APPEND(" --bug " BUG_SIM_NEVER_CONVERGES_NAME);
    if (o->heal_at_given) APPEND(" --heal-at %s", o->heal_at_text);
    if (o->liveness_bound_given) APPEND(" --liveness-bound %s", o->liveness_bound_text);
    if (o->log_given) APPEND(" --log %s", log_level_name(o->log_level));
    for (u32 i = 0; i < o->sets_count; i++) APPEND(" --set %s", o->sets[i]);
    // Without the simulator's own invariants a run gets further (only the workload's
    // verdicts stop it): the replay must be the same run.
    if (o->no_invariants) APPEND(" --no-invariants");
#undef APPEND
}

// The network's and the liveness phase's settings: the scenario's, the options' over them.
static bool net_config_build(const struct options *o, const struct scenario *scenario,
                             struct sim_config *config, char *error, u32 error_capacity) {
    config->net_latency_min_ns = scenario->net_latency_min_ns;
    config->net_latency_max_ns = scenario->net_latency_max_ns;
    config->net_cut_until_heal = scenario->net_cut_until_heal;
    config->net_probe_every_ns = scenario->net_probe_every_ns;
    config->bug_sim_never_converges = o->bug_sim_never_converges;
    config->liveness_heal_at_ns = o->heal_at_given ? o->heal_at_ns : scenario->liveness_heal_at_ns;
    bool bound_given = o->liveness_bound_given || scenario->liveness_bound_ns != 0;
    config->liveness_bound_ns = o->liveness_bound_given ? o->liveness_bound_ns : scenario->liveness_bound_ns;
    if (!bound_given) config->liveness_bound_ns = LIVENESS_BOUND_DEFAULT_NS;
    const char *why = NULL;
    if (config->net_latency_min_ns > config->net_latency_max_ns) why = "net.latency_min is above net.latency_max";
    else if (bound_given && config->liveness_heal_at_ns == 0) why = "liveness.bound without liveness.heal_at";
    else if (config->net_cut_until_heal && config->liveness_heal_at_ns == 0) {
        why = "net.cut_until_heal = on needs liveness.heal_at (the heal ends the cut)";
    }
    if (why != NULL) {
        snprintf(error, error_capacity, "%s", why);
        return false;
    }
    return true;
}

// A cluster's node gets " replica.node=I" appended to its boot arguments (network.c),
// and a scenario's liveness phase must end before its time limit (a --time or --steps
// of the command line may cut it short: a quick look, the shrinker).
static bool net_config_fits(const struct sim_config *config, char *error, u32 error_capacity) {
    bool with_id = strstr(config->bootargs, NET_CLUSTER_BOOTARG) != NULL;
    if (with_id && strlen(config->bootargs) + NET_NODE_BOOTARG_BYTES_MAX > BOOTARGS_LEN_MAX) {
        snprintf(error, error_capacity, "bootargs with loglevel= and replica.node= longer than %u bytes",
                 BOOTARGS_LEN_MAX - 1);
        return false;
    }
    u64 heal_at_ns = config->liveness_heal_at_ns;
    bool past_limit = heal_at_ns != 0 && config->time_limit_ns != 0 && config->limits_from_scenario &&
                      (heal_at_ns >= config->time_limit_ns ||
                       config->liveness_bound_ns > config->time_limit_ns - heal_at_ns);
    if (past_limit) {
        snprintf(error, error_capacity, "the liveness phase (heal at %" PRIu64 " ms, bound %" PRIu64
                 " ms) does not end before the time limit (%" PRIu64 " ms)", heal_at_ns / 1000000u,
                 config->liveness_bound_ns / 1000000u, config->time_limit_ns / 1000000u);
        return false;
    }
    return true;
}

bool sim_config_build(const struct options *o, const struct scenario *scenario, u64 seed,
                      struct sim_config *config, char *error, u32 error_capacity) {
    assert(o != NULL);
    assert(scenario != NULL);
    assert(config != NULL);
    assert(error != NULL);
    memset(config, 0, sizeof(*config));
    config->seed = seed;
    config->nodes_count = o->nodes_given ? o->nodes_count : scenario->nodes_count;
    config->time_limit_ns = scenario->time_ns;
    config->steps_limit = scenario->steps;
    if (o->time_given || o->steps_given) { // the command line's limits replace the file's
        config->time_limit_ns = o->time_given ? o->time_ns : 0;
        config->steps_limit = o->steps_given ? o->steps : 0;
    }
    config->limits_from_scenario = !o->time_given && !o->steps_given;
    config->life_limit_ns = scenario->life_ns;
    config->log_level = o->log_level;
    memcpy(config->bugs, o->bugs, sizeof(config->bugs));
    memcpy(config->faults, scenario->faults, sizeof(config->faults));
    config->disk_size_bytes = scenario->disk_size_bytes;
    config->disk_fault_scope = scenario->disk_fault_scope;
    config->progress = o->progress;
    config->no_invariants = o->no_invariants;
    config->no_block_cache = o->no_block_cache;
    config->bug_sim_nondeterministic = o->bug_sim_nondeterministic;
    if (!net_config_build(o, scenario, config, error, error_capacity)) return false;
    const char *separator = scenario->bootargs[0] != '\0' ? " " : "";
    int length = snprintf(config->bootargs, sizeof(config->bootargs), "%s%sloglevel=%s",
                          scenario->bootargs, separator, log_level_name(o->log_level));
    if (length < 0 || (u64)length >= sizeof(config->bootargs)) {
        snprintf(error, error_capacity, "bootargs with loglevel= longer than %u bytes",
                 BOOTARGS_LEN_MAX - 1);
        return false;
    }
    if (!net_config_fits(config, error, error_capacity)) return false;
    options_command(o, seed, config->command, sizeof(config->command));
    snprintf(config->scenario_name, sizeof(config->scenario_name), "%s",
             o->scenario_path != NULL ? o->scenario_path : "built-in default");
    assert(config->nodes_count >= 1);
    assert(config->nodes_count <= NODES_MAX);
    return true;
}
