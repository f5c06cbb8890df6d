// Byte loops are deliberately plain: the compiler may turn them into memcpy/memset,
// which hw/lib.c provides for the image and the host libc for the simulator.
#include "kernel/lib/mem.h"

void mem_copy(void *destination, const void *source, u64 size_bytes) {
    if (size_bytes != 0) {
        assert(destination != NULL);
        assert(source != NULL);
    }
    u8 *d = destination;
    const u8 *s = source;
    for (u64 i = 0; i < size_bytes; i++) d[i] = s[i];
}

void mem_set(void *destination, u8 value, u64 size_bytes) {
    if (size_bytes != 0) assert(destination != NULL);
    u8 *d = destination;
    for (u64 i = 0; i < size_bytes; i++) d[i] = value;
}

bool mem_equal(const void *a, const void *b, u64 size_bytes) {
    if (size_bytes != 0) {
        assert(a != NULL);
        assert(b != NULL);
    }
    const u8 *x = a;
    const u8 *y = b;
    for (u64 i = 0; i < size_bytes; i++) {
        if (x[i] != y[i]) return false;
    }
    return true;
}

u64 str_len_bounded(const char *s, u64 length_max) {
    assert(s != NULL);
    u64 n = 0;
    while (n < length_max && s[n] != '\0') n++;
    return n;
}

bool str_equal(const char *a, const char *b) {
    assert(a != NULL);
    assert(b != NULL);
    u64 i = 0;
    while (a[i] != '\0' && a[i] == b[i]) i++;
    return a[i] == b[i];
}

bool str_starts_with(const char *s, const char *prefix) {
    assert(s != NULL);
    assert(prefix != NULL);
    for (u64 i = 0; prefix[i] != '\0'; i++) {
        if (s[i] != prefix[i]) return false;
    }
    return true;
}

bool str_copy(char *destination, u64 capacity, const char *source) {
    assert(destination != NULL);
    assert(source != NULL);
    assert(capacity > 0);
    u64 i = 0;
    for (; i + 1 < capacity && source[i] != '\0'; i++) destination[i] = source[i];
    bool complete = source[i] == '\0';
    // Zero the rest, so the buffer's bytes never depend on what it held before.
    for (u64 j = i; j < capacity; j++) destination[j] = '\0';
    return complete;
}

u64 bytes_digest(const void *bytes, u64 count) {
    return bytes_digest_continue(0xcbf29ce484222325ull, bytes, count);
}

u64 bytes_digest_continue(u64 hash, const void *bytes, u64 count) {
    if (count != 0) assert(bytes != NULL);
    const u8 *b = bytes;
    for (u64 i = 0; i < count; i++) {
        hash ^= b[i];
        hash *= 0x100000001b3ull;
    }
    return hash;
}
