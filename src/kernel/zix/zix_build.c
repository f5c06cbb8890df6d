// Zix's build table: a build is started (zix_build_begin: $out, $tmp, the log, the
// builder spawned with no parent, as a build user in the sandbox), ends when its
// builder exits or is overdue (zix_host_step: the output sealed, hashed and registered
// in one batch, or compared for CHECK and REPAIR), and is collected by WAIT. Every
// process a builder spawns carries its mark (proc zix_build) and dies with the build.
#include "kernel/zix/build_internal.h"
#include "kernel/bugs.h"

#include "kernel/fs/fs.h"
#include "kernel/fs/path.h"
#include "kernel/lib/endian.h"
#include "kernel/lib/format.h"
#include "kernel/lib/mem.h"
#include "kernel/observe.h"
#include "kernel/proc/clock.h"

#define ZIX_DIRECTORY_MODE 0755u   // /zix, /zix/store, /zix/roots, /var/log/zix, $out
#define ZIX_PRIVATE_PARENT_MODE 0711u // /zix/check, /zix/tmp: entries reachable, not listed
#define ZIX_TMP_MODE 0700u
#define ZIX_LOG_MODE 0644u         // the caller reads its build's log

u32 zix_proc_slot(const struct kernel *k, u32 pid) {
    assert(k != NULL);
    assert(pid != 0);
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        if (k->procs[slot].state != PROC_FREE && k->procs[slot].pid == pid) return slot;
    }
    return SLOT_NONE;
}

static u64 path_digest(const char *path) {
    assert(path != NULL);
    return bytes_digest(path, str_len_bounded(path, ZIX_STORE_PATH_LEN_MAX + 1));
}

static i64 compare_strings(const char *a, const char *b) {
    assert(a != NULL);
    assert(b != NULL);
    while (*a != '\0' && *a == *b) { a++; b++; }
    return (i64)(u8)*a - (i64)(u8)*b;
}

// Adds path to the build's inputs unless it is there: -E_INVAL past the bound (one
// candidate is kept for the output's own path).
static i64 closure_add(struct zix_build *build, const char *path) {
    assert(build->inputs_count < ZIX_REFS_MAX);
    for (u32 i = 0; i < build->inputs_count; i++) {
        if (str_equal(build->inputs[i], path)) return 0;
    }
    if (build->inputs_count + 1 >= ZIX_REFS_MAX) return -E_INVAL;
    str_copy(build->inputs[build->inputs_count++], ZIX_STORE_PATH_LEN_MAX + 1, path);
    return 0;
}

// The inputs and everything they reference, transitively (a worklist, no recursion):
// what the sandbox lets the builder read, and where its output's references are found.
static i64 build_closure(struct kernel *k, struct zix_build *build, const struct zix_recipe *recipe) {
    assert(recipe->inputs_count <= ZIX_INPUTS_MAX);
    build->inputs_count = 0;
    i64 result = 0;
    for (u32 i = 0; i < recipe->inputs_count && result == 0; i++) {
        result = closure_add(build, recipe->inputs[i].store_path);
    }
    for (u32 at = 0; at < build->inputs_count && result == 0; at++) {
        result = zix_store_lookup(k, build->inputs[at], &k->zix.registration);
        if (result == -E_NOENT && planted_bug(k, BUG_ZIX_PATH_INPUT_UNCHECKED)) { result = 0; continue; }
        const struct zix_registration *registration = &k->zix.registration;
        for (u32 r = 0; r < registration->refs_count && result == 0; r++) {
            result = closure_add(build, registration->refs[r]);
        }
    }
    assert(build->inputs_count < ZIX_REFS_MAX);
    return result;
}

