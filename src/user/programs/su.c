// su: becomes another user (root by default) after the kernel checked that user's
// password, then runs a program as that user (/bin/sh, or the one given), in a new
// login session (the console session stays the same). After wrong passwords the
// kernel makes the next check of that account by this user wait a growing delay
// (auth.h): su then simply takes longer to answer; nothing is ever locked.
#include <stdio.h>
#include <string.h>

#include "user/lib/tool.h"
#include "user/lib/users.h"

BASIN_PROGRAM("su");

static const char usage[] = "usage: su [USER [PROGRAM [ARGUMENT...]]]\n"
                            "Asks for USER's password (root's by default) and runs PROGRAM\n"
                            "(default /bin/sh) as USER.\n";

int main(int argc, char **argv) {
    int first = 1;
    tool_options(argc, argv, "", usage, &first);
    const char *user = first < argc ? argv[first] : "root";
    i64 uid = users_uid_of(user);
    if (uid < 0) tool_usage_error(usage, "no user %s", user);
    char password[USERS_PASSWORD_LEN_MAX + 1] = "";
    bool as_root = sys_geteuid() == ABI_UID_ROOT; // root needs no password
    if (!as_root) {
        i64 read = users_read_password("Password: ", password, sizeof password);
        if (read < 0) { tool_complain("password", read); return TOOL_EXIT_FAILED; }
    }
    i64 switched = sys_switch_user((u64)uid, as_root ? NULL : password);
    memset(password, 0, sizeof password);
    if (switched < 0) { users_complain_auth(user, switched); return TOOL_EXIT_FAILED; }
    static const char *const shell_argv[] = {"sh", NULL};
    const char *const *program_argv = first + 1 < argc ? (const char *const *)(argv + first + 1) : shell_argv;
    char path[TOOL_PATH_BYTES];
    if (program_argv[0][0] == '/') snprintf(path, sizeof path, "%s", program_argv[0]);
    else snprintf(path, sizeof path, "/bin/%s", program_argv[0]);
    i64 pid = sys_spawn(path, program_argv, (u64)uid);
    if (pid < 0) { tool_complain(path, pid); return TOOL_EXIT_FAILED; }
    struct abi_wait_status status;
    i64 reaped = sys_wait(pid, &status, 0);
    if (reaped != pid) { tool_complain("wait", reaped); return TOOL_EXIT_FAILED; }
    return status.cause == ABI_EXIT_NORMAL ? (int)status.exit_code : TOOL_EXIT_FAILED;
}
