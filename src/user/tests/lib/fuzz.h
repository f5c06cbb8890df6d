// The syscall fuzzer's reference model of the permission rules (fuzz_model.c),
// written from the Unix rules, not from the kernel's code: before each fuzzed
// filesystem syscall it stat()s the directories on the way and the names involved,
// and predicts whether the call must be allowed, must be denied (and with which
// error), or must fail for a reason that is not a permission (EEXIST, ENOENT, ...).
// fuzz.c then compares the kernel's answer with the prediction.
#pragma once

#include "user/tests/lib/test.h"

#define FUZZ_PATH_BYTES (ABI_PATH_LEN_MAX + 1)
#define FUZZ_COMPONENTS_MAX 32

enum fuzz_verdict {
    FUZZ_ALLOW = 0, // must succeed (or fail for a reason outside the model: E_IO, E_NFILE, ...)
    FUZZ_DENY,      // must fail with `error` (E_ACCES or E_PERM), and change nothing
    FUZZ_OTHER,     // must fail with `error`, a non-permission error the rules decide first
    FUZZ_UNKNOWN,   // the model cannot tell (a stat it needed failed): not compared
};

struct fuzz_prediction {
    enum fuzz_verdict verdict;
    i64 error;       // -E_* for DENY and OTHER
    const char *why; // for the report of a mismatch
};

// The caller's ids as the model uses them (effective ones decide access; the group
// class applies to egid and every group of getgroups), and where relative paths start
// (getcwd's answer: the physical path; cwd_gone when getcwd says it was removed).
struct fuzz_ids {
    u32 ruid, euid, egid;
    u32 groups_count;
    u32 groups[ABI_GROUPS_MAX];
    bool cwd_gone;
    char cwd[FUZZ_PATH_BYTES];
};

// Lexical resolution of cwd + path ("." and "..", ".." of the root is the root):
// "/a/b" into out, false if too long. Only for naming what a call touches (the
// model itself walks paths as the kernel does).
bool fuzz_normalize(const char *cwd, const char *path, char out[FUZZ_PATH_BYTES]);

// Predictions for one call each; paths as the call gets them (relative ones start
// at ids->cwd).
struct fuzz_prediction fuzz_predict_open(const struct fuzz_ids *ids, const char *path, u64 flags);
struct fuzz_prediction fuzz_predict_mkdir(const struct fuzz_ids *ids, const char *path);
struct fuzz_prediction fuzz_predict_remove(const struct fuzz_ids *ids, const char *path, bool directory);
struct fuzz_prediction fuzz_predict_rename(const struct fuzz_ids *ids, const char *from, const char *to);
struct fuzz_prediction fuzz_predict_chmod(const struct fuzz_ids *ids, const char *path, u64 mode);
struct fuzz_prediction fuzz_predict_chown(const struct fuzz_ids *ids, const char *path, u64 uid, u64 gid);
struct fuzz_prediction fuzz_predict_stat(const struct fuzz_ids *ids, const char *path, bool follow);
struct fuzz_prediction fuzz_predict_chdir(const struct fuzz_ids *ids, const char *path);
struct fuzz_prediction fuzz_predict_spawn(const struct fuzz_ids *ids, const char *path);
struct fuzz_prediction fuzz_predict_symlink(const struct fuzz_ids *ids, const char *target, const char *path);
struct fuzz_prediction fuzz_predict_link(const struct fuzz_ids *ids, const char *old, const char *path);
struct fuzz_prediction fuzz_predict_utimens(const struct fuzz_ids *ids, const char *path, bool now, bool omit_both,
                                            bool follow);
struct fuzz_prediction fuzz_predict_readlink(const struct fuzz_ids *ids, const char *path);

// ---- the fuzzer's state and its judge (fuzz_judge.c) ------------------------------
#define FUZZ_OPEN_FDS_MAX 6      // descriptors the fuzzer keeps open at once
#define FUZZ_MISMATCHES_SHOWN 8  // mismatches printed in full; all are counted

