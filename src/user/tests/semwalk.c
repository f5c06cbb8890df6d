// semwalk: the path walk as a user (semtest runs it as xy): trailing slashes, ".",
// ".." and "/" as last components (Linux's errors), search permission on every
// directory looked in ("/root/../etc/passwd" needs x on /root; ".." needs x on the
// directory it leaves, not more), a cwd that is an inode (it survives renames above
// it and needs no path; getcwd then names where it is; a removed cwd is E_NOENT),
// O_TRUNC needing w, and rename's order of errors. One line per check.
#include <string.h>

#include "user/tests/lib/semtest.h"

BASIN_PROGRAM("semwalk");

#define D XY_DIR
#define O_RD ABI_O_RDONLY

static void setup(void) {
    CHECK("mkdir " D, sys_mkdir(D, 0755), 0);
    CHECK("create f", write_file(D "/f", 0644, "hello"), 0);
    CHECK("mkdir d", sys_mkdir(D "/d", 0755), 0);
    CHECK("create keep", write_file(D "/keep", 0644, "keep"), 0);
}

static void slashes(void) {
    CHECK("open f/ (a file and a trailing slash)", try_open(D "/f/", O_RD), -E_NOTDIR);
    CHECK("stat f/", st_field(D "/f/", true, ST_TYPE), -E_NOTDIR);
    CHECK("open new/ O_CREAT", try_open(D "/new/", ABI_O_WRONLY | ABI_O_CREAT), -E_ISDIR);
    CHECK("  made nothing", st_field(D "/new", false, ST_TYPE), -E_NOENT);
    CHECK("open d/ O_CREAT", try_open(D "/d/", O_RD | ABI_O_CREAT), -E_ISDIR);
    CHECK("open d O_CREAT (a directory)", try_open(D "/d", O_RD | ABI_O_CREAT), -E_ISDIR);
    CHECK("open d/", try_open(D "/d/", O_RD), 0);
    CHECK("open f/x (a file on the way)", try_open(D "/f/x", O_RD), -E_NOTDIR);
    CHECK("mkdir m/ (mkdir takes a trailing slash)", sys_mkdir(D "/m/", 0755), 0);
    CHECK("rmdir m/", sys_rmdir(D "/m/"), 0);
    CHECK("unlink f/", sys_unlink(D "/f/"), -E_NOTDIR);
    CHECK("unlink d/", sys_unlink(D "/d/"), -E_ISDIR);
    CHECK("unlink nope/", sys_unlink(D "/nope/"), -E_NOENT);
    CHECK("rmdir f/", sys_rmdir(D "/f/"), -E_NOTDIR);
    CHECK("rmdir f", sys_rmdir(D "/f"), -E_NOTDIR);
    CHECK("unlink d", sys_unlink(D "/d"), -E_ISDIR);
    CHECK("stat " D "//d// (repeated slashes)", st_field(D "//d//", true, ST_TYPE), ABI_TYPE_DIRECTORY);
    CHECK("stat \"\"", st_field("", true, ST_TYPE), -E_NOENT);
}

