// PCG32 (XSH RR, 64-bit state), written from the published algorithm of
// O'Neill's pcg-c-basic. The simulator's only source of randomness: every purpose
// (each fault kind, the workload, latencies, the swarm choice) draws from its own
// stream, seeded from the run seed and a fixed stream id, so that adding a purpose
// never changes what the others draw.
#pragma once

#include "kernel/lib/types.h"

struct pcg32 {
    u64 state;
    u64 inc; // stream selector, always odd
};

// pcg32_srandom_r: state 0, inc = (initseq << 1) | 1, step, add initstate, step.
void pcg32_seed(struct pcg32 *rng, u64 initstate, u64 initseq);
// pcg32_random_r: one 32-bit output.
u32 pcg32_next(struct pcg32 *rng);
// Uniform in [0, bound) without modulo bias (the reference's threshold method).
u32 pcg32_bounded(struct pcg32 *rng, u32 bound);
// Uniform in [0, bound) for 64-bit bounds: two outputs per try, same method.
u64 pcg32_bounded64(struct pcg32 *rng, u64 bound);
// Uniform in [low, high], both inclusive.
u64 pcg32_range(struct pcg32 *rng, u64 low, u64 high);
// True with probability rate_per_million / 1,000,000.
bool pcg32_chance_per_million(struct pcg32 *rng, u32 rate_per_million);
// Fills bytes, four per output, least significant byte first.
void pcg32_fill(struct pcg32 *rng, u8 *bytes, u64 count);
