// The kernel's CSPRNG: BearSSL's HMAC-DRBG over SHA-256 (NIST SP 800-90A). Every
// random byte the kernel hands out or uses (getrandom, password salts, GrainDB's
// db_id) comes from here, never from the platform directly.
//
// Seeded at boot from the platform's entropy (hardware: virtio-rng, the Zkr seed CSR,
// timer jitter and the firmware's /chosen/rng-seed, gathered by hw/entropy_hw.c; the
// simulator: the node's seeded stream, so a run stays reproducible), then mixed with
// the seed file once the disk is mounted (random_file.c), and reseeded from the
// platform after RANDOM_RESEED_BYTES bytes, RANDOM_RESEED_REQUESTS requests or
// RANDOM_RESEED_INTERVAL_NS, whichever comes first. HMAC-DRBG replaces its key after
// every request, so a state captured later does not give earlier output away.
#pragma once

#include <bearssl_rand.h>

#include "kernel/lib/types.h"

// Instantiate: 256 bits of entropy and a 128-bit nonce (SP 800-90A, 10.1: HMAC-DRBG
// with SHA-256 at 256-bit strength), drawn from the platform in one piece.
#define RANDOM_SEED_BYTES 48u
#define RANDOM_RESEED_ENTROPY_BYTES 32u
#define RANDOM_RESEED_BYTES (1ull << 20)
#define RANDOM_RESEED_REQUESTS 4096u
#define RANDOM_RESEED_INTERVAL_NS (60ull * 1000000000ull) // as Linux's crng
// One request. SP 800-90A allows 2^16 bytes for HMAC-DRBG; the kernel's callers ask
// for at most a getrandom buffer or a seed file.
#define RANDOM_REQUEST_BYTES_MAX 4096u

// Why a reseed happened (trace event TRACE_RANDOM_RESEED, argument a).
enum random_reseed_cause {
    RANDOM_RESEED_CAUSE_BOOT = 0,     // the instantiation
    RANDOM_RESEED_CAUSE_BYTES = 1,    // RANDOM_RESEED_BYTES handed out
    RANDOM_RESEED_CAUSE_REQUESTS = 2, // RANDOM_RESEED_REQUESTS served
    RANDOM_RESEED_CAUSE_INTERVAL = 3, // RANDOM_RESEED_INTERVAL_NS passed
    RANDOM_RESEED_CAUSE_SEED_FILE = 4, // the seed file mixed in (with fresh platform bytes)
    RANDOM_RESEED_CAUSE_SHUTDOWN = 5, // before the seed file is written at shutdown
};

struct random {
    br_hmac_drbg_context drbg;
    bool instantiated;
    u64 bytes_since_reseed;
    u32 requests_since_reseed;
    u64 reseeded_at_ns; // the kernel's monotonic clock at the last (re)seed
    u64 reseeds;        // this boot, the instantiation not counted
    bool seed_file_mixed; // this boot
    bool seed_file_due;   // set by kernel_boot: the first kernel_step loads the seed file
};


struct kernel;

// At boot, before anything draws: RANDOM_SEED_BYTES from the platform.
void random_boot(struct kernel *k);
// What every consumer calls: reseeds first when the policy above says so.
void random_bytes(struct kernel *k, u8 *out, u64 count);

// ---- the seed file (random_file.c) ------------------------------------------------
#define RANDOM_SEED_FILE_PATH "/var/lib/random-seed"
#define RANDOM_SEED_FILE_DIRECTORY "/var/lib"
// Each new seed is written here first, then renamed over the seed file.
#define RANDOM_SEED_FILE_NEW_PATH "/var/lib/random-seed.new"
#define RANDOM_SEED_FILE_MODE 0600
#define RANDOM_SEED_FILE_BYTES 64u
// A longer file (root wrote it) is mixed in up to this many bytes; a shorter one
// (empty, or cut by damage) is no seed: it is replaced, never mixed in.
#define RANDOM_SEED_FILE_MIX_BYTES_MAX 512u

// What TRACE_RANDOM_SEED_FILE reports (argument a).
enum random_seed_file_op {
    RANDOM_SEED_FILE_MIXED = 1,   // read and mixed in: b = digest, c = bytes
    RANDOM_SEED_FILE_WRITTEN = 2, // rewritten: b = digest, c = 0 or -error
};

// Once the filesystem is mounted (the first kernel_step, before any process runs):
// mixes the seed file in (a warning when it is missing or unreadable, never a
// failure) and at once writes a fresh one, so that no seed is used twice, even when
// the machine then crashes.
void random_seed_file_load(struct kernel *k);
// At shutdown and reboot: a fresh seed for the next boot. A failure is logged and
// changes nothing else: the machine still stops, and the seed written at boot (never
// mixed in) serves the next one.
void random_seed_file_save(struct kernel *k);
