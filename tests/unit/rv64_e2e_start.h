// RISC-V side of the end-to-end workload (never compiled for the host): entry point
// and the two libc functions gcc may call on its own. Built, with rv64_e2e_program.h,
// into the bytes of rv64_e2e_blob.h by the commands written there.
#if defined(__riscv)

#include <stddef.h>
#include <stdint.h>

// Entered with a0 = seed, a1 = rounds and sp set by the test; leaves with the
// result in a0 and an ecall (a7 = 93, Linux's exit, for whoever reads it).
__asm__(".pushsection .text.start, \"ax\"\n"
        ".globl _start\n"
        "_start:\n"
        "    call e2e_entry\n"
        "    li a7, 93\n"
        "    ecall\n"
        "    j _start\n"
        ".popsection\n");

void *memset(void *destination, int value, size_t count);
void *memcpy(void *destination, const void *source, size_t count);
uint64_t e2e_entry(uint64_t seed, uint64_t rounds);

void *memset(void *destination, int value, size_t count) {
    volatile uint8_t *d = destination; // volatile: keep gcc from calling memset here
    for (size_t i = 0; i < count; i++) d[i] = (uint8_t)value;
    return destination;
}

void *memcpy(void *destination, const void *source, size_t count) {
    volatile uint8_t *d = destination;
    const uint8_t *s = source;
    for (size_t i = 0; i < count; i++) d[i] = s[i];
    return destination;
}

uint64_t e2e_entry(uint64_t seed, uint64_t rounds) { return e2e_workload(seed, (uint32_t)rounds); }

#endif
