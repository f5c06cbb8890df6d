// semlink: symbolic and hard links as a user (semtest runs it as xy). Symlinks:
// followed except as the last component of lstat, readlink, unlink, rmdir, rename,
// link and O_NOFOLLOW; a trailing slash follows; relative targets from the link's
// directory; E_LOOP after 40; open(O_CREAT) through a dangling link creates its
// target (not with O_EXCL); the cwd stays physical. Hard links: link counts, no links
// to directories, Linux's protected_hardlinks, an unlinked open file, rename between
// names of one file. One line per check.
#include <stdio.h>
#include <string.h>

#include "user/tests/lib/semtest.h"

BASIN_PROGRAM("semlink");

#define D XY_DIR
#define O_RD ABI_O_RDONLY
#define CHAIN_LINKS 41 // c0 .. c40: c39 takes 40 expansions, c40 one too many

static void basics(void) {
    char buffer[8];
    CHECK("symlink s -> f", sys_symlink("f", D "/s"), 0);
    CHECK("readlink s", readlink_is(D "/s", "f"), 1);
    CHECK("readlink s: its length", sys_readlink(D "/s", buffer, sizeof buffer), 1);
    CHECK("readlink s into 0 bytes", sys_readlink(D "/s", buffer, 0), -E_INVAL);
    CHECK("readlink f (not a link)", sys_readlink(D "/f", buffer, sizeof buffer), -E_INVAL);
    CHECK("stat s: a file", st_field(D "/s", true, ST_TYPE), ABI_TYPE_FILE);
    CHECK("lstat s: a symlink", st_field(D "/s", false, ST_TYPE), ABI_TYPE_SYMLINK);
    CHECK("lstat s: its size is the target's length", st_field(D "/s", false, ST_SIZE), 1);
    CHECK_MODE("lstat s: mode 0777", st_field(D "/s", false, ST_MODE), 0777);
    CHECK("read through s", content_is(D "/s", "hello"), 1);
    CHECK("open s O_NOFOLLOW", try_open(D "/s", O_RD | ABI_O_NOFOLLOW), -E_LOOP);
    CHECK("symlink sd -> d", sys_symlink("d", D "/sd"), 0);
    CHECK("lstat sd/ (a trailing slash follows)", st_field(D "/sd/", false, ST_TYPE), ABI_TYPE_DIRECTORY);
    CHECK("rmdir sd (a link, not a directory)", sys_rmdir(D "/sd"), -E_NOTDIR);
    CHECK("unlink sd/ (the link is looked at, not followed)", sys_unlink(D "/sd/"), -E_NOTDIR);
    CHECK("symlink d/up -> ../f", sys_symlink("../f", D "/d/up"), 0);
    CHECK("read through d/up (from the link's directory)", content_is(D "/d/up", "hello"), 1);
    CHECK("symlink pw -> /etc/passwd", sys_symlink("/etc/passwd", D "/pw"), 0);
    CHECK("stat pw: root's", st_field(D "/pw", true, ST_UID), ABI_UID_ROOT);
    CHECK("symlink dl -> d", sys_symlink("d", D "/dl"), 0);
    CHECK("create dl/x (a link in the middle)", write_file(D "/dl/x", 0644, "x"), 0);
    CHECK("  it is d/x", content_is(D "/d/x", "x"), 1);
    CHECK("chdir dl", sys_chdir(D "/dl"), 0);
    CHECK("getcwd: the physical path", cwd_is(D "/d"), 1);
    CHECK("stat ../f (.. of d)", st_field("../f", true, ST_TYPE), ABI_TYPE_FILE);
    CHECK("chdir " D, sys_chdir(D), 0);
    CHECK("rename s s3 (the link moves, not f)", sys_rename(D "/s", D "/s3"), 0);
    CHECK("  f stays", st_field(D "/f", false, ST_TYPE), ABI_TYPE_FILE);
    CHECK("unlink s3 (the link goes, not f)", sys_unlink(D "/s3"), 0);
    CHECK("  f stays", content_is(D "/f", "hello"), 1);
    CHECK("symlink s -> f again", sys_symlink("f", D "/s"), 0);
}

