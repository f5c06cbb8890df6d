// The kernel's side of z6: events into the engine, its actions carried out. A spawn's
// answer (pid or error) is itself an event that may bring more actions (a dependent
// starts once its dependency is up), so answers wait in a bounded queue and are given
// to the engine one at a time until none is left: no recursion, one action buffer.
#include "kernel/z6/internal.h"

#include "kernel/bugs.h"
#include "kernel/lib/format.h"
#include "kernel/lib/mem.h"
#include "kernel/proc/clock.h"
#include "kernel/proc/proc.h"
#include "kernel/syscall.h"
#include "kernel/users/accounts.h"

#define SIGNAL_SEGV 11
#define SIGNAL_ILL 4
#define SIGNAL_BUS 7
#define SIGNAL_TRAP 5
#define FINISH_CODE_SIGNALED 256 // s6's first finish argument after a death by signal
#define FINISH_CODE_SPAWN_FAILED 127 // as a shell says of a program it could not run
#define NUMBER_BYTES_MAX 12

static struct z6_actions actions_fresh(struct kernel *k) {
    return (struct z6_actions){.items = k->z6.action_items, .capacity = Z6_ACTIONS_MAX, .count = 0};
}

// The monotonic time of an event; the engine's realtime too (read only by a planted bug).
static u64 event_clock(struct kernel *k) {
    assert(k != NULL);
    k->z6.engine.realtime_ns = platform_realtime_ns(k->platform);
    return kernel_monotonic_ns(k);
}

// Each state change since the last call, traced (one place: before every event's
// actions are carried out, so a change reads before the spawn or signal it brings).
static void trace_states(struct kernel *k) {
    assert(k->z6.engine.service_count <= Z6_SERVICES_MAX);
    for (u32 i = 0; i < k->z6.engine.service_count; i++) {
        u8 state = (u8)k->z6.engine.services[i].state;
        if (state == k->z6.traced_states[i]) continue;
        observe_trace(k->platform, TRACE_Z6_STATE, i, k->z6.traced_states[i], state);
        k->z6.traced_states[i] = state;
    }
}

static const char *service_name(const struct kernel *k, u32 service) {
    assert(service < k->z6.engine.service_count);
    return k->z6.engine.services[service].config.name;
}

// Starts the service's run or finish as its user; the answer waits in the queue.
static void spawn(struct kernel *k, const struct z6_action *action, bool finish) {
    const struct z6_service *service = &k->z6.engine.services[action->service];
    struct spawn_args args = {.count = 1};
    str_copy(args.strings[0], ABI_ARG_LEN_MAX, finish ? "finish" : "run");
    if (finish) {
        const struct z6_exit *exit = &action->exit;
        u32 code = exit->kind == Z6_EXIT_CODE ? exit->code : FINISH_CODE_SIGNALED;
        if (exit->kind == Z6_EXIT_SPAWN_FAILED) code = FINISH_CODE_SPAWN_FAILED;
        format(args.strings[1], ABI_ARG_LEN_MAX, "%u", code);
        format(args.strings[2], ABI_ARG_LEN_MAX, "%u", exit->kind == Z6_EXIT_SIGNAL ? exit->signal : 0);
        str_copy(args.strings[3], ABI_ARG_LEN_MAX, service->config.name);
        args.count = 4;
    }
    char path[ABI_PATH_LEN_MAX];
    format(path, sizeof path, "%s/%s/%s", Z6_ROOT_PATH, service->config.name, finish ? "finish" : "run");
    const struct cred cred = accounts_cred(k, service->config.uid);
    i64 pid = proc_spawn_supervised(k, path, &args, &cred);
    if (!finish && pid > 0 && planted_bug(k, BUG_Z6_SPAWN_LEAKED)) pid = proc_spawn_supervised(k, path, &args, &cred);
    if (pid >= 0) z6host_log_attach(k, action->service, (u32)pid, !finish);
    if (pid < 0) klog(k, LOG_WARN, "z6: %s: cannot start %s (error %lld)", service->config.name, path, (long long)-pid);
    else klog(k, LOG_INFO, "z6: %s: %s started, pid %lld", service->config.name, args.strings[0], (long long)pid);
    assert(k->z6.answers_count < Z6_SPAWNS_PENDING_MAX);
    u64 started_ns = event_clock(k);
    observe_trace(k->platform, TRACE_Z6_SPAWN, action->service, pid > 0 ? (u64)pid : 0, finish ? 1 : 0);
    k->z6.answers[k->z6.answers_count++] =
        (struct z6_spawn_answer){.service = action->service, .pid = pid, .started_ns = started_ns};
}

