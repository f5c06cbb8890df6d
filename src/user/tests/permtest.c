// permtest: users and permissions, one deterministic line per check, the same on
// QEMU and in the simulator. init runs it twice: as xy (uid 1000), which must be
// refused everything that is not its own, and then as root, which bypasses read and
// write but not the x bits of programs, and which ends by dropping to xy for good.
// Re-runnable on the same disk: it removes what an earlier run left first.
// Exit 0 when every check held, 1 otherwise.
#include <string.h>

#include "user/tests/lib/test.h"
#include "user/tests/lib/passwords.h"

#define XY_DIR "/home/xy/permtest"
#define ROOT_DIR "/tmp/permtest-root"
#define READ_BYTES_MAX 16
#define NOT_A_PROGRAM "not a program\n"

BASIN_PROGRAM("permtest");

#define CHECK(what, result, expected) (failures += !expect_result((what), (result), (expected)))

static i64 write_file(const char *path, u64 mode, const char *text) {
    i64 fd = sys_open(path, ABI_O_WRONLY | ABI_O_CREAT | ABI_O_TRUNC, mode);
    if (fd < 0) return fd;
    i64 wrote = sys_write(fd, text, strlen(text));
    i64 closed = sys_close(fd);
    return wrote < 0 ? wrote : closed;
}

// Opens and closes: the open's result (0 when it opened).
static i64 try_open(const char *path, u64 flags) {
    i64 fd = sys_open(path, flags, 0);
    if (fd < 0) return fd;
    return sys_close(fd);
}

static i64 stat_field(const char *path, u32 which) {
    struct abi_stat st;
    i64 result = sys_stat(path, &st);
    if (result < 0) return result;
    return which == 0 ? (i64)st.uid : which == 1 ? (i64)st.gid : (i64)st.mode;
}

static i64 reap(i64 pid) {
    if (pid < 0) return pid;
    struct abi_wait_status status;
    i64 reaped = sys_wait(pid, &status, 0);
    return reaped == pid ? status.exit_code : reaped;
}

static i64 spawn_and_wait(const char *path, u64 uid) {
    const char *const argv[] = {path, NULL};
    return reap(sys_spawn(path, argv, uid));
}

static const char *const report_argv[] = {"permtest", "--report-ids", NULL};

// The child of sudo: says who it is; exits 0 when it is root through and through.
static int report_ids(void) {
    i64 uid = sys_getuid(), euid = sys_geteuid(), egid = sys_getegid();
    say("child: uid %ld euid %ld egid %ld", (long)uid, (long)euid, (long)egid);
    return uid == ABI_UID_ROOT && euid == ABI_UID_ROOT && egid == ABI_UID_ROOT ? 0 : 3;
}

// Last in xy's run: sudo and switch_user, which need the build's passwords.
static u32 check_user_escalation(void) {
    u32 failures = 0;
    CHECK("xy: sudo, wrong password", sys_sudo(TEST_PATH("permtest"), report_argv, "wrong"), -E_ACCES);
    CHECK("xy: sudo, root's password", sys_sudo(TEST_PATH("permtest"), report_argv, TEST_PASSWORD_ROOT), -E_ACCES);
    CHECK("xy: sudo, bad pointer", sys_sudo(TEST_PATH("permtest"), report_argv, (const char *)0x10), -E_FAULT);
    CHECK("xy: sudo, own password", reap(sys_sudo(TEST_PATH("permtest"), report_argv, TEST_PASSWORD_XY)), 0);
    CHECK("xy:   still xy", sys_geteuid(), ABI_UID_USER);
    CHECK("xy: switch to root, wrong password", sys_switch_user(ABI_UID_ROOT, TEST_PASSWORD_XY), -E_ACCES);
    CHECK("xy:   still xy", sys_geteuid(), ABI_UID_USER);
    CHECK("xy: switch to no user", sys_switch_user(4242, ""), -E_INVAL);
    CHECK("xy: switch to root, no password", sys_switch_user(ABI_UID_ROOT, NULL), -E_ACCES);
    CHECK("xy: switch to root", sys_switch_user(ABI_UID_ROOT, TEST_PASSWORD_ROOT), 0);
    CHECK("xy:   getuid", sys_getuid(), ABI_UID_ROOT);
    CHECK("xy:   geteuid", sys_geteuid(), ABI_UID_ROOT);
    CHECK("xy: switch to xy, wrong password (root too)", sys_switch_user(ABI_UID_USER, "wrong"), -E_ACCES);
    CHECK("xy: switch back, no password (root)", sys_switch_user(ABI_UID_USER, NULL), 0);
    CHECK("xy:   geteuid", sys_geteuid(), ABI_UID_USER);
    return failures;
}

