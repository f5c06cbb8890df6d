// shutdown_denied: init runs it as uid 1000. HALT, REBOOT and POWER_OFF must each be
// refused with -E_PERM. Exit 0 if all three were refused.
#include "user/tests/lib/test.h"

BASIN_PROGRAM("shutdown_denied");

int main(void) {
    i64 uid = sys_getuid();
    if (uid != ABI_UID_USER) {
        // As root the requests would succeed and stop the machine: refuse to test.
        say("FAIL: must run as uid %d, not %ld", ABI_UID_USER, (long)uid);
        return 2;
    }
    static const struct {
        const char *name;
        u64 type;
    } requests[] = {{"shutdown(halt)", ABI_SHUTDOWN_HALT},
                    {"shutdown(reboot)", ABI_SHUTDOWN_REBOOT},
                    {"shutdown(poweroff)", ABI_SHUTDOWN_POWER_OFF}};
    u32 refused = 0;
    for (u32 i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
        if (expect_result(requests[i].name, sys_shutdown(requests[i].type), -E_PERM)) refused++;
    }
    say("%u of 3 refused", refused);
    return refused == 3 ? 0 : 1;
}
