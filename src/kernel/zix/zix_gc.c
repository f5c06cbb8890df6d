// The garbage collector: roots are the symbolic links in /zix/roots whose target is a
// registered store path (or a path inside one) and the paths running builds hold; the
// references of every registration make the graph zix_gc_mark walks; every path it does
// not reach is freed, referrers before what they refer to (so the closure stays
// complete at every point), its registration deleted FIRST and its tree removed after:
// a crash between the two leaves a leftover (removed at the next boot), never a
// registration without its tree.
#include "kernel/zix/internal.h"
#include "kernel/bugs.h"

#include "kernel/fs/path.h"
#include "kernel/lib/mem.h"
#include "kernel/observe.h"
#include "kernel/trace_events.h"

#define ZIX_UNREGISTERED_BY_GC 1u // TRACE_ZIX_UNREGISTERED's second argument

STATIC_ASSERT(ZIX_STORE_PATHS_MAX <= ZIX_GC_PATHS_MAX);
STATIC_ASSERT(ZIX_STORE_PATHS_MAX <= 65536u); // indexes are u16 in the graph
STATIC_ASSERT(ZIX_STORE_DIR_LEN + 1u + ABI_NAME_LEN_MAX + 1u <= ABI_ZIX_PATH_BYTES); // the kernel's paths fit

// The index of path among the sorted registered paths, or count when it is not one.
static u32 gc_index_of(const struct kernel *k, u32 count, const char *path) {
    assert(count <= ZIX_STORE_PATHS_MAX);
    assert(path != NULL);
    u32 low = 0;
    u32 high = count;
    while (low < high) {
        u32 middle = low + (high - low) / 2u;
        const char *at = k->zix.paths[middle];
        u32 i = 0;
        while (at[i] != '\0' && at[i] == path[i]) i++;
        i32 order = (i32)(u8)at[i] - (i32)(u8)path[i];
        if (order == 0) return middle;
        if (order < 0) low = middle + 1u;
        else high = middle;
    }
    assert(low <= count);
    return count;
}

// The graph: each registration's references as indexes (references to paths no longer
// registered are dropped: nothing to keep). A record that does not read is an error.
static i64 gc_graph(struct kernel *k, u32 count) {
    assert(count <= ZIX_STORE_PATHS_MAX);
    struct zix_store_scratch *scratch = &k->zix.store;
    u32 edges = 0;
    for (u32 i = 0; i < count; i++) {
        scratch->gc_offsets[i] = edges;
        i64 result = zix_store_lookup(k, k->zix.paths[i], &k->zix.registration);
        if (result < 0) return result;
        scratch->gc_sizes_bytes[i] = k->zix.registration.nar_size_bytes;
        for (u32 r = 0; r < k->zix.registration.refs_count; r++) {
            u32 target = gc_index_of(k, count, k->zix.registration.refs[r]);
            if (target == count) continue;
            assert(edges < ZIX_STORE_PATHS_MAX * ZIX_REFS_MAX);
            scratch->gc_targets[edges++] = (u16)target;
        }
    }
    scratch->gc_offsets[count] = edges;
    return 0;
}

// The registered store path a root link's target names (or lies inside): its index, or
// count. Relative targets are taken from /zix/roots, as the walk would.
static u32 gc_root_target(const struct kernel *k, u32 count, const char *target) {
    assert(count <= ZIX_STORE_PATHS_MAX);
    assert(target != NULL);
    struct path path;
    if (path_resolve(ZIX_ROOTS_DIR, target, &path) < 0 || path.count < 3) return count;
    if (!str_equal(path.names[0], "zix") || !str_equal(path.names[1], "store")) return count;
    char store_path[ABI_PATH_LEN_MAX];
    u64 name_len = str_len_bounded(path.names[2], sizeof path.names[2]);
    if (ZIX_STORE_DIR_LEN + 1u + name_len + 1u > sizeof store_path) return count;
    mem_copy(store_path, ZIX_STORE_DIR "/", ZIX_STORE_DIR_LEN + 1u);
    mem_copy(store_path + ZIX_STORE_DIR_LEN + 1u, path.names[2], name_len + 1u);
    return gc_index_of(k, count, store_path);
}

// Marks the roots' targets: the links of /zix/roots (counted), then the held paths.
static i64 gc_roots(struct kernel *k, u32 count, u32 *roots) {
    assert(count <= ZIX_STORE_PATHS_MAX);
    struct zix_store_scratch *scratch = &k->zix.store;
    mem_set(scratch->gc_root, 0, sizeof scratch->gc_root);
    *roots = 0;
    i64 entries = fs_list_at(k, ZIX_ROOTS_DIR);
    if (entries == -E_NOENT) entries = 0; // no roots directory: no roots
    if (entries < 0) return entries;
    for (u32 i = 0; i < (u32)entries; i++) {
        str_copy(scratch->names[i], sizeof scratch->names[i], k->fs.entries[i].name);
        scratch->types[i] = (u8)k->fs.entries[i].type;
    }
    for (u32 i = 0; i < (u32)entries; i++) {
        if (scratch->types[i] != ABI_TYPE_SYMLINK) continue;
        char link[ABI_PATH_LEN_MAX];
        char target[FS_SYMLINK_BYTES_MAX + 1];
        if (!str_copy(link, sizeof link, ZIX_ROOTS_DIR "/")) return -E_NAMETOOLONG;
        if (!str_copy(link + sizeof ZIX_ROOTS_DIR, sizeof link - sizeof ZIX_ROOTS_DIR, scratch->names[i])) continue;
        i64 length = fs_read_symlink_at(k, link, target);
        if (length < 0) return length; // an unreadable root could keep anything: stop
        u32 index = gc_root_target(k, count, target);
        if (index == count) continue;
        scratch->gc_root[index] = true;
        (*roots)++;
    }
    u32 held = planted_bug(k, BUG_ZIX_GC_IGNORES_HELD) ? 0 : zix_build_held_paths(k, scratch->held, ZIX_GC_HELD_MAX);
    assert(held <= ZIX_GC_HELD_MAX);
    for (u32 i = 0; i < held; i++) {
        u32 index = gc_index_of(k, count, scratch->held[i]);
        if (index < count) scratch->gc_root[index] = true;
    }
    return 0;
}

