// ln: makes a new name for a file. `ln TARGET NAME` makes a hard link (NAME names the
// same file as TARGET; TARGET is not followed if it is a symbolic link, as link(2)
// and Linux's ln -P); `ln -s TARGET NAME` makes a symbolic link whose content is
// TARGET as written (not checked: it may dangle). If NAME is an existing directory,
// the new name goes inside it under TARGET's last component, as Unix ln. Prints
// nothing on success; an existing NAME is an error (no -f).
#include <string.h>

#include "user/lib/tool.h"

BASIN_PROGRAM("ln");

static const char usage[] = "usage: ln [-s] TARGET NAME\n"
                            "Makes NAME a new name (hard link) for the file TARGET, or with -s a\n"
                            "symbolic link to TARGET. If NAME is a directory, the link goes in it.\n"
                            "  -s  symbolic link (TARGET is stored as given)\n";

// NAME, or NAME/last-component-of-TARGET when NAME is a directory. 0 or -error.
static i64 ln_where(char *out, u64 capacity, const char *target, const char *name) {
    struct abi_stat stat;
    memset(&stat, 0, sizeof stat);
    if (sys_stat(name, &stat) != 0 || stat.type != ABI_TYPE_DIRECTORY) {
        if (strlen(name) >= capacity) return -E_NAMETOOLONG;
        strcpy(out, name);
        return 0;
    }
    char last[ABI_NAME_LEN_MAX + 1];
    i64 result = tool_path_last(last, sizeof last, target);
    if (result == 0 && last[0] == '\0') result = -E_INVAL; // "/" has no name to link under
    return result < 0 ? result : tool_path_join(out, capacity, name, last);
}

int main(int argc, char **argv) {
    int first = 0;
    u32 flags = tool_options(argc, argv, "s", usage, &first);
    if (argc - first != 2) tool_usage_error(usage, "need TARGET and NAME");
    const char *target = argv[first], *name = argv[first + 1];
    bool symbolic = tool_flag(flags, 's');
    char where[TOOL_PATH_BYTES];
    i64 result = ln_where(where, sizeof where, target, name);
    if (result < 0) {
        tool_complain(name, result);
        return TOOL_EXIT_FAILED;
    }
    result = symbolic ? sys_symlink(target, where) : sys_link(target, where);
    if (result == 0) return TOOL_EXIT_OK;
    // Name the argument the error is about: a missing TARGET of a hard link, or one
    // that may not be linked (a directory, protected_hardlinks: E_PERM), is TARGET's;
    // anything else is the new name's.
    bool about_target = !symbolic && (result == -E_PERM || sys_lstat(target, &(struct abi_stat){0}) < 0);
    tool_complain(about_target ? target : where, result);
    return TOOL_EXIT_FAILED;
}
