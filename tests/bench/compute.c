// The compute-bound kernel of ./build.sh bench: integer work with no system calls but
// the final exit, so that instructions per second measure an interpreter alone. Built
// freestanding (-nostdlib -static, its own _start, exit through ecall a7 = 93) and run
// both by our interpreter (tests/bench/rv64_bench.c) and by QEMU's user-mode emulator
// (qemu-riscv64); the same ELF, so the same instructions. The exit status is a digest
// of the results, compared between the two.
#include <stdint.h>

#define SIEVE_BYTES 8192u
#define MATRIX_SIDE 24u
#define CRC_BYTES 4096u
#define ROUNDS 600u

static uint8_t sieve[SIEVE_BYTES];
static uint32_t matrix_a[MATRIX_SIDE * MATRIX_SIDE];
static uint32_t matrix_b[MATRIX_SIDE * MATRIX_SIDE];
static uint32_t matrix_c[MATRIX_SIDE * MATRIX_SIDE];
static uint8_t bytes[CRC_BYTES];

static uint64_t next(uint64_t *state) { // xorshift64*
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545f4914f6cdd1dull;
}

static uint32_t primes(void) {
    uint32_t count = 0;
    for (uint32_t i = 0; i < SIEVE_BYTES; i++) sieve[i] = 1;
    for (uint32_t i = 2; i < SIEVE_BYTES; i++) {
        if (!sieve[i]) continue;
        count++;
        for (uint32_t j = i * 2; j < SIEVE_BYTES; j += i) sieve[j] = 0;
    }
    return count;
}

static uint32_t multiply(uint64_t *state) {
    for (uint32_t i = 0; i < MATRIX_SIDE * MATRIX_SIDE; i++) {
        matrix_a[i] = (uint32_t)next(state);
        matrix_b[i] = (uint32_t)next(state);
    }
    for (uint32_t r = 0; r < MATRIX_SIDE; r++) {
        for (uint32_t c = 0; c < MATRIX_SIDE; c++) {
            uint32_t sum = 0;
            for (uint32_t k = 0; k < MATRIX_SIDE; k++) {
                sum += matrix_a[r * MATRIX_SIDE + k] * matrix_b[k * MATRIX_SIDE + c];
            }
            matrix_c[r * MATRIX_SIDE + c] = sum;
        }
    }
    uint32_t digest = 0;
    for (uint32_t i = 0; i < MATRIX_SIDE * MATRIX_SIDE; i++) digest ^= matrix_c[i] + i;
    return digest;
}

static uint32_t crc32(uint64_t *state) {
    for (uint32_t i = 0; i < CRC_BYTES; i++) bytes[i] = (uint8_t)next(state);
    uint32_t crc = 0xffffffffu;
    for (uint32_t i = 0; i < CRC_BYTES; i++) {
        crc ^= bytes[i];
        for (uint32_t bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

__attribute__((noreturn)) static void exit_with(uint64_t status) {
    register uint64_t a0 __asm__("a0") = status;
    register uint64_t a7 __asm__("a7") = 93; // exit
    for (;;) __asm__ volatile("ecall" : : "r"(a0), "r"(a7) : "memory");
}

__attribute__((noreturn)) void compute_main(void) {
    uint64_t state = 0x9e3779b97f4a7c15ull;
    uint32_t digest = 0;
    for (uint32_t round = 0; round < ROUNDS; round++) {
        digest = digest * 31u + primes();
        digest = digest * 31u + multiply(&state);
        digest = digest * 31u + crc32(&state);
    }
    exit_with(digest & 0x7fu);
}

// The entry: a stack of our own (QEMU gives one too, our harness maps one), then C.
__asm__(".pushsection .text\n"
        ".globl _start\n"
        "_start:\n"
        "  la sp, compute_stack_top\n"
        "  call compute_main\n"
        ".popsection\n"
        ".pushsection .bss\n"
        ".balign 16\n"
        "compute_stack: .space 16384\n"
        "compute_stack_top:\n"
        ".popsection\n");
