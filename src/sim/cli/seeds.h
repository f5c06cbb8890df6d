// basin-sim --seeds A..B / --count N: many seeds, one child process per seed, at most
// --jobs at once; results collected in seed order (seeds.c).
#pragma once

#include "sim/cli/options.h"
#include "sim/cli/scenario.h"

// The exit status of the whole run: 0 every seed passed, 1 any failed, 2 bad usage.
// first: the first seed (--seeds A, --seed S or a drawn seed for --count).
int seeds_run(const struct options *options, const struct scenario *scenario, u64 first);
