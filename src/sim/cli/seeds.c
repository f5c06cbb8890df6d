// Many seeds: the parent forks one child per seed (at most --jobs at once). Each child
// runs exactly what `basin-sim --seed S` with the same options runs, with its output
// sent to /dev/null (the summary prints each failure's reproduce command instead), and
// sends one fixed-size record back through a pipe. The parent measures wall time (the
// only clock here; it never decides a result) and prints in seed order, so one job or
// many give the same output apart from wall times.
#include "sim/cli/seeds.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/cli/report.h"
#include "sim/invariants/invariants.h"
#include "sim/liveness.h"
#include "sim/sim.h"
#include "sim/trace.h"

#define SEEDS_PLAIN_LINES 10               // without a terminal: a line every tenth of the seeds
#define SEEDS_EXIT_PASS 0
#define SEEDS_EXIT_FAIL 1
#define SEEDS_EXIT_USAGE 2
#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull

struct worker {
    pid_t pid;
    int fd;
    u64 index;
    u64 start_ns;
};

struct fleet {
    const struct options *options;
    const struct scenario *scenario;
    u64 first;
    u64 total;
    struct seed_result *results;
    struct worker workers[JOBS_MAX];
    u32 jobs;
    u32 running;
    u64 next;    // index of the next seed to start
    u64 done;
    u64 failures;
    u64 printed; // results written to --json, in seed order
    FILE *json;
    bool tty;
    u64 start_ns;
};

static int child_report_fd = -1;

static u64 wall_now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (u64)now.tv_sec * NS_PER_S + (u64)now.tv_nsec;
}

static void child_send(const struct sim *sim, u32 outcome, u32 invariant) {
    assert(sim != NULL);
    assert(child_report_fd >= 0);
    struct seed_result result;
    memset(&result, 0, sizeof(result));
    result.seed = sim->config.seed;
    result.outcome = outcome;
    result.invariant = invariant;
    result.steps = sim->step;
    result.time_ns = sim->time_ns;
    for (u32 kind = 0; kind < FAULT_COUNT; kind++) result.faults_total += sim->faults_injected[kind];
    result.trace_hash = trace_hash(&sim->trace);
    result.converged = sim->liveness.converged ? 1 : 0;
    result.convergence_ns = sim->liveness.convergence_ns;
    // A short write leaves the parent a short read: it records the seed as an error.
    ssize_t written = write(child_report_fd, &result, sizeof(result));
    (void)written;
}

static void child_violation(const struct sim *sim, u32 invariant) {
    assert(invariant < INVARIANT_COUNT);
    child_send(sim, SEED_FAIL, invariant);
}

static void child_liveness(const struct sim *sim) { child_send(sim, SEED_FAIL, SEEDS_GROUP_LIVENESS); }

void seeds_child_output_discard(void) {
    int null_fd = open("/dev/null", O_WRONLY);
    if (null_fd < 0) return; // the run's output then goes where the parent's does
    dup2(null_fd, STDOUT_FILENO);
    dup2(null_fd, STDERR_FILENO);
    close(null_fd);
}

// What main.c's run() does for one seed, its output discarded.
static _Noreturn void child_run(const struct fleet *f, u64 seed, int fd) {
    assert(f != NULL);
    assert(fd >= 0);
    child_report_fd = fd;
    seeds_child_output_discard();
    char error[SCENARIO_ERROR_BYTES_MAX];
    struct sim_config config;
    if (!sim_config_build(f->options, f->scenario, seed, &config, error, sizeof(error))) _exit(2);
    config.violation_hook = child_violation;
    config.liveness_hook = child_liveness;
    struct sim *sim = sim_create(&config);
    if (sim == NULL) _exit(2);
    sim_print_settings(sim, stdout);
    enum sim_end end = sim_run(sim);
    sim_print_summary(sim, end, stdout);
    child_send(sim, SEED_PASS, SEEDS_NO_INVARIANT);
    sim_destroy(sim);
    exit(0);
}

static bool start_seed(struct fleet *f) {
    assert(f->running < f->jobs);
    assert(f->next < f->total);
    int fds[2];
    if (pipe(fds) != 0) return false;
    fflush(stdout);
    fflush(stderr);
    if (f->json != NULL) fflush(f->json); // a child's exit() must not write it again
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return false;
    }
    if (pid == 0) {
        close(fds[0]);
        child_run(f, f->first + f->next, fds[1]);
    }
    close(fds[1]);
    f->workers[f->running] = (struct worker){.pid = pid, .fd = fds[0], .index = f->next,
                                             .start_ns = wall_now_ns()};
    f->running++;
    f->next++;
    return true;
}

