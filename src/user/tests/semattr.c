// semattr: descriptors and attributes as a user (semtest runs it as xy): fstat,
// pread and pwrite (the offset stays; O_APPEND writes at the end; E_SPIPE, E_INVAL),
// the three times (relatime reads, writes set mtime and ctime, chmod only ctime,
// utimens with now, omit and explicit values and who may use each), umask,
// supplementary groups (getgroups, the group class, chown to one's own groups,
// setgid directories, chmod dropping set-group-ID for a non-member) and writes
// removing set-ID bits. Times are compared, never printed. One line per check.
#include <string.h>

#include "user/tests/lib/semtest.h"

BASIN_PROGRAM("semattr");

#define D XY_DIR
#define O_RD ABI_O_RDONLY
#define UNCHANGED ABI_ID_UNCHANGED
#define SET_ATIME_NS 1000ull
#define SET_MTIME_NS 2000ull

static i64 pread_is(i64 fd, u64 offset, const char *text) {
    char buffer[READ_BYTES_MAX + 1];
    u64 length = strlen(text);
    i64 count = sys_pread(fd, buffer, length, (i64)offset);
    if (count < 0) return count;
    buffer[count] = '\0';
    return (u64)count == length && strcmp(buffer, text) == 0 ? 1 : 0;
}

static i64 fstat_field(i64 fd, enum st_field which) {
    struct abi_stat st;
    memset(&st, 0, sizeof st);
    i64 result = sys_fstat(fd, &st);
    if (result < 0) return result;
    return which == ST_TYPE ? st.type : which == ST_SIZE ? (i64)st.size_bytes : st.nlink;
}

static void positional(void) {
    char buffer[8];
    i64 fd = sys_open(D "/io", ABI_O_RDWR | ABI_O_CREAT | ABI_O_TRUNC, 0644);
    CHECK("open io O_RDWR|O_CREAT", fd >= 0, 1);
    CHECK("write 0123456789", sys_write(fd, "0123456789", 10), 10);
    CHECK("pread 4 at 2", pread_is(fd, 2, "2345"), 1);
    CHECK("  the offset stays at 10", sys_seek(fd, 0, ABI_SEEK_CUR), 10);
    CHECK("pwrite AB at 0", sys_pwrite(fd, "AB", 2, 0), 2);
    CHECK("  the offset stays at 10", sys_seek(fd, 0, ABI_SEEK_CUR), 10);
    CHECK("  io is AB23456789", pread_is(fd, 0, "AB23456789"), 1);
    CHECK("pread past the end", sys_pread(fd, buffer, 4, 100), 0);
    CHECK("pread at -1", sys_pread(fd, buffer, 4, -1), -E_INVAL);
    CHECK("pwrite at -1", sys_pwrite(fd, "x", 1, -1), -E_INVAL);
    CHECK("pread the console", sys_pread(0, buffer, 4, 0), -E_SPIPE);
    CHECK("pwrite the console", sys_pwrite(1, "x", 1, 0), -E_SPIPE);
    CHECK("pread fd 99", sys_pread(99, buffer, 4, 0), -E_BADF);
    CHECK("fstat io: a file", fstat_field(fd, ST_TYPE), ABI_TYPE_FILE);
    CHECK("fstat io: 10 bytes", fstat_field(fd, ST_SIZE), 10);
    CHECK("fstat io: 1 link", fstat_field(fd, ST_NLINK), 1);
    CHECK("fstat 0: the console", fstat_field(0, ST_TYPE), ABI_TYPE_CHAR);
    CHECK("fstat fd 99", sys_fstat(99, &(struct abi_stat){0}), -E_BADF);
    CHECK("close io", sys_close(fd), 0);
    fd = sys_open(D "/io", ABI_O_WRONLY | ABI_O_APPEND, 0);
    CHECK("pwrite Z at 0 with O_APPEND (at the end, as Linux)", sys_pwrite(fd, "Z", 1, 0), 1);
    CHECK("close", sys_close(fd), 0);
    CHECK("  io is AB23456789Z", content_is(D "/io", "AB23456789Z"), 1);
    fd = sys_open(D "/io", O_RD, 0);
    CHECK("pwrite an O_RDONLY descriptor", sys_pwrite(fd, "x", 1, 0), -E_BADF);
    CHECK("close", sys_close(fd), 0);
    fd = sys_open(D "/d", O_RD | ABI_O_DIRECTORY, 0);
    CHECK("fstat a directory", fstat_field(fd, ST_TYPE), ABI_TYPE_DIRECTORY);
    CHECK("pread a directory", sys_pread(fd, buffer, 4, 0), -E_ISDIR);
    CHECK("close", sys_close(fd), 0);
}

