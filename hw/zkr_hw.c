// The Zkr entropy source: the `seed` CSR (RISC-V scalar cryptography, v1.0). Used
// only when the boot hart's device-tree ISA names zkr (or zk, which includes it) AND
// a read from S-mode does not trap: M-mode grants S-mode access with mseccfg.SSEED,
// which a firmware may leave clear (OpenSBI 1.1 does on QEMU; see the README). The
// first read runs under csr_probe.S's own trap vector, so probing can never crash.
// Each read is a csrrw (the specification forbids read-only access); bits 31:30 say
// the state: BIST (self-test), WAIT (no sample yet), ES16 (bits 15:0 hold 16 bits of
// entropy), DEAD.
#include "hw/hw.h"
#include "kernel/lib/mem.h"

#define SEED_OPST_SHIFT 30
#define SEED_OPST_MASK 3u
#define SEED_OPST_BIST 0u
#define SEED_OPST_WAIT 1u
#define SEED_OPST_ES16 2u
#define SEED_OPST_DEAD 3u
#define SEED_ENTROPY_MASK 0xffffu
// Reads of BIST or WAIT allowed before giving up on one sample (Linux allows 100;
// a self-test after reset may take longer, and this runs only while gathering).
#define ZKR_POLLS_PER_SAMPLE_MAX 10000u
#define ISA_EXTENSION_LEN_MAX 32u

static const char *const zkr_state_names[] = {
    [HW_ZKR_ABSENT] = "absent from the ISA string",
    [HW_ZKR_NOT_GRANTED] = "in the ISA string, but the seed CSR traps in S-mode (mseccfg.SSEED clear)",
    [HW_ZKR_DEAD] = "the seed CSR reports DEAD",
    [HW_ZKR_SILENT] = "the seed CSR never gave a sample",
    [HW_ZKR_USABLE] = "seed CSR usable",
};

const char *hw_zkr_state_name(enum hw_zkr_state state) {
    assert((u32)state < ARRAY_COUNT(zkr_state_names));
    return zkr_state_names[state];
}

// Whether riscv,isa ("rv64imac_zicsr_zkr") names `extension` among the multi-letter
// extensions, each of which follows a '_'.
static bool isa_string_has(const char *isa, const char *extension) {
    assert(isa != NULL);
    assert(extension != NULL);
    u64 length = str_len_bounded(extension, ISA_EXTENSION_LEN_MAX);
    for (const char *s = isa; *s != '\0'; s++) {
        if (*s != '_') continue;
        if (mem_equal(s + 1, extension, length) && (s[1 + length] == '_' || s[1 + length] == '\0')) {
            return true;
        }
    }
    return false;
}

static bool hart_has_zkr(const struct platform *p) {
    const struct fdt_machine *m = &p->machine;
    for (u32 i = 0; i < m->harts_count; i++) {
        if (m->harts[i].id != p->boot_hart_id) continue;
        u32 node = m->harts[i].node;
        // The newer binding lists extensions one by one; the older string is parsed.
        if (fdt_stringlist_contains(&p->fdt, node, "riscv,isa-extensions", "zkr") ||
            fdt_stringlist_contains(&p->fdt, node, "riscv,isa-extensions", "zk")) {
            return true;
        }
        const char *isa = NULL;
        if (fdt_property_string(&p->fdt, node, "riscv,isa", &isa) != FDT_OK) return false;
        return isa_string_has(isa, "zkr") || isa_string_has(isa, "zk");
    }
    return false;
}

// One ES16 sample; false when the source is DEAD or silent (or traps).
static bool zkr_sample(u16 *sample, bool *dead) {
    for (u32 poll = 0; poll < ZKR_POLLS_PER_SAMPLE_MAX; poll++) {
        u64 value = 0;
        if (!hw_csr_try_seed(&value)) return false;
        u32 opst = (u32)(value >> SEED_OPST_SHIFT) & SEED_OPST_MASK;
        if (opst == SEED_OPST_ES16) {
            *sample = (u16)(value & SEED_ENTROPY_MASK);
            return true;
        }
        if (opst == SEED_OPST_DEAD) {
            *dead = true;
            return false;
        }
    }
    return false;
}

enum hw_zkr_state hw_zkr_probe(struct platform *p) {
    assert(p != NULL);
    if (!hart_has_zkr(p)) return HW_ZKR_ABSENT;
    u64 value = 0;
    if (!hw_csr_try_seed(&value)) return HW_ZKR_NOT_GRANTED;
    u16 sample = 0;
    bool dead = false;
    if (zkr_sample(&sample, &dead)) return HW_ZKR_USABLE;
    return dead ? HW_ZKR_DEAD : HW_ZKR_SILENT;
}

u32 hw_zkr_samples(u16 *samples, u32 count, bool *dead) {
    assert(samples != NULL);
    assert(dead != NULL);
    u32 got = 0;
    while (got < count && zkr_sample(&samples[got], dead)) got++;
    return got;
}
