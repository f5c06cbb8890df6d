// Kinds of trace events the kernel emits through observe_trace(). Each event has
// three integers whose meaning the comment gives. The simulator adds its own kinds
// (faults, steps) from TRACE_SIM_BASE on.
#pragma once

#define TRACE_KERNEL_LIST(X)                                                   \
    X(TRACE_BOOT, "boot", "frames_free, procs_max, 0")                         \
    X(TRACE_SPAWN, "spawn", "pid, parent pid, uid")                            \
    X(TRACE_EXIT, "exit", "pid, cause, exit code")                             \
    X(TRACE_REAP, "reap", "parent pid, child pid, cause")                      \
    X(TRACE_SCHEDULE, "schedule", "pid, slice deadline ns, 0")                 \
    X(TRACE_TRAP, "trap", "pid, cause, tval")                                  \
    X(TRACE_SYSCALL, "syscall", "pid, number, result")                         \
    X(TRACE_CLOCK_READ, "clock_read", "pid, clock id, value ns")               \
    X(TRACE_SLEEP, "sleep", "pid, deadline ns, 0")                             \
    X(TRACE_WAKE, "wake", "pid, deadline ns, monotonic ns at wake")            \
    X(TRACE_SHUTDOWN, "shutdown", "pid, uid, type")                            \
    X(TRACE_IDLE, "idle", "deadline ns, 0, 0")                                 \
    X(TRACE_CONSOLE, "console", "pid, bytes, 0")                               \
    X(TRACE_CONSOLE_READ, "console_read", "pid, capacity, 0")                   \
    X(TRACE_FS_MOUNT, "fs_mount", "fs state, commit seq, merkle root (first 8 bytes)") \
    X(TRACE_DB_COMMIT_START, "db_commit_start", "commit seq it will get, compactions so far, commit the last one kept") \
    X(TRACE_DB_COMMIT, "db_commit", "commit seq, merkle root (first 8 bytes), result") \
    X(TRACE_FS_OBJECT_WRITE, "fs_object_write", "hash (first 8 bytes), FNV-1a of bytes, size") \
    X(TRACE_FS_OBJECT_READ, "fs_object_read", "hash (first 8 bytes), FNV-1a of bytes, size") \
    X(TRACE_RANDOM_RESEED, "random_reseed", "cause, bytes since the last, requests since the last") \
    X(TRACE_RANDOM_SEED_FILE, "random_seed_file", "op (1 mixed, 2 written), FNV-1a of the seed, bytes or result") \
    X(TRACE_REPORT, "report", "pid, failures, excuses (ABI_REPORT_EXCUSE_*); name in k->report") \
    X(TRACE_FILE_SYNCED, "file_synced", "inode, FNV-1a of its bytes as of the call, size") \
    X(TRACE_DB_REPAIR, "db_repair", "first sector, sector count, FNV-1a of the bytes (read back)") \
    X(TRACE_DB_REPAIR_UNVERIFIED, "db_repair_unverified", "first sector, sector count, 0") \
    X(TRACE_KILL, "kill", "sender pid, target pid, signal: a kill allowed (signal 0 too), before the target ends") \
    X(TRACE_Z6_LOG_LINE, "z6_log_line", "service index, FNV-1a of the line (stamp and newline too), bytes") \
    X(TRACE_Z6_LOG_DROPPED, "z6_log_dropped", "service index, lines dropped so far this boot, error") \
    X(TRACE_Z6_LOG_MOVED, "z6_log_moved", "old service index, new index (Z6_SERVICES_MAX: left the table), 1 on a reload's first")

#define TRACE_ENUM(id, name, args) id,
enum trace_kernel_kind { TRACE_NONE = 0, TRACE_KERNEL_LIST(TRACE_ENUM) TRACE_KERNEL_COUNT };
#undef TRACE_ENUM

#define TRACE_SIM_BASE 100
