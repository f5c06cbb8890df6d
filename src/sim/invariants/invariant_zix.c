// The zix invariants, part 1: the events. Each build, cache hit, registration, check
// and GC deletion the kernel traces (TRACE_ZIX_*) is held, as it is announced, to what
// the run saw before: one path per recipe hash, one nar hash per recipe hash (across
// reboots and nodes: the run's account), no GC deletion of what a root or a running
// build reaches. What needs the node's database (closures, leftovers, tree hashes,
// sandbox accesses) is judged after the step (invariant_zix_store.c), since the
// database is read between steps only.
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/lib/endian.h"
#include "kernel/lib/mem.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "sim/violation.h"

STATIC_ASSERT(NODES_MAX <= 8);
STATIC_ASSERT(ZIX_SHADOW_PATHS_MAX >= ZIX_STORE_PATHS_MAX);

__attribute__((format(printf, 4, 5))) void zix_violation(struct sim *sim, struct platform *node, u32 invariant,
                                                         const char *format, ...) {
    assert(invariant < INVARIANT_COUNT);
    assert(format != NULL);
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(detail, sizeof detail, format, args);
    va_end(args);
    sim_violation(sim, node, invariant, detail);
}

u64 zix_path_fnv(const char *path) {
    assert(path != NULL);
    u64 length = str_len_bounded(path, ZIX_STORE_PATH_LEN_MAX + 1);
    assert(length <= ZIX_STORE_PATH_LEN_MAX);
    return bytes_digest(path, length);
}

struct zix_run *zix_run_get(struct sim *sim) {
    assert(sim != NULL);
    if (sim->zix_run != NULL) return sim->zix_run;
    sim->zix_run = calloc(1, sizeof *sim->zix_run);
    if (sim->zix_run == NULL) {
        fprintf(stdout, "basin-sim: out of memory for the zix invariants\n");
        exit(2);
    }
    return sim->zix_run;
}

void zix_run_destroy(struct zix_run *run) {
    free(run);
}

// The build of this boot with this id (RUNNING or DONE), or NULL.
const struct zix_build *zix_build_of(const struct platform *node, u64 id) {
    const struct zix_host *host = &node->kernel.zix;
    assert(node != NULL);
    for (u32 i = 0; i < ABI_ZIX_BUILDS_MAX; i++) {
        if (host->builds[i].state != ZIX_SLOT_FREE && host->builds[i].id == id) return &host->builds[i];
    }
    return NULL;
}

// The run's entry for a recipe hash (inserted when new); NULL when the table is full.
static struct zix_recipe_seen *recipe_seen(struct sim *sim, u64 recipe8) {
    struct zix_run *run = zix_run_get(sim);
    assert(run->recipes_count <= ZIX_RECIPES_SEEN_MAX);
    for (u32 i = 0; i < run->recipes_count; i++) {
        if (run->recipes[i].recipe8 == recipe8) return &run->recipes[i];
    }
    if (run->recipes_count == ZIX_RECIPES_SEEN_MAX) return NULL;
    struct zix_recipe_seen *seen = &run->recipes[run->recipes_count++];
    *seen = (struct zix_recipe_seen){.recipe8 = recipe8};
    return seen;
}

// zix_path_from_recipe: one recipe hash, one path, for the whole run.
static void path_given(struct sim *sim, struct platform *node, u64 recipe8, u64 path_fnv, const char *how) {
    struct zix_recipe_seen *seen = recipe_seen(sim, recipe8);
    assert(how != NULL);
    sim->invariant_checks[INV_ZIX_PATH_FROM_RECIPE]++;
    if (seen == NULL) {
        sim->zix.unchecked++;
        return;
    }
    if (seen->path_fnv == 0) seen->path_fnv = path_fnv;
    if (seen->path_fnv == path_fnv) return;
    zix_violation(sim, node, INV_ZIX_PATH_FROM_RECIPE,
                  "recipe %016" PRIx64 " gave path %016" PRIx64 " (%s), earlier %016" PRIx64 " (FNV-1a of the paths)",
                  recipe8, path_fnv, how, seen->path_fnv);
}

