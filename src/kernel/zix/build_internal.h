// The build side of Zix's room: recipe resolution (zix_resolve.c), the build table
// (zix_build.c) and the zix_build syscall (syscall_zix_build.c) share these.
#pragma once

#include "kernel/proc/proc.h"
#include "kernel/zix/internal.h"

// The slot of the live (not free) process pid, or SLOT_NONE.
u32 zix_proc_slot(const struct kernel *k, u32 pid);

// Reads the recipe file (path text, from the caller's cwd, with the caller's rights)
// and resolves its inputs without recursion: on 0, k->zix.resolve[0].recipe has every
// input's store_path set, and recipe_hash and store_path are the recipe's. import:
// sources are imported into the store and every recipe input must be registered
// (START); else sources are only hashed (PATH). Errors fill result->missing.
i64 zix_resolve(struct kernel *k, u32 caller_slot, const char *file, bool import, u8 recipe_hash[ZIX_HASH_BYTES],
                char store_path[ZIX_STORE_PATH_LEN_MAX + 1], struct abi_zix_build *result);

// Starts a builder for recipe (inputs resolved), whose store path is store_path: a
// running build of the same path is joined. 0 with result status RUNNING and build_id,
// or -error (-E_AGAIN: no free slot, or the caller's share used).
i64 zix_build_begin(struct kernel *k, u32 caller_slot, enum zix_build_kind kind, const struct zix_recipe *recipe,
                    const u8 recipe_hash[ZIX_HASH_BYTES], const char *store_path, struct abi_zix_build *result);
// WAIT: 0 with *running set while it runs; else the result copied and the slot freed.
// -E_NOENT: no such build; -E_PERM: the caller is neither who started it nor root.
i64 zix_build_collect(struct kernel *k, u32 caller_slot, u32 build_id, struct abi_zix_build *result, bool *running);

// A directory source at physical (the caller may read all of it): copied with the
// caller's rights, hashed, its store path given; import: renamed into the store,
// sealed, registered (unless it is already). -E_INVAL: a symbolic link or another
// node that is not a file or directory, too deep or too many nodes.
i64 zix_source_directory(struct kernel *k, u32 caller_slot, const char *physical, const char *name, bool import,
                         char store_path[ZIX_STORE_PATH_LEN_MAX + 1]);
