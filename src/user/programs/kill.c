// kill: ends processes by pid, as Unix's kill does (the kill syscall; there are no
// signal handlers, so TERM ends a process at once unless it asked to ignore TERM).
//   kill PID...      SIGTERM to each
//   kill -9 PID...   SIGKILL to each (cannot be ignored); -KILL, -15, -TERM also
// Root may signal any process but init; others only their own (same real uid).
// Exit codes: 0 every pid signalled, 1 one was refused or unknown, 2 bad usage.
#include <string.h>

#include "user/lib/tool.h"

BASIN_PROGRAM("kill");

static const char usage[] =
    "usage: kill [-9|-KILL|-15|-TERM] PID...\n"
    "Sends SIGTERM (with -9: SIGKILL) to each PID. Root may signal any process but\n"
    "init (pid 1); others only processes of their own real uid (else E_PERM).\n";

// A pid: decimal digits only, above 0 (no process groups here).
static bool parse_pid(const char *text, i64 *pid) {
    if (text[0] == '\0') return false;
    i64 value = 0;
    for (const char *c = text; *c != '\0'; c++) {
        if (*c < '0' || *c > '9' || value > (i64)UINT32_MAX) return false;
        value = value * 10 + (*c - '0');
    }
    *pid = value;
    return value > 0;
}

// The signal option, Unix's spellings: -9 or -KILL, -15 or -TERM (digits are no
// option letters for tool_options, so they are read here first).
static u64 signal_option(int argc, char **argv, int *first) {
    if (argc < 2) return ABI_SIGTERM;
    const char *option = argv[1];
    bool kill_option = strcmp(option, "-9") == 0 || strcmp(option, "-KILL") == 0;
    bool term_option = strcmp(option, "-15") == 0 || strcmp(option, "-TERM") == 0;
    if (kill_option || term_option) *first = 2;
    return kill_option ? ABI_SIGKILL : ABI_SIGTERM;
}

int main(int argc, char **argv) {
    int first = 1;
    u64 signal = signal_option(argc, argv, &first);
    if (first == 1) tool_options(argc, argv, "", usage, &first);
    if (first >= argc) tool_usage_error(usage, "a PID is needed");
    int status = TOOL_EXIT_OK;
    for (int i = first; i < argc; i++) {
        i64 pid = 0;
        if (!parse_pid(argv[i], &pid)) tool_usage_error(usage, "'%s' is not a pid", argv[i]);
        i64 result = sys_kill(pid, signal);
        if (result < 0) {
            tool_complain(argv[i], result);
            status = TOOL_EXIT_FAILED;
        }
    }
    return status;
}
