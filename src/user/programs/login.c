// login: the console's getty-like prompt. Asks for a user name and password; the
// kernel checks the password (switch_user) and login becomes that user, changes to
// the home directory and runs /bin/sh. init (init.end=login) starts it again when
// the shell exits.
#include <stdio.h>
#include <string.h>

#include "tool.h"
#include "users.h"

BASIN_PROGRAM("login");

#define LOGIN_ATTEMPTS_MAX 3u

int main(void) {
    for (u32 attempt = 0; attempt < LOGIN_ATTEMPTS_MAX; attempt++) {
        char name[USERS_NAME_LEN_MAX], password[USERS_PASSWORD_LEN_MAX + 1];
        if (users_read_password("login: ", name, sizeof name) <= 0) continue;
        if (users_read_password("Password: ", password, sizeof password) < 0) continue;
        i64 uid = users_uid_of(name);
        i64 switched = uid < 0 ? -E_ACCES : sys_switch_user((u64)uid, password);
        memset(password, 0, sizeof password);
        if (switched < 0) {
            tool_print(BASIN_FD_STDOUT, "Login incorrect\n");
            continue;
        }
        char home[TOOL_PATH_BYTES];
        if (uid == ABI_UID_ROOT) snprintf(home, sizeof home, "/root");
        else snprintf(home, sizeof home, "/home/%s", name);
        if (sys_chdir(home) < 0) sys_chdir("/");
        static const char *const shell_argv[] = {"sh", NULL};
        i64 pid = sys_spawn("/bin/sh", shell_argv, (u64)uid);
        if (pid < 0) { tool_complain("/bin/sh", pid); return TOOL_EXIT_FAILED; }
        struct abi_wait_status status;
        sys_wait(pid, &status, 0);
        return TOOL_EXIT_OK;
    }
    return TOOL_EXIT_FAILED;
}