// $out, $tmp and the log's path; the canonical recipe.
static i64 build_paths(struct zix_build *build, const struct zix_recipe *recipe, const char *store_path) {
    assert(build->id != 0);
    str_copy(build->store_path, sizeof build->store_path, store_path);
    if (build->kind == ZIX_KIND_BUILD) str_copy(build->out_path, sizeof build->out_path, store_path);
    else format(build->out_path, sizeof build->out_path, "%s%s", ZIX_CHECK_DIR, store_path + ZIX_STORE_DIR_LEN);
    assert(str_len_bounded(build->out_path, sizeof build->out_path) == str_len_bounded(store_path, sizeof build->out_path));
    format(build->tmp_path, sizeof build->tmp_path, "%s/%u", ZIX_TMP_DIR, build->id);
    format(build->log_path, sizeof build->log_path, "%s/%s.log", ZIX_LOG_DIR, store_path + ZIX_STORE_DIR_LEN + 1);
    i64 length = zix_recipe_canonical(recipe, build->recipe, sizeof build->recipe);
    if (length < 0) return length;
    build->recipe_length = (u32)length;
    return 0;
}

// The log, created (or emptied) as root and given to the build user: an open file the
// builder's fds 1 and 2 share (O_APPEND, so its children's writes do not overwrite).
static i64 build_open_log(struct kernel *k, const struct zix_build *build, u32 *index) {
    const u8 nothing[1] = {0};
    i64 result = fs_write_file_as_root(k, build->log_path, ZIX_LOG_MODE, nothing, 0);
    struct fs_inode inode;
    if (result == 0) result = fs_lookup_at(k, build->log_path, &inode);
    if (result == 0) result = fs_give_as_root(k, build->log_path, &inode, build->build_uid, build->build_uid, ZIX_LOG_MODE);
    struct path path;
    if (result == 0) result = path_resolve("/", build->log_path, &path);
    if (result < 0) return result;
    const struct cred root = accounts_cred(k, ABI_UID_ROOT);
    const struct fs_change change = {.op = FS_CHANGE_OPEN_WRITE, .cred = &root, .path = &path, .target = &inode};
    result = fs_file_open_write(k, &change, false, build->build_uid);
    if (result < 0) return result;
    *index = (u32)result;
    return 0;
}

// $out (owned by the build user; any leftover removed first) and $tmp.
static i64 build_directories(struct kernel *k, const struct zix_build *build) {
    i64 result = zix_tree_remove(k, build->out_path);
    if (result == 0) result = zix_tree_remove(k, build->tmp_path);
    if (result == 0) result = zix_tree_make_directory(k, build->out_path, build->build_uid, ZIX_DIRECTORY_MODE);
    if (result == 0) result = zix_tree_make_directory(k, build->tmp_path, build->build_uid, ZIX_TMP_MODE);
    return result;
}

// The builder's arguments: the recipe's, substituted ($out, $tmp, inputs, variables).
static i64 build_arguments(struct kernel *k, const struct zix_build *build, const struct zix_recipe *recipe,
                           struct spawn_args *args) {
    assert(recipe->args_count <= ZIX_ARGS_MAX);
    STATIC_ASSERT(ZIX_ARGS_MAX + 1 <= ABI_ARGV_COUNT_MAX);
    args->count = 1 + recipe->args_count;
    str_copy(args->strings[0], ABI_ARG_LEN_MAX, recipe->builder);
    for (u32 i = 0; i < recipe->args_count; i++) {
        i64 length = zix_substitute(recipe, build->out_path, build->tmp_path, recipe->args[i], args->strings[i + 1],
                                    ABI_ARG_LEN_MAX, &k->zix.error);
        if (length < 0) return length;
    }
    return 0;
}

// The builder, spawned with no parent (the kernel reaps it), marked, its fds 1 and 2
// the log, no console, its cwd $tmp.
static i64 build_spawn(struct kernel *k, u32 build_slot, const struct zix_recipe *recipe) {
    struct zix_build *build = &k->zix.builds[build_slot];
    struct spawn_args args;
    i64 result = build_arguments(k, build, recipe, &args);
    struct fs_inode tmp;
    if (result == 0) result = fs_lookup_at(k, build->tmp_path, &tmp);
    u32 log = 0;
    if (result == 0) result = build_open_log(k, build, &log);
    if (result < 0) return result;
    const struct cred cred = {.ruid = build->build_uid, .euid = build->build_uid, .suid = build->build_uid,
                              .rgid = build->build_uid, .egid = build->build_uid, .sgid = build->build_uid};
    i64 pid = proc_spawn(k, 0, recipe->builder, &args, &cred);
    observe_trace(k->platform, TRACE_ZIX_BUILDER_SPAWNED, build->id, pid > 0 ? (u64)pid : 0, build->build_uid);
    if (pid < 0) { (void)fs_file_release(k, log); return pid; }
    struct proc *proc_ = &k->procs[zix_proc_slot(k, (u32)pid)];
    proc_->zix_build = (u8)(build_slot + 1);
    proc_->cwd_inode = tmp.inode;
    mem_set(&proc_->fds[0], 0, sizeof proc_->fds[0]);
    const struct fd out = {.kind = FD_FILE, .flags = ABI_O_WRONLY | ABI_O_APPEND, .open_file = log};
    proc_->fds[1] = out;
    proc_->fds[2] = out;
    fs_file_hold(k, log);
    build->builder_pid = (u32)pid;
    klog(k, LOG_INFO, "zix: build %u: %s started as pid %u (uid %u), log %s", build->id, build->store_path, (u32)pid,
         build->build_uid, build->log_path);
    return 0;
}

