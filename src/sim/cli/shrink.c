// --shrink (shrink.h). The search is greedy and only ever keeps a smaller failure of the
// same invariant: the seed's run is repeated with the step limit cut to its failing step
// (by determinism a violation at step K replays with --steps K), then with the swarm's
// draws written out as --set fault.KIND=on|off and fault.KIND.rate=N (kept only if the
// trace hash is unchanged: then each fault kind is a setting of its own), then with
// fewer nodes, each fault kind switched off, each rate halved, passes over the kinds
// repeated until one keeps nothing. Candidates run with the current failing step as their
// limit, so a kept candidate never takes more steps. Each run is a child process (a
// violation ends its process) that sends one fixed-size record back through a pipe.
#include "sim/cli/shrink.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/cli/overrides.h"
#include "sim/cli/seeds.h"
#include "sim/cli/report.h"
#include "sim/invariants/invariants.h"
#include "sim/sim.h"
#include "sim/trace.h"

#define SHRINK_SET_BYTES_MAX 64     // "fault.disk_misdirected_write.rate=1000000"
#define SHRINK_COMMAND_BYTES_MAX 4096 // every fault kind written out: longer than a run's command
#define SHRINK_NS_PER_S ((u64)1000000000u)

enum run_outcome { RUN_ERROR = 0, RUN_PASS, RUN_FAIL };

// Written by a child in one write() (smaller than PIPE_BUF, so never split).
struct run_result {
    u32 outcome;
    u32 invariant;
    u64 steps;
    u64 time_ns;
    u64 faults_total;
    u64 trace_hash;
    struct fault_setting faults[FAULT_COUNT]; // what the run used, the swarm resolved
    i32 exit_status;
};

// One configuration the search tries: each field is a command-line option.
struct shrink_state {
    u32 nodes_count;
    u64 steps;            // 0: the limits as given
    bool explicit_faults; // faults[] written out as --set
    struct fault_setting faults[FAULT_COUNT];
};

struct shrinker {
    const struct options *base;
    const struct scenario *scenario; // with the base's --set applied
    u64 seed;
    u32 invariant;
    u32 runs;
    u32 nodes_original;
    struct shrink_state best;
    struct run_result best_result;
    struct run_result original;
    bool full_form; // every kind as --set (the check that the written form is the same run)
    struct options candidate;
    char sets[OVERRIDES_MAX][SHRINK_SET_BYTES_MAX];
};

static int child_report_fd = -1;

static void child_send(const struct sim *sim, u32 outcome, u32 invariant) {
    assert(sim != NULL);
    assert(child_report_fd >= 0);
    struct run_result result;
    memset(&result, 0, sizeof(result));
    result.outcome = outcome;
    result.invariant = invariant;
    result.steps = sim->step;
    result.time_ns = sim->time_ns;
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) result.faults_total += sim->faults_injected[kind];
    result.trace_hash = trace_hash(&sim->trace);
    // What the swarm resolved: a liveness phase's heal switched every kind off since.
    memcpy(result.faults, sim->liveness.healed ? sim->liveness.faults_before_heal : sim->faults,
           sizeof(result.faults));
    ssize_t written = write(child_report_fd, &result, sizeof(result)); // short: the parent sees an error
    (void)written;
}

static void child_violation(const struct sim *sim, u32 invariant) {
    assert(invariant < INVARIANT_COUNT);
    child_send(sim, RUN_FAIL, invariant);
}

// What `basin-sim` runs for the candidate's command, its output discarded.
static _Noreturn void child_run(const struct shrinker *sh, int fd) {
    assert(sh != NULL);
    assert(fd >= 0);
    child_report_fd = fd;
    seeds_child_output_discard();
    char error[SCENARIO_ERROR_BYTES_MAX];
    struct scenario scenario = *sh->scenario;
    u32 own = sh->base->sets_count; // already applied to sh->scenario
    if (!overrides_apply(&scenario, sh->candidate.sets + own, sh->candidate.sets_count - own, error,
                         sizeof(error))) {
        _exit(SHRINK_EXIT_USAGE);
    }
    static struct sim_config config; // large: kept off the stack
    if (!sim_config_build(&sh->candidate, &scenario, sh->seed, &config, error, sizeof(error))) {
        _exit(SHRINK_EXIT_USAGE);
    }
    config.violation_hook = child_violation;
    struct sim *sim = sim_create(&config);
    if (sim == NULL) _exit(SHRINK_EXIT_USAGE);
    enum sim_end end = sim_run(sim);
    sim_print_summary(sim, end, stdout); // a workload verdict at the end may still fail it
    child_send(sim, RUN_PASS, INVARIANT_COUNT);
    sim_destroy(sim);
    exit(0);
}

