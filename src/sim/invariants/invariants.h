// The invariant registry: named checks over a node's state, run after every step
// of that node (the other nodes did not change), or at the event they concern
// (a clock read, a wake-up, a power request, a boot, a panic). Each counts its
// checks; a failing one reports through sim_violation() and the run exits 1.
#pragma once

#include "kernel/kernel.h"
#include "sim/invariants/invariant_z6.h"
#include "sim/invariants/invariant_replica.h"
#include "sim/invariants/invariant_zix.h"

struct platform;
struct sim;
struct trace_event;

// X(enum name, name, one-line description)
#define INVARIANT_LIST(X)                                                                     \
    X(INV_PROCESS_TABLE_CONSISTENT, "process_table_consistent",                              \
      "every RUNNABLE process is on the run queue exactly once and nothing else is; live "  \
      "pids are unique and nonzero; parents are live or 0")                                  \
    X(INV_FRAME_OWNERSHIP, "frame_ownership",                                                \
      "every page-table page and user frame reachable from a process's Sv39 table is "      \
      "owned by it alone; frames_owned and free_count match the frame table")               \
    X(INV_MONOTONIC_NEVER_DECREASES, "monotonic_never_decreases",                            \
      "CLOCK_MONOTONIC as given to each process never goes back (per boot)")                 \
    X(INV_SLEEP_UNTIL_NOT_EARLY, "sleep_until_not_early",                                    \
      "a sleeper is woken only once the node's monotonic clock reached its deadline")        \
    X(INV_SHUTDOWN_NEEDS_ROOT, "shutdown_needs_root",                                        \
      "halt, reboot and power-off are requested only while a process with euid 0 or the " \
      "shutdown capability is current (or by the kernel itself, with no current process)") \
    X(INV_REBOOT_STATE_FRESH, "reboot_state_fresh",                                          \
      "after every reboot and power loss, kernel_state_digest equals the first boot's")     \
    X(INV_KERNEL_NO_PANIC, "kernel_no_panic", "the kernel never panics (a failed assert)")    \
    X(INV_ACKNOWLEDGED_WRITES_SURVIVE, "acknowledged_writes_survive",                       \
      "no acknowledged commit is ever lost: every mount and every new commit comes after "  \
      "the highest one acknowledged (one started but not acknowledged may or may not "      \
      "survive) and acknowledged data stays readable; a refused mount is a violation with " \
      "faults inside the atlas; outside it, a commit whose every flushed copy was "         \
      "destroyed is excused (counted in the summary)")                                      \
    X(INV_BATCHES_ALL_OR_NOTHING, "batches_all_or_nothing",                                  \
      "a mounted database is the state after one whole commit: the Merkle root that "       \
      "commit acknowledged, no key written by a later commit, no commit never started")     \
    X(INV_READS_RETURN_WRITTEN_BYTES, "reads_return_written_bytes",                          \
      "every object the filesystem reads has the size and FNV-1a of the bytes written "     \
      "under its SHA-256 on this disk (in this life or an earlier one)")                    \
    X(INV_VERSION_HISTORY_ONLY_GROWS, "version_history_only_grows",                          \
      "GrainDB's retention rule, with B the commit its last compaction kept: per key, the "  \
      "history holds every version written after B and the one current at B, no older: "    \
      "its newest versions are k, k-1, ... in falling commits, it ends (before version 1) "  \
      "only at a version of commit <= B and holds one such version at most; no deleted key " \
      "of commit <= B remains; key_version never decreases across steps and reboots, but " \
      "for a key forgotten by a compaction after it was last seen and written anew from "   \
      "version 1 (checked for every key changed by a commit, for all keys at mounts and "   \
      "after a compaction)")                                                                 \
    X(INV_MERKLE_INCREMENTAL_EQUALS_RECOMPUTED, "merkle_incremental_equals_recomputed",      \
      "GrainDB's incremental Merkle root equals one recomputed from scratch over the refs " \
      "(after commits and mounts, as the cost budget allows: see the summary)")             \
    X(INV_FSCK_CLEAN_AFTER_RECOVERY, "fsck_clean_after_recovery",                            \
      "after a recovery with disk faults inside the atlas, graindb_verify finds no problem "\
      "(not after formatting, nor when a write failed or media damage struck during the "   \
      "recovery itself; uneventful recoveries as the cost budget allows)")                  \
    X(INV_DIRECTORY_TREE_CONSISTENT, "directory_tree_consistent",                            \
      "from the root, every entry names a live inode of its type, every directory's "       \
      "parent field names the directory that lists it (the root its own), no inode is "     \
      "reached twice, names are sorted and unique, and every live inode is reached (after " \
      "every mount, and after commits as the cost budget allows)")                          \
    X(INV_DISK_USAGE_ACCOUNTED, "disk_usage_accounted",                                       \
      "the inodes and bytes the kernel charges each owner (its disk and inode shares, "     \
      "limits.conf) equal what a walk of the whole tree finds that owner's inodes cost "    \
      "(open files at their size in memory), after mounts and as the cost budget allows")   \
    X(INV_PRIVILEGE_ONLY_THROUGH_AUTHENTICATION, "privilege_only_through_authentication",     \
      "a process's ids change only by a setuid/setgid the Unix rules allow or a successful " \
      "switch_user; a child starts with its parent's ids, ids root chose, or root's through " \
      "a successful sudo; init starts as root; a sudo without a password succeeds only for " \
      "root or within the timeout of a sudo with the password by the same user in the same " \
      "login session, not forgotten since (sudo -k)")                                             \
    X(INV_NON_ROOT_NEVER_WRITES_ETC_OR_OTHERS, "non_root_never_writes_etc_or_others",         \
      "a process with euid != 0 never changes anything under /etc, opens for writing only "  \
      "files whose mode grants it w (so another user's file only if its group or other bits "\
      "say so), makes or removes names only in directories granting it w and x (sticky: only "\
      "its own entries or in its own directory), chmods only its own files, chowns nothing; "\
      "the kernel's own changes carry root's ids, and during a syscall touch only the files "\
      "it keeps (/etc/shadow, /etc/shadow.new, /var/log/auth and its archives auth.1 .. auth.N)")         \
    X(INV_CONSOLE_ONLY_ITS_SESSION, "console_only_its_session",                               \
      "the console is read only by processes of the console session that owns it, and "     \
      "written only by those and root's processes of init's session 0: a model apart from "  \
      "console.c follows spawns (children inherit the session), vhangup (a new session owns "\
      "it) and the exit of a session's maker (init's session owns it again)")               \
    X(INV_DENIED_SYSCALL_CHANGES_NOTHING, "denied_syscall_changes_nothing",                   \
      "a syscall that returns E_ACCES or E_PERM leaves the database (commit and Merkle "    \
      "root), the open files (data, size, attributes), the process table (pids, states, "    \
      "ids) and the caller's descriptors and cwd as they were; sudo, switch_user and passwd "\
      "may append their refusal to /var/log/auth (database and open files exempt for them)") \
    X(INV_SEED_FILE_NEVER_REUSED, "seed_file_never_reused",                                   \
      "a boot mixes /var/lib/random-seed in only when it holds a whole seed (64 bytes or "   \
      "more), and has then replaced it (or failed to write, with "                           \
      "an error) before any process runs, with other bytes; and once a replacement was "     \
      "acknowledged, no later boot mixes the replaced seed in again (not checked across "    \
      "boots with disk faults outside the atlas)")                                       \
    X(INV_ACKNOWLEDGED_FILES_DURABLE, "acknowledged_files_durable",                           \
      "when fsync or a file's last close returns 0, the database holds that file's bytes as "\
      "of the call (checked at once: a failed fsync is never followed by a silent 0), and "  \
      "after every crash and mount each acknowledged file holds them or a later version, "   \
      "unless a namespace change removed it since")                                          \
    X(INV_REPAIRS_READ_BACK, "repairs_read_back",                                             \
      "every piece of a repair GrainDB's recovery made (log copy from the mirror, mirror "   \
      "slot, superblock copies, checkpoint) and did not report unverified holds its bytes "   \
      "on the disk when recovery says it read back")                                         \
    X(INV_DAMAGE_IS_REAL, "damage_is_real",                                                   \
      "an object GrainDB calls damaged when the filesystem reads it (-E_BADMSG: its stored "\
      "bytes failed their checks) reads so again, at once, from the disk as it is without " \
      "injected faults: a device read error is -E_IO, never damage")                        \
    X(INV_SLEEPERS_WAKE_ON_TIME, "sleepers_wake_on_time",                                     \
      "a sleeper is made runnable by the first kernel step that begins at or after its "    \
      "deadline (node monotonic clock), and an idle node waits no further than its earliest "\
      "sleeper's deadline: so at most one step late (the slice and trap handling in progress "\
      "when the deadline passed)")                                                            \
    X(INV_WORKLOAD_CHECKS_PASS, "workload_checks_pass",                                       \
      "every check a workload reports (report syscall: init's unexpected ends, the fuzzers' " \
      "escalations and wrong answers, the storage verifier, fstest, permtest, shtest, killtest) has 0 " \
      "failures, unless a fault the report names as a possible cause (a process crash, a "  \
      "power loss, disk errors, data destroyed outside the atlas) struck its node in this "  \
      "or an earlier life; judged even with --no-invariants")                               \
    X(INV_WORKLOAD_REACHES_END, "workload_reaches_end",                                       \
      "a node whose init ends by powering off or halting (init.end=poweroff, the default, " \
      "or halt) gets there within the scenario's own time limit unless it lost power "      \
      "(checked at the end of the run; not with --time or --steps)")                        \
    X(INV_KILL_NEEDS_PERMISSION, "kill_needs_permission",                                     \
      "kill succeeds (ends a process, or answers 0 to signal 0) only when the sender has "  \
      "euid 0 or the target's real uid as its real uid, and never for init (pid 1): judged " \
      "from the process table when the kernel announces the kill, before the target ends") \
    X(INV_Z6_LOG_LINES_KEPT, "z6_log_lines_kept",                                             \
      "after each step, for each z6 service, the bytes of the lines the kernel says it wrote "\
      "to the service's log this boot (TRACE_Z6_LOG_LINE) are the bytes its log files grew "  \
      "by, as the filesystem reports their sizes: no line below the rotation bounds is lost "  \
      "(a dropped line is traced as dropped, and counted in order)")                     \
    X(INV_Z6_RESTART_DELAY_MONOTONIC, "z6_restart_delay_monotonic",                           \
      "two spawns of one z6 service's run are at least its restart_delay_ms apart on the "    \
      "node's monotonic clock, whatever realtime does")                                        \
    X(INV_Z6_RESTART_POLICY, "z6_restart_policy",                                              \
      "a z6 service is spawned only when wanted: never is not restarted, on-failure not after "\
      "exit 0 (unless a start or restart command asked); and a wanted service (at boot, after "\
      "a start, always, on-failure after a crash, a restart command) is spawned within its "  \
      "restart delay by the first step that begins after it (or after its dependencies "     \
      "became usable, or its finish ended)")                                                    \
    X(INV_Z6_CRASH_LIMIT, "z6_crash_limit",                                                    \
      "a z6 service whose crashes (not caused by z6) reach crash_deaths within "             \
      "crash_window_ms is not spawned again until a start, restart or reset command")        \
    X(INV_Z6_DEPENDENCIES_FIRST, "z6_dependencies_first",                                      \
      "a z6 service is spawned only while each dependency runs, is not being stopped and, "   \
      "when it notifies, is ready; a stop's TERM comes after every dependent ended")          \
    X(INV_Z6_TABLE_MATCHES_PROCESSES, "z6_table_matches_processes",                             \
      "each run or finish pid z6 records is a live (or not yet reported) supervised process " \
      "with no parent, the pid the trace announced; every supervised process is one z6 "      \
      "records; z6 signals only its own processes; the node never idles while a supervised "  \
      "exit waits to be given to z6")                                                           \
    X(INV_Z6_STOP_ENDS_IN_TIME, "z6_stop_ends_in_time",                                         \
      "after z6 sends TERM to a service with timeout-kill, its run process ends within "      \
      "timeout_kill_ms: by the end of the first step that begins after (KILL for one that "  \
      "ignores TERM)")                                                                          \
    X(INV_Z6_DOWN_NOT_STARTED, "z6_down_not_started",                                           \
      "a service marked down is not spawned in a boot (the first or one after a power loss) " \
      "until a start or restart command asks for it or for a service that needs it")           \
    X(INV_ZIX_PATH_FROM_RECIPE, "zix_path_from_recipe",                                          \
      "a store path is a function of its recipe alone: a build's path has the base32 of its "  \
      "recipe hash as its hash part, and one recipe hash gives one path over the whole run "   \
      "(every build and cache hit, across reboots and nodes)")                                 \
    X(INV_ZIX_REGISTERED_CONTENTS_HASH, "zix_registered_contents_hash",                          \
      "a registered path's tree, read from the node's database by the simulator and hashed "   \
      "canonically, hashes to its registered nar hash, or a read is an error (when it is "     \
      "registered, after each boot's leftover removal, and one path per commit in turn)")      \
    X(INV_ZIX_CLOSURE_COMPLETE, "zix_closure_complete",                                          \
      "every reference of a registered path is registered (after every step that registered " \
      "or unregistered a path, and after each boot's leftover removal)")                       \
    X(INV_ZIX_ALL_OR_NOTHING, "zix_all_or_nothing",                                              \
      "after each boot's leftover removal every /zix/store entry is registered (or the output "\
      "of a running build) and every registration has its entry in /zix/store")              \
    X(INV_ZIX_GC_KEEPS_REACHABLE, "zix_gc_keeps_reachable",                                      \
      "the GC unregisters no path that a root in /zix/roots or a running build (its store "   \
      "path and inputs) reaches through references, judged at that moment")                   \
    X(INV_ZIX_SAME_RECIPE_SAME_HASH, "zix_same_recipe_same_hash",                                \
      "one recipe hash gives one nar hash over the whole run: every registration, and every " \
      "check or repair rebuild (DIFFERENT is a violation: the conductor's recipes are all "    \
      "reproducible in the sandbox)")                                                          \
    X(INV_ZIX_BUILDER_READS_INSIDE_INPUTS, "zix_builder_reads_inside_inputs",                    \
      "every path access the sandbox allows a builder (TRACE_ZIX_SANDBOX_ALLOWED) reaches an " \
      "inode inside its output, its temporary directory, one of its inputs, /bin or /test") \
    X(INV_REPLICA_NO_INVENTION, "replica_no_invention",                                          \
      "every version a node holds (ADDED, LOADED) was put by a client of its node with those "  \
      "bytes: a put on that node of the same key, uid, value hash and size, and once acked "   \
      "the same hlc")                                                                            \
    X(INV_REPLICA_ACKED_WRITES_KEPT, "replica_acked_writes_kept",                                \
      "every acked put is held by its writer after every boot and by every node at "           \
      "convergence; a version once visible on a node stays held this boot")                    \
    X(INV_REPLICA_HLC_MONOTONIC, "replica_hlc_monotonic",                                        \
      "a node's acked puts carry strictly growing hlc, across reboots")                         \
    X(INV_REPLICA_HLC_CAUSAL, "replica_hlc_causal",                                              \
      "a put acked on a node carries an hlc above every version visible on the node when it "  \
      "entered (ADDED or LOADED since its boot)")                                                \
    X(INV_REPLICA_OBJECT_HASH_MATCHES, "replica_object_hash_matches",                            \
      "every value put, read or stored (OBJECT_STORED) has the SHA-256 and size of its "       \
      "version's value hash and size")                                                          \
    X(INV_REPLICA_CURRENT_IS_HIGHEST, "replica_current_is_highest",                              \
      "after a version is added on a node, its key's current version there is the highest "    \
      "(hlc, node) the node showed visible")                                                    \
    X(INV_REPLICA_READS_VALID, "replica_reads_valid",                                            \
      "the history checker: a get answers the highest (hlc, node) version visible on the node " \
      "(-E_NOENT only when none is), history index i the i-th, get_as_of the highest with "    \
      "hlc <= as_of")                                                                            \
    X(INV_REPLICA_CONVERGES_AFTER_HEAL, "replica_converges_after_heal",                          \
      "after the liveness phase's heal, within its bound, every running node has the same "    \
      "merkle root and the same current version of every key (a failure exits 3)")

