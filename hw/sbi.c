// SBI calls: ecall to the M-mode firmware with the extension id in a7 and the
// function id in a6; the firmware answers in a0 (error) and a1 (value).
#include "sbi.h"

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
