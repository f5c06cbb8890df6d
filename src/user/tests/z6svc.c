// z6svc: the run and finish programs of the services provisioned for z6 at the first
// boot (kernel/boot/provision_z6.c), cheap so that every default run exercises the
// supervisor without slowing down. A service's run is "#!/test/z6svc MODE":
//   z6svc forever    sleeps a second at a time, forever (a long-running service)
//   z6svc exit       prints a line, exits 0 after 300 ms (restart=always brings it back)
//   z6svc crash      an illegal instruction after 200 ms (restart=on-failure), having
//                    written a last line without its newline (its log keeps it)
//   z6svc finish CODE SIGNAL NAME    as finish: prints its arguments, exits 0
//   z6svc exit0, z6svc exit1    exit 0 or 1 at once (tests/t_z6_s6.sh: the same
//                               services under the real s6-supervise)
//   z6svc crash-now             an illegal instruction at once (signal 4)
//   z6svc finish-args ...       as finish: prints how many arguments it got, then
//                               them, as t_z6_s6.sh's s6 finish script does ("$# $*")
//   z6svc print      after 300 ms, writes PRINT_LINES lines "line I" (8 to a write), then sleeps
//                    forever: its log (kernel/z6/z6host_log.c) fills and rotates
//   z6svc notify     after 300 ms, prints a line, writes "x" then (100 ms later) "\n" on fd 3, its
//                    notification-fd: ready; prints another line and one of
//                    LONG_LINE_BYTES (its log cuts it), sleeps forever
// and for the chaos set (z6.set=chaos, the simulator's z6 scenario):
//   z6svc crash-fast an illegal instruction after 100 ms
//   z6svc fail       exits 1 after 250 ms
//   z6svc hang       ignores TERM (signal_ignore), then sleeps forever: only KILL ends it
//   z6svc conduct    sends a random command (start, stop, restart, reset) to a random
//                    service of the chaos set every 200-500 ms, forever; one turn in 8
//                    edits flaky's restart-delay-ms and reloads instead
// ("#!" passes one argument: the counts are fixed here.)
#include <stdio.h>
#include <string.h>

#include "user/lib/basin.h"

BASIN_PROGRAM("z6svc");

#define MS 1000000ull
#define FOREVER_SLEEP_NS (1000 * MS)
#define EXIT_AFTER_NS (300 * MS)
#define CRASH_AFTER_NS (200 * MS)
#define NOTIFY_AFTER_NS (100 * MS)
// printer and notifier start their work after init's first jobs, as crasher and web do
// (their spawns' pids then come after those jobs' on QEMU too: tests/t_same_output.sh)
#define QUIET_START_NS (300 * MS)
#define PRINT_LINES 60
#define LONG_LINE_BYTES 200 // over the log's line bound (Z6_LOG_LINE_BYTES_MAX, 128)
#define NOTIFY_FD 3
#define PRINT_LINES_PER_WRITE 8
#define PRINT_LINE_BYTES_MAX 24

static void sleep_ns(u64 duration_ns) {
    i64 result = sys_sleep_until(monotonic_ns() + duration_ns);
    if (result != 0) fail("sleep_until = %ld", (long)result);
}

static void print_lines(int count) {
    char text[PRINT_LINES_PER_WRITE * PRINT_LINE_BYTES_MAX];
    for (int first = 0; first < count; first += PRINT_LINES_PER_WRITE) {
        int length = 0;
        for (int i = first; i < count && i < first + PRINT_LINES_PER_WRITE; i++) {
            length += snprintf(text + length, sizeof text - (size_t)length, "line %d\n", i);
        }
        for (int done = 0; done < length;) { // a log may take a write in parts
            i64 wrote = sys_write(BASIN_FD_STDOUT, text + done, (u64)(length - done));
            if (wrote <= 0) fail("write = %ld", (long)wrote);
            done += (int)wrote;
        }
    }
}

