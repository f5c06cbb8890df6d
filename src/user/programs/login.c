// login: the console's getty-like prompt. Asks for a user name and password; the
// kernel checks the password (switch_user) and login becomes that user, in a new
// login session, changes to the home directory and runs /bin/sh. init
// (init.end=login) starts it again when the shell exits, or after LOGIN_ATTEMPTS_MAX
// failed attempts and a pause that slows down guessing (the kernel's lockout,
// E_AGAIN, stops it).
#include <stdio.h>
#include <string.h>

#include "tool.h"
#include "users.h"

BASIN_PROGRAM("login");

#define LOGIN_ATTEMPTS_MAX 3u
#define LOGIN_FAILURE_PAUSE_NS 2000000000ull // after LOGIN_ATTEMPTS_MAX failures

// The uid the user proved to be, or -error (after saying why on the console).
static i64 login_attempt(char name[USERS_NAME_LEN_MAX]) {
    char password[USERS_PASSWORD_LEN_MAX + 1];
    if (users_read_password("login: ", name, USERS_NAME_LEN_MAX) <= 0) return -E_INVAL;
    if (users_read_password("Password: ", password, sizeof password) < 0) return -E_IO;
    i64 uid = users_uid_of(name);
    i64 switched = uid < 0 ? -E_ACCES : sys_switch_user((u64)uid, password);
    memset(password, 0, sizeof password);
    if (switched == -E_AGAIN) {
        tool_print(BASIN_FD_STDOUT, "Account locked after too many wrong passwords; try again later\n");
    } else if (switched < 0) {
        tool_print(BASIN_FD_STDOUT, "Login incorrect\n");
    }
    return switched < 0 ? switched : uid;
}

int main(void) {
    for (u32 attempt = 0; attempt < LOGIN_ATTEMPTS_MAX; attempt++) {
        char name[USERS_NAME_LEN_MAX];
        i64 uid = login_attempt(name);
        if (uid < 0) continue;
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
    sys_sleep_until(monotonic_ns() + LOGIN_FAILURE_PAUSE_NS);
    return TOOL_EXIT_FAILED;
}
