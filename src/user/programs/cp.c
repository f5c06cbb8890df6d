// cp: copies the file SRC to DST, or into DST if DST is a directory (under SRC's last
// component). A new DST gets SRC's permission bits under the umask (the kernel
// applies it); an existing DST keeps its mode and is truncated first, as Unix cp.
// Copying a file onto itself is refused before anything is truncated. Directories
// are not copied (no -r).
#include <string.h>

#include "user/lib/tool.h"

BASIN_PROGRAM("cp");

#define CP_CHUNK_BYTES 512
#define CP_PERMISSION_BITS 0777

static const char usage[] = "usage: cp SRC DST\n"
                            "Copies the file SRC to DST, or into the directory DST.\n";

static i64 cp_target(char *out, u64 capacity, const char *src, const char *dst) {
    struct abi_stat stat;
    memset(&stat, 0, sizeof stat);
    if (sys_stat(dst, &stat) != 0 || stat.type != ABI_TYPE_DIRECTORY) {
        if (strlen(dst) >= capacity) return -E_NAMETOOLONG;
        strcpy(out, dst);
        return 0;
    }
    char last[ABI_NAME_LEN_MAX + 1];
    i64 result = tool_path_last(last, sizeof last, src);
    return result < 0 ? result : tool_path_join(out, capacity, dst, last);
}

// Every byte of in to out. 0 or -error, reported with the name it concerns.
static i64 cp_bytes(i64 in, const char *src, i64 out, const char *dst) {
    u8 chunk[CP_CHUNK_BYTES];
    for (;;) {
        i64 count = sys_read(in, chunk, sizeof chunk);
        if (count < 0) {
            tool_complain_step(src, "read", count);
            return count;
        }
        if (count == 0) return 0;
        i64 wrote = tool_write_all(out, chunk, (u64)count);
        if (wrote < 0) {
            tool_complain_step(dst, "write", wrote);
            return wrote;
        }
    }
}

// SRC opened and checked (a file, not DST itself); *mode its permission bits.
static i64 cp_open_source(const char *src, const char *dst, u32 *mode) {
    i64 in = sys_open(src, ABI_O_RDONLY, 0);
    if (in < 0) {
        tool_complain(src, in);
        return in;
    }
    struct abi_stat from, to;
    i64 result = sys_fstat(in, &from);
    if (result == 0 && from.type != ABI_TYPE_FILE) result = -E_ISDIR;
    if (result == 0 && sys_stat(dst, &to) == 0 && to.inode == from.inode) {
        tool_print(BASIN_FD_STDERR, "cp: %s and %s are the same file\n", src, dst);
        result = -E_INVAL;
    } else if (result < 0) {
        tool_complain(src, result);
    }
    if (result < 0) {
        sys_close(in);
        return result;
    }
    *mode = from.mode & CP_PERMISSION_BITS;
    return in;
}

int main(int argc, char **argv) {
    int first = 0;
    tool_options(argc, argv, "", usage, &first);
    if (argc - first != 2) tool_usage_error(usage, "need SRC and DST");
    const char *src = argv[first];
    char dst[TOOL_PATH_BYTES];
    i64 result = cp_target(dst, sizeof dst, src, argv[first + 1]);
    if (result < 0) {
        tool_complain(argv[first + 1], result);
        return TOOL_EXIT_FAILED;
    }
    u32 mode = 0;
    i64 in = cp_open_source(src, dst, &mode);
    if (in < 0) return TOOL_EXIT_FAILED;
    i64 out = sys_open(dst, ABI_O_WRONLY | ABI_O_CREAT | ABI_O_TRUNC, mode);
    if (out < 0) {
        tool_complain(dst, out);
        sys_close(in);
        return TOOL_EXIT_FAILED;
    }
    result = cp_bytes(in, src, out, dst);
    i64 closed = sys_close(out); // commits the copy: its error matters
    if (closed < 0) tool_complain_step(dst, "close", closed);
    sys_close(in);
    return result == 0 && closed == 0 ? TOOL_EXIT_OK : TOOL_EXIT_FAILED;
}
