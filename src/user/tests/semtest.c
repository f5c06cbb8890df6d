// semtest: Unix file semantics, one deterministic line per check, each expected
// value written from Linux's behaviour (fs/namei.c, fs/open.c, fs/attr.c, fs/utimes.c,
// with Debian's fs.protected_symlinks=1 and fs.protected_hardlinks=1): the path walk
// (x on every directory looked in, ".." through the real parent, trailing slashes,
// ".", ".." and "/" as last components), symbolic links (E_LOOP, relative targets,
// O_NOFOLLOW, creation through a dangling link), hard links and link counts, O_TRUNC,
// rename's order of errors, umask, fstat, pread and pwrite, the three times (relatime,
// utimens), supplementary groups, chmod/chown/write and the set-ID bits.
//
// init runs it as root (init.fs=1): root prepares files only root can make, runs the
// user's parts as uid 1000 (semwalk: the walk, dots, slashes, the cwd, O_TRUNC and
// rename; semlink: symbolic and hard links; semattr: descriptors, times, umask, groups
// and set-ID bits), then checks what root sees of the user's work. Lines never carry
// times or inode numbers, so QEMU and the simulator print the same ones
// (tests/t_qemu_semantics.sh). Re-runnable: it first removes what an earlier run left.
// Exit 0 when every check held, 1 otherwise.
#include <string.h>

#include "user/tests/lib/semtest.h"

BASIN_PROGRAM("semtest");

static const char *const leftovers[] = {XY_DIR, ROOT_DIR, SGID_DIR, TMP_LINK, TMP_TARGET, TMP_DIR_LINK,
                                        "/tmp/semtest-shadow", "/tmp/semtest-passwd"};

static void clean(void) {
    for (u32 i = 0; i < sizeof leftovers / sizeof leftovers[0]; i++) remove_tree(leftovers[i]);
}

// A file of root's for the user's checks: content, group, then the mode (chown
// first: it would remove a set-user-ID bit).
static i64 prepare(const char *path, u64 mode, u64 gid, const char *text) {
    i64 result = write_file(path, 0600, text);
    if (result == 0) result = sys_chown(path, ABI_ID_UNCHANGED, gid);
    if (result == 0) result = sys_chmod(path, mode);
    return result;
}

static void root_prepare(void) {
    CHECK("root: mkdir " ROOT_DIR, sys_mkdir(ROOT_DIR, 0755), 0);
    CHECK("root: users-read 0040 root:users", prepare(ROOT_DIR "/users-read", 040, GROUP_USERS, "g"), 0);
    CHECK("root: users-denied 0604 root:users", prepare(ROOT_DIR "/users-denied", 0604, GROUP_USERS, "g"), 0);
    CHECK("root: ww 0666", prepare(ROOT_DIR "/ww", 0666, ABI_UID_ROOT, "w"), 0);
    CHECK("root: suid 06777", prepare(ROOT_DIR "/suid", 06777, ABI_UID_ROOT, "s"), 0);
    CHECK("root: sgid-nox 02766", prepare(ROOT_DIR "/sgid-nox", 02766, ABI_UID_ROOT, "s"), 0);
    CHECK("root: trunc-suid 04777", prepare(ROOT_DIR "/trunc-suid", 04777, ABI_UID_ROOT, "s"), 0);
    CHECK_MODE("root:   its mode", st_field(ROOT_DIR "/trunc-suid", true, ST_MODE), 04777);
    CHECK("root: mkdir " SGID_DIR, sys_mkdir(SGID_DIR, 0777), 0);
    CHECK("root: chmod " SGID_DIR " 02777", sys_chmod(SGID_DIR, 02777), 0);
}