// zix_path_from_recipe, the path itself: its hash part is the recipe hash's.
static void path_check(struct sim *sim, struct platform *node, u32 id) {
    const struct zix_build *build = zix_build_of(node, id);
    assert(sim != NULL);
    if (build == NULL) return; // ended and collected within the step: BUILD_END judged it
    assert(build->id == id);
    char expected[ZIX_PATH_HASH_CHARS + 1];
    zix_base32_hash_part(build->recipe_hash, expected);
    sim->invariant_checks[INV_ZIX_PATH_FROM_RECIPE]++;
    const char *part = build->store_path + ZIX_STORE_DIR_LEN + 1;
    bool under_store = mem_equal(build->store_path, ZIX_STORE_DIR "/", ZIX_STORE_DIR_LEN + 1);
    if (under_store && mem_equal(part, expected, ZIX_PATH_HASH_CHARS) && part[ZIX_PATH_HASH_CHARS] == '-') return;
    zix_violation(sim, node, INV_ZIX_PATH_FROM_RECIPE, "build %u of recipe %016" PRIx64 " has path %s, not /zix/store/%s-<name>",
                  id, load_u64_le(build->recipe_hash), build->store_path, expected);
}

// zix_same_recipe_same_hash, at a registration: the recipe of a build registering it.
static void registered(struct sim *sim, struct platform *node, u64 path_fnv, u64 nar8) {
    const struct zix_host *host = &node->kernel.zix;
    assert(sim != NULL);
    assert(node->kernel.run_state == KERNEL_RUNNING);
    sim->zix.registered++;
    for (u32 i = 0; i < ABI_ZIX_BUILDS_MAX; i++) {
        const struct zix_build *build = &host->builds[i];
        if (build->state == ZIX_SLOT_FREE || zix_path_fnv(build->store_path) != path_fnv) continue;
        u64 recipe8 = load_u64_le(build->recipe_hash);
        path_given(sim, node, recipe8, path_fnv, "registered");
        struct zix_recipe_seen *seen = recipe_seen(sim, recipe8);
        sim->invariant_checks[INV_ZIX_SAME_RECIPE_SAME_HASH]++;
        if (seen == NULL) return;
        if (seen->nar8 == 0) seen->nar8 = nar8;
        if (seen->nar8 == nar8) return;
        zix_violation(sim, node, INV_ZIX_SAME_RECIPE_SAME_HASH,
                      "%s (recipe %016" PRIx64 ") registered with nar hash %016" PRIx64 ", built earlier to %016" PRIx64,
                      build->store_path, recipe8, nar8, seen->nar8);
    }
    // No build holds it: an imported source (a function of its content alone).
}

static void build_ended(struct sim *sim, struct platform *node, const struct trace_event *event) {
    const struct zix_build *build = zix_build_of(node, event->a);
    assert(event->kind == TRACE_ZIX_BUILD_END);
    assert(event->b <= ABI_ZIX_DIFFERENT);
    if (event->b == ABI_ZIX_FAILED) sim->zix.failed++;
    if (event->b == ABI_ZIX_SAME) sim->zix.checks_same++;
    if (build == NULL) return;
    u64 recipe8 = load_u64_le(build->recipe_hash);
    if (build->kind == ZIX_KIND_BUILD && event->b == ABI_ZIX_REGISTERED) path_given(sim, node, recipe8, event->c, "built");
    sim->invariant_checks[INV_ZIX_SAME_RECIPE_SAME_HASH]++;
    if (event->b != ABI_ZIX_DIFFERENT) return;
    zix_violation(sim, node, INV_ZIX_SAME_RECIPE_SAME_HASH,
                  "%s rebuilt (kind %u) to nar hash %016" PRIx64 ", registered %016" PRIx64, build->store_path,
                  (u32)build->kind, load_u64_le(build->result.nar_hash), load_u64_le(build->result.registered_hash));
}

