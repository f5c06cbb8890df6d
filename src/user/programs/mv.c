// mv: renames OLD to NEW with one rename(), which the kernel makes atomic: NEW is
// replaced if it exists. If NEW is an existing directory, OLD moves into it under its
// own name (like Unix mv). Prints nothing on success.
#include <stdio.h>
#include <string.h>

#include "user/lib/tool.h"

BASIN_PROGRAM("mv");

static const char usage[] = "usage: mv OLD NEW\n"
                            "Renames OLD to NEW, replacing NEW if it exists. If NEW is a\n"
                            "directory, OLD moves into it.\n";

// The rename's target: new_path, or new_path/last-component-of-old if new_path is a
// directory. 0 or -error (reported).
static i64 mv_target(char *target, u64 capacity, const char *old_path, const char *new_path) {
    struct abi_stat stat;
    memset(&stat, 0, sizeof(stat));
    i64 stated = sys_stat(new_path, &stat);
    if (stated == -E_NOENT || (stated == 0 && stat.type != ABI_TYPE_DIRECTORY)) {
        if (strlen(new_path) >= capacity) {
            tool_complain(new_path, -E_NAMETOOLONG);
            return -E_NAMETOOLONG;
        }
        strcpy(target, new_path);
        return 0;
    }
    if (stated < 0) {
        tool_complain(new_path, stated);
        return stated;
    }
    char name[ABI_NAME_LEN_MAX + 1];
    i64 result = tool_path_last(name, sizeof(name), old_path);
    if (result == 0 && name[0] == 0) result = -E_INVAL; // "/" has no name to move under
    if (result == 0) result = tool_path_join(target, capacity, new_path, name);
    if (result < 0) tool_complain(old_path, result);
    return result;
}

int main(int argc, char **argv) {
    int first = 0;
    tool_options(argc, argv, "", usage, &first);
    if (argc - first != 2) tool_usage_error(usage, "need OLD and NEW");
    const char *old_path = argv[first], *new_path = argv[first + 1];
    char target[TOOL_PATH_BYTES];
    if (mv_target(target, sizeof(target), old_path, new_path) < 0) return TOOL_EXIT_FAILED;
    i64 renamed = sys_rename(old_path, target);
    if (renamed < 0) {
        char both[2 * TOOL_PATH_BYTES + 8];
        snprintf(both, sizeof(both), "%s -> %s", old_path, target);
        tool_complain(both, renamed);
        return TOOL_EXIT_FAILED;
    }
    return TOOL_EXIT_OK;
}
