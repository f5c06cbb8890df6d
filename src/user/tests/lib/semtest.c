// Shared by the semantics test programs (semtest and the parts it runs): checks that
// count their failures, stat fields, small file helpers and a tree remover.
#include <string.h>

#include "user/tests/lib/semtest.h"

u32 semtest_failures;

i64 st_field(const char *path, bool follow, enum st_field which) {
    struct abi_stat st;
    memset(&st, 0, sizeof st);
    i64 result = follow ? sys_stat(path, &st) : sys_lstat(path, &st);
    if (result < 0) return result;
    switch (which) {
    case ST_TYPE: return st.type;
    case ST_MODE: return st.mode;
    case ST_NLINK: return st.nlink;
    case ST_UID: return st.uid;
    case ST_GID: return st.gid;
    case ST_SIZE: return (i64)st.size_bytes;
    case ST_INODE: return (i64)st.inode;
    }
    return -E_INVAL;
}

i64 write_file(const char *path, u64 mode, const char *text) {
    i64 fd = sys_open(path, ABI_O_WRONLY | ABI_O_CREAT | ABI_O_TRUNC, mode);
    if (fd < 0) return fd;
    i64 wrote = sys_write(fd, text, strlen(text));
    i64 closed = sys_close(fd);
    return wrote < 0 ? wrote : closed;
}

i64 try_open(const char *path, u64 flags) {
    i64 fd = sys_open(path, flags, 0644);
    if (fd < 0) return fd;
    return sys_close(fd);
}

// 1 when the file's content is exactly text, 0 when not, or -error.
i64 content_is(const char *path, const char *text) {
    char buffer[READ_BYTES_MAX + 1];
    i64 fd = sys_open(path, ABI_O_RDONLY, 0);
    if (fd < 0) return fd;
    i64 length = sys_read(fd, buffer, READ_BYTES_MAX);
    sys_close(fd);
    if (length < 0) return length;
    buffer[length] = '\0';
    return strcmp(buffer, text) == 0 ? 1 : 0;
}

// Removes path and everything under it (as root), whatever modes were left.
void remove_tree(const char *path) {
    struct abi_stat st;
    if (sys_lstat(path, &st) < 0) return;
    if (st.type != ABI_TYPE_DIRECTORY) { sys_unlink(path); return; }
    sys_chmod(path, 0700);
    i64 fd = sys_open(path, ABI_O_RDONLY | ABI_O_DIRECTORY, 0);
    struct abi_dirent entries[REMOVE_BATCH_COUNT];
    for (u32 round = 0; fd >= 0 && round < REMOVE_ROUNDS_MAX; round++) {
        i64 count = sys_readdir(fd, entries, REMOVE_BATCH_COUNT);
        if (count <= 0) break;
        for (i64 i = 0; i < count; i++) {
            char child[ABI_PATH_LEN_MAX];
            if (strlen(path) + 1 + strlen(entries[i].name) >= sizeof child) continue;
            strcpy(child, path);
            strcat(child, "/");
            strcat(child, entries[i].name);
            remove_tree(child);
        }
    }
    if (fd >= 0) sys_close(fd);
    sys_rmdir(path);
}

i64 run_as(const char *name, u64 uid) {
    char path[ABI_PATH_LEN_MAX] = TEST_DIR "/";
    basin_assert(strlen(path) + strlen(name) < sizeof path);
    strcat(path, name);
    const char *const argv[] = {name, NULL};
    i64 pid = sys_spawn(path, argv, uid);
    if (pid < 0) return pid;
    struct abi_wait_status status;
    i64 reaped = sys_wait(pid, &status, 0);
    if (reaped != pid) return reaped < 0 ? reaped : -E_CHILD;
    return status.cause == ABI_EXIT_NORMAL ? status.exit_code : 128 + (i64)status.cause;
}

i64 cwd_is(const char *path) {
    char cwd[ABI_PATH_LEN_MAX];
    i64 length = sys_getcwd(cwd, sizeof cwd);
    if (length < 0) return length;
    return strcmp(cwd, path) == 0 ? 1 : 0;
}

i64 readlink_is(const char *path, const char *target) {
    char buffer[ABI_PATH_LEN_MAX + 1];
    i64 length = sys_readlink(path, buffer, ABI_PATH_LEN_MAX);
    if (length < 0) return length;
    buffer[length] = '\0';
    return strcmp(buffer, target) == 0 ? 1 : 0;
}

i64 times_of(const char *path, bool follow, u64 *atime_ns, u64 *mtime_ns, u64 *ctime_ns) {
    struct abi_stat st;
    i64 result = follow ? sys_stat(path, &st) : sys_lstat(path, &st);
    if (result < 0) return result;
    *atime_ns = st.atime_ns;
    *mtime_ns = st.mtime_ns;
    *ctime_ns = st.ctime_ns;
    return 0;
}

bool expect_mode(const char *what, i64 result, i64 expected) {
    if (result < 0 || expected < 0) return expect_result(what, result, expected);
    if (result == expected) {
        say("%s = 0%lo ok", what, (unsigned long)result);
        return true;
    }
    say("%s = 0%lo FAIL: expected 0%lo", what, (unsigned long)result, (unsigned long)expected);
    return false;
}