#define INVARIANT_ENUM(id, name, description) id,
enum invariant_id { INVARIANT_LIST(INVARIANT_ENUM) INVARIANT_COUNT };
#undef INVARIANT_ENUM

#define INVARIANT_DETAIL_BYTES_MAX 400

// A file fsync or its last close acknowledged (TRACE_FILE_SYNCED), to check after the step.
#define FILES_PENDING_MAX 4u
struct file_pending {
    u32 pid;
    u64 inode;
    u64 digest; // FNV-1a of its bytes as of the call
    u64 size_bytes;
};

// z6_log_lines_kept (invariant_z6_log.c): a service's log lines as traced this boot.
struct z6_log_shadow {
    u64 lines;
    u64 bytes;
    u64 dropped;
};

// Per-node shadow state, reset at every boot.
struct monotonic_shadow {
    u32 pid; // 0: unused
    u64 last_ns;
};
struct privilege_shadow {
    u32 pid;             // 0: unused
    struct cred cred;    // as last seen
    u64 syscall;         // its last syscall this step (0: none) and the result
    i64 syscall_result;
};
// What a process's syscall could change, taken when the process is scheduled, to
// compare with after a denied syscall (invariant_denial.c). Digests are FNV-1a over
// the fields one by one, never over raw structs (padding).
struct denial_snapshot {
    u32 pid;          // 0: none taken
    u32 slot;
    u64 caller_digest; // ids, cwd, descriptors
    u64 procs_digest;  // every live process: pid, parent, state, ids
    u64 files_digest;  // every open file: references, flags, generation, attributes, size
    u64 db_commit_seq;
    u8 db_root[GRAINDB_HASH_BYTES];
    u64 fs_commits;
    u64 inode_next;
};

