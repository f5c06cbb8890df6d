// rdtime: the counters user mode may read, the same on both targets. The time CSR
// may be read (QEMU: the kernel sets scounteren to 0, but OpenSBI emulates the trapped
// read without checking it; the simulator's interpreter gives the node's clock, in
// 10 MHz ticks as of the start of the time slice) and never goes back. The cycle
// counter may not: rdcycle traps as an illegal instruction and the kernel kills the
// program (cause ABI_EXIT_FAULT_ILLEGAL, addr = the instruction bits), as init expects.
#include "user/lib/basin.h"

BASIN_PROGRAM("rdtime");

#define TIME_READS 100u

static u64 read_time(void) {
    u64 ticks = 0;
    __asm__ volatile("rdtime %0" : "=r"(ticks) : : "memory");
    return ticks;
}

int main(void) {
    u64 first = read_time(), previous = first;
    u32 backwards = 0;
    for (u32 i = 0; i < TIME_READS; i++) {
        u64 now = read_time();
        if (now < previous) backwards++;
        previous = now;
    }
    note("time %lu .. %lu ticks", (unsigned long)first, (unsigned long)previous);
    if (backwards != 0) {
        say("FAIL: the time CSR went back %u times in %u reads", backwards, TIME_READS);
        return 1;
    }
    say("the time CSR is readable and never went back in %u reads", TIME_READS);
    u64 cycles = 0;
    __asm__ volatile("rdcycle %0" : "=r"(cycles) : : "memory");
    say("FAIL: rdcycle did not trap (read %lu)", (unsigned long)cycles);
    return 1;
}
