// sudo: runs a program as root. The kernel checks that the invoking user holds the
// sudo capability and that the password typed is the invoking user's own.
#include <stdio.h>
#include <string.h>

#include "tool.h"
#include "users.h"

BASIN_PROGRAM("sudo");

static const char usage[] = "usage: sudo PROGRAM [ARGUMENT...]\n"
                            "Runs PROGRAM (a path, or a name in /bin) as root after asking\n"
                            "for your password.\n";

int main(int argc, char **argv) {
    int first = 1;
    tool_options(argc, argv, "", usage, &first);
    if (first >= argc) tool_usage_error(usage, "a program");
    char path[TOOL_PATH_BYTES];
    if (argv[first][0] == '/') snprintf(path, sizeof path, "%s", argv[first]);
    else snprintf(path, sizeof path, "/bin/%s", argv[first]);
    char name[USERS_NAME_LEN_MAX], prompt[USERS_NAME_LEN_MAX + 32];
    users_name_of_uid((u32)sys_getuid(), name, sizeof name);
    snprintf(prompt, sizeof prompt, "[sudo] password for %s: ", name);
    char password[USERS_PASSWORD_LEN_MAX + 1];
    i64 read = users_read_password(prompt, password, sizeof password);
    if (read < 0) { tool_complain("password", read); return TOOL_EXIT_FAILED; }
    i64 pid = sys_sudo(path, (const char *const *)(argv + first), password);
    memset(password, 0, sizeof password);
    if (pid < 0) { tool_complain(path, pid); return TOOL_EXIT_FAILED; }
    struct abi_wait_status status;
    i64 reaped = sys_wait(pid, &status, 0);
    if (reaped != pid) { tool_complain("wait", reaped); return TOOL_EXIT_FAILED; }
    return status.cause == ABI_EXIT_NORMAL ? (int)status.exit_code : TOOL_EXIT_FAILED;
}
