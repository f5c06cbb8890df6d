// Explicit-size types and the always-on assertion used by every portable file.
// Only freestanding headers: this file is compiled for the host simulator and for
// the bare-metal RISC-V image alike.
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t i8;
typedef int16_t i16;
typedef int32_t i32;
typedef int64_t i64;

// A panic means the kernel itself is wrong. Each platform decides what that does:
// hardware prints and stops the hart, the simulator reports the seed and exits 1.
_Noreturn void platform_panic(const char *file, u32 line, const char *what);

// Assertions are never compiled out (TigerStyle): they document and enforce.
#define assert(cond)                                                             \
    do {                                                                         \
        if (!(cond)) platform_panic(__FILE__, __LINE__, "assert(" #cond ")");    \
    } while (0)

#define ARRAY_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define STATIC_ASSERT(cond) _Static_assert(cond, #cond)
