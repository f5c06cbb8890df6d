// ttyspy: a test workload playing the attacker of issue 9: a program a user leaves
// running after logout, trying to read what is typed next on the console (root's
// password at the login prompt) and to print a fake prompt there.
//
// `ttyspy FILE [SECONDS]` starts a copy of itself in the background and returns at
// once; the copy outlives the caller's login. It waits TTYSPY_START_NS (so the user can
// log out), then for SECONDS (default 60) tries every TTYSPY_POLL_NS to read the
// console and to write TTYSPY_FAKE_PROMPT on it. It appends to FILE what happened,
// one line per change of outcome ("read E_IO", "write ok", ...), every byte it did
// read ("read 5 bytes: basin"), and at the end "done: N bytes read, M fake prompts
// written". With console sessions working, FILE holds no typed byte after the logout.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/lib/tool.h"
#include "user/tests/lib/test.h"

BASIN_PROGRAM("ttyspy");

#define TTYSPY_START_NS 2000000000ull
#define TTYSPY_POLL_NS 10000000ull // as often as login polls: a fair race for typed bytes
#define TTYSPY_SECONDS_DEFAULT 60u
#define TTYSPY_READ_BYTES 64
#define TTYSPY_LINE_BYTES 160
#define TTYSPY_FAKE_PROMPT "ttyspy-fake-login: "
#define NS_PER_S 1000000000ull
#define TTYSPY_NOTHING_YET (-1000) // no outcome recorded yet: no error has this code

static const char usage[] = "usage: ttyspy FILE [SECONDS]\n"
                            "Reads the console in the background (a test attacker) and records\n"
                            "in FILE what it could read and write.\n";

static void record(const char *file, const char *line) {
    i64 fd = sys_open(file, ABI_O_WRONLY | ABI_O_CREAT | ABI_O_APPEND, 0600);
    if (fd < 0) return; // nowhere to say it: the console is not ours
    (void)tool_write_all(fd, line, strlen(line));
    (void)sys_close(fd);
}

// One outcome per kind, recorded when it changes.
static void outcome(const char *file, const char *what, i64 result, i64 *last) {
    if (result == *last || (result >= 0 && *last >= 0)) return;
    *last = result;
    char line[TTYSPY_LINE_BYTES];
    snprintf(line, sizeof line, "%s %s\n", what, result >= 0 ? "ok" : error_name(result));
    record(file, line);
}

static int spy(const char *file, u64 seconds) {
    sys_sleep_until(monotonic_ns() + TTYSPY_START_NS);
    u64 end_ns = monotonic_ns() + seconds * NS_PER_S;
    i64 last_read = TTYSPY_NOTHING_YET, last_write = TTYSPY_NOTHING_YET;
    u64 bytes_total = 0, prompts = 0;
    while (monotonic_ns() < end_ns) {
        char bytes[TTYSPY_READ_BYTES + 1];
        i64 got = sys_read(0, bytes, TTYSPY_READ_BYTES);
        outcome(file, "read", got == -E_AGAIN ? 0 : got, &last_read);
        if (got > 0) {
            bytes[got] = '\0';
            char line[TTYSPY_LINE_BYTES];
            snprintf(line, sizeof line, "read %ld bytes: %s\n", (long)got, bytes);
            record(file, line);
            bytes_total += (u64)got;
        }
        i64 wrote = sys_write(BASIN_FD_STDOUT, TTYSPY_FAKE_PROMPT, strlen(TTYSPY_FAKE_PROMPT));
        outcome(file, "write", wrote, &last_write);
        if (wrote > 0) prompts++;
        sys_sleep_until(monotonic_ns() + TTYSPY_POLL_NS);
    }
    char line[TTYSPY_LINE_BYTES];
    snprintf(line, sizeof line, "done: %lu bytes read, %lu fake prompts written\n", (unsigned long)bytes_total,
             (unsigned long)prompts);
    record(file, line);
    return TOOL_EXIT_OK;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--background") == 0) return spy(argv[2], strtoul(argv[3], NULL, 10));
    int first = 1;
    tool_options(argc, argv, "", usage, &first);
    if (first >= argc || first + 2 < argc) tool_usage_error(usage, "FILE and at most SECONDS");
    char seconds[12];
    snprintf(seconds, sizeof seconds, "%lu",
             (unsigned long)(first + 1 < argc ? strtoul(argv[first + 1], NULL, 10) : TTYSPY_SECONDS_DEFAULT));
    const char *const spy_argv[] = {"ttyspy", "--background", argv[first], seconds, NULL};
    i64 pid = sys_spawn(TEST_PATH("ttyspy"), spy_argv, (u64)sys_geteuid());
    if (pid < 0) { tool_complain("spawn", pid); return TOOL_EXIT_FAILED; }
    tool_print(BASIN_FD_STDOUT, "ttyspy: reading the console in the background (pid %ld)\n", (long)pid);
    return TOOL_EXIT_OK;
}
