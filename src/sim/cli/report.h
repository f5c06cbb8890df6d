// What a run prints: its settings first, its summary last (report.c).
#pragma once

#include <stdio.h>

#include "sim/sim.h"

void sim_print_settings(const struct sim *sim, FILE *out);
void sim_print_summary(const struct sim *sim, enum sim_end end, FILE *out);
