// zix_build(op, argument, struct abi_zix_build *): PATH, START, WAIT, CHECK, REPAIR
// (kernel/abi.h). Every argument is the caller's: paths are walked with its rights,
// the result is copied out even on an error (missing says why), a WAIT on a running
// build sleeps and runs again (polling; nothing else waits on it).
#include "kernel/syscall.h"

#include "kernel/fs/fs.h"
#include "kernel/lib/endian.h"
#include "kernel/lib/mem.h"
#include "kernel/observe.h"
#include "kernel/proc/clock.h"
#include "kernel/proc/usercopy.h"
#include "kernel/proc/vm.h"
#include "kernel/zix/build_internal.h"

static i64 zix_path_or_start(struct kernel *k, u32 slot, const char *file, bool start, struct abi_zix_build *result) {
    u8 recipe_hash[ZIX_HASH_BYTES];
    char store_path[ZIX_STORE_PATH_LEN_MAX + 1];
    i64 done = zix_resolve(k, slot, file, start, recipe_hash, store_path, result);
    if (done < 0) return done;
    str_copy(result->path, sizeof result->path, store_path);
    done = zix_store_lookup(k, store_path, &k->zix.registration);
    if (done < 0 && done != -E_NOENT) return done;
    bool registered = done == 0;
    if (!start) { result->status = registered ? ABI_ZIX_REGISTERED : ABI_ZIX_ABSENT; return 0; }
    if (registered) {
        result->status = ABI_ZIX_CACHED;
        observe_trace(k->platform, TRACE_ZIX_CACHE_HIT, load_u64_le(recipe_hash),
                      bytes_digest(store_path, str_len_bounded(store_path, sizeof store_path)), 0);
        return 0;
    }
    return zix_build_begin(k, slot, ZIX_KIND_BUILD, &k->zix.resolve[0].recipe, recipe_hash, store_path, result);
}

// CHECK and REPAIR: the registered recipe (canonical: every input a store path) again.
static i64 zix_rebuild(struct kernel *k, u32 slot, const char *store_path, enum zix_build_kind kind,
                       struct abi_zix_build *result) {
    u32 hash_at = 0, name_at = 0;
    if (!zix_store_path_parse(store_path, &hash_at, &name_at)) return -E_INVAL;
    if (kind == ZIX_KIND_REPAIR && k->procs[slot].cred.euid != ABI_UID_ROOT) return -E_PERM;
    str_copy(result->path, sizeof result->path, store_path);
    i64 done = zix_store_lookup(k, store_path, &k->zix.registration);
    if (done < 0) return done;
    const struct zix_registration *registration = &k->zix.registration;
    if (registration->recipe_length == 0) return -E_INVAL; // an imported source: nothing to rebuild
    u8 recipe_hash[ZIX_HASH_BYTES];
    mem_copy(recipe_hash, registration->recipe_hash, ZIX_HASH_BYTES);
    struct zix_recipe *recipe = &k->zix.recipe;
    done = zix_recipe_parse(registration->recipe, registration->recipe_length, recipe, &k->zix.error);
    if (done < 0) return -E_BADMSG; // registered, so the kernel wrote it: damaged
    for (u32 i = 0; i < recipe->inputs_count; i++) {
        if (recipe->inputs[i].kind != ZIX_INPUT_PATH) return -E_BADMSG;
        str_copy(recipe->inputs[i].store_path, ZIX_STORE_PATH_LEN_MAX + 1, recipe->inputs[i].value);
    }
    return zix_build_begin(k, slot, kind, recipe, recipe_hash, store_path, result);
}

static i64 zix_wait(struct kernel *k, u32 slot, u64 build_id, struct abi_zix_build *result, bool *restarted) {
    if (build_id > UINT32_MAX) return -E_NOENT;
    bool running = false;
    i64 done = zix_build_collect(k, slot, (u32)build_id, result, &running);
    if (done < 0 || !running) return done;
    // Still running: sleep, then the same syscall again (the builder's exit is seen
    // by zix_host_step, which wakes nobody: polling is deterministic and simple).
    syscall_restart_at(k, slot, kernel_monotonic_ns(k) + ZIX_WAIT_POLL_NS);
    *restarted = true;
    return 0;
}

i64 sys_zix_build(struct kernel *k, u32 slot, const u64 *args) {
    struct proc *proc_ = &k->procs[slot];
    assert(slot < PROCS_MAX);
    assert(proc_->state == PROC_RUNNABLE);
    u64 op = args[0], argument = args[1], out_va = args[2];
    if (proc_->zix_build != 0) return -E_PERM; // no build inside a build (the sandbox says so first)
    if (op > ABI_ZIX_BUILD_REPAIR) return -E_INVAL;
    if (!user_range_ok(k, proc_, out_va, sizeof(struct abi_zix_build), PTE_R | PTE_W)) return -E_FAULT;
    i64 usable = fs_usable(k);
    if (usable < 0) return usable;
    struct abi_zix_build result;
    mem_set(&result, 0, sizeof result);
    char text[ABI_PATH_LEN_MAX];
    i64 done = 0;
    if (op != ABI_ZIX_BUILD_WAIT) done = copy_string_from_user(k, proc_, text, sizeof text, argument);
    if (done < 0) return done;
    bool restarted = false;
    if (op == ABI_ZIX_BUILD_PATH || op == ABI_ZIX_BUILD_START) done = zix_path_or_start(k, slot, text, op == ABI_ZIX_BUILD_START, &result);
    else if (op == ABI_ZIX_BUILD_WAIT) done = zix_wait(k, slot, argument, &result, &restarted);
    else done = zix_rebuild(k, slot, text, op == ABI_ZIX_BUILD_CHECK ? ZIX_KIND_CHECK : ZIX_KIND_REPAIR, &result);
    if (restarted) return 0; // it runs again: nothing is copied now
    i64 copied = copy_to_user(k, proc_, out_va, &result, sizeof result);
    return done < 0 ? done : copied;
}
