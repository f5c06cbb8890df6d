// The zix invariants (invariant_zix.c: the events; invariant_zix_store.c: what the
// simulator reads of the node's store). Zix's kernel room traces each build, cache hit,
// registration, unregistration and sandbox decision (TRACE_ZIX_*); the simulator keeps
// its own account from those events and from the node's database, read between steps
// through GrainDB's public reads and the filesystem's pure decoders (as the storage
// invariants do), apart from the kernel's store code: registrations are decoded with
// the engine's zix_registration_decode and trees hashed with its zix_nar functions,
// fed by the simulator's own walk.
#pragma once

#include "kernel/lib/types.h"
#include "kernel/fs/fs.h"
#include "subsystems/zix/zix.h"

#define ZIX_SHADOW_PATHS_MAX 1024u   // registrations read at once (zixhost.h ZIX_STORE_PATHS_MAX)
#define ZIX_ROOT_WRITTEN_MAX 16u     // store paths root changed inside, remembered
#define ZIX_SHADOW_ROOTS_MAX 64u     // links in /zix/roots judged
#define ZIX_RECIPES_SEEN_MAX 512u    // distinct recipe hashes of a run
#define ZIX_ACCESSES_PENDING_MAX 32u // sandbox accesses of one step, judged after it
#define ZIX_HASH_EVERY_STEPS 32u     // the round robin of registered trees hashed
#define ZIX_PARENTS_MAX 64u          // directories walked up from an access

// A build's path access the sandbox allowed, judged after the step (the database is
// read between steps only; the build's slot, which says what it may reach, is still
// running then: a builder's exit is finished at a later step's start).
struct zix_access {
    u32 build_id;
    u32 syscall;
    u64 directory_inode;
    u64 inode;
};

// Per boot of a node (reset with the node's invariant state).
struct zix_boot_shadow {
    bool leftovers_judged;  // zix_all_or_nothing ran after this boot's leftover removal
    bool store_dirty;       // a registration changed this step: read the store after it
    bool roots_dirty;       // a link may have changed: read /zix/roots after the step
    bool store_read;        // the registrations were read this boot
    bool roots_read;        // /zix/roots was read this boot
    bool leftovers_failed;  // a leftover removal failed this boot (the disk): not judged
    u32 steps_since_hash;   // the round robin hashes one registered tree every so many steps
    u32 started_count;      // builds started this step: their paths checked after it
    u32 started_ids[4];
    u32 registered_pending; // paths registered this step: hashed after it (round robin else)
    u64 registered_fnv[4];
    u32 accesses_count;
    u64 accesses_dropped;   // beyond ZIX_ACCESSES_PENDING_MAX in one step (counted, not judged)
    struct zix_access accesses[ZIX_ACCESSES_PENDING_MAX];
};

// A directory of a tree being hashed, and its next entry.
struct zix_tree_frame {
    u64 inode;
    u32 next;
};

// One registration as last read from a node's database.
struct zix_shadow_path {
    char path[ZIX_STORE_PATH_LEN_MAX + 1];
    u64 path_fnv;
    u8 nar_hash[ZIX_HASH_BYTES];
    u32 refs_count;
    u64 refs_fnv[ZIX_REFS_MAX];
};

// What a node's disk holds, as last read (survives reboots like the disk).
struct zix_node_store {
    bool valid;             // read since the last change
    u32 count;
    struct zix_shadow_path paths[ZIX_SHADOW_PATHS_MAX];
    bool roots_valid;
    u32 roots_count;
    u64 roots_fnv[ZIX_SHADOW_ROOTS_MAX]; // the store paths the links name (FNV-1a)
    u32 hash_next;          // the round robin of zix_registered_contents_hash
    // Store paths a root process changed inside (root may write anything, the store too:
    // zixtest damages an output to test REPAIR): their contents are not judged until the
    // path is registered again. FNV-1a of the store path; the oldest dropped when full.
    u32 root_written_count;
    u64 root_written_fnv[ZIX_ROOT_WRITTEN_MAX];
};

// A recipe hash as the run saw it: the path it gave, the nar hash it built to.
struct zix_recipe_seen {
    u64 recipe8;
    u64 path_fnv;
    u64 nar8;       // 0: none registered yet
};

// What the run's Zix did (the summary's zix line), all nodes.
struct zix_counts {
    u64 builds;       // builders started (TRACE_ZIX_BUILD_START of a build)
    u64 cache_hits;
    u64 registered;
    u64 failed;       // builds that ended FAILED
    u64 checks_same;  // check rebuilds that hashed as registered
    u64 gc_deletions;
    u64 sandbox_refusals;
    u64 sandbox_allowed;  // accesses judged
    u64 leftovers_removed;
    u64 trees_hashed;     // registered trees the simulator hashed
    u64 trees_unreadable; // of them, a read failed (an error, never other bytes)
    u64 unchecked;        // judgements skipped: the store or the roots unreadable
};

// The run's zix state (allocated on first use; sim_destroy frees it).
struct zix_run {
    u32 recipes_count;
    struct zix_recipe_seen recipes[ZIX_RECIPES_SEEN_MAX];
    struct zix_node_store stores[8]; // by node id (NODES_MAX, sim.h)
    struct zix_registration registration; // decode scratch
    struct zix_nar nar;                   // a tree being hashed
    u8 record[ZIX_RECORD_BYTES_MAX];
    char store_entries[FS_DIR_ENTRIES_MAX][ZIX_STORE_PATH_LEN_MAX + 1]; // /zix/store's entries
    u64 store_entries_fnv[FS_DIR_ENTRIES_MAX];
    struct zix_tree_frame frames[ZIX_NAR_DEPTH_MAX + 1]; // a tree walk's directories
};

struct sim;
struct platform;
struct trace_event;
// From the kernel's TRACE_ZIX_* events, and TRACE_SYSCALL (links may change).
void zix_on_event(struct sim *sim, struct platform *node, const struct trace_event *event);
// After each step of a running node.
void zix_after_step(struct sim *sim, struct platform *node);
void zix_run_destroy(struct zix_run *run);

// invariant_zix_store.c: reads of the node's store, between steps.
struct zix_run *zix_run_get(struct sim *sim);
// Reads every registration (refs "zix/...") into the node's shadow; false when the
// database could not be read (not mounted, an unreadable record: counted unchecked).
bool zix_store_read(struct sim *sim, struct platform *node);
bool zix_roots_read(struct sim *sim, struct platform *node);
void zix_check_closure(struct sim *sim, struct platform *node);
void zix_check_all_or_nothing(struct sim *sim, struct platform *node);
void zix_check_tree_hash(struct sim *sim, struct platform *node, u32 index);
void zix_check_access(struct sim *sim, struct platform *node, const struct zix_access *access);
u64 zix_path_fnv(const char *path);
struct fs_change;
void zix_on_fs_change(struct sim *sim, struct platform *node, const struct fs_change *change);
bool zix_root_written(struct sim *sim, const struct platform *node, u64 path_fnv);
struct zix_build;
// The build of the node's current boot with this id (running or done), or NULL.
const struct zix_build *zix_build_of(const struct platform *node, u64 id);
__attribute__((format(printf, 4, 5))) void zix_violation(struct sim *sim, struct platform *node, u32 invariant,
                                                         const char *format, ...);
