// z6: the supervisor's engine, a pure state machine modelled on s6-supervise (and on
// s6-rc for dependencies). It never calls the platform, the filesystem or the kernel:
// the host (the kernel, later; the unit tests now) feeds it events and carries out the
// actions it returns. All state is in struct z6 (static tables, no allocation); all
// timing is on the monotonic clock the caller passes in (now_ns), never realtime, so a
// clock step cannot shorten or stall a restart delay.
//
// Events in: z6_load (configuration, validated: per-service errors), z6_boot,
// z6_shutdown, z6_spawned / z6_spawn_failed (the host's answer to a spawn action),
// z6_exited (a run or finish process ended: exit code or signal), z6_ready (readiness
// notified), z6_timer (the deadline passed), z6_command (start, stop, restart, reset).
// Actions out, appended to a caller-provided struct z6_actions (capacity at least
// Z6_ACTIONS_MAX, enough for any one event): spawn run, spawn finish (with the exit),
// signal a pid (TERM or KILL), set the timer (z6_next_deadline), log.
//
// Rules it keeps (tests/z6/test_z6_engine.c proves each):
// - two spawns of one service are at least restart_delay_ms apart (backoff waits out
//   the rest of the delay after an exit), measured from the later of the spawn action
//   and the z6_spawned that reports its pid (the process's real start);
// - restart policy: never is not restarted; on-failure only after a non-zero exit, a
//   signal or a failed spawn; always is restarted even after exit 0;
// - crash limit: crash_deaths crashes (non-zero exit, signal, failed spawn; not a clean
//   exit 0 nor a death z6 caused by stop or restart) within crash_window_ms make the
//   service failed; it stays failed until start or reset;
// - a service is spawned only when each dependency is up (ready, when the dependency
//   uses readiness notification); stops run dependents first; a dependency cycle or a
//   missing dependency refuses the service at load (and every service depending on it);
// - stop: TERM, then KILL after timeout_kill_ms (0: never, as in s6); finish runs after
//   each exit when configured, is killed after timeout_finish_ms (0: never), and the
//   next state is decided after it (s6's order);
// - down services are not started at boot;
// - services are visited in index order, never pointer order: the same events give
//   the same actions.
#pragma once

#include "kernel/lib/types.h"

#define Z6_SERVICES_MAX 64
#define Z6_DEPENDENCIES_MAX 16
#define Z6_NAME_BYTES_MAX 32
// The crash limit keeps this many death times per service.
#define Z6_CRASH_DEATHS_MAX 32
// Per service and event: at most one log, one spawn or signal, one more log; plus the
// timer. Asserted by every append.
#define Z6_ACTIONS_MAX (Z6_SERVICES_MAX * 3 + 2)

// Defaults, as s6 and the design choose them (the parser fills them through
// z6_config_default).
#define Z6_RESTART_DELAY_DEFAULT_MS 1000
#define Z6_CRASH_DEATHS_DEFAULT 10
#define Z6_CRASH_WINDOW_DEFAULT_MS 60000
#define Z6_TIMEOUT_KILL_DEFAULT_MS 0
#define Z6_TIMEOUT_FINISH_DEFAULT_MS 5000

enum z6_restart { Z6_RESTART_ALWAYS, Z6_RESTART_ON_FAILURE, Z6_RESTART_NEVER };

enum z6_state {
    Z6_STATE_DOWN,      // not running, not waiting for anything
    Z6_STATE_STARTING,  // spawn asked for, pid not yet reported
    Z6_STATE_UP,        // running (and usable by dependents unless it notifies readiness)
    Z6_STATE_READY,     // running and readiness notified
    Z6_STATE_STOPPING,  // TERM sent (KILL later, after timeout_kill_ms)
    Z6_STATE_FINISHING, // the run process ended; finish runs
    Z6_STATE_BACKOFF,   // wants up, waits for the restart delay or its dependencies
    Z6_STATE_FAILED,    // crash limit reached: not restarted until start or reset
};

// Why z6_load refused a service (Z6_LOAD_OK: accepted).
enum z6_load_error {
    Z6_LOAD_OK,
    Z6_LOAD_CONFIG_INVALID,       // empty name, crash_deaths 0 or over the maximum, ...
    Z6_LOAD_DEPENDENCY_MISSING,   // a dependency index names no service
    Z6_LOAD_DEPENDENCY_CYCLE,     // the service is on a dependency cycle
    Z6_LOAD_DEPENDENCY_REFUSED,   // a dependency (direct or not) was refused
};

