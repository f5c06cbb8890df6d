// Byte and string helpers for portable code (no host libc in the kernel).
#pragma once

#include "kernel/lib/types.h"

void mem_copy(void *destination, const void *source, u64 size_bytes);
void mem_set(void *destination, u8 value, u64 size_bytes);
bool mem_equal(const void *a, const void *b, u64 size_bytes);
// Length of a NUL-terminated string, at most length_max (then not terminated).
u64 str_len_bounded(const char *s, u64 length_max);
bool str_equal(const char *a, const char *b);
bool str_starts_with(const char *s, const char *prefix);
// Copies at most capacity-1 bytes and always terminates. Returns false if cut.
bool str_copy(char *destination, u64 capacity, const char *source);

// FNV-1a 64 of bytes: a cheap content fingerprint for trace events (not security).
u64 bytes_digest(const void *bytes, u64 count);
// The digest of earlier bytes followed by these (bytes_digest of both at once).
u64 bytes_digest_continue(u64 hash, const void *bytes, u64 count);
// Little-endian loads and stores: kernel/lib/endian.h.
