// Planted bugs: named switches that re-introduce a known defect at one site of real
// code, so tests can prove that the simulator's invariants catch each one.
// X(enum name, --bug name, invariant that must catch it, what it breaks)
#pragma once

#include "kernel/observe.h"
#include "subsystems/graindb/graindb.h" // GRAINDB_BUG_LIST: the storage engine's own sites

#define BUG_KERNEL_LIST(X)                                                              \
    X(BUG_RUNQUEUE_DOUBLE_ENQUEUE, "runqueue-double-enqueue", "process_table_consistent", \
      "yield puts the caller on the run queue twice")                                   \
    X(BUG_FRAME_DOUBLE_ALLOC, "frame-double-alloc", "frame_ownership",                  \
      "the frame allocator hands out a frame without marking it used")                  \
    X(BUG_MONOTONIC_FROM_REALTIME, "monotonic-from-realtime", "monotonic_never_decreases",\
      "CLOCK_MONOTONIC readings are derived from the realtime clock")                    \
    X(BUG_SLEEP_WAKES_EARLY, "sleep-wakes-early", "sleep_until_not_early",              \
      "sleep_until wakes a sleeper up to a millisecond before its deadline")            \
    X(BUG_SHUTDOWN_HALT_ANY_UID, "shutdown-halt-any-uid", "shutdown_needs_root",        \
      "shutdown(HALT) skips the uid 0 check")                                           \
    X(BUG_REBOOT_KEEPS_PID_COUNTER, "reboot-keeps-pid-counter", "reboot_state_fresh",   \
      "boot keeps the next-pid counter of the previous life")                           \
    X(BUG_EXIT_KEEPS_ROOT_TABLE, "exit-keeps-root-table", "kernel_no_panic",            \
      "exit leaves the freed page-table root in the zombie, so reaping trips an assert") \
    X(BUG_FS_REMOVE_KEEPS_ENTRY, "fs-remove-keeps-entry", "directory_tree_consistent",  \
      "unlink and rmdir delete the inode but leave its directory entry")                \
    X(BUG_FS_RENAME_KEEPS_PARENT, "fs-rename-keeps-parent", "directory_tree_consistent",\
      "renaming a directory into another directory leaves its parent field")            \
    X(BUG_FS_READ_ERROR_AS_DATA, "fs-read-error-as-data", "reads_return_written_bytes", \
      "a failed object read is handed on as empty data instead of an error") \
    X(BUG_SETUID_ANY_UID, "setuid-any-uid", "privilege_only_through_authentication",    \
      "setuid lets a non-root process take any uid as its effective uid")               \
    X(BUG_OPEN_WRITE_CHECKS_READ, "open-write-checks-read", "non_root_never_writes_etc_or_others", \
      "open for writing checks only the read permission")                               \
    X(BUG_CHMOD_SKIPS_OWNER_CHECK, "chmod-skips-owner-check", "non_root_never_writes_etc_or_others", \
      "chmod lets anyone change any file's mode")                                       \
    X(BUG_STICKY_DIR_IGNORED, "sticky-dir-ignored", "non_root_never_writes_etc_or_others", \
      "the sticky bit is ignored: anyone who may write /tmp removes others' files there") \
    X(BUG_OPEN_TRUNCATES_BEFORE_CHECK, "open-truncates-before-check", "denied_syscall_changes_nothing", \
      "open(O_TRUNC) truncates the file before the permission check refuses the open")  \
    X(BUG_SETUID_DENIED_KEEPS_EUID, "setuid-denied-keeps-euid", "denied_syscall_changes_nothing", \
      "a refused setuid returns E_PERM but leaves the requested effective uid")         \
    X(BUG_SUDO_STAMP_ANY_SESSION, "sudo-stamp-any-session", "privilege_only_through_authentication", \
      "sudo without a password accepts a success remembered in another login session") \
    X(BUG_RANDOM_SEED_FILE_KEPT, "random-seed-file-kept", "seed_file_never_reused",      \
      "the boot mixes the seed file in but does not replace it")                          \
    X(BUG_FS_FAILED_COMMIT_CLEARS_DIRTY, "fs-failed-commit-clears-dirty", "acknowledged_files_durable", \
      "a failed commit of a file's data marks it clean, so the next fsync returns 0 at once") \
    X(BUG_IDLE_OVERSLEEPS, "idle-oversleeps", "sleepers_wake_on_time",                  \
      "an idle kernel waits its longest wait, ignoring its sleepers' deadlines")         \
    X(BUG_APPEND_IGNORED, "append-ignored", "workload_checks_pass",                      \
      "a write through an O_APPEND descriptor goes to its offset, not to the end")      \
    X(BUG_EXIT_FORGETS_WAITING_PARENT, "exit-forgets-waiting-parent", "workload_reaches_end", \
      "an exiting process does not wake its parent blocked in wait")                     \
    X(BUG_CONSOLE_READ_AFTER_HANGUP, "console-read-after-hangup", "console_only_its_session", \
      "a process whose console session lost the console (vhangup, session end) still reads and writes it") \
    X(BUG_FS_LINK_KEEPS_NLINK, "fs-link-keeps-nlink", "directory_tree_consistent",      \
      "link adds a name without raising the file's link count")                        \
    X(BUG_CHOWN_ANY_GROUP, "chown-any-group", "non_root_never_writes_etc_or_others",    \
      "chown lets a file's owner give it to a group the owner is not in")              \
    X(BUG_LINK_SKIPS_PROTECTION, "link-skips-protection", "non_root_never_writes_etc_or_others", \
      "link lets anyone link another user's file they may not read and write (protected_hardlinks)") \
    X(BUG_UTIMENS_SKIPS_OWNER_CHECK, "utimens-skips-owner-check", "non_root_never_writes_etc_or_others", \
      "utimens lets anyone set any file's times")                                       \
    X(BUG_SWITCH_USER_KEEPS_GROUPS, "switch-user-keeps-groups", "privilege_only_through_authentication", \
      "switch_user keeps the previous user's supplementary groups")                      \
    X(BUG_USAGE_REPLACED_KEPT, "usage-replaced-kept", "disk_usage_accounted",           \
      "a rename over an existing file leaves the replaced file charged to its owner")  \
    X(BUG_KILL_ANY_UID, "kill-any-uid", "kill_needs_permission",                         \
      "kill skips the permission check: anyone may end anyone's process but init's") \
    X(BUG_Z6_LOG_ROTATE_DROPS_LINE, "z6-log-rotate-drops-line", "z6_log_lines_kept",    \
      "the z6 log line that makes current rotate is not written to the new current")     \
    X(BUG_Z6_REALTIME_DELAY, "z6-realtime-delay", "z6_restart_delay_monotonic",           \
      "z6 measures the restart delay on the realtime clock (unsigned), as the seed design did") \
    X(BUG_Z6_SIGNAL_NOT_FAILURE, "z6-signal-not-failure", "z6_restart_policy",            \
      "z6 does not restart an on-failure service killed by a signal (only a non-zero exit)") \
    X(BUG_Z6_CRASH_LIMIT_LATE, "z6-crash-limit-late", "z6_crash_limit",                  \
      "z6's crash limit counts one crash more than crash_deaths before failing the service") \
    X(BUG_Z6_DEPENDENCY_IGNORED, "z6-dependency-ignored", "z6_dependencies_first",       \
      "z6 spawns a service without waiting for its dependencies to be up")              \
    X(BUG_Z6_SPAWN_LEAKED, "z6-spawn-leaked", "z6_table_matches_processes",              \
      "the kernel starts a service's run twice and tells z6 only of the second")         \
    X(BUG_Z6_KILL_NEVER, "z6-kill-never", "z6_stop_ends_in_time",                        \
      "z6 never sends KILL after timeout_kill_ms: a service ignoring TERM never stops")   \
    X(BUG_Z6_DOWN_IGNORED, "z6-down-ignored", "z6_down_not_started",                      \
      "z6's boot starts services marked down")                                           \
    X(BUG_ZIX_PATH_CLOCK, "zix-path-clock", "zix_path_from_recipe",                       \
      "a store path's hash part mixes in the realtime second: the same recipe gets another path") \
    X(BUG_ZIX_SEAL_SKIPPED, "zix-seal-skipped", "zix_registered_contents_hash",           \
      "an output is registered unsealed (its build user's, writable): a later build as that user writes into its input") \
    X(BUG_ZIX_PATH_INPUT_UNCHECKED, "zix-path-input-unchecked", "zix_closure_complete",   \
      "a recipe's path input need not be registered: a build registers a reference to a path that is not") \
    X(BUG_ZIX_LEFTOVERS_KEPT, "zix-leftovers-kept", "zix_all_or_nothing",                 \
      "the boot does not remove /zix/store entries without a registration (a build cut by power loss)") \
    X(BUG_ZIX_GC_IGNORES_HELD, "zix-gc-ignores-held", "zix_gc_keeps_reachable",           \
      "the GC ignores the paths running builds hold (their inputs): it deletes what a build reads") \
    X(BUG_ZIX_SANDBOX_REALTIME, "zix-sandbox-realtime", "zix_same_recipe_same_hash",      \
      "a builder reads the machine's realtime clock, not 1 s after the epoch") \
    X(BUG_ZIX_SANDBOX_STAT_UNCHECKED, "zix-sandbox-stat-unchecked", "zix_builder_reads_inside_inputs", \
      "the sandbox's path check is skipped for stat: a builder sees files outside its inputs") \
    X(BUG_REPLICA_CURRENT_LAST_ARRIVED, "replica-current-last-arrived", "replica_current_is_highest", \
      "a key's current version is the one that arrived last, not the highest (hlc, node)") \
    X(BUG_REPLICA_SYNC_SKIPS_LEAVES, "replica-sync-skips-leaves", "replica_converges_after_heal", \
      "anti-entropy never pulls a differing leaf: replicas that missed a push never converge") \
    X(BUG_REPLICA_MERGE_SENDER_NODE, "replica-merge-sender-node", "replica_no_invention", \
      "a version received from a peer is stored under the sender's node id, not its writer's") \
    X(BUG_REPLICA_HISTORY_DROPS_OLDER, "replica-history-drops-older", "replica_acked_writes_kept", \
      "a newer version of a key replaces the older ones (last-writer-wins without history)") \
    X(BUG_REPLICA_HLC_PHYSICAL_ONLY, "replica-hlc-physical-only", "replica_hlc_monotonic", \
      "a write's hlc is the realtime clock alone, which may go back") \
    X(BUG_REPLICA_HLC_IGNORES_REMOTE, "replica-hlc-ignores-remote", "replica_hlc_causal", \
      "receiving a version does not raise the node's hlc") \
    X(BUG_REPLICA_VALUE_OF_OLDER, "replica-value-of-older", "replica_object_hash_matches", \
      "a read returns the version asked for with the value of the next older version") \
    X(BUG_REPLICA_READ_STALE, "replica-read-stale", "replica_reads_valid", \
      "a get answers with the key's oldest version, not the current one")

// Every bug, in id order: the kernel's, then GrainDB's (whose ids are
// BUG_GRAINDB_FIRST + enum graindb_bug). Tables built from it are positional.
#define BUG_LIST(X) BUG_KERNEL_LIST(X) GRAINDB_BUG_LIST(X)

#define BUG_ENUM(id, name, invariant, what) id,
enum planted_bug_id {
    BUG_NONE = 0,
    BUG_KERNEL_LIST(BUG_ENUM) BUG_GRAINDB_FIRST,
    BUG_COUNT = BUG_GRAINDB_FIRST + GRAINDB_BUG_COUNT
};
#undef BUG_ENUM

// A planted-bug site asks the observer (observe.h) whether its bug is planted. In the
// hardware build it is the constant false, so the branch and the bug vanish from the image.
#if defined(BASIN_SIM)
#define planted_bug(k, id) observe_bug_site((k)->platform, (id))
#else
#define planted_bug(k, id) ((void)(k), false)
#endif
