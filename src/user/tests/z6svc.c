// z6svc: the run and finish programs of the services provisioned for z6 at the first
// boot (kernel/boot/provision_z6.c), cheap so that every default run exercises the
// supervisor without slowing down. A service's run is "#!/test/z6svc MODE":
//   z6svc forever    sleeps a second at a time, forever (a long-running service)
//   z6svc exit       exits 0 after 300 ms (restart=always brings it back)
//   z6svc crash      an illegal instruction after 200 ms (restart=on-failure)
//   z6svc finish CODE SIGNAL NAME    as finish: prints its arguments, exits 0
// and for the chaos set (z6.set=chaos, the simulator's z6 scenario):
//   z6svc crash-fast an illegal instruction after 100 ms
//   z6svc fail       exits 1 after 250 ms
//   z6svc hang       ignores TERM (signal_ignore), then sleeps forever: only KILL ends it
//   z6svc conduct    sends a random command (start, stop, restart, reset) to a random
//                    service of the chaos set every 200-500 ms, forever
#include <string.h>

#include "user/lib/basin.h"

BASIN_PROGRAM("z6svc");

#define MS 1000000ull
#define FOREVER_SLEEP_NS (1000 * MS)
#define EXIT_AFTER_NS (300 * MS)
#define CRASH_AFTER_NS (200 * MS)

static void sleep_ns(u64 duration_ns) {
    i64 result = sys_sleep_until(monotonic_ns() + duration_ns);
    if (result != 0) fail("sleep_until = %ld", (long)result);
}

#define CRASH_FAST_AFTER_NS (100 * MS)
#define FAIL_AFTER_NS (250 * MS)
#define CONDUCT_PAUSE_MIN_MS 200
#define CONDUCT_PAUSE_SPREAD_MS 300

struct conduct_command {
    const char *service;
    u64 command;
};

// Starts weigh more than stops, so that most services are up most of the time.
static const struct conduct_command conduct_commands[] = {
    {"hang", ABI_Z6_COMMAND_STOP},        {"hang", ABI_Z6_COMMAND_START},
    {"hang", ABI_Z6_COMMAND_RESTART},     {"app", ABI_Z6_COMMAND_RESTART},
    {"db", ABI_Z6_COMMAND_STOP},          {"app", ABI_Z6_COMMAND_START},
    {"worker", ABI_Z6_COMMAND_START},     {"sleeper", ABI_Z6_COMMAND_START},
    {"sleeper", ABI_Z6_COMMAND_STOP},     {"crashloop", ABI_Z6_COMMAND_RESET},
    {"crashloop", ABI_Z6_COMMAND_START},  {"flaky", ABI_Z6_COMMAND_RESTART},
    {"oneshot", ABI_Z6_COMMAND_START},    {"worker", ABI_Z6_COMMAND_STOP},
    {"db", ABI_Z6_COMMAND_RESTART},       {"flaky", ABI_Z6_COMMAND_START},
};

static u32 random_below(u32 bound) {
    u32 value = 0;
    i64 got = sys_getrandom(&value, sizeof value, 0);
    if (got != (i64)sizeof value) fail("getrandom = %ld", (long)got);
    return value % bound;
}

static _Noreturn void conduct(void) {
    u32 count = sizeof conduct_commands / sizeof conduct_commands[0];
    for (;;) {
        sleep_ns((CONDUCT_PAUSE_MIN_MS + random_below(CONDUCT_PAUSE_SPREAD_MS)) * MS);
        const struct conduct_command *next = &conduct_commands[random_below(count)];
        i64 result = sys_z6_control(next->service, next->command);
        if (result != 0 && result != -E_AGAIN) fail("z6_control(%s, %lu) = %ld", next->service,
                                                   (unsigned long)next->command, (long)result);
    }
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "forever") == 0) {
        for (;;) sleep_ns(FOREVER_SLEEP_NS);
    }
    if (strcmp(mode, "exit") == 0) {
        sleep_ns(EXIT_AFTER_NS);
        return 0;
    }
    if (strcmp(mode, "crash-fast") == 0) {
        sleep_ns(CRASH_FAST_AFTER_NS);
        __asm__ volatile(".4byte 0" ::: "memory");
        return 1;
    }
    if (strcmp(mode, "fail") == 0) {
        sleep_ns(FAIL_AFTER_NS);
        return 1;
    }
    if (strcmp(mode, "hang") == 0) {
        i64 ignored = sys_signal_ignore(ABI_SIGTERM, 1);
        if (ignored != 0) fail("signal_ignore = %ld", (long)ignored);
        for (;;) sleep_ns(FOREVER_SLEEP_NS);
    }
    if (strcmp(mode, "conduct") == 0) conduct();
    if (strcmp(mode, "crash") == 0) {
        sleep_ns(CRASH_AFTER_NS);
        __asm__ volatile(".4byte 0" ::: "memory");
        return 1;
    }
    // finish: argv is [z6svc, finish, <script path>, CODE, SIGNAL, NAME] through "#!"
    if (strcmp(mode, "finish") == 0 && argc == 6) {
        note("finish %s %s %s", argv[3], argv[4], argv[5]); // how many: the timing's
        return 0;
    }
    say("usage: z6svc forever|exit|crash|crash-fast|fail|hang|conduct|finish CODE SIGNAL NAME (got %d arguments)", argc);
    return 2;
}
