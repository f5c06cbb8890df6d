// Per-user shares of every table and store a user can fill, and the reserve that only
// root may use: an ordinary user must never be able to starve root or another user
// (Linux's RLIMIT_NPROC and ext4's blocks reserved for root, applied to everything).
//
// The numbers come from /etc/limits.conf ("key = value" lines, '#' comments), written
// at a disk's first boot and read at every boot; a line that is malformed, unknown or
// out of range is ignored with a warning (its key keeps the default), so a broken file
// never leaves the machine without limits. Root (real uid 0) is never limited by a
// share: it may use everything, the reserve included.
#pragma once

#include "kernel/lib/types.h"

#define LIMITS_CONF_PATH "/etc/limits.conf"
#define LIMITS_CONF_BYTES_MAX 2048
#define LIMITS_CONF_MODE 0644
#define PERCENT_MAX 100u

// X(field, default, minimum, maximum, what it limits). Shares are per non-root user;
// reserves are what the non-root users together can never take. Percentages are of
// what the machine has (page frames, filesystem capacity), so they follow the board.
#define LIMITS_LIST(X)                                                                     \
    X(processes_per_user, 24, 1, PROCS_MAX,                                               \
      "process slots (zombies included) one non-root user may hold")                     \
    X(processes_root_reserve, 8, 1, PROCS_MAX - 1,                                        \
      "process slots only root's processes may take")                                    \
    X(memory_per_user_percent, 50, 1, PERCENT_MAX,                                        \
      "share of the page frames one non-root user's processes may hold")                 \
    X(memory_root_reserve_percent, 10, 1, 90, "share of the page frames only root may use") \
    X(files_per_process, 64, ABI_FDS_MIN, ABI_FDS_MAX, "descriptors one process may have open") \
    X(open_files_per_user, 48, 1, FS_OPEN_FILES_MAX,                                      \
      "entries of the kernel's open-file table one non-root user may hold")              \
    X(open_files_root_reserve, 16, 1, FS_OPEN_FILES_MAX - 1,                              \
      "open-file entries only root may take")                                            \
    X(disk_per_user_percent, 60, 1, PERCENT_MAX,                                          \
      "share of the filesystem's capacity one non-root user's files may use")           \
    X(disk_root_reserve_percent, 10, 1, 90,                                               \
      "share of the filesystem's capacity only root's files may use")                    \
    X(inodes_per_user, 1024, 1, FS_INODES_MAX, "files, directories and links one non-root user may own") \
    X(inodes_root_reserve, 256, 1, FS_INODES_MAX - 1, "inode numbers only root may take") \
    X(dir_entries_per_user, 64, 1, FS_DIR_ENTRIES_MAX,                                    \
      "entries one non-root user may make in a directory another user owns (such as /tmp)") \
    X(dir_entries_root_reserve, 32, 1, FS_DIR_ENTRIES_MAX - 1,                            \
      "entries of every directory only root may make")

#define LIMITS_FIELD(field, value, minimum, maximum, what) u32 field;
struct limits {
    LIMITS_LIST(LIMITS_FIELD)
};
#undef LIMITS_FIELD

struct kernel;

// The built-in defaults (also what the first boot writes).
void limits_defaults(struct limits *limits);
// What parsing a file found: lines applied and ignored (malformed, unknown key, value
// out of range), and the first ignored line's number (1-based, 0 when none).
struct limits_parse_report {
    u32 applied;
    u32 ignored;
    u32 first_ignored_line;
};
// Applies the text of /etc/limits.conf over *limits, line by line.
void limits_parse(const char *text, struct limits *limits, struct limits_parse_report *report);
// The first boot's file (written by kernel/boot/provision.c): every key with its
// default and what it limits. Returns its length (the defaults always fit).
u64 limits_default_text(char text[LIMITS_CONF_BYTES_MAX]);

// Whether `uid` may take `amount` more of a resource of which the machine has `total`:
// root may take anything left; another user needs its own use to stay within
// `per_user`, and may never take the last `root_reserve` (ext4's rule for the blocks
// reserved for root: whoever holds the rest, the reserve stays free for root).
struct limits_use {
    u64 user; // what uid holds now
    u64 all;  // what everyone holds now, root included
};
bool limits_allow(u32 uid, const struct limits_use *use, u64 amount, u64 total, u64 per_user,
                  u64 root_reserve);

// The checks of each resource, in one place (limits.c).
// A new process of real uid `uid` (spawn, sudo as root's child).
bool limits_allow_process(const struct kernel *k, u32 uid);
// `frames` more page frames for the process in `slot`.
bool limits_allow_frames(const struct kernel *k, u32 slot, u32 frames);
