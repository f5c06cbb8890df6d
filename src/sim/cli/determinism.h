// --check-determinism: the same configuration run three times (twice as given, once
// without the simulator's invariant checks), each run in a forked child that streams
// its trace events through a pipe; the parent compares the streams event by event.
#pragma once

#include <stdio.h>

#include "sim/sim.h"

#define DETERMINISM_RUNS 3
#define DETERMINISM_CONTEXT_EVENTS 5 // events shown before the first divergent one
#define EXIT_NONDETERMINISTIC 3

// Prints the first run's settings and summary as a run would, then a verdict line.
// Returns 0 when the runs agree, EXIT_NONDETERMINISTIC when they part, 2 when a run
// could not be started.
int determinism_check(const struct sim_config *config, FILE *out);
