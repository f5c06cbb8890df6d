// damage_is_real: -E_BADMSG says the stored bytes failed their checks (graindb.h), a
// verdict the filesystem and its callers act on (a file is lost, not merely unread
// for now). Found by seed 49 of the default run: two injected read errors on an
// object's header made GrainDB call an intact /etc/capabilities damaged. When the
// filesystem is told an object is damaged (OBSERVE_OBJECT_DAMAGED, during the kernel
// call, so nothing has changed the disk since), the simulator asks GrainDB for it again
// as an inspection: the disk as it is (stored corruption and latent bad sectors show)
// but no new fault. Damage that is real is damaged again; an object that now reads, or
// is unreadable (-E_IO), was never damage.
#include <inttypes.h>
#include <stdio.h>

#include "kernel/lib/endian.h"
#include "sim/invariants/invariant_storage.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/sim.h"

void damage_on_object_damaged(struct sim *sim, struct platform *node, const u8 *object_hash) {
    assert(sim != NULL);
    assert(object_hash != NULL);
    sim->invariant_checks[INV_DAMAGE_IS_REAL]++;
    // Inspection reads draw no fault, so no power loss can unwind through this check.
    bool armed = node->power_unwind_armed;
    node->power_unwind_armed = false;
    struct storage_scratch *scratch = storage_inspection_begin(sim, node, true);
    u32 size = 0;
    i64 again = graindb_get(&node->kernel.fs.db, object_hash, NULL, 0, &size);
    if (again == -E_2BIG) again = 0; // it read and verified; only the bytes were not wanted
    storage_inspection_end(node, scratch);
    node->power_unwind_armed = armed;
    if (again == -E_BADMSG) return;
    storage_violation(sim, node, INV_DAMAGE_IS_REAL,
                      "object %016" PRIx64 " was called damaged (-E_BADMSG) on a filesystem read, but read "
                      "again at once from the disk without injected faults it gives %s (error %" PRId64 ")",
                      load_u64_le(object_hash), again == 0 ? "its bytes" : "no verdict of damage", -again);
}