static i64 read_one_byte(const char *path) {
    char byte;
    i64 fd = sys_open(path, O_RD, 0);
    if (fd < 0) return fd;
    i64 count = sys_read(fd, &byte, 1);
    i64 closed = sys_close(fd);
    return count < 0 ? count : closed;
}

// Reads move atime the relatime way (when it is not newer than mtime or ctime).
static void reads(void) {
    u64 a = 0, m = 0, c = 0, a2 = 0, m2 = 0, c2 = 0;
    CHECK("create t (empty)", write_file(D "/t", 0644, ""), 0);
    CHECK("times of t", times_of(D "/t", true, &a, &m, &c), 0);
    CHECK("  a new file: atime == mtime == ctime", a == m && m == c, 1);
    const u64 set[2] = {SET_ATIME_NS, SET_MTIME_NS};
    CHECK("utimens t {1000, 2000}", sys_utimens(D "/t", set, 0), 0);
    CHECK("times of t", times_of(D "/t", true, &a, &m, &c), 0);
    CHECK("  atime 1000", a == SET_ATIME_NS, 1);
    CHECK("  mtime 2000", m == SET_MTIME_NS, 1);
    CHECK("  ctime is now (later)", c > SET_MTIME_NS, 1);
    CHECK("read t", read_one_byte(D "/t"), 0);
    CHECK("times of t", times_of(D "/t", true, &a, &m, &c), 0);
    // Realtime may jump back between calls (clock_jump faults; settimeofday on a real
    // machine): the checks compare with what the kernel stored, never with "later".
    CHECK("  atime moved to now (it was older than mtime)", a > SET_MTIME_NS, 1);
    CHECK("  mtime stays", m == SET_MTIME_NS, 1);
    CHECK("read t again", read_one_byte(D "/t"), 0);
    CHECK("times of t", times_of(D "/t", true, &a2, &m2, &c2), 0);
    bool newer = a > m && a > c; // false only when the clock went back after the utimens
    CHECK(newer ? "  atime stays (newer than mtime and ctime, not a day old)"
                : "  atime moves again (the clock went back: not newer than ctime)",
          newer ? a2 == a : a2 != a, 1);
    CHECK("write t", write_file(D "/t", 0, "later"), 0);
    CHECK("times of t", times_of(D "/t", true, &a2, &m2, &c2), 0);
    CHECK("  a write sets mtime and ctime together", m2 == c2 && m2 > SET_MTIME_NS, 1);
    CHECK("chmod t 0600", sys_chmod(D "/t", 0600), 0);
    CHECK("times of t", times_of(D "/t", true, &a, &m, &c), 0);
    CHECK("  chmod moves ctime, not mtime", m == m2 && c != c2, 1);
}

