// repairs_read_back: when GrainDB's recovery repairs something (a log copy from the
// mirror, a mirror slot, the superblock copies, a checkpoint), it writes, flushes and
// reads the repair back, and says which pieces read back (TRACE_DB_REPAIR, with the
// FNV-1a of their bytes) and which never did (TRACE_DB_REPAIR_UNVERIFIED: the engine
// reports the repair unverified and relies on the other copy). The simulator reads
// each piece it was told holds, straight from the simulated disk (what any read would
// return now: the write cache, else the media; a latent error is unreadable), right
// when it is told, which is the moment recovery compared it: a repair believed without
// being read back, or read back wrong, is a copy the database counts on but does not
// have. (Damage that a later read of the range brings to a piece already read back is
// new damage, not the repair's: the atlas keeps another copy.)
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel/lib/mem.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/disk.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "sim/violation.h"

static void repair_read_back(struct sim *sim, struct platform *node, u64 sector, u64 sector_count, u64 digest) {
    const struct sim_disk *disk = &node->disk;
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    if (sector_count == 0 || sector_count > UINT32_MAX || !disk_range_valid(disk, sector, sector_count)) {
        snprintf(detail, sizeof(detail), "a repair of sectors %" PRIu64 " + %" PRIu64 " is not on the disk", sector,
                 sector_count);
        sim_violation(sim, node, INV_REPAIRS_READ_BACK, detail);
    }
    if (disk_range_unreadable(disk, sector, (u32)sector_count)) {
        snprintf(detail, sizeof(detail),
                 "the repair of sectors %" PRIu64 " + %" PRIu64 " was reported read back, but they are unreadable",
                 sector, sector_count);
        sim_violation(sim, node, INV_REPAIRS_READ_BACK, detail);
    }
    u8 *bytes = malloc(sector_count * DISK_SECTOR_BYTES);
    if (bytes == NULL) {
        fprintf(stdout, "basin-sim: out of memory reading a repair back\n");
        exit(2);
    }
    disk_view_read(disk, sector, bytes, (u32)sector_count);
    u64 found = bytes_digest(bytes, sector_count * DISK_SECTOR_BYTES);
    free(bytes);
    if (found == digest) return;
    snprintf(detail, sizeof(detail),
             "the repair of sectors %" PRIu64 " + %" PRIu64 " was reported read back (fnv %016" PRIx64
             "), but the disk holds other bytes there (fnv %016" PRIx64 ")",
             sector, sector_count, digest, found);
    sim_violation(sim, node, INV_REPAIRS_READ_BACK, detail);
}

void repairs_on_event(struct sim *sim, struct platform *node, const struct trace_event *event) {
    assert(sim != NULL);
    assert(node != NULL);
    assert(event != NULL);
    if (event->kind == TRACE_DB_REPAIR_UNVERIFIED) {
        sim->repairs_unverified++;
        return;
    }
    assert(event->kind == TRACE_DB_REPAIR);
    sim->invariant_checks[INV_REPAIRS_READ_BACK]++;
    repair_read_back(sim, node, event->a, event->b, event->c);
}
