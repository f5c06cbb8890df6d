// memhog: holds MEMHOG_BYTES of memory (a zeroed array the kernel maps at spawn, so the
// frames are taken before it runs a single instruction), then sleeps for the seconds
// given (default: for ever). A tool of the resource tests (exhaust memory): it shows
// that one user's processes cannot take the memory root needs.
#include <stdlib.h>

#include "user/lib/tool.h"

BASIN_PROGRAM("memhog");

#define MEMHOG_BYTES (4u << 20)
#define NS_PER_S 1000000000ull
#define HOLD_FOREVER_NS (1ull << 62)

static volatile u8 hog[MEMHOG_BYTES];

int main(int argc, char **argv) {
    u64 hold_ns = argc > 1 ? strtoull(argv[1], NULL, 10) * NS_PER_S : HOLD_FOREVER_NS;
    hog[0] = 1; // touched: the kernel maps it all at spawn anyway
    hog[MEMHOG_BYTES - 1] = 1;
    sys_sleep_until(monotonic_ns() + hold_ns);
    return TOOL_EXIT_OK;
}
