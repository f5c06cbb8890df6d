// z6svc: the run and finish programs of the services provisioned for z6 at the first
// boot (kernel/boot/provision_z6.c), cheap so that every default run exercises the
// supervisor without slowing down. A service's run is "#!/test/z6svc MODE":
//   z6svc forever    sleeps a second at a time, forever (a long-running service)
//   z6svc exit       exits 0 after 300 ms (restart=always brings it back)
//   z6svc crash      an illegal instruction after 200 ms (restart=on-failure)
//   z6svc finish CODE SIGNAL NAME    as finish: prints its arguments, exits 0
//   z6svc exit0, z6svc exit1    exit 0 or 1 at once (tests/t_z6_s6.sh: the same
//                               services under the real s6-supervise)
//   z6svc crash-now             an illegal instruction at once (signal 4)
//   z6svc finish-args ...       as finish: prints how many arguments it got, then
//                               them, as t_z6_s6.sh's s6 finish script does ("$# $*")
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

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "forever") == 0) {
        for (;;) sleep_ns(FOREVER_SLEEP_NS);
    }
    if (strcmp(mode, "exit") == 0) {
        sleep_ns(EXIT_AFTER_NS);
        return 0;
    }
    if (strcmp(mode, "crash") == 0) {
        sleep_ns(CRASH_AFTER_NS);
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
    // finish: argv is [z6svc, finish, <script path>, CODE, SIGNAL, NAME] through "#!"
    if (strcmp(mode, "finish") == 0 && argc == 6) {
        note("finish %s %s %s", argv[3], argv[4], argv[5]); // how many: the timing's
        return 0;
    }
    say("usage: z6svc forever|exit|crash|exit0|exit1|crash-now|finish CODE SIGNAL NAME|finish-args ... (got %d arguments)", argc);
    return 2;
}