// The log becomes the caller's once its builder is gone: it then counts against the
// caller's disk share, not against a build user's, which every later build in that slot
// shares (xy's logs would otherwise fill it against root's builds).
static void build_log_to_caller(struct kernel *k, const struct zix_build *build) {
    assert(build->log_path[0] == '/');
    assert(build->state == ZIX_SLOT_RUNNING);
    struct fs_inode inode;
    const struct cred caller = accounts_cred(k, build->caller_uid);
    i64 result = fs_lookup_at(k, build->log_path, &inode);
    if (result == 0) result = fs_give_as_root(k, build->log_path, &inode, caller.ruid, caller.rgid, ZIX_LOG_MODE);
    if (result < 0 && result != -E_NOENT) klog(k, LOG_WARN, "zix: build %u: log %s kept by its build user (error %lld)", build->id,
                         build->log_path, (long long)-result);
}

// The build ends: its result waits in the slot for WAIT (or ZIX_DONE_KEEP_NS).
static void build_end(struct kernel *k, struct zix_build *build, u32 status, const struct abi_wait_status *exit) {
    assert(build->state == ZIX_SLOT_RUNNING);
    assert(status >= ABI_ZIX_REGISTERED);
    struct abi_zix_build *result = &build->result;
    result->status = status;
    result->build_id = build->id;
    str_copy(result->path, sizeof result->path, build->store_path);
    str_copy(result->log_path, sizeof result->log_path, build->log_path);
    if (exit != NULL) result->exit_status = *exit;
    (void)zix_tree_remove(k, build->tmp_path);
    build_log_to_caller(k, build);
    build->state = ZIX_SLOT_DONE;
    build->builder_pid = 0;
    build->done_ns = kernel_monotonic_ns(k);
    observe_trace(k->platform, TRACE_ZIX_BUILD_END, build->id, status, path_digest(build->store_path));
    klog(k, LOG_INFO, "zix: build %u: %s ended: status %u, %u sandbox refusals", build->id, build->store_path,
         status, build->refusals);
}

static bool build_waiter(const struct zix_build *build, u32 uid) {
    assert(build->waiter_uids_count <= ZIX_BUILD_WAITERS_MAX);
    for (u32 i = 0; i < build->waiter_uids_count; i++) {
        if (build->waiter_uids[i] == uid) return true;
    }
    return false;
}

// uid's START counts as one more WAIT to collect it: false when ZIX_BUILD_WAITERS_MAX
// other users joined already.
static bool build_join(struct zix_build *build, u32 uid) {
    assert(build->id != 0);
    if (!build_waiter(build, uid)) {
        if (build->waiter_uids_count == ZIX_BUILD_WAITERS_MAX) return false;
        build->waiter_uids[build->waiter_uids_count++] = uid;
    }
    build->waiters++;
    return true;
}

static bool build_joinable(const struct zix_build *build, enum zix_build_kind kind, const char *store_path) {
    return build->state == ZIX_SLOT_RUNNING && build->kind == kind && str_equal(build->store_path, store_path);
}

