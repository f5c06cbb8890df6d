// whoami: prints the name of the effective user.
#include "user/lib/tool.h"
#include "user/lib/users.h"

BASIN_PROGRAM("whoami");

int main(void) {
    char name[USERS_NAME_LEN_MAX];
    users_name_of_uid((u32)sys_geteuid(), name, sizeof name);
    tool_print(BASIN_FD_STDOUT, "%s\n", name);
    return TOOL_EXIT_OK;
}
