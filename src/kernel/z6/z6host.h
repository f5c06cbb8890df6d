// The kernel hosts z6 (src/subsystems/z6: the supervisor's engine, a pure state
// machine). At boot it reads /etc/z6/*/ (sorted by name) with its own filesystem
// calls, parses each service directory (z6_parse.h), loads and boots the engine, and
// from then on carries out the engine's actions: it spawns a service's run (as the
// service's user) and finish (with exit code or 256, signal, name as arguments, as s6
// passes them) on z6's behalf, with no parent process: no user process reaps them,
// the kernel does and reports each exit to the engine (z6_exited). TERM and KILL go
// through proc_kill, the path kill() takes. The engine's next deadline is kept here;
// kernel_step calls z6host_step, which fires the timer when the monotonic clock
// reaches it, and the idle wait never sleeps past it: z6 is woken by exits and its
// deadline, never polled. All state is in this struct (no allocation); every boot
// rebuilds it.
#pragma once

#include "kernel/lib/types.h"
#include "subsystems/z6/z6.h"
#include "subsystems/z6/z6_parse.h"
#include "kernel/z6/z6host_log.h"

#define Z6_ROOT_PATH "/etc/z6"
#define Z6_FILES_MAX 16                 // files in one service directory
#define Z6_FILE_NAME_BYTES_MAX 32       // longer names are no setting of z6's
#define Z6_FILE_BYTES_MAX 1024          // a setting file's bytes (more are cut)
#define Z6_SPAWNS_PENDING_MAX (2 * Z6_SERVICES_MAX) // a run and a finish per service
#define Z6_READ_ATTEMPTS_MAX 3          // a setting read again while the disk fails
// A shutdown waits this long at most for the services to stop (each has its own
// timeout-kill; one without, or whose KILL is not enough, must not hold the machine).
#define Z6_SHUTDOWN_WAIT_MAX_NS 10000000000ull

// The kernel's line for each user's z6ctl command is rate-limited per user (report.h's
// scheme): a bucket of Z6_COMMAND_LOG_BURST lines, one more every
// Z6_COMMAND_LOG_REFILL_NS; users take a free bucket, then share the last one; root's
// lines are not limited (root may do worse than fill the console). Lines not printed
// are counted and said with the bucket's next line.
#define Z6_COMMAND_LOG_BUCKETS 4u
#define Z6_COMMAND_LOG_BURST 8u
#define Z6_COMMAND_LOG_REFILL_NS 1000000000ull

struct z6_log_bucket {
    bool used;
    u32 uid;
    u32 tokens;      // lines it may print now
    u64 refilled_ns; // monotonic time up to which refills were credited
    u64 suppressed;  // lines not printed since its last printed line
};

// A spawn carried out, its answer not yet given to the engine.
struct z6_spawn_answer {
    u32 service;
    i64 pid;        // or -error
    u64 started_ns; // the monotonic clock once the spawn returned (the restart delay
                    // runs from the process's real start)
};

struct z6host {
    bool boot_due; // kernel_boot is done: the first step boots z6
    bool hosted;   // the engine was loaded and booted
    struct z6 engine;
    u64 deadline_ns; // the engine's next deadline (0: none)
    u32 answers_count;
    struct z6_spawn_answer answers[Z6_SPAWNS_PENDING_MAX];
    struct z6_action action_items[Z6_ACTIONS_MAX];
    // Boot's parse, kept: the names, users and messages z6ctl status shows.
    struct z6_parsed parsed[Z6_SERVICES_MAX];
    struct z6_config configs[Z6_SERVICES_MAX];
    // Scratch of the boot's reading (k->fs.entries is overwritten by each listing).
    char files[Z6_FILES_MAX][Z6_FILE_NAME_BYTES_MAX];
    char file_bytes[Z6_FILE_BYTES_MAX];
    struct z6_logs logs; // the services' logs and readiness (z6host_log.h)
    struct z6 reload_scratch; // z6_reload's copy of the old table
    struct z6_reload_counts reload_counts; // the last reload's: where each old service went
    struct z6_log_bucket command_log[Z6_COMMAND_LOG_BUCKETS];
    u32 read_errors;          // z6host_read's listings and reads that failed (a
                              // reload then changes nothing: a bad disk must not stop
                              // what runs)
    u64 shutdown_type;        // ABI_SHUTDOWN_* waiting for the services (0: none)
    u64 shutdown_deadline_ns; // then the machine goes down anyway
    // Each service's state as last traced (TRACE_Z6_STATE reports the changes).
    u8 traced_states[Z6_SERVICES_MAX];
};

struct kernel;

// At the first step after the boot (the mount, the accounts and init done): read
// /etc/z6, load and boot the engine.
void z6host_boot(struct kernel *k);
// At each step, before a process runs: report supervised exits, fire the deadline.
void z6host_step(struct kernel *k, u64 now_ns);
// A control command for service index (the syscall checked who may): the engine's
// answer.
enum z6_result z6host_command(struct kernel *k, u32 service, enum z6_command command);
// The service's run said it is ready (its notification-fd): the engine's answer.
enum z6_result z6host_ready(struct kernel *k, u32 service);
// z6ctl reload: /etc/z6 read again and given to z6_reload (z6.h says what it keeps).
// 0, or why the table is unchanged: -E_IO (a listing or a read failed), -E_AGAIN
// (the table cannot hold the new services and the removed ones still stopping, or
// shutting down).
i64 z6host_reload(struct kernel *k);
// sys_shutdown, allowed: stops the services (z6_shutdown: dependents first, each within
// its timeout). True when some still run: the machine goes down (shutdown_now) at the
// step that finds z6 quiet, or at the bound Z6_SHUTDOWN_WAIT_MAX_NS (logged). False:
// nothing to wait for, go down now.
bool z6host_shutdown(struct kernel *k, u64 type);
// The engine's next deadline (0: none), for the idle wait.
u64 z6host_deadline(const struct kernel *k);
