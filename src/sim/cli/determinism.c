// --check-determinism (determinism.h). Each run is a forked child, so a run that ends
// in exit() (a violated invariant, a panic) ends only itself, and no state of one run
// (statics included) can leak into the next. Runs 1 and 2 must agree on every event
// and on their exit status. Invariant checks emit no trace event of their own except
// sim_violation, which ends the run: run 3 (without them) must agree with run 1 on
// every event up to run 1's violation, after which it may go on.
#include "sim/cli/determinism.h"

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/cli/report.h"
#include "sim/trace.h"

struct run {
    pid_t pid;
    FILE *events; // the read end of the child's pipe; NULL once no longer read
    bool waited;
    int status; // exit status, or 128 + signal
};

struct event_read {
    bool got; // false: the run's stream ended
    struct trace_event event;
    u8 bytes[TRACE_EVENT_HASH_BYTES];
};

_Noreturn static void child_run(struct sim_config config, int fd, u32 index) {
    config.event_stream = fdopen(fd, "w");
    if (config.event_stream == NULL) _exit(2);
    if (index > 0) { // only the first run speaks; the others are its copies
        if (freopen("/dev/null", "w", stdout) == NULL) _exit(2);
        config.trace_file = NULL;
        config.progress = false;
    }
    if (index == DETERMINISM_RUNS - 1) config.no_invariants = true;
    struct sim *sim = sim_create(&config);
    if (sim == NULL) _exit(2);
    sim_print_settings(sim, stdout);
    enum sim_end end = sim_run(sim);
    sim_print_summary(sim, end, stdout);
    bool failed = sim->trace.stream_failed;
    sim_destroy(sim);
    if (fclose(config.event_stream) != 0 || failed) _exit(2);
    exit(0); // flushes stdout and the --trace file
}

static bool run_start(const struct sim_config *config, u32 index, struct run *run) {
    int fds[2];
    if (pipe(fds) != 0) return false;
    fflush(NULL); // nothing buffered may be written twice, by parent and child
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
        close(fds[0]);
        child_run(*config, fds[1], index);
    }
    close(fds[1]);
    run->pid = pid;
    run->waited = false;
    run->events = fdopen(fds[0], "r");
    return run->events != NULL;
}

static void run_read(struct run *run, struct event_read *read) {
    read->got = run->events != NULL && fread(read->bytes, sizeof(read->bytes), 1, run->events) == 1;
    if (read->got) trace_decode(read->bytes, &read->event);
}

// kill_it: the run is no longer needed (it parted, or went on past run 1's end).
static void run_finish(struct run *run, bool kill_it) {
    if (run->waited) return;
    if (kill_it) kill(run->pid, SIGKILL);
    if (run->events != NULL) fclose(run->events);
    run->events = NULL;
    int status = 0;
    pid_t waited = waitpid(run->pid, &status, 0);
    assert(waited == run->pid);
    run->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    run->waited = true;
}

static void print_event(FILE *out, const char *prefix, u64 index, const struct event_read *read,
                        struct run *run) {
    if (!read->got) {
        run_finish(run, false);
        fprintf(out, "%s#%" PRIu64 " none: the run ended (exit status %d)\n", prefix, index, run->status);
        return;
    }
    char line[TRACE_LINE_BYTES_MAX];
    trace_format(&read->event, line, sizeof(line));
    fprintf(out, "%s#%" PRIu64 " %s\n", prefix, index, line);
}

struct comparison {
    struct run runs[DETERMINISM_RUNS];
    struct trace_event context[DETERMINISM_CONTEXT_EVENTS]; // run 1's last equal events
    u64 index; // events compared so far
    u32 other; // the run that parted from run 1 (0: none)
    bool third_went_on; // run 3 went on past run 1's violation or end
    struct event_read reads[DETERMINISM_RUNS];
};