static void reap_one(struct fleet *f) {
    assert(f->running > 0);
    int status = 0;
    pid_t pid;
    do pid = waitpid(-1, &status, 0);
    while (pid < 0 && errno == EINTR);
    u32 slot = 0;
    while (slot < f->running && f->workers[slot].pid != pid) slot++;
    assert(slot < f->running); // the only children are the workers
    struct worker worker = f->workers[slot];
    f->workers[slot] = f->workers[f->running - 1];
    f->running--;
    struct seed_result result;
    memset(&result, 0, sizeof(result));
    if (read(worker.fd, &result, sizeof(result)) != (ssize_t)sizeof(result)) {
        memset(&result, 0, sizeof(result));
        result.outcome = SEED_ERROR;
        result.invariant = SEEDS_NO_INVARIANT;
    }
    close(worker.fd);
    result.seed = f->first + worker.index;
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.wall_ms = (wall_now_ns() - worker.start_ns) / NS_PER_MS;
    f->results[worker.index] = result;
    f->done++;
    if (result.outcome != SEED_PASS) f->failures++;
}

const char *seeds_outcome_name(u32 outcome) {
    if (outcome == SEED_MISSING) return "missing";
    return outcome == SEED_PASS ? "pass" : outcome == SEED_FAIL ? "fail" : "error";
}

void seeds_json_line(FILE *out, const struct seed_result *r) {
    assert(out != NULL);
    assert(r->outcome != SEED_PENDING);
    fprintf(out, "{\"seed\":%" PRIu64 ",\"result\":\"%s\",\"invariant\":", r->seed,
            seeds_outcome_name(r->outcome));
    if (r->invariant < INVARIANT_COUNT || r->invariant == SEEDS_GROUP_LIVENESS) {
        fprintf(out, "\"%s\"", seeds_group_name(r->invariant));
    } else {
        fprintf(out, "null");
    }
    fprintf(out, ",\"steps\":%" PRIu64 ",\"simulated_time_ns\":%" PRIu64
            ",\"faults_injected\":%" PRIu64 ",\"trace_hash\":\"%016" PRIx64 "\",\"exit_status\":%d"
            ",\"wall_ms\":%" PRIu64 "}\n",
            r->steps, r->time_ns, r->faults_total, r->trace_hash, r->exit_status, r->wall_ms);
}

static void json_flush(struct fleet *f) {
    assert(f != NULL);
    assert(f->printed <= f->total);
    for (; f->printed < f->total && f->results[f->printed].outcome != SEED_PENDING; f->printed++) {
        if (f->json != NULL) seeds_json_line(f->json, &f->results[f->printed]);
    }
}

// On a terminal one line rewritten with \r; otherwise a plain line every tenth.
static void progress(const struct fleet *f) {
    assert(f->done <= f->total);
    u64 every = f->total / SEEDS_PLAIN_LINES > 0 ? f->total / SEEDS_PLAIN_LINES : 1;
    if (!f->tty && f->done % every != 0 && f->done != f->total) return;
    u64 elapsed_ns = wall_now_ns() - f->start_ns + 1;
    u64 per_hundred_s = f->done * 100 * NS_PER_S / elapsed_ns; // seeds per second, times 100 (10 s seeds run
                                                               // at 0.1 to 0.3 a second per core)
    u64 eta_s = f->done == 0 ? 0 : (f->total - f->done) * elapsed_ns / f->done / NS_PER_S;
    fprintf(stderr, "%sseeds %" PRIu64 "/%" PRIu64 ", %" PRIu64 " failed, %" PRIu64 ".%02" PRIu64
            " seeds/s, ETA %" PRIu64 " s%s",
            f->tty ? "\r" : "", f->done, f->total, f->failures, per_hundred_s / 100, per_hundred_s % 100, eta_s,
            f->tty ? "   " : "\n");
    if (f->tty && f->done == f->total) fprintf(stderr, "\n");
    fflush(stderr);
}

const char *seeds_group_name(u32 group) {
    if (group == SEEDS_GROUP_MISSING) return "missing";
    if (group == SEEDS_GROUP_LIVENESS) return LIVENESS_NAME;
    return group < INVARIANT_COUNT ? invariant_name(group) : "no_report";
}

