// No RNG device here (QEMU virt has none unless asked; the JH7110's TRNG has no
// driver yet), so entropy is the firmware's /chosen/rng-seed when present, then
// rdtime jitter, mixed through splitmix64. Not cryptographic: good enough for
// what Phase 1 asks of it (user-visible random bytes that differ per boot).
#include "csr.h"
#include "hw.h"

static u64 hw_mix(u64 *state, u64 value) {
    *state += value + 0x9e3779b97f4a7c15ull;
    u64 z = *state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void hw_entropy_init(struct platform *p) {
    assert(p != NULL);
    p->entropy_state = p->boot_hart_id;
    u32 chosen = 0;
    struct fdt_property seed;
    if (fdt_find_path(&p->fdt, "/chosen", &chosen) == FDT_OK &&
        fdt_property(&p->fdt, chosen, "rng-seed", &seed) == FDT_OK) {
        for (u32 i = 0; i < seed.size_bytes; i++) (void)hw_mix(&p->entropy_state, seed.value[i]);
    }
    (void)hw_mix(&p->entropy_state, hw_rdtime());
}

void platform_entropy(struct platform *p, u8 *bytes, u64 count) {
    assert(p != NULL);
    assert(bytes != NULL || count == 0);
    u64 word = 0;
    for (u64 i = 0; i < count; i++) {
        if (i % 8 == 0) word = hw_mix(&p->entropy_state, hw_rdtime());
        bytes[i] = (u8)(word >> (8 * (i % 8)));
    }
}
