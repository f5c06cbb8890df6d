// pwd: prints the working directory (getcwd) and a newline on fd 1.
#include "user/lib/tool.h"

BASIN_PROGRAM("pwd");

static const char usage[] = "usage: pwd\n"
                            "Prints the working directory.\n";

int main(int argc, char **argv) {
    int first = 0;
    tool_options(argc, argv, "", usage, &first);
    if (first < argc) tool_usage_error(usage, "unexpected operand %s", argv[first]);
    char cwd[TOOL_PATH_BYTES + 1];
    i64 length = sys_getcwd(cwd, sizeof(cwd) - 1);
    if (length < 0) {
        tool_complain("getcwd", length);
        return TOOL_EXIT_FAILED;
    }
    // The length is the answer; the bytes after it (a NUL or not) are not relied on.
    basin_assert((u64)length <= sizeof(cwd) - 1);
    cwd[length] = '\n';
    i64 wrote = tool_write_all(BASIN_FD_STDOUT, cwd, (u64)length + 1);
    return wrote < 0 ? TOOL_EXIT_FAILED : TOOL_EXIT_OK;
}
