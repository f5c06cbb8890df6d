// The semantics tests (semtest, semwalk, semlink, semattr): where they work, and the
// helpers they share. Each check prints one deterministic line (expect_result) and
// counts a failure in semtest_failures.
#pragma once

#include "user/tests/lib/test.h"

#define XY_DIR "/home/xy/semtest"        // the user's own tree
#define ROOT_DIR "/tmp/semtest-root"     // files root prepares for the user's checks
#define SGID_DIR "/tmp/semtest-sgid"     // root's setgid directory, world-writable
#define TMP_LINK "/tmp/semtest-link"     // the user's symlink in sticky /tmp
#define TMP_TARGET "/tmp/semtest-target" // what it points to (the user's)
#define TMP_DIR_LINK "/tmp/semtest-dirlink" // the user's symlink to XY_DIR
#define READ_BYTES_MAX 64
#define REMOVE_BATCH_COUNT 8
#define REMOVE_ROUNDS_MAX 4096
#define GROUP_USERS 100 // "users" in /etc/group, which lists xy

extern u32 semtest_failures;
#define CHECK(what, result, expected) (semtest_failures += !expect_result((what), (result), (expected)))
// The same for modes and umasks, printed in octal.
bool expect_mode(const char *what, i64 result, i64 expected);
#define CHECK_MODE(what, result, expected) (semtest_failures += !expect_mode((what), (result), (expected)))

enum st_field { ST_TYPE, ST_MODE, ST_NLINK, ST_UID, ST_GID, ST_SIZE, ST_INODE };
// One field of stat (follow) or lstat, or -error.
i64 st_field(const char *path, bool follow, enum st_field which);
// open(O_WRONLY|O_CREAT|O_TRUNC), write text, close: 0 or -error.
i64 write_file(const char *path, u64 mode, const char *text);
// open(flags) and close: 0 or open's -error.
i64 try_open(const char *path, u64 flags);
// 1 when the file holds exactly text (up to READ_BYTES_MAX bytes), 0 if not, or -error.
i64 content_is(const char *path, const char *text);
// Removes path and everything below it (run as root), whatever modes were left.
void remove_tree(const char *path);
// Runs the test program /test/NAME as uid with argv {NAME}; its exit code, 128 + cause if killed, or -error.
i64 run_as(const char *name, u64 uid);
// 1 when getcwd says path, 0 when not, or getcwd's -error.
i64 cwd_is(const char *path);
// 1 when the symlink's target is exactly target, 0 when not, or -error.
i64 readlink_is(const char *path, const char *target);
// The three times of path (stat), or -error.
i64 times_of(const char *path, bool follow, u64 *atime_ns, u64 *mtime_ns, u64 *ctime_ns);
