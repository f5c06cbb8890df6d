// The report syscall (report.h): a workload's verdict on one of its checks.
#include "kernel/report.h"

#include "kernel/proc/clock.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/syscall.h"
#include "kernel/observe.h"
#include "kernel/proc/usercopy.h"

#define REPORT_SHARED_BUCKET (REPORT_LOG_BUCKETS - 1u)
#define REPORT_CHAR_FIRST 0x20 // printable ASCII only: no escape sequence reaches the console
#define REPORT_CHAR_LAST 0x7e

STATIC_ASSERT(REPORT_LOG_BUCKETS >= 2);

static void report_bucket_claim(struct report_bucket *bucket, u32 uid, u64 now_ns) {
    *bucket = (struct report_bucket){.used = true, .uid = uid, .tokens = REPORT_LOG_BURST, .refilled_ns = now_ns};
}

// Root's bucket, the bucket this user already has, a free one, or the shared last one.
static struct report_bucket *report_bucket_of(struct report_state *state, u32 uid, u64 now_ns) {
    struct report_bucket *bucket = &state->buckets[0];
    if (uid != ABI_UID_ROOT) {
        bucket = &state->buckets[REPORT_SHARED_BUCKET];
        for (u32 i = 1; i < REPORT_SHARED_BUCKET; i++) {
            struct report_bucket *candidate = &state->buckets[i];
            if (!candidate->used || candidate->uid == uid) {
                bucket = candidate;
                break;
            }
        }
    }
    if (!bucket->used) report_bucket_claim(bucket, uid, now_ns);
    assert(bucket->used);
    return bucket;
}

// Whether the bucket may print one line now (and pays for it if so).
static bool report_bucket_pay(struct report_bucket *bucket, u64 now_ns) {
    assert(bucket->used);
    if (now_ns > bucket->refilled_ns) {
        u64 earned = (now_ns - bucket->refilled_ns) / REPORT_LOG_REFILL_NS;
        u64 tokens = bucket->tokens + (earned < REPORT_LOG_BURST ? earned : REPORT_LOG_BURST);
        bucket->tokens = tokens > REPORT_LOG_BURST ? REPORT_LOG_BURST : (u32)tokens;
        bucket->refilled_ns += earned * REPORT_LOG_REFILL_NS;
    }
    assert(bucket->tokens <= REPORT_LOG_BURST);
    if (bucket->tokens == 0) return false;
    bucket->tokens--;
    return true;
}

static void report_log(struct kernel *k, const struct proc *proc_, u64 failures, u64 excuses) {
    enum log_level level = failures > 0 ? LOG_WARN : LOG_DEBUG;
    if (level > k->log_level) return; // not printed: costs the bucket nothing
    u64 now_ns = kernel_monotonic_ns(k);
    struct report_bucket *bucket = report_bucket_of(&k->report, proc_->cred.ruid, now_ns);
    if (!report_bucket_pay(bucket, now_ns)) {
        bucket->suppressed++;
        return;
    }
    if (bucket->suppressed > 0) {
        klog(k, level, "report: %llu earlier reports not logged (rate limit)",
             (unsigned long long)bucket->suppressed);
        bucket->suppressed = 0;
    }
    klog(k, level, "report: pid %u (%s) uid %u: %s: %llu failures (excuses 0x%llx)", proc_->pid,
         proc_->name, proc_->cred.ruid, k->report.name, (unsigned long long)failures,
         (unsigned long long)excuses);
}

// The name: 1..ABI_REPORT_NAME_LEN_MAX printable ASCII bytes.
static i64 report_read_name(struct kernel *k, const struct proc *proc_, u64 name_va) {
    char *name = k->report.name;
    mem_set(name, 0, sizeof k->report.name);
    i64 length = copy_string_from_user(k, proc_, name, sizeof k->report.name, name_va);
    if (length < 0) return length;
    if (length == 0) return -E_INVAL;
    for (i64 i = 0; i < length; i++) {
        if (name[i] < REPORT_CHAR_FIRST || name[i] > REPORT_CHAR_LAST) return -E_INVAL;
    }
    return 0;
}

i64 sys_report(struct kernel *k, u32 slot, const u64 *args) {
    assert(k != NULL);
    assert(slot < PROCS_MAX);
    const struct proc *proc_ = &k->procs[slot];
    u64 failures = args[1], excuses = args[2];
    i64 result = report_read_name(k, proc_, args[0]);
    if (result == 0 && (excuses & ~(u64)ABI_REPORT_EXCUSES_ALL) != 0) result = -E_INVAL;
    if (result < 0) {
        mem_set(k->report.name, 0, sizeof k->report.name);
        return result;
    }
    report_log(k, proc_, failures, excuses);
    observe_trace(k->platform, TRACE_REPORT, proc_->pid, failures, excuses);
    assert(k->report.name[0] != '\0');
    return 0;
}
