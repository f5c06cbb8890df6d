// ls: lists directories (readdir, in the kernel's order: sorted by name) and names
// files. Without -l, one name per line. With -l, one line per entry:
//   TYPE+PERMISSIONS UID SIZE vVERSION NAME      e.g.  -rw-r--r--     0      16 v3 notes
// where TYPE is d (directory), l (symbolic link, then " -> TARGET") or - (file) and
// VERSION is the file's GrainDB version. Entries are lstat()ed, as Unix ls does.
// A file operand prints as given; with several operands each directory is headed by
// "PATH:". "." and ".." are not listed. Entries that cannot be read are named on fd 2.
#include <string.h>

#include "user/lib/tool.h"

BASIN_PROGRAM("ls");

#define LS_BATCH_COUNT 8u // dirents per readdir call
#define LS_ENTRIES_MAX 100000u // a bound on one directory; a kernel that lies cannot spin us
#define LS_PERMISSION_BITS 9u

static const char usage[] = "usage: ls [-l] [PATH...]\n"
                            "Lists each directory (default .) or names each file.\n"
                            "  -l  long format: type and permissions, uid, size, version, name\n";

static void ls_permissions(u32 type, u32 mode, char *out) {
    static const char letters[] = "rwxrwxrwx";
    out[0] = type == ABI_TYPE_DIRECTORY ? 'd' : type == ABI_TYPE_FILE ? '-' : type == ABI_TYPE_SYMLINK ? 'l' : '?';
    for (u32 bit = 0; bit < LS_PERMISSION_BITS; bit++) {
        bool set = (mode & (1u << (LS_PERMISSION_BITS - 1 - bit))) != 0;
        out[1 + bit] = set ? letters[bit] : '-';
    }
    out[1 + LS_PERMISSION_BITS] = 0;
}

// One entry: `path` is what to stat, `shown` what to print. false if stat failed.
static bool ls_entry(const char *path, const char *shown, bool long_format) {
    if (!long_format) return tool_print(BASIN_FD_STDOUT, "%s\n", shown) >= 0;
    struct abi_stat stat;
    memset(&stat, 0, sizeof(stat));
    i64 stated = sys_lstat(path, &stat);
    if (stated < 0) {
        tool_complain(path, stated);
        return false;
    }
    char permissions[LS_PERMISSION_BITS + 2];
    ls_permissions(stat.type, stat.mode, permissions);
    char target[ABI_PATH_LEN_MAX + 5] = "";
    if (stat.type == ABI_TYPE_SYMLINK) {
        strcpy(target, " -> ");
        i64 length = sys_readlink(path, target + 4, ABI_PATH_LEN_MAX);
        target[length > 0 ? 4 + length : 0] = '\0';
    }
    i64 wrote =
        tool_print(BASIN_FD_STDOUT, "%s %5lu %7lu v%lu %s%s\n", permissions, (unsigned long)stat.uid,
                   (unsigned long)stat.size_bytes, (unsigned long)stat.version, shown, target);
    return wrote >= 0;
}

// Prints one batch of dirents; false if any of them failed.
static bool ls_batch(const char *dir, const struct abi_dirent *entries, u64 count,
                     bool long_format) {
    bool ok = true;
    for (u64 i = 0; i < count; i++) {
        char name[ABI_NAME_LEN_MAX + 1];
        u64 length = entries[i].name_len <= ABI_NAME_LEN_MAX ? entries[i].name_len : 0;
        memcpy(name, entries[i].name, length);
        name[length] = 0;
        if (length == 0) {
            tool_complain_step(dir, "readdir", -E_BADMSG); // a name the ABI cannot hold
            ok = false;
            continue;
        }
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
        char path[TOOL_PATH_BYTES];
        i64 joined = tool_path_join(path, sizeof(path), dir, name);
        if (joined < 0) {
            tool_complain(name, joined);
            ok = false;
            continue;
        }
        ok = ls_entry(path, name, long_format) && ok;
    }
    return ok;
}

static bool ls_directory(const char *dir, bool long_format) {
    i64 fd = sys_open(dir, ABI_O_RDONLY | ABI_O_DIRECTORY, 0);
    if (fd < 0) {
        tool_complain(dir, fd);
        return false;
    }
    bool ok = true;
    struct abi_dirent entries[LS_BATCH_COUNT];
    for (u32 seen = 0; seen < LS_ENTRIES_MAX; seen += LS_BATCH_COUNT) {
        i64 count = sys_readdir(fd, entries, LS_BATCH_COUNT);
        if (count < 0) {
            tool_complain_step(dir, "readdir", count);
            ok = false;
        }
        if (count <= 0) break;
        basin_assert((u64)count <= LS_BATCH_COUNT);
        ok = ls_batch(dir, entries, (u64)count, long_format) && ok;
    }
    i64 closed = sys_close(fd);
    if (closed < 0) tool_complain_step(dir, "close", closed);
    return ok && closed == 0;
}

static bool ls_operand(const char *path, bool long_format, bool headed, bool first) {
    struct abi_stat stat;
    memset(&stat, 0, sizeof(stat));
    i64 stated = sys_stat(path, &stat);
    if (stated < 0) {
        tool_complain(path, stated);
        return false;
    }
    if (stat.type != ABI_TYPE_DIRECTORY) return ls_entry(path, path, long_format);
    if (headed && tool_print(BASIN_FD_STDOUT, "%s%s:\n", first ? "" : "\n", path) < 0) {
        return false;
    }
    return ls_directory(path, long_format);
}

int main(int argc, char **argv) {
    int first = 0;
    u32 flags = tool_options(argc, argv, "l", usage, &first);
    bool long_format = tool_flag(flags, 'l');
    if (first >= argc) return ls_operand(".", long_format, false, true) ? 0 : 1;
    bool headed = argc - first > 1, ok = true;
    for (int i = first; i < argc; i++) {
        ok = ls_operand(argv[i], long_format, headed, i == first) && ok;
    }
    return ok ? TOOL_EXIT_OK : TOOL_EXIT_FAILED;
}
