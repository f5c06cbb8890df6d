// z6's events: boot, shutdown, the host's answers to spawns, exits, readiness, the
// timer and control commands. Each updates the table, then z6_settle decides what to
// spawn or stop and appends the actions.
#include "subsystems/z6/internal.h"

#include "kernel/lib/mem.h"

static bool exit_is_failure(const struct z6_exit *exit) {
    assert(exit != 0);
    assert(exit->kind <= Z6_EXIT_SPAWN_FAILED);
    if (exit->kind == Z6_EXIT_CODE) return exit->code != 0;
    return exit->kind != Z6_EXIT_NONE;
}

// Records a crash; true when it makes crash_deaths within crash_window_ms.
static bool crash_record(struct z6_service *service, u64 now_ns, bool late) {
    u32 deaths = service->config.crash_deaths;
    if (late && deaths < Z6_CRASH_DEATHS_MAX) deaths++; // the planted bug
    assert(deaths >= 1);
    assert(deaths <= Z6_CRASH_DEATHS_MAX);
    service->death_ns[service->death_next] = now_ns;
    service->death_next = (service->death_next + 1) % Z6_CRASH_DEATHS_MAX;
    if (service->death_count < Z6_CRASH_DEATHS_MAX) service->death_count++;
    if (service->death_count < deaths) return false;
    u32 oldest = (service->death_next + Z6_CRASH_DEATHS_MAX - deaths) % Z6_CRASH_DEATHS_MAX;
    u64 window_ns = (u64)service->config.crash_window_ms * Z6_NS_PER_MS;
    return now_ns - service->death_ns[oldest] < window_ns;
}

static bool policy_restarts(const struct z6_service *service) {
    assert(service != 0);
    assert(service->config.restart <= Z6_RESTART_NEVER);
    if (service->config.restart == Z6_RESTART_ALWAYS) return true;
    if (service->config.restart == Z6_RESTART_NEVER) return false;
    return exit_is_failure(&service->last_exit);
}

// After the run process (and finish, when configured) ended: s6's order decides here.
static void decide_next(struct z6 *z6, u32 index, u64 now_ns, struct z6_actions *actions) {
    struct z6_service *service = &z6->services[index];
    assert(service->pid == 0);
    assert(service->finish_pid == 0);
    bool restart_asked = service->restart_asked;
    service->restart_asked = false;
    service->stop_asked = false;
    if (service->limit_reached) {
        z6_enter(service, Z6_STATE_FAILED, now_ns);
        z6_log(actions, index, Z6_LOG_FAILED, &service->last_exit);
        return;
    }
    bool policy = policy_restarts(service);
    bool signal_ignored = (z6->bugs_mask & Z6_BUG_SIGNAL_NOT_FAILURE) != 0 &&
                          service->config.restart == Z6_RESTART_ON_FAILURE && service->last_exit.kind == Z6_EXIT_SIGNAL;
    if (signal_ignored) policy = false; // the planted bug
    if (service->want_up && (restart_asked || policy)) {
        z6_enter(service, Z6_STATE_BACKOFF, now_ns); // z6_settle spawns after the delay
        return;
    }
    service->want_up = false;
    z6_enter(service, Z6_STATE_DOWN, now_ns);
    z6_log(actions, index, Z6_LOG_DOWN, &service->last_exit);
}

static void run_ended(struct z6 *z6, u32 index, u64 now_ns, struct z6_exit exit,
                      struct z6_actions *actions) {
    struct z6_service *service = &z6->services[index];
    assert(service->pid != 0);
    assert(service->finish_pid == 0);
    service->pid = 0;
    service->ready = false;
    service->last_exit = exit;
    bool caused_by_z6 = service->stop_asked || service->restart_asked;
    bool late = (z6->bugs_mask & Z6_BUG_CRASH_LIMIT_LATE) != 0;
    service->limit_reached = !caused_by_z6 && exit_is_failure(&exit) && crash_record(service, now_ns, late);
    z6_log(actions, index, Z6_LOG_EXIT, &exit);
    if (!service->config.has_finish) {
        decide_next(z6, index, now_ns, actions);
        return;
    }
    z6_enter(service, Z6_STATE_FINISHING, now_ns);
    if (service->config.timeout_finish_ms != 0) {
        service->deadline_ns = now_ns + (u64)service->config.timeout_finish_ms * Z6_NS_PER_MS;
    }
    z6_push(actions, (struct z6_action){ .kind = Z6_ACTION_SPAWN_FINISH, .service = index,
                                         .exit = exit });
}