static void log_action(struct kernel *k, const struct z6_action *action) {
    const char *name = service_name(k, action->service);
    const struct z6_exit *exit = &action->exit;
    switch (action->what) {
    case Z6_LOG_EXIT:
        if (exit->kind == Z6_EXIT_SIGNAL) klog(k, LOG_INFO, "z6: %s: killed by signal %u", name, exit->signal);
        else if (exit->kind == Z6_EXIT_CODE) klog(k, LOG_INFO, "z6: %s: exited %u", name, exit->code);
        break;
    case Z6_LOG_READY:
        observe_trace(k->platform, TRACE_Z6_READY, action->service, k->z6.engine.services[action->service].pid, 0);
        klog(k, LOG_INFO, "z6: %s: ready", name);
        break;
    case Z6_LOG_STOP: klog(k, LOG_INFO, "z6: %s: stopping (TERM)", name); break;
    case Z6_LOG_KILL: klog(k, LOG_INFO, "z6: %s: KILL after timeout-kill", name); break;
    case Z6_LOG_FINISH_KILL: klog(k, LOG_INFO, "z6: %s: finish KILLed after timeout-finish", name); break;
    case Z6_LOG_FAILED: klog(k, LOG_WARN, "z6: %s: failed: crash limit reached", name); break;
    case Z6_LOG_DOWN: klog(k, LOG_INFO, "z6: %s: down", name); break;
    case Z6_LOG_REFUSED: case Z6_LOG_SPAWN: break; // said at boot, and with the pid at the spawn
    }
}

static void carry_out(struct kernel *k, const struct z6_actions *actions) {
    assert(actions->count <= actions->capacity);
    trace_states(k);
    for (u32 i = 0; i < actions->count; i++) {
        const struct z6_action *action = &actions->items[i];
        switch (action->kind) {
        case Z6_ACTION_SPAWN_RUN: spawn(k, action, false); break;
        case Z6_ACTION_SPAWN_FINISH: spawn(k, action, true); break;
        case Z6_ACTION_SIGNAL: {
            u64 signal = action->signal == Z6_SIGNAL_KILL ? ABI_SIGKILL : ABI_SIGTERM;
            observe_trace(k->platform, TRACE_Z6_SIGNAL, action->service, action->pid, signal);
            i64 killed = proc_kill(k, (u32)action->pid, 0, signal);
            assert(killed == 0); // z6's processes are reaped only by z6: the pid is live
            break;
        }
        case Z6_ACTION_SET_TIMER: break; // z6_next_deadline, read once the event settled
        case Z6_ACTION_LOG: log_action(k, action); break;
        }
    }
}

// Carries out an event's actions, then gives the engine every spawn's answer in turn.
static void settle(struct kernel *k, u64 now_ns, struct z6_actions *actions) {
    carry_out(k, actions);
    for (u32 next = 0; next < k->z6.answers_count; next++) {
        assert(k->z6.answers_count <= Z6_SPAWNS_PENDING_MAX);
        struct z6_spawn_answer answer = k->z6.answers[next];
        if (answer.started_ns > now_ns) now_ns = answer.started_ns; // in order: never back
        *actions = actions_fresh(k);
        if (answer.pid < 0) z6_spawn_failed(&k->z6.engine, now_ns, answer.service, actions);
        else z6_spawned(&k->z6.engine, now_ns, answer.service, (u64)answer.pid, actions);
        carry_out(k, actions);
    }
    k->z6.answers_count = 0;
    k->z6.deadline_ns = z6_next_deadline(&k->z6.engine);
}