static i64 make_chain(void) {
    char name[ABI_PATH_LEN_MAX], target[ABI_NAME_LEN_MAX];
    for (u32 i = 0; i < CHAIN_LINKS; i++) {
        snprintf(name, sizeof name, D "/c%u", i);
        if (i == 0) snprintf(target, sizeof target, "f");
        else snprintf(target, sizeof target, "c%u", i - 1);
        i64 result = sys_symlink(target, name);
        if (result < 0) return result;
    }
    return 0;
}

static void loops(void) {
    CHECK("symlink loop1 -> loop2", sys_symlink("loop2", D "/loop1"), 0);
    CHECK("symlink loop2 -> loop1", sys_symlink("loop1", D "/loop2"), 0);
    CHECK("stat loop1", st_field(D "/loop1", true, ST_TYPE), -E_LOOP);
    CHECK("lstat loop1", st_field(D "/loop1", false, ST_TYPE), ABI_TYPE_SYMLINK);
    CHECK("open loop1 O_CREAT", try_open(D "/loop1", ABI_O_WRONLY | ABI_O_CREAT), -E_LOOP);
    CHECK("symlink self -> self", sys_symlink("self", D "/self"), 0);
    CHECK("stat self/x", st_field(D "/self/x", true, ST_TYPE), -E_LOOP);
    CHECK("make c0 -> f, c1 -> c0, ... c40 -> c39", make_chain(), 0);
    CHECK("stat c39 (40 links)", st_field(D "/c39", true, ST_TYPE), ABI_TYPE_FILE);
    CHECK("stat c40 (41 links)", st_field(D "/c40", true, ST_TYPE), -E_LOOP);
    CHECK("lstat c40", st_field(D "/c40", false, ST_TYPE), ABI_TYPE_SYMLINK);
}

static void dangling(void) {
    CHECK("symlink dang -> nowhere", sys_symlink("nowhere", D "/dang"), 0);
    CHECK("stat dang", st_field(D "/dang", true, ST_TYPE), -E_NOENT);
    CHECK("open dang O_CREAT (creates the target)", try_open(D "/dang", ABI_O_WRONLY | ABI_O_CREAT), 0);
    CHECK("  nowhere is a file", st_field(D "/nowhere", false, ST_TYPE), ABI_TYPE_FILE);
    CHECK("symlink dang2 -> nowhere2", sys_symlink("nowhere2", D "/dang2"), 0);
    CHECK("open dang2 O_CREAT|O_EXCL", try_open(D "/dang2", ABI_O_WRONLY | ABI_O_CREAT | ABI_O_EXCL), -E_EXIST);
    CHECK("  nowhere2 not made", st_field(D "/nowhere2", false, ST_TYPE), -E_NOENT);
    CHECK("symlink an empty target", sys_symlink("", D "/e"), -E_NOENT);
    CHECK("symlink onto f (exists)", sys_symlink("x", D "/f"), -E_EXIST);
    CHECK("symlink new/ (a trailing slash)", sys_symlink("x", D "/new/"), -E_NOENT);
    CHECK("symlink d/.", sys_symlink("x", D "/d/."), -E_EXIST);
    CHECK("symlink into /etc", sys_symlink("x", "/etc/semtest"), -E_ACCES);
    CHECK("create " TMP_TARGET, write_file(TMP_TARGET, 0644, "t"), 0);
    CHECK("symlink " TMP_LINK, sys_symlink(TMP_TARGET, TMP_LINK), 0);
    CHECK("follow my own link in sticky /tmp", content_is(TMP_LINK, "t"), 1);
    CHECK("symlink " TMP_DIR_LINK " -> " D, sys_symlink(D, TMP_DIR_LINK), 0);
    CHECK("stat " TMP_DIR_LINK "/ (mine)", st_field(TMP_DIR_LINK "/", true, ST_TYPE), ABI_TYPE_DIRECTORY);
}

