// The end-to-end workload of test_rv64.c: one C function compiled twice, for the host
// (included by the test) and for RISC-V (rv64_e2e_blob.h, built from this file by
// the command written there). Both must return the same value for the same inputs.
// Nothing in it is undefined (no signed overflow, no division by zero, no plain char,
// whose signedness differs between the targets); the implementation-defined parts
// (narrowing conversions, right shift of negative values) are the same under gcc and
// clang on both. No library calls beyond what rv64_e2e_start.h provides.
#pragma once

#include <stdint.h>

#define E2E_VALUES_COUNT 96u
#define E2E_BYTES_COUNT 256u

struct e2e_state {
    uint64_t rng;
    int64_t values[E2E_VALUES_COUNT];
    uint8_t bytes[E2E_BYTES_COUNT];
    int16_t halves[E2E_VALUES_COUNT];
    int8_t smalls[E2E_VALUES_COUNT];
    uint64_t shared;  // target of the atomics
    uint32_t shared32;
};

static uint64_t e2e_next(struct e2e_state *s) {
    // xorshift64*: shifts, xors and one multiply.
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return s->rng * 0x2545f4914f6cdd1dull;
}

static uint32_t e2e_crc32(const uint8_t *bytes, uint32_t count) {
    uint32_t crc = 0xffffffffu;
    for (uint32_t i = 0; i < count; i++) {
        crc ^= bytes[i];
        for (uint32_t bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void e2e_sort(int64_t *values, int32_t low, int32_t high) {
    while (low < high) { // quicksort with recursion on the smaller half
        int64_t pivot = values[low + (high - low) / 2];
        int32_t i = low;
        int32_t j = high;
        while (i <= j) {
            while (values[i] < pivot) i++;
            while (values[j] > pivot) j--;
            if (i <= j) {
                int64_t t = values[i];
                values[i] = values[j];
                values[j] = t;
                i++;
                j--;
            }
        }
        if (j - low < high - i) {
            e2e_sort(values, low, j);
            low = i;
        } else {
            e2e_sort(values, i, high);
            high = j;
        }
    }
}

static uint64_t e2e_arith(struct e2e_state *s) {
    uint64_t acc = 0;
    for (uint32_t i = 0; i + 1 < E2E_VALUES_COUNT; i++) {
        int64_t a = s->values[i];
        int64_t b = s->values[i + 1] >> (i % 50); // smaller divisors too
        uint64_t ua = (uint64_t)a;
        uint64_t ub = (uint64_t)b;
        if (b != 0 && !(a == INT64_MIN && b == -1)) acc += (uint64_t)(a / b) ^ (uint64_t)(a % b);
        if (ub != 0) acc += (ua / ub) * 3u + (ua % ub);
        int32_t a32 = (int32_t)(uint32_t)ua;
        int32_t b32 = (int32_t)(uint32_t)(ub >> 7);
        if (b32 != 0 && !(a32 == INT32_MIN && b32 == -1)) acc += (uint32_t)(a32 / b32) + (uint32_t)(a32 % b32);
        if ((uint32_t)b32 != 0) acc += (uint32_t)a32 / (uint32_t)b32 + (uint32_t)a32 % (uint32_t)b32;
        acc += (uint64_t)(int64_t)(int32_t)((uint32_t)a32 * (uint32_t)b32 + ((uint32_t)a32 << (i % 32)));
        __extension__ unsigned __int128 wide = (unsigned __int128)ua * ub;
        __extension__ __int128 swide = (__int128)a * (__int128)b;
        acc ^= (uint64_t)(wide >> 64) + (uint64_t)((unsigned __int128)swide >> 64);
        acc += (uint64_t)(a < b) + (uint64_t)(ua < ub) * 2u + (uint64_t)(a >> 17);
        acc = (acc << 7) | (acc >> 57);
    }
    return acc;
}

static uint64_t e2e_narrow(struct e2e_state *s) {
    uint64_t acc = 0;
    for (uint32_t i = 0; i < E2E_VALUES_COUNT; i++) {
        s->halves[i] = (int16_t)(uint16_t)e2e_next(s);
        s->smalls[i] = (int8_t)(uint8_t)(e2e_next(s) >> 8);
    }
    for (uint32_t i = 0; i < E2E_VALUES_COUNT; i++) {
        acc = acc * 31u + (uint64_t)(int64_t)s->halves[i] + (uint64_t)(int64_t)s->smalls[i];
        acc += (uint16_t)s->halves[i];
    }
    return acc;
}

static uint64_t e2e_atomics(struct e2e_state *s) {
    uint64_t acc = 0;
    for (uint32_t i = 0; i < 16; i++) {
        uint64_t v = e2e_next(s);
        acc += __atomic_fetch_add(&s->shared, v, __ATOMIC_SEQ_CST);
        acc ^= __atomic_fetch_xor(&s->shared, v >> 3, __ATOMIC_ACQ_REL);
        acc += __atomic_fetch_or(&s->shared32, (uint32_t)v, __ATOMIC_RELAXED);
        acc += __atomic_fetch_and(&s->shared32, (uint32_t)(v >> 32), __ATOMIC_RELAXED);
        acc += __atomic_exchange_n(&s->shared32, (uint32_t)v * 3u, __ATOMIC_SEQ_CST);
        uint64_t expected = s->shared;
        if (!__atomic_compare_exchange_n(&s->shared, &expected, expected + 1, 0,
                                         __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            acc += 1000;
        }
        expected = 12345; // fails: compares, writes nothing
        if (__atomic_compare_exchange_n(&s->shared, &expected, 7, 0, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST)) {
            acc += 2000;
        }
        acc += expected + __atomic_add_fetch(&s->shared32, (uint32_t)v, __ATOMIC_SEQ_CST);
    }
    return acc + s->shared + s->shared32;
}

typedef uint64_t (*e2e_step_fn)(uint64_t);
static uint64_t e2e_step_a(uint64_t x) { return x * 3u + 1u; }
static uint64_t e2e_step_b(uint64_t x) { return x >> 1; }
static uint64_t e2e_step_c(uint64_t x) { return x ^ (x << 13); }

static uint64_t e2e_dispatch(uint64_t x, uint32_t rounds) {
    e2e_step_fn steps[3] = {e2e_step_a, e2e_step_b, e2e_step_c};
    uint64_t acc = 0;
    for (uint32_t i = 0; i < rounds; i++) {
        switch ((x >> 5) % 7u) { // dense enough for a jump table
        case 0: acc += 11; break;
        case 1: acc ^= x; break;
        case 2: acc -= 5; break;
        case 3: acc = acc * 7u; break;
        case 4: acc += x >> 3; break;
        case 5: acc |= 1u; break;
        default: acc -= x; break;
        }
        x = steps[x % 3u](x) + i;
    }
    return acc + x;
}

// The whole workload: `rounds` passes of generate, checksum, sort and compute.
static uint64_t e2e_workload(uint64_t seed, uint32_t rounds) {
    struct e2e_state s;
    s.rng = seed | 1u;
    s.shared = seed;
    s.shared32 = 0;
    uint64_t result = 0;
    for (uint32_t round = 0; round < rounds; round++) {
        for (uint32_t i = 0; i < E2E_VALUES_COUNT; i++) s.values[i] = (int64_t)e2e_next(&s);
        for (uint32_t i = 0; i < E2E_BYTES_COUNT; i++) s.bytes[i] = (uint8_t)(e2e_next(&s) >> 56);
        s.values[3] = INT64_MIN;
        s.values[4] = -1;
        s.values[9] = 0;
        result += e2e_crc32(s.bytes, E2E_BYTES_COUNT);
        result = result * 1000003u + e2e_arith(&s);
        e2e_sort(s.values, 0, (int32_t)E2E_VALUES_COUNT - 1);
        for (uint32_t i = 0; i < E2E_VALUES_COUNT; i++) result = result * 31u + (uint64_t)s.values[i];
        result ^= e2e_narrow(&s);
        result += e2e_atomics(&s);
        result += e2e_dispatch(result, 64);
    }
    return result;
}