// The --set a kind needs. In full form: on and its rate, or off. Otherwise only what
// differs from what the seed resolves the scenario to: every kind's swarm draw is made
// whatever the others' settings (swarm.c), so an unchanged kind needs no --set.
static void fault_sets(struct shrinker *sh, u32 kind, const struct fault_setting *setting) {
    const struct fault_setting *resolved = &sh->original.faults[kind];
    struct options *c = &sh->candidate;
    assert(c->sets_count + 2 <= OVERRIDES_MAX);
    bool same_mode = !sh->full_form && resolved->enabled == setting->enabled;
    bool same_rate = !setting->enabled ||
                     (!sh->full_form && resolved->rate_per_million == setting->rate_per_million);
    if (!same_mode) {
        snprintf(sh->sets[c->sets_count], SHRINK_SET_BYTES_MAX, "fault.%s=%s", fault_name(kind),
                 setting->enabled ? "on" : "off");
        c->sets[c->sets_count] = sh->sets[c->sets_count];
        c->sets_count++;
    }
    if (!same_rate) {
        snprintf(sh->sets[c->sets_count], SHRINK_SET_BYTES_MAX, "fault.%s.rate=%u", fault_name(kind),
                 setting->rate_per_million);
        c->sets[c->sets_count] = sh->sets[c->sets_count];
        c->sets_count++;
    }
}

// sh->candidate: the base options with the state's reductions as options.
static void candidate_build(struct shrinker *sh, const struct shrink_state *state) {
    assert(state->nodes_count >= 1);
    assert(state->nodes_count <= sh->nodes_original);
    sh->candidate = *sh->base;
    struct options *c = &sh->candidate;
    if (state->nodes_count != sh->nodes_original) {
        c->nodes_given = true;
        c->nodes_count = state->nodes_count;
    }
    if (state->steps != 0) { // replaces --time too: the run fails before either limit
        c->steps_given = true;
        c->steps = state->steps;
        c->time_given = false;
    }
    if (!state->explicit_faults) return;
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) fault_sets(sh, kind, &state->faults[kind]);
}

// Runs the state in a child; false when no child could be started.
static bool run_state(struct shrinker *sh, const struct shrink_state *state, struct run_result *result) {
    assert(sh != NULL);
    assert(result != NULL);
    candidate_build(sh, state);
    sh->runs++;
    memset(result, 0, sizeof(*result));
    int fds[2];
    if (pipe(fds) != 0) return false;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return false;
    }
    if (pid == 0) {
        close(fds[0]);
        child_run(sh, fds[1]);
    }
    close(fds[1]);
    ssize_t got = read(fds[0], result, sizeof(*result));
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) continue;
    if (got != (ssize_t)sizeof(*result)) {
        memset(result, 0, sizeof(*result));
        result->outcome = RUN_ERROR;
        result->invariant = INVARIANT_COUNT;
    }
    result->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
}

static bool fails_same(const struct shrinker *sh, const struct run_result *result) {
    assert(sh != NULL);
    assert(result != NULL);
    return result->outcome == RUN_FAIL && result->invariant == sh->invariant;
}

static void print_outcome(const struct run_result *r, FILE *out) {
    assert(r != NULL);
    assert(out != NULL);
    if (r->outcome == RUN_PASS) fprintf(out, "passes");
    else if (r->outcome == RUN_ERROR) fprintf(out, "ended without a report (exit status %d)", r->exit_status);
    else fprintf(out, "fails %s at step %" PRIu64 ", %" PRIu64 " faults injected", invariant_name(r->invariant),
                 r->steps, r->faults_total);
}

// Tries one reduction of the best state; keeps it when the same invariant still fails.
static bool try_state(struct shrinker *sh, const struct shrink_state *state, const char *what) {
    assert(sh != NULL);
    assert(what != NULL);
    if (sh->runs + 1 >= SHRINK_RUNS_MAX) return false; // the last run is the final check
    struct run_result result;
    if (!run_state(sh, state, &result)) {
        printf("shrink: run %u: %s: cannot start a child process\n", sh->runs, what);
        return false;
    }
    bool kept = fails_same(sh, &result);
    printf("shrink: run %u: %s: ", sh->runs, what);
    print_outcome(&result, stdout);
    printf("%s\n", kept ? " (kept)" : "");
    fflush(stdout);
    if (!kept) return false;
    sh->best = *state;
    if (state->steps != 0) sh->best.steps = result.steps; // it may fail earlier: the limit follows
    sh->best_result = result;
    return true;
}