enum z6_exit_kind { Z6_EXIT_NONE, Z6_EXIT_CODE, Z6_EXIT_SIGNAL, Z6_EXIT_SPAWN_FAILED };

struct z6_exit {
    enum z6_exit_kind kind;
    u32 code;   // Z6_EXIT_CODE
    u32 signal; // Z6_EXIT_SIGNAL
};

enum z6_signal { Z6_SIGNAL_TERM, Z6_SIGNAL_KILL };

enum z6_command { Z6_COMMAND_START, Z6_COMMAND_STOP, Z6_COMMAND_RESTART, Z6_COMMAND_RESET };

// What an event's answer says (errors are values).
enum z6_result {
    Z6_OK,
    Z6_UNKNOWN_PID,      // no run or finish process of z6 has this pid
    Z6_UNKNOWN_SERVICE,  // index out of the loaded table
    Z6_REFUSED,          // the service was refused at load
    Z6_NOT_EXPECTED,     // the event does not fit the service's state (ignored)
    Z6_FULL,             // reload: the new services and the removed ones still
                         // stopping do not fit the table (nothing changed)
};

enum z6_log_what {
    Z6_LOG_REFUSED,       // at boot: the service was refused at load (error says why)
    Z6_LOG_SPAWN,         // the run process is asked for
    Z6_LOG_EXIT,          // the run process ended (exit says how)
    Z6_LOG_READY,         // readiness notified
    Z6_LOG_STOP,          // TERM sent
    Z6_LOG_KILL,          // KILL sent to the run process after timeout_kill_ms
    Z6_LOG_FINISH_KILL,   // KILL sent to finish after timeout_finish_ms
    Z6_LOG_FAILED,        // crash limit reached
    Z6_LOG_DOWN,          // the service came to rest down
};

enum z6_action_kind {
    Z6_ACTION_SPAWN_RUN,     // service
    Z6_ACTION_SPAWN_FINISH,  // service, exit (s6 passes code or 256, and the signal)
    Z6_ACTION_SIGNAL,        // service, pid, signal
    Z6_ACTION_SET_TIMER,     // deadline_ns (0: no timer needed)
    Z6_ACTION_LOG,           // service, what, exit, error
};

struct z6_action {
    enum z6_action_kind kind;
    u32 service;
    u64 pid;
    enum z6_signal signal;
    u64 deadline_ns;
    enum z6_log_what what;
    struct z6_exit exit;
    enum z6_load_error error;
};

struct z6_actions {
    struct z6_action *items;
    u32 capacity; // at least Z6_ACTIONS_MAX
    u32 count;
};

struct z6_config {
    char name[Z6_NAME_BYTES_MAX];
    enum z6_restart restart;
    u32 restart_delay_ms;
    u32 crash_deaths;
    u32 crash_window_ms;
    u32 timeout_kill_ms;   // 0: TERM only, never KILL (s6)
    u32 timeout_finish_ms; // 0: finish is never killed
    bool has_finish;
    bool down;             // not started at boot
    bool notification;     // dependents wait for readiness, not just for the spawn
    u32 dependency_count;
    u32 dependencies[Z6_DEPENDENCIES_MAX]; // service indexes
    u32 uid;
    bool invalid;          // refused before the engine (z6_parse): z6_load refuses it
};

struct z6_service {
    struct z6_config config;
    enum z6_load_error error;
    enum z6_state state;
    bool want_up;          // boot or start asked for it; stop and shutdown clear it
    bool restart_asked;    // a restart command sent TERM: respawn whatever the policy
    bool stop_asked;       // z6 sent TERM: the death is not a crash
    bool limit_reached;    // the last death was a crash that reached the crash limit
    bool ready;
    bool spawned_ever;
    u64 pid;               // the run process (0: none)
    u64 finish_pid;        // the finish process (0: none)
    u64 state_since_ns;
    u64 deadline_ns;       // this service's next timer (0: none)
    u64 last_spawn_ns;
    u64 last_spawn_realtime_ns; // only for the planted bug below
    u32 restarts;          // spawns after the first
    struct z6_exit last_exit;
    u64 death_ns[Z6_CRASH_DEATHS_MAX]; // the last crashes, a ring
    u32 death_count;
    u32 death_next;
    u64 dependencies_mask;  // direct dependencies, as bits
    u64 requires_mask;      // every service it needs, transitively
    bool retired;           // removed by a reload, kept only until its processes end
};

