// usage: what a user holds of each shared resource, and its share (/etc/limits.conf).
//   usage [USER]   (default: the real user; another user's needs root)
#include <stdio.h>
#include <string.h>

#include "user/lib/tool.h"
#include "user/lib/users.h"

BASIN_PROGRAM("usage");

static const char usage_text[] = "usage: usage [USER]\n"
                                 "Prints what USER (default: you) holds of the machine's shared resources\n"
                                 "and its share of each, from /etc/limits.conf. Another user's needs root.\n";

#define KIB 1024ull

int main(int argc, char **argv) {
    int first = 0;
    tool_options(argc, argv, "", usage_text, &first);
    if (argc - first > 1) tool_usage_error(usage_text, "too many operands");
    i64 uid = first < argc ? users_uid_of(argv[first]) : sys_getuid();
    if (uid < 0) { tool_complain(argv[first], uid); return TOOL_EXIT_FAILED; }
    struct abi_usage u;
    memset(&u, 0, sizeof u);
    i64 result = sys_usage((u64)uid, &u);
    if (result < 0) { tool_complain(first < argc ? argv[first] : "usage", result); return TOOL_EXIT_FAILED; }
    char name[USERS_NAME_LEN_MAX];
    users_name_of_uid(u.uid, name, sizeof name);
    tool_print(BASIN_FD_STDOUT, "user %s (uid %lu)\n", name, (unsigned long)u.uid);
    tool_print(BASIN_FD_STDOUT, "processes   %8lu of %lu\n", (unsigned long)u.processes, (unsigned long)u.processes_max);
    tool_print(BASIN_FD_STDOUT, "memory      %8lu of %lu KiB\n", (unsigned long)(u.memory_bytes / KIB),
               (unsigned long)(u.memory_max_bytes / KIB));
    tool_print(BASIN_FD_STDOUT, "open files  %8lu of %lu (%lu per process)\n", (unsigned long)u.open_files,
               (unsigned long)u.open_files_max, (unsigned long)u.files_per_process);
    tool_print(BASIN_FD_STDOUT, "inodes      %8lu of %lu\n", (unsigned long)u.inodes, (unsigned long)u.inodes_max);
    tool_print(BASIN_FD_STDOUT, "disk        %8lu of %lu KiB (all users: %lu of %lu KiB)\n",
               (unsigned long)(u.disk_bytes / KIB), (unsigned long)(u.disk_max_bytes / KIB),
               (unsigned long)(u.disk_used_bytes / KIB), (unsigned long)(u.disk_capacity_bytes / KIB));
    return TOOL_EXIT_OK;
}
