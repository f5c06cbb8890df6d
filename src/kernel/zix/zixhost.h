// The kernel hosts Zix (src/subsystems/zix: the engine, pure computation). It reads
// recipes with the caller's permissions, resolves their inputs, imports sources, runs
// each builder as a build user in a sandbox the kernel enforces (zix_sandbox.c), and
// registers what a builder made: the tree is sealed (root's, read-only), hashed
// canonically, its references found, and its registration record written as one
// GrainDB ref, "zix/<hash part>", in one batch. Registered means that ref exists; an
// entry of /zix/store without one is a leftover (a crash, a failed build) and is
// removed at the next boot and before the same path is built again. Only the kernel
// writes under /zix/store, /zix/check and /zix/tmp. All state is in struct zix_host (no
// allocation); every boot rebuilds it.
#pragma once

#include "kernel/abi.h"
#include "kernel/lib/types.h"
#include "subsystems/zix/zix.h"

#define ZIX_ROOTS_DIR "/zix/roots"      // symbolic links to store paths: the GC's roots
#define ZIX_CHECK_DIR "/zix/check"      // rebuilds of check and repair (same length as
                                        // ZIX_STORE_DIR, so a rebuild's own path can be
                                        // rewritten to the store's while it is hashed)
#define ZIX_TMP_DIR "/zix/tmp"          // each build's private temporary directory
#define ZIX_LOG_DIR "/var/log/zix"      // each build's output: <hash part>-<name>.log
#define ZIX_KEY_DIR "/etc/zix"          // the machine's signing key (root only)
#define ZIX_RECORD_KEY_PREFIX "zix/"    // GrainDB keys of registrations: prefix + hash part
// Store paths registered at once: /zix/store is one directory (FS_DIR_ENTRIES_MAX), and
// each registration is a GrainDB key the filesystem leaves free (fs.h FS_INODES_MAX).
#define ZIX_STORE_PATHS_MAX 1024u
// The store is root's once sealed, so what non-root callers register has shares of its
// own (zix_store_share_check): paths and bytes per user, and a reserve of paths and
// bytes that only root's builds may take, so xy cannot fill the store, or the disk
// through it, against root.
#define ZIX_STORE_PATHS_PER_USER_MAX 64u
#define ZIX_STORE_PATHS_ROOT_RESERVE 32u
#define ZIX_STORE_USER_BYTES_DIVISOR 8u   // one user: 1/8 of the filesystem's capacity
#define ZIX_STORE_USERS_BYTES_DIVISOR 4u  // all non-root users together: 1/4
// Names of store paths here: a path's last component is "<32 chars>-<name>" and a
// component holds at most ABI_NAME_LEN_MAX bytes, so names are shorter than Nix's 211.
#define ZIX_HOST_NAME_LEN_MAX (ABI_NAME_LEN_MAX - ZIX_PATH_HASH_CHARS - 1u)
// Build slots (ABI_ZIX_BUILDS_MAX): a non-root user holds at most
// ABI_ZIX_BUILDS_PER_USER_MAX, and the non-root users together leave root this many.
#define ZIX_BUILDS_ROOT_RESERVE 1u
#define ZIX_BUILD_UID_FIRST 30001u      // build users: ZIX_BUILD_UID_FIRST + build slot
#define ZIX_BUILD_TIMEOUT_NS (60ull * 1000000000ull) // then the builder is killed: failed
#define ZIX_SANDBOX_REALTIME_NS 1000000000ull // a builder's realtime clock: 1 s after the epoch
#define ZIX_OUTPUT_NODES_MAX 256u       // files, links and directories of one output
#define ZIX_SANDBOX_LOG_LINES_MAX 8u    // refusals logged per build (the rest counted)
#define ZIX_RESOLVE_DEPTH_MAX 24u       // recipe inputs nested (resolved without recursion): the 20-recipe chain example
#define ZIX_RESOLVE_VISITS_MAX 64u      // recipes read by one call
#define ZIX_WAIT_POLL_NS 10000000ull    // WAIT on a running build polls every 10 ms
#define ZIX_DONE_KEEP_NS (60ull * 1000000000ull) // a result nobody collects is freed then
#define ZIX_BUILD_WAITERS_MAX 4u        // users that started or joined one build

struct kernel;

enum zix_build_kind { ZIX_KIND_BUILD = 1, ZIX_KIND_CHECK, ZIX_KIND_REPAIR };
enum zix_build_state { ZIX_SLOT_FREE = 0, ZIX_SLOT_RUNNING, ZIX_SLOT_DONE };