static void root_checks(void) {
    CHECK_MODE("root: umask is 022 (init's, inherited)", sys_umask(022), 022);
    CHECK("root: getgroups: root alone", sys_getgroups(NULL, 0), 1);
    CHECK("root: open a directory O_RDONLY|O_TRUNC", try_open(ROOT_DIR, ABI_O_RDONLY | ABI_O_TRUNC), -E_ISDIR);
    CHECK("root: open a directory O_WRONLY", try_open(ROOT_DIR, ABI_O_WRONLY), -E_ISDIR);
    CHECK("root: mkdir m 02755 (mkdir drops set-ID bits)", sys_mkdir(ROOT_DIR "/m", 02755), 0);
    CHECK_MODE("root:   its mode", st_field(ROOT_DIR "/m", true, ST_MODE), 0755);
    CHECK("root: mkdir t 01777 (keeps sticky, under umask 022)", sys_mkdir(ROOT_DIR "/t", 01777), 0);
    CHECK_MODE("root:   its mode", st_field(ROOT_DIR "/t", true, ST_MODE), 01755);
    CHECK("root: " ROOT_DIR " has 4 links (2 + m, t)", st_field(ROOT_DIR, true, ST_NLINK), 4);
    CHECK("root: create rs 04755", write_file(ROOT_DIR "/rs", 04755, "r"), 0);
    CHECK_MODE("root:   its mode", st_field(ROOT_DIR "/rs", true, ST_MODE), 04755);
    CHECK("root: write rs again (root keeps set-ID bits)", write_file(ROOT_DIR "/rs", 0, "rr"), 0);
    CHECK_MODE("root:   its mode", st_field(ROOT_DIR "/rs", true, ST_MODE), 04755);
    CHECK("root: chown rs to xy (a chown drops set-user-ID)", sys_chown(ROOT_DIR "/rs", ABI_UID_USER, ABI_ID_UNCHANGED), 0);
    CHECK_MODE("root:   its mode", st_field(ROOT_DIR "/rs", true, ST_MODE), 0755);
    CHECK("root:   its owner", st_field(ROOT_DIR "/rs", true, ST_UID), ABI_UID_USER);
    CHECK("root: link " ROOT_DIR "/rs (another's: root may)", sys_link(ROOT_DIR "/rs", ROOT_DIR "/rs2"), 0);
    CHECK("root:   2 links", st_field(ROOT_DIR "/rs", true, ST_NLINK), 2);
}

// What root sees of the user's work: the user's symlinks in sticky /tmp are not
// followed by root as last components (protected_symlinks), only in the middle.
static void root_after(void) {
    CHECK("root: open the user's " TMP_LINK, try_open(TMP_LINK, ABI_O_RDONLY), -E_ACCES);
    CHECK("root: stat it (follows the last component)", st_field(TMP_LINK, true, ST_TYPE), -E_ACCES);
    CHECK("root: lstat it", st_field(TMP_LINK, false, ST_TYPE), ABI_TYPE_SYMLINK);
    CHECK("root: readlink it", readlink_is(TMP_LINK, TMP_TARGET), 1);
    CHECK("root: stat " TMP_DIR_LINK "/", st_field(TMP_DIR_LINK "/", true, ST_TYPE), -E_ACCES);
    CHECK("root: stat " TMP_DIR_LINK "/keep (a link in the middle)", st_field(TMP_DIR_LINK "/keep", true, ST_TYPE),
          ABI_TYPE_FILE);
    CHECK("root: unlink the user's link in sticky /tmp", sys_unlink(TMP_LINK), 0);
    CHECK_MODE("root: suid after the user's write", st_field(ROOT_DIR "/suid", true, ST_MODE), 0777);
    CHECK_MODE("root: sgid-nox after the user's write", st_field(ROOT_DIR "/sgid-nox", true, ST_MODE), 02766);
    CHECK_MODE("root: trunc-suid after the user's O_TRUNC", st_field(ROOT_DIR "/trunc-suid", true, ST_MODE), 0777);
    CHECK("root: ww has 2 links (the user linked it)", st_field(ROOT_DIR "/ww", true, ST_NLINK), 2);
}

int main(int argc, char **argv) {
    if (sys_geteuid() != ABI_UID_ROOT) {
        say("run me as root: I prepare files for the user's parts and start them myself");
        return 2;
    }
    clean();
    root_prepare();
    root_checks();
    CHECK("semwalk as xy exits 0", run_as("semwalk", ABI_UID_USER), 0);
    CHECK("semlink as xy exits 0", run_as("semlink", ABI_UID_USER), 0);
    CHECK("semattr as xy exits 0", run_as("semattr", ABI_UID_USER), 0);
    root_after();
    clean();
    say("%u failures", semtest_failures);
    return semtest_failures == 0 ? 0 : 1;
}
