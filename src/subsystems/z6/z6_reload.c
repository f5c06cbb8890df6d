// z6_reload: the configuration read again after the boot (z6ctl reload). The new table
// is loaded and validated as at boot (z6_load), then each service found by name in the
// old table takes its old state back, so that what runs keeps running; what the new
// table lacks is retired: kept after the new services until its processes ended.
#include "subsystems/z6/internal.h"

#include "kernel/lib/mem.h"

// The old index of the accepted service named name (old->service_count: none). A
// name may also be on a refused entry (the one a reload refused, its process retired
// after the table): that one never ran, so it is not the service's old self.
static u32 old_index_of(const struct z6 *old, const char *name) {
    assert(old != 0);
    assert(name != 0);
    for (u32 j = 0; j < old->service_count; j++) {
        const struct z6_service *service = &old->services[j];
        if (service->error == Z6_LOAD_OK && str_equal(service->config.name, name)) return j;
    }
    return old->service_count;
}

// Dependencies compared by name: indexes move when services come and go.
static bool same_dependencies(const struct z6 *old, const struct z6_config *was,
                              const struct z6 *z6, const struct z6_config *now) {
    assert(was->dependency_count <= Z6_DEPENDENCIES_MAX);
    assert(now->dependency_count <= Z6_DEPENDENCIES_MAX);
    if (was->dependency_count != now->dependency_count) return false;
    for (u32 d = 0; d < now->dependency_count; d++) {
        u32 a = was->dependencies[d];
        u32 b = now->dependencies[d];
        if (a >= old->service_count || b >= z6->service_count) return false;
        if (!str_equal(old->services[a].config.name, z6->services[b].config.name)) return false;
    }
    return true;
}

// down is left out: it says what the boot does, and a kept service keeps its wish.
static bool same_config(const struct z6 *old, const struct z6_config *was, const struct z6 *z6,
                        const struct z6_config *now) {
    assert(was != 0);
    assert(now != 0);
    if (was->restart != now->restart || was->restart_delay_ms != now->restart_delay_ms) return false;
    if (was->crash_deaths != now->crash_deaths || was->crash_window_ms != now->crash_window_ms) return false;
    if (was->timeout_kill_ms != now->timeout_kill_ms) return false;
    if (was->timeout_finish_ms != now->timeout_finish_ms) return false;
    if (was->has_finish != now->has_finish || was->notification != now->notification) return false;
    if (was->uid != now->uid || was->invalid != now->invalid) return false;
    return same_dependencies(old, was, z6, now);
}

// The old service's life (state, processes, wish, crash record) into the new entry,
// whose configuration and load results stay the new ones.
static void take_state(struct z6_service *service, const struct z6_service *old) {
    assert(service != 0);
    assert(old != 0);
    struct z6_config config = service->config;
    enum z6_load_error error = service->error;
    u64 dependencies_mask = service->dependencies_mask;
    u64 requires_mask = service->requires_mask;
    *service = *old;
    service->config = config;
    service->error = error;
    service->dependencies_mask = dependencies_mask;
    service->requires_mask = requires_mask;
    service->retired = false;
}

// An old service still has a process, or is about to have one.
static bool old_busy(const struct z6_service *old) {
    assert(old != 0);
    assert(old->state <= Z6_STATE_FAILED);
    if (old->pid != 0 || old->finish_pid != 0) return true;
    return old->state == Z6_STATE_STARTING || old->state == Z6_STATE_FINISHING;
}

// new_index[j]: where old service j went (Z6_SERVICES_MAX: dropped). Retired ones are
// the busy old services no accepted new one took over. Returns the retired count.
static u32 plan(const struct z6 *old, const struct z6 *z6, u32 *new_index) {
    assert(old->service_count <= Z6_SERVICES_MAX);
    assert(z6->service_count <= Z6_SERVICES_MAX);
    for (u32 j = 0; j < old->service_count; j++) new_index[j] = Z6_SERVICES_MAX;
    for (u32 i = 0; i < z6->service_count; i++) {
        u32 j = old_index_of(old, z6->services[i].config.name);
        bool takes = j < old->service_count && z6->services[i].error == Z6_LOAD_OK;
        if (takes && new_index[j] == Z6_SERVICES_MAX) new_index[j] = i;
    }
    u32 retired = 0;
    for (u32 j = 0; j < old->service_count; j++) {
        if (new_index[j] != Z6_SERVICES_MAX || !old_busy(&old->services[j])) continue;
        new_index[j] = z6->service_count + retired; // may pass the table: checked after
        retired++;
    }
    return retired;
}

