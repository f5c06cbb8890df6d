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

#define Z6_ROOT_PATH "/etc/z6"
#define Z6_FILES_MAX 16                 // files in one service directory
#define Z6_FILE_NAME_BYTES_MAX 32       // longer names are no setting of z6's
#define Z6_FILE_BYTES_MAX 1024          // a setting file's bytes (more are cut)
#define Z6_SPAWNS_PENDING_MAX (2 * Z6_SERVICES_MAX) // a run and a finish per service
#define Z6_READ_ATTEMPTS_MAX 3          // a setting read again while the disk fails

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
// The engine's next deadline (0: none), for the idle wait.
u64 z6host_deadline(const struct kernel *k);
