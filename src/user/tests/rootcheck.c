// rootcheck: run as root after xy exhausted every shared resource (init.attack=1 runs
// `exhaust` as xy, then this): proves that root can still do what it must, and that
// removing xy's files gives the space back. One line per check and a total; exit 1 on
// any failure.
//
//   rootcheck [--passwords] [DIR...]
//     DIRs: where xy's files are (removed with everything in them); /tmp's entries
//     named e<N> are removed too. --passwords: xy guessed root's password, and the
//     auth log must say so.
//   rootcheck --clean DIR...
//     before the attack: removes what an attack of an earlier boot left (a power loss
//     can strike before root's checks removed it), so each attack starts from nothing.
#include <stdio.h>
#include <string.h>

#include "user/lib/tool.h"
#include "user/tests/lib/passwords.h"
#include "user/tests/lib/test.h"

BASIN_PROGRAM("rootcheck");

#define NS_PER_S 1000000000ull
#define HOLDERS_WAIT_NS (30ull * NS_PER_S) // xy's holders hold 2 s in the attack phase
#define POLL_NS (100ull * 1000000ull)
#define SCRATCH_BYTES 4096u
#define ROOT_FILE "/root/rootcheck"
#define PASSWORD_AFTER "rootcheck-new-xy"

// Failures of root's checks (only an injected crash, which may kill a program rootcheck
// starts, excuses them: they hold whatever happened before), and of the ones a power
// loss may excuse (the auth log keeps repeats of an
// event in RAM for a while, so a power loss can take xy's last guesses).
static u32 failures, failures_power;
static char scratch[SCRATCH_BYTES];

static void check_counted(const char *what, bool ok, i64 result, u32 *count) {
    say("%s: %s", what, ok ? "ok" : "FAILED");
    if (!ok) { say("  (result %ld %s)", (long)result, error_name(result)); (*count)++; }
}

static void check(const char *what, bool ok, i64 result) { check_counted(what, ok, result, &failures); }

// Reads a whole small file into scratch; its length or -error.
static i64 read_file(const char *path) {
    i64 fd = sys_open(path, ABI_O_RDONLY, 0);
    if (fd < 0) return fd;
    i64 total = 0;
    for (;;) {
        i64 n = sys_read(fd, scratch + total, SCRATCH_BYTES - 1 - (u64)total);
        if (n <= 0) { total = n < 0 ? n : total; break; }
        total += n;
    }
    sys_close(fd);
    if (total >= 0) scratch[total] = '\0';
    return total;
}

static i64 run(const char *program, const char *const *argv, u64 uid) {
    i64 pid = sys_spawn(program, argv, uid);
    if (pid < 0) return pid;
    struct abi_wait_status status;
    i64 reaped = sys_wait(pid, &status, 0);
    if (reaped != pid) return reaped < 0 ? reaped : -E_CHILD;
    return status.cause == ABI_EXIT_NORMAL ? status.exit_code : 128 + status.cause;
}

static void root_can_still_work(bool after_passwords) {
    // As login does at the console: xy's wrong guesses must not lock root out.
    i64 result = sys_switch_user(ABI_UID_ROOT, TEST_PASSWORD_ROOT);
    check("root's password is accepted after xy's guesses", result == 0, result);
    result = read_file("/etc/passwd");
    check("root reads /etc/passwd", result > 0 && strstr(scratch, "root:") != NULL, result);
    result = sys_passwd(ABI_UID_USER, NULL, PASSWORD_AFTER);
    check("root changes xy's password", result == 0, result);
    result = read_file("/var/log/auth");
    bool attempts = result > 0 && strstr(scratch, "uid=1000 switch_user") != NULL;
    check(after_passwords ? "root reads the auth log with xy's attempts in it" : "root reads the auth log",
          result >= 0, result);
    if (after_passwords) check_counted("the auth log has xy's attempts", attempts, result, &failures_power);
    i64 fd = sys_open(ROOT_FILE, ABI_O_WRONLY | ABI_O_CREAT | ABI_O_TRUNC, 0600);
    result = fd < 0 ? fd : sys_write(fd, scratch, SCRATCH_BYTES / 2);
    if (fd >= 0) { i64 closed = sys_close(fd); if (result >= 0) result = closed; }
    check("root writes a file", result == 0, result);
    fd = sys_open("/tmp/rootcheck", ABI_O_WRONLY | ABI_O_CREAT | ABI_O_TRUNC, 0600);
    result = fd < 0 ? fd : sys_close(fd);
    check("root makes a name in /tmp", result == 0, result);
    sys_unlink("/tmp/rootcheck");
    static const char *const hello[] = {"hello", "from", "rootcheck", NULL};
    result = run(TEST_PATH("hello"), hello, ABI_UID_ROOT);
    check("root starts a program", result == 0, result);
}

