// Zix's host, inside its room: the store's primitives (zix_store.c, zix_tree.c,
// zix_gc.c), used by the builds (zix_build.c, zix_resolve.c, zix_sandbox.c) and the
// syscalls (syscall_zix_build.c, syscall_zix_store.c). Every path given is absolute and
// normalized; every function works as root (the kernel), never with a caller's rights.
#pragma once

#include "kernel/kernel.h"
#include "kernel/zix/zixhost.h"

// ---- registrations (zix_store.c) --------------------------------------------------------
// The registration of store_path into *out: 0, -E_NOENT (not registered), -E_BADMSG
// (its record does not decode, or names another path), or the disk's error.
i64 zix_store_lookup(struct kernel *k, const char *store_path, struct zix_registration *out);
// Writes registration's record as the ref "zix/<hash part>" in ONE GrainDB batch,
// durable when it returns 0 (the commit point of a build). -E_AGAIN when
// ZIX_STORE_PATHS_MAX are registered.
i64 zix_store_register(struct kernel *k, const struct zix_registration *registration);
// Deletes the ref (one batch): the path is no longer registered; its tree is then a
// leftover, removed by the caller or at the next boot.
i64 zix_store_unregister(struct kernel *k, const char *store_path);
// The registered paths, sorted by path: count (<= ZIX_STORE_PATHS_MAX), paths written
// into out (ZIX_STORE_PATHS_MAX rows), or -error.
i64 zix_store_list(struct kernel *k, char (*out)[ZIX_STORE_PATH_LEN_MAX + 1]);
// Removes every entry of /zix/store that is not registered, and everything under
// /zix/check and /zix/tmp (traced TRACE_ZIX_LEFTOVER_REMOVED): at boot, and for one
// path before it is built again.
void zix_store_remove_leftovers(struct kernel *k);

// ---- trees (zix_tree.c) ---------------------------------------------------------------
// Hashes the tree at `absolute` canonically (zix_nar), as root, scanning for the hash
// parts of candidates (store paths). When rewrite_from is not NULL, every occurrence of
// it in the bytes (a path of the same length: a rebuild's $out under /zix/check) is
// hashed as rewrite_to, so a rebuild hashes as if built at its store path. Fills
// nar_hash, nar_size, and found[i] for each candidate present. -E_NOENT (no tree),
// -E_INVAL (an entry it cannot serialize, more than ZIX_OUTPUT_NODES_MAX nodes, deeper
// than ZIX_NAR_DEPTH_MAX), or the disk's error (-E_BADMSG: damaged bytes).
i64 zix_tree_hash(struct kernel *k, const char *absolute, const char (*candidates)[ZIX_STORE_PATH_LEN_MAX + 1],
                  u32 candidates_count, const char *rewrite_from, const char *rewrite_to,
                  u8 nar_hash[ZIX_HASH_BYTES], u64 *nar_size_bytes, bool *found);
// Makes every node of the tree root's and read-only (r-x for directories and for
// executables, r-- else): before it is hashed and registered.
i64 zix_tree_seal(struct kernel *k, const char *absolute);
// Removes the tree (bottom up, as root); absent is not an error.
i64 zix_tree_remove(struct kernel *k, const char *absolute);
// Creates a directory owned by uid with mode (the parent must exist).
i64 zix_tree_make_directory(struct kernel *k, const char *absolute, u32 uid, u32 mode);

// ---- builds (zix_build.c), as the store's GC needs them ---------------------------------
// Paths a running build holds (its inputs and its output): temporary GC roots. Fills
// out (rows of ZIX_STORE_PATH_LEN_MAX + 1, at most capacity) and returns the count.
u32 zix_build_held_paths(const struct kernel *k, char (*out)[ZIX_STORE_PATH_LEN_MAX + 1], u32 capacity);

// ---- the garbage collector (zix_gc.c), for sys_zix_store ---------------------------------
// Frees every registered path that no root (a link in /zix/roots to a registered path or
// inside one) and no running build reaches through references: each unregistered first,
// then its tree removed. dry_run changes nothing. Fills out; 0 or -error (a record that
// does not read: nothing freed).
i64 zix_gc_run(struct kernel *k, bool dry_run, struct abi_zix_gc *out);
