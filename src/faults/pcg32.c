// PCG32 XSH RR from the published description (pcg-random.org, pcg-c-basic).
#include "faults/pcg32.h"

#define PCG32_MULTIPLIER 6364136223846793005ull
#define PER_MILLION 1000000u

void pcg32_seed(struct pcg32 *rng, u64 initstate, u64 initseq) {
    assert(rng != NULL);
    rng->state = 0;
    rng->inc = (initseq << 1) | 1u;
    (void)pcg32_next(rng);
    rng->state += initstate;
    (void)pcg32_next(rng);
    assert((rng->inc & 1u) == 1u);
}

u32 pcg32_next(struct pcg32 *rng) {
    assert((rng->inc & 1u) == 1u);
    u64 old = rng->state;
    // Unsigned arithmetic wraps by definition: no undefined behaviour here.
    rng->state = old * PCG32_MULTIPLIER + rng->inc;
    u32 xorshifted = (u32)(((old >> 18) ^ old) >> 27);
    u32 rot = (u32)(old >> 59);
    // (-rot) & 31 keeps the left shift below 32 even when rot is 0.
    return (xorshifted >> rot) | (xorshifted << ((0u - rot) & 31u));
}

u32 pcg32_bounded(struct pcg32 *rng, u32 bound) {
    assert(bound > 0);
    // Reject the low (2^32 mod bound) outputs so every residue is equally likely.
    u32 threshold = (0u - bound) % bound;
    for (;;) {
        u32 r = pcg32_next(rng);
        if (r >= threshold) return r % bound;
    }
}

u64 pcg32_bounded64(struct pcg32 *rng, u64 bound) {
    assert(bound > 0);
    if (bound <= 0xffffffffull) return pcg32_bounded(rng, (u32)bound);
    u64 threshold = (0ull - bound) % bound;
    for (;;) {
        u64 high = pcg32_next(rng);
        u64 low = pcg32_next(rng);
        u64 r = (high << 32) | low;
        if (r >= threshold) return r % bound;
    }
}

u64 pcg32_range(struct pcg32 *rng, u64 low, u64 high) {
    assert(low <= high);
    if (low == 0 && high == ~0ull) {
        u64 upper = pcg32_next(rng);
        return (upper << 32) | pcg32_next(rng);
    }
    u64 result = low + pcg32_bounded64(rng, high - low + 1);
    assert(result >= low);
    assert(result <= high);
    return result;
}

bool pcg32_chance_per_million(struct pcg32 *rng, u32 rate_per_million) {
    assert(rate_per_million <= PER_MILLION);
    if (rate_per_million == 0) return false;
    return pcg32_bounded(rng, PER_MILLION) < rate_per_million;
}

void pcg32_fill(struct pcg32 *rng, u8 *bytes, u64 count) {
    if (count != 0) assert(bytes != NULL); // an empty buffer may be NULL
    u64 i = 0;
    while (i < count) {
        u32 r = pcg32_next(rng);
        for (u32 shift = 0; shift < 32 && i < count; shift += 8) {
            bytes[i] = (u8)(r >> shift);
            i++;
        }
    }
}
