// shtest: the shell's output redirection, end to end. Runs `sh -c LINE` as its own
// user (init runs it as xy) in SHTEST_DIR, then reads the files back and checks their
// exact bytes: > creates and truncates, >> appends and creates, built-ins and programs
// alike, one redirection per command of a ';' line, no file (and no command run) when
// the file cannot be opened, syntax errors, and the shell's own output back on its
// fd 1 afterwards: once captured by shtest itself (which redirects its own fd 1 with
// dup2, and so also checks that spawn passes fd 1 on), once on the console, where
// tests/t_shell.sh looks for the line SHTEST_DIR. The error lines of sh and cat on
// fd 2 are part of the expected output. One deterministic line per check; exit 0
// when all held, 1 otherwise. Re-runnable: it first removes what a run left.
#include <string.h>

#include "user/tests/lib/test.h"

BASIN_PROGRAM("shtest");

#define SHTEST_DIR "/home/xy/shtest"
#define LOCKED_DIR SHTEST_DIR "/locked"
#define READ_BYTES_MAX 256
#define SHOWN_BYTES_MAX 80
#define CAPTURE_SAVED_FD 10
#define FILE_MODE 0644

#define CHECK(what, result, expected) (failures += !expect_result((what), (result), (expected)))

static const char *const leftovers[] = {"out", "new", "copy", "trunc", "missing-out", "ran", "a",
                                        "captured", "console-out"};

static void clean(void) {
    sys_chmod(LOCKED_DIR, 0755);
    sys_unlink(LOCKED_DIR "/f");
    sys_rmdir(LOCKED_DIR);
    for (u32 i = 0; i < sizeof leftovers / sizeof leftovers[0]; i++) {
        char path[ABI_PATH_LEN_MAX];
        strcpy(path, SHTEST_DIR "/");
        strcat(path, leftovers[i]);
        sys_unlink(path);
    }
    sys_rmdir(SHTEST_DIR);
}

// sh's exit code, 128 + cause if it was killed, or -error.
static i64 run_sh(const char *line) {
    const char *const argv[] = {"sh", "-c", line, NULL};
    i64 pid = sys_spawn("/bin/sh", argv, (u64)sys_geteuid());
    if (pid < 0) return pid;
    struct abi_wait_status status;
    i64 reaped = sys_wait(pid, &status, 0);
    if (reaped != pid) return reaped < 0 ? reaped : -E_CHILD;
    return status.cause == ABI_EXIT_NORMAL ? status.exit_code : 128 + (i64)status.cause;
}

// 0 when `sh -c line` exits with `expected`.
static u32 run_line(const char *line, i64 expected) {
    char what[BASIN_LINE_LEN_MAX];
    strcpy(what, "sh -c '");
    strncat(what, line, sizeof what - strlen(what) - 2);
    strcat(what, "'");
    return expect_result(what, run_sh(line), expected) ? 0 : 1;
}

// The whole file into out (NUL-terminated): its length or -error.
static i64 read_file(const char *name, char *out, u64 capacity) {
    i64 fd = sys_open(name, ABI_O_RDONLY, 0);
    if (fd < 0) return fd;
    u64 length = 0;
    i64 got = 0;
    do {
        got = sys_read(fd, out + length, capacity - 1 - length);
        if (got > 0) length += (u64)got;
    } while (got > 0 && length < capacity - 1);
    i64 closed = sys_close(fd);
    out[length] = '\0';
    return got < 0 ? got : closed < 0 ? closed : (i64)length;
}

// Newlines as \n, so a file shows on one line.
static void show(const char *text, char *out, u64 capacity) {
    u64 at = 0;
    for (; *text != '\0' && at + 3 < capacity; text++) {
        if (*text == '\n') { out[at++] = '\\'; out[at++] = 'n'; }
        else out[at++] = *text;
    }
    out[at] = '\0';
}

// 0 when file `name` holds exactly `expected`.
static u32 expect_file(const char *name, const char *expected) {
    char bytes[READ_BYTES_MAX], shown[SHOWN_BYTES_MAX], wanted[SHOWN_BYTES_MAX];
    i64 length = read_file(name, bytes, sizeof bytes);
    if (length < 0) {
        say("%s: read = %ld %s FAIL", name, (long)length, error_name(length));
        return 1;
    }
    show(bytes, shown, sizeof shown);
    if ((u64)length == strlen(expected) && memcmp(bytes, expected, (u64)length) == 0) {
        say("%s: \"%s\" ok", name, shown);
        return 0;
    }
    show(expected, wanted, sizeof wanted);
    say("%s: \"%s\" FAIL: expected \"%s\"", name, shown, wanted);
    return 1;
}

static i64 stat_field(const char *name, u32 which) {
    struct abi_stat st;
    i64 result = sys_stat(name, &st);
    if (result < 0) return result;
    return which == 0 ? (i64)st.uid : (i64)st.mode;
}

