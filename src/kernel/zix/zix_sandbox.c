// The sandbox of a Zix builder and every process it spawns (proc zix_build != 0, cred
// a build uid): the kernel, not the builder, decides what it may see. Paths: its $out
// and $tmp (read-write), its inputs' store paths (read-only: sealed, root's), /bin and
// /test (the image's programs). Clocks: a fixed realtime, a monotonic clock from the
// build's start. Randomness: a stream fixed by the recipe. No change of identity, no
// shutdown, no supervisor (nor its status), no audit status, no nested build, no signal
// outside the build. Its sleep_until deadlines are on its own monotonic clock.
// Known gap: the `time` CSR (rdtime) stays readable from user mode, so a builder can
// still read the machine's timer directly; what it computes from it is its own
// non-determinism (CHECK shows it as DIFFERENT).
#include "kernel/kernel.h"

#include <bearssl_hash.h>

#include "kernel/bugs.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/path.h"
#include "kernel/lib/endian.h"
#include "kernel/lib/mem.h"
#include "kernel/observe.h"
#include "kernel/proc/clock.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/usercopy.h"
#include "kernel/proc/vm.h"
#include "kernel/syscall.h"
#include "kernel/zix/build_internal.h"

#define SANDBOX_BIN_DIR "/bin"
#define SANDBOX_TEST_DIR "/test"

// The build a cred belongs to (its euid is a build uid), or ABI_ZIX_BUILDS_MAX.
static u32 sandbox_slot_of_cred(const struct cred *cred) {
    assert(cred != NULL);
    if (cred->euid < ZIX_BUILD_UID_FIRST) return ABI_ZIX_BUILDS_MAX;
    u32 slot = cred->euid - ZIX_BUILD_UID_FIRST;
    return slot < ABI_ZIX_BUILDS_MAX ? slot : ABI_ZIX_BUILDS_MAX;
}

// path is tree itself or below it.
static bool path_inside(const char *path, const char *tree) {
    assert(path != NULL);
    assert(tree != NULL);
    u64 length = str_len_bounded(tree, ABI_PATH_LEN_MAX);
    if (length == 0 || !str_starts_with(path, tree)) return false;
    return path[length] == '\0' || path[length] == '/';
}

static bool sandbox_allows(const struct zix_build *build, const char *path) {
    assert(build != NULL);
    assert(path != NULL);
    if (build->state != ZIX_SLOT_RUNNING) return false; // a straggler of a finished build
    if (path_inside(path, build->out_path) || path_inside(path, build->tmp_path)) return true;
    if (path_inside(path, SANDBOX_BIN_DIR) || path_inside(path, SANDBOX_TEST_DIR)) return true;
    for (u32 i = 0; i < build->inputs_count; i++) {
        if (path_inside(path, build->inputs[i])) return true;
    }
    return false;
}

// Each refusal is traced; the first ZIX_SANDBOX_LOG_LINES_MAX of a build are logged.
static void sandbox_refused(struct kernel *k, u32 build_slot, u64 number, const char *what) {
    assert(build_slot < ABI_ZIX_BUILDS_MAX);
    struct zix_build *build = &k->zix.builds[build_slot];
    u32 pid = k->current_slot < PROCS_MAX ? k->procs[k->current_slot].pid : 0;
    build->refusals++;
    observe_trace(k->platform, TRACE_ZIX_SANDBOX_REFUSED, build->id, number, pid);
    if (build->refusals <= ZIX_SANDBOX_LOG_LINES_MAX) {
        klog(k, LOG_INFO, "zix: build %u: pid %u: %s() refused: %s", build->id, pid, syscall_name(number), what);
    } else if (build->refusals == ZIX_SANDBOX_LOG_LINES_MAX + 1) {
        klog(k, LOG_INFO, "zix: build %u: further refusals are counted, not logged", build->id);
    }
}

// A walk the sandbox let through is traced with what it reached (the simulator's
// zix_builder_reads_inside_inputs judges it by inode, apart from the path check).
static i64 sandbox_allowed(struct kernel *k, u32 build_slot, u64 number, const struct fs_name *name, i64 walk_result) {
    assert(build_slot < ABI_ZIX_BUILDS_MAX);
    assert(name->dir.inode <= TRACE_ZIX_ALLOWED_INODE_MASK);
    if (walk_result < 0) return walk_result;
    u64 reached = name->exists ? name->inode.inode : 0;
    observe_trace(k->platform, TRACE_ZIX_SANDBOX_ALLOWED, k->zix.builds[build_slot].id,
                  number << TRACE_ZIX_ALLOWED_SYSCALL_SHIFT | name->dir.inode, reached);
    return walk_result;
}

