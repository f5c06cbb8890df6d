// badptr: stores to an address no process has mapped. The kernel must kill it with a
// page fault (its parent sees cause ABI_EXIT_FAULT_PAGE, addr 0x10) and go on.
// Silent on purpose: waiter runs it beside hello, and a line of its own would
// interleave with hello's depending on scheduling.
#include "user/lib/basin.h"

BASIN_PROGRAM("badptr");

#define UNMAPPED_ADDRESS 0x10u

int main(void) {
    // In assembly: the compiler rightly refuses to believe in a store to 0x10.
    u64 address = UNMAPPED_ADDRESS;
    __asm__ volatile("sd %0, 0(%0)" : : "r"(address) : "memory");
    say("FAIL: the store to 0x%x did not fault", UNMAPPED_ADDRESS);
    return 1;
}
