// shutdown: -h halts, -r reboots, -p powers off (the default). Needs root or the
// shutdown capability; the kernel decides.
#include "user/lib/tool.h"

BASIN_PROGRAM("shutdown");

static const char usage[] = "usage: shutdown [-h | -r | -p]\n"
                            "Halts (-h), reboots (-r) or powers off (-p, the default).\n";

int main(int argc, char **argv) {
    int first = 1;
    u32 flags = tool_options(argc, argv, "hrp", usage, &first);
    if (first != argc) tool_usage_error(usage, "no operands");
    u32 chosen = tool_flag(flags, 'h') + tool_flag(flags, 'r') + tool_flag(flags, 'p');
    if (chosen > 1) tool_usage_error(usage, "one of -h, -r, -p");
    u64 type = tool_flag(flags, 'h') ? ABI_SHUTDOWN_HALT
               : tool_flag(flags, 'r') ? ABI_SHUTDOWN_REBOOT : ABI_SHUTDOWN_POWER_OFF;
    i64 result = sys_shutdown(type);
    tool_complain("shutdown", result); // only reached when refused
    return TOOL_EXIT_FAILED;
}
