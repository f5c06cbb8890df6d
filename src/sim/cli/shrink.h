// basin-sim --seed N --shrink: from a failing seed, a smaller failure of the same
// invariant (shrink.c). Every reduction is a command-line option (--steps, --nodes,
// --set fault.KIND=on|off, --set fault.KIND.rate=N), so the printed command replays it.
#pragma once

#include "sim/cli/options.h"
#include "sim/cli/scenario.h"

#define SHRINK_RUNS_MAX 200 // runs of one shrink, the first run and the final check included
#define SHRINK_EXIT_SHRUNK 1 // the seed fails, like a failing run; the smaller failure printed
#define SHRINK_EXIT_USAGE 2
#define SHRINK_EXIT_PASSES 4 // the seed passes: nothing to shrink

// scenario: with the options' --set already applied (main.c).
int shrink_run(const struct options *options, const struct scenario *scenario, u64 seed);
