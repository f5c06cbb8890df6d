// sudo: runs a program as root. The kernel checks that the invoking user holds the
// sudo capability and that the password typed is the invoking user's own; it also
// remembers a success for the rest of the login session, up to the timeout of
// /etc/sudo.conf. So sudo first asks the kernel without a password, and asks the
// user only when the kernel says it does not remember one.
#include <stdio.h>
#include <string.h>

#include "user/lib/tool.h"
#include "user/lib/users.h"

BASIN_PROGRAM("sudo");

static const char usage[] = "usage: sudo [-k] PROGRAM [ARGUMENT...]\n"
                            "       sudo -k\n"
                            "Runs PROGRAM (a path, or a name in /bin) as root after asking\n"
                            "for your password, which is remembered for this login session\n"
                            "for timestamp_timeout_s seconds (/etc/sudo.conf).\n"
                            "  -k  forget the remembered password first\n";

// The empty password tells the kernel to forget this session's remembered success.
static int forget(void) {
    i64 result = sys_sudo(NULL, NULL, "");
    if (result < 0) { users_complain_auth("-k", result); return TOOL_EXIT_FAILED; }
    return TOOL_EXIT_OK;
}

static i64 run_with_password(const char *path, const char *const *argv) {
    char name[USERS_NAME_LEN_MAX], prompt[USERS_NAME_LEN_MAX + 32];
    users_name_of_uid((u32)sys_getuid(), name, sizeof name);
    snprintf(prompt, sizeof prompt, "[sudo] password for %s: ", name);
    char password[USERS_PASSWORD_LEN_MAX + 1];
    i64 read = users_read_password(prompt, password, sizeof password);
    if (read < 0) return read;
    i64 pid = sys_sudo(path, argv, password);
    memset(password, 0, sizeof password);
    return pid;
}

int main(int argc, char **argv) {
    int first = 1;
    u32 flags = tool_options(argc, argv, "k", usage, &first);
    if (tool_flag(flags, 'k')) {
        int forgotten = forget();
        if (first >= argc || forgotten != TOOL_EXIT_OK) return forgotten;
    }
    if (first >= argc) tool_usage_error(usage, "a program");
    char path[TOOL_PATH_BYTES];
    if (argv[first][0] == '/') snprintf(path, sizeof path, "%s", argv[first]);
    else snprintf(path, sizeof path, "/bin/%s", argv[first]);
    const char *const *program_argv = (const char *const *)(argv + first);
    i64 pid = sys_sudo(path, program_argv, NULL); // remembered by the kernel?
    if (pid == -E_ACCES) pid = run_with_password(path, program_argv);
    if (pid < 0) { users_complain_auth(path, pid); return TOOL_EXIT_FAILED; }
    struct abi_wait_status status;
    i64 reaped = sys_wait(pid, &status, 0);
    if (reaped != pid) { tool_complain("wait", reaped); return TOOL_EXIT_FAILED; }
    return status.cause == ABI_EXIT_NORMAL ? (int)status.exit_code : TOOL_EXIT_FAILED;
}