// The swarm's draws as --set: kept only when the run is the same run (trace hash).
static bool make_explicit(struct shrinker *sh) {
    assert(sh != NULL);
    assert(!sh->best.explicit_faults);
    if (sh->base->sets_count + 2 * FAULT_COUNT > OVERRIDES_MAX) {
        printf("shrink: too many --set options to write the faults out: shrinking only the limits\n");
        return false;
    }
    struct shrink_state state = sh->best;
    state.explicit_faults = true;
    struct run_result before = sh->best_result;
    struct shrink_state state_before = sh->best;
    sh->full_form = true;
    bool failed = try_state(sh, &state, "every fault kind's setting written out as --set");
    sh->full_form = false;
    if (!failed) return false;
    if (sh->best_result.trace_hash == before.trace_hash && sh->best_result.steps == before.steps) {
        return true;
    }
    printf("shrink: the --set form of the swarm's draws is not the same run (trace hash %016" PRIx64
           ", not %016" PRIx64 "): shrinking only the limits\n", sh->best_result.trace_hash, before.trace_hash);
    sh->best = state_before;
    sh->best_result = before;
    return false;
}

static void shrink_nodes(struct shrinker *sh) {
    assert(sh != NULL);
    assert(sh->best.nodes_count >= 1);
    char what[SHRINK_SET_BYTES_MAX];
    for (u32 nodes = 1; nodes < sh->best.nodes_count; nodes++) {
        struct shrink_state state = sh->best;
        state.nodes_count = nodes;
        snprintf(what, sizeof(what), "--nodes %u", nodes);
        if (try_state(sh, &state, what)) return;
    }
}

// One pass over the kinds: each switched off, then each rate halved while it still
// fails. True when anything was kept.
static bool shrink_faults_pass(struct shrinker *sh) {
    assert(sh->best.explicit_faults);
    bool kept = false;
    char what[SHRINK_SET_BYTES_MAX * 2];
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) {
        if (!sh->best.faults[kind].enabled) continue;
        struct shrink_state state = sh->best;
        state.faults[kind] = (struct fault_setting){.enabled = false, .rate_per_million = 0};
        snprintf(what, sizeof(what), "fault.%s off", fault_name(kind));
        kept = try_state(sh, &state, what) || kept;
    }
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) {
        while (sh->best.faults[kind].enabled && sh->best.faults[kind].rate_per_million >= 2) {
            struct shrink_state state = sh->best;
            state.faults[kind].rate_per_million /= 2;
            snprintf(what, sizeof(what), "fault.%s.rate %u", fault_name(kind),
                     state.faults[kind].rate_per_million);
            if (!try_state(sh, &state, what)) break;
            kept = true;
        }
    }
    return kept;
}

static u32 kinds_on(const struct fault_setting faults[FAULT_COUNT]) {
    u32 count = 0;
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) count += faults[kind].enabled ? 1 : 0;
    return count;
}

static void print_change(const char *what, u64 before, u64 after) {
    assert(what != NULL);
    printf("  %-16s %" PRIu64 " -> %" PRIu64, what, before, after);
    if (before > after) printf(" (%" PRIu64 "%% fewer)", (before - after) * 100 / before);
    printf("\n");
}

static void print_result(const struct shrinker *sh, const char *command) {
    const struct run_result *o = &sh->original;
    const struct run_result *b = &sh->best_result;
    assert(sh->runs > 0);
    printf("shrunk in %u runs: invariant %s, smallest failure found:\n", sh->runs, invariant_name(sh->invariant));
    print_change("steps", o->steps, b->steps);
    print_change("faults injected", o->faults_total, b->faults_total);
    print_change("fault kinds on", kinds_on(o->faults), kinds_on(b->faults));
    print_change("nodes", sh->nodes_original, sh->best.nodes_count);
    printf("  %-16s %" PRIu64 ".%09" PRIu64 " s -> %" PRIu64 ".%09" PRIu64 " s\n", "simulated time",
           o->time_ns / SHRINK_NS_PER_S, o->time_ns % SHRINK_NS_PER_S, b->time_ns / SHRINK_NS_PER_S, b->time_ns % SHRINK_NS_PER_S);
    printf("trace hash: %016" PRIx64 " (up to the violation)\n", b->trace_hash);
    printf("reproduce: %s\n", command);
}

static int usage(const char *message) {
    fprintf(stderr, "basin-sim: %s\nrun 'basin-sim --help' for usage\n", message);
    return SHRINK_EXIT_USAGE;
}