static void utimens(void) {
    u64 a = 0, m = 0, c = 0, a2 = 0, m2 = 0, c2 = 0;
    CHECK("utimens t NULL (both now)", sys_utimens(D "/t", NULL, 0), 0);
    CHECK("times of t", times_of(D "/t", true, &a, &m, &c), 0);
    CHECK("  atime == mtime", a == m, 1);
    const u64 omit_now[2] = {ABI_UTIME_OMIT, 5000}, omit_both[2] = {ABI_UTIME_OMIT, ABI_UTIME_OMIT};
    const u64 now_omit[2] = {ABI_UTIME_NOW, ABI_UTIME_OMIT}, explicit[2] = {1, 2};
    CHECK("utimens t {OMIT, 5000}", sys_utimens(D "/t", omit_now, 0), 0);
    CHECK("times of t", times_of(D "/t", true, &a2, &m2, &c2), 0);
    CHECK("  mtime 5000, atime kept", m2 == 5000 && a2 == a, 1);
    CHECK("utimens nope {OMIT, OMIT} (nothing to do)", sys_utimens(D "/nope", omit_both, 0), 0);
    CHECK("utimens t with bad flags", sys_utimens(D "/t", NULL, 2), -E_INVAL);
    CHECK("utimens /etc/passwd now (not mine, no w)", sys_utimens("/etc/passwd", NULL, 0), -E_ACCES);
    CHECK("utimens /etc/passwd {1, 2}", sys_utimens("/etc/passwd", explicit, 0), -E_PERM);
    CHECK("utimens root's ww now (w suffices)", sys_utimens(ROOT_DIR "/ww", NULL, 0), 0);
    CHECK("utimens root's ww {NOW, OMIT} (both must be now)", sys_utimens(ROOT_DIR "/ww", now_omit, 0), -E_PERM);
    CHECK("utimens root's ww {1, 2}", sys_utimens(ROOT_DIR "/ww", explicit, 0), -E_PERM);
    CHECK("symlink tl -> t", sys_symlink("t", D "/tl"), 0);
    CHECK("utimens tl {1, 2} AT_SYMLINK_NOFOLLOW", sys_utimens(D "/tl", explicit, ABI_AT_SYMLINK_NOFOLLOW), 0);
    CHECK("times of tl (lstat)", times_of(D "/tl", false, &a, &m, &c), 0);
    CHECK("  the link's mtime is 2", m == 2, 1);
    CHECK("times of t", times_of(D "/t", true, &a, &m, &c), 0);
    CHECK("  t's mtime is still 5000", m == 5000, 1);
    CHECK("utimens d {1, 1}", sys_utimens(D "/d", (const u64[2]){1, 1}, 0), 0);
    CHECK("create d/new", write_file(D "/d/new", 0644, ""), 0);
    CHECK("times of d", times_of(D "/d", true, &a, &m, &c), 0);
    CHECK("  a new entry moves the directory's mtime", m > 1 && m == c, 1);
}

static void umasks(void) {
    CHECK_MODE("umask 077: the old one is 022", sys_umask(077), 022);
    CHECK("create um 0666", write_file(D "/um", 0666, ""), 0);
    CHECK_MODE("  mode 0600", st_field(D "/um", true, ST_MODE), 0600);
    CHECK("mkdir umd 0777", sys_mkdir(D "/umd", 0777), 0);
    CHECK_MODE("  mode 0700", st_field(D "/umd", true, ST_MODE), 0700);
    CHECK("symlink uml", sys_symlink("um", D "/uml"), 0);
    CHECK_MODE("  a link's mode is 0777 whatever the umask", st_field(D "/uml", false, ST_MODE), 0777);
    CHECK("chmod um 0666 (chmod ignores the umask)", sys_chmod(D "/um", 0666), 0);
    CHECK_MODE("  mode 0666", st_field(D "/um", true, ST_MODE), 0666);
    CHECK_MODE("umask 01777: returns 077", sys_umask(01777), 077);
    CHECK_MODE("umask 022: returns 0777 (bits above 0777 dropped)", sys_umask(022), 0777);
}

