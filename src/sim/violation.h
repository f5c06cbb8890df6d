// The report of a violated invariant (or a kernel panic, platform_sim.c): the seed,
// the step, the node, the last trace events and console lines, and the command that
// reproduces the run; then the run exits with status 1.
#pragma once

#include <stdio.h>

#include "kernel/lib/types.h"

#define SIM_REPORT_EVENTS 32        // trace events shown in a violation report
#define SIM_REPORT_CONSOLE_LINES 12 // console lines shown in a violation report

struct platform;
struct sim;

// node: the node it happened on, or NULL.
_Noreturn void sim_violation(struct sim *sim, struct platform *node, u32 invariant,
                             const char *detail);
// The last trace events, as a violation report shows them (the liveness failure's too).
void sim_print_recent_events(const struct sim *sim, FILE *out);