// A sudo success with a password, as the simulator saw it (invariant_privilege.c):
// what lets a later sudo without one succeed.
#define SUDO_STAMPS_SHADOW_MAX 16
struct sudo_stamp_shadow {
    u64 session_id; // 0: unused (session 0 never remembers)
    u32 uid;
    u64 granted_ns; // the kernel's monotonic clock at the check
};

// The seed file as the simulator saw the kernel use it (invariant_random.c). Per boot.
struct seed_file_boot_shadow {
    bool mixed;          // the kernel mixed the seed file in this boot
    u64 mixed_digest;    // FNV-1a of the bytes it mixed in
    bool written;        // it then wrote the file (successfully or not)
    bool processes_ran;  // a process was scheduled this boot
};
// Across boots (it describes the disk, like the storage shadow): the seed whose
// replacement was last acknowledged, which no later boot may mix in again.
struct seed_file_shadow {
    bool retired_valid;
    u64 retired_digest;
};

// A process's console session as the simulator saw it (invariant_console.c).
struct console_shadow {
    u32 pid;       // 0: unused
    u64 session;   // 0: init's; the model's own numbering, not the kernel's
    bool leader;   // made it by vhangup
};

struct invariant_node_state {
    struct seed_file_boot_shadow seed_file;
    struct denial_snapshot denial;
    struct sudo_stamp_shadow sudo_stamps[SUDO_STAMPS_SHADOW_MAX];
    struct monotonic_shadow monotonic[PROCS_MAX]; // by proc slot
    struct privilege_shadow privilege[PROCS_MAX]; // by proc slot
    struct console_shadow console[PROCS_MAX];     // by proc slot
    u64 console_owner;                            // the session that owns the console
    u64 console_sessions;                         // sessions made so far (the model's ids)
    bool storage_mount_pending; // mounted this boot; the after-mount checks are due
    u64 storage_checked_seq;    // commit seq at the last storage check this boot
    u32 storage_boot_commits;   // commits acknowledged this boot
    bool storage_mount_wrote;   // commits came before the mount (a first boot): no fsck
    u64 storage_mount_base_seq; // highest acknowledged commit before this boot's mount
    u32 storage_boot_damage;    // media damage injected this boot (latent, corruption, lost, misdirected)
    bool storage_mount_damaged; // some of it before the mount: recovery's repairs may be hit
    struct file_pending files_pending[FILES_PENDING_MAX]; // acknowledged this step
    u32 files_pending_count;
    bool files_mount_pending; // mounted: every acknowledged file is due for a check
    u64 step_start_monotonic_ns; // the node's monotonic clock when the current step began
    bool step_idled;             // the current step found nothing runnable (TRACE_IDLE)
    struct z6_log_shadow z6_logs[Z6_SERVICES_MAX]; // z6_log_lines_kept, by service index
    struct z6_log_shadow z6_logs_moving[Z6_SERVICES_MAX]; // a reload's old shadows (z6_log_reloaded)
    struct z6_shadow z6;         // the z6 invariants' model (invariant_z6.c)
    struct zix_boot_shadow zix;  // the zix invariants' per-boot state (invariant_zix.c)
    bool replica_booted;         // the replica checker reset its per-boot tables (invariant_replica.c)
};