// The paths live at this moment: the roots and running builds' paths, closed over the
// references of the registrations last read. marks: by index into the shadow.
static u32 mark_live(const struct zix_node_store *store, const u64 *seeds, u32 seeds_count, bool *live) {
    u32 stack[ZIX_SHADOW_PATHS_MAX];
    u32 depth = 0, count = 0;
    assert(store->count <= ZIX_SHADOW_PATHS_MAX);
    memset(live, 0, sizeof(bool) * ZIX_SHADOW_PATHS_MAX);
    for (u32 i = 0; i < store->count; i++) {
        for (u32 s = 0; s < seeds_count && !live[i]; s++) {
            if (store->paths[i].path_fnv != seeds[s]) continue;
            live[i] = true;
            stack[depth++] = i;
            count++;
        }
    }
    while (depth > 0) {
        const struct zix_shadow_path *path = &store->paths[stack[--depth]];
        for (u32 r = 0; r < path->refs_count; r++) {
            for (u32 j = 0; j < store->count; j++) {
                if (live[j] || store->paths[j].path_fnv != path->refs_fnv[r]) continue;
                live[j] = true;
                stack[depth++] = j;
                count++;
            }
        }
    }
    return count;
}

// The roots and what running builds hold, as FNV-1a of store paths.
static u32 gc_seeds(const struct platform *node, const struct zix_node_store *store, u64 *seeds, u32 capacity) {
    const struct zix_host *host = &node->kernel.zix;
    u32 count = 0;
    assert(capacity >= ZIX_SHADOW_ROOTS_MAX + ABI_ZIX_BUILDS_MAX * (ZIX_REFS_MAX + 1));
    for (u32 i = 0; i < store->roots_count; i++) seeds[count++] = store->roots_fnv[i];
    for (u32 b = 0; b < ABI_ZIX_BUILDS_MAX; b++) {
        const struct zix_build *build = &host->builds[b];
        if (build->state != ZIX_SLOT_RUNNING) continue;
        seeds[count++] = zix_path_fnv(build->store_path);
        for (u32 i = 0; i < build->inputs_count && i < ZIX_REFS_MAX; i++) seeds[count++] = zix_path_fnv(build->inputs[i]);
    }
    assert(count <= capacity);
    return count;
}

// zix_gc_keeps_reachable, at the moment the GC unregisters a path.
static void gc_unregistered(struct sim *sim, struct platform *node, u64 path_fnv) {
    struct zix_node_store *store = &zix_run_get(sim)->stores[node->id];
    struct zix_boot_shadow *boot = &node->invariants.zix;
    assert(node->id < NODES_MAX);
    assert(store->count <= ZIX_SHADOW_PATHS_MAX);
    sim->zix.gc_deletions++;
    // The account is as of this step's start: an unregistration since (this GC's own)
    // only leaves dead paths in it, which make nothing live; a registration or a link
    // changed since would be missing from it.
    if (!store->valid || !store->roots_valid || boot->registered_pending > 0 || boot->roots_dirty) {
        sim->zix.unchecked++;
        return;
    }
    u64 seeds[ZIX_SHADOW_ROOTS_MAX + ABI_ZIX_BUILDS_MAX * (ZIX_REFS_MAX + 1)];
    u32 seeds_count = gc_seeds(node, store, seeds, ARRAY_COUNT(seeds));
    bool live[ZIX_SHADOW_PATHS_MAX];
    mark_live(store, seeds, seeds_count, live);
    sim->invariant_checks[INV_ZIX_GC_KEEPS_REACHABLE]++;
    for (u32 i = 0; i < store->count; i++) {
        if (!live[i] || store->paths[i].path_fnv != path_fnv) continue;
        zix_violation(sim, node, INV_ZIX_GC_KEEPS_REACHABLE,
                      "the GC unregistered %s, which a root or a running build reaches (%u roots, %u seeds)",
                      store->paths[i].path, store->roots_count, seeds_count);
    }
}

static void access_allowed(struct sim *sim, struct platform *node, const struct trace_event *event) {
    struct zix_boot_shadow *boot = &node->invariants.zix;
    assert(boot->accesses_count <= ZIX_ACCESSES_PENDING_MAX);
    if (boot->accesses_count == ZIX_ACCESSES_PENDING_MAX) {
        boot->accesses_dropped++;
        sim->zix.unchecked++;
        return;
    }
    boot->accesses[boot->accesses_count++] = (struct zix_access){
        .build_id = (u32)event->a,
        .syscall = (u32)(event->b >> TRACE_ZIX_ALLOWED_SYSCALL_SHIFT),
        .directory_inode = event->b & TRACE_ZIX_ALLOWED_INODE_MASK,
        .inode = event->c,
    };
}