// One build, from START (or CHECK, REPAIR) to the WAIT that collects it.
struct zix_build {
    enum zix_build_state state;
    enum zix_build_kind kind;
    u32 id;                 // ABI build_id: never 0, never reused within a boot
    u32 caller_uid;         // real uid of who started it: it, or root, may WAIT
    u32 builder_pid;        // 0 once it exited
    u32 build_uid;          // ZIX_BUILD_UID_FIRST + slot
    u64 started_ns;         // monotonic: the sandbox's monotonic clock counts from it
    u64 deadline_ns;        // started_ns + ZIX_BUILD_TIMEOUT_NS
    u64 random_counter;     // the sandbox's getrandom stream position
    u32 refusals;           // sandbox refusals (ZIX_SANDBOX_LOG_LINES_MAX logged)
    u8 recipe_hash[ZIX_HASH_BYTES];
    char store_path[ZIX_STORE_PATH_LEN_MAX + 1];   // what is built (or checked)
    char out_path[ZIX_STORE_PATH_LEN_MAX + 1];     // $out: the store path, or under /zix/check
    char tmp_path[ABI_PATH_LEN_MAX];               // $tmp
    char log_path[ABI_PATH_LEN_MAX];
    u32 inputs_count;                              // store paths it may read (closure)
    char inputs[ZIX_REFS_MAX][ZIX_STORE_PATH_LEN_MAX + 1];
    u32 recipe_length;
    char recipe[ZIX_RECIPE_TEXT_BYTES_MAX];        // canonical
    struct abi_zix_build result;                   // filled at DONE
    // Appended by the build side (zix_build.c):
    u64 done_ns;            // monotonic when it became DONE: uncollected, freed later
    u32 caller_slot_pid;    // the pid that started it (its log lines name it)
    // A START of a path already building joins it: every joiner may WAIT, and the slot
    // is freed once each START was collected (or ZIX_DONE_KEEP_NS after the end).
    u32 waiters;                                   // STARTs not yet collected by a WAIT
    u32 waiter_uids_count;
    u32 waiter_uids[ZIX_BUILD_WAITERS_MAX];        // the uids that started or joined it
};

// The store side's scratch (zix_tree.c, zix_gc.c, syscall_zix_store.c): the walk of a
// tree (an explicit stack: no recursion), one file's bytes, the GC's graph, a reply.
#define ZIX_WALK_DEPTH_MAX 32u          // PATH_COMPONENTS_MAX: any tree the fs can hold
#define ZIX_GC_HELD_MAX (ABI_ZIX_BUILDS_MAX * (ZIX_REFS_MAX + 1u))
struct zix_walk_frame {
    u32 path_length;                            // the directory's path in zix_walk.path
    char last_name[ABI_NAME_LEN_MAX + 1];       // the last entry visited ("" none yet)
};
struct zix_walk {
    char path[ABI_PATH_LEN_MAX];                // the node being visited
    u32 depth;                                  // directories open (frames in use)
    struct zix_walk_frame frames[ZIX_WALK_DEPTH_MAX];
};
struct zix_store_scratch {
    struct zix_walk walk;
    u8 file[ABI_FILE_SIZE_MAX];                 // one file's bytes while it is hashed
    char names[ZIX_STORE_PATHS_MAX][ABI_NAME_LEN_MAX + 1]; // a directory's entries, copied
    u8 types[ZIX_STORE_PATHS_MAX];
    u32 gc_offsets[ZIX_STORE_PATHS_MAX + 1];
    u16 gc_targets[ZIX_STORE_PATHS_MAX * ZIX_REFS_MAX];
    u64 gc_sizes_bytes[ZIX_STORE_PATHS_MAX];
    bool gc_root[ZIX_STORE_PATHS_MAX];
    bool gc_live[ZIX_STORE_PATHS_MAX];
    u16 gc_stack[ZIX_STORE_PATHS_MAX];
    char held[ZIX_GC_HELD_MAX][ZIX_STORE_PATH_LEN_MAX + 1];
    union {
        struct abi_zix_info info;
        struct abi_zix_text text;
        struct abi_zix_gc gc;
    } reply;
};

struct zix_host {
    bool boot_due;        // the first step after boot removes the leftovers
    u32 build_id_next;
    struct zix_build builds[ABI_ZIX_BUILDS_MAX];
    // Scratch, so that no large struct lives on the kernel stack.
    struct zix_recipe recipe;
    struct zix_registration registration;
    struct zix_nar nar;
    u8 record_bytes[ZIX_RECORD_BYTES_MAX];
    char paths[ZIX_STORE_PATHS_MAX][ZIX_STORE_PATH_LEN_MAX + 1]; // zix_store_list's rows
    struct zix_store_scratch store;  // the store side's (zix_tree.c, zix_gc.c, syscall_zix_store.c)
    // Appended by the build side: the recipes being resolved (zix_resolve.c), an
    // explicit stack instead of recursion.
    u32 resolve_depth;
    struct zix_resolve_frame {
        char file[ABI_PATH_LEN_MAX];   // the recipe's physical path
        u32 next_input;                // inputs before it are resolved
        struct zix_recipe recipe;
    } resolve[ZIX_RESOLVE_DEPTH_MAX];
    struct zix_error error;
    struct zix_registration share_record; // zix_store_share_check's decoded records
};

// Called from kernel_step before anything runs: the first step after a boot removes the
// leftovers; builders that exited are finished (registered or failed); overdue builders
// are killed. zix_host_deadline gives kernel_step's idle wait the next builder deadline
// (0: none).
void zix_host_step(struct kernel *k, u64 now_ns);
u64 zix_host_deadline(const struct kernel *k);

// ---- the sandbox (zix_sandbox.c), called from other rooms through kernel.h ------------
struct cred;
struct fs_name;
// The end of every path walk: for a builder's cred (a build uid), the physical path
// must be inside its $out, $tmp, an input store path, /bin or /test, else -E_ACCES
// (a failed walk outside those trees is -E_ACCES too: nothing outside is probed).
// Any other cred: walk_result unchanged.
i64 zix_sandbox_walk(struct kernel *k, const struct cred *cred, const struct fs_name *name, i64 walk_result);
// A builder's syscall (proc zix_build != 0), before the handler: true when the sandbox
// answered it (*result: a refusal, or its own clock and random stream).
bool zix_sandbox_syscall(struct kernel *k, u32 slot, u64 number, const u64 *args, i64 *result);
