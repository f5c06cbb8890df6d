// What z6 does on its own after every event: each service, in index order, is spawned
// when it wants up, its dependencies are usable and its restart delay has passed; is
// sent TERM when it no longer wants up and no dependent still runs; and the timer is
// sent when the earliest deadline changed.
#include "subsystems/z6/internal.h"

void z6_push(struct z6_actions *actions, struct z6_action action) {
    assert(actions != 0);
    assert(actions->count < actions->capacity);
    actions->items[actions->count] = action;
    actions->count++;
}

void z6_log(struct z6_actions *actions, u32 service, enum z6_log_what what,
            const struct z6_exit *exit) {
    assert(service < Z6_SERVICES_MAX);
    assert(what <= Z6_LOG_DOWN);
    struct z6_action action = { .kind = Z6_ACTION_LOG, .service = service, .what = what };
    if (exit != 0) action.exit = *exit;
    z6_push(actions, action);
}

void z6_enter(struct z6_service *service, enum z6_state state, u64 now_ns) {
    assert(service != 0);
    assert(state <= Z6_STATE_FAILED);
    service->state = state;
    service->state_since_ns = now_ns;
    service->deadline_ns = 0;
}

// Usable by a dependent: up, and ready too when it notifies readiness.
static bool usable(const struct z6_service *service) {
    assert(service != 0);
    assert(service->error == Z6_LOAD_OK);
    if (service->state == Z6_STATE_READY) return true;
    return service->state == Z6_STATE_UP && !service->config.notification;
}

static bool dependencies_usable(const struct z6 *z6, const struct z6_service *service) {
    assert(service->error == Z6_LOAD_OK);
    assert(z6->service_count <= Z6_SERVICES_MAX);
    for (u32 j = 0; j < z6->service_count; j++) {
        if ((service->dependencies_mask & (1ull << j)) == 0) continue;
        if (!usable(&z6->services[j])) return false;
    }
    return true;
}

// A dependent still has a process (run or finish), or is about to: stop waits for it.
static bool dependents_running(const struct z6 *z6, u32 index) {
    assert(index < z6->service_count);
    assert(z6->service_count <= Z6_SERVICES_MAX);
    for (u32 j = 0; j < z6->service_count; j++) {
        const struct z6_service *dependent = &z6->services[j];
        if ((dependent->dependencies_mask & (1ull << index)) == 0) continue;
        enum z6_state state = dependent->state;
        if (state == Z6_STATE_STARTING || state == Z6_STATE_UP || state == Z6_STATE_READY) return true;
        if (state == Z6_STATE_STOPPING || state == Z6_STATE_FINISHING) return true;
    }
    return false;
}

// Has the restart delay passed since the last spawn? If not, *due_ns says when.
static bool delay_passed(const struct z6 *z6, const struct z6_service *service, u64 now_ns,
                         u64 *due_ns) {
    assert(service != 0);
    assert(due_ns != 0);
    if (!service->spawned_ever) return true;
    u64 delay_ns = (u64)service->config.restart_delay_ms * Z6_NS_PER_MS;
    if ((z6->bugs_mask & Z6_BUG_REALTIME_DELAY) != 0) {
        // The planted bug: realtime, unsigned. A step forward makes it pass at once.
        u64 elapsed_ns = z6->realtime_ns - service->last_spawn_realtime_ns;
        if (elapsed_ns >= delay_ns) return true;
        *due_ns = now_ns + (delay_ns - elapsed_ns);
        return false;
    }
    *due_ns = service->last_spawn_ns + delay_ns;
    return now_ns >= *due_ns;
}

