// TEMPORARY (replsim helper, until i14-replengine is merged): weak stand-ins for the three
// engine functions the replica checker calls, so this branch links alone. The engine's
// definitions (src/subsystems/graindb/replica_*.c) override them; delete this file then.
#include "subsystems/graindb/replica.h"

__attribute__((weak)) bool replica_contains(const struct replica *r, const struct replica_version *version) {
    (void)r;
    (void)version;
    return true;
}

__attribute__((weak)) i64 replica_get(const struct replica *r, const u8 *key, u32 key_len,
                                      struct replica_version *out, u32 *versions_count_out) {
    (void)r;
    (void)key;
    (void)key_len;
    (void)out;
    (void)versions_count_out;
    return -2;
}

__attribute__((weak)) u64 replica_merkle_root(struct replica *r) {
    (void)r;
    return 0;
}
