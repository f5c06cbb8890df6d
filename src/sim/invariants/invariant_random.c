// seed_file_never_reused: the kernel's seed file (src/kernel/random/random_file.c) carries
// entropy from one boot to the next only if no boot mixes in bytes an earlier boot
// already used. Within a boot: a boot that mixed the file in must have replaced it,
// with other bytes, before any process runs (a crash after that point must not bring
// the same seed back). Across boots: once a replacement was acknowledged, the
// replaced seed never comes back (with disk faults outside the atlas an acknowledged
// write may be destroyed, so that part is not checked there). A file shorter than a
// seed (empty after a failed truncating write, or cut by damage) is no seed: a boot
// that mixes one in counts it as entropy, and two empty files would look like one
// seed used twice, so that is reported as what it is.
#include <inttypes.h>
#include <stdio.h>

#include "sim/invariants/invariants.h"
#include "sim/machine/disk.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "sim/violation.h"

static void seed_file_mixed(struct sim *sim, struct platform *node, u64 digest, u64 length) {
    struct seed_file_boot_shadow *boot = &node->invariants.seed_file;
    const struct seed_file_shadow *disk = &node->seed_file;
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    if (length < RANDOM_SEED_FILE_BYTES) {
        snprintf(detail, sizeof detail,
                 "boot %u mixed in a seed file of %" PRIu64 " bytes (digest %016" PRIx64
                 "), shorter than a seed (%u bytes)",
                 node->boots, length, digest, RANDOM_SEED_FILE_BYTES);
        sim_violation(sim, node, INV_SEED_FILE_NEVER_REUSED, detail);
    }
    boot->mixed = true;
    boot->mixed_digest = digest;
    boot->written = false;
    if (node->disk.fault_scope == DISK_FAULTS_UNRESTRICTED) return;
    if (!disk->retired_valid || disk->retired_digest != digest) return;
    snprintf(detail, sizeof detail,
             "boot %u mixed in the seed file with digest %016" PRIx64
             ", which an earlier boot mixed in and replaced (the replacement was acknowledged)",
             node->boots, digest);
    sim_violation(sim, node, INV_SEED_FILE_NEVER_REUSED, detail);
}

static void seed_file_written(struct sim *sim, struct platform *node, u64 digest, i64 result) {
    struct seed_file_boot_shadow *boot = &node->invariants.seed_file;
    if (boot->mixed && !boot->written && result == 0 && digest == boot->mixed_digest) {
        char detail[INVARIANT_DETAIL_BYTES_MAX];
        snprintf(detail, sizeof detail,
                 "the seed file was rewritten with the bytes it held (digest %016" PRIx64 ")", digest);
        sim_violation(sim, node, INV_SEED_FILE_NEVER_REUSED, detail);
    }
    if (boot->mixed && !boot->written && result == 0) {
        node->seed_file.retired_valid = true;
        node->seed_file.retired_digest = boot->mixed_digest;
    }
    boot->written = true;
}

void seed_file_on_event(struct sim *sim, struct platform *node, const struct trace_event *event) {
    assert(sim != NULL);
    assert(node != NULL);
    assert(event != NULL);
    assert(event->kind == TRACE_RANDOM_SEED_FILE);
    sim->invariant_checks[INV_SEED_FILE_NEVER_REUSED]++;
    if (event->a == RANDOM_SEED_FILE_MIXED) {
        seed_file_mixed(sim, node, event->b, event->c);
    } else {
        assert(event->a == RANDOM_SEED_FILE_WRITTEN);
        seed_file_written(sim, node, event->b, (i64)event->c);
    }
}

// The first process of a boot to run: the seed it mixed in must be gone by now.
void seed_file_on_schedule(struct sim *sim, struct platform *node) {
    assert(sim != NULL);
    assert(node != NULL);
    struct seed_file_boot_shadow *boot = &node->invariants.seed_file;
    if (boot->processes_ran) return;
    boot->processes_ran = true;
    sim->invariant_checks[INV_SEED_FILE_NEVER_REUSED]++;
    if (!boot->mixed || boot->written) return;
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    snprintf(detail, sizeof detail,
             "boot %u mixed in the seed file (digest %016" PRIx64
             ") and lets processes run before replacing it",
             node->boots, boot->mixed_digest);
    sim_violation(sim, node, INV_SEED_FILE_NEVER_REUSED, detail);
}