static void print_divergence(struct comparison *c, FILE *out) {
    u32 other = c->other;
    fprintf(out, "nondeterministic: run %u%s differs from run 1 at event #%" PRIu64 "\n", other + 1,
            other == DETERMINISM_RUNS - 1 ? " (without invariant checks)" : "", c->index);
    u64 shown = c->index < DETERMINISM_CONTEXT_EVENTS ? c->index : DETERMINISM_CONTEXT_EVENTS;
    fprintf(out, "events before it (the same in both runs):\n");
    for (u64 i = c->index - shown; i < c->index; i++) {
        char line[TRACE_LINE_BYTES_MAX];
        trace_format(&c->context[i % DETERMINISM_CONTEXT_EVENTS], line, sizeof(line));
        fprintf(out, "  #%" PRIu64 " %s\n", i, line);
    }
    fprintf(out, "first divergent event:\n");
    print_event(out, "  run 1: ", c->index, &c->reads[0], &c->runs[0]);
    char prefix[16];
    snprintf(prefix, sizeof(prefix), "  run %u: ", other + 1);
    print_event(out, prefix, c->index, &c->reads[other], &c->runs[other]);
}

static bool same_read(const struct event_read *x, const struct event_read *y) {
    if (x->got != y->got) return false;
    return !x->got || memcmp(x->bytes, y->bytes, sizeof(x->bytes)) == 0;
}

// Whether run 3 may part from run 1 here: at run 1's violation, or after run 1 ended
// with one (a violation without a node leaves no event).
static bool third_may_go_on(struct comparison *c) {
    const struct event_read *first = &c->reads[0];
    if (first->got) return first->event.kind == TRACE_SIM_VIOLATION;
    run_finish(&c->runs[0], false);
    return c->runs[0].status == 1;
}

// One event of every run still read; false when the comparison is over.
static bool compare_next(struct comparison *c, struct trace *hash) {
    for (u32 r = 0; r < DETERMINISM_RUNS; r++) run_read(&c->runs[r], &c->reads[r]);
    if (!same_read(&c->reads[0], &c->reads[1])) {
        c->other = 1;
        return false;
    }
    u32 third = DETERMINISM_RUNS - 1;
    if (!c->third_went_on && !same_read(&c->reads[0], &c->reads[third])) {
        if (!third_may_go_on(c)) {
            c->other = third;
            return false;
        }
        c->third_went_on = true;
        run_finish(&c->runs[third], true);
    }
    if (!c->reads[0].got) return false;
    trace_record(hash, &c->reads[0].event);
    c->context[c->index % DETERMINISM_CONTEXT_EVENTS] = c->reads[0].event;
    c->index++;
    return true;
}

static int verdict(struct comparison *c, struct trace *hash, FILE *out) {
    if (c->other == 0) {
        for (u32 r = 0; r < DETERMINISM_RUNS; r++) run_finish(&c->runs[r], false);
        if (c->runs[0].status != c->runs[1].status) {
            fprintf(out, "nondeterministic: the same %" PRIu64 " events, but run 1 exited %d and run 2 %d\n",
                    c->index, c->runs[0].status, c->runs[1].status);
            return EXIT_NONDETERMINISTIC;
        }
        fprintf(out, "deterministic: %u runs, %" PRIu64 " events each, trace hash %016" PRIx64
                     " (runs exited %d; run 3 without invariant checks%s)\n",
                DETERMINISM_RUNS, c->index, trace_hash(hash), c->runs[0].status,
                c->third_went_on ? " agreed up to run 1's violation, then went on" : " agreed on every event");
        return 0;
    }
    print_divergence(c, out);
    for (u32 r = 0; r < DETERMINISM_RUNS; r++) run_finish(&c->runs[r], true);
    return EXIT_NONDETERMINISTIC;
}

int determinism_check(const struct sim_config *config, FILE *out) {
    assert(config != NULL);
    assert(out != NULL);
    struct comparison *c = calloc(1, sizeof(*c));
    struct trace hash;
    if (c == NULL || !trace_init(&hash, NULL)) {
        free(c);
        fprintf(stderr, "basin-sim: out of memory for --check-determinism\n");
        return 2;
    }
    u32 started = 0;
    while (started < DETERMINISM_RUNS && run_start(config, started, &c->runs[started])) started++;
    int status = 2;
    if (started == DETERMINISM_RUNS) {
        while (compare_next(c, &hash)) {}
        status = verdict(c, &hash, out);
    } else {
        fprintf(stderr, "basin-sim: could not start run %u of --check-determinism\n", started + 1);
        for (u32 r = 0; r < started; r++) run_finish(&c->runs[r], true);
    }
    trace_deinit(&hash);
    free(c);
    return status;
}
