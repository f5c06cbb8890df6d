// passwd: changes a password through the kernel's passwd syscall, which rewrites
// /etc/shadow. A user changes its own and must give the current one; root changes
// anyone's (passwd USER) without it. The new password is asked twice.
#include <stdio.h>
#include <string.h>

#include "user/lib/tool.h"
#include "user/lib/users.h"

BASIN_PROGRAM("passwd");

static const char usage[] = "usage: passwd [USER]\n"
                            "Changes your password (asks the current one), or, as root,\n"
                            "USER's. A password is 1 to 64 bytes, without ':'.\n";

struct passwords {
    char old[USERS_PASSWORD_LEN_MAX + 1];
    char fresh[USERS_PASSWORD_LEN_MAX + 1];
    char again[USERS_PASSWORD_LEN_MAX + 1];
};

// Asks what the change needs, then changes it. 0, 1 (the two new ones differ), or -error.
static i64 ask_and_change(struct passwords *p, u32 uid, bool need_old) {
    i64 read = need_old ? users_read_password("Current password: ", p->old, sizeof p->old) : 0;
    if (read >= 0) read = users_read_password("New password: ", p->fresh, sizeof p->fresh);
    if (read >= 0) read = users_read_password("Retype new password: ", p->again, sizeof p->again);
    if (read < 0) return read;
    if (strcmp(p->fresh, p->again) != 0) return 1;
    return sys_passwd(uid, need_old ? p->old : NULL, p->fresh);
}

int main(int argc, char **argv) {
    int first = 1;
    tool_options(argc, argv, "", usage, &first);
    if (first + 1 < argc) tool_usage_error(usage, "at most one user");
    bool root = sys_geteuid() == ABI_UID_ROOT;
    char name[USERS_NAME_LEN_MAX];
    i64 uid = sys_geteuid();
    if (first < argc) {
        uid = users_uid_of(argv[first]);
        if (uid < 0) tool_usage_error(usage, "no user %s", argv[first]);
    }
    users_name_of_uid((u32)uid, name, sizeof name);
    if (!root && uid != sys_geteuid()) { users_complain_auth(name, -E_PERM); return TOOL_EXIT_FAILED; }
    tool_print(BASIN_FD_STDOUT, "Changing the password of %s\n", name);
    struct passwords p;
    memset(&p, 0, sizeof p);
    i64 result = ask_and_change(&p, (u32)uid, !root);
    memset(&p, 0, sizeof p);
    if (result == 1) {
        tool_print(BASIN_FD_STDERR, "passwd: the new passwords do not match; nothing changed\n");
        return TOOL_EXIT_FAILED;
    }
    if (result == -E_INVAL) {
        tool_print(BASIN_FD_STDERR, "passwd: %s: E_INVAL: a password is 1 to 64 bytes, without ':'\n", name);
        return TOOL_EXIT_FAILED;
    }
    if (result < 0) { users_complain_auth(name, result); return TOOL_EXIT_FAILED; }
    tool_print(BASIN_FD_STDOUT, "passwd: password changed for %s\n", name);
    return TOOL_EXIT_OK;
}
