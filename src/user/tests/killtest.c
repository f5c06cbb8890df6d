// killtest: kill() and "#!" scripts (issue 12), end to end. Run as root (init does),
// it kills its own children in every state a child can be in (queued or asleep, in
// wait, a zombie, itself) and reads their wait statuses; refuses what kill must
// refuse (pid 1, no such pid, a bad signal, pid <= 0); runs its xy part as uid 1000
// (xy may not signal root's process, which must live on; xy may signal its own); and
// spawns scripts: through this program as interpreter (argv checked byte for byte),
// through /bin/sh (a script file with its arguments and exit status), and bad ones
// (E_NOEXEC, E_ACCES, E_NOENT); and signal_ignore(TERM). One deterministic line per
// check; exit status: the number of failures. Helper modes: --hold MS, --wait-on-hold
// MS, --self, --as-xy PID, --ignore-term MS, --ignore-term-child MS, --args (an
// interpreter that writes its argv to SCRIPT.out).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/tests/lib/test.h"

BASIN_PROGRAM("killtest");

#define KILLTEST_DIR "/tmp/killtest"
#define SELF TEST_PATH("killtest")
#define HOLD_LONG_MS "3000"
#define HOLD_WAITED_MS "200"
#define SETTLE_NS 20000000ull // long enough for a queued child to run to its sleep or exit
#define NO_SUCH_PID (1ll << 30)
#define BAD_SIGNAL 99
#define READ_BYTES_MAX 256
#define LONG_LINE_BYTES (ABI_INTERPRETER_LINE_LEN_MAX + 8)

#define CHECK(what, result, expected) (failures += !expect_result((what), (result), (expected)))

static u32 failures;

static i64 spawn_self(const char *mode, const char *value, u64 uid) {
    const char *argv[] = {"killtest", mode, value, NULL};
    return sys_spawn(SELF, argv, uid);
}

static void settle(void) { (void)sys_sleep_until(monotonic_ns() + SETTLE_NS); }

// Waits for pid and checks how it ended: cause and code (the signal, for SIGNALED).
static void check_end(const char *what, i64 pid, u32 cause, i64 code) {
    struct abi_wait_status status;
    i64 reaped = sys_wait(pid, &status, 0);
    char text[96];
    wait_status_format(&status, text, sizeof text);
    bool ok = reaped == pid && status.cause == cause && status.exit_code == code;
    if (ok) say("%s: %s ok", what, text);
    else say("%s: wait = %ld, %s FAIL: expected cause %u code %ld", what, (long)reaped, text, cause, (long)code);
    failures += !ok;
}

// The refusals every caller gets, root included.
static void check_refusals(const char *who, i64 live_pid) {
    static const struct { i64 pid; u64 signal; i64 expected; const char *what; } cases[] = {
        {1, ABI_SIGTERM, -E_PERM, "kill(1, TERM)"}, {1, 0, -E_PERM, "kill(1, 0)"},
        {NO_SUCH_PID, ABI_SIGKILL, -E_SRCH, "kill(no such pid, KILL)"},
        {0, BAD_SIGNAL, -E_INVAL, "kill(live, 99)"}, {0, ABI_SIGTERM, -E_INVAL, "kill(0, TERM)"},
        {-1, ABI_SIGKILL, -E_INVAL, "kill(-1, KILL)"}};
    for (u32 i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "%s%s", who, cases[i].what);
        i64 pid = cases[i].signal == BAD_SIGNAL ? live_pid : cases[i].pid;
        CHECK(what, sys_kill(pid, cases[i].signal), cases[i].expected);
    }
}

// A child that kills itself ends there: its wait says so.
static void check_self_kill(u64 uid) {
    i64 pid = spawn_self("--self", "", uid);
    check_end("kill(self, KILL)", pid, ABI_EXIT_SIGNALED, ABI_SIGKILL);
}