static struct abi_usage usage_of(u64 uid) {
    struct abi_usage u;
    memset(&u, 0, sizeof u);
    i64 result = sys_usage(uid, &u);
    if (result < 0) fail("usage(%lu) = %ld %s", (unsigned long)uid, (long)result, error_name(result));
    return u;
}

// Root removes xy's files: each DIR (all of them, or with only_existing those that
// exist: what an interrupted attack may have left) and /tmp's e<N> entries.
static void remove_xy_files(int count, char **dirs, bool only_existing, const char *what) {
    for (int i = 0; i < count; i++) {
        struct abi_stat st;
        if (only_existing && sys_stat(dirs[i], &st) < 0) continue; // nothing left there
        const char *const rm[] = {"rm", "-r", dirs[i], NULL};
        i64 result = run("/bin/rm", rm, ABI_UID_ROOT);
        check(what, result == 0, result);
    }
    const char *const clean[] = {"exhaust", "clean", "/tmp", "e", NULL};
    i64 result = run(TEST_PATH("exhaust"), clean, ABI_UID_ROOT);
    check("root removes xy's names in /tmp", result == 0, result);
}

// Removes xy's files; its disk and inode use must fall, and xy must be able to write.
static void space_comes_back(int count, char **dirs) {
    struct abi_usage before = usage_of(ABI_UID_USER);
    remove_xy_files(count, dirs, false, "root removes xy's files");
    struct abi_usage after = usage_of(ABI_UID_USER);
    note("xy: %lu inodes, %lu KiB before; %lu inodes, %lu KiB after", (unsigned long)before.inodes,
         (unsigned long)(before.disk_bytes / 1024), (unsigned long)after.inodes, (unsigned long)(after.disk_bytes / 1024));
    if (count > 0) {
        check("xy's disk and inodes come back", after.disk_bytes < before.disk_bytes && after.inodes < before.inodes, 0);
    }
    // xy's holders end after their hold: then xy writes again.
    u64 deadline = monotonic_ns() + HOLDERS_WAIT_NS;
    while (usage_of(ABI_UID_USER).processes > 0 && monotonic_ns() < deadline) sys_sleep_until(monotonic_ns() + POLL_NS);
    static const char *const write[] = {"write", "/home/xy/after", "space", "is", "back", NULL};
    i64 result = run("/bin/write", write, ABI_UID_USER);
    check("xy writes a file again", result == 0, result);
    sys_unlink("/home/xy/after");
}

// Before the attack: what an attack of an earlier boot left goes, so that xy then holds
// no inodes outside its home's own files.
static int clean_start(int count, char **dirs) {
    remove_xy_files(count, dirs, true, "root removes what an earlier attack left");
    say("%lu failed", (unsigned long)failures);
    report_check("rootcheck --clean", failures, ABI_REPORT_EXCUSE_CRASH); // a crash may kill what it starts
    return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--clean") == 0) return clean_start(argc - 2, argv + 2);
    struct abi_usage xy = usage_of(ABI_UID_USER);
    note("xy holds %lu processes, %lu KiB of memory, %lu open files, %lu inodes, %lu KiB of disk",
         (unsigned long)xy.processes, (unsigned long)(xy.memory_bytes / 1024), (unsigned long)xy.open_files,
         (unsigned long)xy.inodes, (unsigned long)(xy.disk_bytes / 1024));
    bool after_passwords = argc > 1 && strcmp(argv[1], "--passwords") == 0;
    root_can_still_work(after_passwords);
    int first = after_passwords ? 2 : 1;
    space_comes_back(argc - first, argv + first);
    say("%lu failed", (unsigned long)(failures + failures_power));
    report_check("rootcheck", failures, ABI_REPORT_EXCUSE_CRASH); // a crash may kill what it starts
    report_check("rootcheck auth log", failures_power, ABI_REPORT_EXCUSE_POWER_LOSS);
    return failures + failures_power == 0 ? 0 : 1;
}