// What an earlier, interrupted run may have left (each call may fail: nothing there).
static void clean(void) {
    sys_chmod(XY_DIR "/sub", 0700);
    sys_unlink(XY_DIR "/sub/f");
    sys_rmdir(XY_DIR "/sub");
    sys_chmod(XY_DIR "/f", 0600);
    sys_unlink(XY_DIR "/f");
    sys_unlink(XY_DIR "/g");
    sys_rmdir(XY_DIR);
    sys_unlink("/tmp/permtest-xy");
    sys_unlink(ROOT_DIR "/f");
    sys_unlink(ROOT_DIR "/prog");
    sys_rmdir(ROOT_DIR);
}

static u32 check_user_ids(void) {
    u32 failures = 0;
    CHECK("xy: getuid", sys_getuid(), ABI_UID_USER);
    CHECK("xy: geteuid", sys_geteuid(), ABI_UID_USER);
    CHECK("xy: getgid", sys_getgid(), ABI_UID_USER);
    CHECK("xy: getegid", sys_getegid(), ABI_UID_USER);
    CHECK("xy: setuid(0)", sys_setuid(ABI_UID_ROOT), -E_PERM);
    CHECK("xy: setgid(0)", sys_setgid(ABI_UID_ROOT), -E_PERM);
    CHECK("xy: setuid(own)", sys_setuid(ABI_UID_USER), 0);
    CHECK("xy: setuid(huge)", sys_setuid(1ull << 32), -E_INVAL);
    CHECK("xy: spawn as root", sys_spawn(TEST_PATH("hello"), NULL, ABI_UID_ROOT), -E_PERM);
    CHECK("xy: shutdown(reboot)", sys_shutdown(ABI_SHUTDOWN_REBOOT), -E_PERM);
    CHECK("xy: geteuid still", sys_geteuid(), ABI_UID_USER);
    return failures;
}

static u32 check_user_system(void) {
    u32 failures = 0;
    CHECK("xy: create in /etc", sys_open("/etc/permtest", ABI_O_WRONLY | ABI_O_CREAT, 0644), -E_ACCES);
    CHECK("xy: mkdir in /etc", sys_mkdir("/etc/permtest", 0755), -E_ACCES);
    CHECK("xy: mkdir /etc (exists)", sys_mkdir("/etc", 0755), -E_EXIST);
    CHECK("xy: write /bin/whoami", try_open("/bin/whoami", ABI_O_WRONLY), -E_ACCES);
    CHECK("xy: read /bin/whoami", try_open("/bin/whoami", ABI_O_RDONLY), 0);
    CHECK("xy: unlink /bin/whoami", sys_unlink("/bin/whoami"), -E_ACCES);
    CHECK("xy: rename /bin/whoami away", sys_rename("/bin/whoami", "/home/xy/whoami"), -E_ACCES);
    CHECK("xy: chmod /bin/whoami", sys_chmod("/bin/whoami", 0777), -E_PERM);
    CHECK("xy: chown /bin/whoami", sys_chown("/bin/whoami", ABI_UID_USER, ABI_ID_UNCHANGED), -E_PERM);
    CHECK("xy: rmdir /tmp", sys_rmdir("/tmp"), -E_ACCES);
    CHECK("xy: list /root", try_open("/root", ABI_O_RDONLY), -E_ACCES);
    CHECK("xy: stat under /root", stat_field("/root/x", 0), -E_ACCES);
    CHECK("xy: chdir /root", sys_chdir("/root"), -E_ACCES);
    CHECK("xy: read /etc/shadow", try_open("/etc/shadow", ABI_O_RDONLY), -E_ACCES);
    CHECK("xy: read /etc/passwd", try_open("/etc/passwd", ABI_O_RDONLY), 0);
    CHECK("xy: write /etc/passwd", try_open("/etc/passwd", ABI_O_WRONLY), -E_ACCES);
    CHECK("xy: create in sticky /tmp", write_file("/tmp/permtest-xy", 0644, "x"), 0);
    CHECK("xy: unlink own in /tmp", sys_unlink("/tmp/permtest-xy"), 0);
    CHECK("xy: /home/xy owner", stat_field("/home/xy", 0), ABI_UID_USER);
    return failures;
}