static void build_started(struct sim *sim, struct platform *node, const struct trace_event *event) {
    struct zix_boot_shadow *boot = &node->invariants.zix;
    assert(event->kind == TRACE_ZIX_BUILD_START);
    assert(boot->started_count <= ARRAY_COUNT(boot->started_ids));
    if ((event->c >> 32) == ZIX_KIND_BUILD) sim->zix.builds++;
    if (boot->started_count < ARRAY_COUNT(boot->started_ids)) boot->started_ids[boot->started_count++] = (u32)event->a;
}

// ---- root's own writes inside the store ----------------------------------------------
static void root_written_forget(struct zix_node_store *store, u64 path_fnv) {
    assert(store->root_written_count <= ZIX_ROOT_WRITTEN_MAX);
    for (u32 i = 0; i < store->root_written_count; i++) {
        if (store->root_written_fnv[i] != path_fnv) continue;
        store->root_written_fnv[i] = store->root_written_fnv[--store->root_written_count];
        return;
    }
}

bool zix_root_written(struct sim *sim, const struct platform *node, u64 path_fnv) {
    const struct zix_node_store *store = &zix_run_get(sim)->stores[node->id];
    assert(store->root_written_count <= ZIX_ROOT_WRITTEN_MAX);
    for (u32 i = 0; i < store->root_written_count; i++) {
        if (store->root_written_fnv[i] == path_fnv) return true;
    }
    return false;
}

// A change a root process (not a builder, not the kernel between syscalls) makes inside
// a store path, /zix/store/<entry>/...: root may write anything, and that path's contents
// are then root's doing, not Zix's, until it is registered again.
void zix_on_fs_change(struct sim *sim, struct platform *node, const struct fs_change *change) {
    assert(change != NULL);
    assert(change->path != NULL);
    const struct kernel *k = &node->kernel;
    if (change->cred->euid != ABI_UID_ROOT) return;
    if (change->op == FS_CHANGE_CHOWN || change->op == FS_CHANGE_UTIMES) return; // the hash ignores both
    if (k->current_slot >= PROCS_MAX || k->procs[k->current_slot].zix_build != 0) return;
    const struct path *path = change->path;
    bool inside = path->count >= 4 && str_equal(path->names[0], "zix") && str_equal(path->names[1], "store");
    if (!inside) return;
    char store_path[ZIX_STORE_PATH_LEN_MAX + 1];
    snprintf(store_path, sizeof store_path, ZIX_STORE_DIR "/%s", path->names[2]);
    u64 path_fnv = zix_path_fnv(store_path);
    struct zix_node_store *store = &zix_run_get(sim)->stores[node->id];
    if (zix_root_written(sim, node, path_fnv)) return;
    if (store->root_written_count == ZIX_ROOT_WRITTEN_MAX) root_written_forget(store, store->root_written_fnv[0]);
    store->root_written_fnv[store->root_written_count++] = path_fnv;
}

void zix_on_event(struct sim *sim, struct platform *node, const struct trace_event *event) {
    struct zix_boot_shadow *boot = &node->invariants.zix;
    assert(sim != NULL);
    assert(event != NULL);
    switch (event->kind) {
    case TRACE_SYSCALL: {
        u64 number = event->b;
        bool link_change = number == SYS_symlink || number == SYS_unlink || number == SYS_rename || number == SYS_rmdir;
        if (link_change && (i64)event->c >= 0) boot->roots_dirty = true;
        break;
    }
    case TRACE_ZIX_BUILD_START: build_started(sim, node, event); break;
    case TRACE_ZIX_CACHE_HIT:
        sim->zix.cache_hits++;
        path_given(sim, node, event->a, event->b, "cache hit");
        break;
    case TRACE_ZIX_REGISTERED:
        root_written_forget(&zix_run_get(sim)->stores[node->id], event->a);
        registered(sim, node, event->a, event->b);
        if (boot->registered_pending < ARRAY_COUNT(boot->registered_fnv)) boot->registered_fnv[boot->registered_pending++] = event->a;
        boot->store_dirty = true;
        break;
    case TRACE_ZIX_BUILD_END:
        if (event->b == ABI_ZIX_REGISTERED) root_written_forget(&zix_run_get(sim)->stores[node->id], event->c);
        build_ended(sim, node, event);
        break;
    case TRACE_ZIX_UNREGISTERED:
        if (event->b == 1) gc_unregistered(sim, node, event->a);
        boot->store_dirty = true;
        break;
    case TRACE_ZIX_LEFTOVER_REMOVED:
        sim->zix.leftovers_removed++;
        if ((i64)event->c < 0) boot->leftovers_failed = true;
        break;
    case TRACE_ZIX_SANDBOX_REFUSED: sim->zix.sandbox_refusals++; break;
    case TRACE_ZIX_SANDBOX_ALLOWED: access_allowed(sim, node, event); break;
    default: break;
    }
}

