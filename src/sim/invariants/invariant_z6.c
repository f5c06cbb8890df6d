// The z6 invariants' model, fed by the kernel's z6 trace events (TRACE_Z6_*): a second
// account of the supervisor's rules (z6.h), kept apart from the engine, that judges
// each spawn, signal and exit as it is announced. Of the engine only what load fixed
// is read here (settings, dependency masks, refusals); its changing state only by the
// table check (invariant_z6_steps.c).
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/kernel.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "sim/violation.h"

#define NS_PER_MS 1000000ull

// What load fixed for a service: settings, dependency masks, refusal.
const struct z6_service *z6_loaded(const struct platform *node, u32 index) {
    assert(index < Z6_SERVICES_MAX);
    assert(index < node->kernel.z6.engine.service_count);
    return &node->kernel.z6.engine.services[index];
}

__attribute__((format(printf, 4, 5))) void z6_violation(struct sim *sim, struct platform *node, u32 invariant,
                                                        const char *format, ...) {
    assert(invariant < INVARIANT_COUNT);
    assert(format != NULL);
    char detail[INVARIANT_DETAIL_BYTES_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(detail, sizeof detail, format, args);
    va_end(args);
    sim_violation(sim, node, invariant, detail);
}

// Usable by a dependent: runs, is not being stopped, and is ready when it notifies.
static bool usable(const struct platform *node, u32 index) {
    const struct z6_service_shadow *service = &node->invariants.z6.services[index];
    assert(index < node->invariants.z6.count);
    if (service->run_pid == 0 || service->term_sent) return false;
    return !z6_loaded(node, index)->config.notification || service->ready;
}

// True when every dependency is usable; else *missing names one that is not.
bool z6_dependencies_usable(const struct platform *node, u32 index, u32 *missing) {
    u64 mask = z6_loaded(node, index)->dependencies_mask;
    assert(missing != NULL);
    for (u32 j = 0; j < node->invariants.z6.count; j++) {
        if ((mask & (1ull << j)) == 0 || usable(node, j)) continue;
        *missing = j;
        return false;
    }
    return true;
}

static const char *name_of(const struct platform *node, u32 index) {
    return z6_loaded(node, index)->config.name;
}

// A spawn is owed: by the end of the restart delay (from the last spawn) plus slack.
static void owe_spawn(struct platform *node, u32 index, u64 now_ns) {
    struct z6_shadow *shadow = &node->invariants.z6;
    struct z6_service_shadow *service = &shadow->services[index];
    assert(index < shadow->count);
    if (!service->want_up || service->failed || !service->known) return;
    if (service->run_pid != 0 || service->finish_pid != 0 || service->finishing) return;
    u64 delay_ns = (u64)z6_loaded(node, index)->config.restart_delay_ms * NS_PER_MS;
    u64 due_ns = now_ns;
    // The engine's delay runs from its spawn decision, which no later than the spawn's
    // announcement: a failed spawn's too (its decision time is not traced).
    if (service->attempted_ever && service->last_attempt_ns + delay_ns > due_ns) due_ns = service->last_attempt_ns + delay_ns;
    if (service->restart_due_ns == 0) shadow->timed++;
    if (service->restart_due_ns == 0 || due_ns < service->restart_due_ns) service->restart_due_ns = due_ns;
}

void z6_spawn_settled(struct platform *node, u32 index) {
    struct z6_shadow *shadow = &node->invariants.z6;
    assert(index < shadow->count);
    if (shadow->services[index].restart_due_ns != 0) shadow->timed--;
    shadow->services[index].restart_due_ns = 0;
}

static void boot(struct sim *sim, struct platform *node, u32 count, u64 now_ns) {
    struct z6_shadow *shadow = &node->invariants.z6;
    assert(count <= Z6_SERVICES_MAX);
    assert(count == node->kernel.z6.engine.service_count);
    memset(shadow, 0, sizeof *shadow);
    shadow->booted = true;
    shadow->count = count;
    sim->z6.boots++;
    for (u32 i = 0; i < count; i++) {
        struct z6_service_shadow *service = &shadow->services[i];
        const struct z6_service *loaded = z6_loaded(node, i);
        service->known = loaded->error == Z6_LOAD_OK;
        service->want_up = service->known && !loaded->config.down;
        owe_spawn(node, i, now_ns);
    }
}

// A reload (z6_reload, z6.h): each account moves with its service to its new index; a
// new one starts as at boot. What a reload decides is the engine's rule, not a rule the
// model keeps apart: which services it wants up (new ones unless down, the removed
// ones not) and which it restarts (changed and running) are taken from the engine.
// From there on the model judges them as any other.
static void reload(struct platform *node, u32 count, u32 old_count, u64 now_ns) {
    struct z6_shadow *shadow = &node->invariants.z6;
    const struct z6_reload_counts *counts = &node->kernel.z6.reload_counts;
    assert(count == node->kernel.z6.engine.service_count);
    assert(old_count == counts->old_count);
    memcpy(shadow->moving, shadow->services, sizeof shadow->moving);
    memset(shadow->services, 0, sizeof shadow->services);
    u64 moved_mask = 0;
    for (u32 j = 0; j < old_count && j < shadow->count; j++) {
        u32 to = counts->moved_to[j];
        if (to >= count) continue;
        shadow->services[to] = shadow->moving[j];
        moved_mask |= 1ull << to;
    }
    shadow->count = count;
    shadow->timed = 0;
    for (u32 i = 0; i < count; i++) {
        struct z6_service_shadow *service = &shadow->services[i];
        const struct z6_service *loaded = z6_loaded(node, i);
        service->known = loaded->error == Z6_LOAD_OK && !loaded->retired;
        service->want_up = service->known && loaded->want_up;
        service->restart_asked = loaded->restart_asked;
        if ((moved_mask & (1ull << i)) == 0) service->allowed_down = false;
        service->restart_due_ns = 0;
        if (service->term_sent) shadow->timed++;
        owe_spawn(node, i, now_ns);
    }
}

// Records a crash; true when it makes crash_deaths within crash_window_ms (z6.h's rule).
static bool crash_record(struct platform *node, u32 index, u64 now_ns) {
    struct z6_service_shadow *service = &node->invariants.z6.services[index];
    const struct z6_config *config = &z6_loaded(node, index)->config;
    assert(config->crash_deaths >= 1);
    assert(config->crash_deaths <= Z6_CRASH_DEATHS_MAX);
    service->crash_ns[service->crash_next] = now_ns;
    service->crash_next = (service->crash_next + 1) % Z6_CRASH_DEATHS_MAX;
    if (service->crash_count < Z6_CRASH_DEATHS_MAX) service->crash_count++;
    if (service->crash_count < config->crash_deaths) return false;
    u64 oldest_ns = service->crash_ns[(service->crash_next + Z6_CRASH_DEATHS_MAX - config->crash_deaths) % Z6_CRASH_DEATHS_MAX];
    return now_ns - oldest_ns < (u64)config->crash_window_ms * NS_PER_MS;
}

static bool exit_failure(u32 kind, u32 value) {
    assert(kind <= Z6_EXIT_SPAWN_FAILED);
    assert(kind != Z6_EXIT_NONE);
    return kind != Z6_EXIT_CODE || value != 0;
}

// After the run (and its finish): failed, restarted, or down.
static void decide(struct sim *sim, struct platform *node, u32 index, u64 now_ns) {
    struct z6_service_shadow *service = &node->invariants.z6.services[index];
    enum z6_restart restart = z6_loaded(node, index)->config.restart;
    assert(service->run_pid == 0);
    assert(service->finish_pid == 0);
    bool restart_asked = service->restart_asked;
    service->restart_asked = false;
    service->finishing = false;
    if (service->limit_reached) {
        service->failed = true;
        sim->z6.failed++;
        return;
    }
    bool failure = exit_failure(service->last_exit_kind, service->last_exit_value);
    bool policy = restart == Z6_RESTART_ALWAYS || (restart == Z6_RESTART_ON_FAILURE && failure);
    if (service->want_up && (restart_asked || policy)) {
        owe_spawn(node, index, now_ns);
        return;
    }
    service->want_up = false;
}

static void run_ended(struct sim *sim, struct platform *node, u32 index, u32 kind, u32 value, u64 now_ns) {
    struct z6_service_shadow *service = &node->invariants.z6.services[index];
    assert(kind != Z6_EXIT_NONE);
    bool caused_by_z6 = service->term_sent;
    if (service->term_sent) node->invariants.z6.timed--;
    service->run_pid = 0;
    service->ready = false;
    service->term_sent = false;
    service->last_exit_kind = kind;
    service->last_exit_value = value;
    bool failure = exit_failure(kind, value);
    if (!caused_by_z6 && failure) sim->z6.crashes++;
    if (!caused_by_z6 && !failure) sim->z6.clean_exits++;
    service->limit_reached = !caused_by_z6 && failure && crash_record(node, index, now_ns);
    if (kind != Z6_EXIT_SPAWN_FAILED && z6_loaded(node, index)->config.has_finish) {
        service->finishing = true;
        return;
    }
    decide(sim, node, index, now_ns);
}

// A run spawn, held to the rules before the model takes it in.
static void run_spawn_check(struct sim *sim, struct platform *node, u32 index, u64 now_ns) {
    const struct z6_service_shadow *service = &node->invariants.z6.services[index];
    const struct z6_config *config = &z6_loaded(node, index)->config;
    assert(service->known);
    sim->invariant_checks[INV_Z6_DOWN_NOT_STARTED]++;
    if (config->down && !service->allowed_down) {
        z6_violation(sim, node, INV_Z6_DOWN_NOT_STARTED, "%s (down) spawned with no start command for it this boot",
                     config->name);
    }
    sim->invariant_checks[INV_Z6_CRASH_LIMIT]++;
    if (service->failed) {
        z6_violation(sim, node, INV_Z6_CRASH_LIMIT, "%s spawned after %u crashes within %u ms (its limit) and no start or reset",
                     config->name, config->crash_deaths, config->crash_window_ms);
    }
    sim->invariant_checks[INV_Z6_RESTART_POLICY]++;
    if (!service->want_up) {
        z6_violation(sim, node, INV_Z6_RESTART_POLICY, "%s spawned unwanted (restart %u, last exit kind %u value %u)",
                     config->name, (u32)config->restart, service->last_exit_kind, service->last_exit_value);
    }
    sim->invariant_checks[INV_Z6_DEPENDENCIES_FIRST]++;
    u32 missing = 0;
    if (!z6_dependencies_usable(node, index, &missing)) {
        z6_violation(sim, node, INV_Z6_DEPENDENCIES_FIRST, "%s spawned while its dependency %s is not usable",
                     config->name, name_of(node, missing));
    }
    sim->invariant_checks[INV_Z6_RESTART_DELAY_MONOTONIC]++;
    u64 delay_ns = (u64)config->restart_delay_ms * NS_PER_MS;
    if (service->spawned_ever && now_ns - service->last_spawn_ns < delay_ns) {
        z6_violation(sim, node, INV_Z6_RESTART_DELAY_MONOTONIC,
                     "%s spawned %" PRIu64 " ns after its last spawn (monotonic), restart delay %u ms", config->name,
                     now_ns - service->last_spawn_ns, config->restart_delay_ms);
    }
}

static void spawned(struct sim *sim, struct platform *node, const struct trace_event *event, u64 now_ns) {
    u32 index = (u32)event->a;
    struct z6_service_shadow *service = &node->invariants.z6.services[index];
    assert(event->c <= 1);
    if (event->c == 1) { // finish
        service->finish_pid = event->b;
        if (event->b != 0) sim->z6.finishes++;
        if (event->b == 0) decide(sim, node, index, now_ns);
        return;
    }
    run_spawn_check(sim, node, index, now_ns);
    z6_spawn_settled(node, index);
    service->attempted_ever = true;
    service->last_attempt_ns = now_ns;
    if (event->b == 0) {
        sim->z6.spawn_failures++;
        run_ended(sim, node, index, Z6_EXIT_SPAWN_FAILED, 0, now_ns);
        return;
    }
    sim->z6.spawns++;
    if (service->spawned_ever) sim->z6.restarts++;
    service->spawned_ever = true;
    service->last_spawn_ns = now_ns;
    service->run_pid = event->b;
}

static void exited(struct sim *sim, struct platform *node, const struct trace_event *event, u64 now_ns) {
    u32 index = (u32)event->a;
    struct z6_service_shadow *service = &node->invariants.z6.services[index];
    u32 kind = (u32)((event->c & ~TRACE_Z6_EXIT_FINISH) >> TRACE_Z6_EXIT_KIND_SHIFT);
    u32 value = (u32)(event->c & TRACE_Z6_EXIT_VALUE_MASK);
    sim->invariant_checks[INV_Z6_TABLE_MATCHES_PROCESSES]++;
    if ((event->c & TRACE_Z6_EXIT_FINISH) != 0) {
        if (event->b != service->finish_pid) {
            z6_violation(sim, node, INV_Z6_TABLE_MATCHES_PROCESSES, "%s: finish pid %" PRIu64 " ended, the trace gave %" PRIu64,
                         name_of(node, index), event->b, service->finish_pid);
        }
        service->finish_pid = 0;
        decide(sim, node, index, now_ns);
        return;
    }
    if (event->b != service->run_pid) {
        z6_violation(sim, node, INV_Z6_TABLE_MATCHES_PROCESSES, "%s: run pid %" PRIu64 " ended, the trace gave %" PRIu64,
                     name_of(node, index), event->b, service->run_pid);
    }
    run_ended(sim, node, index, kind, value, now_ns);
}

// A stop's TERM waits for every dependent's processes (a restart's does not).
static void term_check(struct sim *sim, struct platform *node, u32 index) {
    const struct z6_shadow *shadow = &node->invariants.z6;
    assert(index < shadow->count);
    sim->invariant_checks[INV_Z6_DEPENDENCIES_FIRST]++;
    if (shadow->services[index].restart_asked) return;
    for (u32 j = 0; j < shadow->count; j++) {
        if ((z6_loaded(node, j)->dependencies_mask & (1ull << index)) == 0) continue;
        const struct z6_service_shadow *dependent = &shadow->services[j];
        if (dependent->run_pid == 0 && dependent->finish_pid == 0) continue;
        z6_violation(sim, node, INV_Z6_DEPENDENCIES_FIRST, "%s stopped (TERM) while its dependent %s still runs (pid %" PRIu64 ")",
                     name_of(node, index), name_of(node, j), dependent->run_pid != 0 ? dependent->run_pid : dependent->finish_pid);
    }
}

static void signaled(struct sim *sim, struct platform *node, const struct trace_event *event, u64 now_ns) {
    u32 index = (u32)event->a;
    struct z6_service_shadow *service = &node->invariants.z6.services[index];
    assert(event->c <= ABI_SIGTERM); // TERM or KILL
    assert(index < node->invariants.z6.count);
    sim->invariant_checks[INV_Z6_TABLE_MATCHES_PROCESSES]++;
    if (event->b == 0 || (event->b != service->run_pid && event->b != service->finish_pid)) {
        z6_violation(sim, node, INV_Z6_TABLE_MATCHES_PROCESSES, "%s: signal %" PRIu64 " to pid %" PRIu64
                     ", not its run (%" PRIu64 ") nor its finish (%" PRIu64 ")", name_of(node, index), event->c,
                     event->b, service->run_pid, service->finish_pid);
    }
    if (event->c == ABI_SIGKILL) {
        sim->z6.kills++;
        return;
    }
    sim->z6.terms++;
    term_check(sim, node, index);
    if (service->term_sent) return;
    service->term_sent = true;
    service->term_ns = now_ns;
    node->invariants.z6.timed++;
}

static void leave_failed(struct z6_service_shadow *service) {
    assert(service != NULL);
    assert(service->known);
    service->crash_count = 0;
    service->crash_next = 0;
    service->limit_reached = false;
    service->failed = false;
}

// The service and what it needs are wanted up; each without a process is owed a spawn.
static void want_up(struct platform *node, u32 index, u64 now_ns) {
    struct z6_shadow *shadow = &node->invariants.z6;
    u64 wanted = z6_loaded(node, index)->requires_mask | (1ull << index);
    assert(index < shadow->count);
    for (u32 j = 0; j < shadow->count; j++) {
        if ((wanted & (1ull << j)) == 0) continue;
        shadow->services[j].want_up = true;
        shadow->services[j].allowed_down = true;
        owe_spawn(node, j, now_ns);
    }
}

static void commanded(struct sim *sim, struct platform *node, const struct trace_event *event, u64 now_ns) {
    struct z6_shadow *shadow = &node->invariants.z6;
    u32 index = (u32)event->a;
    struct z6_service_shadow *service = &shadow->services[index];
    assert(event->b <= Z6_COMMAND_RESET);
    if (event->c != Z6_OK) return; // refused: nothing changed
    sim->z6.commands++;
    if (event->b == Z6_COMMAND_STOP) {
        for (u32 j = 0; j < shadow->count; j++) {
            if (j != index && (z6_loaded(node, j)->requires_mask & (1ull << index)) == 0) continue;
            shadow->services[j].want_up = false;
            z6_spawn_settled(node, j);
        }
        return;
    }
    leave_failed(service);
    if (event->b == Z6_COMMAND_RESET) {
        owe_spawn(node, index, now_ns);
        return;
    }
    if (event->b == Z6_COMMAND_RESTART && service->run_pid != 0 && !service->term_sent) service->restart_asked = true;
    want_up(node, index, now_ns);
}

void z6_on_event(struct sim *sim, struct platform *node, const struct trace_event *event) {
    struct z6_shadow *shadow = &node->invariants.z6;
    assert(sim != NULL);
    assert(event != NULL);
    u64 now_ns = platform_monotonic_ns(node);
    if (event->kind == TRACE_EXIT) {
        shadow->table_due = true;
        return;
    }
    if (event->kind == TRACE_Z6_BOOT) {
        boot(sim, node, (u32)event->a, now_ns);
        return;
    }
    if (event->kind == TRACE_Z6_RELOAD) {
        reload(node, (u32)event->a, (u32)event->b, now_ns);
        z6_log_reloaded(node); // z6_log_lines_kept's shadows move alike
        return;
    }
    if (!shadow->booted || event->a >= shadow->count) {
        z6_violation(sim, node, INV_Z6_TABLE_MATCHES_PROCESSES, "z6 event %u for service %" PRIu64 " of %u (booted %d)",
                     event->kind, event->a, shadow->count, shadow->booted);
    }
    shadow->table_due = true;
    switch (event->kind) {
    case TRACE_Z6_SPAWN: spawned(sim, node, event, now_ns); break;
    case TRACE_Z6_EXIT: exited(sim, node, event, now_ns); break;
    case TRACE_Z6_SIGNAL: signaled(sim, node, event, now_ns); break;
    case TRACE_Z6_READY: shadow->services[event->a].ready = true; break;
    case TRACE_Z6_COMMAND: commanded(sim, node, event, now_ns); break;
    default: break; // TRACE_Z6_STATE: the engine's account, not the model's
    }
}
