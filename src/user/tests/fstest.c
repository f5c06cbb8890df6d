// fstest: the filesystem's syscall semantics, one deterministic line per check, so
// the same lines must appear on QEMU and in the simulator. Works under a scratch
// directory it creates and removes. Exit 0 when every check held, 1 otherwise.
#include <stdio.h>
#include <string.h>

#include "user/tests/lib/test.h"

#define DIR "/tmp/fstest"
#define READ_BYTES_MAX 64
#define DIRENTS_MAX 8

BASIN_PROGRAM("fstest");

#define CHECK(what, result, expected) (failures += !expect_result((what), (result), (expected)))

static i64 write_file(const char *path, const char *text) {
    i64 fd = sys_open(path, ABI_O_WRONLY | ABI_O_CREAT | ABI_O_TRUNC, 0644);
    if (fd < 0) return fd;
    i64 wrote = sys_write(fd, text, strlen(text));
    i64 synced = sys_fsync(fd);
    i64 closed = sys_close(fd);
    return wrote < 0 ? wrote : synced < 0 ? synced : closed;
}

// 1 when the file holds exactly these bytes, else 0 (or -error).
static i64 holds_bytes(const char *path, const char *expected, u64 length) {
    char bytes[READ_BYTES_MAX];
    i64 fd = sys_open(path, ABI_O_RDONLY, 0);
    if (fd < 0) return fd;
    i64 count = sys_read(fd, bytes, sizeof bytes);
    sys_close(fd);
    if (count < 0) return count;
    return (u64)count == length && memcmp(bytes, expected, length) == 0;
}

static i64 holds(const char *path, const char *text) { return holds_bytes(path, text, strlen(text)); }

// After the seeks and writes of check_files: a hole of two zero bytes before "z".
static const char edited[] = {'a', 'l', 'P', 'h', 'a', '+', 0, 0, 'z'};

static u32 check_files(void) {
    u32 failures = 0;
    CHECK("mkdir " DIR, sys_mkdir(DIR, 0755), 0);
    CHECK("mkdir again", sys_mkdir(DIR, 0755), -E_EXIST);
    CHECK("write a", write_file(DIR "/a", "alpha"), 0);
    CHECK("read a back", holds(DIR "/a", "alpha"), 1);
    CHECK("open missing", sys_open(DIR "/nope", ABI_O_RDONLY, 0), -E_NOENT);
    CHECK("open O_CREAT|O_EXCL on existing", sys_open(DIR "/a", ABI_O_WRONLY | ABI_O_CREAT | ABI_O_EXCL, 0644), -E_EXIST);
    CHECK("open O_CREAT|O_DIRECTORY", sys_open(DIR "/c", ABI_O_RDONLY | ABI_O_CREAT | ABI_O_DIRECTORY, 0), -E_INVAL);
    CHECK("  ...created nothing", sys_open(DIR "/c", ABI_O_RDONLY, 0), -E_NOENT);
    CHECK("open a directory for writing", sys_open(DIR, ABI_O_WRONLY, 0), -E_ISDIR);
    CHECK("open a file as a directory", sys_open(DIR "/a", ABI_O_RDONLY | ABI_O_DIRECTORY, 0), -E_NOTDIR);
    CHECK("path through a file", sys_open(DIR "/a/x", ABI_O_RDONLY, 0), -E_NOTDIR);
    i64 fd = sys_open(DIR "/a", ABI_O_WRONLY | ABI_O_APPEND, 0);
    CHECK("O_APPEND write", sys_write(fd, "+", 1), 1);
    CHECK("O_APPEND close", sys_close(fd), 0);
    CHECK("append landed", holds(DIR "/a", "alpha+"), 1);
    fd = sys_open(DIR "/a", ABI_O_RDWR, 0);
    CHECK("seek to 2", sys_seek(fd, 2, ABI_SEEK_SET), 2);
    CHECK("overwrite in the middle", sys_write(fd, "P", 1), 1);
    CHECK("seek past the end", sys_seek(fd, 8, ABI_SEEK_SET), 8);
    CHECK("write after a hole", sys_write(fd, "z", 1), 1);
    CHECK("seek end", sys_seek(fd, 0, ABI_SEEK_END), 9);
    CHECK("seek before 0", sys_seek(fd, -10, ABI_SEEK_CUR), -E_INVAL);
    CHECK("close", sys_close(fd), 0);
    CHECK("the hole reads as zeros", holds_bytes(DIR "/a", edited, sizeof edited), 1);
    struct abi_stat st;
    CHECK("stat a", sys_stat(DIR "/a", &st), 0);
    CHECK("  size 9", (i64)st.size_bytes, 9);
    CHECK("  type file", (i64)st.type, ABI_TYPE_FILE);
    CHECK("read-only fd refuses writes", (fd = sys_open(DIR "/a", ABI_O_RDONLY, 0)) >= 0 ? sys_write(fd, "x", 1) : fd, -E_BADF);
    sys_close(fd);
    CHECK("close twice", sys_close(fd), -E_BADF);
    CHECK("stat bad pointer", sys_stat(DIR "/a", (struct abi_stat *)0x10), -E_FAULT);
    return failures;
}

static u32 check_descriptors(void) {
    u32 failures = 0;
    CHECK("close stdin", sys_close(0), 0);
    i64 fd = sys_open(DIR "/a", ABI_O_RDONLY, 0);
    CHECK("the lowest free descriptor is reused", fd, 0);
    sys_close(fd);
    i64 opened = 0;
    for (i64 i = 0; i < ABI_FDS_MAX; i++) {
        if (sys_open(DIR, ABI_O_RDONLY, 0) >= 0) opened++;
    }
    CHECK("descriptors run out", opened, ABI_FDS_MAX - 2);
    CHECK("E_MFILE truncates nothing", sys_open(DIR "/a", ABI_O_WRONLY | ABI_O_TRUNC, 0), -E_MFILE);
    for (i64 i = 0; i < ABI_FDS_MAX; i++) {
        if (i != 1 && i != 2) sys_close(i);
    }
    struct abi_stat st;
    CHECK("  size still 9", sys_stat(DIR "/a", &st) == 0 ? (i64)st.size_bytes : -1, 9);
    return failures;
}