// Frees path i: unregistered first, then its tree removed (a failed removal leaves a
// leftover for the next boot: the path is freed all the same).
static i64 gc_free(struct kernel *k, u32 i) {
    assert(i < ZIX_STORE_PATHS_MAX);
    assert(!k->zix.store.gc_live[i]);
    const char *path = k->zix.paths[i];
    u64 path_digest = bytes_digest(path, str_len_bounded(path, ZIX_STORE_PATH_LEN_MAX + 1));
    i64 result = zix_store_unregister(k, path);
    if (result < 0) return result;
    observe_trace(k->platform, TRACE_ZIX_UNREGISTERED, path_digest, ZIX_UNREGISTERED_BY_GC, 0);
    result = zix_tree_remove(k, path);
    if (result < 0) klog(k, LOG_WARN, "zix: gc: %s unregistered, its tree left (error %lld)", path, (long long)-result);
    else klog(k, LOG_INFO, "zix: gc: %s freed", path);
    return 0;
}

// Counts path i among the freed, named in path order (the first
// ABI_ZIX_GC_FREED_NAMED_MAX), whatever order frees them.
static void gc_count(struct kernel *k, u32 i, struct abi_zix_gc *out) {
    assert(i < ZIX_STORE_PATHS_MAX);
    assert(!k->zix.store.gc_live[i]);
    const char *path = k->zix.paths[i];
    if (out->freed_named < ABI_ZIX_GC_FREED_NAMED_MAX) {
        str_copy(out->freed_paths[out->freed_named], ABI_ZIX_PATH_BYTES, path);
        out->freed_named++;
    }
    out->freed++;
    out->freed_bytes += k->zix.store.gc_sizes_bytes[i];
}

// Frees the dead paths referrers first: a path goes once no dead path still registered
// refers to it, so a crash between two unregistrations (each its own batch) never
// leaves a registration whose reference is gone: the closure stays complete on disk.
static i64 gc_free_dead(struct kernel *k, u32 count) {
    struct zix_store_scratch *scratch = &k->zix.store;
    u16 referrers[ZIX_STORE_PATHS_MAX]; // per path: dead paths not yet freed that refer to it
    assert(count <= ZIX_STORE_PATHS_MAX);
    mem_set(referrers, 0, sizeof referrers);
    for (u32 j = 0; j < count; j++) {
        if (scratch->gc_live[j]) continue;
        for (u32 e = scratch->gc_offsets[j]; e < scratch->gc_offsets[j + 1]; e++) {
            if (scratch->gc_targets[e] != j) referrers[scratch->gc_targets[e]]++;
        }
    }
    u32 queued = 0;
    for (u32 i = 0; i < count; i++) {
        if (!scratch->gc_live[i] && referrers[i] == 0) scratch->gc_stack[queued++] = (u16)i;
    }
    while (queued > 0) {
        u32 i = scratch->gc_stack[--queued];
        i64 result = gc_free(k, i);
        if (result < 0) return result;
        for (u32 e = scratch->gc_offsets[i]; e < scratch->gc_offsets[i + 1]; e++) {
            u32 target = scratch->gc_targets[e];
            if (target == i || scratch->gc_live[target]) continue;
            assert(referrers[target] > 0);
            if (--referrers[target] == 0) scratch->gc_stack[queued++] = (u16)target;
        }
    }
    return 0;
}

i64 zix_gc_run(struct kernel *k, bool dry_run, struct abi_zix_gc *out) {
    assert(k != NULL);
    assert(out != NULL);
    mem_set(out, 0, sizeof *out);
    i64 result = dry_run ? fs_readable(k) : fs_usable(k);
    if (result < 0) return result;
    i64 count = zix_store_list(k, k->zix.paths);
    if (count < 0) return count;
    result = gc_graph(k, (u32)count);
    if (result == 0) result = gc_roots(k, (u32)count, &out->roots);
    if (result < 0) return result;
    struct zix_store_scratch *scratch = &k->zix.store;
    out->kept = zix_gc_mark((u32)count, scratch->gc_offsets, scratch->gc_targets, scratch->gc_root,
                            scratch->gc_live, scratch->gc_stack);
    assert(out->kept <= (u32)count);
    for (u32 i = 0; i < (u32)count; i++) {
        if (!scratch->gc_live[i]) gc_count(k, i, out);
    }
    result = dry_run ? 0 : gc_free_dead(k, (u32)count);
    if (result < 0) return result;
    klog(k, LOG_INFO, "zix: gc%s: %u roots, %u kept, %u freed", dry_run ? " (dry run)" : "", out->roots, out->kept,
         out->freed);
    return 0;
}