// The files acknowledged on a node's disk (invariant_files.c): survive reboots like the
// storage shadow. One entry per inode, in the order of their first acknowledgement.
struct file_ack {
    u64 inode;
    u64 digest;     // FNV-1a of the bytes acknowledged last
    u64 size_bytes;
    u64 commit_seq; // the commit that wrote the inode record holding them
    bool acked;     // false until an acknowledgement found the inode in the database
    bool removal_begun; // an unlink or rename over it was made (or tried: it may survive)
};
struct file_acks {
    struct file_ack *entries;
    u32 count;
    u32 capacity;
};

// Storage shadows (storage_shadow.c): what the simulator saw the node's disk
// acknowledge and hold. They describe the disk, so unlike the per-boot state above
// they survive power losses and reboots.
struct storage_object_entry { // an object written: SHA-256 prefix -> its bytes' fingerprint
    u64 hash_prefix;
    u64 digest; // FNV-1a 64 (bytes_digest)
    u32 size_bytes;
    u32 used;
};
struct storage_key_entry { // a key: XXH64 of its bytes -> the highest key_version seen
    u64 key_hash;
    u32 key_version;
    u32 used;
    u64 seen_seq; // the commit of that version
};
// Where one acknowledged commit put its bytes (the log batch, the mirror slot), to
// judge a loss: with faults outside the atlas, a commit may vanish only if every
// copy of it was destroyed after it was durably written.
#define STORAGE_COMMIT_COPIES_MAX 6u
#define STORAGE_RECENT_COMMITS 8u
struct storage_commit_copy {
    u64 sector;
    u32 sector_count;
    bool flushed;        // a flush returned 0 after this write, before the acknowledgement
    bool flush_failed;   // a flush failed after it (a later success proves nothing)
    bool intact_at_boot; // at the last power-on the disk held exactly these bytes
    u64 digest;          // XXH64 of the bytes written
};
struct storage_commit_record {
    u64 commit_seq; // 0: unused
    u32 copies_count;
    bool untracked; // more writes than STORAGE_COMMIT_COPIES_MAX: never excused
    struct storage_commit_copy copies[STORAGE_COMMIT_COPIES_MAX];
};
struct storage_shadow {
    bool commit_open; // between TRACE_DB_COMMIT_START and TRACE_DB_COMMIT
    struct storage_commit_record pending;
    struct storage_commit_record recent[STORAGE_RECENT_COMMITS]; // by commit_seq % count
    u64 lost_excused; // acknowledged commits lost with every copy destroyed (unrestricted)
    bool acked_any;
    u64 acked_seq;   // highest acknowledged commit (or the commit last mounted)
    u64 acked_root;  // Merkle root (first 8 bytes, little endian) after acked_seq
    u64 committed_seq; // highest commit acknowledged by a commit (not adopted by a mount)
    u64 started_seq; // a commit started after acked_seq and not acknowledged; 0: none
    i64 fsck_budget_bytes; // log bytes fsck may walk after an uneventful recovery
    u64 fsck_skipped;      // uneventful recoveries not verified (budget spent)
    u64 fsck_damaged_recoveries; // not verified: media damage struck during the recovery
    u64 history_base_seq;  // GrainDB's history_base_seq when the versions were last checked
    u64 compactions;       // the highest GrainDB generation a commit reported (TRACE_DB_COMMIT_START)
    i64 state_budget_refs; // refs the Merkle recomputation and the tree walk may visit
    u64 state_skipped;     // commits after which they waited for budget
    struct storage_object_entry *objects; // open addressing, power-of-two capacity
    u32 objects_capacity;
    u32 objects_count;
    struct storage_key_entry *keys;
    u32 keys_capacity;
    u32 keys_count;
};

