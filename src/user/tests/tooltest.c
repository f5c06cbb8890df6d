// tooltest: the file tools ln, stat, touch and cp, run through `sh -c` as a user
// (init runs it as xy in the filesystem phase) in TOOLTEST_DIR: exit codes (0 done,
// 1 failed, 2 usage), what they made (read back with syscalls), stat's lines (types,
// modes, links: never times or inode numbers, which differ between runs), and their
// error lines on the console, which tests/t_tools.sh looks for. One deterministic
// line per check; exit 0 when all held. Re-runnable: it first removes what a run left.
#include <string.h>

#include "user/tests/lib/semtest.h"

BASIN_PROGRAM("tooltest");

#define TOOLTEST_DIR "/home/xy/tooltest"
#define OUT_BYTES_MAX 512

static i64 run_sh(const char *line) {
    const char *const argv[] = {"sh", "-c", line, NULL};
    i64 pid = sys_spawn("/bin/sh", argv, (u64)sys_geteuid());
    if (pid < 0) return pid;
    struct abi_wait_status status;
    i64 reaped = sys_wait(pid, &status, 0);
    if (reaped != pid) return reaped < 0 ? reaped : -E_CHILD;
    return status.cause == ABI_EXIT_NORMAL ? status.exit_code : 128 + (i64)status.cause;
}

#define RUN(line, expected) CHECK("sh -c '" line "'", run_sh(line), expected)

// 1 when file `name` contains `text`, 0 if not, or -error.
static i64 contains(const char *name, const char *text) {
    char bytes[OUT_BYTES_MAX];
    i64 fd = sys_open(name, ABI_O_RDONLY, 0);
    if (fd < 0) return fd;
    i64 length = sys_read(fd, bytes, sizeof bytes - 1);
    sys_close(fd);
    if (length < 0) return length;
    bytes[length] = '\0';
    return strstr(bytes, text) != NULL ? 1 : 0;
}

static void touch(void) {
    RUN("touch a", 0);
    CHECK("  a is an empty file", st_field("a", true, ST_SIZE), 0);
    CHECK_MODE("  mode 0666 under umask 022", st_field("a", true, ST_MODE), 0644);
    const u64 old[2] = {1, 2};
    CHECK("utimens a {1, 2}", sys_utimens("a", old, 0), 0);
    RUN("touch a", 0);
    u64 atime = 0, mtime = 0, ctime = 0;
    CHECK("times of a", times_of("a", true, &atime, &mtime, &ctime), 0);
    CHECK("  touch set both times to now", atime > 2 && atime == mtime, 1);
    RUN("touch -c nope", 0);
    CHECK("  -c made nothing", st_field("nope", true, ST_TYPE), -E_NOENT);
    RUN("touch /etc/passwd", 1);
    RUN("touch /etc/tooltest", 1);
    RUN("touch", 2);
    RUN("touch --help", 0);
    CHECK_MODE("umask 077 (for sh and touch, which inherit it)", sys_umask(077), 022);
    RUN("touch um", 0);
    CHECK_MODE("  the umask reached touch through sh", st_field("um", true, ST_MODE), 0600);
    CHECK_MODE("umask 022 again", sys_umask(022), 077);
}

static void cp(void) {
    CHECK("write a", write_file("a", 0, "hello"), 0);
    RUN("cp a b", 0);
    CHECK("  b holds a's bytes", content_is("b", "hello"), 1);
    CHECK_MODE("  b's mode", st_field("b", true, ST_MODE), 0644);
    CHECK("chmod a 0750", sys_chmod("a", 0750), 0);
    RUN("cp a c", 0);
    CHECK_MODE("  a new copy takes a's mode", st_field("c", true, ST_MODE), 0750);
    RUN("cp a b", 0);
    CHECK_MODE("  an existing copy keeps its mode", st_field("b", true, ST_MODE), 0644);
    CHECK("mkdir sub", sys_mkdir("sub", 0755), 0);
    RUN("cp a sub", 0);
    CHECK("  into a directory: sub/a", content_is("sub/a", "hello"), 1);
    RUN("cp a a", 1);
    CHECK("  a intact", content_is("a", "hello"), 1);
    RUN("cp nope x", 1);
    RUN("cp sub x", 1);
    RUN("cp /etc/shadow x", 1);
    RUN("cp a", 2);
}

