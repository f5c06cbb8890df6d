// The kernel's console log: one line per call, "[seconds.micros] kernel: ...".
#include "kernel/proc/clock.h"
#include "kernel/lib/format.h"
#include "kernel/kernel.h"

#define LOG_LINE_LEN_MAX 256

// A 2-D array, not pointers, so it is pure read-only data (no relocations).
static const char log_level_prefix[LOG_TRACE + 1][12] = {
    [LOG_ERROR] = "error: ", [LOG_WARN] = "warning: ", [LOG_INFO] = "",
    [LOG_DEBUG] = "debug: ", [LOG_TRACE] = "trace: ",
};

void klog(struct kernel *k, enum log_level level, const char *fmt, ...) {
    assert(k != NULL);
    assert(fmt != NULL);
    assert(level <= LOG_TRACE);
    if (level > k->log_level) return;
    char line[LOG_LINE_LEN_MAX];
    u64 now_ns = kernel_monotonic_ns(k);
    u64 length = format(line, sizeof line, "[%5llu.%06llu] kernel: %s",
                        (unsigned long long)(now_ns / 1000000000ull),
                        (unsigned long long)(now_ns / 1000ull % 1000000ull),
                        log_level_prefix[level]);
    va_list args;
    va_start(args, fmt);
    length += format_v(line + length, sizeof line - length - 1, fmt, args);
    va_end(args);
    assert(length + 1 < sizeof line);
    line[length++] = '\n';
    platform_console_write(k->platform, (const u8 *)line, length);
}
