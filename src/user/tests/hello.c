// hello: the smallest program that touches the console, its identity and its argv.
// Everything it prints is deterministic: pids come from the kernel's sequential
// allocation, and its caller runs it while nothing else is spawned.
#include <string.h>

#include "user/lib/basin.h"

BASIN_PROGRAM("hello");

#define BAD_FD 3

static i64 write_text(i64 fd, const char *text) {
    return sys_write(fd, text, strlen(text));
}

int main(int argc, char **argv) {
    basin_assert(argc >= 0);
    say("pid %ld uid %ld", (long)sys_getpid(), (long)sys_getuid());

    const char *line_out = "hello: hello on fd 1\n";
    const char *line_err = "hello: hello on fd 2\n";
    i64 wrote_out = write_text(BASIN_FD_STDOUT, line_out);
    i64 wrote_err = write_text(BASIN_FD_STDERR, line_err);
    bool ok = wrote_out == (i64)strlen(line_out) && wrote_err == (i64)strlen(line_err);

    i64 bad = write_text(BAD_FD, "hello: this must not appear\n");
    say("write to fd %d = %ld %s", BAD_FD, (long)bad, error_name(bad));
    ok = ok && bad == -E_BADF;

    say("argc %d", argc);
    for (int i = 0; i < argc; i++) say("argv[%d] = \"%s\"", i, argv[i]);
    if (argv[argc] != NULL) {
        say("FAIL: argv[argc] is not NULL");
        ok = false;
    }
    say("%s", ok ? "done" : "FAIL: unexpected write results");
    return ok ? 0 : 1;
}