static u32 group_of(const struct seed_result *r) {
    return r->outcome == SEED_MISSING ? SEEDS_GROUP_MISSING : r->invariant;
}

// seeds/ format: a # line saying what failed, then the arguments of the command.
static bool save_failure(const struct fleet *f, const struct seed_result *r) {
    assert(f->options->save_failures_dir != NULL);
    assert(r->outcome != SEED_PASS);
    char path[SIM_COMMAND_BYTES_MAX];
    snprintf(path, sizeof(path), "%s/%" PRIu64 "-%s.args", f->options->save_failures_dir, r->seed,
             seeds_group_name(group_of(r)));
    char command[SIM_COMMAND_BYTES_MAX];
    options_command(f->options, r->seed, command, sizeof(command));
    FILE *out = fopen(path, "w");
    if (out == NULL) return false;
    fprintf(out, "# %s (%s, exit status %d) at seed %" PRIu64 ", found by basin-sim --seeds %" PRIu64
            "..%" PRIu64 "\n", seeds_group_name(group_of(r)), seeds_outcome_name(r->outcome), r->exit_status, r->seed,
            f->first, f->first + f->total - 1);
    const char *prefix = "./build.sh sim ";
    const char *arguments = strncmp(command, prefix, strlen(prefix)) == 0 ? command + strlen(prefix) : command;
    fprintf(out, "%s\n", arguments);
    return fclose(out) == 0;
}

void seeds_print_failures(const struct options *options, const struct seed_result *results, u64 total,
                          FILE *out) {
    assert(options != NULL);
    assert(results != NULL);
    u64 counts[SEEDS_GROUPS] = {0};
    u64 first_index[SEEDS_GROUPS] = {0};
    u64 failures = 0;
    for (u64 i = 0; i < total; i++) {
        if (results[i].outcome == SEED_PASS) continue;
        u32 group = group_of(&results[i]);
        if (counts[group] == 0) first_index[group] = i;
        counts[group]++;
        failures++;
    }
    if (failures > 0) fprintf(out, "failures by invariant:\n");
    for (u32 id = 0; id < SEEDS_GROUPS; id++) {
        if (counts[id] == 0) continue;
        const struct seed_result *r = &results[first_index[id]];
        char command[SIM_COMMAND_BYTES_MAX];
        options_command(options, r->seed, command, sizeof(command));
        const char *why = id == SEEDS_NO_INVARIANT ? " (the child exited without a report)"
                          : id == SEEDS_GROUP_MISSING ? " (no result came back for it)"
                          : id == SEEDS_GROUP_LIVENESS ? " (liveness failure: not converged within the bound)" : "";
        fprintf(out, "  %s: %" PRIu64 " seed%s, first seed %" PRIu64 "%s\n    reproduce: %s\n", seeds_group_name(id),
                counts[id], counts[id] == 1 ? "" : "s", r->seed, why, command);
    }
    fflush(out);
}

