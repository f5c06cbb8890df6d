// SBI calls: ecall to the M-mode firmware with the extension id in a7 and the
// function id in a6; the firmware answers in a0 (error) and a1 (value).
#include "hw/sbi.h"

// Indexed by enum sbi_extension. The names are pointers in a table: the image's
// relocation (hw/entry.S) must have run before anything reads them.
static const u64 sbi_extension_ids[SBI_X_COUNT] = {
    [SBI_X_TIME] = SBI_EXT_TIME, [SBI_X_IPI] = SBI_EXT_IPI, [SBI_X_RFENCE] = SBI_EXT_RFENCE,
    [SBI_X_HSM] = SBI_EXT_HSM,   [SBI_X_SRST] = SBI_EXT_SRST, [SBI_X_PMU] = SBI_EXT_PMU,
    [SBI_X_DBCN] = SBI_EXT_DBCN, [SBI_X_SUSP] = SBI_EXT_SUSP,
};
static const char *const sbi_extension_names[SBI_X_COUNT] = {
    [SBI_X_TIME] = "TIME", [SBI_X_IPI] = "IPI",   [SBI_X_RFENCE] = "RFENCE",
    [SBI_X_HSM] = "HSM",   [SBI_X_SRST] = "SRST", [SBI_X_PMU] = "PMU",
    [SBI_X_DBCN] = "DBCN", [SBI_X_SUSP] = "SUSP",
};
// Implementation ids from the SBI specification's table (chapter 4).
static const char *const sbi_implementation_names[] = {
    "BBL", "OpenSBI", "Xvisor", "KVM", "RustSBI", "Diosix", "Coffer",
};

// The SBI specification's standard error codes (chapter 3), negated.
static const char *const sbi_error_names[] = {
    "success",       "failed",          "not supported", "invalid parameter",
    "denied",        "invalid address", "already available", "already started",
    "already stopped", "no shared memory",
};

struct sbi_result sbi_call(u64 extension, u64 function, u64 arg0, u64 arg1, u64 arg2) {
    register u64 a0 __asm__("a0") = arg0;
    register u64 a1 __asm__("a1") = arg1;
    register u64 a2 __asm__("a2") = arg2;
    register u64 a6 __asm__("a6") = function;
    register u64 a7 __asm__("a7") = extension;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a6), "r"(a7) : "memory");
    return (struct sbi_result){.error = (i64)a0, .value = a1};
}

i64 sbi_legacy_call(u64 extension, u64 arg0) {
    assert(extension < SBI_EXT_BASE);
    register u64 a0 __asm__("a0") = arg0;
    register u64 a7 __asm__("a7") = extension;
    // Legacy calls may clobber a1 (OpenSBI passes them through its v0.2 path).
    register u64 a1 __asm__("a1") = 0;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a7) : "memory");
    return (i64)a0;
}

bool sbi_probe(u64 extension) {
    struct sbi_result result =
        sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, extension, 0, 0);
    // The base extension answers 0 for an absent extension, usually 1 otherwise.
    return result.error == SBI_SUCCESS && result.value != 0;
}

u32 sbi_probe_all(void) {
    STATIC_ASSERT(SBI_X_COUNT <= 32);
    u32 present = 0;
    for (u32 i = 0; i < SBI_X_COUNT; i++) {
        if (sbi_probe(sbi_extension_ids[i])) present |= 1u << i;
    }
    return present;
}

const char *sbi_extension_name(u32 index) {
    assert(index < SBI_X_COUNT);
    assert(sbi_extension_names[index] != NULL);
    return sbi_extension_names[index];
}

const char *sbi_implementation_name(u64 impl_id) {
    if (impl_id >= ARRAY_COUNT(sbi_implementation_names)) return NULL;
    return sbi_implementation_names[impl_id];
}

const char *sbi_error_name(i64 error) {
    STATIC_ASSERT(ARRAY_COUNT(sbi_error_names) == 10);
    if (error > 0 || -error >= (i64)ARRAY_COUNT(sbi_error_names)) return "unknown error";
    assert(sbi_error_names[-error] != NULL);
    return sbi_error_names[-error];
}