// A free slot for a build by uid, or ABI_ZIX_BUILDS_MAX (all taken, or uid's share).
static u32 build_free_slot(const struct kernel *k, u32 uid) {
    STATIC_ASSERT(ZIX_BUILDS_ROOT_RESERVE < ABI_ZIX_BUILDS_MAX);
    u32 free_slot = ABI_ZIX_BUILDS_MAX, used = 0, users_used = 0;
    for (u32 slot = 0; slot < ABI_ZIX_BUILDS_MAX; slot++) {
        const struct zix_build *build = &k->zix.builds[slot];
        if (build->state == ZIX_SLOT_FREE && free_slot == ABI_ZIX_BUILDS_MAX) free_slot = slot;
        if (build->state != ZIX_SLOT_FREE && build->caller_uid == uid) used++;
        if (build->state != ZIX_SLOT_FREE && build->caller_uid != ABI_UID_ROOT) users_used++;
    }
    assert(used <= ABI_ZIX_BUILDS_MAX);
    if (uid == ABI_UID_ROOT) return free_slot;
    if (used >= ABI_ZIX_BUILDS_PER_USER_MAX) return ABI_ZIX_BUILDS_MAX;
    if (users_used >= ABI_ZIX_BUILDS_MAX - ZIX_BUILDS_ROOT_RESERVE) return ABI_ZIX_BUILDS_MAX; // root's reserve
    return free_slot;
}

i64 zix_build_begin(struct kernel *k, u32 caller_slot, enum zix_build_kind kind, const struct zix_recipe *recipe,
                    const u8 recipe_hash[ZIX_HASH_BYTES], const char *store_path, struct abi_zix_build *result) {
    assert(caller_slot < PROCS_MAX);
    assert(store_path != NULL);
    u32 uid = k->procs[caller_slot].cred.ruid;
    for (u32 slot = 0; slot < ABI_ZIX_BUILDS_MAX; slot++) {
        struct zix_build *running = &k->zix.builds[slot];
        // A check and a repair of one path would share its /zix/check rebuild: one at a time.
        bool same_path = running->state == ZIX_SLOT_RUNNING && str_equal(running->store_path, store_path);
        if (same_path && running->kind != kind) return -E_AGAIN;
        if (!build_joinable(running, kind, store_path)) continue;
        if (!build_join(running, uid)) return -E_AGAIN;
        result->status = ABI_ZIX_RUNNING; // the same path already building: its id
        result->build_id = running->id;
        str_copy(result->log_path, sizeof result->log_path, running->log_path);
        return 0;
    }
    // A user whose store share is used up builds nothing it could not register.
    i64 share = kind == ZIX_KIND_BUILD ? zix_store_share_check(k, uid, 0) : 0;
    if (share < 0) return share;
    u32 slot = build_free_slot(k, uid);
    if (slot == ABI_ZIX_BUILDS_MAX) return -E_AGAIN;
    struct zix_build *build = &k->zix.builds[slot];
    mem_set(build, 0, sizeof *build);
    k->zix.build_id_next = k->zix.build_id_next == 0 ? 2 : k->zix.build_id_next + 1;
    *build = (struct zix_build){.kind = kind, .id = k->zix.build_id_next - 1, .caller_uid = uid,
                                .build_uid = ZIX_BUILD_UID_FIRST + slot, .caller_slot_pid = k->procs[caller_slot].pid};
    mem_copy(build->recipe_hash, recipe_hash, ZIX_HASH_BYTES);
    bool joined = build_join(build, uid);
    assert(joined);
    i64 done = build_closure(k, build, recipe);
    if (done == 0) done = build_paths(build, recipe, store_path);
    if (done == 0) done = build_directories(k, build);
    if (done < 0) {
        // Nothing of it stays: $out is unregistered (a build) or a rebuild's.
        if (build->tmp_path[0] == '/') (void)zix_tree_remove(k, build->tmp_path);
        if (build->out_path[0] == '/') (void)zix_tree_remove(k, build->out_path);
        mem_set(build, 0, sizeof *build);
        return done;
    }
    build->state = ZIX_SLOT_RUNNING; // before the spawn: the sandbox knows it
    build->started_ns = kernel_monotonic_ns(k);
    build->deadline_ns = build->started_ns + ZIX_BUILD_TIMEOUT_NS;
    observe_trace(k->platform, TRACE_ZIX_BUILD_START, build->id, load_u64_le(recipe_hash),
                  ((u64)kind << 32) | uid);
    i64 spawned = build_spawn(k, slot, recipe);
    if (spawned < 0) {
        klog(k, LOG_INFO, "zix: build %u: cannot start %s (error %lld)", build->id, recipe->builder, (long long)-spawned);
        const struct abi_wait_status exit = {.cause = ABI_EXIT_KILLED, .exit_code = spawned};
        (void)zix_tree_remove(k, build->out_path);
        build_end(k, build, ABI_ZIX_FAILED, &exit);
    }
    result->status = ABI_ZIX_RUNNING;
    result->build_id = build->id;
    str_copy(result->log_path, sizeof result->log_path, build->log_path);
    return 0;
}