static void ln(void) {
    RUN("ln a h", 0);
    CHECK("  a has 2 links", st_field("a", true, ST_NLINK), 2);
    CHECK("  h is a", st_field("h", true, ST_INODE) == st_field("a", true, ST_INODE), 1);
    RUN("ln -s a s", 0);
    CHECK("  s -> a", readlink_is("s", "a"), 1);
    RUN("ln b sub", 0);
    CHECK("  into a directory: sub/b", st_field("sub/b", true, ST_NLINK), 2);
    RUN("ln -s /nowhere dangling", 0);
    CHECK("  a dangling link", readlink_is("dangling", "/nowhere"), 1);
    RUN("ln a h", 1);
    RUN("ln nope x", 1);
    RUN("ln sub x", 1);
    RUN("ln a", 2);
    RUN("ln -x a b", 2);
    CHECK("mkdir keep", sys_mkdir("keep", 0755), 0);
    CHECK("create keep/k", write_file("keep/k", 0644, "k"), 0);
    RUN("ln -s keep kl", 0);
    RUN("rm -r kl", 0);
    CHECK("  rm removed the link", st_field("kl", false, ST_TYPE), -E_NOENT);
    CHECK("  and not what it points to", content_is("keep/k", "k"), 1);
    RUN("ln -s nowhere dl2", 0);
    RUN("rm dl2", 0); // a dangling link: rm must not stat through it
    CHECK("  gone", st_field("dl2", false, ST_TYPE), -E_NOENT);
}

static void stat(void) {
    RUN("stat a > out", 0);
    CHECK("  File: a", contains("out", "  File: a\n"), 1);
    CHECK("  a regular file, 0750, 2 links", contains("out", "Type: regular file  Mode: 0750 (-rwxr-x---)  Links: 2"), 1);
    CHECK("  uid 1000, 5 bytes", contains("out", "   Uid: 1000  Gid: 1000  Size: 5\n"), 1);
    CHECK("  three times", contains("out", "\nAccess: ") == 1 && contains("out", "\nModify: ") == 1 &&
                               contains("out", "\nChange: ") == 1, 1);
    RUN("stat s > out", 0);
    CHECK("  File: s -> a", contains("out", "  File: s -> a\n"), 1);
    CHECK("  a symbolic link, 0777", contains("out", "Type: symbolic link  Mode: 0777 (lrwxrwxrwx)  Links: 1"), 1);
    RUN("stat -L s > out", 0);
    CHECK("  -L: the file", contains("out", "Type: regular file  Mode: 0750"), 1);
    RUN("stat sub > out", 0);
    CHECK("  a directory with 2 links", contains("out", "Type: directory  Mode: 0755 (drwxr-xr-x)  Links: 2"), 1);
    RUN("stat nope", 1);
    RUN("stat", 2);
    RUN("ls -l s > out", 0);
    CHECK("  ls -l shows the link", contains("out", "lrwxrwxrwx"), 1);
    CHECK("  and its target", contains("out", "s -> a\n"), 1);
}

int main(void) {
    remove_tree(TOOLTEST_DIR);
    CHECK("mkdir " TOOLTEST_DIR, sys_mkdir(TOOLTEST_DIR, 0755), 0);
    CHECK("chdir " TOOLTEST_DIR, sys_chdir(TOOLTEST_DIR), 0);
    touch();
    cp();
    ln();
    stat();
    say("%u failures", semtest_failures);
    return semtest_failures == 0 ? 0 : 1;
}
