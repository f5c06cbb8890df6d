// PLACEHOLDER of the contract commit (issue 14): the kernel's replica room is written
// against replica_host.h; until then the keyspace is absent.
#include "kernel/replica/replica_host.h"

#include "kernel/kernel.h"

void replica_host_boot(struct kernel *k) {
    assert(k != NULL);
    k->replica.enabled = false;
}

void replica_host_step(struct kernel *k, u64 now_ns) {
    assert(k != NULL);
    (void)now_ns;
}

u64 replica_host_deadline(const struct kernel *k) {
    assert(k != NULL);
    return 0;
}

i64 sys_graindb(struct kernel *k, u32 slot, const u64 *args) {
    assert(k != NULL);
    assert(args != NULL);
    (void)slot;
    return -E_NOSYS;
}