// Every live process of the build: its builder's children may outlive it.
static void build_kill_all(struct kernel *k, u32 build_slot) {
    assert(build_slot < ABI_ZIX_BUILDS_MAX);
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        const struct proc *proc_ = &k->procs[slot];
        if (proc_->zix_build != build_slot + 1) continue;
        if (proc_->state == PROC_FREE || proc_->state == PROC_ZOMBIE) continue;
        (void)proc_kill(k, proc_->pid, 0, ABI_SIGKILL);
    }
}

// The builder, if it exited: reaped (it has no parent), its status given.
static bool build_reap(struct kernel *k, const struct zix_build *build, struct abi_wait_status *status) {
    assert(build->builder_pid != 0);
    u32 slot = zix_proc_slot(k, build->builder_pid);
    assert(slot != SLOT_NONE); // nobody else reaps it
    struct proc *proc_ = &k->procs[slot];
    assert(proc_->parent_pid == 0);
    if (proc_->state != PROC_ZOMBIE) return false;
    *status = proc_->exit_status;
    observe_trace(k->platform, TRACE_REAP, 0, proc_->pid, proc_->exit_status.cause);
    mem_set(proc_, 0, sizeof *proc_);
    return true;
}

// The registration of a built output: its references are the candidates found, sorted.
static void build_registration(struct kernel *k, const struct zix_build *build, const bool *found, u32 count) {
    struct zix_registration *registration = &k->zix.registration;
    assert(count <= ZIX_REFS_MAX);
    registration->refs_count = 0;
    for (u32 i = 0; i < count; i++) {
        if (!found[i]) continue;
        u32 at = registration->refs_count++;
        while (at > 0 && compare_strings(registration->refs[at - 1], k->zix.paths[i]) > 0) {
            str_copy(registration->refs[at], ZIX_STORE_PATH_LEN_MAX + 1, registration->refs[at - 1]);
            at--;
        }
        str_copy(registration->refs[at], ZIX_STORE_PATH_LEN_MAX + 1, k->zix.paths[i]);
    }
    str_copy(registration->path, sizeof registration->path, build->store_path);
    mem_copy(registration->recipe_hash, build->recipe_hash, ZIX_HASH_BYTES);
    registration->registered_ns = platform_realtime_ns(k->platform);
    registration->builder_uid = build->caller_uid;
    registration->recipe_length = build->recipe_length;
    mem_copy(registration->recipe, build->recipe, build->recipe_length);
    registration->signature_length = 0;
}

// CHECK and REPAIR: the rebuild against the registration. REPAIR replaces a damaged
// tree by a rebuild that hashes as registered (as root: the kernel's rename).
static u32 build_compare(struct kernel *k, struct zix_build *build) {
    i64 result = zix_store_lookup(k, build->store_path, &k->zix.registration);
    if (result < 0) return ABI_ZIX_FAILED; // unregistered meanwhile (a GC)
    mem_copy(build->result.registered_hash, k->zix.registration.nar_hash, ZIX_HASH_BYTES);
    bool same = mem_equal(build->result.nar_hash, k->zix.registration.nar_hash, ZIX_HASH_BYTES);
    if (build->kind == ZIX_KIND_CHECK || !same) return same ? ABI_ZIX_SAME : ABI_ZIX_DIFFERENT;
    struct path from, to;
    result = zix_tree_remove(k, build->store_path);
    if (result == 0) result = path_resolve("/", build->out_path, &from);
    if (result == 0) result = path_resolve("/", build->store_path, &to);
    const struct cred root = accounts_cred(k, ABI_UID_ROOT);
    if (result == 0) result = fs_rename(k, &root, &from, &to);
    if (result < 0) klog(k, LOG_WARN, "zix: repair of %s: error %lld", build->store_path, (long long)-result);
    return result == 0 ? ABI_ZIX_REGISTERED : ABI_ZIX_FAILED;
}

