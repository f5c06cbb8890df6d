// login: the console's getty-like prompt. It first takes the console for a new console
// session (vhangup): whatever an earlier session left running has lost the console
// for good, so it can neither read what is typed here nor print a fake prompt. Then
// it asks for a user name and password; the kernel checks the password (switch_user)
// and login becomes that user, changes to the home directory and runs /bin/sh in the
// same console session; when login exits after the shell, the session ends. When root
// logs in, login shows what the audit log could not record since root's last login
// (audit_status). init (init.end=login) starts it again when it exits, or after
// LOGIN_ATTEMPTS_MAX failed attempts and a pause that slows down guessing. Nothing
// locks an account: a wrong password only makes the kernel wait before the next check
// from the same source, and root's password at this prompt never waits.
#include <stdio.h>
#include <string.h>

#include "user/lib/tool.h"
#include "user/lib/users.h"

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
    if (switched < 0) tool_print(BASIN_FD_STDOUT, "Login incorrect\n");
    return switched < 0 ? switched : uid;
}

// Root is told what the audit log lost since root's last login: events that could not
// be written (the disk) and other users' events beyond their share of the log.
static void audit_report(void) {
    struct abi_audit_status status;
    i64 result = sys_audit_status(&status, ABI_AUDIT_ACKNOWLEDGE);
    if (result < 0) { tool_complain("audit_status", result); return; }
    tool_print(BASIN_FD_STDOUT, "audit: since the last root login, %lu events could not be written",
               (unsigned long)status.unwritten_unreported);
    if (status.unwritten_unreported > 0) tool_print(BASIN_FD_STDOUT, " (last error %s)", error_name(status.last_error));
    tool_print(BASIN_FD_STDOUT, "; %lu events of users beyond their share were counted, not written\n",
               (unsigned long)status.suppressed_unreported);
}

int main(void) {
    i64 hung_up = sys_vhangup();
    if (hung_up < 0) { tool_complain("vhangup", hung_up); return TOOL_EXIT_FAILED; }
    for (u32 attempt = 0; attempt < LOGIN_ATTEMPTS_MAX; attempt++) {
        char name[USERS_NAME_LEN_MAX];
        i64 uid = login_attempt(name);
        if (uid < 0) continue;
        char home[TOOL_PATH_BYTES];
        if (uid == ABI_UID_ROOT) snprintf(home, sizeof home, "/root");
        else snprintf(home, sizeof home, "/home/%s", name);
        if (sys_chdir(home) < 0) sys_chdir("/");
        if (uid == ABI_UID_ROOT) audit_report();
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
