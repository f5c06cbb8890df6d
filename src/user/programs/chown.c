// chown: sets the owner (and with USER:GROUP the group) of each path; root only.
#include <string.h>

#include "user/lib/tool.h"
#include "user/lib/users.h"

BASIN_PROGRAM("chown");

static const char usage[] = "usage: chown USER[:GROUP] PATH...\n"
                            "Sets the owner and group of each path (root only).\n";

int main(int argc, char **argv) {
    int first = 1;
    tool_options(argc, argv, "", usage, &first);
    if (argc - first < 2) tool_usage_error(usage, "an owner and at least one path");
    char owner[USERS_NAME_LEN_MAX * 2 + 2];
    if (strlen(argv[first]) >= sizeof owner) tool_usage_error(usage, "owner too long");
    strcpy(owner, argv[first]);
    char *group = strchr(owner, ':');
    if (group != NULL) *group++ = '\0';
    i64 uid = owner[0] == '\0' ? (i64)ABI_ID_UNCHANGED : users_uid_of(owner);
    i64 gid = group == NULL || group[0] == '\0' ? (i64)ABI_ID_UNCHANGED : users_gid_of(group);
    if (uid < 0) tool_usage_error(usage, "no user %s", owner);
    if (gid < 0) tool_usage_error(usage, "no group %s", group);
    int status = TOOL_EXIT_OK;
    for (int i = first + 1; i < argc; i++) {
        i64 result = sys_chown(argv[i], (u64)uid, (u64)gid);
        if (result < 0) { tool_complain(argv[i], result); status = TOOL_EXIT_FAILED; }
    }
    return status;
}