static void notify(i64 fd) {
    say("notifier starting");
    if (sys_write(fd, "x", 1) != 1) fail("notification write failed");
    sleep_ns(NOTIFY_AFTER_NS);
    if (sys_write(fd, "\n", 1) != 1) fail("notification write failed");
    say("ready sent");
    char line[LONG_LINE_BYTES + 1];
    for (int i = 0; i < LONG_LINE_BYTES; i++) line[i] = (char)('a' + i % 26);
    line[LONG_LINE_BYTES] = '\n';
    if (sys_write(BASIN_FD_STDOUT, line, sizeof line) != (i64)sizeof line) fail("long line write failed");
}

#define CRASH_FAST_AFTER_NS (100 * MS)
#define FAIL_AFTER_NS (250 * MS)
#define CONDUCT_PAUSE_MIN_MS 200
#define CONDUCT_PAUSE_SPREAD_MS 300
#define CONDUCT_RELOAD_ONE_IN 8 // of the conductor's turns
#define CONDUCT_EDITED_PATH "/etc/z6/flaky/restart-delay-ms"

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

// Now and then an edit and a reload: flaky's restart-delay-ms changes (so the reload
// restarts it if it runs) and every other service is kept. A write the disk refuses
// leaves the old value: the reload then changes nothing, as it must.
static void conduct_reload(void) {
    static const char *const delays[] = {"150\n", "250\n"};
    const char *delay = delays[random_below(2)];
    i64 fd = sys_open(CONDUCT_EDITED_PATH, ABI_O_WRONLY | ABI_O_TRUNC, 0);
    if (fd >= 0) {
        sys_write(fd, delay, strlen(delay));
        sys_close(fd);
    }
    i64 result = sys_z6_control("", ABI_Z6_COMMAND_RELOAD);
    bool refused = result == -E_AGAIN || result == -E_IO; // shutting down, or the disk failed
    if (result != 0 && !refused) fail("z6_control(reload) = %ld", (long)result);
}

static _Noreturn void conduct(void) {
    u32 count = sizeof conduct_commands / sizeof conduct_commands[0];
    for (;;) {
        sleep_ns((CONDUCT_PAUSE_MIN_MS + random_below(CONDUCT_PAUSE_SPREAD_MS)) * MS);
        if (random_below(CONDUCT_RELOAD_ONE_IN) == 0) {
            conduct_reload();
            continue;
        }
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
        say("up for a while"); // a line a run (about 3 a second): its log grows slowly
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
        static const char last[] = "z6svc: crashing now";
        sys_write(BASIN_FD_STDOUT, last, sizeof last - 1); // no newline: written at the exit
        __asm__ volatile(".4byte 0" ::: "memory");
        return 1;
    }
    if (strcmp(mode, "exit0") == 0) return 0;
    if (strcmp(mode, "exit1") == 0) return 1;
    if (strcmp(mode, "crash-now") == 0) {
        __asm__ volatile(".4byte 0" ::: "memory");
        return 1;
    }
    if (strcmp(mode, "finish-args") == 0 && argc >= 3) {
        // argv is [z6svc, finish-args, <script path>, what z6 passed...]; any count is
        // printed, so that a difference from s6 shows.
        char line[160] = "";
        u64 used = 0;
        for (int i = 3; i < argc && used + strlen(argv[i]) + 2 < sizeof line; i++) {
            line[used++] = ' ';
            strcpy(line + used, argv[i]);
            used += strlen(argv[i]);
        }
        note("finish-args %d%s", argc - 3, line);
        return 0;
    }
    if (strcmp(mode, "print") == 0) {
        sleep_ns(QUIET_START_NS);
        print_lines(PRINT_LINES);
        for (;;) sleep_ns(FOREVER_SLEEP_NS);
    }
    if (strcmp(mode, "notify") == 0) {
        sleep_ns(QUIET_START_NS);
        notify(NOTIFY_FD);
        for (;;) sleep_ns(FOREVER_SLEEP_NS);
    }
    // finish: argv is [z6svc, finish, <script path>, CODE, SIGNAL, NAME] through "#!"
    if (strcmp(mode, "finish") == 0 && argc == 6) {
        note("finish %s %s %s", argv[3], argv[4], argv[5]); // how many: the timing's
        return 0;
    }
    say("usage: z6svc forever|exit|crash|exit0|exit1|crash-now|print|notify|crash-fast|fail|hang|conduct|finish CODE SIGNAL NAME|finish-args ... (got %d arguments)", argc);
    return 2;
}
