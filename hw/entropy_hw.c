// Entropy on hardware: platform_entropy gathers from every source this machine has
// and hands the kernel's DRBG (src/kernel/random/random.c) SHA-256 digests of it. It is not
// itself a generator: nothing here can be stepped forward to predict the next output,
// because every block is a digest of new readings. Sources, per block of 32 bytes:
//   - virtio-rng (QEMU's -device virtio-rng-device): 32 bytes from the host;
//   - the Zkr seed CSR, when the ISA names it and the firmware grants it: 32 samples
//     (512 raw bits: room for a source that is not full-entropy);
//   - timer jitter: HW_JITTER_SAMPLES_PER_BLOCK timings (rdcycle when S-mode may read
//     it, and rdtime) of a memory walk whose path depends on the previous timing;
//   - what the sources gave at boot: /chosen/rng-seed, when the boot loader (or QEMU,
//     which always does) put one there, and virtio-rng's first answer (a digest of
//     both, in every block).
// The boot log says which of them this machine has (hw_entropy_init).
#include <bearssl_hash.h>

#include "hw/csr.h"
#include "hw/hw.h"
#include "kernel/abi.h"
#include "kernel/lib/format.h"
#include "kernel/lib/mem.h"

#define HW_JITTER_SAMPLES_PER_BLOCK 128u
#define HW_JITTER_WALK_STEPS 16u
#define HW_ZKR_SAMPLES_PER_BLOCK 32u
#define HW_ENTROPY_DOMAIN 0x4742656e74726f70ull // "GBentrop": these digests and no others
#define LCG_MULTIPLIER 6364136223846793005ull   // Knuth's MMIX constant: scatters the walk

static u64 hw_counter(const struct hw_entropy *e) {
    if (!e->cycle_usable) return hw_rdtime();
    u64 cycles;
    __asm__ volatile("rdcycle %0" : "=r"(cycles));
    return cycles;
}

// Each sample times a short walk over the scratch area whose addresses depend on the
// time the previous sample took: caches, the pipeline, DRAM refresh, interrupts in
// the firmware and (under QEMU) the host all move the result.
static void hw_jitter_gather(struct hw_entropy *e, br_sha256_context *hash) {
    u64 samples[HW_JITTER_SAMPLES_PER_BLOCK];
    volatile u64 *scratch = e->jitter_scratch;
    u64 index = e->calls;
    for (u32 i = 0; i < HW_JITTER_SAMPLES_PER_BLOCK; i++) {
        u64 before = hw_counter(e);
        for (u32 step = 0; step < HW_JITTER_WALK_STEPS; step++) {
            index = (index * LCG_MULTIPLIER + before + step) & (HW_JITTER_SCRATCH_WORDS - 1);
            scratch[index] += before ^ step;
        }
        u64 after = hw_counter(e);
        samples[i] = (after - before) ^ (hw_rdtime() << 32);
        index ^= after;
    }
    br_sha256_update(hash, samples, sizeof samples);
    e->jitter_samples += HW_JITTER_SAMPLES_PER_BLOCK;
}

static void hw_virtio_rng_gather(struct platform *p, br_sha256_context *hash) {
    struct hw_entropy *e = &p->entropy;
    if (!e->virtio_rng_present || e->virtio_rng.broken) return;
    u8 bytes[HW_ENTROPY_BLOCK_BYTES];
    i64 got = virtio_rng_read(&e->virtio_rng, bytes, sizeof bytes);
    if (got > 0) br_sha256_update(hash, bytes, (size_t)got);
    mem_set(bytes, 0, sizeof bytes);
    if (got < 0 && !e->virtio_rng_failure_logged) {
        e->virtio_rng_failure_logged = true;
        hw_log(p, "entropy: virtio-rng failed (%s); the other sources go on", e->virtio_rng.problem);
    }
}

static void hw_zkr_gather(struct platform *p, br_sha256_context *hash) {
    struct hw_entropy *e = &p->entropy;
    if (e->zkr != HW_ZKR_USABLE) return;
    u16 samples[HW_ZKR_SAMPLES_PER_BLOCK];
    bool dead = false;
    u32 got = hw_zkr_samples(samples, HW_ZKR_SAMPLES_PER_BLOCK, &dead);
    br_sha256_update(hash, samples, got * sizeof samples[0]);
    mem_set(samples, 0, sizeof samples);
    e->zkr_samples += got;
    if (dead) {
        e->zkr = HW_ZKR_DEAD;
        hw_log(p, "entropy: the Zkr seed CSR reports DEAD; not used again");
    }
}