// A mask over old indexes, moved to new ones (dropped services fall out).
static u64 remap_mask(u64 mask, const struct z6 *old, const u32 *new_index) {
    assert(old->service_count <= Z6_SERVICES_MAX);
    assert(new_index != 0);
    u64 moved = 0;
    for (u32 j = 0; j < old->service_count; j++) {
        if ((mask & (1ull << j)) && new_index[j] < Z6_SERVICES_MAX) moved |= 1ull << new_index[j];
    }
    return moved;
}

// The busy removed ones after the new table: stopped (settle sends TERM, dependents
// first among them), inert once at rest.
static void retire(struct z6 *z6, const struct z6 *old, const u32 *new_index, u32 retired) {
    assert(z6->service_count + retired <= Z6_SERVICES_MAX);
    assert(new_index != 0);
    u32 first = z6->service_count;
    for (u32 j = 0; j < old->service_count; j++) {
        u32 i = new_index[j];
        if (i < first || i >= Z6_SERVICES_MAX) continue;
        struct z6_service *service = &z6->services[i];
        *service = old->services[j];
        service->retired = true;
        service->want_up = false;
        service->restart_asked = false;
        service->error = Z6_LOAD_OK; // its old load was accepted: it had processes
        service->config.dependency_count = 0; // old indexes: meaningless now
        service->dependencies_mask = remap_mask(old->services[j].dependencies_mask, old, new_index);
        service->requires_mask = 0; // nothing can start it again
    }
    z6->service_count = first + retired;
}

// Each new service takes its old self's state back (or starts as at boot); a changed
// one that runs is restarted. Counts what happened.
static void carry_over(struct z6 *z6, const struct z6 *old, u64 now_ns,
                       struct z6_reload_counts *counts, struct z6_actions *actions) {
    assert(z6->service_count <= Z6_SERVICES_MAX);
    assert(counts != 0);
    for (u32 i = 0; i < z6->service_count; i++) {
        struct z6_service *service = &z6->services[i];
        service->state_since_ns = now_ns;
        if (service->error != Z6_LOAD_OK) continue;
        u32 j = old_index_of(old, service->config.name);
        if (j == old->service_count) { // new, or refused before: as at boot
            service->want_up = !service->config.down;
            counts->added++;
            continue;
        }
        const struct z6_service *was = &old->services[j];
        take_state(service, was);
        if (was->retired) { // removed, and back before it stopped: wanted as a new one
            service->want_up = !service->config.down;
            service->restart_asked = service->want_up && service->pid != 0;
            counts->added++;
        } else if (same_config(old, &was->config, z6, &service->config)) {
            counts->kept++;
        } else {
            counts->changed++;
            bool running = service->state == Z6_STATE_UP || service->state == Z6_STATE_READY;
            if (running) z6_restart_running(z6, i, now_ns, actions);
        }
    }
}

enum z6_result z6_reload(struct z6 *z6, struct z6 *scratch, u64 now_ns,
                         const struct z6_config *configs, u32 count, enum z6_load_error *errors,
                         struct z6_reload_counts *counts, struct z6_actions *actions) {
    assert(z6 != 0);
    assert(scratch != 0);
    if (!z6->booted || z6->shutting_down) return Z6_NOT_EXPECTED;
    *scratch = *z6;
    *counts = (struct z6_reload_counts){ 0 };
    counts->refused = z6_load(z6, configs, count, errors);
    u32 new_index[Z6_SERVICES_MAX];
    u32 retired = plan(scratch, z6, new_index);
    if (count + retired > Z6_SERVICES_MAX) {
        *z6 = *scratch;
        return Z6_FULL;
    }
    z6->booted = true;
    z6->timer_armed_ns = scratch->timer_armed_ns;
    z6->bugs_mask = scratch->bugs_mask;
    z6->realtime_ns = scratch->realtime_ns;
    for (u32 j = 0; j < scratch->service_count; j++) {
        bool dropped = new_index[j] == Z6_SERVICES_MAX || new_index[j] >= count;
        const struct z6_service *was = &scratch->services[j];
        if (dropped && was->error == Z6_LOAD_OK && !was->retired) counts->removed++;
    }
    counts->old_count = scratch->service_count;
    for (u32 j = 0; j < scratch->service_count; j++) counts->moved_to[j] = new_index[j];
    carry_over(z6, scratch, now_ns, counts, actions);
    retire(z6, scratch, new_index, retired);
    z6_settle(z6, now_ns, actions);
    return Z6_OK;
}