static void dots(void) {
    CHECK("stat /root/../etc/passwd (no x on /root)", st_field("/root/../etc/passwd", true, ST_TYPE), -E_ACCES);
    CHECK("stat /etc/../etc/passwd", st_field("/etc/../etc/passwd", true, ST_TYPE), ABI_TYPE_FILE);
    CHECK("stat nope/../f (a missing directory)", st_field(D "/nope/../f", true, ST_TYPE), -E_NOENT);
    CHECK("stat f/../f (a file as a directory)", st_field(D "/f/../f", true, ST_TYPE), -E_NOTDIR);
    CHECK("stat /.. is /", st_field("/..", true, ST_INODE) == st_field("/", true, ST_INODE), 1);
    CHECK("rmdir d/.", sys_rmdir(D "/d/."), -E_INVAL);
    CHECK("rmdir d/..", sys_rmdir(D "/d/.."), -E_NOTEMPTY);
    CHECK("rmdir /", sys_rmdir("/"), -E_BUSY);
    CHECK("unlink d/.", sys_unlink(D "/d/."), -E_ISDIR);
    CHECK("unlink /", sys_unlink("/"), -E_ISDIR);
    CHECK("mkdir d/.", sys_mkdir(D "/d/.", 0755), -E_EXIST);
    CHECK("mkdir d/..", sys_mkdir(D "/d/..", 0755), -E_EXIST);
    CHECK("mkdir /", sys_mkdir("/", 0755), -E_EXIST);
    CHECK("rename d/. x", sys_rename(D "/d/.", D "/x"), -E_BUSY);
    CHECK("rename d/.. x", sys_rename(D "/d/..", D "/x"), -E_BUSY);
    CHECK("rename f d/..", sys_rename(D "/f", D "/d/.."), -E_BUSY);
    CHECK("rename / x", sys_rename("/", D "/x"), -E_BUSY);
    CHECK("rename d d/sub (into itself)", sys_rename(D "/d", D "/d/sub"), -E_INVAL);
    CHECK("mkdir d/e", sys_mkdir(D "/d/e", 0755), 0);
    CHECK("rename d/e d (onto its own ancestor)", sys_rename(D "/d/e", D "/d"), -E_NOTEMPTY);
    CHECK("rename d d (itself)", sys_rename(D "/d", D "/d"), 0);
    CHECK("rename f/ g (a file and a slash)", sys_rename(D "/f/", D "/g"), -E_NOTDIR);
    CHECK("rename f g/", sys_rename(D "/f", D "/g/"), -E_NOTDIR);
    CHECK("rename d/e/ e2/ (a directory takes slashes)", sys_rename(D "/d/e/", D "/e2/"), 0);
    CHECK("rmdir e2", sys_rmdir(D "/e2"), 0);
    CHECK("open d/. O_CREAT", try_open(D "/d/.", O_RD | ABI_O_CREAT), -E_ISDIR);
    CHECK("open d/. O_CREAT|O_EXCL", try_open(D "/d/.", O_RD | ABI_O_CREAT | ABI_O_EXCL), -E_EXIST);
}

// x is needed on each directory a component is looked up in: a cwd whose parent has
// none still works, ".." from it too, but not a name below that parent.
static void search(void) {
    CHECK("mkdir nx", sys_mkdir(D "/nx", 0755), 0);
    CHECK("mkdir nx/in", sys_mkdir(D "/nx/in", 0755), 0);
    CHECK("create nx/in/x", write_file(D "/nx/in/x", 0644, "x"), 0);
    CHECK("chdir nx/in", sys_chdir(D "/nx/in"), 0);
    CHECK("chmod nx 0600 (no x)", sys_chmod(D "/nx", 0600), 0);
    CHECK("stat x (from the cwd: no path above it)", st_field("x", true, ST_TYPE), ABI_TYPE_FILE);
    CHECK("stat .. (x on the directory left)", st_field("..", true, ST_TYPE), ABI_TYPE_DIRECTORY);
    CHECK("stat ../in (no x on nx)", st_field("../in", true, ST_TYPE), -E_ACCES);
    CHECK("stat " D "/nx/in/x (no x on nx)", st_field(D "/nx/in/x", true, ST_TYPE), -E_ACCES);
    CHECK("chmod . 0600 (no x on the cwd)", sys_chmod(".", 0600), 0);
    CHECK("stat x (no x on the cwd)", st_field("x", true, ST_TYPE), -E_ACCES);
    CHECK("stat . (. is looked up too)", st_field(".", true, ST_TYPE), -E_ACCES);
    CHECK("chmod . 0755 (cannot look . up)", sys_chmod(".", 0755), -E_ACCES);
    CHECK("chmod nx 0755", sys_chmod(D "/nx", 0755), 0);
    CHECK("chmod nx/in 0755", sys_chmod(D "/nx/in", 0755), 0);
    CHECK("stat x", st_field("x", true, ST_TYPE), ABI_TYPE_FILE);
}