// The planted bugs of the engine (kernel/bugs.h), switched on from the simulator.
static u32 z6host_bugs(struct kernel *k) {
    u32 mask = 0;
    if (planted_bug(k, BUG_Z6_REALTIME_DELAY)) mask |= Z6_BUG_REALTIME_DELAY;
    if (planted_bug(k, BUG_Z6_SIGNAL_NOT_FAILURE)) mask |= Z6_BUG_SIGNAL_NOT_FAILURE;
    if (planted_bug(k, BUG_Z6_CRASH_LIMIT_LATE)) mask |= Z6_BUG_CRASH_LIMIT_LATE;
    if (planted_bug(k, BUG_Z6_DEPENDENCY_IGNORED)) mask |= Z6_BUG_DEPENDENCY_IGNORED;
    if (planted_bug(k, BUG_Z6_KILL_NEVER)) mask |= Z6_BUG_KILL_NEVER;
    if (planted_bug(k, BUG_Z6_DOWN_IGNORED)) mask |= Z6_BUG_DOWN_IGNORED;
    return mask;
}

void z6host_boot(struct kernel *k) {
    assert(k != NULL);
    assert(!k->z6.hosted);
    if (fs_usable(k) != 0) return; // no /etc to read: nothing to supervise
    u32 count = z6host_read(k);
    z6_load(&k->z6.engine, k->z6.configs, count, NULL);
    z6_parse_explain(k->z6.parsed, count, &k->z6.engine);
    z6host_log_boot(k);
    u32 refused = 0;
    for (u32 i = 0; i < count; i++) {
        if (!k->z6.parsed[i].refused) continue;
        klog(k, LOG_WARN, "z6: refused: %s", k->z6.parsed[i].message);
        refused++;
    }
    klog(k, LOG_INFO, "z6: %u services, %u refused", count, refused);
    k->z6.hosted = true;
    k->z6.engine.bugs_mask = z6host_bugs(k);
    observe_trace(k->platform, TRACE_Z6_BOOT, count, refused, 0);
    u64 now_ns = event_clock(k);
    struct z6_actions actions = actions_fresh(k);
    z6_boot(&k->z6.engine, now_ns, &actions);
    settle(k, now_ns, &actions);
}

// How a process ended, in the engine's terms: a fault is the signal Linux would send.
static struct z6_exit exit_of(const struct abi_wait_status *status) {
    struct z6_exit exit = {.kind = Z6_EXIT_SIGNAL, .code = 0, .signal = ABI_SIGKILL};
    switch (status->cause) {
    case ABI_EXIT_NORMAL: exit = (struct z6_exit){.kind = Z6_EXIT_CODE, .code = (u32)(status->exit_code & 0xff)}; break;
    case ABI_EXIT_SIGNALED: exit.signal = (u32)status->exit_code; break;
    case ABI_EXIT_FAULT_PAGE: exit.signal = SIGNAL_SEGV; break;
    case ABI_EXIT_FAULT_ILLEGAL: exit.signal = SIGNAL_ILL; break;
    case ABI_EXIT_FAULT_MISALIGNED: exit.signal = SIGNAL_BUS; break;
    case ABI_EXIT_FAULT_BREAKPOINT: exit.signal = SIGNAL_TRAP; break;
    default: break; // ABI_EXIT_KILLED: as KILL
    }
    assert(exit.kind != Z6_EXIT_NONE);
    return exit;
}

// A shutdown waiting for the services: down once they all ended, or at the bound.
static void shutdown_check(struct kernel *k, u64 now_ns) {
    assert(k->z6.shutdown_type != 0);
    assert(k->run_state == KERNEL_RUNNING);
    bool quiet = z6_quiet(&k->z6.engine);
    if (!quiet && now_ns < k->z6.shutdown_deadline_ns) return;
    if (quiet) {
        klog(k, LOG_INFO, "z6: every service stopped");
    } else {
        u32 running = 0;
        for (u32 i = 0; i < k->z6.engine.service_count; i++) {
            const struct z6_service *service = &k->z6.engine.services[i];
            if (service->pid != 0 || service->finish_pid != 0) running++;
        }
        klog(k, LOG_WARN, "z6: %u services still running after %llu ms; going down anyway", running,
             (unsigned long long)(Z6_SHUTDOWN_WAIT_MAX_NS / 1000000ull));
    }
    u64 type = k->z6.shutdown_type;
    k->z6.shutdown_type = 0;
    shutdown_now(k, type);
}

