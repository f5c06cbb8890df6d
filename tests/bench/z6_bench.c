// z6_bench: the z6 engine's events handled per second (./build.sh bench), driven
// directly on the host as the kernel drives it: 64 services restart always, each
// round every one is spawned (its z6_spawned), exits (its z6_exited; half exit 0, half
// exit 1, a crash window of 1 ms so the crash limit never stops them) and is spawned
// again by the timer once its restart delay passed (z6_timer, one per round). Each
// event visits every service (z6_settle), as in the kernel: the figure is for a full
// table. The clock is a fake monotonic one; only the CPU time of the whole run is
// read from the host. Prints "name: value" lines; exits 1 if the engine ever asked
// for something other than the expected spawns (the count would not mean anything).
//   usage: z6_bench [ROUNDS]   (default 5000)
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "subsystems/z6/z6.h"

#define SERVICES Z6_SERVICES_MAX
#define ROUNDS_DEFAULT 5000u
#define NS_PER_MS 1000000ull
#define RESTART_DELAY_MS 1000u
#define RUN_TIME_NS (10 * NS_PER_MS) // each run process lives 10 ms of fake time

_Noreturn void platform_panic(const char *file, u32 line, const char *what) {
    fprintf(stderr, "panic at %s:%u: %s\n", file, line, what);
    abort();
}

static struct z6 engine;
static struct z6_action action_items[Z6_ACTIONS_MAX];
static struct z6_config configs[SERVICES];

static struct z6_actions *fresh(struct z6_actions *actions) {
    *actions = (struct z6_actions){.items = action_items, .capacity = Z6_ACTIONS_MAX, .count = 0};
    return actions;
}

// The services each spawn action of the last event asked for.
static u32 spawns_of(const struct z6_actions *actions, u32 *services) {
    u32 count = 0;
    for (u32 i = 0; i < actions->count; i++) {
        if (actions->items[i].kind == Z6_ACTION_SPAWN_RUN) services[count++] = actions->items[i].service;
    }
    return count;
}

// CPU time, not wall time: fair on a shared host (as bench.py's interpreter table).
static double seconds_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

// One round: the spawned answers, the exits, then the timer; returns the events.
static u64 round_once(u64 *now_ns, u32 *pending, u32 pending_count, u64 *next_pid) {
    struct z6_actions actions;
    u64 pids[SERVICES];
    u64 events = 0;
    for (u32 i = 0; i < pending_count; i++, events++) {
        pids[i] = (*next_pid)++;
        if (z6_spawned(&engine, *now_ns, pending[i], pids[i], fresh(&actions)) != Z6_OK) exit(1);
    }
    *now_ns += RUN_TIME_NS;
    for (u32 i = 0; i < pending_count; i++, events++) {
        struct z6_exit exit_value = {.kind = Z6_EXIT_CODE, .code = pending[i] % 2};
        if (z6_exited(&engine, *now_ns, pids[i], exit_value, fresh(&actions)) != Z6_OK) exit(1);
    }
    *now_ns = z6_next_deadline(&engine);
    z6_timer(&engine, *now_ns, fresh(&actions));
    events++;
    if (spawns_of(&actions, pending) != SERVICES) {
        fprintf(stderr, "z6_bench: the timer spawned %u services, not %u\n", spawns_of(&actions, pending), SERVICES);
        exit(1);
    }
    return events;
}

int main(int argc, char **argv) {
    u32 rounds = argc > 1 ? (u32)strtoul(argv[1], NULL, 10) : ROUNDS_DEFAULT;
    for (u32 i = 0; i < SERVICES; i++) {
        char name[Z6_NAME_BYTES_MAX];
        snprintf(name, sizeof name, "svc%u", i);
        z6_config_default(&configs[i], name);
        configs[i].restart_delay_ms = RESTART_DELAY_MS;
        configs[i].crash_window_ms = 1;
    }
    if (z6_load(&engine, configs, SERVICES, NULL) != 0) return 1;
    struct z6_actions actions;
    u32 pending[SERVICES];
    u64 now_ns = 1, next_pid = 100, events = 0;
    z6_boot(&engine, now_ns, fresh(&actions));
    if (spawns_of(&actions, pending) != SERVICES) return 1;
    double start = seconds_now();
    for (u32 r = 0; r < rounds; r++) events += round_once(&now_ns, pending, SERVICES, &next_pid);
    double wall = seconds_now() - start;
    printf("services: %u\nrounds: %u\nevents: %llu\ncpu_seconds: %.6f\nevents_per_second: %.0f\n", SERVICES, rounds,
           (unsigned long long)events, wall, (double)events / wall);
    return 0;
}