// The cwd is the directory itself: renames above it keep it, getcwd names its new
// place, and once it is removed relative names are E_NOENT.
static void cwd(void) {
    CHECK("getcwd", cwd_is(D "/nx/in"), 1);
    CHECK("rename nx ny (above the cwd)", sys_rename(D "/nx", D "/ny"), 0);
    CHECK("getcwd after the rename", cwd_is(D "/ny/in"), 1);
    CHECK("stat x still", st_field("x", true, ST_TYPE), ABI_TYPE_FILE);
    CHECK("stat ../in", st_field("../in", true, ST_TYPE), ABI_TYPE_DIRECTORY);
    CHECK("unlink x", sys_unlink("x"), 0);
    CHECK("rmdir the cwd", sys_rmdir(D "/ny/in"), 0);
    char buffer[ABI_PATH_LEN_MAX];
    CHECK("getcwd of a removed cwd", sys_getcwd(buffer, sizeof buffer), -E_NOENT);
    CHECK("create y in a removed cwd", try_open("y", ABI_O_WRONLY | ABI_O_CREAT), -E_NOENT);
    CHECK("chdir " D, sys_chdir(D), 0);
    CHECK("getcwd", cwd_is(D), 1);
    CHECK("getcwd into 4 bytes", sys_getcwd(buffer, 4), -E_RANGE);
    CHECK("rmdir ny", sys_rmdir("ny"), 0);
    CHECK(D " has 3 links (2 + d)", st_field(D, true, ST_NLINK), 3);
    CHECK("d has 2 links", st_field("d", true, ST_NLINK), 2);
}

static void truncation(void) {
    CHECK("create ro 0444", write_file(D "/ro", 0444, "data"), 0);
    CHECK("open ro O_RDONLY|O_TRUNC (needs w)", try_open(D "/ro", O_RD | ABI_O_TRUNC), -E_ACCES);
    CHECK("  ro keeps its bytes", st_field(D "/ro", true, ST_SIZE), 4);
    CHECK("open ro O_WRONLY", try_open(D "/ro", ABI_O_WRONLY), -E_ACCES);
    CHECK("open d O_RDONLY|O_TRUNC", try_open(D "/d", O_RD | ABI_O_TRUNC), -E_ISDIR);
    CHECK("create tr", write_file(D "/tr", 0644, "abc"), 0);
    CHECK("open tr O_RDONLY|O_TRUNC (w granted: truncates)", try_open(D "/tr", O_RD | ABI_O_TRUNC), 0);
    CHECK("  tr is empty", st_field(D "/tr", true, ST_SIZE), 0);
    CHECK("open f O_DIRECTORY", try_open(D "/f", O_RD | ABI_O_DIRECTORY), -E_NOTDIR);
    CHECK("open ro O_WRONLY|O_DIRECTORY (E_NOTDIR first)", try_open(D "/ro", ABI_O_WRONLY | ABI_O_DIRECTORY),
          -E_NOTDIR);
    CHECK("open f O_CREAT|O_EXCL", try_open(D "/f", ABI_O_WRONLY | ABI_O_CREAT | ABI_O_EXCL), -E_EXIST);
}

// Linux's vfs_rename decides access (E_ACCES, sticky E_PERM) and types before it
// finds a target directory not empty.
static void rename_order(void) {
    CHECK("mkdir p", sys_mkdir(D "/p", 0755), 0);
    CHECK("mkdir p/full", sys_mkdir(D "/p/full", 0755), 0);
    CHECK("create p/full/x", write_file(D "/p/full/x", 0644, "x"), 0);
    CHECK("mkdir src", sys_mkdir(D "/src", 0755), 0);
    CHECK("rename src p/full (not empty)", sys_rename(D "/src", D "/p/full"), -E_NOTEMPTY);
    CHECK("chmod p 0555 (no w)", sys_chmod(D "/p", 0555), 0);
    CHECK("rename src p/full: E_ACCES before E_NOTEMPTY", sys_rename(D "/src", D "/p/full"), -E_ACCES);
    CHECK("chmod p 0755", sys_chmod(D "/p", 0755), 0);
    CHECK("rename src onto the file p/full/x", sys_rename(D "/src", D "/p/full/x"), -E_NOTDIR);
    CHECK("rename p/full/x onto the directory src", sys_rename(D "/p/full/x", D "/src"), -E_ISDIR);
    CHECK("rename root's entry in sticky /tmp", sys_rename(ROOT_DIR, "/tmp/semtest-xy"), -E_PERM);
    CHECK("rename nope x", sys_rename(D "/nope", D "/x"), -E_NOENT);
    CHECK("rename a directory into /etc", sys_rename(D "/src", "/etc/semtest"), -E_ACCES);
}

int main(void) {
    setup();
    slashes();
    dots();
    search();
    cwd();
    truncation();
    rename_order();
    say("%u failures", semtest_failures);
    return semtest_failures == 0 ? 0 : 1;
}