static void xy_part(i64 root_pid) {
    CHECK("xy: kill(root's, TERM)", sys_kill(root_pid, ABI_SIGTERM), -E_PERM);
    CHECK("xy: kill(root's, KILL)", sys_kill(root_pid, ABI_SIGKILL), -E_PERM);
    CHECK("xy: kill(root's, 0)", sys_kill(root_pid, 0), -E_PERM);
    check_refusals("xy: ", root_pid);
    i64 own = spawn_self("--hold", HOLD_LONG_MS, ABI_UID_USER);
    CHECK("xy: kill(own, 0)", sys_kill(own, 0), 0);
    CHECK("xy: kill(own, TERM)", sys_kill(own, ABI_SIGTERM), 0);
    check_end("xy: own child", own, ABI_EXIT_SIGNALED, ABI_SIGTERM);
    check_self_kill(ABI_UID_USER);
}

static void kill_part(void) {
    i64 queued = spawn_self("--hold", HOLD_LONG_MS, ABI_UID_ROOT);
    CHECK("kill(queued child, TERM)", sys_kill(queued, ABI_SIGTERM), 0);
    check_end("queued child", queued, ABI_EXIT_SIGNALED, ABI_SIGTERM);
    i64 asleep = spawn_self("--hold", HOLD_LONG_MS, ABI_UID_ROOT);
    settle();
    CHECK("kill(sleeping child, KILL)", sys_kill(asleep, ABI_SIGKILL), 0);
    check_end("sleeping child", asleep, ABI_EXIT_SIGNALED, ABI_SIGKILL);
    i64 waiting = spawn_self("--wait-on-hold", HOLD_WAITED_MS, ABI_UID_ROOT);
    settle();
    CHECK("kill(child in wait, TERM)", sys_kill(waiting, ABI_SIGTERM), 0);
    check_end("child in wait", waiting, ABI_EXIT_SIGNALED, ABI_SIGTERM);
    i64 quick = spawn_self("--hold", "0", ABI_UID_ROOT);
    settle();
    CHECK("kill(zombie, TERM)", sys_kill(quick, ABI_SIGTERM), 0);
    check_end("zombie child", quick, ABI_EXIT_NORMAL, 0);
    check_self_kill(ABI_UID_ROOT);
    i64 root_held = spawn_self("--hold", HOLD_LONG_MS, ABI_UID_ROOT);
    check_refusals("", root_held);
    char pid_text[24];
    snprintf(pid_text, sizeof pid_text, "%ld", (long)root_held);
    i64 xy = spawn_self("--as-xy", pid_text, ABI_UID_USER);
    check_end("xy part", xy, ABI_EXIT_NORMAL, 0);
    CHECK("root's child still alive (wait NOHANG)", sys_wait(root_held, NULL, ABI_WAIT_NOHANG), 0);
    CHECK("kill(root's child, 0)", sys_kill(root_held, 0), 0);
    CHECK("kill(root's child, KILL)", sys_kill(root_held, ABI_SIGKILL), 0);
    check_end("root's child", root_held, ABI_EXIT_SIGNALED, ABI_SIGKILL);
}

// signal_ignore(TERM): a TERM does nothing (kill still answers 0), KILL still ends the
// process; only TERM may be ignored; a spawned child does not inherit it.
static void ignore_part(void) {
    CHECK("signal_ignore(KILL)", sys_signal_ignore(ABI_SIGKILL, 1), -E_INVAL);
    CHECK("signal_ignore(TERM, 2)", sys_signal_ignore(ABI_SIGTERM, 2), -E_INVAL);
    i64 ignoring = spawn_self("--ignore-term", HOLD_LONG_MS, ABI_UID_ROOT);
    settle();
    CHECK("kill(TERM-ignoring child, TERM)", sys_kill(ignoring, ABI_SIGTERM), 0);
    settle();
    CHECK("TERM-ignoring child alive (wait NOHANG)", sys_wait(ignoring, NULL, ABI_WAIT_NOHANG), 0);
    CHECK("kill(TERM-ignoring child, KILL)", sys_kill(ignoring, ABI_SIGKILL), 0);
    check_end("TERM-ignoring child", ignoring, ABI_EXIT_SIGNALED, ABI_SIGKILL);
    i64 parent = spawn_self("--ignore-term-child", HOLD_LONG_MS, ABI_UID_ROOT);
    check_end("its child does not inherit it", parent, ABI_EXIT_NORMAL, 0);
}