static u32 check_names(void) {
    u32 failures = 0;
    CHECK("write b", write_file(DIR "/b", "bravo"), 0);
    CHECK("rename a over b", sys_rename(DIR "/a", DIR "/b"), 0);
    CHECK("  a is gone", sys_open(DIR "/a", ABI_O_RDONLY, 0), -E_NOENT);
    CHECK("mkdir sub", sys_mkdir(DIR "/sub", 0755), 0);
    CHECK("rename into sub", sys_rename(DIR "/b", DIR "/sub/b"), 0);
    CHECK("rename a directory into itself", sys_rename(DIR "/sub", DIR "/sub/deeper"), -E_INVAL);
    CHECK("rmdir non-empty", sys_rmdir(DIR "/sub"), -E_NOTEMPTY);
    CHECK("unlink a directory", sys_unlink(DIR "/sub"), -E_ISDIR);
    CHECK("rmdir a file", sys_rmdir(DIR "/sub/b"), -E_NOTDIR);
    CHECK("chdir sub", sys_chdir(DIR "/sub"), 0);
    char cwd[ABI_PATH_LEN_MAX];
    CHECK("getcwd", sys_getcwd(cwd, sizeof cwd), (i64)strlen(DIR "/sub"));
    CHECK("  is " DIR "/sub", strcmp(cwd, DIR "/sub") == 0, 1);
    CHECK("getcwd too small", sys_getcwd(cwd, 4), -E_RANGE);
    CHECK("relative open", holds_bytes("b", edited, sizeof edited), 1);
    CHECK("relative ../", sys_stat("../sub/./b", &(struct abi_stat){0}), 0);
    CHECK("chdir a file", sys_chdir("b"), -E_NOTDIR);
    CHECK("chdir /", sys_chdir("/"), 0);
    return failures;
}

// Reading one entry at a time while removing them must see every entry (rm -r).
static u32 check_readdir(void) {
    u32 failures = 0;
    static const char *const names[] = {DIR "/r/1", DIR "/r/2", DIR "/r/3", DIR "/r/4", DIR "/r/5"};
    CHECK("mkdir r", sys_mkdir(DIR "/r", 0755), 0);
    for (u32 i = 0; i < 5; i++) failures += write_file(names[i], "x") != 0;
    i64 fd = sys_open(DIR "/r", ABI_O_RDONLY | ABI_O_DIRECTORY, 0);
    struct abi_dirent entry;
    i64 removed = 0;
    char path[ABI_PATH_LEN_MAX];
    while (sys_readdir(fd, &entry, 1) == 1) {
        snprintf(path, sizeof path, DIR "/r/%s", entry.name);
        if (sys_unlink(path) == 0) removed++;
    }
    sys_close(fd);
    CHECK("readdir while unlinking sees all 5", removed, 5);
    CHECK("rmdir r", sys_rmdir(DIR "/r"), 0);
    struct abi_dirent entries[DIRENTS_MAX];
    fd = sys_open(DIR, ABI_O_RDONLY, 0);
    i64 count = sys_readdir(fd, entries, DIRENTS_MAX);
    CHECK("readdir " DIR, count, 1);
    CHECK("  holds sub", count == 1 && strcmp(entries[0].name, "sub") == 0, 1);
    CHECK("readdir at the end", sys_readdir(fd, entries, DIRENTS_MAX), 0);
    CHECK("readdir on a file fd", sys_readdir(1, entries, 1), -E_NOTDIR);
    sys_close(fd);
    return failures;
}

// An unlinked file that is still open: its descriptor keeps working, nothing revives it.
static u32 check_unlink_open(void) {
    u32 failures = 0;
    i64 fd = sys_open(DIR "/sub/b", ABI_O_RDWR, 0);
    CHECK("unlink an open file", sys_unlink(DIR "/sub/b"), 0);
    CHECK("  write through it", sys_write(fd, "!", 1), 1);
    CHECK("  fsync it", sys_fsync(fd), 0);
    CHECK("  close it", sys_close(fd), 0);
    CHECK("  it stays gone", sys_open(DIR "/sub/b", ABI_O_RDONLY, 0), -E_NOENT);
    CHECK("mkdir moved", sys_mkdir(DIR "/moved", 0755), 0);
    CHECK("move a directory across parents", sys_rename(DIR "/sub", DIR "/moved/sub"), 0);
    CHECK("  its .. is the new parent", sys_stat(DIR "/moved/sub/../sub", &(struct abi_stat){0}), 0);
    CHECK("rmdir moved/sub", sys_rmdir(DIR "/moved/sub"), 0);
    CHECK("rmdir moved", sys_rmdir(DIR "/moved"), 0);
    CHECK("rmdir " DIR, sys_rmdir(DIR), 0);
    CHECK("rmdir /", sys_rmdir("/"), -E_BUSY); // Linux: the root is busy
    return failures;
}

int main(void) {
    u32 failures = check_files();
    failures += check_descriptors();
    failures += check_names();
    failures += check_readdir();
    failures += check_unlink_open();
    say("%u failures", failures);
    // A crash, power loss or disk fault (here or in an earlier life) can fail a check.
    report_check("fstest", failures, ABI_REPORT_EXCUSES_ALL);
    return failures == 0 ? 0 : 1;
}
