// illegal: executes an all-zero instruction word, which RISC-V defines as illegal.
// The kernel must kill it (cause ABI_EXIT_FAULT_ILLEGAL, addr = the instruction bits,
// 0) and go on. Silent for the same reason as badptr.
#include "user/lib/basin.h"

BASIN_PROGRAM("illegal");

int main(void) {
    __asm__ volatile(".4byte 0" ::: "memory");
    say("FAIL: the illegal instruction did not trap");
    return 1;
}