void z6_boot(struct z6 *z6, u64 now_ns, struct z6_actions *actions) {
    assert(z6 != 0);
    assert(!z6->booted);
    z6->booted = true;
    for (u32 i = 0; i < z6->service_count; i++) {
        struct z6_service *service = &z6->services[i];
        service->state_since_ns = now_ns;
        if (service->error != Z6_LOAD_OK) {
            z6_push(actions, (struct z6_action){ .kind = Z6_ACTION_LOG, .service = i,
                                                 .what = Z6_LOG_REFUSED, .error = service->error });
            continue;
        }
        service->want_up = !service->config.down || (z6->bugs_mask & Z6_BUG_DOWN_IGNORED) != 0;
    }
    z6_settle(z6, now_ns, actions);
}

void z6_shutdown(struct z6 *z6, u64 now_ns, struct z6_actions *actions) {
    assert(z6 != 0);
    assert(z6->service_count <= Z6_SERVICES_MAX);
    z6->shutting_down = true;
    for (u32 i = 0; i < z6->service_count; i++) z6->services[i].want_up = false;
    z6_settle(z6, now_ns, actions);
}

bool z6_quiet(const struct z6 *z6) {
    assert(z6 != 0);
    assert(z6->service_count <= Z6_SERVICES_MAX);
    for (u32 i = 0; i < z6->service_count; i++) {
        const struct z6_service *service = &z6->services[i];
        if (service->pid != 0 || service->finish_pid != 0) return false;
        if (service->state == Z6_STATE_STARTING || service->state == Z6_STATE_FINISHING) return false;
    }
    return true;
}

enum z6_result z6_spawned(struct z6 *z6, u64 now_ns, u32 index, u64 pid,
                          struct z6_actions *actions) {
    assert(z6 != 0);
    assert(pid != 0);
    if (index >= z6->service_count) return Z6_UNKNOWN_SERVICE;
    struct z6_service *service = &z6->services[index];
    if (service->state == Z6_STATE_STARTING) {
        service->pid = pid;
        // The delay runs from the process's start: a host that starts several in one
        // event reports each later than it was asked for, and the delay must hold
        // between the real starts.
        if (now_ns > service->last_spawn_ns) service->last_spawn_ns = now_ns;
        z6_enter(service, Z6_STATE_UP, now_ns);
    } else if (service->state == Z6_STATE_FINISHING && service->finish_pid == 0) {
        service->finish_pid = pid; // its deadline runs from the exit, kept
        bool overdue = service->deadline_ns == 0 && service->config.timeout_finish_ms != 0;
        if (overdue) { // the timer passed before the pid came: kill it now
            z6_log(actions, index, Z6_LOG_FINISH_KILL, 0);
            z6_push(actions, (struct z6_action){ .kind = Z6_ACTION_SIGNAL, .service = index,
                                                 .pid = pid, .signal = Z6_SIGNAL_KILL });
        }
    } else {
        return Z6_NOT_EXPECTED;
    }
    z6_settle(z6, now_ns, actions);
    return Z6_OK;
}

