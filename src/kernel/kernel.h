// The whole state of one kernel, in one statically sized struct: no globals, so the
// simulator can hold several nodes, and "reboot" is simply kernel_boot() again.
#pragma once

#include "kernel/abi.h"
#include "kernel/users/accounts.h"
#include "kernel/users/auth.h"
#include "kernel/users/console.h"
#include "kernel/cred/cred.h"
#include "kernel/fs/fs.h"
#include "kernel/limits/limits.h"
#include "kernel/platform.h"
#include "kernel/random/random.h"
#include "kernel/replica/replica_host.h"
#include "kernel/report.h"
#include "kernel/z6/z6host.h"
#include "kernel/zix/zixhost.h"
#include "kernel/zix/zix_sign.h"
#include "kernel/lib/types.h"

// ---- limits ------------------------------------------------------------------
#define PROCS_MAX 192                   // process slots, machine-wide (limits.h shares them): 64 z6
                                        // services (a run and a finish each) and the users
#define FRAME_INDEX_NONE UINT32_MAX     // frame_index() of an address outside the table
#define PAGE_SIZE_BYTES 4096ull
#define PROC_NAME_LEN_MAX 32
#define BOOTARGS_LEN_MAX 256
#define TIME_SLICE_NS 1000000ull        // 1 ms of user time before preemption
#define IDLE_WAIT_MAX_NS 1000000000ull  // wake at least once a second when idle
#define SATP_MODE_SV39 (8ull << 60)

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3, LOG_TRACE = 4 };

enum proc_state {
    PROC_FREE = 0,
    PROC_RUNNABLE, // on the run queue (exactly once)
    PROC_SLEEPING, // in sleep_until, off the queue
    PROC_WAITING,  // in a blocking wait, off the queue
    PROC_ZOMBIE,   // exited, frames released, status kept for the parent
};

// FD_Z6_LOG: a z6 service's stdout and stderr, its log (kernel/z6/z6host_log.c);
// FD_Z6_NOTIFY: its notification-fd (a newline there says it is ready). Write-only.
enum fd_kind { FD_NONE = 0, FD_CONSOLE_IN, FD_CONSOLE_OUT, FD_FILE, FD_DIRECTORY, FD_Z6_LOG, FD_Z6_NOTIFY };

// One descriptor: the console, an open file (an index into fs.files) or a directory
// being read (by inode number; readdir re-reads it, so it sees renames at once).
struct fd {
    enum fd_kind kind;
    u32 flags;         // ABI_O_* given to open
    u32 open_file;     // FD_FILE: index into k->fs.files
    u64 offset;        // FD_FILE: byte offset
    u64 inode;         // FD_DIRECTORY
    u32 z6_service;    // FD_Z6_LOG, FD_Z6_NOTIFY: the service's index in z6's table
    // FD_DIRECTORY: the last name returned. Entries are sorted, so readdir resumes
    // after it: removing entries already read never makes it skip one.
    char cursor[ABI_NAME_LEN_MAX + 1];
};

struct proc {
    enum proc_state state;
    u32 pid;
    u32 parent_pid; // 0 for init
    struct cred cred;   // real, effective and saved user and group ids
    u64 session_id;     // login session (auth.h): new at switch_user, inherited by children
    u64 console_session; // console.h: new at vhangup, inherited by children; 0: init's
    bool console_leader; // made its console session (vhangup): its exit ends it
    bool supervised;     // a z6 service's run or finish: the kernel reaps it for z6 (parent_pid 0)
    bool ignores_term;   // signal_ignore(TERM): a TERM does nothing (KILL still ends it)
    bool syscall_restart; // PROC_SLEEPING until its syscall may run again (a password delay)
    u8 zix_build;       // a Zix builder or its descendant: build slot + 1 (0: none); inherited
    struct user_context context;
    u64 root_table_pa;  // Sv39 root page table; 0 once released
    u32 frames_owned;   // data pages and page-table pages, all in the frame table
    u64 sleep_deadline_ns;
    i64 wait_pid;       // PROC_WAITING: ABI_WAIT_ANY or a child pid
    u64 wait_status_va; // PROC_WAITING: where the child's status goes (0: nowhere)
    struct abi_wait_status exit_status; // PROC_ZOMBIE
    u64 monotonic_last_ns;              // last CLOCK_MONOTONIC value it was given
    char name[PROC_NAME_LEN_MAX];
    // The cwd as a directory inode, so a rename of it or above it keeps it (getcwd
    // rebuilds the path from parent links, as Linux's does); 0 once it is removed.
    u64 cwd_inode;
    u32 umask;                          // applied by open(O_CREAT) and mkdir
    struct fd fds[ABI_FDS_MAX];
};

