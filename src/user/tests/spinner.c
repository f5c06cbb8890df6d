// spinner: a fixed amount of pure computation, one loop without a single syscall, long
// enough to need many 1 ms time slices: only the timer can take the CPU from it. The
// checksum is deterministic and checked against the value the same loop gives on the
// host, which also catches a wrong MUL/DIVU/REMU or shift in an interpreter. The time
// it took depends on the machine and the other programs: "~".
//
// Why not count preemptions by reading the clock between chunks: every syscall puts
// the caller at the back of the run queue, so the reads themselves would let the
// others run and the loop would never need the timer.
#include "user/lib/basin.h"

BASIN_PROGRAM("spinner");

#define SPIN_ITERATIONS 3000000u
#define SPIN_SEED 42u
#define SPIN_CHECKSUM_EXPECTED 0xe233f2ada7ffbc82ull // the same loop run on the host
#define TIME_SLICE_NS 1000000ull // the kernel's (kernel.h), for the report only

struct spin_state {
    u64 x;
    u64 sum;
};

static void spin(struct spin_state *state, u32 iterations) {
    u64 x = state->x, sum = state->sum;
    for (u32 i = 0; i < iterations; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        u64 high = x >> 33;
        sum += high % 1000003u;
        sum ^= sum << 7;
        sum ^= sum >> 9;
        sum += high / 7u;
    }
    state->x = x;
    state->sum = sum;
}

int main(void) {
    struct spin_state state = {.x = SPIN_SEED, .sum = 0};
    __asm__("" : "+r"(state.x)); // opaque to the compiler: the loop must really run
    u64 start_ns = monotonic_ns();
    spin(&state, SPIN_ITERATIONS);
    u64 elapsed_ns = monotonic_ns() - start_ns;
    // The loop makes no syscall, so only timer preemption can have stopped it: a run
    // longer than one time slice was preempted at least once.
    note("%u iterations took %lu ns, %lu time slices of %lu ns", SPIN_ITERATIONS,
         (unsigned long)elapsed_ns, (unsigned long)(elapsed_ns / TIME_SLICE_NS),
         (unsigned long)TIME_SLICE_NS);
    if (state.sum != SPIN_CHECKSUM_EXPECTED) {
        say("FAIL: checksum 0x%lx, expected 0x%lx", (unsigned long)state.sum,
            (unsigned long)SPIN_CHECKSUM_EXPECTED);
        return 1;
    }
    say("checksum 0x%lx ok after %u iterations", (unsigned long)state.sum, SPIN_ITERATIONS);
    return 0;
}
