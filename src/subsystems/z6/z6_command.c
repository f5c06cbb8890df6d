// Control commands (z6ctl's start, stop, restart, reset), as s6-svc and s6-rc mean
// them: start brings up the service and what it needs; stop brings down the service
// and what needs it (dependents first, z6_settle's order); restart sends TERM and
// respawns whatever the policy; reset forgets the crash record and leaves failed.
#include "subsystems/z6/internal.h"

static void want_up_with_dependencies(struct z6 *z6, u32 index) {
    assert(index < z6->service_count);
    assert(z6->services[index].error == Z6_LOAD_OK);
    u64 wanted = z6->services[index].requires_mask | (1ull << index);
    for (u32 j = 0; j < z6->service_count; j++) {
        if (wanted & (1ull << j)) z6->services[j].want_up = true;
    }
}

static void want_down_with_dependents(struct z6 *z6, u32 index) {
    assert(index < z6->service_count);
    assert(z6->service_count <= Z6_SERVICES_MAX);
    z6->services[index].want_up = false;
    for (u32 j = 0; j < z6->service_count; j++) {
        if (z6->services[j].requires_mask & (1ull << index)) z6->services[j].want_up = false;
    }
}

static void leave_failed(struct z6_service *service, u64 now_ns) {
    assert(service != 0);
    assert(service->error == Z6_LOAD_OK);
    service->death_count = 0;
    service->death_next = 0;
    service->limit_reached = false;
    if (service->state == Z6_STATE_FAILED) z6_enter(service, Z6_STATE_DOWN, now_ns);
}

STATIC_ASSERT(Z6_STATE_READY == Z6_STATE_UP + 1); // "up or ready" below is a range

// Restart of a running service: TERM now, respawn after the exit (and the delay).
void z6_restart_running(struct z6 *z6, u32 index, u64 now_ns, struct z6_actions *actions) {
    struct z6_service *service = &z6->services[index];
    assert(service->pid != 0);
    assert(service->state >= Z6_STATE_UP); // up or ready
    assert(service->state <= Z6_STATE_READY);
    service->restart_asked = true;
    z6_enter(service, Z6_STATE_STOPPING, now_ns);
    if (service->config.timeout_kill_ms != 0) {
        service->deadline_ns = now_ns + (u64)service->config.timeout_kill_ms * Z6_NS_PER_MS;
    }
    z6_log(actions, index, Z6_LOG_STOP, 0);
    z6_push(actions, (struct z6_action){ .kind = Z6_ACTION_SIGNAL, .service = index,
                                         .pid = service->pid, .signal = Z6_SIGNAL_TERM });
}

enum z6_result z6_command(struct z6 *z6, u64 now_ns, u32 index, enum z6_command command,
                          struct z6_actions *actions) {
    assert(z6 != 0);
    assert(command <= Z6_COMMAND_RESET);
    if (index >= z6->service_count) return Z6_UNKNOWN_SERVICE;
    struct z6_service *service = &z6->services[index];
    if (service->error != Z6_LOAD_OK) return Z6_REFUSED;
    if (service->retired) return Z6_REFUSED; // removed by a reload: only stopping
    bool starts = command == Z6_COMMAND_START || command == Z6_COMMAND_RESTART;
    if (starts && z6->shutting_down) return Z6_NOT_EXPECTED;
    switch (command) {
    case Z6_COMMAND_START:
        leave_failed(service, now_ns);
        want_up_with_dependencies(z6, index);
        break;
    case Z6_COMMAND_STOP:
        want_down_with_dependents(z6, index);
        break;
    case Z6_COMMAND_RESTART: {
        leave_failed(service, now_ns);
        want_up_with_dependencies(z6, index);
        bool running = service->state == Z6_STATE_UP || service->state == Z6_STATE_READY;
        if (running) z6_restart_running(z6, index, now_ns, actions);
        break;
    }
    case Z6_COMMAND_RESET:
        leave_failed(service, now_ns);
        service->restarts = 0;
        break;
    }
    z6_settle(z6, now_ns, actions);
    return Z6_OK;
}

const char *z6_state_name(enum z6_state state) {
    assert(state <= Z6_STATE_FAILED);
    // A switch, not a table of pointers (writable data in a PIE: see z6_load_error_name).
    switch (state) {
    case Z6_STATE_DOWN: return "down";
    case Z6_STATE_STARTING: return "starting";
    case Z6_STATE_UP: return "up";
    case Z6_STATE_READY: return "ready";
    case Z6_STATE_STOPPING: return "stopping";
    case Z6_STATE_FINISHING: return "finishing";
    case Z6_STATE_BACKOFF: return "backoff";
    case Z6_STATE_FAILED: return "failed";
    }
    assert(false); // every value has its case above
    return "";
}
