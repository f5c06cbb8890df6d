// audit: prints the audit log's counters (the audit_status syscall, root only): lines
// written to /var/log/auth since boot, events that could not be written (and the
// last error), events coalesced into "repeated N times" lines, events of users beyond
// their share of the file (counted, not written), rotations, and the log's bounds.
// -a acknowledges: the "since the last report" counters start again (login does this
// when it shows them to root).
#include "user/lib/tool.h"

BASIN_PROGRAM("audit");

static const char usage[] = "usage: audit [-a]\n"
                            "Prints the counters of the audit log /var/log/auth (root only).\n"
                            "  -a  acknowledge: restart the counters since the last report\n";

int main(int argc, char **argv) {
    int first = 1;
    u32 flags = tool_options(argc, argv, "a", usage, &first);
    if (first < argc) tool_usage_error(usage, "no operands");
    struct abi_audit_status s;
    i64 result = sys_audit_status(&s, tool_flag(flags, 'a') ? ABI_AUDIT_ACKNOWLEDGE : 0);
    if (result < 0) { tool_complain("audit_status", result); return TOOL_EXIT_FAILED; }
    tool_print(BASIN_FD_STDOUT, "lines written %lu\n", (unsigned long)s.lines_written);
    tool_print(BASIN_FD_STDOUT, "unwritten %lu (%lu unreported), last error %s\n", (unsigned long)s.unwritten,
               (unsigned long)s.unwritten_unreported, s.last_error == 0 ? "none" : error_name(s.last_error));
    tool_print(BASIN_FD_STDOUT, "coalesced %lu\n", (unsigned long)s.coalesced);
    tool_print(BASIN_FD_STDOUT, "beyond share %lu (%lu unreported)\n", (unsigned long)s.suppressed,
               (unsigned long)s.suppressed_unreported);
    tool_print(BASIN_FD_STDOUT, "rotations %lu\n", (unsigned long)s.rotations);
    tool_print(BASIN_FD_STDOUT, "bounds: %lu bytes per file, %lu archives, %lu bytes per user and file\n",
               (unsigned long)s.file_bytes_max, (unsigned long)s.archives_max, (unsigned long)s.share_bytes);
    return TOOL_EXIT_OK;
}