static u32 check_user_home(void) {
    u32 failures = 0;
    CHECK("xy: mkdir " XY_DIR, sys_mkdir(XY_DIR, 0755), 0);
    CHECK("xy: create f 0600", write_file(XY_DIR "/f", 0600, "secret"), 0);
    CHECK("xy:   owner", stat_field(XY_DIR "/f", 0), ABI_UID_USER);
    CHECK("xy:   group", stat_field(XY_DIR "/f", 1), ABI_UID_USER);
    CHECK("xy: chmod f 0400", sys_chmod(XY_DIR "/f", 0400), 0);
    CHECK("xy:   mode", stat_field(XY_DIR "/f", 2), 0400);
    CHECK("xy:   write refused", try_open(XY_DIR "/f", ABI_O_WRONLY), -E_ACCES);
    CHECK("xy:   O_RDWR refused", try_open(XY_DIR "/f", ABI_O_RDWR), -E_ACCES);
    CHECK("xy:   read allowed", try_open(XY_DIR "/f", ABI_O_RDONLY), 0);
    CHECK("xy: chmod f 0", sys_chmod(XY_DIR "/f", 0), 0);
    CHECK("xy:   read refused", try_open(XY_DIR "/f", ABI_O_RDONLY), -E_ACCES);
    CHECK("xy: chmod f bad bits", sys_chmod(XY_DIR "/f", 010000), -E_INVAL);
    CHECK("xy: chown f to root", sys_chown(XY_DIR "/f", ABI_UID_ROOT, ABI_ID_UNCHANGED), -E_PERM);
    CHECK("xy: spawn a non-x file", spawn_and_wait(XY_DIR "/f", ABI_UID_USER), -E_ACCES);
    CHECK("xy: mkdir sub", sys_mkdir(XY_DIR "/sub", 0700), 0);
    CHECK("xy: create sub/f", write_file(XY_DIR "/sub/f", 0644, "x"), 0);
    CHECK("xy: chmod sub 0600 (no x)", sys_chmod(XY_DIR "/sub", 0600), 0);
    CHECK("xy:   stat sub/f refused", stat_field(XY_DIR "/sub/f", 0), -E_ACCES);
    CHECK("xy:   open sub/f refused", try_open(XY_DIR "/sub/f", ABI_O_RDONLY), -E_ACCES);
    CHECK("xy: chmod sub 0500 (no w)", sys_chmod(XY_DIR "/sub", 0500), 0);
    CHECK("xy:   unlink sub/f refused", sys_unlink(XY_DIR "/sub/f"), -E_ACCES);
    CHECK("xy:   create sub/g refused", write_file(XY_DIR "/sub/g", 0644, "x"), -E_ACCES);
    CHECK("xy:   rename sub/f out refused", sys_rename(XY_DIR "/sub/f", XY_DIR "/g"), -E_ACCES);
    CHECK("xy:   write sub/f allowed", write_file(XY_DIR "/sub/f", 0644, "y"), 0);
    CHECK("xy: chmod sub 0700", sys_chmod(XY_DIR "/sub", 0700), 0);
    CHECK("xy:   rename sub/f out", sys_rename(XY_DIR "/sub/f", XY_DIR "/g"), 0);
    CHECK("xy: rmdir sub", sys_rmdir(XY_DIR "/sub"), 0);
    CHECK("xy: unlink g", sys_unlink(XY_DIR "/g"), 0);
    CHECK("xy: unlink f (mode 0)", sys_unlink(XY_DIR "/f"), 0);
    CHECK("xy: rmdir " XY_DIR, sys_rmdir(XY_DIR), 0);
    return failures;
}

