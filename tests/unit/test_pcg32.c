// PCG32 against the reference demo (pcg-c-basic's pcg32-demo, round 1, seed 42,
// stream 54), plus the properties the simulator relies on.
#include <stdio.h>
#include <string.h>

#include "faults/pcg32.h"

static u32 failures;

static void check(bool ok, const char *name, const char *reason) {
    if (ok) {
        printf("ok %s\n", name);
    } else {
        printf("not ok %s - %s\n", name, reason);
        failures++;
    }
}

static void test_demo_round_one(void) {
    struct pcg32 rng;
    pcg32_seed(&rng, 42u, 54u);
    check(rng.inc == 109u && rng.state == 1753877967969059832ull, "pcg32_seed_state",
          "state/inc after seeding differ from the demo's dump");

    static const u32 expected[6] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                    0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
    bool same = true;
    for (u32 i = 0; i < 6; i++) same = same && pcg32_next(&rng) == expected[i];
    check(same, "pcg32_demo_32bit", "outputs differ from 0xa15c02b7 0x7b47f409 ...");

    static const char coins_expected[] =
        "HHTTTHTHHHTHTTTHHHHHTTTHHHTHTHTHTTHTTTHHHHHHTTTTHHTTTTTHTTTTTTTHT";
    char coins[sizeof(coins_expected)];
    for (u32 i = 0; i + 1 < sizeof(coins); i++) coins[i] = pcg32_bounded(&rng, 2) ? 'H' : 'T';
    coins[sizeof(coins) - 1] = '\0';
    check(strcmp(coins, coins_expected) == 0, "pcg32_demo_coins", coins);

    static const u32 rolls_expected[33] = {3, 4, 1, 1, 2, 2, 3, 2, 4, 3, 2, 4, 3, 3, 5, 2, 3,
                                           1, 3, 1, 5, 1, 4, 1, 5, 6, 4, 6, 6, 2, 6, 3, 3};
    same = true;
    for (u32 i = 0; i < 33; i++) same = same && pcg32_bounded(&rng, 6) + 1 == rolls_expected[i];
    check(same, "pcg32_demo_rolls", "bounded(6) rolls differ from the demo");
}

static void test_streams_differ(void) {
    struct pcg32 a;
    struct pcg32 b;
    pcg32_seed(&a, 7u, 1u);
    pcg32_seed(&b, 7u, 2u);
    u32 equal = 0;
    for (u32 i = 0; i < 64; i++) equal += pcg32_next(&a) == pcg32_next(&b);
    check(equal < 4, "pcg32_streams_independent", "two stream ids gave the same outputs");
}

static void test_bounded_and_range(void) {
    struct pcg32 rng;
    pcg32_seed(&rng, 1u, 3u);
    u32 histogram[7] = {0};
    bool in_range = true;
    for (u32 i = 0; i < 70000; i++) {
        u32 r = pcg32_bounded(&rng, 7);
        in_range = in_range && r < 7;
        if (r < 7) histogram[r]++;
    }
    bool balanced = true;
    for (u32 i = 0; i < 7; i++) balanced = balanced && histogram[i] > 9500 && histogram[i] < 10500;
    check(in_range && balanced, "pcg32_bounded_uniform", "bounded(7) out of range or skewed");

    bool range_ok = true;
    for (u32 i = 0; i < 10000; i++) {
        u64 r = pcg32_range(&rng, 5000000000ull, 5000000009ull);
        range_ok = range_ok && r >= 5000000000ull && r <= 5000000009ull;
        u64 big = pcg32_bounded64(&rng, 3ull << 40);
        range_ok = range_ok && big < (3ull << 40);
    }
    check(range_ok, "pcg32_range_64bit", "64-bit range draw out of bounds");
    check(pcg32_range(&rng, 9, 9) == 9, "pcg32_range_single", "range [9, 9] did not give 9");
}

static void test_chance_and_fill(void) {
    struct pcg32 rng;
    pcg32_seed(&rng, 2u, 4u);
    u32 hits = 0;
    for (u32 i = 0; i < 100000; i++) hits += pcg32_chance_per_million(&rng, 100000);
    check(hits > 9000 && hits < 11000, "pcg32_chance_per_million", "10% chance far from 10%");
    bool never = true;
    bool always = true;
    for (u32 i = 0; i < 1000; i++) {
        never = never && !pcg32_chance_per_million(&rng, 0);
        always = always && pcg32_chance_per_million(&rng, 1000000);
    }
    check(never && always, "pcg32_chance_edges", "rate 0 fired or rate 1e6 missed");

    struct pcg32 a;
    struct pcg32 b;
    pcg32_seed(&a, 42u, 54u);
    pcg32_seed(&b, 42u, 54u);
    u8 bytes[7];
    pcg32_fill(&a, bytes, sizeof(bytes));
    u32 first = pcg32_next(&b);
    u32 second = pcg32_next(&b);
    bool fill_ok = bytes[0] == (u8)first && bytes[3] == (u8)(first >> 24) &&
                   bytes[4] == (u8)second && bytes[6] == (u8)(second >> 16);
    check(fill_ok, "pcg32_fill_little_endian", "fill does not take bytes low first");
}

int main(void) {
    test_demo_round_one();
    test_streams_differ();
    test_bounded_and_range();
    test_chance_and_fill();
    return failures == 0 ? 0 : 1;
}
