// The hybrid logical clock (replica.h): hlc = physical ms << 16 | counter, strictly
// increasing on one node whatever realtime does, and raised by every hlc seen.
#include "subsystems/graindb/replica_internal.h"

#define REPLICA_NS_PER_MS 1000000ull

u64
replica_hlc_next(struct replica *r, u64 physical_ns)
{
    assert(r != NULL);
    u64 physical_ms = physical_ns / REPLICA_NS_PER_MS;
    // A realtime beyond the clock's range is held at its top: the counter carries on.
    if (physical_ms > (REPLICA_HLC_MAX >> REPLICA_HLC_COUNTER_BITS)) {
        physical_ms = REPLICA_HLC_MAX >> REPLICA_HLC_COUNTER_BITS;
    }
    u64 physical = physical_ms << REPLICA_HLC_COUNTER_BITS;
    if (REPLICA_PLANTED(r, REPLICA_BUG_HLC_PHYSICAL_ONLY)) {
        // Planted: no counter, no memory of the last hlc (a realtime that goes back
        // gives an older hlc; two writes in one ms share one).
        if (physical > r->hlc_last) r->hlc_last = physical;
        return physical;
    }
    u64 next = r->hlc_last + 1;
    if (physical > next) next = physical;
    assert(next > r->hlc_last);
    r->hlc_last = next;
    return next;
}

void
replica_hlc_observe(struct replica *r, u64 remote_hlc)
{
    assert(r != NULL);
    if (REPLICA_PLANTED(r, REPLICA_BUG_HLC_IGNORES_REMOTE)) return;
    // The peer controls remote_hlc: held below REPLICA_HLC_MAX so hlc + 1 never wraps.
    u64 seen = remote_hlc > REPLICA_HLC_MAX ? REPLICA_HLC_MAX : remote_hlc;
    if (seen > r->hlc_last) r->hlc_last = seen;
    assert(r->hlc_last >= seen);
}
