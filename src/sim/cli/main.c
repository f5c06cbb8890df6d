// basin-sim entry point: the only file with main(). Everything else is in the
// library files so unit tests can link them. The one use of host randomness is
// here: choosing a seed when none is given (it is printed first, so the run can be
// repeated); the run itself draws only from that seed.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "sim/cli/determinism.h"
#include "sim/cli/merge.h"
#include "sim/cli/options.h"
#include "sim/cli/report.h"
#include "sim/cli/scenario.h"
#include "sim/cli/seeds.h"
#include "sim/cli/shrink.h"
#include "sim/sim.h"
#include "sim/trace_json.h"

#define EXIT_PASS 0
#define EXIT_USAGE 2

static u64 random_seed(void) {
    u64 seed = 0;
    if (getrandom(&seed, sizeof(seed), 0) == (ssize_t)sizeof(seed)) return seed;
    return (u64)time(NULL); // no entropy source: any seed will do, it is printed
}

static int usage_error(const char *message) {
    fprintf(stderr, "basin-sim: %s\n", message);
    fprintf(stderr, "run 'basin-sim --help' for usage\n");
    return EXIT_USAGE;
}

static int run(const struct options *options) {
    char error[SCENARIO_ERROR_BYTES_MAX];
    struct scenario scenario;
    if (options->scenario_path == NULL) scenario_default_run(&scenario);
    else scenario_defaults(&scenario);
    if (options->scenario_path != NULL &&
        !scenario_load(&scenario, options->scenario_path, error, sizeof(error))) {
        return usage_error(error);
    }
    if (!overrides_apply(&scenario, options->sets, options->sets_count, error, sizeof(error))) {
        return usage_error(error);
    }
    if (options->print_scenario) {
        scenario_print(&scenario, stdout);
        return EXIT_PASS;
    }
    if (options->merge_json_path != NULL) return merge_run(options, &scenario);
    bool many = options->seeds_given || options->count_given;
    if (!many && (options->jobs != 0 || options->json_path != NULL || options->save_failures_dir != NULL)) {
        return usage_error("--jobs, --json and --save-failures need --seeds or --count");
    }
    if (options->shrink) return shrink_run(options, &scenario, options->seed);
    if (options->seeds_given) return seeds_run(options, &scenario, options->seeds_first);
    u64 seed = options->seed_given ? options->seed : random_seed();
    if (many) {
        if (!options->seed_given) printf("base seed: %" PRIu64 " (drawn; --seed %" PRIu64 " repeats it)\n", seed, seed);
        return seeds_run(options, &scenario, seed);
    }
    struct sim_config config;
    if (!sim_config_build(options, &scenario, seed, &config, error, sizeof(error))) {
        return usage_error(error);
    }
    FILE *trace_file = NULL;
    if (options->trace_path != NULL) {
        trace_file = fopen(options->trace_path, "w");
        if (trace_file == NULL) return usage_error("cannot open the --trace file for writing");
        config.trace_file = trace_file;
    }
    if (options->check_determinism && options->trace_json_path != NULL) {
        return usage_error("--trace-json writes one run: not with --check-determinism");
    }
    FILE *json_file = NULL;
    if (options->trace_json_path != NULL) {
        json_file = fopen(options->trace_json_path, "w");
        if (json_file == NULL) return usage_error("cannot open the --trace-json file for writing");
        config.trace_json = trace_json_create(json_file);
        if (config.trace_json == NULL) return usage_error("out of memory for --trace-json");
    }
    if (options->check_determinism) {
        int status = determinism_check(&config, stdout);
        if (trace_file != NULL) fclose(trace_file);
        return status;
    }
    struct sim *sim = sim_create(&config);
    if (sim == NULL) return usage_error("out of memory creating the nodes");
    sim_print_settings(sim, stdout);
    enum sim_end end = sim_run(sim);
    sim_print_summary(sim, end, stdout);
    bool trace_failed = sim->trace.file_failed;
    sim_destroy(sim);
    if (trace_file != NULL && (fclose(trace_file) != 0 || trace_failed)) {
        return usage_error("writing the --trace file failed");
    }
    if (json_file != NULL) {
        bool json_written = trace_json_finish(config.trace_json);
        if (fclose(json_file) != 0 || !json_written) return usage_error("writing the --trace-json file failed");
    }
    return EXIT_PASS;
}

int main(int argc, char **argv) {
    char error[OPTIONS_ERROR_BYTES_MAX];
    struct options options;
    if (!options_parse(argc, argv, &options, error, sizeof(error))) return usage_error(error);
    if (options.help) {
        options_print_usage(stdout);
        return EXIT_PASS;
    }
    if (options.list_bugs || options.list_invariants) {
        if (options.list_bugs) options_print_bugs(stdout);
        if (options.list_invariants) options_print_invariants(stdout);
        return EXIT_PASS;
    }
    return run(&options);
}
