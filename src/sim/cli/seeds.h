// basin-sim --seeds A..B / --count N: many seeds, one child process per seed, at most
// --jobs at once; results collected in seed order (seeds.c). The record of one seed, its
// JSON line and the grouped failures are shared with --merge-json (merge.c).
#pragma once

#include <stdio.h>

#include "sim/cli/options.h"
#include "sim/cli/scenario.h"
#include "sim/invariants/invariants.h"

#define SEEDS_NO_INVARIANT INVARIANT_COUNT          // passed, or a child that died without a report
#define SEEDS_GROUP_MISSING (INVARIANT_COUNT + 1)   // merge.c: no JSON line came back for the seed
#define SEEDS_GROUP_LIVENESS (INVARIANT_COUNT + 2)  // a liveness failure (sim/liveness.h, exit 3)
#define SEEDS_GROUPS (INVARIANT_COUNT + 3)

// SEED_MISSING: only from merge.c, a seed of the range no JSON line reported.
enum seed_outcome { SEED_PENDING = 0, SEED_PASS, SEED_FAIL, SEED_ERROR, SEED_MISSING };

// Written by a child in one write() (smaller than PIPE_BUF, so never split).
struct seed_result {
    u64 seed;
    u32 outcome;
    u32 invariant;
    u64 steps;
    u64 time_ns;
    u64 faults_total;
    u64 trace_hash;
    u64 wall_ms; // the parent's measure, from fork to reaping
    i32 exit_status;
    u32 converged;      // the liveness phase saw the cluster converge (issue 14)
    u64 convergence_ns; // from the heal to convergence (when converged)
};

// The exit status of the whole run: 0 every seed passed, 1 any failed, 2 bad usage.
// first: the first seed (--seeds A, --seed S or a drawn seed for --count).
int seeds_run(const struct options *options, const struct scenario *scenario, u64 first);
// In a child run: stdout and stderr to /dev/null (the parent reports instead).
void seeds_child_output_discard(void);
// The name of a failure's group: an invariant's, LIVENESS_NAME, "missing" or "no_report".
const char *seeds_group_name(u32 group);
// `convergence: N runs, median X ms, worst Y ms` over the runs that converged (none: nothing).
void seeds_print_convergence(const struct seed_result *results, u64 total, FILE *out);
// "pass", "fail", "error" or "missing": the JSON "result".
const char *seeds_outcome_name(u32 outcome);
// One --json line: seed, result, invariant, steps, simulated_time_ns, faults_injected,
// trace_hash, exit_status, wall_ms.
void seeds_json_line(FILE *out, const struct seed_result *result);
// "failures by invariant:", then per group the count, first seed and reproduce command.
void seeds_print_failures(const struct options *options, const struct seed_result *results, u64 total,
                          FILE *out);