// A TERM-ignoring process whose child, spawned after, is ended by TERM: 0 if so.
static int ignore_term_child(const char *ms) {
    if (sys_signal_ignore(ABI_SIGTERM, 1) != 0) return 1;
    i64 child = spawn_self("--hold", ms, ABI_UID_ROOT);
    settle();
    if (sys_kill(child, ABI_SIGTERM) != 0) return 1;
    struct abi_wait_status status;
    if (sys_wait(child, &status, 0) != child) return 1;
    return status.cause == ABI_EXIT_SIGNALED && status.exit_code == ABI_SIGTERM ? 0 : 1;
}

static i64 write_file(const char *path, const char *text, u64 mode) {
    (void)sys_unlink(path);
    i64 fd = sys_open(path, ABI_O_WRONLY | ABI_O_CREAT | ABI_O_TRUNC, mode);
    if (fd < 0) return fd;
    i64 written = sys_write(fd, text, strlen(text));
    i64 closed = sys_close(fd);
    if (written < 0) return written;
    return closed < 0 ? closed : sys_chmod(path, mode);
}

// FILE's bytes compared with expected; a FAIL line shows what was there.
static void check_file(const char *path, const char *expected) {
    char text[READ_BYTES_MAX] = "";
    i64 fd = sys_open(path, ABI_O_RDONLY, 0);
    i64 length = fd < 0 ? fd : sys_read(fd, text, sizeof text - 1);
    if (fd >= 0) (void)sys_close(fd);
    text[length > 0 ? length : 0] = '\0';
    bool ok = length >= 0 && strcmp(text, expected) == 0;
    char *newline = strchr(text, '\n');
    if (newline != NULL) *newline = '\0'; // one line shown: the rest is in the comparison
    if (ok) say("%s: \"%s\" ok", path, text);
    else say("%s: %ld \"%s\" FAIL: expected \"%s\"", path, (long)length, text, expected);
    failures += !ok;
}

static i64 run_script(const char *path, const char *const *argv, u32 cause, i64 code) {
    i64 pid = sys_spawn(path, argv, ABI_UID_ROOT);
    if (pid < 0) return pid;
    check_end(path, pid, cause, code);
    return 0;
}

