// A z6 service's logs and readiness (z6host_log.c). Its run and finish (and whatever
// they start) get fds 1 and 2 as FD_Z6_LOG: the kernel cuts what they write into
// lines, stamps each with the realtime clock and appends it to
// /var/log/z6/<name>/current, archived at log-max-bytes into at most log-archives
// files @<sequence>.s. A run with notification-fd N gets fd N as FD_Z6_NOTIFY: its
// first newline there makes the service ready (z6_ready), once per run.
//
// Who pays: current and its archives belong to the service's user, so their bytes and
// inodes count against that user's disk share (fs_usage.c), as the writes of the
// user's own processes would; the directories are root's (0755), the files 0644
// (anyone may read a log, z6ctl log). A full share or disk drops the line and counts
// it (TRACE_Z6_LOG_DROPPED): the write still succeeds, nothing blocks, root's
// reserve is never used for a service's log. A write takes at most
// Z6_LOG_WRITE_BYTES_MAX bytes and Z6_LOG_LINES_PER_WRITE_MAX lines (the rest is a
// short write, as a pipe may give), each line at most one rotation: bounded work.
#pragma once

#include "kernel/lib/types.h"
#include "subsystems/z6/z6.h"

#define Z6_LOG_ROOT_PATH "/var/log/z6"
#define Z6_LOG_LINE_BYTES_MAX 128u     // a line's text; a longer one is cut and continued
#define Z6_LOG_STAMP_BYTES 28u         // "2026-12-07T18:33:06.123456Z " (realtime, UTC)
#define Z6_LOG_RECORD_BYTES_MAX (Z6_LOG_STAMP_BYTES + Z6_LOG_LINE_BYTES_MAX + 1u)
#define Z6_LOG_WRITE_BYTES_MAX 1024u   // taken by one write call (the rest: a short write)
#define Z6_LOG_LINES_PER_WRITE_MAX 16u // lines one write call may complete
#define Z6_LOG_PATH_BYTES_MAX 64u      // "/var/log/z6/<name>/@0000000001.s"
#define Z6_LOG_PRUNE_MAX 4u            // archives removed by one rotation at most
#define Z6_LOG_ARCHIVE_NAME_BYTES 14u  // "@0000000001.s" and its NUL
#define Z6_LOG_FILE_MODE 0644u
#define Z6_LOG_DIRECTORY_MODE 0755u

struct z6_log {
    u32 uid;                // the service's user: owns (and pays for) its log files
    u32 gid;
    u32 max_bytes;          // log-max-bytes
    u32 archives;           // log-archives
    bool console;           // the console file: its output stays on the console
    bool notification;      // notification-fd given
    u32 notification_fd;
    bool notified;          // this run said it is ready
    bool directory_made;    // /var/log/z6/<name> made (or found) this boot
    u32 partial_bytes;      // the line being collected
    char partial[Z6_LOG_LINE_BYTES_MAX];
    // This boot: lines appended, and the bytes the files grew by as the filesystem
    // reports their sizes (the simulator's z6_log_lines_kept compares them with the
    // lines traced); lines dropped (share or disk full, a write error); rotations.
    u64 lines;
    u64 grown_bytes;
    u64 dropped;
    u64 rotations;
    i64 drop_error;         // why the last line was dropped (-error; 0: none yet)
};

struct z6_logs {
    struct z6_log services[Z6_SERVICES_MAX];
    u8 input[Z6_LOG_WRITE_BYTES_MAX];       // scratch: one write call's bytes
    char record[Z6_LOG_RECORD_BYTES_MAX + 1]; // scratch: one stamped line
    struct z6_log moving[Z6_SERVICES_MAX];  // scratch: the logs a reload moves
};

struct kernel;
struct fd;

// At boot, once the services are read: each service's log settings and user.
void z6host_log_boot(struct kernel *k);
// A run or finish was spawned as pid: its fds 1 and 2 become its log, and a run's
// notification-fd its readiness descriptor.
void z6host_log_attach(struct kernel *k, u32 service, u32 pid, bool run);
// After a reload (z6_reload's counts say where each old service went): each log follows
// its service to its new index, the services of the new configuration take its
// settings (a new one gets its directory, as at boot), and a descriptor naming a
// service that left the table is closed. (The host then traces TRACE_Z6_RELOAD: the
// simulator moves its shadows alike, from the same counts.)
void z6host_log_reload(struct kernel *k, const struct z6_reload_counts *counts, u32 count);
// A supervised pid ended: its service's partial last line is written.
void z6host_log_exited(struct kernel *k, u32 pid);
// write() on an FD_Z6_LOG or FD_Z6_NOTIFY descriptor: bytes taken, or -error.
i64 z6host_log_write(struct kernel *k, u32 slot, const struct fd *entry, u64 buffer_va, u64 length);