const char *invariant_name(u32 id);
const char *invariant_description(u32 id);

// Pure checks (no counting, no reporting), for the registry and for unit tests.
// Each returns true when the invariant holds, else false with a one-line detail.
bool invariant_process_table(const struct kernel *k, char *detail, u32 detail_capacity);
bool invariant_frame_ownership(struct platform *node, const struct kernel *k, char *detail,
                               u32 detail_capacity);

// Registry hooks: count, and on failure call sim_violation() (does not return).
void invariants_node_reset(struct platform *node);
void invariants_after_step(struct sim *sim, struct platform *node);
void invariants_on_event(struct sim *sim, struct platform *node, const struct trace_event *event);
void invariants_on_power_request(struct sim *sim, struct platform *node, u32 request);
void invariants_on_boot(struct sim *sim, struct platform *node, u64 digest);
// What the security models saw in a run (printed in the summary).
struct security_counts {
    u64 syscalls;                 // every syscall that returned to its process
    u64 denials_checked;          // E_ACCES / E_PERM results compared with the snapshot
    u64 denials_unchecked;        // denials without a snapshot of the caller (none expected)
    u64 non_root_changes_checked; // filesystem changes by euid != 0 held to the model
};
// acknowledged_files_durable (invariant_files.c).
void files_on_synced(struct platform *node, const struct trace_event *event);
void files_on_change(struct platform *node, const struct fs_change *change);
void files_after_step(struct sim *sim, struct platform *node);
void files_deinit(struct file_acks *acks);