static int u64_compare(const void *a, const void *b) {
    u64 x = *(const u64 *)a;
    u64 y = *(const u64 *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

void seeds_print_convergence(const struct seed_result *results, u64 total, FILE *out) {
    assert(results != NULL);
    assert(out != NULL);
    u64 *times = calloc(total > 0 ? total : 1, sizeof(u64));
    if (times == NULL) return; // the line is a convenience: without memory, none
    u64 count = 0;
    for (u64 i = 0; i < total; i++) {
        if (results[i].converged != 0) times[count++] = results[i].convergence_ns;
    }
    if (count > 0) {
        qsort(times, count, sizeof(u64), u64_compare);
        u64 median = times[count / 2];
        u64 worst = times[count - 1];
        fprintf(out, "convergence: %" PRIu64 " runs, median %" PRIu64 ".%03" PRIu64 " ms, worst %" PRIu64
                ".%03" PRIu64 " ms\n", count, median / 1000000u, median / 1000u % 1000u, worst / 1000000u,
                worst / 1000u % 1000u);
    }
    free(times);
}

static void print_summary(const struct fleet *f) {
    assert(f->done == f->total);
    assert(f->printed == f->total);
    u64 wall_ms = (wall_now_ns() - f->start_ns) / NS_PER_MS;
    printf("seeds %" PRIu64 "..%" PRIu64 ": %" PRIu64 " passed, %" PRIu64 " failed (jobs %u, wall %" PRIu64
           ".%03" PRIu64 " s)\n", f->first, f->first + f->total - 1, f->total - f->failures, f->failures,
           f->jobs, wall_ms / 1000, wall_ms % 1000);
    seeds_print_convergence(f->results, f->total, stdout);
    seeds_print_failures(f->options, f->results, f->total, stdout);
}

static int usage(const char *message) {
    fprintf(stderr, "basin-sim: %s\nrun 'basin-sim --help' for usage\n", message);
    return SEEDS_EXIT_USAGE;
}

// Options that make no sense for many seeds, and the checks a child could only fail.
static const char *refused(const struct options *o, const struct scenario *scenario) {
    if (o->seeds_given && o->count_given) return "--seeds and --count exclude each other";
    if (o->seeds_given && o->seed_given) return "--seeds and --seed exclude each other (--seed is --count's first seed)";
    if (o->trace_path != NULL) return "--trace writes one run: use it with --seed, not --seeds or --count";
    if (o->trace_json_path != NULL) return "--trace-json writes one run: use it with --seed, not --seeds or --count";
    static char error[SCENARIO_ERROR_BYTES_MAX];
    static struct sim_config config; // large: kept off the stack
    if (!sim_config_build(o, scenario, 0, &config, error, sizeof(error))) return error;
    if (o->save_failures_dir != NULL && mkdir(o->save_failures_dir, 0777) != 0 && errno != EEXIST) {
        return "cannot create the --save-failures directory";
    }
    return NULL;
}

static u32 jobs_default(const struct options *o, u64 total) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    u64 jobs = o->jobs != 0 ? o->jobs : (cores >= 1 ? (u64)cores : 1);
    if (jobs > JOBS_MAX) jobs = JOBS_MAX;
    if (jobs > total) jobs = total;
    assert(jobs >= 1);
    return (u32)jobs;
}

// 1 when any seed failed otherwise than by liveness, else 3 when any did by liveness.
static int fleet_exit_status(const struct fleet *f) {
    bool liveness = false;
    for (u64 i = 0; i < f->total; i++) {
        if (f->results[i].outcome == SEED_PASS) continue;
        if (f->results[i].invariant != SEEDS_GROUP_LIVENESS) return SEEDS_EXIT_FAIL;
        liveness = true;
    }
    return liveness ? LIVENESS_EXIT_FAILURE : SEEDS_EXIT_PASS;
}

static int fleet_loop(struct fleet *f) {
    assert(f->total >= 1);
    assert(f->results != NULL);
    f->start_ns = wall_now_ns();
    while (f->done < f->total) {
        while (f->running < f->jobs && f->next < f->total) {
            if (!start_seed(f)) {
                if (f->running == 0) return usage("cannot start a child process (pipe or fork failed)");
                break; // try again once a child has ended
            }
        }
        reap_one(f);
        json_flush(f);
        progress(f);
    }
    print_summary(f);
    bool saved = true;
    for (u64 i = 0; i < f->total && f->options->save_failures_dir != NULL; i++) {
        if (f->results[i].outcome != SEED_PASS) saved = save_failure(f, &f->results[i]) && saved;
    }
    if (!saved) return usage("writing a file in the --save-failures directory failed");
    return fleet_exit_status(f);
}

int seeds_run(const struct options *options, const struct scenario *scenario, u64 first) {
    assert(options != NULL);
    assert(scenario != NULL);
    const char *why = refused(options, scenario);
    if (why != NULL) return usage(why);
    u64 total = options->seeds_given ? options->seeds_last - options->seeds_first + 1 : options->count;
    if (first > ~0ull - (total - 1)) return usage("--count N from --seed S goes past the largest seed");
    static struct fleet fleet; // large (the workers): kept off the stack
    struct fleet *f = &fleet;
    *f = (struct fleet){.options = options, .scenario = scenario, .first = first, .total = total,
                        .jobs = jobs_default(options, total), .tty = isatty(STDERR_FILENO) == 1};
    f->results = calloc(total, sizeof(struct seed_result));
    if (f->results == NULL) return usage("out of memory for the seeds' results");
    if (options->json_path != NULL) {
        f->json = fopen(options->json_path, "w");
        if (f->json == NULL) return usage("cannot open the --json file for writing");
    }
    printf("seeds %" PRIu64 "..%" PRIu64 " (%" PRIu64 " seeds), jobs %u; each seed's own report is "
           "discarded\n", first, first + total - 1, total, f->jobs);
    int status = fleet_loop(f);
    if (f->json != NULL && fclose(f->json) != 0) status = usage("writing the --json file failed");
    free(f->results);
    return status;
}
