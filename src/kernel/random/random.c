// The kernel's CSPRNG (see random.h): BearSSL's HMAC-DRBG with SHA-256, its state in
// struct kernel, seeded and reseeded from the platform's entropy.
#include "kernel/random/random.h"

#include "kernel/proc/clock.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/trace_events.h"
#include "kernel/random/internal.h"
#include "kernel/observe.h"

// Personalization string (SP 800-90A 8.7.1): sets this DRBG apart from any other
// instantiated from the same platform bytes.
static const char random_personalization[] = "Grain Basin kernel random v1";
#define RANDOM_PERSONALIZATION_BYTES (sizeof random_personalization - 1)
#define RANDOM_EXTRA_BYTES_MAX RANDOM_SEED_FILE_MIX_BYTES_MAX

void random_instantiate(struct random *r, const u8 *seed, u64 seed_bytes) {
    assert(r != NULL);
    assert(seed != NULL);
    assert(seed_bytes >= RANDOM_SEED_BYTES);
    mem_set(r, 0, sizeof *r);
    br_hmac_drbg_init(&r->drbg, &br_sha256_vtable, seed, (size_t)seed_bytes);
    r->instantiated = true;
}

void random_reseed_with(struct random *r, const u8 *seed, u64 seed_bytes) {
    assert(r != NULL);
    assert(r->instantiated);
    assert(seed != NULL);
    assert(seed_bytes > 0);
    br_hmac_drbg_update(&r->drbg, seed, (size_t)seed_bytes);
    r->bytes_since_reseed = 0;
    r->requests_since_reseed = 0;
    r->reseeds++;
}

void random_generate(struct random *r, u8 *out, u64 count) {
    assert(r != NULL);
    assert(r->instantiated);
    if (count != 0) assert(out != NULL);
    assert(count <= RANDOM_REQUEST_BYTES_MAX);
    if (count == 0) return;
    br_hmac_drbg_generate(&r->drbg, out, (size_t)count);
    r->bytes_since_reseed += count;
    r->requests_since_reseed++;
}

void random_boot(struct kernel *k) {
    assert(k != NULL);
    assert(k->platform != NULL);
    assert(!k->random.instantiated);
    u8 seed[RANDOM_SEED_BYTES + RANDOM_PERSONALIZATION_BYTES];
    platform_entropy(k->platform, seed, RANDOM_SEED_BYTES);
    mem_copy(seed + RANDOM_SEED_BYTES, random_personalization, RANDOM_PERSONALIZATION_BYTES);
    random_instantiate(&k->random, seed, sizeof seed);
    mem_set(seed, 0, sizeof seed);
    k->random.reseeded_at_ns = kernel_monotonic_ns(k);
    observe_trace(k->platform, TRACE_RANDOM_RESEED, RANDOM_RESEED_CAUSE_BOOT, 0, 0);
}

void random_reseed(struct kernel *k, enum random_reseed_cause cause, const u8 *extra,
                   u64 extra_bytes) {
    assert(k != NULL);
    assert(k->random.instantiated);
    if (extra_bytes != 0) assert(extra != NULL);
    assert(extra_bytes <= RANDOM_EXTRA_BYTES_MAX);
    u8 seed[RANDOM_RESEED_ENTROPY_BYTES + RANDOM_EXTRA_BYTES_MAX];
    platform_entropy(k->platform, seed, RANDOM_RESEED_ENTROPY_BYTES);
    if (extra_bytes > 0) mem_copy(seed + RANDOM_RESEED_ENTROPY_BYTES, extra, extra_bytes);
    u64 bytes_before = k->random.bytes_since_reseed;
    u32 requests_before = k->random.requests_since_reseed;
    random_reseed_with(&k->random, seed, RANDOM_RESEED_ENTROPY_BYTES + extra_bytes);
    mem_set(seed, 0, RANDOM_RESEED_ENTROPY_BYTES + extra_bytes);
    k->random.reseeded_at_ns = kernel_monotonic_ns(k);
    observe_trace(k->platform, TRACE_RANDOM_RESEED, cause, bytes_before, requests_before);
}

// The policy: whichever bound is reached first. The interval uses the kernel's
// monotonic clock, so a realtime jump neither forces nor delays a reseed.
static bool random_reseed_due(struct kernel *k, u64 count, enum random_reseed_cause *cause) {
    const struct random *r = &k->random;
    if (r->bytes_since_reseed + count > RANDOM_RESEED_BYTES) {
        *cause = RANDOM_RESEED_CAUSE_BYTES;
    } else if (r->requests_since_reseed >= RANDOM_RESEED_REQUESTS) {
        *cause = RANDOM_RESEED_CAUSE_REQUESTS;
    } else if (kernel_monotonic_ns(k) - r->reseeded_at_ns >= RANDOM_RESEED_INTERVAL_NS) {
        *cause = RANDOM_RESEED_CAUSE_INTERVAL;
    } else {
        return false;
    }
    return true;
}

void random_bytes(struct kernel *k, u8 *out, u64 count) {
    assert(k != NULL);
    assert(k->random.instantiated);
    if (count != 0) assert(out != NULL);
    enum random_reseed_cause cause = RANDOM_RESEED_CAUSE_BOOT;
    if (random_reseed_due(k, count, &cause)) random_reseed(k, cause, NULL, 0);
    random_generate(&k->random, out, count);
    assert(k->random.bytes_since_reseed <= RANDOM_RESEED_BYTES);
}