// damage_is_real (invariant_damage.c), from OBSERVE_OBJECT_DAMAGED during a kernel call.
void damage_on_object_damaged(struct sim *sim, struct platform *node, const u8 *object_hash);

// repairs_read_back (invariant_repairs.c), from TRACE_DB_REPAIR and _UNVERIFIED.
void repairs_on_event(struct sim *sim, struct platform *node, const struct trace_event *event);

// z6_log_lines_kept (invariant_z6_log.c): the lines traced, then the files' growth.
void z6_log_on_event(struct sim *sim, struct platform *node, const struct trace_event *event);
// TRACE_Z6_RELOAD: each service's shadow moves to its new index (k->z6.reload_counts).
void z6_log_reloaded(struct platform *node);
void z6_log_after_step(struct sim *sim, struct platform *node);

// sleepers_wake_on_time (invariant_sleep.c): before each kernel step, and after it.
void sleep_on_step_start(struct platform *node);
void sleep_after_step(struct sim *sim, struct platform *node);

// The workloads' verdicts and ends (invariant_workload.c).
#define WORKLOAD_NAMES_MAX 32u // check names the summary counts (any program may report)
struct workload_counts {
    u64 reports;          // TRACE_REPORT events judged
    u64 reports_failed;   // of them, with failures > 0
    u64 failures_excused; // failures a fault the report named had struck
    u64 ends_checked;     // nodes held to reaching init's end
    u64 ends_unchecked;   // nodes that would have been, but lost power
    u64 lives_ended;      // lives that reached init's end (reboot) within the life limit
    u64 commits;          // GrainDB commits that succeeded (TRACE_DB_COMMIT), all nodes
    u32 names_count;      // distinct check names reported, first-seen order
    struct { char name[ABI_REPORT_NAME_LEN_MAX + 1]; u64 count; } names[WORKLOAD_NAMES_MAX];
    u64 names_dropped;    // reports whose name found the table full
    i8 life_end;          // -1 not yet read; else 1 when init.end ends a life (reboot,
                          // poweroff, halt) and the life limit applies
};
void workload_on_report(struct sim *sim, struct platform *node, const struct trace_event *event);
// At the end of a run (all nodes off, or the scenario's time limit reached): every node
// expected to power off or halt has (workload_reaches_end).
void workload_check_ends(struct sim *sim);
// Each life must reach init's end (a reboot, power off or halt) within the scenario's
// life limit of its boot; a power loss ends a life early and starts the next.
void workload_check_life(struct sim *sim, struct platform *node);
void workload_on_boot(struct sim *sim, struct platform *node, u32 cause);
void workload_on_commit(struct sim *sim, struct platform *node, const struct trace_event *event);
// The ABI_REPORT_EXCUSE_* faults that struck node in any of its lives.
u64 workload_faults_struck(const struct platform *node);