void platform_entropy(struct platform *p, u8 *bytes, u64 count) {
    assert(p != NULL);
    if (count != 0) assert(bytes != NULL); // an empty buffer may be NULL
    struct hw_entropy *e = &p->entropy;
    e->calls++;
    for (u64 done = 0; done < count; done += HW_ENTROPY_BLOCK_BYTES) {
        br_sha256_context hash;
        br_sha256_init(&hash);
        const u64 header[3] = {HW_ENTROPY_DOMAIN, e->calls, done};
        br_sha256_update(&hash, header, sizeof header);
        br_sha256_update(&hash, e->boot_digest, sizeof e->boot_digest);
        hw_virtio_rng_gather(p, &hash);
        hw_zkr_gather(p, &hash);
        hw_jitter_gather(e, &hash);
        u8 block[HW_ENTROPY_BLOCK_BYTES];
        br_sha256_out(&hash, block);
        u64 take = count - done < HW_ENTROPY_BLOCK_BYTES ? count - done : HW_ENTROPY_BLOCK_BYTES;
        mem_copy(bytes + done, block, take);
        mem_set(block, 0, sizeof block);
    }
}

// The first virtio-rng device among the device tree's virtio,mmio slots that starts
// and answers a first request (its bytes go into the boot digest).
static void hw_virtio_rng_find(struct platform *p, br_sha256_context *boot) {
    const struct fdt_machine *m = &p->machine;
    struct hw_entropy *e = &p->entropy;
    for (u32 i = 0; i < m->virtio_count && !e->virtio_rng_present; i++) {
        u32 version = 0, device_id = 0;
        if (!virtio_mmio_identify(m->virtio[i].base, &version, &device_id)) continue;
        if (device_id != VIRTIO_DEVICE_ID_ENTROPY) continue;
        const char *problem = NULL;
        u8 bytes[HW_ENTROPY_BLOCK_BYTES];
        i64 got = virtio_rng_start(&e->virtio_rng, m->virtio[i].base, p->timebase_hz, &problem);
        if (got == 0) got = virtio_rng_read(&e->virtio_rng, bytes, sizeof bytes);
        if (got == 0) problem = "it gave no bytes";
        if (got <= 0) {
            hw_log(p, "entropy: virtio-rng at 0x%llx not used: %s", (unsigned long long)m->virtio[i].base,
                   problem != NULL ? problem : e->virtio_rng.problem);
            continue;
        }
        br_sha256_update(boot, bytes, (size_t)got);
        mem_set(bytes, 0, sizeof bytes);
        e->virtio_rng_boot_bytes = (u32)got;
        e->virtio_rng_present = true;
    }
}

// /chosen/rng-seed, when the boot loader (or QEMU) put one there.
static void hw_chosen_seed_read(struct platform *p, br_sha256_context *boot) {
    u32 chosen = 0;
    struct fdt_property seed;
    if (fdt_find_path(&p->fdt, "/chosen", &chosen) == FDT_OK &&
        fdt_property(&p->fdt, chosen, "rng-seed", &seed) == FDT_OK) {
        br_sha256_update(boot, seed.value, seed.size_bytes);
        p->entropy.chosen_seed_bytes = seed.size_bytes;
    }
}

void hw_entropy_init(struct platform *p) {
    assert(p != NULL);
    assert(p->timebase_hz > 0);
    struct hw_entropy *e = &p->entropy;
    mem_set(e, 0, sizeof *e);
    br_sha256_context boot;
    br_sha256_init(&boot);
    hw_chosen_seed_read(p, &boot);
    hw_virtio_rng_find(p, &boot);
    br_sha256_out(&boot, e->boot_digest);
    e->zkr = hw_zkr_probe(p);
    u64 cycles = 0;
    e->cycle_usable = hw_csr_try_cycle(&cycles);
    char rng[64] = "none";
    if (e->virtio_rng_present) {
        (void)format(rng, sizeof rng, "at 0x%llx (answered %u bytes)",
                     (unsigned long long)e->virtio_rng.device.base, e->virtio_rng_boot_bytes);
    }
    hw_log(p, "entropy: virtio-rng %s; Zkr %s; jitter from %s; /chosen/rng-seed %u bytes", rng,
           hw_zkr_state_name(e->zkr), e->cycle_usable ? "rdcycle and rdtime" : "rdtime only (rdcycle traps)",
           e->chosen_seed_bytes);
    u32 trng = 0;
    if (fdt_find_compatible(&p->fdt, FDT_NODE_NONE, "starfive,jh7110-trng", &trng) == FDT_OK) {
        hw_log(p, "entropy: the JH7110 TRNG (starfive,jh7110-trng) is present but has no driver here");
    }
}
