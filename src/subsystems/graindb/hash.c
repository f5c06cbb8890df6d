// Checksums (xxHash XXH3-64) and content hashes (SHA-256 from BearSSL). The only
// GrainDB file that includes the two libraries, so their headers' needs (<assert.h>,
// <string.h>) stay out of the rest of the engine. xxHash comes through
// kernel/lib/xxhash_inline.h, as for the simulator's trace hash.
#include <bearssl_hash.h>

#include "kernel/lib/xxhash_inline.h"
#include "subsystems/graindb/internal.h"

u64 gdb_checksum(const u8 *bytes, u64 count) {
    if (count != 0) assert(bytes != NULL);
    assert(count <= GRAINDB_IO_BYTES_MAX);
    return (u64)XXH3_64bits(bytes, (size_t)count);
}

void gdb_sha256_parts(const u8 *const *parts, const u64 *counts, u32 parts_count,
                      u8 out[GRAINDB_HASH_BYTES]) {
    assert(parts != NULL);
    assert(counts != NULL);
    assert(out != NULL);
    assert(parts_count > 0);
    br_sha256_context context;
    br_sha256_init(&context);
    for (u32 i = 0; i < parts_count; i++) {
        if (counts[i] != 0) assert(parts[i] != NULL);
        br_sha256_update(&context, parts[i], (size_t)counts[i]);
    }
    br_sha256_out(&context, out);
}

void gdb_sha256(const u8 *bytes, u64 count, u8 out[GRAINDB_HASH_BYTES]) {
    const u8 *parts[1] = {bytes};
    u64 counts[1] = {count};
    gdb_sha256_parts(parts, counts, 1, out);
}
