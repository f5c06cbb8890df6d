// The workload's verdicts (report_check in basin.h): one report syscall per check.
#include "user/lib/basin.h"

void report_check(const char *name, u64 failures, u64 excuses) {
    basin_assert(name != NULL);
    i64 result = sys_report(name, failures, excuses);
    // Never silent: a verdict that did not reach the machine is said where a person sees it.
    if (result < 0) say("report %s (%lu failures) = %ld %s", name, (unsigned long)failures, (long)result, error_name(result));
}
