// Pure bit-level helpers of the RV64 interpreter shared by rv64.c (execution) and
// rv64_decode.c (the decoded-instruction cache): field extraction, immediates, and
// arithmetic without undefined or implementation-defined behaviour.
#pragma once

#include "kernel/lib/types.h"

// Hot helpers must inline into the dispatch loop, or the interpreter loses half its
// speed; both gcc and clang know the attribute.
#define RV64_INLINE static inline __attribute__((always_inline))

// ---- arithmetic without undefined or implementation-defined behaviour -------------

// Sign-extend the low `bits` bits of v (v must have no higher bits set).
RV64_INLINE u64 sext(u64 v, u32 bits) {
    u64 sign = 1ull << (bits - 1);
    return (v ^ sign) - sign;
}
RV64_INLINE u64 sext32(u64 v) { return sext(v & 0xffffffffull, 32); }
RV64_INLINE u64 sra64(u64 v, u32 shift) {
    u64 fill = 0 - (v >> 63);
    return ((v ^ fill) >> shift) ^ fill;
}
RV64_INLINE bool lt_signed(u64 a, u64 b) { return (a ^ (1ull << 63)) < (b ^ (1ull << 63)); }
RV64_INLINE i64 as_i64(u64 v) { return v > (u64)INT64_MAX ? -(i64)(~v) - 1 : (i64)v; }
RV64_INLINE i32 as_i32(u32 v) { return v > (u32)INT32_MAX ? -(i32)(~v) - 1 : (i32)v; }

// ---- decoding ----------------------------------------------------------------------

#define RD(inst) (((inst) >> 7) & 31u)
#define RS1(inst) (((inst) >> 15) & 31u)
#define RS2(inst) (((inst) >> 20) & 31u)
#define FUNCT3(inst) (((inst) >> 12) & 7u)
#define FUNCT7(inst) ((inst) >> 25)

RV64_INLINE u64 imm_i(u32 inst) { return sext(inst >> 20, 12); }
RV64_INLINE u64 imm_s(u32 inst) { return sext(((inst >> 25) << 5) | ((inst >> 7) & 31u), 12); }
RV64_INLINE u64 imm_u(u32 inst) { return sext32(inst & 0xfffff000u); }
RV64_INLINE u64 imm_b(u32 inst) {
    u32 v = ((inst >> 31) << 12) | (((inst >> 7) & 1u) << 11) | (((inst >> 25) & 63u) << 5) |
            (((inst >> 8) & 15u) << 1);
    return sext(v, 13);
}
RV64_INLINE u64 imm_j(u32 inst) {
    u32 v = ((inst >> 31) << 20) | (((inst >> 12) & 255u) << 12) | (((inst >> 20) & 1u) << 11) |
            (((inst >> 21) & 1023u) << 1);
    return sext(v, 21);
}


// ---- M extension (results as the spec defines them for every input) ---------------

RV64_INLINE u64 mulhu(u64 a, u64 b) {
    __extension__ typedef unsigned __int128 u128;
    return (u64)(((u128)a * (u128)b) >> 64);
}
// Signed high products from the unsigned one: subtract the operand weights the
// sign bits would have contributed (two's complement), all in modular arithmetic.
RV64_INLINE u64 mulhsu(u64 a, u64 b) { return mulhu(a, b) - ((a >> 63) ? b : 0); }
RV64_INLINE u64 mulh(u64 a, u64 b) { return mulhsu(a, b) - ((b >> 63) ? a : 0); }

static inline u64 div64(u64 a, u64 b) {
    if (b == 0) return UINT64_MAX;
    if (a == (1ull << 63) && b == UINT64_MAX) return a; // overflow: the dividend
    return (u64)(as_i64(a) / as_i64(b));
}
static inline u64 rem64(u64 a, u64 b) {
    if (b == 0) return a;
    if (a == (1ull << 63) && b == UINT64_MAX) return 0;
    return (u64)(as_i64(a) % as_i64(b));
}
static inline u64 divu64(u64 a, u64 b) { return b == 0 ? UINT64_MAX : a / b; }
static inline u64 remu64(u64 a, u64 b) { return b == 0 ? a : a % b; }
static inline u64 div32(u64 a, u64 b) {
    u32 n = (u32)a;
    u32 d = (u32)b;
    if (d == 0) return UINT64_MAX;
    if (n == (1u << 31) && d == UINT32_MAX) return sext32(n);
    return sext32((u32)(as_i32(n) / as_i32(d)));
}
static inline u64 rem32(u64 a, u64 b) {
    u32 n = (u32)a;
    u32 d = (u32)b;
    if (d == 0) return sext32(n);
    if (n == (1u << 31) && d == UINT32_MAX) return 0;
    return sext32((u32)(as_i32(n) % as_i32(d)));
}
static inline u64 divu32(u64 a, u64 b) { return (u32)b == 0 ? UINT64_MAX : sext32((u32)a / (u32)b); }
static inline u64 remu32(u64 a, u64 b) { return (u32)b == 0 ? sext32(a) : sext32((u32)a % (u32)b); }

// ---- compressed fields and immediates (RV64C) ------------------------------------

#define C_RD_PRIME(c) (8u + (((c) >> 2) & 7u)) // also rs2'
#define C_RS1_PRIME(c) (8u + (((c) >> 7) & 7u))
#define C_RD(c) (((c) >> 7) & 31u)
#define C_RS2(c) (((c) >> 2) & 31u)
#define C_BIT12(c) (((c) >> 12) & 1u)

RV64_INLINE u64 c_imm6(u32 c) { return sext((C_BIT12(c) << 5) | ((c >> 2) & 31u), 6); }
RV64_INLINE u32 c_shamt(u32 c) { return (C_BIT12(c) << 5) | ((c >> 2) & 31u); }
RV64_INLINE u64 c_imm_j(u32 c) {
    u32 v = (C_BIT12(c) << 11) | (((c >> 11) & 1u) << 4) | (((c >> 9) & 3u) << 8) |
            (((c >> 8) & 1u) << 10) | (((c >> 7) & 1u) << 6) | (((c >> 6) & 1u) << 7) |
            (((c >> 3) & 7u) << 1) | (((c >> 2) & 1u) << 5);
    return sext(v, 12);
}
RV64_INLINE u64 c_imm_b(u32 c) {
    u32 v = (C_BIT12(c) << 8) | (((c >> 10) & 3u) << 3) | (((c >> 5) & 3u) << 6) |
            (((c >> 3) & 3u) << 1) | (((c >> 2) & 1u) << 5);
    return sext(v, 9);
}
// Offsets of the register-based loads/stores (word and doubleword forms).
RV64_INLINE u64 c_uimm_w(u32 c) {
    return (((c >> 10) & 7u) << 3) | (((c >> 6) & 1u) << 2) | (((c >> 5) & 1u) << 6);
}
RV64_INLINE u64 c_uimm_d(u32 c) { return (((c >> 10) & 7u) << 3) | (((c >> 5) & 3u) << 6); }