// Planted bug (for the simulator's invariants to catch): the restart delay measured on
// the realtime clock, as the seed design did (now_ms - last_restart_ms, unsigned).
#define Z6_BUG_REALTIME_DELAY (1u << 0)
// More planted bugs (kernel/bugs.h names each; the host sets them at boot):
#define Z6_BUG_SIGNAL_NOT_FAILURE (1u << 1) // on-failure: a death by signal is no failure
#define Z6_BUG_CRASH_LIMIT_LATE (1u << 2)   // the limit counts crash_deaths + 1
#define Z6_BUG_DEPENDENCY_IGNORED (1u << 3) // spawned without waiting for dependencies
#define Z6_BUG_KILL_NEVER (1u << 4)         // no KILL after timeout_kill_ms
#define Z6_BUG_DOWN_IGNORED (1u << 5)       // down services started at boot

struct z6 {
    struct z6_service services[Z6_SERVICES_MAX];
    u32 service_count;
    bool booted;
    bool shutting_down;
    u64 timer_armed_ns;  // the deadline last sent as SET_TIMER (0: none)
    u32 bugs_mask;       // planted bugs switched on (0 in every real run)
    u64 realtime_ns;     // read only by the planted bug; the caller sets it
};

STATIC_ASSERT(Z6_SERVICES_MAX <= 64); // the masks are u64

void z6_config_default(struct z6_config *config, const char *name);
// Loads and validates the table, before z6_boot (it starts over: after the boot,
// z6_reload keeps what runs); errors may be 0. errors[i] says why service i is refused (or
// Z6_LOAD_OK). A refused service never runs; the others do. Returns how many were
// refused.
u32 z6_load(struct z6 *z6, const struct z6_config *configs, u32 count,
            enum z6_load_error *errors);

// What a reload did, service by service (matched by name).
struct z6_reload_counts {
    u32 kept;     // configuration unchanged: state kept (running stays running)
    u32 changed;  // configuration changed: state kept; restarted when running
    u32 added;    // new: started unless down, as at boot
    u32 removed;  // gone (or now refused): stopped, dependents first
    u32 refused;  // of the new table
    // Where each old service went: moved_to[j] for j < old_count is its new index, or
    // Z6_SERVICES_MAX when it left the table (the host moves what it keeps by index,
    // such as the services' logs and the descriptors that name them).
    u32 old_count;
    u32 moved_to[Z6_SERVICES_MAX];
};

// After z6_boot: the configuration was read again. Services are matched by name. An
// unchanged one keeps its state and processes. A changed one keeps its state and crash
// record and takes the new configuration; if it runs (up or ready) it is restarted at
// once (TERM, respawned with the new configuration after the restart delay, whatever
// the policy), otherwise the change applies at its next start. (down only matters to a
// new service: a kept one keeps wanting what it wanted.) A new one starts unless down.
// A removed one (or one the new configuration refuses) is stopped, dependents first; it
// stays at the end of the table, retired, until its processes ended and the next
// reload drops it. The new table is in configs' order, the retired ones after it in
// their old order: deterministic. scratch is the caller's room for the old table.
// Z6_NOT_EXPECTED while shutting down or before the boot; Z6_FULL when the table
// cannot hold the new services and the retired ones (then nothing changed).
enum z6_result z6_reload(struct z6 *z6, struct z6 *scratch, u64 now_ns,
                         const struct z6_config *configs, u32 count, enum z6_load_error *errors,
                         struct z6_reload_counts *counts, struct z6_actions *actions);

void z6_boot(struct z6 *z6, u64 now_ns, struct z6_actions *actions);
void z6_shutdown(struct z6 *z6, u64 now_ns, struct z6_actions *actions);
// True when nothing z6 started is still running (after shutdown: power off now).
bool z6_quiet(const struct z6 *z6);

enum z6_result z6_spawned(struct z6 *z6, u64 now_ns, u32 service, u64 pid,
                          struct z6_actions *actions);
enum z6_result z6_spawn_failed(struct z6 *z6, u64 now_ns, u32 service,
                               struct z6_actions *actions);
// A process ended: either a service's run process or its finish process.
enum z6_result z6_exited(struct z6 *z6, u64 now_ns, u64 pid, struct z6_exit exit,
                         struct z6_actions *actions);
enum z6_result z6_ready(struct z6 *z6, u64 now_ns, u64 pid, struct z6_actions *actions);
void z6_timer(struct z6 *z6, u64 now_ns, struct z6_actions *actions);
enum z6_result z6_command(struct z6 *z6, u64 now_ns, u32 service, enum z6_command command,
                          struct z6_actions *actions);

// The earliest deadline of any service (0: none).
u64 z6_next_deadline(const struct z6 *z6);
const char *z6_state_name(enum z6_state state);
const char *z6_load_error_name(enum z6_load_error error);
