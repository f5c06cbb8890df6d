// /etc/limits.conf at boot. Read here, above the filesystem and the accounts, so the
// limits themselves (kernel/limits) stay below the filesystem that asks them.
#include "kernel/boot/boot.h"

#include "kernel/kernel.h"
#include "kernel/limits/limits.h"
#include "kernel/users/accounts.h"

// A reserve never swallows everything: what it leaves is at least one of each thing.
static void limits_check_consistent(struct kernel *k) {
    struct limits *limits = &k->limits;
    if (limits->processes_root_reserve >= PROCS_MAX) limits->processes_root_reserve = PROCS_MAX - 1;
    assert(limits->processes_per_user >= 1);
    assert(limits->files_per_process >= ABI_FDS_MIN);
    assert(limits->files_per_process <= ABI_FDS_MAX);
}

void limits_load(struct kernel *k) {
    assert(k != NULL);
    limits_defaults(&k->limits);
    if (fs_usable(k) != 0) return;
    char text[LIMITS_CONF_BYTES_MAX];
    i64 length = accounts_read_file(k, LIMITS_CONF_PATH, text, sizeof text);
    if (length == -E_NOENT) {
        klog(k, LOG_INFO, "limits: no %s; the built-in limits apply", LIMITS_CONF_PATH);
        return;
    }
    if (length < 0 || (u64)length + 1 >= sizeof text) {
        klog(k, LOG_WARN, "limits: %s unusable (error %lld); the built-in limits apply", LIMITS_CONF_PATH,
             (long long)(length < 0 ? -length : E_FBIG));
        return;
    }
    struct limits_parse_report report;
    limits_parse(text, &k->limits, &report);
    limits_check_consistent(k);
    if (report.ignored > 0) {
        klog(k, LOG_WARN, "limits: %s: %u line%s ignored (the first: line %u); their keys keep the default",
             LIMITS_CONF_PATH, report.ignored, report.ignored == 1 ? "" : "s", report.first_ignored_line);
    }
    klog(k, LOG_INFO, "limits: %u settings from %s", report.applied, LIMITS_CONF_PATH);
}