// The index of a registration in the shadow, by FNV-1a of its path; -1 when absent.
static i32 shadow_find(const struct zix_node_store *store, u64 path_fnv) {
    assert(store->count <= ZIX_SHADOW_PATHS_MAX);
    for (u32 i = 0; i < store->count; i++) {
        if (store->paths[i].path_fnv == path_fnv) return (i32)i;
    }
    return -1;
}

// The database-reading checks, on a mounted filesystem.
static void store_checks(struct sim *sim, struct platform *node) {
    struct zix_boot_shadow *boot = &node->invariants.zix;
    struct zix_node_store *store = &zix_run_get(sim)->stores[node->id];
    assert(node->kernel.fs.state == FS_MOUNTED);
    assert(!node->inspecting);
    bool leftovers_due = !node->kernel.zix.boot_due && !boot->leftovers_judged;
    // Read again after a change, and once a boot (a power loss may have cut a step
    // whose change the shadow never saw); an unreadable store is not retried each step.
    if (boot->store_dirty || !boot->store_read || leftovers_due) {
        boot->store_read = true;
        if (zix_store_read(sim, node)) zix_check_closure(sim, node);
    }
    if (boot->roots_dirty || !boot->roots_read) {
        boot->roots_read = true;
        zix_roots_read(sim, node);
    }
    if (leftovers_due) {
        boot->leftovers_judged = true;
        // A database read-only after a failed write (until the next mount) cannot have
        // removed anything: the next boot's removal is judged instead.
        bool removable = !boot->leftovers_failed && !graindb_failed(&node->kernel.fs.db);
        if (removable && store->valid) zix_check_all_or_nothing(sim, node);
        if (!removable) sim->zix.unchecked++;
        for (u32 i = 0; i < store->count; i++) zix_check_tree_hash(sim, node, i);
    }
    for (u32 i = 0; i < boot->registered_pending; i++) {
        i32 index = shadow_find(store, boot->registered_fnv[i]);
        if (index >= 0) zix_check_tree_hash(sim, node, (u32)index);
    }
    if (++boot->steps_since_hash >= ZIX_HASH_EVERY_STEPS && store->count > 0) {
        boot->steps_since_hash = 0;
        store->hash_next = (store->hash_next + 1) % store->count;
        zix_check_tree_hash(sim, node, store->hash_next);
    }
    for (u32 i = 0; i < boot->accesses_count; i++) zix_check_access(sim, node, &boot->accesses[i]);
}

void zix_after_step(struct sim *sim, struct platform *node) {
    struct zix_boot_shadow *boot = &node->invariants.zix;
    assert(sim != NULL);
    assert(node->kernel.run_state == KERNEL_RUNNING);
    for (u32 i = 0; i < boot->started_count; i++) path_check(sim, node, boot->started_ids[i]);
    bool mounted = node->kernel.fs.state == FS_MOUNTED;
    if (mounted) store_checks(sim, node);
    if (!mounted && boot->accesses_count > 0) sim->zix.unchecked += boot->accesses_count;
    boot->started_count = 0;
    boot->store_dirty = false;
    boot->roots_dirty = false;
    boot->registered_pending = 0;
    boot->accesses_count = 0;
}
