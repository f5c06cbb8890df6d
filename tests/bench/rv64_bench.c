// rv64_bench: runs a freestanding static RV64 ELF (tests/bench/compute.c) in the
// simulator's interpreter alone, as the kernel would (slices of TIME_SLICE_NS worth of
// instructions), until it exits with ecall a7 = 93; prints the instructions retired,
// the wall and CPU time of that loop and the exit status. For ./build.sh bench only (wall time is measured
// here, never in the simulator).
//   rv64_bench ELF [--no-block-cache]
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/kernel.h" // TIME_SLICE_NS
#include "sim/machine/rv64.h"
#include "sim/machine/rv64_decode.h"

#define RAM_BASE_PA 0x80000000ull
#define RAM_SIZE_BYTES (16ull << 20)
#define PAGE_BYTES 4096ull
#define ELF_BYTES_MAX (1ull << 20)
#define PT_LOAD 1u
#define EXIT_SYSCALL 93u
#define A0 10u
#define A7 17u
#define PTE_LEAF 0xdfull // V R W X U A D: the bench maps everything alike
#define PTE_POINTER 0x1ull

struct loader {
    u8 *ram;
    u64 root_pa;
    u64 next_pa; // bump allocator of zeroed frames
};

static u64 frame_new(struct loader *l) {
    assert(l->next_pa + PAGE_BYTES <= RAM_BASE_PA + RAM_SIZE_BYTES);
    u64 pa = l->next_pa;
    l->next_pa += PAGE_BYTES;
    return pa;
}

static u64 *pte_at(struct loader *l, u64 pa) { return (u64 *)(void *)(l->ram + (pa - RAM_BASE_PA)); }

// The frame behind va, mapped (with its tables) on first use.
static u64 frame_of(struct loader *l, u64 va) {
    u64 table = l->root_pa;
    for (u32 level = 2; level > 0; level--) {
        u64 *slot = pte_at(l, table + ((va >> (12 + 9 * level)) & 511) * 8);
        if (*slot == 0) *slot = ((frame_new(l) >> 12) << 10) | PTE_POINTER;
        table = (*slot >> 10) << 12;
    }
    u64 *leaf = pte_at(l, table + ((va >> 12) & 511) * 8);
    if (*leaf == 0) *leaf = ((frame_new(l) >> 12) << 10) | PTE_LEAF;
    return (*leaf >> 10) << 12;
}

static bool load_elf(struct loader *l, const u8 *elf, u64 size, u64 *entry) {
    if (size < 64 || memcmp(elf, "\177ELF\2\1", 6) != 0) return false;
    u64 phoff = 0;
    u16 phentsize = 0;
    u16 phnum = 0;
    memcpy(entry, elf + 24, 8);
    memcpy(&phoff, elf + 32, 8);
    memcpy(&phentsize, elf + 54, 2);
    memcpy(&phnum, elf + 56, 2);
    for (u16 i = 0; i < phnum; i++) {
        const u8 *ph = elf + phoff + (u64)i * phentsize;
        if (phoff + ((u64)i + 1) * phentsize > size) return false;
        u32 type = 0;
        u64 offset = 0, vaddr = 0, filesz = 0, memsz = 0;
        memcpy(&type, ph, 4);
        memcpy(&offset, ph + 8, 8);
        memcpy(&vaddr, ph + 16, 8);
        memcpy(&filesz, ph + 32, 8);
        memcpy(&memsz, ph + 40, 8);
        if (type != PT_LOAD) continue;
        if (offset + filesz > size) return false;
        for (u64 b = 0; b < memsz; b++) { // byte by byte: small images, clear code
            u64 va = vaddr + b;
            u8 value = b < filesz ? elf[offset + b] : 0;
            l->ram[frame_of(l, va) - RAM_BASE_PA + (va & (PAGE_BYTES - 1))] = value;
        }
    }
    return true;
}

static u8 *read_file(const char *path, u64 *size) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) return NULL;
    u8 *bytes = malloc(ELF_BYTES_MAX);
    *size = bytes == NULL ? 0 : fread(bytes, 1, ELF_BYTES_MAX, file);
    fclose(file);
    return bytes;
}

int main(int argc, char **argv) {
    bool cached = !(argc == 3 && strcmp(argv[2], "--no-block-cache") == 0);
    if (argc < 2 || (argc == 3 && cached) || argc > 3) {
        fprintf(stderr, "usage: rv64_bench ELF [--no-block-cache]\n");
        return 2;
    }
    u64 size = 0;
    u8 *elf = read_file(argv[1], &size);
    struct loader l = {.ram = calloc(1, RAM_SIZE_BYTES), .next_pa = RAM_BASE_PA};
    assert(l.ram != NULL);
    l.root_pa = frame_new(&l);
    u64 entry = 0;
    if (elf == NULL || !load_elf(&l, elf, size, &entry)) {
        fprintf(stderr, "rv64_bench: cannot load %s as a static RV64 ELF\n", argv[1]);
        return 2;
    }
    struct rv64_memory memory = {l.ram, RAM_BASE_PA, RAM_SIZE_BYTES,
                                 cached ? rv64_decode_cache_create() : NULL};
    struct user_context ctx = {.pc = entry};
    u64 satp = (RV64_SATP_MODE_SV39 << 60) | (l.root_pa >> 12);
    u64 instructions = 0;
    struct timespec start, end, cpu_start, cpu_end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu_start);
    struct rv64_result r;
    do {
        r = rv64_run(&memory, &ctx, satp, TIME_SLICE_NS, 0);
        instructions += r.instructions_retired;
    } while (r.trap.cause == TRAP_TIMER_INTERRUPT);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu_end);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    double cpu_seconds = (double)(cpu_end.tv_sec - cpu_start.tv_sec) +
                         (double)(cpu_end.tv_nsec - cpu_start.tv_nsec) / 1e9;
    if (r.trap.cause != TRAP_ECALL_FROM_USER || ctx.regs[A7] != EXIT_SYSCALL) {
        fprintf(stderr, "rv64_bench: trap %llu at pc %#llx, not exit\n",
                (unsigned long long)r.trap.cause, (unsigned long long)ctx.pc);
        return 1;
    }
    printf("instructions: %llu\nseconds: %.6f\ncpu_seconds: %.6f\nexit: %llu\n",
           (unsigned long long)instructions, seconds, cpu_seconds,
           (unsigned long long)(ctx.regs[A0] & 0xff));
    rv64_decode_cache_destroy(memory.decode);
    free(elf);
    free(l.ram);
    return 0;
}
