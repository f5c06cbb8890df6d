// consoletest: console sessions from the inside (issue 9); init runs it as root in
// phase 1. It takes the console (vhangup), then checks with children running as xy:
//   - a child in its session reads the console (nothing typed: E_AGAIN) and writes;
//   - a child whose session then lost the console (the parent calls vhangup again
//     while the child yields) gets E_IO for both, and keeps getting it;
//   - xy may not vhangup (E_PERM).
// A child says what it saw through its exit code (a hung-up child cannot print): bit 0
// set if the read went otherwise than expected, bit 1 the write, bit 2 the second read.
// Exit 0 if everything was as expected. When it exits, its console session ends and the
// console is init's again (console.h).
#include <stdlib.h>
#include <string.h>

#include "user/tests/lib/test.h"

BASIN_PROGRAM("consoletest");

#define PROBE_YIELDS 4 // the parent's second vhangup comes first, even if it was preempted
#define PROBE_READ_WRONG 1
#define PROBE_WRITE_WRONG 2
#define PROBE_AGAIN_WRONG 4
#define PROBE_VHANGUP_WRONG 8

static int probe(bool lost) {
    // Yields, not a sleep: no clock is read, so the probe adds nothing that clock
    // faults could stretch (the sim's bug-hunt runs are 250 ms long).
    for (u32 i = 0; lost && i < PROBE_YIELDS; i++) (void)sys_yield();
    char byte = 0;
    i64 read = sys_read(0, &byte, 1);
    static const char line[] = "consoletest: probe in the console's session\n";
    i64 wrote = sys_write(BASIN_FD_STDOUT, line, strlen(line));
    i64 again = sys_read(0, &byte, 1);
    int wrong = 0;
    if (read != (lost ? -E_IO : -E_AGAIN)) wrong |= PROBE_READ_WRONG;
    if (wrote != (lost ? -E_IO : (i64)strlen(line))) wrong |= PROBE_WRITE_WRONG;
    if (again != read) wrong |= PROBE_AGAIN_WRONG;
    if (sys_vhangup() != -E_PERM) wrong |= PROBE_VHANGUP_WRONG;
    return wrong;
}

// Runs a probe as xy; while it yields, `then_hang_up` takes the console away from it.
static bool run_probe(const char *mode, bool then_hang_up) {
    const char *const argv[] = {"consoletest", "--probe", mode, NULL};
    i64 pid = sys_spawn(TEST_PATH("consoletest"), argv, ABI_UID_USER);
    if (pid < 0) { say("spawn probe %s: %s", mode, error_name(pid)); return false; }
    if (then_hang_up && !expect_result("vhangup again (the probe's session loses the console)", sys_vhangup(), 0)) {
        return false;
    }
    struct abi_wait_status status;
    i64 reaped = sys_wait(pid, &status, 0);
    bool clean = reaped == pid && status.cause == ABI_EXIT_NORMAL && status.exit_code == 0;
    say("probe %s: %s (exit %ld)", mode, clean ? "as expected" : "FAIL", (long)status.exit_code);
    return clean;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--probe") == 0) return probe(strcmp(argv[2], "lost") == 0);
    u32 failures = 0;
    failures += !expect_result("vhangup as root", sys_vhangup(), 0);
    char byte = 0;
    failures += !expect_result("read the console in its own session", sys_read(0, &byte, 1), -E_AGAIN);
    failures += !run_probe("own", false);
    failures += !run_probe("lost", true);
    say("%u failures", failures);
    return failures == 0 ? 0 : 1;
}