bool z6host_shutdown(struct kernel *k, u64 type) {
    assert(k != NULL);
    assert(type != 0);
    if (!k->z6.hosted) return false;
    if (k->z6.shutdown_type != 0) return true; // asked again: the first one goes on
    u64 now_ns = kernel_monotonic_ns(k);
    struct z6_actions actions = actions_fresh(k);
    z6_shutdown(&k->z6.engine, now_ns, &actions);
    settle(k, now_ns, &actions);
    if (z6_quiet(&k->z6.engine)) return false;
    klog(k, LOG_INFO, "z6: stopping services before going down");
    k->z6.shutdown_type = type;
    k->z6.shutdown_deadline_ns = now_ns + Z6_SHUTDOWN_WAIT_MAX_NS;
    return true;
}

// A supervised exit, traced as the engine gets it: whose run or finish it was.
static void trace_exit(struct kernel *k, u32 pid, struct z6_exit exit) {
    u64 value = exit.kind == Z6_EXIT_SIGNAL ? exit.signal : exit.code;
    u64 how = ((u64)exit.kind << TRACE_Z6_EXIT_KIND_SHIFT) | (value & TRACE_Z6_EXIT_VALUE_MASK);
    for (u32 i = 0; i < k->z6.engine.service_count; i++) {
        const struct z6_service *service = &k->z6.engine.services[i];
        if (service->pid == pid) observe_trace(k->platform, TRACE_Z6_EXIT, i, pid, how);
        if (service->finish_pid == pid) observe_trace(k->platform, TRACE_Z6_EXIT, i, pid, how | TRACE_Z6_EXIT_FINISH);
    }
}

// Every supervised exit not yet reported, to the engine in turn. Each event reads the
// clock afresh: a spawn's answer may have given the engine a later time than the
// step's (settle), and the engine's times must never go back.
static void report_exits(struct kernel *k) {
    assert(k != NULL);
    assert(k->z6.hosted);
    u32 pid = 0;
    struct abi_wait_status status;
    while (k->supervised_exits > 0 && proc_reap_supervised(k, &pid, &status)) {
        z6host_log_exited(k, pid); // its partial last line first
        u64 event_ns = event_clock(k);
        struct z6_actions actions = actions_fresh(k);
        trace_exit(k, pid, exit_of(&status));
        enum z6_result result = z6_exited(&k->z6.engine, event_ns, pid, exit_of(&status), &actions);
        assert(result == Z6_OK); // every supervised process is z6's run or finish
        settle(k, event_ns, &actions);
    }
}

void z6host_step(struct kernel *k, u64 now_ns) {
    assert(k != NULL);
    if (!k->z6.hosted) return;
    report_exits(k);
    if (k->z6.deadline_ns != 0 && now_ns >= k->z6.deadline_ns) {
        u64 event_ns = event_clock(k);
        struct z6_actions actions = actions_fresh(k);
        z6_timer(&k->z6.engine, event_ns, &actions);
        settle(k, event_ns, &actions);
        // The timer's KILL ends its target at once: that exit is reported in this step,
        // not whenever the machine next wakes (an idle machine may sleep a second first,
        // and a shutdown waits for exactly that exit).
        report_exits(k);
    }
    if (k->z6.shutdown_type != 0) shutdown_check(k, now_ns);
}

enum z6_result z6host_command(struct kernel *k, u32 service, enum z6_command command) {
    assert(k->z6.hosted);
    assert(service < k->z6.engine.service_count);
    u64 now_ns = event_clock(k);
    struct z6_actions actions = actions_fresh(k);
    enum z6_result result = z6_command(&k->z6.engine, now_ns, service, command, &actions);
    observe_trace(k->platform, TRACE_Z6_COMMAND, service, command, result);
    settle(k, now_ns, &actions);
    return result;
}

enum z6_result z6host_ready(struct kernel *k, u32 service) {
    assert(k->z6.hosted);
    assert(service < k->z6.engine.service_count);
    u64 now_ns = kernel_monotonic_ns(k);
    struct z6_actions actions = actions_fresh(k);
    enum z6_result result = z6_ready(&k->z6.engine, now_ns, k->z6.engine.services[service].pid, &actions);
    settle(k, now_ns, &actions);
    return result;
}