static void script_part(void) {
    (void)sys_mkdir(KILLTEST_DIR, 0755);
    const char *args_argv[] = {"args.sh", "one", "two", NULL};
    CHECK("write args.sh", write_file(KILLTEST_DIR "/args.sh", "#!" SELF "  --args \n", 0755), 0);
    CHECK("spawn args.sh one two", run_script(KILLTEST_DIR "/args.sh", args_argv, ABI_EXIT_NORMAL, 0), 0);
    check_file(KILLTEST_DIR "/args.sh.out", SELF "|--args|" KILLTEST_DIR "/args.sh|one|two");
    const char *sh_argv[] = {"run.sh", "hello", "world", NULL};
    CHECK("write run.sh", write_file(KILLTEST_DIR "/run.sh",
                                     "#!/bin/sh\n# a comment\nwrite " KILLTEST_DIR "/sh.out $2 $1 $3\nexit 7\n", 0755), 0);
    CHECK("spawn run.sh hello world", run_script(KILLTEST_DIR "/run.sh", sh_argv, ABI_EXIT_NORMAL, 7), 0);
    check_file(KILLTEST_DIR "/sh.out", "world hello\n"); // $3 unset: dropped
    static const char *const bad[][2] = {
        {"empty.sh", "#!\n"}, {"blank.sh", "#!   \n"}, {"relative.sh", "#!bin/sh\n"},
        {"nested.sh", "#!" KILLTEST_DIR "/run.sh\n"}};
    for (u32 i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char path[ABI_PATH_LEN_MAX], what[80];
        snprintf(path, sizeof path, KILLTEST_DIR "/%s", bad[i][0]);
        snprintf(what, sizeof what, "spawn %s", bad[i][0]);
        CHECK(what, write_file(path, bad[i][1], 0755) < 0 ? -1 : sys_spawn(path, NULL, ABI_UID_ROOT), -E_NOEXEC);
    }
    char long_line[LONG_LINE_BYTES + 4] = "#!/";
    memset(long_line + 3, 'a', LONG_LINE_BYTES - 3);
    strcpy(long_line + LONG_LINE_BYTES, "\n");
    CHECK("write long.sh", write_file(KILLTEST_DIR "/long.sh", long_line, 0755), 0);
    CHECK("spawn long.sh (line over the limit)", sys_spawn(KILLTEST_DIR "/long.sh", NULL, ABI_UID_ROOT), -E_NOEXEC);
    CHECK("write missing.sh", write_file(KILLTEST_DIR "/missing.sh", "#!/bin/no-such-shell\n", 0755), 0);
    CHECK("spawn missing.sh", sys_spawn(KILLTEST_DIR "/missing.sh", NULL, ABI_UID_ROOT), -E_NOENT);
    CHECK("write noexec.sh", write_file(KILLTEST_DIR "/noexec.sh", "#!/bin/sh\n", 0644), 0);
    CHECK("spawn noexec.sh (no x bit)", sys_spawn(KILLTEST_DIR "/noexec.sh", NULL, ABI_UID_ROOT), -E_ACCES);
}

// --args: the interpreter of args.sh writes its argv, joined by '|', to SCRIPT.out.
static int args_mode(int argc, char **argv) {
    char text[READ_BYTES_MAX] = "", path[ABI_PATH_LEN_MAX];
    for (int i = 0; i < argc; i++) {
        if (i > 0) strncat(text, "|", sizeof text - strlen(text) - 1);
        strncat(text, argv[i], sizeof text - strlen(text) - 1);
    }
    if (argc < 3) return 1;
    snprintf(path, sizeof path, "%s.out", argv[2]);
    return write_file(path, text, 0644) == 0 ? 0 : 1;
}

static int helper(int argc, char **argv) {
    const char *mode = argv[1];
    u64 ms = argc > 2 ? strtoull(argv[2], NULL, 10) : 0;
    if (strcmp(mode, "--hold") == 0) { (void)sys_sleep_until(monotonic_ns() + ms * 1000000ull); return 0; }
    if (strcmp(mode, "--wait-on-hold") == 0) {
        i64 pid = spawn_self("--hold", argv[2], ABI_UID_ROOT);
        return sys_wait(pid, NULL, 0) == pid ? 0 : 1;
    }
    if (strcmp(mode, "--ignore-term") == 0 && sys_signal_ignore(ABI_SIGTERM, 1) == 0) {
        (void)sys_sleep_until(monotonic_ns() + ms * 1000000ull);
        return 0;
    }
    if (strcmp(mode, "--ignore-term-child") == 0 && argc > 2) return ignore_term_child(argv[2]);
    if (strcmp(mode, "--self") == 0) { (void)sys_kill(sys_getpid(), ABI_SIGKILL); return 3; }
    if (strcmp(mode, "--as-xy") == 0 && argc > 2) { xy_part(strtoll(argv[2], NULL, 10)); return (int)failures; }
    if (strcmp(mode, "--args") == 0) return args_mode(argc, argv);
    say("unknown mode %s", mode);
    return 2;
}

int main(int argc, char **argv) {
    if (argc > 1) return helper(argc, argv);
    if (sys_geteuid() != ABI_UID_ROOT) fail("run me as root");
    kill_part();
    ignore_part();
    script_part();
    say("%u failures", failures);
    report_check("killtest", failures, ABI_REPORT_EXCUSES_ALL);
    return failures == 0 ? 0 : 1;
}
