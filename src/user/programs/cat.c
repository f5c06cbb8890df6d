// cat: copies each file to fd 1, in order. A file that cannot be opened or read is
// named on fd 2 with its error; the others are still copied, and the exit code is 1.
// A read error in the middle of a file (E_BADMSG: stored data failed its checksum)
// stops that file where it is: bytes already copied were good, nothing after is shown.
#include "user/lib/tool.h"

BASIN_PROGRAM("cat");

#define CAT_CHUNK_BYTES 512u

static const char usage[] = "usage: cat PATH...\n"
                            "Copies each file to standard output.\n";

// Returns true if the whole file was copied.
static bool cat_one(const char *path) {
    basin_assert(path != NULL);
    i64 fd = sys_open(path, ABI_O_RDONLY, 0);
    if (fd < 0) {
        tool_complain(path, fd);
        return false;
    }
    bool ok = true;
    u8 bytes[CAT_CHUNK_BYTES];
    for (;;) {
        i64 got = sys_read(fd, bytes, sizeof(bytes));
        if (got == 0) break;
        if (got < 0) {
            tool_complain(path, got);
            ok = false;
            break;
        }
        basin_assert((u64)got <= sizeof(bytes));
        i64 wrote = tool_write_all(BASIN_FD_STDOUT, bytes, (u64)got);
        if (wrote < 0) {
            tool_complain_step(path, "write to standard output", wrote);
            ok = false;
            break;
        }
    }
    i64 closed = sys_close(fd);
    if (closed < 0) {
        tool_complain_step(path, "close", closed);
        ok = false;
    }
    return ok;
}

int main(int argc, char **argv) {
    int first = 0;
    tool_options(argc, argv, "", usage, &first);
    if (first >= argc) tool_usage_error(usage, "missing PATH");
    bool ok = true;
    for (int i = first; i < argc; i++) ok = cat_one(argv[i]) && ok;
    return ok ? TOOL_EXIT_OK : TOOL_EXIT_FAILED;
}
