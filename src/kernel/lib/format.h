// A small printf-style formatter for kernel messages (no host libc here).
#pragma once

#include <stdarg.h>

#include "kernel/lib/types.h"

// Supports %s %c %d %i %u %x %% with l / ll length, optional zero-pad and width
// (e.g. %08llx), and %p. Always NUL-terminates; returns the length written.
u64 format_v(char *buffer, u64 capacity, const char *format, va_list args);
u64 format(char *buffer, u64 capacity, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
