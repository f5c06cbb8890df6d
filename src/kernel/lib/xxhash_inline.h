// xxHash, header-only (XXH_INLINE_ALL: nothing to link, on the host or on RISC-V), for
// GrainDB's checksums (subsystems/graindb/hash.c) and the simulator's trace hash
// (sim/trace.c): the one place that includes <xxhash.h>. It pulls in <assert.h>, whose
// assert() must not replace the project's always-on one (kernel/lib/types.h): the
// macro is saved before and restored after, so the order of includes does not matter,
// and xxHash gets a static assertion of its own, which needs no assert().
#pragma once

#pragma push_macro("assert")
#define XXH_INLINE_ALL
#define XXH_STATIC_ASSERT(c)         \
    do {                             \
        _Static_assert((c), #c);     \
    } while (0)
#include <xxhash.h>
#undef assert
#pragma pop_macro("assert")