// The builder succeeded: its output sealed and hashed (a rebuild's own path read as
// the store path), then registered in one batch (the commit point) or compared.
static u32 build_output(struct kernel *k, struct zix_build *build) {
    u32 count = build->inputs_count;
    assert(count + 1 <= ZIX_REFS_MAX);
    for (u32 i = 0; i < count; i++) str_copy(k->zix.paths[i], ZIX_STORE_PATH_LEN_MAX + 1, build->inputs[i]);
    str_copy(k->zix.paths[count++], ZIX_STORE_PATH_LEN_MAX + 1, build->store_path);
    bool found[ZIX_REFS_MAX] = {false};
    bool rebuild = build->kind != ZIX_KIND_BUILD;
    struct zix_registration *registration = &k->zix.registration;
    i64 result = planted_bug(k, BUG_ZIX_SEAL_SKIPPED) ? 0 : zix_tree_seal(k, build->out_path);
    if (result == 0) {
        result = zix_tree_hash(k, build->out_path, (const char(*)[ZIX_STORE_PATH_LEN_MAX + 1])k->zix.paths, count,
                               rebuild ? build->out_path : NULL, rebuild ? build->store_path : NULL,
                               registration->nar_hash, &registration->nar_size_bytes, found);
    }
    if (result < 0) {
        klog(k, LOG_INFO, "zix: build %u: output refused (error %lld)", build->id, (long long)-result);
        return ABI_ZIX_FAILED;
    }
    mem_copy(build->result.nar_hash, registration->nar_hash, ZIX_HASH_BYTES);
    if (rebuild) return build_compare(k, build);
    build_registration(k, build, found, count);
    result = zix_store_register(k, registration);
    if (result < 0) {
        klog(k, LOG_WARN, "zix: build %u: cannot register %s (error %lld)", build->id, build->store_path, (long long)-result);
        return ABI_ZIX_FAILED;
    }
    mem_copy(build->result.registered_hash, registration->nar_hash, ZIX_HASH_BYTES);
    observe_trace(k->platform, TRACE_ZIX_REGISTERED, path_digest(build->store_path), load_u64_le(registration->nar_hash),
                  registration->refs_count);
    return ABI_ZIX_REGISTERED;
}

// The builder exited (or was killed): what it left in $out decides.
static void build_finish(struct kernel *k, u32 build_slot, const struct abi_wait_status *exit) {
    struct zix_build *build = &k->zix.builds[build_slot];
    assert(build->state == ZIX_SLOT_RUNNING);
    build_kill_all(k, build_slot); // nothing of the build writes while it is judged
    struct fs_inode inode;
    bool succeeded = exit->cause == ABI_EXIT_NORMAL && exit->exit_code == 0;
    bool made = succeeded && fs_lookup_at(k, build->out_path, &inode) == 0;
    u32 status = made ? build_output(k, build) : ABI_ZIX_FAILED;
    // Only a registered build keeps $out: a failed output, a check's rebuild and a
    // repair's refused one go (a repair's accepted one was renamed: absent).
    if (build->kind != ZIX_KIND_BUILD || status != ABI_ZIX_REGISTERED) (void)zix_tree_remove(k, build->out_path);
    build_end(k, build, status, exit);
}

// The kernel's directories of the store, root's (found: fine).
static void host_directories(struct kernel *k) {
    static const char paths[6][16] = {"/zix", ZIX_STORE_DIR, ZIX_ROOTS_DIR, ZIX_CHECK_DIR, ZIX_TMP_DIR, ZIX_LOG_DIR};
    static const u32 modes[6] = {ZIX_DIRECTORY_MODE, ZIX_DIRECTORY_MODE, ZIX_DIRECTORY_MODE,
                                 ZIX_PRIVATE_PARENT_MODE, ZIX_PRIVATE_PARENT_MODE, ZIX_DIRECTORY_MODE};
    if (fs_usable(k) != 0) return;
    for (u32 i = 0; i < 6; i++) {
        struct fs_inode inode;
        i64 result = fs_create_at(k, paths[i], ABI_TYPE_DIRECTORY, modes[i], &inode);
        if (result < 0 && result != -E_EXIST) klog(k, LOG_WARN, "zix: cannot make %s (error %lld)", paths[i], (long long)-result);
    }
}

