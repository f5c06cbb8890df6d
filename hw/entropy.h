// Entropy on hardware (entropy_hw.c, zkr_hw.c): the sources platform_entropy gathers
// from. Not a CSPRNG: it keeps no generator state, only what the sources are; the
// kernel's DRBG (src/kernel/random/random.c) is the one generator.
#pragma once

#include "kernel/lib/types.h"
#include "hw/virtio_rng.h"

#define HW_ENTROPY_BLOCK_BYTES 32u     // SHA-256 output: each block of output is one digest
#define HW_JITTER_SCRATCH_WORDS 512u   // 4 KiB walked by the jitter loop (a power of two)
#define HW_BOOT_DIGEST_BYTES 32u

enum hw_zkr_state {
    HW_ZKR_ABSENT = 0,   // the boot hart's ISA string does not name zkr (or zk)
    HW_ZKR_NOT_GRANTED,  // named, but reading seed traps: M-mode left mseccfg.SSEED clear
    HW_ZKR_DEAD,         // the source reported DEAD (an unrecoverable self-test failure)
    HW_ZKR_SILENT,       // it never left BIST/WAIT within the polls allowed
    HW_ZKR_USABLE,
};

struct hw_entropy {
    bool virtio_rng_present;  // a virtio-rng device started
    struct virtio_rng virtio_rng;
    bool virtio_rng_failure_logged;
    enum hw_zkr_state zkr;
    bool cycle_usable;        // rdcycle works in S-mode (else jitter uses rdtime alone)
    u32 chosen_seed_bytes;    // /chosen/rng-seed as the boot loader gave it
    u32 virtio_rng_boot_bytes; // what virtio-rng answered to the first request, at boot
    // SHA-256 of what the sources gave at boot (/chosen/rng-seed and virtio-rng's
    // first answer): mixed into every block, so the boot loader's seed counts always.
    u8 boot_digest[HW_BOOT_DIGEST_BYTES];
    u64 calls;                // platform_entropy calls: domain separation between blocks
    u64 zkr_samples;          // ES16 samples taken since boot
    u64 jitter_samples;
    u64 jitter_scratch[HW_JITTER_SCRATCH_WORDS];
};

struct platform;
// zkr_hw.c: whether the boot hart's device-tree ISA names Zkr, and whether the seed
// CSR then answers in S-mode (probed under a trap vector of its own: never fatal).
enum hw_zkr_state hw_zkr_probe(struct platform *p);
const char *hw_zkr_state_name(enum hw_zkr_state state);
// Up to `count` 16-bit samples into samples[]; how many it got (fewer when the source
// stays in WAIT, or none when it went DEAD; then *dead is set).
u32 hw_zkr_samples(u16 *samples, u32 count, bool *dead);

// csr_probe.S: false (and *value 0) when the read trapped.
bool hw_csr_try_seed(u64 *value);
bool hw_csr_try_cycle(u64 *value);