i64 zix_sandbox_walk(struct kernel *k, const struct cred *cred, const struct fs_name *name, i64 walk_result) {
    assert(k != NULL);
    assert(name != NULL);
    u32 build_slot = sandbox_slot_of_cred(cred);
    if (build_slot == ABI_ZIX_BUILDS_MAX) return walk_result;
    u64 number = k->current_slot < PROCS_MAX ? k->procs[k->current_slot].context.regs[17] : 0;
    if (number == SYS_stat && planted_bug(k, BUG_ZIX_SANDBOX_STAT_UNCHECKED)) return sandbox_allowed(k, build_slot, number, name, walk_result);
    // A disk that failed the walk says nothing about the namespace: the builder gets the
    // error, so its build fails, never a refusal it could build around as "absent" (an
    // input read past a latent error would otherwise give other bytes: seed 170 of the
    // zix scenario, zix_same_recipe_same_hash).
    if (walk_result == -E_IO || walk_result == -E_BADMSG) return walk_result;
    // On failure, name->path is where the walk stopped: outside the allowed trees, even
    // "no such file" would tell the builder something about the machine.
    char path[ABI_PATH_LEN_MAX];
    bool formatted = path_format(&name->path, path, sizeof path) >= 0;
    if (formatted && sandbox_allows(&k->zix.builds[build_slot], path)) return sandbox_allowed(k, build_slot, number, name, walk_result);
    sandbox_refused(k, build_slot, number, formatted ? path : "a path");
    return -E_ACCES;
}

// A builder's clocks: REALTIME fixed, MONOTONIC from the build's start.
static i64 sandbox_clock(struct kernel *k, u32 slot, const struct zix_build *build, const u64 *args) {
    struct proc *proc_ = &k->procs[slot];
    assert(build->state == ZIX_SLOT_RUNNING);
    if (args[0] != ABI_CLOCK_REALTIME && args[0] != ABI_CLOCK_MONOTONIC) return -E_INVAL;
    if (!user_range_ok(k, proc_, args[1], 8, PTE_R | PTE_W)) return -E_FAULT;
    u64 now_ns = kernel_monotonic_ns(k);
    assert(now_ns >= build->started_ns);
    u64 value_ns = args[0] == ABI_CLOCK_REALTIME ? ZIX_SANDBOX_REALTIME_NS : now_ns - build->started_ns;
    if (args[0] == ABI_CLOCK_REALTIME && planted_bug(k, BUG_ZIX_SANDBOX_REALTIME)) value_ns = platform_realtime_ns(k->platform);
    u8 bytes[8];
    store_u64_le(bytes, value_ns);
    return copy_to_user(k, proc_, args[1], bytes, sizeof bytes);
}

// A builder's random bytes: SHA-256(recipe hash || 8-byte counter) blocks, the build's
// counter advancing by one per block: the same build draws the same bytes.
static i64 sandbox_random(struct kernel *k, u32 slot, struct zix_build *build, const u64 *args) {
    u64 buffer_va = args[0], length = args[1];
    if (args[2] != 0 || length > ABI_GETRANDOM_LEN_MAX) return -E_INVAL;
    struct proc *proc_ = &k->procs[slot];
    if (!user_range_ok(k, proc_, buffer_va, length, PTE_R | PTE_W)) return -E_FAULT;
    u8 bytes[ABI_GETRANDOM_LEN_MAX + ZIX_HASH_BYTES];
    for (u64 done = 0; done < length; done += ZIX_HASH_BYTES) {
        u8 counter[8];
        store_u64_le(counter, build->random_counter++);
        br_sha256_context sha;
        br_sha256_init(&sha);
        br_sha256_update(&sha, build->recipe_hash, ZIX_HASH_BYTES);
        br_sha256_update(&sha, counter, sizeof counter);
        br_sha256_out(&sha, bytes + done);
    }
    i64 copied = copy_to_user(k, proc_, buffer_va, bytes, length);
    return copied < 0 ? copied : (i64)length;
}

static bool sandbox_forbidden(u64 number) {
    switch (number) {
    case SYS_sudo: case SYS_switch_user: case SYS_passwd: case SYS_shutdown: case SYS_setuid:
    case SYS_setgid: case SYS_z6_control: case SYS_z6_status: case SYS_audit_status: case SYS_zix_build:
    case SYS_vhangup:
        return true;
    default:
        return false;
    }
}

bool zix_sandbox_syscall(struct kernel *k, u32 slot, u64 number, const u64 *args, i64 *result) {
    assert(slot < PROCS_MAX);
    assert(result != NULL);
    u32 build_slot = (u32)k->procs[slot].zix_build - 1u;
    assert(build_slot < ABI_ZIX_BUILDS_MAX);
    struct zix_build *build = &k->zix.builds[build_slot];
    if (number == SYS_exit) return false;
    if (build->state != ZIX_SLOT_RUNNING) { // a straggler: it is about to be killed
        *result = -E_PERM;
        return true;
    }
    if (sandbox_forbidden(number)) {
        sandbox_refused(k, build_slot, number, "not in a build");
        *result = -E_PERM;
        return true;
    }
    if (number == SYS_kill) {
        u32 target = args[0] > UINT32_MAX ? SLOT_NONE : zix_proc_slot(k, (u32)args[0]);
        if (target != SLOT_NONE && k->procs[target].zix_build == k->procs[slot].zix_build) return false;
        sandbox_refused(k, build_slot, number, "a process outside the build");
        *result = -E_PERM;
        return true;
    }
    if (number == SYS_sleep_until) {
        // Its deadline is on the builder's monotonic clock (from the build's start).
        u64 shifted[SYSCALL_ARGS_MAX];
        mem_copy(shifted, args, sizeof shifted);
        shifted[0] = args[0] > UINT64_MAX - build->started_ns ? UINT64_MAX : args[0] + build->started_ns;
        *result = sys_sleep_until(k, slot, shifted);
        return true;
    }
    if (number == SYS_clock_gettime) *result = sandbox_clock(k, slot, build, args);
    else if (number == SYS_getrandom) *result = sandbox_random(k, slot, build, args);
    else return false;
    return true;
}