// non_root_never_writes_etc_or_others (invariant_writes.c), from observe() (OBSERVE_FS_CHANGE).
void writes_on_change(struct sim *sim, struct platform *node, const struct fs_change *change);
// denied_syscall_changes_nothing (invariant_denial.c), from TRACE_SCHEDULE / TRACE_SYSCALL.
void denial_on_schedule(struct platform *node, const struct trace_event *event);
void denial_on_syscall(struct sim *sim, struct platform *node, const struct trace_event *event);
// privilege_only_through_authentication (invariant_privilege.c).
void privilege_on_syscall(struct platform *node, const struct trace_event *event);
// sudo's remembered success: a sudo without a password is held to the model.
void privilege_on_sudo(struct sim *sim, struct platform *node, const struct trace_event *event);
void privilege_after_step(struct sim *sim, struct platform *node);
// console_only_its_session (invariant_console.c), from spawn, exit, vhangup and the
// console's reads and writes.
void console_on_event(struct sim *sim, struct platform *node, const struct trace_event *event);

// seed_file_never_reused (invariant_random.c), from TRACE_RANDOM_SEED_FILE / TRACE_SCHEDULE.
void seed_file_on_event(struct sim *sim, struct platform *node, const struct trace_event *event);
void seed_file_on_schedule(struct sim *sim, struct platform *node);

// ---- storage (invariant_storage*.c, storage_shadow.c) ----------------------------------
struct storage_scratch; // per sim: buffers for inspections, allocated on first use
void storage_scratch_destroy(struct storage_scratch *scratch);
void storage_shadow_deinit(struct storage_shadow *shadow);
// NULL when absent; insert returns the entry to fill (used = 1), growing the table.
struct storage_object_entry *storage_object_find(struct storage_shadow *shadow, u64 hash_prefix);
struct storage_object_entry *storage_object_insert(struct storage_shadow *shadow, u64 hash_prefix);
struct storage_key_entry *storage_key_find_or_insert(struct storage_shadow *shadow, u64 key_hash);
// Kernel storage events (commit start/end, mount, object write/read).
void storage_on_event(struct sim *sim, struct platform *node, const struct trace_event *event);
// Device calls (platform_sim.c) and power-on (node.c), for the commit copies.
void storage_on_block_write(struct platform *node, u64 sector, u32 sector_count, const u8 *bytes);
void storage_on_flush(struct platform *node, i64 result);
void storage_on_power_on(struct platform *node);
// After each step of a running node: the after-mount and after-commit checks.
void storage_after_step(struct sim *sim, struct platform *node);
