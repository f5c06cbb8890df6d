// basin-sim --merge-json FILE --seeds A..B [run options]: JSON lines of seeds run
// elsewhere (./build.sh fleet: chunks of the range on many machines, in any order,
// concatenated) merged into the summary `basin-sim --seeds A..B` prints (merge.c).
#pragma once

#include "sim/cli/options.h"
#include "sim/cli/scenario.h"

// 0 every seed of the range passed, 1 any failed or has no line, 2 bad usage or a bad
// line (the message names the file, the line and what is wrong with it).
int merge_run(const struct options *options, const struct scenario *scenario);
