// illegal: executes an all-zero instruction word, which RISC-V defines as illegal.
// The kernel must kill it (cause ABI_EXIT_FAULT_ILLEGAL, addr = the instruction bits,
// 0) and go on. Silent for the same reason as badptr.
//   illegal ebreak      a breakpoint instead: cause ABI_EXIT_FAULT_BREAKPOINT
//   illegal misaligned  an atomic add at an odd address, which RISC-V never allows
//                       (emulation or not): cause ABI_EXIT_FAULT_MISALIGNED
// (the last two for init's edge phase, init_edges.h).
#include <string.h>

#include "user/lib/basin.h"

BASIN_PROGRAM("illegal");

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "ebreak") == 0) {
        __asm__ volatile("ebreak" ::: "memory");
    } else if (argc > 1 && strcmp(argv[1], "misaligned") == 0) {
        static u64 words[2];
        u64 address = (u64)(uintptr_t)words + 1;
        __asm__ volatile("amoadd.w zero, zero, (%0)" : : "r"(address) : "memory");
    } else {
        __asm__ volatile(".4byte 0" ::: "memory");
    }
    say("FAIL: the instruction did not trap");
    return 1;
}