static u32 check_root_files(void) {
    u32 failures = 0;
    CHECK("root: getuid", sys_getuid(), ABI_UID_ROOT);
    CHECK("root: geteuid", sys_geteuid(), ABI_UID_ROOT);
    CHECK("root: /etc/shadow mode", stat_field("/etc/shadow", 2), 0600);
    CHECK("root: read /etc/shadow", try_open("/etc/shadow", ABI_O_RDONLY), 0);
    CHECK("root: mkdir " ROOT_DIR, sys_mkdir(ROOT_DIR, 0700), 0);
    CHECK("root: create f 0000", write_file(ROOT_DIR "/f", 0, "x"), 0);
    CHECK("root:   read it anyway", try_open(ROOT_DIR "/f", ABI_O_RDONLY), 0);
    CHECK("root:   write it anyway", try_open(ROOT_DIR "/f", ABI_O_RDWR), 0);
    CHECK("root: create prog 0644", write_file(ROOT_DIR "/prog", 0644, NOT_A_PROGRAM), 0);
    CHECK("root:   spawn without x", spawn_and_wait(ROOT_DIR "/prog", ABI_UID_ROOT), -E_ACCES);
    CHECK("root: chmod prog 0100", sys_chmod(ROOT_DIR "/prog", 0100), 0);
    CHECK("root:   spawn with one x", spawn_and_wait(ROOT_DIR "/prog", ABI_UID_ROOT), -E_NOEXEC);
    CHECK("root: chown f to xy", sys_chown(ROOT_DIR "/f", ABI_UID_USER, ABI_ID_UNCHANGED), 0);
    CHECK("root:   owner", stat_field(ROOT_DIR "/f", 0), ABI_UID_USER);
    CHECK("root:   group kept", stat_field(ROOT_DIR "/f", 1), ABI_UID_ROOT);
    CHECK("root: chown bad uid", sys_chown(ROOT_DIR "/f", 1ull << 32, ABI_ID_UNCHANGED), -E_INVAL);
    CHECK("root: spawn as xy in a 0700 dir", spawn_and_wait(ROOT_DIR "/prog", ABI_UID_USER), -E_ACCES);
    CHECK("root: unlink f", sys_unlink(ROOT_DIR "/f"), 0);
    CHECK("root: unlink prog", sys_unlink(ROOT_DIR "/prog"), 0);
    CHECK("root: rmdir " ROOT_DIR, sys_rmdir(ROOT_DIR), 0);
    // Rewrites /etc/shadow (shadow.new, then a rename) with xy's same password: every
    // boot of a storage scenario does it, so power loss strikes inside it; xy's sudo
    // with its password on the next run proves the file survived whole.
    CHECK("root: passwd xy (the same password)", sys_passwd(ABI_UID_USER, NULL, TEST_PASSWORD_XY), 0);
    CHECK("root: passwd of no user", sys_passwd(4242, NULL, "x"), -E_INVAL);
    CHECK("root: passwd with a ':'", sys_passwd(ABI_UID_USER, NULL, "a:b"), -E_INVAL);
    return failures;
}

// Last: root gives up its ids for good.
static u32 check_root_drop(void) {
    u32 failures = 0;
    CHECK("root: setgid(xy)", sys_setgid(ABI_UID_USER), 0);
    CHECK("root: setuid(xy)", sys_setuid(ABI_UID_USER), 0);
    CHECK("root:   getuid", sys_getuid(), ABI_UID_USER);
    CHECK("root:   geteuid", sys_geteuid(), ABI_UID_USER);
    CHECK("root:   getegid", sys_getegid(), ABI_UID_USER);
    CHECK("root:   setuid(0) back", sys_setuid(ABI_UID_ROOT), -E_PERM);
    CHECK("root:   create in /etc", sys_open("/etc/permtest", ABI_O_WRONLY | ABI_O_CREAT, 0644), -E_ACCES);
    CHECK("root:   shutdown(halt)", sys_shutdown(ABI_SHUTDOWN_HALT), -E_PERM);
    return failures;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--report-ids") == 0) return report_ids();
    clean();
    u32 failures = 0;
    if (sys_geteuid() == ABI_UID_ROOT) {
        failures += check_root_files();
        failures += check_root_drop();
    } else {
        failures += check_user_ids();
        failures += check_user_system();
        failures += check_user_home();
        failures += check_user_escalation();
    }
    say("%u failures", failures);
    // A crash, power loss or disk fault (here or in an earlier life) can fail a check.
    report_check("permtest", failures, ABI_REPORT_EXCUSES_ALL);
    return failures == 0 ? 0 : 1;
}
