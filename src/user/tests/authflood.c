// authflood: a test workload playing the attacker of issue 9 against authentication
// and its audit log.
//   authflood guess USER COUNT   COUNT wrong passwords for USER (switch_user), one
//                                after the other; prints how many were refused. Each
//                                failure makes the kernel wait longer before this
//                                user's next check of USER (auth.h); nothing locks.
//   authflood noise COUNT        COUNT sudo calls without a password, each naming
//                                another program (/bin/noise-N): COUNT different
//                                "needs-password" events for /var/log/auth, which may
//                                take only this user's share of the file.
// -b runs it in the background (a copy that outlives the caller's login; it prints
// nothing once its console is gone) and returns at once.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/lib/tool.h"
#include "user/tests/lib/test.h"
#include "user/lib/users.h"

BASIN_PROGRAM("authflood");

#define AUTHFLOOD_WRONG_PASSWORD "authflood-wrong-guess"
#define AUTHFLOOD_PATH_BYTES 32

static const char usage[] = "usage: authflood [-b] guess USER COUNT\n"
                            "       authflood [-b] noise COUNT\n"
                            "Wrong passwords for USER, or different sudo events, COUNT times\n"
                            "(a test attacker). -b: in the background.\n";

static int guess(const char *user, u64 count) {
    i64 uid = users_uid_of(user);
    if (uid < 0) { tool_complain(user, uid); return TOOL_EXIT_FAILED; }
    u64 refused = 0, other = 0;
    for (u64 i = 0; i < count; i++) {
        i64 result = sys_switch_user((u64)uid, AUTHFLOOD_WRONG_PASSWORD);
        if (result == -E_ACCES) refused++;
        else other++;
    }
    tool_print(BASIN_FD_STDOUT, "authflood: %lu wrong passwords for %s: %lu refused, %lu otherwise\n",
               (unsigned long)count, user, (unsigned long)refused, (unsigned long)other);
    return other == 0 ? TOOL_EXIT_OK : TOOL_EXIT_FAILED;
}

static int noise(u64 count) {
    u64 refused = 0;
    for (u64 i = 0; i < count; i++) {
        char path[AUTHFLOOD_PATH_BYTES];
        snprintf(path, sizeof path, "/bin/noise-%lu", (unsigned long)i);
        const char *const argv[] = {path, NULL};
        i64 result = sys_sudo(path, argv, NULL);
        if (result == -E_ACCES) refused++;
    }
    tool_print(BASIN_FD_STDOUT, "authflood: %lu sudo events, %lu refused\n", (unsigned long)count,
               (unsigned long)refused);
    return refused == count ? TOOL_EXIT_OK : TOOL_EXIT_FAILED;
}

static int background(int argc, char **argv) {
    const char *spawn_argv[ABI_ARGV_COUNT_MAX + 1] = {"authflood"};
    int count = 1;
    for (int i = 0; i < argc && count < ABI_ARGV_COUNT_MAX; i++) spawn_argv[count++] = argv[i];
    spawn_argv[count] = NULL;
    i64 pid = sys_spawn(TEST_PATH("authflood"), spawn_argv, (u64)sys_geteuid());
    if (pid < 0) { tool_complain("spawn", pid); return TOOL_EXIT_FAILED; }
    tool_print(BASIN_FD_STDOUT, "authflood: running in the background (pid %ld)\n", (long)pid);
    return TOOL_EXIT_OK;
}

int main(int argc, char **argv) {
    int first = 1;
    u32 flags = tool_options(argc, argv, "b", usage, &first);
    if (first >= argc) tool_usage_error(usage, "guess or noise");
    if (tool_flag(flags, 'b')) return background(argc - first, argv + first);
    const char *mode = argv[first];
    if (strcmp(mode, "guess") == 0 && first + 3 == argc) return guess(argv[first + 1], strtoull(argv[first + 2], NULL, 10));
    if (strcmp(mode, "noise") == 0 && first + 2 == argc) return noise(strtoull(argv[first + 1], NULL, 10));
    tool_usage_error(usage, "guess USER COUNT or noise COUNT");
}
