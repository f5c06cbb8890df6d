// memset, memcpy, memmove and memcmp for the calls the compiler emits on its own
// (struct copies and zeroing) in a -ffreestanding -nostdlib kernel. The kernel's
// own code uses mem_copy/mem_set from src/kernel/lib/mem.c.
#include "kernel/lib/types.h"

// Without this, GCC turns these very loops back into calls to themselves.
#define HW_NO_BUILTIN_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))

void *memset(void *destination, int value, size_t count);
void *memcpy(void *restrict destination, const void *restrict source, size_t count);
void *memmove(void *destination, const void *source, size_t count);
int memcmp(const void *a, const void *b, size_t count);

HW_NO_BUILTIN_LOOPS void *memset(void *destination, int value, size_t count) {
    u8 *d = destination;
    for (size_t i = 0; i < count; i++) d[i] = (u8)value;
    return destination;
}

HW_NO_BUILTIN_LOOPS void *memcpy(void *restrict destination, const void *restrict source,
                                 size_t count) {
    u8 *d = destination;
    const u8 *s = source;
    for (size_t i = 0; i < count; i++) d[i] = s[i];
    return destination;
}

HW_NO_BUILTIN_LOOPS void *memmove(void *destination, const void *source, size_t count) {
    u8 *d = destination;
    const u8 *s = source;
    if (d < s) {
        for (size_t i = 0; i < count; i++) d[i] = s[i];
    } else {
        for (size_t i = count; i > 0; i--) d[i - 1] = s[i - 1];
    }
    return destination;
}

HW_NO_BUILTIN_LOOPS int memcmp(const void *a, const void *b, size_t count) {
    const u8 *x = a;
    const u8 *y = b;
    for (size_t i = 0; i < count; i++) {
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}