static void groups(void) {
    u32 gids[ABI_GROUPS_MAX];
    CHECK("getgroups count", sys_getgroups(NULL, 0), 2);
    CHECK("getgroups", sys_getgroups(gids, ABI_GROUPS_MAX), 2);
    CHECK("  the primary group first", gids[0], ABI_UID_USER);
    CHECK("  then users (/etc/group)", gids[1], GROUP_USERS);
    CHECK("getgroups into 1 slot", sys_getgroups(gids, 1), -E_INVAL);
    CHECK("read root's 0040 root:users (the group class, via users)", try_open(ROOT_DIR "/users-read", O_RD), 0);
    CHECK("read root's 0604 root:users (the group class has no r)", try_open(ROOT_DIR "/users-denied", O_RD),
          -E_ACCES);
    CHECK("chown f -1 -1", sys_chown(D "/f", UNCHANGED, UNCHANGED), 0);
    CHECK("chown f to xy (myself)", sys_chown(D "/f", ABI_UID_USER, UNCHANGED), 0);
    CHECK("chown f to root", sys_chown(D "/f", ABI_UID_ROOT, UNCHANGED), -E_PERM);
    CHECK("chown f to group users (mine)", sys_chown(D "/f", UNCHANGED, GROUP_USERS), 0);
    CHECK("  its group", st_field(D "/f", true, ST_GID), GROUP_USERS);
    CHECK("chown f to group root (not mine)", sys_chown(D "/f", UNCHANGED, ABI_UID_ROOT), -E_PERM);
    CHECK("chown f back to group xy", sys_chown(D "/f", UNCHANGED, ABI_UID_USER), 0);
    CHECK("chown /etc/passwd -1 -1 (not mine: only ctime)", sys_chown("/etc/passwd", UNCHANGED, UNCHANGED), 0);
    CHECK("  still root's", st_field("/etc/passwd", true, ST_UID), ABI_UID_ROOT);
    CHECK_MODE("  still 0644", st_field("/etc/passwd", true, ST_MODE), 0644);
    CHECK("chown /etc/passwd to its own group", sys_chown("/etc/passwd", UNCHANGED, ABI_UID_ROOT), -E_PERM);
    CHECK("chown /bin/whoami to xy", sys_chown("/bin/whoami", ABI_UID_USER, UNCHANGED), -E_PERM);
    CHECK("chown root's 06777 file -1 -1 (would drop set-ID: a mode change)",
          sys_chown(ROOT_DIR "/suid", UNCHANGED, UNCHANGED), -E_PERM);
    CHECK("chmod f 02755 (in its group)", sys_chmod(D "/f", 02755), 0);
    CHECK_MODE("  keeps set-group-ID", st_field(D "/f", true, ST_MODE), 02755);
    CHECK("chmod f 0644", sys_chmod(D "/f", 0644), 0);
}

static void setgid_directory(void) {
    CHECK("create in root's setgid directory", write_file(SGID_DIR "/f", 0644, "x"), 0);
    CHECK("  its group is the directory's (root)", st_field(SGID_DIR "/f", true, ST_GID), ABI_UID_ROOT);
    CHECK("  its owner is xy", st_field(SGID_DIR "/f", true, ST_UID), ABI_UID_USER);
    CHECK("chmod it 02755 (not in group root)", sys_chmod(SGID_DIR "/f", 02755), 0);
    CHECK_MODE("  set-group-ID dropped", st_field(SGID_DIR "/f", true, ST_MODE), 0755);
    CHECK("mkdir in the setgid directory", sys_mkdir(SGID_DIR "/d", 0755), 0);
    CHECK_MODE("  inherits set-group-ID", st_field(SGID_DIR "/d", true, ST_MODE), 02755);
    CHECK("  and the group", st_field(SGID_DIR "/d", true, ST_GID), ABI_UID_ROOT);
}

static i64 append(const char *path, const char *text) {
    i64 fd = sys_open(path, ABI_O_WRONLY | ABI_O_APPEND, 0);
    if (fd < 0) return fd;
    i64 wrote = sys_write(fd, text, strlen(text));
    i64 closed = sys_close(fd);
    return wrote < 0 ? wrote : closed;
}

// Linux's file_remove_privs: a write by anyone but root drops set-user-ID, and
// set-group-ID when group x is set (without it, it is a locking mark and stays).
static void privileges(void) {
    CHECK("write root's 06777 file", append(ROOT_DIR "/suid", "x"), 0);
    CHECK_MODE("  both set-ID bits gone", st_field(ROOT_DIR "/suid", true, ST_MODE), 0777);
    CHECK("write root's 02766 file", append(ROOT_DIR "/sgid-nox", "x"), 0);
    CHECK_MODE("  set-group-ID without group x stays", st_field(ROOT_DIR "/sgid-nox", true, ST_MODE), 02766);
    CHECK("O_TRUNC root's 04777 file", try_open(ROOT_DIR "/trunc-suid", ABI_O_WRONLY | ABI_O_TRUNC), 0);
    CHECK_MODE("  set-user-ID gone", st_field(ROOT_DIR "/trunc-suid", true, ST_MODE), 0777);
    CHECK("chmod my f 04755", sys_chmod(D "/f", 04755), 0);
    CHECK("write my f (the owner too)", append(D "/f", "!"), 0);
    CHECK_MODE("  set-user-ID gone", st_field(D "/f", true, ST_MODE), 0755);
}

int main(void) {
    positional();
    reads();
    utimens();
    umasks();
    groups();
    setgid_directory();
    privileges();
    say("%u failures", semtest_failures);
    return semtest_failures == 0 ? 0 : 1;
}