static void spawn_if_due(struct z6 *z6, u32 index, u64 now_ns, struct z6_actions *actions) {
    struct z6_service *service = &z6->services[index];
    bool resting = service->state == Z6_STATE_DOWN || service->state == Z6_STATE_BACKOFF;
    assert(service->want_up);
    assert(resting);
    bool ignore_dependencies = (z6->bugs_mask & Z6_BUG_DEPENDENCY_IGNORED) != 0; // planted bug
    if (!ignore_dependencies && !dependencies_usable(z6, service)) return;
    u64 due_ns = 0;
    if (!delay_passed(z6, service, now_ns, &due_ns)) {
        if (service->state != Z6_STATE_BACKOFF) z6_enter(service, Z6_STATE_BACKOFF, now_ns);
        service->deadline_ns = due_ns;
        return;
    }
    if (service->spawned_ever) service->restarts++;
    service->spawned_ever = true;
    service->last_spawn_ns = now_ns;
    service->last_spawn_realtime_ns = z6->realtime_ns;
    service->ready = false;
    z6_enter(service, Z6_STATE_STARTING, now_ns);
    z6_log(actions, index, Z6_LOG_SPAWN, 0);
    z6_push(actions, (struct z6_action){ .kind = Z6_ACTION_SPAWN_RUN, .service = index });
}

static void stop_if_free(struct z6 *z6, u32 index, u64 now_ns, struct z6_actions *actions) {
    struct z6_service *service = &z6->services[index];
    assert(!service->want_up);
    assert(service->pid != 0);
    if (dependents_running(z6, index)) return; // dependents first
    u64 pid = service->pid;
    service->stop_asked = true;
    z6_enter(service, Z6_STATE_STOPPING, now_ns);
    if (service->config.timeout_kill_ms != 0) {
        service->deadline_ns = now_ns + (u64)service->config.timeout_kill_ms * Z6_NS_PER_MS;
    }
    z6_log(actions, index, Z6_LOG_STOP, 0);
    z6_push(actions, (struct z6_action){ .kind = Z6_ACTION_SIGNAL, .service = index, .pid = pid,
                                         .signal = Z6_SIGNAL_TERM });
}

static void settle_service(struct z6 *z6, u32 index, u64 now_ns, struct z6_actions *actions) {
    struct z6_service *service = &z6->services[index];
    assert(index < z6->service_count);
    assert(service->state <= Z6_STATE_FAILED);
    if (service->error != Z6_LOAD_OK) return;
    switch (service->state) {
    case Z6_STATE_DOWN:
    case Z6_STATE_BACKOFF:
        if (service->want_up) {
            spawn_if_due(z6, index, now_ns, actions);
        } else if (service->state == Z6_STATE_BACKOFF) {
            z6_enter(service, Z6_STATE_DOWN, now_ns);
            z6_log(actions, index, Z6_LOG_DOWN, 0);
        }
        return;
    case Z6_STATE_UP:
    case Z6_STATE_READY:
        if (!service->want_up) stop_if_free(z6, index, now_ns, actions);
        return;
    default:
        return; // starting, stopping, finishing, failed: waiting for an event
    }
}

void z6_settle(struct z6 *z6, u64 now_ns, struct z6_actions *actions) {
    assert(z6 != 0);
    assert(actions != 0);
    for (u32 i = 0; i < z6->service_count; i++) settle_service(z6, i, now_ns, actions);
    u64 next_ns = z6_next_deadline(z6);
    if (next_ns == z6->timer_armed_ns) return;
    z6->timer_armed_ns = next_ns;
    z6_push(actions, (struct z6_action){ .kind = Z6_ACTION_SET_TIMER, .deadline_ns = next_ns });
}

u64 z6_next_deadline(const struct z6 *z6) {
    assert(z6 != 0);
    assert(z6->service_count <= Z6_SERVICES_MAX);
    u64 next_ns = 0;
    for (u32 i = 0; i < z6->service_count; i++) {
        u64 deadline_ns = z6->services[i].deadline_ns;
        if (deadline_ns != 0 && (next_ns == 0 || deadline_ns < next_ns)) next_ns = deadline_ns;
    }
    return next_ns;
}
