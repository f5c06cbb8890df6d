// The invariant registry: named checks over a node's state, run after every step
// of that node (the other nodes did not change), or at the event they concern
// (a clock read, a wake-up, a power request, a boot, a panic). Each counts its
// checks; a failing one reports through sim_violation() and the run exits 1.
#pragma once

#include "../kernel/kernel.h"

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
      "per key, key_version never decreases across steps and reboots, and the history "     \
      "chain holds every version: the newest ones are k, k-1, ... in falling commits "      \
      "(checked for every key changed by a commit, and for all keys at mounts)")             \
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
      "it keeps (/etc/shadow, /etc/shadow.new, /var/log/auth, /var/log/auth.old)")         \
    X(INV_DENIED_SYSCALL_CHANGES_NOTHING, "denied_syscall_changes_nothing",                   \
      "a syscall that returns E_ACCES or E_PERM leaves the database (commit and Merkle "    \
      "root), the open files (data, size, attributes), the process table (pids, states, "    \
      "ids) and the caller's descriptors and cwd as they were; sudo, switch_user and passwd "\
      "may append their refusal to /var/log/auth (database and open files exempt for them)")

#define INVARIANT_ENUM(id, name, description) id,
enum invariant_id { INVARIANT_LIST(INVARIANT_ENUM) INVARIANT_COUNT };
#undef INVARIANT_ENUM

#define INVARIANT_DETAIL_BYTES_MAX 400

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

struct invariant_node_state {
    struct denial_snapshot denial;
    struct sudo_stamp_shadow sudo_stamps[SUDO_STAMPS_SHADOW_MAX];
    struct monotonic_shadow monotonic[PROCS_MAX]; // by proc slot
    struct privilege_shadow privilege[PROCS_MAX]; // by proc slot
    bool storage_mount_pending; // mounted this boot; the after-mount checks are due
    u64 storage_checked_seq;    // commit seq at the last storage check this boot
    u32 storage_boot_commits;   // commits acknowledged this boot
    bool storage_mount_wrote;   // commits came before the mount (a first boot): no fsck
    u64 storage_mount_base_seq; // highest acknowledged commit before this boot's mount
    u32 storage_boot_damage;    // media damage injected this boot (latent, corruption, lost, misdirected)
    bool storage_mount_damaged; // some of it before the mount: recovery's repairs may be hit
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
// non_root_never_writes_etc_or_others (invariant_writes.c), from platform_audit_fs_change.
void writes_on_change(struct sim *sim, struct platform *node, const struct fs_change *change);
// denied_syscall_changes_nothing (invariant_denial.c), from TRACE_SCHEDULE / TRACE_SYSCALL.
void denial_on_schedule(struct platform *node, const struct trace_event *event);
void denial_on_syscall(struct sim *sim, struct platform *node, const struct trace_event *event);
// privilege_only_through_authentication (invariant_privilege.c).
void privilege_on_syscall(struct platform *node, const struct trace_event *event);
// sudo's remembered success: a sudo without a password is held to the model.
void privilege_on_sudo(struct sim *sim, struct platform *node, const struct trace_event *event);
void privilege_after_step(struct sim *sim, struct platform *node);

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