void zix_host_step(struct kernel *k, u64 now_ns) {
    assert(k != NULL);
    if (k->zix.boot_due) {
        k->zix.boot_due = false;
        host_directories(k);
        if (!planted_bug(k, BUG_ZIX_LEFTOVERS_KEPT)) zix_store_remove_leftovers(k);
    }
    for (u32 slot = 0; slot < ABI_ZIX_BUILDS_MAX; slot++) {
        struct zix_build *build = &k->zix.builds[slot];
        struct abi_wait_status exit = {0};
        if (build->state == ZIX_SLOT_RUNNING && build_reap(k, build, &exit)) {
            build_finish(k, slot, &exit);
        } else if (build->state == ZIX_SLOT_RUNNING && now_ns >= build->deadline_ns) {
            klog(k, LOG_INFO, "zix: build %u: overdue, its processes killed", build->id);
            build_kill_all(k, slot);
            bool reaped = build_reap(k, build, &exit);
            assert(reaped);
            exit = (struct abi_wait_status){.cause = ABI_EXIT_SIGNALED, .exit_code = ABI_SIGKILL};
            build_finish(k, slot, &exit);
        } else if (build->state == ZIX_SLOT_DONE && now_ns >= build->done_ns + ZIX_DONE_KEEP_NS) {
            klog(k, LOG_INFO, "zix: build %u: result never collected, dropped", build->id);
            mem_set(build, 0, sizeof *build);
        }
    }
}

u64 zix_host_deadline(const struct kernel *k) {
    assert(k != NULL);
    u64 deadline_ns = 0;
    for (u32 slot = 0; slot < ABI_ZIX_BUILDS_MAX; slot++) {
        const struct zix_build *build = &k->zix.builds[slot];
        if (build->state != ZIX_SLOT_RUNNING) continue;
        if (deadline_ns == 0 || build->deadline_ns < deadline_ns) deadline_ns = build->deadline_ns;
    }
    return deadline_ns;
}

u32 zix_build_held_paths(const struct kernel *k, char (*out)[ZIX_STORE_PATH_LEN_MAX + 1], u32 capacity) {
    assert(k != NULL);
    assert(out != NULL);
    u32 count = 0;
    for (u32 slot = 0; slot < ABI_ZIX_BUILDS_MAX; slot++) {
        const struct zix_build *build = &k->zix.builds[slot];
        if (build->state != ZIX_SLOT_RUNNING) continue;
        for (u32 i = 0; i < build->inputs_count && count < capacity; i++) {
            str_copy(out[count++], ZIX_STORE_PATH_LEN_MAX + 1, build->inputs[i]);
        }
        if (count < capacity) str_copy(out[count++], ZIX_STORE_PATH_LEN_MAX + 1, build->store_path);
    }
    assert(count <= capacity);
    return count;
}

i64 zix_build_collect(struct kernel *k, u32 caller_slot, u32 build_id, struct abi_zix_build *result, bool *running) {
    assert(caller_slot < PROCS_MAX);
    assert(running != NULL);
    *running = false;
    u32 uid = k->procs[caller_slot].cred.ruid;
    for (u32 slot = 0; slot < ABI_ZIX_BUILDS_MAX && build_id != 0; slot++) {
        struct zix_build *build = &k->zix.builds[slot];
        if (build->state == ZIX_SLOT_FREE || build->id != build_id) continue;
        bool waiter = build_waiter(build, uid);
        if (uid != ABI_UID_ROOT && !waiter) return -E_PERM;
        if (build->state == ZIX_SLOT_RUNNING) { *running = true; return 0; }
        *result = build->result;
        // Freed once every START (its own and the joins) was collected.
        if (waiter && build->waiters > 0) build->waiters--;
        if (build->waiters == 0) mem_set(build, 0, sizeof *build);
        return 0;
    }
    return -E_NOENT;
}
