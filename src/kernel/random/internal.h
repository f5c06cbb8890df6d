// The CSPRNG's private calls (HMAC-DRBG on one struct random, and reseeding); other
// rooms use random.h's random_bytes and the seed file's load and save.
#pragma once

#include "kernel/random/random.h"

// The DRBG alone, on known inputs (the unit tests hold it to NIST's vectors).
// instantiate: seed = entropy || nonce || personalization, as SP 800-90A 10.1.2.3.
void random_instantiate(struct random *r, const u8 *seed, u64 seed_bytes);
// SP 800-90A 10.1.2.4: seed = new entropy || additional input.
void random_reseed_with(struct random *r, const u8 *seed, u64 seed_bytes);
// At most RANDOM_REQUEST_BYTES_MAX bytes. Counts them; never reseeds by itself.
void random_generate(struct random *r, u8 *out, u64 count);
// Reseeds from the platform, with `extra` (may be NULL, then extra_bytes 0) mixed in.
void random_reseed(struct kernel *k, enum random_reseed_cause cause, const u8 *extra,
                   u64 extra_bytes);
