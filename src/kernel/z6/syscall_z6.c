// z6's syscalls: z6_status (anyone may read) and z6_control (root or the service's
// user), the kernel side of z6ctl. Contracts in abi.h.
#include "kernel/z6/internal.h"

#include "kernel/lib/mem.h"
#include "kernel/proc/clock.h"
#include "kernel/proc/usercopy.h"
#include "kernel/syscall.h"

// The ABI's numbers are the engine's (a status is copied, never translated by table).
STATIC_ASSERT(ABI_Z6_STATE_DOWN == Z6_STATE_DOWN);
STATIC_ASSERT(ABI_Z6_STATE_FAILED == Z6_STATE_FAILED);
STATIC_ASSERT(ABI_Z6_STATE_BACKOFF == Z6_STATE_BACKOFF);
STATIC_ASSERT(ABI_Z6_EXIT_SPAWN_FAILED == Z6_EXIT_SPAWN_FAILED);
STATIC_ASSERT(ABI_Z6_COMMAND_RESET == Z6_COMMAND_RESET);
STATIC_ASSERT(ABI_Z6_COMMAND_RELOAD == Z6_COMMAND_RESET + 1); // the kernel's, not the engine's
STATIC_ASSERT(Z6_COMMAND_LOG_BUCKETS >= 2);
STATIC_ASSERT(ABI_Z6_NAME_BYTES == Z6_NAME_BYTES_MAX);
STATIC_ASSERT(ABI_Z6_MESSAGE_BYTES == Z6_MESSAGE_BYTES_MAX);

static void status_of(const struct kernel *k, u32 index, struct abi_z6_status *out) {
    assert(index < k->z6.engine.service_count);
    const struct z6_service *service = &k->z6.engine.services[index];
    const struct z6_parsed *parsed = &k->z6.parsed[index];
    mem_set(out, 0, sizeof *out);
    str_copy(out->name, sizeof out->name, service->config.name);
    out->state = (u32)service->state;
    out->uid = service->config.uid;
    out->pid = service->pid;
    out->since_ns = service->state_since_ns;
    out->restarts = service->restarts;
    out->exit_kind = (u32)service->last_exit.kind;
    out->exit_value = service->last_exit.kind == Z6_EXIT_SIGNAL ? service->last_exit.signal : service->last_exit.code;
    if (service->ready) out->flags |= ABI_Z6_FLAG_READY;
    if (service->want_up) out->flags |= ABI_Z6_FLAG_WANT_UP;
    if (service->error != Z6_LOAD_OK) out->flags |= ABI_Z6_FLAG_REFUSED;
    str_copy(out->message, sizeof out->message, parsed->message);
    assert(out->state <= ABI_Z6_STATE_FAILED);
}

i64 sys_z6_status(struct kernel *k, u32 slot, const u64 *args) {
    assert(slot < PROCS_MAX);
    assert(k->procs[slot].state == PROC_RUNNABLE);
    if (!k->z6.hosted) return -E_NODEV;
    if (args[0] >= k->z6.engine.service_count) return -E_NOENT;
    struct abi_z6_status status;
    status_of(k, (u32)args[0], &status);
    return copy_to_user(k, &k->procs[slot], args[1], &status, sizeof status);
}

// The bucket of this user (not root): its own, a free one, or the shared last one.
static struct z6_log_bucket *command_log_bucket(struct kernel *k, u32 uid, u64 now_ns) {
    assert(uid != ABI_UID_ROOT);
    struct z6_log_bucket *bucket = &k->z6.command_log[Z6_COMMAND_LOG_BUCKETS - 1];
    for (u32 i = 0; i + 1 < Z6_COMMAND_LOG_BUCKETS; i++) {
        struct z6_log_bucket *candidate = &k->z6.command_log[i];
        if (!candidate->used || candidate->uid == uid) { bucket = candidate; break; }
    }
    if (!bucket->used) {
        *bucket = (struct z6_log_bucket){.used = true, .uid = uid, .tokens = Z6_COMMAND_LOG_BURST,
                                         .refilled_ns = now_ns};
    }
    assert(bucket->used);
    return bucket;
}

