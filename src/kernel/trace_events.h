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
    X(TRACE_Z6_BOOT, "z6_boot", "services, refused, 0: z6 loaded and boots (the z6 events below follow)") \
    X(TRACE_Z6_SPAWN, "z6_spawn", "service, pid (0: the spawn failed), 1 finish / 0 run") \
    X(TRACE_Z6_EXIT, "z6_exit", "service, pid, TRACE_Z6_EXIT_* bits: a supervised exit given to the engine") \
    X(TRACE_Z6_SIGNAL, "z6_signal", "service, pid, signal (ABI_SIGTERM or ABI_SIGKILL)") \
    X(TRACE_Z6_STATE, "z6_state", "service, old state, new state (enum z6_state)") \
    X(TRACE_Z6_READY, "z6_ready", "service, pid, 0: readiness notified") \
    X(TRACE_Z6_COMMAND, "z6_command", "service, command (enum z6_command), result (enum z6_result)") \
    X(TRACE_Z6_RELOAD, "z6_reload", "services now, services before, 0: a reload took the new table (k->z6.reload_counts says where each went)") \
    X(TRACE_FS_NO_ROOM, "fs_no_room", "error (-E_NOSPC), commit seq, 0: a filesystem change refused while staging: GrainDB's log zone has no room") \
    X(TRACE_ZIX_BUILD_START, "zix_build_start", "build id, first 8 bytes of the recipe hash, kind (enum zix_build_kind) << 32 | caller uid") \
    X(TRACE_ZIX_BUILDER_SPAWNED, "zix_builder_spawned", "build id, pid (0: the spawn failed), build uid") \
    X(TRACE_ZIX_CACHE_HIT, "zix_cache_hit", "first 8 bytes of the recipe hash, FNV-1a of the store path, 0: registered already, no builder") \
    X(TRACE_ZIX_REGISTERED, "zix_registered", "FNV-1a of the store path, first 8 bytes of the nar hash, references: its ref committed") \
    X(TRACE_ZIX_BUILD_END, "zix_build_end", "build id, ABI_ZIX_* status, FNV-1a of the store path") \
    X(TRACE_ZIX_UNREGISTERED, "zix_unregistered", "FNV-1a of the store path, 1 gc / 2 repair, 0: its ref deleted") \
    X(TRACE_ZIX_LEFTOVER_REMOVED, "zix_leftover_removed", "FNV-1a of the path removed, 1 store / 2 check / 3 tmp, result") \
    X(TRACE_ZIX_SANDBOX_REFUSED, "zix_sandbox_refused", "build id, syscall number, pid: a builder's access refused") \
    X(TRACE_ZIX_SANDBOX_ALLOWED, "zix_sandbox_allowed", "build id, syscall number << 48 | inode of the directory holding the name (the inode itself for /), inode reached: a builder's path access allowed") \
    X(TRACE_REPLICA_BOOT, "replica_boot", "versions loaded, hlc, node << 8 | nodes: the replicated keyspace is loaded") \
    X(TRACE_REPLICA_PUT, "replica_put", "XXH3-64 of the key, hlc (0 when refused), uid << 32 | (u32)result") \
    X(TRACE_REPLICA_ADDED, "replica_added", "XXH3-64 of the key, hlc, writer node << 8 | 1 local put / 2 from a peer: durable and visible") \
    X(TRACE_REPLICA_SEND, "replica_send", "to node, message type, bytes (or the negative error)") \
    X(TRACE_REPLICA_RECEIVE, "replica_receive", "from node, message type, bytes") \
    X(TRACE_REPLICA_REJECTED, "replica_rejected", "why (enum replica_reject), from node (0xff: unknown), bytes") \
    X(TRACE_REPLICA_REPAIRED, "replica_repaired", "first 8 bytes of the value hash, from node, bytes: a damaged value stored again") \
    X(TRACE_REPLICA_SYNC, "replica_sync", "peer, merkle root, versions held: a sync round started")

#define TRACE_ENUM(id, name, args) id,
enum trace_kernel_kind { TRACE_NONE = 0, TRACE_KERNEL_LIST(TRACE_ENUM) TRACE_KERNEL_COUNT };
#undef TRACE_ENUM

// TRACE_Z6_EXIT's third integer: how the process ended (enum z6_exit_kind, code or
// signal) and whether it was the service's finish.
#define TRACE_Z6_EXIT_FINISH (1ull << 48)
#define TRACE_Z6_EXIT_KIND_SHIFT 32
#define TRACE_Z6_EXIT_VALUE_MASK 0xffffffffull

// TRACE_ZIX_SANDBOX_ALLOWED's second integer: the syscall number above this shift, the
// inode of the directory that holds the name reached below it (inode numbers fit).
#define TRACE_ZIX_ALLOWED_SYSCALL_SHIFT 48
#define TRACE_ZIX_ALLOWED_INODE_MASK ((1ull << TRACE_ZIX_ALLOWED_SYSCALL_SHIFT) - 1)

// TRACE_REPLICA_REJECTED's first integer.
enum replica_reject {
    REPLICA_REJECT_MALFORMED = 1, // magic, version, type or length
    REPLICA_REJECT_CHECKSUM = 2,
    REPLICA_REJECT_NOT_FOR_US = 3,
    REPLICA_REJECT_VALUE_HASH = 4, // a value whose bytes do not hash to its version's hash
    REPLICA_REJECT_VERSION = 5,    // a malformed version (bad key, node outside the cluster)
};

#define TRACE_SIM_BASE 100