// Round-robin run queue: a ring of proc slots.
struct run_queue {
    u8 slots[PROCS_MAX];
    u32 head;
    u32 count;
};

#define FRAME_FREE 0
#define FRAME_OWNER_KERNEL 0xff // reserved by the kernel itself
STATIC_ASSERT(PROCS_MAX + 1 < FRAME_OWNER_KERNEL); // owners are u8: slot + 1
// Every page of the RAM the platform reports (the device tree's, on hardware) is one
// frame: user memory grows with the board. owner[i] is FRAME_FREE, FRAME_OWNER_KERNEL
// or (proc slot + 1); the owner bytes themselves live in the first frames of that RAM
// (carved at boot, owned by the kernel), so no board size is built into the image.
struct frame_table {
    u64 base_pa;
    u32 count;        // frames managed: all of usable RAM
    u32 free_count;
    u32 search_from;  // next index to try: deterministic, no pointers involved
    u32 table_frames; // frames holding owner[] (the first ones)
    u32 kernel_frames; // frames owned by the kernel, table_frames included
    u8 *owner;        // count bytes, in RAM at base_pa
};

enum kernel_run_state {
    KERNEL_RUNNING = 0,
    KERNEL_HALTED,
    KERNEL_POWERED_OFF,
    KERNEL_REBOOTING,
};

#define KERNEL_ROOT_ENTRIES_MAX 16 // gigapage entries shared by every address space

struct kernel {
    struct platform *platform;
    enum kernel_run_state run_state;
    enum log_level log_level;
    bool fs_verify_at_mount; // boot argument fs.verify=1: run GrainDB's fsck at mount
    bool z6_log_console; // boot argument z6.log_console=1: each service log line also on the console
    u64 fs_checkpoint_interval_bytes; // boot argument fs.checkpoint_interval=BYTES (0: GrainDB's)
    u32 pid_next;
    u32 current_slot; // slot whose trap is being handled, PROCS_MAX when none
    u64 steps;
    u64 monotonic_last_ns; // the kernel's clock never goes back, whatever the platform
    u32 supervised_exits; // supervised processes exited and not yet reported to z6
    struct proc procs[PROCS_MAX];
    struct run_queue run_queue;
    struct frame_table frames;
    u32 kernel_root_entries_count;
    u16 kernel_root_index[KERNEL_ROOT_ENTRIES_MAX];
    u64 kernel_root_pte[KERNEL_ROOT_ENTRIES_MAX];
    const u8 *initrd;
    u64 initrd_size_bytes;
    char bootargs[BOOTARGS_LEN_MAX];
    struct accounts accounts; // from /etc at boot; not in the boot digest (the disk persists)
    struct auth auth; // password delays, sudo stamps, sudo timeout (from /etc at boot), audit log
    struct console console; // which console session may read and write the console
    struct random random; // the CSPRNG; not in the boot digest (fresh entropy at every boot)
    struct report_state report; // workload verdicts: the log's rate limit (report.h)
    struct limits limits; // per-user shares and root's reserves (from /etc at boot)
    struct z6host z6; // the supervisor, hosted (kernel/z6/z6host.h); rebuilt at every boot
    struct fs fs; // large, and excluded from the boot digest (the disk persists)
    struct zix_host zix; // Zix's builds and scratch (kernel/zix/zixhost.h); rebuilt at every boot
    struct zix_sign_state zix_sign; // the machine's signing key (kernel/zix/zix_sign.h); not in the boot digest
    struct replica_host replica; // GrainDB's replicated keyspace (kernel/replica/); rebuilt at every boot from the disk
};

enum kernel_step_result {
    KERNEL_STEP_RAN = 0,  // ran a process or handled a trap
    KERNEL_STEP_IDLE,     // nothing runnable: waited via platform_idle_until
    KERNEL_STEP_STOPPED,  // halted, powered off or rebooting: see run_state
};

// Build all state from nothing and start init (/bin/init) as pid 1.
void kernel_boot(struct kernel *k, struct platform *p);
// One unit of work: run the next process until it traps, handle the trap.
enum kernel_step_result kernel_step(struct kernel *k);

// Console log with levels. Format: %s %c %d %u %x %lu %ld %lx %llu %lld %llx %p (see format.c).
void klog(struct kernel *k, enum log_level level, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
