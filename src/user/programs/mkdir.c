// mkdir: creates directories (mode 0755). With -p, also every missing parent, and a
// PATH that already is a directory is no error. Prints nothing on success; a failure
// names the path that could not be made (for -p, the first parent that failed).
#include <string.h>

#include "user/lib/tool.h"

BASIN_PROGRAM("mkdir");

#define MKDIR_MODE 0755u

static const char usage[] = "usage: mkdir [-p] PATH...\n"
                            "Creates each directory.\n"
                            "  -p  create missing parents too; an existing directory is fine\n";

// mkdir that accepts an existing directory. 0 or -error.
static i64 mkdir_existing_ok(const char *path) {
    i64 made = sys_mkdir(path, MKDIR_MODE);
    if (made != -E_EXIST) return made;
    struct abi_stat stat;
    memset(&stat, 0, sizeof(stat));
    i64 stated = sys_stat(path, &stat);
    if (stated < 0) return stated;
    return stat.type == ABI_TYPE_DIRECTORY ? 0 : -E_EXIST;
}

// Every prefix of path that ends before a slash, then path itself.
static bool mkdir_parents(const char *path) {
    char prefix[TOOL_PATH_BYTES];
    u64 length = strlen(path);
    if (length > ABI_PATH_LEN_MAX) {
        tool_complain(path, -E_NAMETOOLONG);
        return false;
    }
    memcpy(prefix, path, length + 1);
    for (u64 i = 1; i < length; i++) {
        if (prefix[i] != '/' || prefix[i - 1] == '/') continue;
        prefix[i] = 0;
        i64 made = mkdir_existing_ok(prefix);
        if (made < 0) {
            tool_complain(prefix, made);
            return false;
        }
        prefix[i] = '/';
    }
    i64 made = mkdir_existing_ok(path);
    if (made < 0) tool_complain(path, made);
    return made == 0;
}

int main(int argc, char **argv) {
    int first = 0;
    u32 flags = tool_options(argc, argv, "p", usage, &first);
    if (first >= argc) tool_usage_error(usage, "missing PATH");
    bool parents = tool_flag(flags, 'p'), ok = true;
    for (int i = first; i < argc; i++) {
        if (parents) {
            ok = mkdir_parents(argv[i]) && ok;
            continue;
        }
        i64 made = sys_mkdir(argv[i], MKDIR_MODE);
        if (made < 0) {
            tool_complain(argv[i], made);
            ok = false;
        }
    }
    return ok ? TOOL_EXIT_OK : TOOL_EXIT_FAILED;
}