static u32 check_create_append(void) {
    u32 failures = 0;
    failures += run_line("whoami > out", 0);
    failures += expect_file("out", "xy\n");
    CHECK("out: owner", stat_field("out", 0), sys_geteuid());
    CHECK("out: mode", stat_field("out", 1), FILE_MODE);
    failures += run_line("pwd >> out", 0);
    failures += expect_file("out", "xy\n" SHTEST_DIR "\n");
    failures += run_line("whoami >out", 0);
    failures += expect_file("out", "xy\n");
    failures += run_line("/bin/pwd >>out; whoami >> out", 0);
    failures += expect_file("out", "xy\n" SHTEST_DIR "\nxy\n");
    failures += run_line(">>new whoami", 0);
    failures += expect_file("new", "xy\n");
    failures += run_line("cat out > copy; cat new >> copy", 0);
    failures += expect_file("copy", "xy\n" SHTEST_DIR "\nxy\nxy\n");
    failures += run_line("whoami > trunc; > trunc", 0);
    failures += expect_file("trunc", "");
    failures += run_line("cat nothing-here > missing-out", 1);
    failures += expect_file("missing-out", "");
    return failures;
}

// Nothing opened, nothing created and nothing run when the shell cannot redirect.
static u32 check_refusals(void) {
    u32 failures = 0;
    CHECK("mkdir locked 0555", sys_mkdir(LOCKED_DIR, 0555), 0);
    failures += run_line("whoami > locked/f", 1);
    CHECK("locked/f: stat", stat_field("locked/f", 0), -E_NOENT);
    failures += run_line("write ran yes > locked/f", 1);
    CHECK("ran: stat (the command did not run)", stat_field("ran", 0), -E_NOENT);
    failures += run_line("whoami >", 2);
    failures += run_line("whoami >>", 2);
    failures += run_line("whoami > a > out", 2);
    CHECK("a: stat", stat_field("a", 0), -E_NOENT);
    failures += expect_file("out", "xy\n" SHTEST_DIR "\nxy\n");
    failures += run_line("whoami > >a", 2);
    return failures;
}

// sh's stdout is shtest's fd 1, pointed at "captured": what sh prints itself after a
// redirected command must land there, and only there. shtest prints nothing meanwhile.
static u32 check_restored_stdout(void) {
    u32 failures = 0;
    i64 saved = sys_dup2(BASIN_FD_STDOUT, CAPTURE_SAVED_FD);
    // O_APPEND: sh and its children write through their own copies of the descriptor.
    i64 fd = sys_open("captured", ABI_O_WRONLY | ABI_O_CREAT | ABI_O_TRUNC | ABI_O_APPEND, FILE_MODE);
    i64 pointed = fd < 0 ? fd : sys_dup2(fd, BASIN_FD_STDOUT);
    i64 closed = fd < 0 ? fd : sys_close(fd);
    i64 status = pointed == BASIN_FD_STDOUT ? run_sh("whoami > out; whoami; pwd") : pointed;
    i64 restored = sys_dup2(CAPTURE_SAVED_FD, BASIN_FD_STDOUT);
    CHECK("dup2(1, saved fd)", saved, CAPTURE_SAVED_FD);
    CHECK("open captured", fd < 0 ? fd : 0, 0);
    CHECK("dup2(captured, 1)", pointed, BASIN_FD_STDOUT);
    CHECK("close(captured fd)", closed, 0);
    CHECK("dup2(saved fd, 1)", restored, BASIN_FD_STDOUT);
    CHECK("close(saved fd)", sys_close(CAPTURE_SAVED_FD), 0);
    CHECK("sh -c 'whoami > out; whoami; pwd' (captured)", status, 0);
    failures += expect_file("out", "xy\n");
    failures += expect_file("captured", "xy\n" SHTEST_DIR "\n");
    // And on the console, for tests/t_shell.sh: a line that is exactly SHTEST_DIR.
    failures += run_line("pwd > console-out; pwd", 0);
    failures += expect_file("console-out", SHTEST_DIR "\n");
    return failures;
}

int main(void) {
    // The expected bytes name xy, and root would not be refused the locked directory.
    if (sys_geteuid() != ABI_UID_USER) fail("run me as xy (uid %d)", ABI_UID_USER);
    clean();
    if (sys_mkdir(SHTEST_DIR, 0755) < 0 || sys_chdir(SHTEST_DIR) < 0) {
        report_check("shtest", 1, ABI_REPORT_EXCUSES_ALL);
        fail("cannot set up %s", SHTEST_DIR);
    }
    say("uid %ld in %s", (long)sys_geteuid(), SHTEST_DIR);
    u32 failures = check_create_append();
    failures += check_refusals();
    failures += check_restored_stdout();
    CHECK("chdir /", sys_chdir("/"), 0);
    clean();
    CHECK("cleaned up", stat_field(SHTEST_DIR, 0), -E_NOENT);
    say("%u failures", failures);
    // A crash (of a shell it runs), power loss or disk fault can fail a check.
    report_check("shtest", failures, ABI_REPORT_EXCUSES_ALL);
    return failures == 0 ? 0 : 1;
}