// Whether the user's command may be logged now (paid for if so; counted if not).
static bool command_log_pay(struct kernel *k, u32 uid, u64 *suppressed) {
    *suppressed = 0;
    if (uid == ABI_UID_ROOT) return true;
    u64 now_ns = kernel_monotonic_ns(k);
    struct z6_log_bucket *bucket = command_log_bucket(k, uid, now_ns);
    if (now_ns > bucket->refilled_ns) {
        u64 earned = (now_ns - bucket->refilled_ns) / Z6_COMMAND_LOG_REFILL_NS;
        u64 tokens = bucket->tokens + (earned < Z6_COMMAND_LOG_BURST ? earned : Z6_COMMAND_LOG_BURST);
        bucket->tokens = tokens > Z6_COMMAND_LOG_BURST ? Z6_COMMAND_LOG_BURST : (u32)tokens;
        bucket->refilled_ns += earned * Z6_COMMAND_LOG_REFILL_NS;
    }
    assert(bucket->tokens <= Z6_COMMAND_LOG_BURST);
    if (bucket->tokens == 0) { bucket->suppressed++; return false; }
    bucket->tokens--;
    *suppressed = bucket->suppressed;
    bucket->suppressed = 0;
    return true;
}

static void command_log(struct kernel *k, const struct proc *caller, const char *name, u64 command) {
    u64 suppressed = 0;
    if (!command_log_pay(k, caller->cred.ruid, &suppressed)) return;
    if (suppressed > 0) {
        klog(k, LOG_INFO, "z6: %llu earlier commands of uid %u not logged (rate limit)",
             (unsigned long long)suppressed, caller->cred.ruid);
    }
    klog(k, LOG_INFO, "z6: %s: command %llu by pid %u (uid %u)", name, (unsigned long long)command, caller->pid,
         caller->cred.ruid);
}

// z6ctl reload: root only (it changes every service).
static i64 control_reload(struct kernel *k, const struct proc *caller) {
    assert(k->z6.hosted);
    assert(caller->state == PROC_RUNNABLE);
    if (caller->cred.euid != ABI_UID_ROOT) return -E_PERM;
    klog(k, LOG_INFO, "z6: reload by pid %u (uid %u)", caller->pid, caller->cred.ruid);
    return z6host_reload(k);
}

i64 sys_z6_control(struct kernel *k, u32 slot, const u64 *args) {
    assert(slot < PROCS_MAX);
    const struct proc *caller = &k->procs[slot];
    assert(caller->state == PROC_RUNNABLE);
    if (!k->z6.hosted) return -E_NODEV;
    if (args[1] == ABI_Z6_COMMAND_RELOAD) return control_reload(k, caller);
    char name[Z6_NAME_BYTES_MAX];
    i64 copied = copy_string_from_user(k, caller, name, sizeof name, args[0]);
    if (copied == -E_NAMETOOLONG) return -E_NOENT; // no service has so long a name
    if (copied < 0) return copied;
    if (args[1] > ABI_Z6_COMMAND_RESET) return -E_INVAL;
    u32 index = k->z6.engine.service_count;
    for (u32 i = 0; i < k->z6.engine.service_count && index == k->z6.engine.service_count; i++) {
        if (str_equal(k->z6.engine.services[i].config.name, name)) index = i;
    }
    if (index == k->z6.engine.service_count) return -E_NOENT;
    const struct z6_service *service = &k->z6.engine.services[index];
    if (caller->cred.euid != ABI_UID_ROOT && caller->cred.ruid != service->config.uid) return -E_PERM;
    if (service->error != Z6_LOAD_OK) return -E_AGAIN;
    command_log(k, caller, name, args[1]);
    enum z6_result result = z6host_command(k, index, (enum z6_command)args[1]);
    assert(result != Z6_UNKNOWN_SERVICE); // found above
    return result == Z6_OK ? 0 : -E_AGAIN; // not now: shutting down
}