static void hard(void) {
    CHECK("create hl", write_file(D "/hl", 0644, "hard"), 0);
    CHECK("link hl hl2", sys_link(D "/hl", D "/hl2"), 0);
    CHECK("  hl has 2 links", st_field(D "/hl", true, ST_NLINK), 2);
    CHECK("  hl2 is hl", st_field(D "/hl2", true, ST_INODE) == st_field(D "/hl", true, ST_INODE), 1);
    CHECK("unlink hl", sys_unlink(D "/hl"), 0);
    CHECK("  hl2 has 1 link", st_field(D "/hl2", true, ST_NLINK), 1);
    CHECK("  hl2 keeps the bytes", content_is(D "/hl2", "hard"), 1);
    CHECK("link a directory", sys_link(D "/d", D "/dh"), -E_PERM);
    CHECK("link onto an existing name", sys_link(D "/hl2", D "/keep"), -E_EXIST);
    CHECK("link a missing file", sys_link(D "/nope", D "/x2"), -E_NOENT);
    CHECK("link to new/", sys_link(D "/hl2", D "/new/"), -E_NOENT);
    CHECK("link hl2/ (a file and a slash)", sys_link(D "/hl2/", D "/x3"), -E_NOTDIR);
    CHECK("link s s2 (the symlink itself)", sys_link(D "/s", D "/s2"), 0);
    CHECK("  s2 is a symlink with 2 links", st_field(D "/s2", false, ST_NLINK), 2);
    CHECK("link /etc/shadow (protected_hardlinks: no r)", sys_link("/etc/shadow", "/tmp/semtest-shadow"), -E_PERM);
    CHECK("link /etc/passwd (protected_hardlinks: no w)", sys_link("/etc/passwd", "/tmp/semtest-passwd"), -E_PERM);
    CHECK("link root's ww 0666 (r and w: allowed)", sys_link(ROOT_DIR "/ww", D "/ww"), 0);
    CHECK("link into /etc", sys_link(D "/hl2", "/etc/semtest"), -E_ACCES);
}

static void unlinked_open(void) {
    char buffer[8];
    i64 fd = sys_open(D "/hl2", ABI_O_RDWR, 0);
    CHECK("open hl2 O_RDWR", fd >= 0, 1);
    CHECK("unlink hl2 while open", sys_unlink(D "/hl2"), 0);
    struct abi_stat st;
    memset(&st, 0, sizeof st);
    CHECK("fstat: 0 links", sys_fstat(fd, &st) == 0 ? (i64)st.nlink : -1, 0);
    CHECK("pread still reads", sys_pread(fd, buffer, 4, 0), 4);
    CHECK("pwrite still writes", sys_pwrite(fd, "H", 1, 0), 1);
    CHECK("close", sys_close(fd), 0);
    CHECK("hl2 is gone", st_field(D "/hl2", false, ST_TYPE), -E_NOENT);
}

static void rename_links(void) {
    CHECK("create ra", write_file(D "/ra", 0644, "ra"), 0);
    CHECK("link ra rb", sys_link(D "/ra", D "/rb"), 0);
    CHECK("rename ra rb (one file: nothing happens)", sys_rename(D "/ra", D "/rb"), 0);
    CHECK("  ra still has 2 links", st_field(D "/ra", false, ST_NLINK), 2);
    CHECK("create rc", write_file(D "/rc", 0644, "rc"), 0);
    CHECK("rename rc ra (replaces one of two names)", sys_rename(D "/rc", D "/ra"), 0);
    CHECK("  rb has 1 link", st_field(D "/rb", false, ST_NLINK), 1);
    CHECK("  ra is rc's", content_is(D "/ra", "rc"), 1);
    CHECK("mkdir n", sys_mkdir(D "/n", 0755), 0);
    CHECK("  2 links", st_field(D "/n", false, ST_NLINK), 2);
    CHECK("mkdir n/a", sys_mkdir(D "/n/a", 0755), 0);
    CHECK("  n has 3 links", st_field(D "/n", false, ST_NLINK), 3);
    CHECK("rename n/a a2 (out of n)", sys_rename(D "/n/a", D "/a2"), 0);
    CHECK("  n has 2 links", st_field(D "/n", false, ST_NLINK), 2);
    CHECK("rmdir a2", sys_rmdir(D "/a2"), 0);
}

int main(void) {
    basics();
    loops();
    dangling();
    hard();
    unlinked_open();
    rename_links();
    say("%u failures", semtest_failures);
    return semtest_failures == 0 ? 0 : 1;
}
