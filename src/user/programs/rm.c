// rm: removes files (unlink). A directory needs -r: its contents go first, depth
// first, then the directory itself (rmdir). Refuses "/", "." and "..". Prints nothing
// on success; stops at the first entry of a tree that cannot be removed and names it.
//
// -r keeps one path buffer and no stack of open directories: it opens the current
// directory, takes its first entry, and either descends into it or removes it. That is
// more opens than a recursive walk, but memory stays constant however deep the tree,
// and the walk never depends on readdir positions surviving a removal.
#include <string.h>

#include "user/lib/tool.h"

BASIN_PROGRAM("rm");

#define RM_STEPS_MAX 100000u // a bound on one tree; a kernel that lies cannot spin us

static const char usage[] = "usage: rm [-r] PATH...\n"
                            "Removes each file.\n"
                            "  -r  remove directories and everything in them\n";

static bool is_dot_or_dot_dot(const char *name) {
    return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

// The first entry of a directory other than "." and "..": 1 found, 0 empty, or -error.
static i64 first_entry(const char *path, struct abi_dirent *entry) {
    i64 fd = sys_open(path, ABI_O_RDONLY | ABI_O_DIRECTORY, 0);
    if (fd < 0) return fd;
    i64 result = 0;
    for (u32 step = 0; step < RM_STEPS_MAX; step++) {
        result = sys_readdir(fd, entry, 1);
        if (result <= 0) break;
        basin_assert(result == 1);
        entry->name[sizeof(entry->name) - 1] = 0;
        if (entry->name_len > ABI_NAME_LEN_MAX) result = -E_BADMSG;
        if (result < 0 || !is_dot_or_dot_dot(entry->name)) break;
        result = 0;
    }
    i64 closed = sys_close(fd);
    return result < 0 ? result : closed < 0 ? closed : result;
}

static void path_up(char *path) {
    char *slash = strrchr(path, '/');
    basin_assert(slash != NULL);
    *slash = 0;
}

static bool remove_tree(const char *top) {
    char path[TOOL_PATH_BYTES];
    basin_assert(strlen(top) < sizeof(path));
    strcpy(path, top);
    u64 top_length = strlen(path);
    for (u32 step = 0; step < RM_STEPS_MAX; step++) {
        struct abi_dirent entry;
        memset(&entry, 0, sizeof(entry));
        i64 found = first_entry(path, &entry);
        i64 result = found;
        if (found == 0) {
            result = sys_rmdir(path);
            if (result == 0 && strlen(path) == top_length) return true;
            if (result == 0) path_up(path);
        } else if (found == 1) {
            result = tool_path_join(path, sizeof(path), path, entry.name);
            if (result == 0 && entry.type != ABI_TYPE_DIRECTORY) {
                result = sys_unlink(path);
                if (result == 0) path_up(path);
            }
        }
        if (result < 0) {
            tool_complain(found == 1 && result == -E_NAMETOOLONG ? entry.name : path, result);
            return false;
        }
    }
    tool_complain(top, -E_2BIG);
    return false;
}

static bool remove_one(const char *path, bool recursive) {
    char clean[TOOL_PATH_BYTES], last[TOOL_PATH_BYTES];
    u64 length = strlen(path);
    while (length > 1 && path[length - 1] == '/') length--; // "a/" is "a"
    if (length > ABI_PATH_LEN_MAX || tool_path_last(last, sizeof(last), path) < 0) {
        tool_complain(path, -E_NAMETOOLONG);
        return false;
    }
    if (last[0] == 0 || is_dot_or_dot_dot(last)) {
        tool_complain_step(path, "refusing to remove", -E_INVAL);
        return false;
    }
    memcpy(clean, path, length);
    clean[length] = 0;
    struct abi_stat stat;
    memset(&stat, 0, sizeof(stat));
    i64 result = sys_lstat(clean, &stat); // a symbolic link is removed, never followed
    if (result == 0 && stat.type == ABI_TYPE_DIRECTORY) {
        if (recursive) return remove_tree(clean);
        result = -E_ISDIR;
    } else if (result == 0) {
        result = sys_unlink(clean);
    }
    if (result < 0) tool_complain(path, result);
    return result == 0;
}

int main(int argc, char **argv) {
    int first = 0;
    u32 flags = tool_options(argc, argv, "r", usage, &first);
    if (first >= argc) tool_usage_error(usage, "missing PATH");
    bool ok = true;
    for (int i = first; i < argc; i++) ok = remove_one(argv[i], tool_flag(flags, 'r')) && ok;
    return ok ? TOOL_EXIT_OK : TOOL_EXIT_FAILED;
}