struct fuzz_counts {
    u64 syscalls;        // fuzzed calls (not the model's own stat()s)
    u64 denials;         // predicted E_ACCES/E_PERM and got exactly that
    u64 allowed;         // predicted allowed and it succeeded
    u64 others;          // predicted a non-permission error and got exactly that
    u64 unpredicted;     // the model could not tell
    u64 tolerated;       // failed for a reason outside the model (E_IO, E_NFILE, E_NOTEMPTY, ...)
    u64 escalations;     // predicted refused, yet allowed
    u64 wrong_denials;   // predicted allowed, yet refused
    u64 wrong_errors;    // another error than the one predicted, or a wrong value
};

struct fuzz_open_fd {
    i64 fd;
    u64 access; // ABI_O_RDONLY, ABI_O_WRONLY or ABI_O_RDWR
    bool directory;
};

struct fuzzer {
    u64 rng_state, rng_increment;
    struct fuzz_ids ids;
    u32 suid;                 // the saved uid: setuid may also go back to it
    u64 umask;                // what umask() must return next
    bool root;                // started as root: mutations stay inside its sandbox
    bool concurrent;          // --concurrent: the other fuzzer runs at the same time
    const char *sandbox;      // its own directory, made at the start
    char cwd[FUZZ_PATH_BYTES];
    struct fuzz_open_fd fds[FUZZ_OPEN_FDS_MAX];
    u32 fds_count;
    struct fuzz_counts counts;
    // xy's login session (switch_user to itself with its password at the start), so
    // sudo's remembered success can be fuzzed: the model keeps when it began.
    bool session;
    bool stamp;               // a sudo with the password succeeded in this session
    u64 stamp_after_ns;       // the kernel's stamp lies between these two readings
    u64 stamp_before_ns;
    u64 sudo_timeout_ns;      // from /etc/sudo.conf
};

void fuzz_seed(struct fuzzer *f, u64 seed);
u32 fuzz_random(struct fuzzer *f);              // PCG32
u32 fuzz_below(struct fuzzer *f, u32 bound);    // uniform in [0, bound)
// Compares the kernel's result with the prediction and counts it; prints a
// mismatch (what, the prediction, the result) in full.
void fuzz_judge(struct fuzzer *f, const char *what, const struct fuzz_prediction *prediction, i64 result);
// Exactly `expected`: an error a hostile argument must get, or the one right value of
// a success (a failure for a reason outside the model is tolerated as in the judge).
void fuzz_expect(struct fuzzer *f, const char *what, i64 expected, i64 result);
// The summary line; returns the mismatches (escalations + wrong denials + wrong errors).
u64 fuzz_report(const struct fuzzer *f, u64 seed);

// ---- shapes (fuzz_shapes.c) ---------------------------------------------------------
#define FUZZ_ROOT_SANDBOX "/tmp/fz-root"
// With --concurrent, the names the other fuzzer may change between a prediction and
// the call are not judged (the simulator's invariants still see every call).
bool fuzz_shared_with_other(const struct fuzzer *f, const char *full);
bool fuzz_under(const char *path, const char *dir); // path is dir or below it
struct fuzz_prediction fuzz_unless_shared(const struct fuzzer *f, const char *full, struct fuzz_prediction prediction);
void fuzz_reap(i64 pid); // waits for a child the fuzzer spawned (pid <= 0: none)
// Argument shapes with one right answer each: names of exactly ABI_NAME_LEN_MAX bytes
// and one more, paths of exactly ABI_PATH_LEN_MAX - 1 bytes and one more; ELF files
// the loader must refuse (or run); report with hostile arguments; passwd without the
// old password, with a wrong one, with a bad new one.
void fuzz_op_long_names(struct fuzzer *f);
void fuzz_op_elf(struct fuzzer *f);
void fuzz_op_report(struct fuzzer *f);
void fuzz_op_passwd(struct fuzzer *f);
