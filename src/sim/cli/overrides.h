// basin-sim --set KEY=VALUE: one scenario key overridden from the command line, so that
// every setting a run uses (a fault kind on or off, its rate, the limits, the nodes) can
// be written in a command that replays it exactly (the shrinker prints such commands).
#pragma once

#include "sim/cli/scenario.h"

#define OVERRIDES_MAX 64 // --set options of one command: every fault key fits twice

// Applies sets[0..count) in order over *scenario, each as the scenario line
// `KEY = VALUE` would (a later --set of the same key wins). `time` and `steps` replace
// the scenario's limits, and each other: --set time=1s --set steps=100 keeps both.
// False with a message naming the --set and the bad key or value.
bool overrides_apply(struct scenario *scenario, const char *const sets[], u32 count, char *error,
                     u32 error_capacity);