static const char *refused(const struct options *o) {
    if (o->seeds_given || o->count_given) return "--shrink shrinks one seed: not with --seeds or --count";
    if (!o->seed_given) return "--shrink needs --seed N, a failing seed";
    if (o->trace_path != NULL || o->trace_json_path != NULL) {
        return "--shrink runs many candidates: not with --trace or --trace-json (run the printed command with them)";
    }
    if (o->check_determinism) return "--shrink and --check-determinism exclude each other";
    return NULL;
}

// The seed as given: it must fail. Returns 0 to go on, or the exit status.
static int run_original(struct shrinker *sh) {
    assert(sh->runs == 0);
    assert(sh->best.steps == 0);
    if (!run_state(sh, &sh->best, &sh->original)) return usage("cannot start a child process (pipe or fork failed)");
    const struct run_result *o = &sh->original;
    if (o->outcome == RUN_PASS) {
        printf("shrink: seed %" PRIu64 " passes (%" PRIu64 " steps): nothing to shrink\n", sh->seed, o->steps);
        return SHRINK_EXIT_PASSES;
    }
    if (o->outcome == RUN_ERROR) {
        printf("shrink: seed %" PRIu64 " ended without a report (exit status %d): nothing to shrink\n",
               sh->seed, o->exit_status);
        return SHRINK_EXIT_USAGE;
    }
    sh->invariant = o->invariant;
    sh->best_result = *o;
    memcpy(sh->best.faults, o->faults, sizeof(sh->best.faults));
    printf("shrink: seed %" PRIu64 " fails %s at step %" PRIu64 " (simulated %" PRIu64 ".%09" PRIu64
           " s, %" PRIu64 " faults injected, %u fault kinds on); at most %u runs\n", sh->seed,
           invariant_name(sh->invariant), o->steps, o->time_ns / SHRINK_NS_PER_S, o->time_ns % SHRINK_NS_PER_S,
           o->faults_total, kinds_on(o->faults), SHRINK_RUNS_MAX);
    return 0;
}

// Reruns the smallest failure as its command states it, then prints it.
static int verify_and_print(struct shrinker *sh) {
    assert(sh->runs < SHRINK_RUNS_MAX);
    assert(fails_same(sh, &sh->best_result));
    struct run_result check;
    if (!run_state(sh, &sh->best, &check)) return usage("cannot start a child process (pipe or fork failed)");
    static char command[SHRINK_COMMAND_BYTES_MAX];
    options_command(&sh->candidate, sh->seed, command, sizeof(command));
    if (!fails_same(sh, &check) || check.trace_hash != sh->best_result.trace_hash) {
        printf("shrink: the final check of '%s' ", command);
        print_outcome(&check, stdout);
        printf(", not the same failure (trace hash %016" PRIx64 "): the run is not deterministic\n",
               check.trace_hash);
        return SHRINK_EXIT_USAGE;
    }
    printf("shrink: run %u: final check: ", sh->runs);
    print_outcome(&check, stdout);
    printf(", trace hash %016" PRIx64 " as found\n", check.trace_hash);
    print_result(sh, command);
    return SHRINK_EXIT_SHRUNK;
}

int shrink_run(const struct options *options, const struct scenario *scenario, u64 seed) {
    assert(options != NULL);
    assert(scenario != NULL);
    const char *why = refused(options);
    if (why != NULL) return usage(why);
    static struct shrinker shrinker; // large (the candidate's options and --set texts)
    struct shrinker *sh = &shrinker;
    *sh = (struct shrinker){.base = options, .scenario = scenario, .seed = seed};
    sh->nodes_original = options->nodes_given ? options->nodes_count : scenario->nodes_count;
    sh->best.nodes_count = sh->nodes_original;
    int status = run_original(sh);
    if (status != 0) return status;
    struct shrink_state state = sh->best;
    state.steps = sh->original.steps;
    char what[SHRINK_SET_BYTES_MAX];
    snprintf(what, sizeof(what), "--steps %" PRIu64 " (the failing step)", state.steps);
    if (!try_state(sh, &state, what)) { // a verdict at the end of the run needs its limits
        printf("shrink: it does not fail within its failing step as the limit: keeping the limits as given\n");
    }
    bool faults = make_explicit(sh);
    shrink_nodes(sh);
    while (faults && shrink_faults_pass(sh)) continue;
    if (sh->runs + 1 >= SHRINK_RUNS_MAX) printf("shrink: stopped at the limit of %u runs\n", SHRINK_RUNS_MAX);
    return verify_and_print(sh);
}
