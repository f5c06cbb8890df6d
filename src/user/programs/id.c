// id: the real user and group, and the effective ones when they differ, with names.
#include <stdio.h>
#include <string.h>

#include "user/lib/tool.h"
#include "user/lib/users.h"

BASIN_PROGRAM("id");

int main(void) {
    u32 uid = (u32)sys_getuid(), gid = (u32)sys_getgid();
    u32 euid = (u32)sys_geteuid(), egid = (u32)sys_getegid();
    char uid_name[USERS_NAME_LEN_MAX], gid_name[USERS_NAME_LEN_MAX];
    char euid_name[USERS_NAME_LEN_MAX], egid_name[USERS_NAME_LEN_MAX];
    users_name_of_uid(uid, uid_name, sizeof uid_name);
    users_name_of_gid(gid, gid_name, sizeof gid_name);
    users_name_of_uid(euid, euid_name, sizeof euid_name);
    users_name_of_gid(egid, egid_name, sizeof egid_name);
    char effective[96] = "";
    if (euid != uid) snprintf(effective, sizeof effective, " euid=%lu(%s)", (unsigned long)euid, euid_name);
    if (egid != gid) {
        u64 at = strlen(effective);
        snprintf(effective + at, sizeof effective - at, " egid=%lu(%s)", (unsigned long)egid, egid_name);
    }
    tool_print(BASIN_FD_STDOUT, "uid=%lu(%s) gid=%lu(%s)%s\n", (unsigned long)uid, uid_name,
               (unsigned long)gid, gid_name, effective);
    return TOOL_EXIT_OK;
}
