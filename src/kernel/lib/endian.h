// Little-endian loads and stores: the one byte order of everything the project lays
// out in bytes (RAM shared with user programs, page tables, ELF headers, GrainDB's
// disk format, trace encodings), written byte by byte so that neither the host's
// byte order nor alignment can leak in. Header-only (static inline): GrainDB's codecs
// and the interpreter's hot paths use them on every record. User programs include no
// kernel header but abi.h; the fuzzer keeps its own three stores (fuzz_shapes.c).
#pragma once

#include "kernel/lib/types.h"

static inline u16 load_u16_le(const u8 *bytes) {
    assert(bytes != NULL);
    return (u16)(bytes[0] | (u16)bytes[1] << 8);
}

static inline u32 load_u32_le(const u8 *bytes) {
    assert(bytes != NULL);
    return (u32)bytes[0] | (u32)bytes[1] << 8 | (u32)bytes[2] << 16 | (u32)bytes[3] << 24;
}

static inline u64 load_u64_le(const u8 *bytes) {
    assert(bytes != NULL);
    return (u64)load_u32_le(bytes) | (u64)load_u32_le(bytes + 4) << 32;
}

static inline void store_u16_le(u8 *bytes, u16 value) {
    assert(bytes != NULL);
    bytes[0] = (u8)value;
    bytes[1] = (u8)(value >> 8);
}

static inline void store_u32_le(u8 *bytes, u32 value) {
    assert(bytes != NULL);
    for (u32 i = 0; i < 4; i++) bytes[i] = (u8)(value >> (8 * i));
}

static inline void store_u64_le(u8 *bytes, u64 value) {
    assert(bytes != NULL);
    store_u32_le(bytes, (u32)value);
    store_u32_le(bytes + 4, (u32)(value >> 32));
}