// A spawn the host could not carry out: a run counts as a crash; a finish is skipped.
enum z6_result z6_spawn_failed(struct z6 *z6, u64 now_ns, u32 index,
                               struct z6_actions *actions) {
    assert(z6 != 0);
    assert(actions != 0);
    if (index >= z6->service_count) return Z6_UNKNOWN_SERVICE;
    struct z6_service *service = &z6->services[index];
    if (service->state == Z6_STATE_STARTING) {
        service->last_exit = (struct z6_exit){ .kind = Z6_EXIT_SPAWN_FAILED };
        service->limit_reached = crash_record(service, now_ns, (z6->bugs_mask & Z6_BUG_CRASH_LIMIT_LATE) != 0);
        z6_log(actions, index, Z6_LOG_EXIT, &service->last_exit);
        decide_next(z6, index, now_ns, actions);
    } else if (service->state == Z6_STATE_FINISHING && service->finish_pid == 0) {
        decide_next(z6, index, now_ns, actions);
    } else {
        return Z6_NOT_EXPECTED;
    }
    z6_settle(z6, now_ns, actions);
    return Z6_OK;
}

enum z6_result z6_exited(struct z6 *z6, u64 now_ns, u64 pid, struct z6_exit exit,
                         struct z6_actions *actions) {
    assert(z6 != 0);
    assert(exit.kind != Z6_EXIT_NONE); // a process ends with a code or a signal
    assert(exit.kind != Z6_EXIT_SPAWN_FAILED);
    if (pid == 0) return Z6_UNKNOWN_PID;
    for (u32 i = 0; i < z6->service_count; i++) {
        struct z6_service *service = &z6->services[i];
        if (service->pid == pid) {
            run_ended(z6, i, now_ns, exit, actions);
        } else if (service->finish_pid == pid) {
            service->finish_pid = 0;
            decide_next(z6, i, now_ns, actions);
        } else {
            continue;
        }
        z6_settle(z6, now_ns, actions);
        return Z6_OK;
    }
    return Z6_UNKNOWN_PID;
}

enum z6_result z6_ready(struct z6 *z6, u64 now_ns, u64 pid, struct z6_actions *actions) {
    assert(z6 != 0);
    assert(actions != 0);
    if (pid == 0) return Z6_UNKNOWN_PID;
    for (u32 i = 0; i < z6->service_count; i++) {
        struct z6_service *service = &z6->services[i];
        if (service->pid != pid) continue;
        if (service->state != Z6_STATE_UP || !service->config.notification) return Z6_NOT_EXPECTED;
        service->ready = true;
        z6_enter(service, Z6_STATE_READY, now_ns);
        z6_log(actions, i, Z6_LOG_READY, 0);
        z6_settle(z6, now_ns, actions);
        return Z6_OK;
    }
    return Z6_UNKNOWN_PID;
}

void z6_timer(struct z6 *z6, u64 now_ns, struct z6_actions *actions) {
    assert(z6 != 0);
    assert(actions != 0);
    z6->timer_armed_ns = 0; // the host's one-shot timer fired: send the next one again
    for (u32 i = 0; i < z6->service_count; i++) {
        struct z6_service *service = &z6->services[i];
        if (service->deadline_ns == 0 || now_ns < service->deadline_ns) continue;
        service->deadline_ns = 0;
        if (service->state == Z6_STATE_STOPPING && (z6->bugs_mask & Z6_BUG_KILL_NEVER) != 0) {
            continue; // the planted bug: the TERM-ignoring process runs on
        } else if (service->state == Z6_STATE_STOPPING) {
            z6_log(actions, i, Z6_LOG_KILL, 0);
            z6_push(actions, (struct z6_action){ .kind = Z6_ACTION_SIGNAL, .service = i,
                                                 .pid = service->pid, .signal = Z6_SIGNAL_KILL });
        } else if (service->state == Z6_STATE_FINISHING && service->finish_pid != 0) {
            z6_log(actions, i, Z6_LOG_FINISH_KILL, 0);
            z6_push(actions, (struct z6_action){ .kind = Z6_ACTION_SIGNAL, .service = i,
                                                 .pid = service->finish_pid, .signal = Z6_SIGNAL_KILL });
        } // backoff: z6_settle spawns it now
    }
    z6_settle(z6, now_ns, actions);
}
