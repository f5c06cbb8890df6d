// chmod: sets the permission bits (octal, e.g. 640 or 1777) of each path. Only the
// owner or root may; the kernel decides.
#include "user/lib/tool.h"

BASIN_PROGRAM("chmod");

static const char usage[] = "usage: chmod OCTAL-MODE PATH...\n"
                            "Sets the mode of each path (owner or root only).\n";

int main(int argc, char **argv) {
    int first = 1;
    tool_options(argc, argv, "", usage, &first);
    if (argc - first < 2) tool_usage_error(usage, "a mode and at least one path");
    u64 mode = 0;
    for (const char *c = argv[first]; *c != '\0'; c++) {
        if (*c < '0' || *c > '7' || mode > 07777) tool_usage_error(usage, "bad mode %s", argv[first]);
        mode = mode * 8 + (u64)(*c - '0');
    }
    if (mode > 07777) tool_usage_error(usage, "bad mode %s", argv[first]);
    int status = TOOL_EXIT_OK;
    for (int i = first + 1; i < argc; i++) {
        i64 result = sys_chmod(argv[i], mode);
        if (result < 0) { tool_complain(argv[i], result); status = TOOL_EXIT_FAILED; }
    }
    return status;
}