// The parse's messages of the services z6_reload refused (or for a table it could not
// take: the old one's, from the engine, since the parse now holds the new table).
static void reload_messages(struct kernel *k, enum z6_result result, u32 count) {
    assert(count <= Z6_SERVICES_MAX);
    assert(k->z6.engine.service_count <= Z6_SERVICES_MAX);
    if (result == Z6_OK) z6_parse_explain(k->z6.parsed, count, &k->z6.engine);
    for (u32 i = 0; i < k->z6.engine.service_count; i++) {
        const struct z6_service *service = &k->z6.engine.services[i];
        bool parsed_here = result == Z6_OK && i < count;
        if (parsed_here) {
            if (k->z6.parsed[i].refused) klog(k, LOG_WARN, "z6: refused: %s", k->z6.parsed[i].message);
            continue;
        }
        k->z6.parsed[i].refused = service->error != Z6_LOAD_OK;
        str_copy(k->z6.parsed[i].message, sizeof k->z6.parsed[i].message,
                 service->retired ? "removed by a reload" : z6_load_error_name(service->error));
    }
}

// What the host keeps by service index follows each service to its new index: its log
// and descriptors (z6host_log_reload), the state last traced. Then the reload is traced
// (the simulator's model moves its account alike, from reload_counts).
static void reload_moved(struct kernel *k, const struct z6_reload_counts *counts, u32 count) {
    assert(counts->old_count <= Z6_SERVICES_MAX);
    assert(k->z6.engine.service_count <= Z6_SERVICES_MAX);
    z6host_log_reload(k, counts, count);
    u8 before[Z6_SERVICES_MAX];
    mem_copy(before, k->z6.traced_states, sizeof before);
    mem_set(k->z6.traced_states, Z6_STATE_DOWN, sizeof k->z6.traced_states);
    for (u32 j = 0; j < counts->old_count; j++) {
        if (counts->moved_to[j] < Z6_SERVICES_MAX) k->z6.traced_states[counts->moved_to[j]] = before[j];
    }
    observe_trace(k->platform, TRACE_Z6_RELOAD, k->z6.engine.service_count, counts->old_count, 0);
}

i64 z6host_reload(struct kernel *k) {
    assert(k->z6.hosted);
    assert(k->z6.answers_count == 0);
    k->z6.read_errors = 0;
    u32 count = z6host_read(k);
    if (k->z6.read_errors > 0) {
        reload_messages(k, Z6_NOT_EXPECTED, count); // the parse is the new table's: undo
        klog(k, LOG_WARN, "z6: reload refused (%u read errors): the table is unchanged", k->z6.read_errors);
        return -E_IO;
    }
    u64 now_ns = kernel_monotonic_ns(k);
    struct z6_actions actions = actions_fresh(k);
    struct z6_reload_counts *counts = &k->z6.reload_counts;
    enum z6_result result = z6_reload(&k->z6.engine, &k->z6.reload_scratch, now_ns, k->z6.configs, count,
                                      NULL, counts, &actions);
    reload_messages(k, result, count);
    if (result == Z6_OK) reload_moved(k, counts, count); // before settle's spawns attach
    if (result == Z6_OK) {
        klog(k, LOG_INFO, "z6: reloaded: %u services: %u kept, %u changed, %u added, %u removed, %u refused",
             count, counts->kept, counts->changed, counts->added, counts->removed, counts->refused);
    } else {
        klog(k, LOG_WARN, "z6: reload refused (%s): the table is unchanged",
             result == Z6_FULL ? "the removed services still stopping fill the table" : "shutting down");
    }
    settle(k, now_ns, &actions);
    return result == Z6_OK ? 0 : -E_AGAIN;
}

u64 z6host_deadline(const struct kernel *k) {
    assert(k != NULL);
    if (!k->z6.hosted) assert(k->z6.deadline_ns == 0);
    u64 deadline_ns = k->z6.deadline_ns;
    bool bound_first = k->z6.shutdown_type != 0 && (deadline_ns == 0 || k->z6.shutdown_deadline_ns < deadline_ns);
    return bound_first ? k->z6.shutdown_deadline_ns : deadline_ns;
}
