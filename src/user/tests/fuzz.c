// fuzz: a syscall fuzzer checked against a reference model of the permission rules.
//
//   fuzz [--ops N] [--seed S] [--concurrent]
//
// Runs N random syscalls (default 500) as whoever runs it, with hostile arguments:
// other users' paths and /etc, bad pointers, huge lengths, bad descriptors, setuid
// and switch_user attempts, sudo and passwd with wrong passwords, shutdown, unknown
// syscall numbers. Before each filesystem call the model (src/user/tests/lib/fuzz_model.c)
// predicts from stat()s whether it must be allowed or refused; the judge compares.
// As root, calls that change things stay inside root's sandbox (/tmp/fz-root and
// /tmp/bait-root, which it also leaves as bait for xy); as xy anything is a target.
// xy first starts a login session of its own (switch_user to itself with the build's
// password), so sudo's memory is fuzzed too: sudo with the password, without it (the
// model knows when the remembered success expires), sudo -k, new sessions, passwd.
// The seed comes from getrandom unless given, and is printed, so a run on QEMU can
// be repeated. --concurrent: another fuzzer runs at the same time, so calls on names
// it may change are not judged (see unless_shared). Exit 0 when no result
// contradicted the model, 1 otherwise, 2 on bad usage. The simulator's invariants (denied_syscall_changes_nothing,
// non_root_never_writes_etc_or_others, privilege_only_through_authentication)
// watch the same calls from the kernel's side.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/tests/lib/fuzz.h"
#include "user/tests/lib/passwords.h"

BASIN_PROGRAM("fuzz");

#define OPS_DEFAULT 500u
#define OPS_MAX 1000000u
#define XY_SANDBOX "/home/xy/fz"
#define XY_HOME "/home/xy"
#define WRITE_BYTES_MAX 64u
#define HUGE_LENGTH (1ull << 40)
#define WHAT_BYTES (2 * FUZZ_PATH_BYTES + 64)
#define USAGE "usage: fuzz [--ops N] [--seed S] [--concurrent]\n"

// Names beginning with ".." are ordinary names ("..x", "..."): only "." and ".." are not.
static const char *const own_names[] = {"a", "b", "d", "d/e", "d/f", "g", "g/h", "x", "..x", "...", "d/..y"};
static const char *const foreign_paths[] = {
    "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/capabilities", "/etc", "/etc/fz", "/etc/sudo.conf",
    "/bin/ls", "/bin", "/bin/fz", "/root", "/root/fz", "/home", "/home/xy", "/home/xy/fz", "/home/xy/fz/a",
    "/home/xy/fz/d", "/tmp", "/tmp/fz-root", "/tmp/fz-root/a", "/tmp/fz-root/d", "/tmp/fz-root/d/e",
    "/tmp/fz-root/x", "/tmp/bait-root", "/tmp/bait-root", "/tmp/bait-root", "/tmp/bait-xy", "/var/log/auth", "/var/log", "/", "..", "../..",
    "../../etc/passwd", ".", "d/../a", "/tmp/../etc/shadow", "/bin/whoami", TEST_PATH("hello"),
};
// Addresses no syscall may read or write: null, low, kernel RAM, the top of user
// space, past the end, misaligned into nothing.
static const u64 bad_pointers[] = {0, 0x10, 0x80200000ull, ABI_USER_VA_END - 8, ~0ull, ABI_USER_VA_BASE + 0x20000001ull};
static const u64 modes[] = {0, 0600, 0644, 0666, 0755, 0777, 0700, 01777, 0444, 0111, 0200, 0640, 0660, 0707};
// open's flags are drawn (draw_open_flags): every access mode, the invalid one too,
// with every subset of these, and now and then a bit the ABI does not know.
static const u64 open_modifiers[] = {ABI_O_CREAT, ABI_O_EXCL, ABI_O_TRUNC, ABI_O_APPEND, ABI_O_DIRECTORY};
static const u64 open_unknown_bits[] = {0x4, 0x8, 0x20, 0x100, 0x800, 0x8000, 1ull << 20, 1ull << 31, 1ull << 40};

#define COUNT(array) ((u32)(sizeof(array) / sizeof((array)[0])))

static u64 pick_u64(struct fuzzer *f, const u64 *values, u32 count) { return values[fuzz_below(f, count)]; }

// A path to act on: own names in the sandbox, others' paths, or names relative to
// the cwd. Root's changes only ever get sandbox paths (`changes`).
static void pick_path(struct fuzzer *f, bool changes, char out[FUZZ_PATH_BYTES]) {
    u32 roll = fuzz_below(f, 10);
    if (f->root && changes) {
        if (roll == 0 && fuzz_below(f, 4) == 0) snprintf(out, FUZZ_PATH_BYTES, "/tmp/bait-root");
        else snprintf(out, FUZZ_PATH_BYTES, "%s/%s", f->sandbox, own_names[fuzz_below(f, COUNT(own_names))]);
        return;
    }
    if (roll < 5) snprintf(out, FUZZ_PATH_BYTES, "%s/%s", f->sandbox, own_names[fuzz_below(f, COUNT(own_names))]);
    else if (roll < 9) snprintf(out, FUZZ_PATH_BYTES, "%s", foreign_paths[fuzz_below(f, COUNT(foreign_paths))]);
    else snprintf(out, FUZZ_PATH_BYTES, "%s", own_names[fuzz_below(f, COUNT(own_names))]);
}

// The absolute form the model works on; false (and nothing judged) if it is too long.
static bool absolute(const struct fuzzer *f, const char *path, char out[FUZZ_PATH_BYTES]) {
    return fuzz_normalize(f->cwd, path, out);
}

static u64 draw_open_flags(struct fuzzer *f) {
    u64 flags = fuzz_below(f, 16) == 0 ? ABI_O_ACCMODE : fuzz_below(f, 3);
    for (u32 i = 0; i < COUNT(open_modifiers); i++) {
        if (fuzz_below(f, 3) == 0) flags |= open_modifiers[i];
    }
    if (fuzz_below(f, 16) == 0) flags |= open_unknown_bits[fuzz_below(f, COUNT(open_unknown_bits))];
    return flags;
}

static bool shared_with_other(const struct fuzzer *f, const char *full) {
    return fuzz_shared_with_other(f, full);
}

static struct fuzz_prediction unless_shared(const struct fuzzer *f, const char *full,
                                            struct fuzz_prediction prediction) {
    return fuzz_unless_shared(f, full, prediction);
}

// Before every call: the ids, the groups and the cwd (getcwd gives its physical path
// after renames, or E_NOENT once it was removed) as the kernel has them now.
static void refresh_ids(struct fuzzer *f) {
    f->ids.ruid = (u32)sys_getuid();
    f->ids.euid = (u32)sys_geteuid();
    f->ids.egid = (u32)sys_getegid();
    i64 count = sys_getgroups(f->ids.groups, ABI_GROUPS_MAX);
    f->ids.groups_count = count > 0 ? (u32)count : 0;
    char cwd[FUZZ_PATH_BYTES];
    i64 length = sys_getcwd(cwd, sizeof cwd);
    f->ids.cwd_gone = length == -E_NOENT;
    if (length >= 0) snprintf(f->cwd, sizeof f->cwd, "%s", cwd);
    snprintf(f->ids.cwd, sizeof f->ids.cwd, "%s", f->cwd);
}

static void remember_fd(struct fuzzer *f, i64 fd, u64 flags, bool directory) {
    if (fd < 0) return;
    if (f->fds_count == FUZZ_OPEN_FDS_MAX) {
        fuzz_expect(f, "close(the oldest)", 0, sys_close(f->fds[0].fd));
        memmove(&f->fds[0], &f->fds[1], sizeof(f->fds[0]) * (FUZZ_OPEN_FDS_MAX - 1));
        f->fds_count--;
    }
    f->fds[f->fds_count++] = (struct fuzz_open_fd){fd, flags & ABI_O_ACCMODE, directory};
}

static void op_open(struct fuzzer *f) {
    u64 flags = draw_open_flags(f);
    bool changes = (flags & (ABI_O_CREAT | ABI_O_TRUNC)) || (flags & ABI_O_ACCMODE) != ABI_O_RDONLY;
    char path[FUZZ_PATH_BYTES], full[FUZZ_PATH_BYTES], what[WHAT_BYTES];
    pick_path(f, changes, path);
    if (!absolute(f, path, full)) return;
    struct fuzz_prediction prediction = unless_shared(f, full, fuzz_predict_open(&f->ids, path, flags));
    i64 fd = sys_open(path, flags, pick_u64(f, modes, COUNT(modes)));
    snprintf(what, sizeof what, "open(%s, 0x%lx)", full, (unsigned long)flags);
    fuzz_judge(f, what, &prediction, fd);
    if (fd < 0) return;
    // What the descriptor is, from the descriptor: a stat of the path may fail (a disk
    // error: E_IO) or find something else (the other fuzzer renamed it). A descriptor
    // whose kind is unknown is closed rather than judged with a guess.
    struct abi_stat st;
    if (sys_fstat(fd, &st) < 0) { (void)sys_close(fd); return; }
    remember_fd(f, fd, flags, st.type == ABI_TYPE_DIRECTORY);
}

// A descriptor: one of ours, or one that is not open, or a wild number.
static i64 pick_fd(struct fuzzer *f, const struct fuzz_open_fd **known) {
    *known = NULL;
    u32 roll = fuzz_below(f, 10);
    if (roll < 7 && f->fds_count > 0) {
        *known = &f->fds[fuzz_below(f, f->fds_count)];
        return (*known)->fd;
    }
    static const i64 wild[] = {-1, 15, 16, 99, 1ll << 40, 3, 0, 1, 2};
    return wild[fuzz_below(f, COUNT(wild))];
}

static bool fd_is_ours(const struct fuzzer *f, i64 fd) {
    for (u32 i = 0; i < f->fds_count; i++) {
        if (f->fds[i].fd == fd) return true;
    }
    return false;
}

static void op_write(struct fuzzer *f) {
    const struct fuzz_open_fd *known = NULL;
    i64 fd = pick_fd(f, &known);
    u8 bytes[WRITE_BYTES_MAX];
    u32 length = fuzz_below(f, WRITE_BYTES_MAX);
    for (u32 i = 0; i < length; i++) bytes[i] = (u8)('a' + fuzz_below(f, 26));
    if (known == NULL && (fd == 0 || fd == 1 || fd == 2)) return; // the console: nothing to judge
    u32 roll = fuzz_below(f, 8);
    const void *buffer = roll == 0 ? (const void *)bad_pointers[fuzz_below(f, COUNT(bad_pointers))] : bytes;
    u64 count = roll == 1 ? HUGE_LENGTH : length;
    i64 result = sys_write(fd, buffer, count);
    char what[WHAT_BYTES];
    snprintf(what, sizeof what, "write(%ld, %s, %lu)", (long)fd, roll == 0 ? "bad pointer" : "bytes", (unsigned long)count);
    if (known == NULL) { fuzz_expect(f, what, fd_is_ours(f, fd) ? result : -E_BADF, result); return; }
    if (known->directory) { fuzz_expect(f, what, -E_ISDIR, result); return; }
    if (known->access == ABI_O_RDONLY) { fuzz_expect(f, what, -E_BADF, result); return; }
    if (roll == 1) { fuzz_expect(f, what, -E_FBIG, result); return; }
    if (roll == 0 && count > 0) { fuzz_expect(f, what, -E_FAULT, result); return; }
    fuzz_expect(f, what, (i64)count, result);
}

static void op_read(struct fuzzer *f) {
    const struct fuzz_open_fd *known = NULL;
    i64 fd = pick_fd(f, &known);
    if (known == NULL && (fd == 0 || fd == 1 || fd == 2)) return;
    u8 bytes[WRITE_BYTES_MAX];
    bool bad = fuzz_below(f, 6) == 0;
    void *buffer = bad ? (void *)bad_pointers[fuzz_below(f, COUNT(bad_pointers))] : bytes;
    i64 result = sys_read(fd, buffer, sizeof bytes);
    char what[WHAT_BYTES];
    snprintf(what, sizeof what, "read(%ld, %s)", (long)fd, bad ? "bad pointer" : "buffer");
    if (known == NULL) { fuzz_expect(f, what, fd_is_ours(f, fd) ? result : -E_BADF, result); return; }
    if (known->directory) { fuzz_expect(f, what, -E_ISDIR, result); return; }
    if (known->access == ABI_O_WRONLY) { fuzz_expect(f, what, -E_BADF, result); return; }
    if (bad && result != 0) { fuzz_expect(f, what, -E_FAULT, result); return; }
    fuzz_expect(f, what, result >= 0 ? result : 0, result);
}

static void op_close(struct fuzzer *f) {
    const struct fuzz_open_fd *known = NULL;
    i64 fd = pick_fd(f, &known);
    if (known == NULL && (fd == 0 || fd == 1 || fd == 2)) return;
    i64 result = sys_close(fd);
    char what[WHAT_BYTES];
    snprintf(what, sizeof what, "close(%ld)", (long)fd);
    fuzz_expect(f, what, known != NULL || fd_is_ours(f, fd) ? 0 : -E_BADF, result);
    for (u32 i = 0; i < f->fds_count; i++) {
        if (f->fds[i].fd != fd) continue;
        memmove(&f->fds[i], &f->fds[i + 1], sizeof(f->fds[0]) * (f->fds_count - i - 1));
        f->fds_count--;
        break;
    }
}

static void op_mkdir(struct fuzzer *f) {
    char path[FUZZ_PATH_BYTES], full[FUZZ_PATH_BYTES], what[WHAT_BYTES];
    pick_path(f, true, path);
    if (!absolute(f, path, full)) return;
    struct fuzz_prediction prediction = unless_shared(f, full, fuzz_predict_mkdir(&f->ids, path));
    snprintf(what, sizeof what, "mkdir(%s)", full);
    fuzz_judge(f, what, &prediction, sys_mkdir(path, pick_u64(f, modes, COUNT(modes))));
}

static void op_remove(struct fuzzer *f, bool directory) {
    char path[FUZZ_PATH_BYTES], full[FUZZ_PATH_BYTES], what[WHAT_BYTES];
    pick_path(f, true, path);
    if (!absolute(f, path, full)) return;
    struct fuzz_prediction prediction = unless_shared(f, full, fuzz_predict_remove(&f->ids, path, directory));
    snprintf(what, sizeof what, "%s(%s)", directory ? "rmdir" : "unlink", full);
    fuzz_judge(f, what, &prediction, directory ? sys_rmdir(path) : sys_unlink(path));
}

static void op_rename(struct fuzzer *f) {
    char from[FUZZ_PATH_BYTES], to[FUZZ_PATH_BYTES], from_full[FUZZ_PATH_BYTES], to_full[FUZZ_PATH_BYTES];
    pick_path(f, true, from);
    pick_path(f, true, to);
    if (!absolute(f, from, from_full) || !absolute(f, to, to_full)) return;
    struct fuzz_prediction prediction =
        unless_shared(f, from_full, unless_shared(f, to_full, fuzz_predict_rename(&f->ids, from, to)));
    char what[WHAT_BYTES];
    snprintf(what, sizeof what, "rename(%s, %s)", from_full, to_full);
    fuzz_judge(f, what, &prediction, sys_rename(from, to));
}

static void op_chmod(struct fuzzer *f) {
    char path[FUZZ_PATH_BYTES], full[FUZZ_PATH_BYTES], what[WHAT_BYTES];
    pick_path(f, true, path);
    if (!absolute(f, path, full)) return;
    u64 mode = fuzz_below(f, 8) == 0 ? 010000u + fuzz_below(f, 0777) : pick_u64(f, modes, COUNT(modes));
    struct fuzz_prediction prediction = unless_shared(f, full, fuzz_predict_chmod(&f->ids, path, mode));
    snprintf(what, sizeof what, "chmod(%s, 0%lo)", full, (unsigned long)mode);
    fuzz_judge(f, what, &prediction, sys_chmod(path, mode));
}

static void op_chown(struct fuzzer *f) {
    static const u64 ids[] = {ABI_UID_ROOT, ABI_UID_USER, 7, ABI_ID_UNCHANGED, 1ull << 33};
    char path[FUZZ_PATH_BYTES], full[FUZZ_PATH_BYTES], what[WHAT_BYTES];
    pick_path(f, true, path);
    if (!absolute(f, path, full)) return;
    u64 uid = pick_u64(f, ids, COUNT(ids)), gid = pick_u64(f, ids, COUNT(ids));
    snprintf(what, sizeof what, "chown(%s, %lu, %lu)", full, (unsigned long)uid, (unsigned long)gid);
    struct fuzz_prediction prediction = unless_shared(f, full, fuzz_predict_chown(&f->ids, path, uid, gid));
    fuzz_judge(f, what, &prediction, sys_chown(path, uid, gid));
}

static void op_stat(struct fuzzer *f) {
    char path[FUZZ_PATH_BYTES], full[FUZZ_PATH_BYTES], what[WHAT_BYTES];
    pick_path(f, false, path);
    if (!absolute(f, path, full)) return;
    struct abi_stat st;
    bool bad = fuzz_below(f, 6) == 0;
    struct abi_stat *out = bad ? (struct abi_stat *)bad_pointers[fuzz_below(f, COUNT(bad_pointers))] : &st;
    struct fuzz_prediction prediction = unless_shared(f, full, fuzz_predict_stat(&f->ids, path, true));
    i64 result = sys_stat(path, out);
    snprintf(what, sizeof what, "stat(%s%s)", full, bad ? ", bad pointer" : "");
    if (bad) fuzz_expect(f, what, -E_FAULT, result);
    else fuzz_judge(f, what, &prediction, result);
}

static void op_chdir(struct fuzzer *f) {
    char path[FUZZ_PATH_BYTES], full[FUZZ_PATH_BYTES], what[WHAT_BYTES];
    pick_path(f, false, path);
    if (!absolute(f, path, full)) return;
    struct fuzz_prediction prediction = unless_shared(f, full, fuzz_predict_chdir(&f->ids, path));
    snprintf(what, sizeof what, "chdir(%s)", full);
    i64 result = sys_chdir(path);
    fuzz_judge(f, what, &prediction, result);
    if (result == 0) snprintf(f->cwd, sizeof f->cwd, "%s", full);
}

// Paths the kernel must refuse before looking anything up.
static void op_bad_path(struct fuzzer *f) {
    char long_path[ABI_PATH_LEN_MAX + 40], long_name[ABI_NAME_LEN_MAX + 12];
    memset(long_path, 'p', sizeof long_path - 1);
    long_path[0] = '/';
    long_path[sizeof long_path - 1] = '\0';
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[0] = '/';
    long_name[sizeof long_name - 1] = '\0';
    struct abi_stat st;
    u32 roll = fuzz_below(f, 4);
    if (roll == 0) fuzz_expect(f, "stat(256+ bytes)", -E_NAMETOOLONG, sys_stat(long_path, &st));
    else if (roll == 1) fuzz_expect(f, "open(a 70-byte name)", -E_NAMETOOLONG, sys_open(long_name, ABI_O_RDONLY, 0));
    else if (roll == 2) fuzz_expect(f, "unlink(\"\")", -E_NOENT, sys_unlink(""));
    else fuzz_expect(f, "mkdir(bad pointer)", -E_FAULT,
                     sys_mkdir((const char *)bad_pointers[fuzz_below(f, COUNT(bad_pointers))], 0755));
}

// setuid/setgid: a non-root process may only pick its real or saved id; root drops
// nothing here (root's fuzzing would end as xy), so root only sets 0 or bad ids.
static void op_set_ids(struct fuzzer *f) {
    static const u64 ids[] = {ABI_UID_ROOT, ABI_UID_USER, 7, 1ull << 32, ABI_ID_UNCHANGED};
    u64 id = f->root ? (fuzz_below(f, 2) == 0 ? 0 : 1ull << 32) : pick_u64(f, ids, COUNT(ids));
    bool group = fuzz_below(f, 2) == 0;
    char what[WHAT_BYTES];
    snprintf(what, sizeof what, "%s(%lu)", group ? "setgid" : "setuid", (unsigned long)id);
    i64 result = group ? sys_setgid(id) : sys_setuid(id);
    i64 expected = 0;
    if (id >= ABI_ID_UNCHANGED) expected = -E_INVAL;
    else if (!f->root && !group && id != f->ids.ruid && id != f->suid) expected = -E_PERM;
    else if (!f->root && group && id != f->ids.ruid) expected = -E_PERM; // real gid = uid (cred.c)
    fuzz_expect(f, what, expected, result);
    refresh_ids(f);
}

static void op_shutdown(struct fuzzer *f) {
    static const u64 types[] = {ABI_SHUTDOWN_HALT, ABI_SHUTDOWN_REBOOT, ABI_SHUTDOWN_POWER_OFF, 0, 4, ~0ull};
    u64 type = pick_u64(f, types, COUNT(types));
    bool valid = type >= ABI_SHUTDOWN_HALT && type <= ABI_SHUTDOWN_POWER_OFF;
    if (f->root && valid) return; // root would stop the machine: allowed, and not fuzzing
    char what[WHAT_BYTES];
    snprintf(what, sizeof what, "shutdown(%lu)", (unsigned long)type);
    fuzz_expect(f, what, valid ? -E_PERM : -E_INVAL, sys_shutdown(type));
}

static void reap(i64 pid) { fuzz_reap(pid); }

// spawn: another uid needs root; otherwise the model's exec rules (x on the file).
static void op_spawn(struct fuzzer *f) {
    static const char *const argv[] = {"fz", NULL};
    char path[FUZZ_PATH_BYTES], full[FUZZ_PATH_BYTES], what[WHAT_BYTES];
    pick_path(f, false, path);
    if (!absolute(f, path, full)) return;
    u32 roll = fuzz_below(f, 6);
    u64 uid = roll == 0 ? ABI_UID_ROOT : roll == 1 ? 4242 : f->ids.euid;
    snprintf(what, sizeof what, "spawn(%s, uid %lu)", path, (unsigned long)uid);
    i64 pid = sys_spawn(path, argv, uid);
    reap(pid);
    if (uid == 4242) fuzz_expect(f, what, -E_INVAL, pid);
    else if (uid != f->ids.euid && !f->root) fuzz_expect(f, what, -E_PERM, pid);
    else if (path[0] != '/') fuzz_expect(f, what, -E_INVAL, pid);
    else {
        struct fuzz_prediction prediction = unless_shared(f, full, fuzz_predict_spawn(&f->ids, path));
        fuzz_judge(f, what, &prediction, pid);
    }
}

// sudo's memory in xy's own login session: a success with the password is remembered
// for the timeout of /etc/sudo.conf, "" forgets it, a new session (a switch_user)
// starts without it. Near the timeout's end the model does not guess.
static struct fuzz_prediction stamp_prediction(const struct fuzzer *f) {
    u64 now_ns = monotonic_ns();
    if (f->stamp && now_ns < f->stamp_before_ns + f->sudo_timeout_ns) {
        return (struct fuzz_prediction){FUZZ_ALLOW, 0, "remembered"};
    }
    if (!f->stamp || now_ns >= f->stamp_after_ns + f->sudo_timeout_ns) {
        return (struct fuzz_prediction){FUZZ_DENY, -E_ACCES, "nothing remembered in this session"};
    }
    return (struct fuzz_prediction){FUZZ_UNKNOWN, 0, "at the timeout's edge"};
}

// Authentication with wrong or missing passwords: never an id change, never a root
// child. E_AGAIN (the attempt limit) is tolerated by the judge.
static void op_authenticate(struct fuzzer *f) {
    static const char *const argv[] = {"whoami", NULL};
    const char *password = fuzz_below(f, 2) == 0 ? "wrong-password" : NULL;
    const char *bad = (const char *)bad_pointers[1 + fuzz_below(f, COUNT(bad_pointers) - 1)];
    u32 roll = fuzz_below(f, 5);
    if (f->root) { // root needs no password: only calls that must fail
        if (roll < 2) fuzz_expect(f, "switch_user(4242)", -E_INVAL, sys_switch_user(4242, NULL));
        else fuzz_expect(f, "passwd(4242)", -E_INVAL, sys_passwd(4242, NULL, "x"));
        return;
    }
    if (roll == 0) fuzz_expect(f, "switch_user(0, no or wrong password)", -E_ACCES, sys_switch_user(0, password));
    else if (roll == 1) fuzz_expect(f, "switch_user(0, bad pointer)", -E_FAULT, sys_switch_user(0, bad));
    else if (roll == 2) {
        i64 pid = sys_sudo("/bin/whoami", argv, password == NULL ? "wrong-password" : password);
        reap(pid);
        fuzz_expect(f, "sudo(wrong password)", -E_ACCES, pid);
    } else if (roll == 3 && fuzz_below(f, 2) == 0) {
        fuzz_expect(f, "passwd(root's, as xy)", -E_PERM, sys_passwd(ABI_UID_ROOT, "wrong-password", "owned"));
    } else if (roll == 3) {
        // Without a password only what this session remembers (see op_session); then
        // "" (sudo -k) forgets it and spawns nothing.
        struct fuzz_prediction prediction = stamp_prediction(f);
        i64 pid = sys_sudo("/bin/whoami", argv, NULL);
        reap(pid);
        fuzz_judge(f, "sudo(no password)", &prediction, pid);
        fuzz_expect(f, "sudo(\"\": forget)", 0, sys_sudo(NULL, NULL, ""));
        f->stamp = false;
    } else {
        fuzz_expect(f, "passwd(own, wrong old password)", -E_ACCES, sys_passwd(f->ids.ruid, "wrong-password", "owned"));
    }
}

static void op_session(struct fuzzer *f) {
    static const char *const argv[] = {"whoami", NULL};
    if (!f->session) return;
    u32 roll = fuzz_below(f, 8);
    if (roll <= 2) { // the remembered success, or its absence
        struct fuzz_prediction prediction = stamp_prediction(f);
        i64 pid = sys_sudo("/bin/whoami", argv, NULL);
        reap(pid);
        fuzz_judge(f, "sudo(no password)", &prediction, pid);
    } else if (roll <= 4) { // the password: root's child, and the kernel remembers it
        u64 before_ns = monotonic_ns();
        i64 pid = sys_sudo("/bin/whoami", argv, TEST_PASSWORD_XY);
        reap(pid);
        const struct fuzz_prediction allowed = {FUZZ_ALLOW, 0, "its own password"};
        fuzz_judge(f, "sudo(own password)", &allowed, pid);
        if (pid > 0) {
            f->stamp = true;
            f->stamp_before_ns = before_ns;
            f->stamp_after_ns = monotonic_ns();
        }
    } else if (roll == 5) {
        fuzz_expect(f, "sudo(\"\": forget)", 0, sys_sudo(NULL, NULL, ""));
        f->stamp = false;
    } else if (roll == 6) { // a new session: nothing remembered in it
        i64 result = sys_switch_user(f->ids.ruid, TEST_PASSWORD_XY);
        fuzz_expect(f, "switch_user(self, own password)", 0, result);
        if (result == 0) f->stamp = false;
    } else { // the same password again: /etc/shadow rewritten by the kernel
        fuzz_expect(f, "passwd(own, right old password)", 0,
                    sys_passwd(f->ids.ruid, TEST_PASSWORD_XY, TEST_PASSWORD_XY));
    }
}

// "timestamp_timeout_s = N" from /etc/sudo.conf; the kernel's default without it.
static u64 sudo_timeout_ns(void) {
    char text[512];
    u64 timeout_s = 300;
    i64 fd = sys_open("/etc/sudo.conf", ABI_O_RDONLY, 0);
    if (fd < 0) return timeout_s * 1000000000ull;
    i64 length = sys_read(fd, text, sizeof text - 1);
    (void)sys_close(fd);
    text[length > 0 ? length : 0] = '\0';
    const char *key = strstr(text, "timestamp_timeout_s");
    const char *equals = key != NULL ? strchr(key, '=') : NULL;
    if (equals != NULL) timeout_s = strtoull(equals + 1, NULL, 10);
    return timeout_s * 1000000000ull;
}

// xy starts a login session of its own (switch_user to itself proves its password),
// so that sudo can remember a success: init's session 0 never does.
static void start_session(struct fuzzer *f) {
    if (f->root) return;
    f->sudo_timeout_ns = sudo_timeout_ns();
    f->session = sys_switch_user(f->ids.ruid, TEST_PASSWORD_XY) == 0;
    if (!f->session) say("no session of its own (switch_user with the build's password failed)");
}

// Arguments with one right answer that no permission decides.
static void op_hostile(struct fuzzer *f) {
    const u64 bad = bad_pointers[1 + fuzz_below(f, COUNT(bad_pointers) - 1)];
    char small[4];
    struct abi_dirent entries[2];
    u64 unknown_numbers[] = {0, 62, 63, 64, 1000, ~0ull};
    switch (fuzz_below(f, 9)) {
    case 0: {
        i64 length = (i64)strlen(f->cwd);
        i64 expected = f->ids.cwd_gone ? -E_NOENT : length + 1 <= (i64)sizeof small ? length : -E_RANGE;
        fuzz_expect(f, "getcwd(4 bytes)", expected, sys_getcwd(small, sizeof small));
        break;
    }
    case 1: // a removed cwd is E_NOENT before the buffer is looked at (Linux's getcwd)
        fuzz_expect(f, "getcwd(bad pointer)", f->ids.cwd_gone ? -E_NOENT : -E_FAULT,
                    sys_getcwd((char *)bad, ABI_PATH_LEN_MAX));
        break;
    case 2: fuzz_expect(f, "getrandom(huge)", -E_INVAL, sys_getrandom(small, HUGE_LENGTH, 0)); break;
    case 3: fuzz_expect(f, "getrandom(bad pointer)", -E_FAULT, sys_getrandom((void *)bad, 16, 0)); break;
    case 4: fuzz_expect(f, "wait(no child)", -E_CHILD, sys_wait(ABI_WAIT_ANY, NULL, ABI_WAIT_NOHANG)); break;
    case 5: fuzz_expect(f, "wait(bad flags)", -E_INVAL, sys_wait(ABI_WAIT_ANY, NULL, 0x80)); break;
    case 6: fuzz_expect(f, "clock_gettime(bad clock)", -E_INVAL, sys_clock_gettime(77, (u64 *)small)); break;
    case 7: fuzz_expect(f, "readdir(bad fd)", -E_BADF, sys_readdir(99, entries, 2)); break;
    default: {
        u64 number = unknown_numbers[fuzz_below(f, COUNT(unknown_numbers))];
        fuzz_expect(f, "unknown syscall", -E_NOSYS, basin_syscall_raw(number, bad, bad, bad));
    }
    }
}

static void op_seek_dup(struct fuzzer *f) {
    const struct fuzz_open_fd *known = NULL;
    i64 fd = pick_fd(f, &known);
    if (known == NULL && (fd == 0 || fd == 1 || fd == 2)) return;
    char what[WHAT_BYTES];
    if (fuzz_below(f, 2) == 0) {
        static const i64 offsets[] = {0, 5, -1, 1ll << 20, -(1ll << 40)};
        i64 offset = offsets[fuzz_below(f, COUNT(offsets))];
        u64 whence = fuzz_below(f, 4);
        snprintf(what, sizeof what, "seek(%ld, %ld, %lu)", (long)fd, (long)offset, (unsigned long)whence);
        i64 result = sys_seek(fd, offset, whence);
        if (known == NULL) fuzz_expect(f, what, fd_is_ours(f, fd) ? result : -E_BADF, result);
        else if (known->directory || whence > ABI_SEEK_END || offset == (1ll << 20) || offset == -(1ll << 40)) {
            fuzz_expect(f, what, -E_INVAL, result);
        } else fuzz_expect(f, what, result >= 0 ? result : -E_INVAL, result);
        return;
    }
    // dup2 onto a descriptor above the console and above the fuzzer's own: closes nothing of ours.
    i64 target = ABI_FDS_MAX - 1 - (i64)fuzz_below(f, 3);
    snprintf(what, sizeof what, "dup2(%ld, %ld)", (long)fd, (long)target);
    i64 result = sys_dup2(fd, target);
    // Copies are closed at once, so a wild number is open only if it is one of ours.
    if (known == NULL && !fd_is_ours(f, fd)) fuzz_expect(f, what, -E_BADF, result);
    else if (known != NULL) fuzz_expect(f, what, target, result);
    if (result == target) fuzz_expect(f, "close(the copy)", 0, sys_close(target));
}

struct op {
    void (*run)(struct fuzzer *f);
    u32 weight;
};


// ---- the file semantics of issue 9: links, times, descriptors ----------------------
static const char *const link_targets[] = {"a", "b", "d", "d/e", "x", "../a", "/etc/passwd", "/etc/shadow",
                                           "/root", "/tmp/bait-root", "/home/xy/fz/a", "..", "", "nowhere"};

// symlink: xy's targets may point anywhere (the model then walks through them), but
// only links inside its own sandbox get targets outside it: root changes only its
// own sandbox, and must not be led out of it through a link xy put there.
static void op_symlink(struct fuzzer *f) {
    char path[FUZZ_PATH_BYTES], full[FUZZ_PATH_BYTES], what[WHAT_BYTES];
    pick_path(f, true, path);
    if (!absolute(f, path, full)) return;
    const char *target = link_targets[fuzz_below(f, COUNT(link_targets))];
    bool contained = strchr(target, '/') == NULL && strcmp(target, "..") != 0;
    if (!contained && (f->root || !fuzz_under(full, XY_SANDBOX))) target = own_names[fuzz_below(f, 5)];
    if (strchr(target, '/') != NULL && f->root) target = "a";
    // With the other fuzzer running, a link to what it changes would make later
    // predictions about this name race with it.
    if (target[0] == '/' && shared_with_other(f, target)) target = "a";
    struct fuzz_prediction prediction = unless_shared(f, full, fuzz_predict_symlink(&f->ids, target, path));
    snprintf(what, sizeof what, "symlink(%s, %s)", target, full);
    fuzz_judge(f, what, &prediction, sys_symlink(target, path));
}

// link: root links only within its sandbox (a link to /etc/shadow there would let
// its own changes reach the file); xy tries anything, protected_hardlinks decides.
static void op_link(struct fuzzer *f) {
    char old[FUZZ_PATH_BYTES], path[FUZZ_PATH_BYTES], old_full[FUZZ_PATH_BYTES], full[FUZZ_PATH_BYTES];
    pick_path(f, f->root, old);
    pick_path(f, true, path);
    if (!absolute(f, old, old_full) || !absolute(f, path, full)) return;
    if (shared_with_other(f, old_full)) return; // a second name for what the other fuzzer changes: see op_symlink
    struct fuzz_prediction prediction =
        unless_shared(f, old_full, unless_shared(f, full, fuzz_predict_link(&f->ids, old, path)));
    char what[WHAT_BYTES];
    snprintf(what, sizeof what, "link(%s, %s)", old_full, full);
    fuzz_judge(f, what, &prediction, sys_link(old, path));
}

static void op_utimens(struct fuzzer *f) {
    static const u64 times[][2] = {{ABI_UTIME_NOW, ABI_UTIME_NOW}, {ABI_UTIME_OMIT, ABI_UTIME_OMIT},
                                   {ABI_UTIME_NOW, ABI_UTIME_OMIT}, {1, 2}, {ABI_UTIME_OMIT, 5}};
    static const u64 flags[] = {0, 0, ABI_AT_SYMLINK_NOFOLLOW, 2};
    char path[FUZZ_PATH_BYTES], full[FUZZ_PATH_BYTES], what[WHAT_BYTES];
    pick_path(f, true, path);
    if (!absolute(f, path, full)) return;
    u32 which = fuzz_below(f, COUNT(times) + 2);
    const u64 *chosen = which < COUNT(times) ? times[which] : NULL;
    u64 flag = pick_u64(f, flags, COUNT(flags));
    bool now = chosen == NULL || (chosen[0] == ABI_UTIME_NOW && chosen[1] == ABI_UTIME_NOW);
    bool omit_both = chosen != NULL && chosen[0] == ABI_UTIME_OMIT && chosen[1] == ABI_UTIME_OMIT;
    snprintf(what, sizeof what, "utimens(%s, %s, %lu)", full, chosen == NULL ? "NULL" : "times", (unsigned long)flag);
    i64 result = sys_utimens(path, which == COUNT(times) + 1 ? (const u64 *)bad_pointers[1] : chosen, flag);
    if (which == COUNT(times) + 1) { fuzz_expect(f, what, -E_FAULT, result); return; }
    if (!omit_both && flag == 2) { fuzz_expect(f, what, -E_INVAL, result); return; }
    bool follow = (flag & ABI_AT_SYMLINK_NOFOLLOW) == 0;
    struct fuzz_prediction prediction =
        unless_shared(f, full, fuzz_predict_utimens(&f->ids, path, now, omit_both, follow));
    fuzz_judge(f, what, &prediction, result);
}

static void op_readlink_lstat(struct fuzzer *f) {
    char path[FUZZ_PATH_BYTES], full[FUZZ_PATH_BYTES], what[WHAT_BYTES], buffer[ABI_PATH_LEN_MAX];
    pick_path(f, false, path);
    if (!absolute(f, path, full)) return;
    if (fuzz_below(f, 2) == 0) {
        struct abi_stat st;
        struct fuzz_prediction prediction = unless_shared(f, full, fuzz_predict_stat(&f->ids, path, false));
        snprintf(what, sizeof what, "lstat(%s)", full);
        fuzz_judge(f, what, &prediction, sys_lstat(path, &st));
        return;
    }
    u64 capacity = fuzz_below(f, 4) == 0 ? 0 : sizeof buffer;
    snprintf(what, sizeof what, "readlink(%s, %lu)", full, (unsigned long)capacity);
    i64 result = sys_readlink(path, buffer, capacity);
    if (capacity == 0) { fuzz_expect(f, what, -E_INVAL, result); return; }
    struct fuzz_prediction prediction = unless_shared(f, full, fuzz_predict_readlink(&f->ids, path));
    fuzz_judge(f, what, &prediction, result);
}

// umask returns the previous mask; getgroups counts, fills, or refuses a small buffer.
static void op_umask_groups(struct fuzzer *f) {
    static const u64 masks[] = {022, 077, 0, 0777, 01777, 027};
    if (fuzz_below(f, 2) == 0) {
        u64 mask = pick_u64(f, masks, COUNT(masks));
        fuzz_expect(f, "umask", f->umask, sys_umask(mask));
        f->umask = mask & 0777u;
        return;
    }
    u32 gids[ABI_GROUPS_MAX];
    u32 roll = fuzz_below(f, 4);
    i64 count = f->ids.groups_count;
    if (roll == 0) fuzz_expect(f, "getgroups(count)", count, sys_getgroups(NULL, 0));
    else if (roll == 1) fuzz_expect(f, "getgroups(1 slot)", count > 1 ? -E_INVAL : count, sys_getgroups(gids, 1));
    else if (roll == 2) fuzz_expect(f, "getgroups(bad pointer)", -E_FAULT, sys_getgroups((u32 *)bad_pointers[1], ABI_GROUPS_MAX));
    else fuzz_expect(f, "getgroups", count, sys_getgroups(gids, ABI_GROUPS_MAX));
}

// The limits and the audit log's syscalls: usage of oneself (0), of another user
// (E_PERM unless root), of an id that does not fit a uid (E_INVAL), through a bad
// pointer (E_FAULT); audit_status and vhangup are root's (E_PERM for others; root's
// vhangup is not fuzzed: it would take the console from the other fuzzer).
static void op_limits(struct fuzzer *f) {
    static const u64 others[] = {ABI_UID_ROOT, ABI_UID_USER, 4242};
    struct abi_usage usage;
    struct abi_audit_status status;
    u32 roll = fuzz_below(f, 5);
    if (roll == 0) {
        fuzz_expect(f, "usage(self)", 0, sys_usage(f->ids.ruid, &usage));
    } else if (roll == 1) {
        u64 uid = pick_u64(f, others, COUNT(others));
        bool allowed = f->ids.euid == ABI_UID_ROOT || uid == f->ids.ruid || uid == f->ids.euid;
        fuzz_expect(f, "usage(another uid)", allowed ? 0 : -E_PERM, sys_usage(uid, &usage));
    } else if (roll == 2) {
        fuzz_expect(f, "usage(uid past 32 bits)", -E_INVAL, sys_usage(1ull << 32, &usage));
    } else if (roll == 3) {
        struct abi_usage *bad = (struct abi_usage *)bad_pointers[fuzz_below(f, COUNT(bad_pointers))];
        fuzz_expect(f, "usage(bad pointer)", -E_FAULT, sys_usage(f->ids.ruid, bad));
    } else if (f->ids.euid == ABI_UID_ROOT) {
        fuzz_expect(f, "audit_status", 0, sys_audit_status(&status, 0));
    } else {
        u32 which = fuzz_below(f, 2);
        fuzz_expect(f, which == 0 ? "audit_status" : "vhangup", -E_PERM,
                    which == 0 ? sys_audit_status(&status, 0) : sys_vhangup());
    }
}

// fstat, pread and pwrite on the fuzzer's descriptors: a negative offset is E_INVAL
// before the descriptor is looked at; the access mode decides E_BADF.
static void op_positional(struct fuzzer *f) {
    static const i64 offsets[] = {0, 3, 100, -1, 1ll << 40};
    const struct fuzz_open_fd *known = NULL;
    i64 fd = pick_fd(f, &known);
    if (known == NULL && (fd == 0 || fd == 1 || fd == 2)) return;
    i64 offset = offsets[fuzz_below(f, COUNT(offsets))];
    u8 bytes[WRITE_BYTES_MAX];
    char what[WHAT_BYTES];
    u32 roll = fuzz_below(f, 3);
    snprintf(what, sizeof what, "%s(%ld, %ld)", roll == 0 ? "fstat" : roll == 1 ? "pread" : "pwrite", (long)fd,
             (long)offset);
    bool ours = known != NULL || fd_is_ours(f, fd);
    if (roll == 0) {
        struct abi_stat st;
        fuzz_expect(f, what, ours ? 0 : -E_BADF, sys_fstat(fd, &st));
        return;
    }
    i64 result = roll == 1 ? sys_pread(fd, bytes, 8, offset) : sys_pwrite(fd, "fz", 2, offset);
    i64 expected = result;
    if (offset < 0) expected = -E_INVAL;
    else if (!ours) expected = -E_BADF;
    else if (known != NULL && known->directory) expected = roll == 1 ? -E_ISDIR : -E_BADF;
    else if (known != NULL && roll == 1 && known->access == ABI_O_WRONLY) expected = -E_BADF;
    else if (known != NULL && roll == 2 && known->access == ABI_O_RDONLY) expected = -E_BADF;
    else if (known != NULL && roll == 2) expected = offset == (1ll << 40) ? -E_FBIG : 2;
    fuzz_expect(f, what, expected >= 0 || result < 0 ? expected : result, result);
}

// kill (issue 12). What ends a process is aimed only at a child spawned for it, so
// neither fuzzer can end init, the workload or the other fuzzer, even if the kernel
// let it: any other pid gets signal 0 (checks only) or a bad signal. The rule itself
// is the simulator's kill_needs_permission; here the answers are judged.
#define KILL_PIDS_TRIED 64u // small pids: the live ones of a machine with PROCS_MAX slots
#define KILL_HOLD_MS "2000" // the child's sleep: long enough to be killed asleep
static bool kill_signal_valid(u64 signal) { return signal == 0 || signal == ABI_SIGTERM || signal == ABI_SIGKILL; }

static void op_kill_child(struct fuzzer *f, u64 signal) {
    static const char *const argv[] = {"killtest", "--hold", KILL_HOLD_MS, NULL};
    i64 pid = sys_spawn(TEST_PATH("killtest"), argv, f->ids.euid);
    if (pid < 0) return; // out of processes or memory: nothing to kill, nothing judged
    char what[WHAT_BYTES];
    snprintf(what, sizeof what, "kill(own child, %lu)", (unsigned long)signal);
    fuzz_expect(f, what, 0, sys_kill(pid, signal));
    if (signal == 0) (void)sys_kill(pid, ABI_SIGKILL);
    struct abi_wait_status status;
    i64 reaped = sys_wait(pid, &status, 0);
    u64 expected = signal == 0 ? ABI_SIGKILL : signal;
    // An injected process crash may end it first (a fault cause): not the kernel's error.
    bool faulted = status.cause != ABI_EXIT_NORMAL && status.cause != ABI_EXIT_SIGNALED;
    bool right = reaped == pid && (faulted || (status.cause == ABI_EXIT_SIGNALED && status.exit_code == (i64)expected));
    snprintf(what, sizeof what, "wait(own child killed by %lu): cause %u code %ld", (unsigned long)expected,
             status.cause, (long)status.exit_code);
    fuzz_expect(f, what, pid, right ? reaped : -E_CHILD);
}

static void op_kill(struct fuzzer *f) {
    static const u64 signals[] = {0, ABI_SIGTERM, ABI_SIGKILL, 1, 99, ~0ull};
    static const i64 no_process[] = {0, -1, -7, 1ll << 30, 1ll << 40};
    u64 signal = pick_u64(f, signals, COUNT(signals));
    bool valid = kill_signal_valid(signal);
    char what[WHAT_BYTES];
    u32 roll = fuzz_below(f, 4);
    if (roll == 0) {
        snprintf(what, sizeof what, "kill(1, %lu)", (unsigned long)signal);
        fuzz_expect(f, what, valid ? -E_PERM : -E_INVAL, sys_kill(1, signal));
    } else if (roll == 1) {
        i64 pid = no_process[fuzz_below(f, COUNT(no_process))];
        snprintf(what, sizeof what, "kill(%ld, %lu)", (long)pid, (unsigned long)signal);
        fuzz_expect(f, what, !valid || pid <= 0 ? -E_INVAL : -E_SRCH, sys_kill(pid, signal));
    } else if (roll == 2) {
        i64 pid = 2 + (i64)fuzz_below(f, KILL_PIDS_TRIED);
        if (valid) signal = 0; // checks only: never ends another's process
        snprintf(what, sizeof what, "kill(%ld, %lu)", (long)pid, (unsigned long)signal);
        i64 result = sys_kill(pid, signal);
        // Who owns a pid is not knowable here: any of its possible answers, and E_PERM
        // never for root (nor for oneself).
        bool own = pid == sys_getpid();
        bool possible = result == 0 || result == -E_SRCH || (result == -E_PERM && f->ids.euid != ABI_UID_ROOT && !own);
        if (!valid) fuzz_expect(f, what, -E_INVAL, result);
        else if (possible) fuzz_expect(f, what, result, result);
        else fuzz_expect(f, what, 0, result); // root refused, or an error kill never gives
    } else {
        op_kill_child(f, valid ? signal : ABI_SIGTERM);
    }
}

// z6's syscalls (issue 12) with hostile arguments. z6_status: anyone reads any index
// of the table (its name terminated, its state known); an index past it is E_NOENT;
// a bad pointer E_FAULT. z6_control: a bad pointer is E_FAULT, a name too long for a
// service or unknown E_NOENT, a command past ABI_Z6_COMMAND_RELOAD E_INVAL, a caller
// who is neither root nor the service's user E_PERM (xy never changes root's service).
// Reload reads no name: root's reloads the unchanged /etc/z6 (every service kept, 0),
// anyone else's is E_PERM.
// The commands that change something are aimed only at xy's own services (web), so
// neither fuzzer stops what the machine runs: root's services get only refused calls.
// z6 not hosted (no usable filesystem at boot): every call is E_NODEV.
#define Z6_TABLE_PROBED_MAX 80u // past Z6_SERVICES_MAX (64): the table must end before
#define Z6_LONG_NAME_BYTES (ABI_Z6_NAME_BYTES + 8)

struct z6_table {
    i64 error;  // 0, or what every call gets (E_NODEV)
    u32 count;
    char names[Z6_TABLE_PROBED_MAX][ABI_Z6_NAME_BYTES];
    u32 uids[Z6_TABLE_PROBED_MAX];
    bool refused[Z6_TABLE_PROBED_MAX];
};

// Reads the table as z6ctl status does, judging each entry's shape on the way.
static void z6_probe(struct fuzzer *f, struct z6_table *table) {
    table->error = 0;
    table->count = 0;
    for (u32 i = 0; i < Z6_TABLE_PROBED_MAX; i++) {
        struct abi_z6_status s;
        i64 result = sys_z6_status(i, &s);
        if (result == -E_NODEV && i == 0) { table->error = result; return; }
        if (result == -E_NOENT) return;
        fuzz_expect(f, "z6_status(an index in the table)", 0, result);
        if (result != 0) return;
        bool terminated = memchr(s.name, '\0', sizeof s.name) != NULL && s.name[0] != '\0';
        fuzz_expect(f, "z6_status: a terminated name and a known state", 0,
                    terminated && s.state <= ABI_Z6_STATE_FAILED ? 0 : -E_INVAL);
        if (!terminated) return;
        memcpy(table->names[i], s.name, sizeof s.name);
        table->uids[i] = s.uid;
        table->refused[i] = (s.flags & ABI_Z6_FLAG_REFUSED) != 0;
        table->count = i + 1;
    }
    fuzz_expect(f, "z6_status: the table ends within 64 services", -E_NOENT, 0);
}

static void op_z6_status(struct fuzzer *f, const struct z6_table *table) {
    static const u64 far_indexes[] = {64, 65, 1000, 1ull << 32, ~0ull};
    struct abi_z6_status s;
    char what[WHAT_BYTES];
    u32 roll = fuzz_below(f, 3);
    u64 index = roll == 0 || table->count == 0 ? pick_u64(f, far_indexes, COUNT(far_indexes))
                                               : fuzz_below(f, table->count + 2);
    bool bad = roll == 2;
    struct abi_z6_status *out = bad ? (struct abi_z6_status *)bad_pointers[fuzz_below(f, COUNT(bad_pointers))] : &s;
    snprintf(what, sizeof what, "z6_status(%lu%s)", (unsigned long)index, bad ? ", bad pointer" : "");
    i64 expected = index >= table->count ? -E_NOENT : bad ? -E_FAULT : 0;
    fuzz_expect(f, what, table->error != 0 ? table->error : expected, sys_z6_status(index, out));
}

// The answer z6_control must give NAME (a service of the table, or -1) and COMMAND.
static i64 z6_control_expected(const struct fuzzer *f, const struct z6_table *table, i64 service, u64 command) {
    if (table->error != 0) return table->error;
    if (command == ABI_Z6_COMMAND_RELOAD) return f->ids.euid == ABI_UID_ROOT ? 0 : -E_PERM;
    if (command > ABI_Z6_COMMAND_RELOAD) return -E_INVAL;
    if (service < 0) return -E_NOENT;
    bool allowed = f->ids.euid == ABI_UID_ROOT || f->ids.ruid == table->uids[service];
    if (!allowed) return -E_PERM;
    return table->refused[service] ? -E_AGAIN : 0;
}

// Calls z6_control and holds it to EXPECTED; a root's reload may also find the disk
// failing under injected faults: E_IO, the table unchanged (z6host_reload).
static void z6_control_judged(struct fuzzer *f, const char *what, i64 expected, const char *name, u64 command) {
    i64 result = sys_z6_control(name, command);
    bool reload_read_failed = command == ABI_Z6_COMMAND_RELOAD && expected == 0 && result == -E_IO;
    fuzz_expect(f, what, expected, reload_read_failed ? 0 : result);
}

static void op_z6_control(struct fuzzer *f, const struct z6_table *table) {
    static const u64 bad_commands[] = {ABI_Z6_COMMAND_RELOAD + 1, 255, 1ull << 32, ~0ull};
    char name[Z6_LONG_NAME_BYTES], what[WHAT_BYTES];
    u64 command = fuzz_below(f, 4) == 0 ? pick_u64(f, bad_commands, COUNT(bad_commands))
                                        : fuzz_below(f, ABI_Z6_COMMAND_RELOAD + 1);
    i64 service = table->count > 0 ? (i64)fuzz_below(f, table->count) : -1;
    u32 roll = fuzz_below(f, 5);
    if (service >= 0) snprintf(name, sizeof name, "%s", table->names[service]);
    if (roll == 0 || service < 0) { snprintf(name, sizeof name, "%s", fuzz_below(f, 2) ? "nosuch" : ""); service = -1; }
    if (roll == 1) { // unterminated within a name's bytes: no service has so long a
        // name, whatever the command (the kernel copies the name before it looks further)
        memset(name, 'z', sizeof name - 1);
        name[ABI_Z6_NAME_BYTES + fuzz_below(f, sizeof name - ABI_Z6_NAME_BYTES)] = '\0';
        snprintf(what, sizeof what, "z6_control(%u bytes unterminated, %lu)", ABI_Z6_NAME_BYTES, (unsigned long)command);
        i64 expected = command == ABI_Z6_COMMAND_RELOAD ? z6_control_expected(f, table, -1, command) : -E_NOENT;
        z6_control_judged(f, what, table->error != 0 ? table->error : expected, name, command);
        return;
    }
    if (roll == 2) {
        const char *bad = (const char *)bad_pointers[fuzz_below(f, COUNT(bad_pointers))];
        snprintf(what, sizeof what, "z6_control(bad pointer, %lu)", (unsigned long)command);
        i64 expected = command == ABI_Z6_COMMAND_RELOAD ? z6_control_expected(f, table, -1, command) : -E_FAULT;
        z6_control_judged(f, what, table->error != 0 ? table->error : expected, bad, command);
        return;
    }
    i64 expected = z6_control_expected(f, table, service, command);
    // What would change a service only on xy's own ones (see above): root's are left be.
    bool changes = expected == 0 && command != ABI_Z6_COMMAND_RELOAD;
    if (changes && table->uids[service] != ABI_UID_USER) command = bad_commands[0];
    expected = z6_control_expected(f, table, service, command);
    snprintf(what, sizeof what, "z6_control(%.40s, %lu)", name, (unsigned long)command);
    z6_control_judged(f, what, expected, name, command);
    // A stop is undone at once: the service is wanted up again, as it was.
    if (expected == 0 && command == ABI_Z6_COMMAND_STOP) {
        fuzz_expect(f, "z6_control(the stopped service, start)", 0, sys_z6_control(name, ABI_Z6_COMMAND_START));
    }
}

static void op_z6(struct fuzzer *f) {
    static struct z6_table table; // 3 KiB: not on the fuzzer's small stack
    z6_probe(f, &table);
    if (fuzz_below(f, 2) == 0) op_z6_status(f, &table);
    else op_z6_control(f, &table);
}

static void op_unlink(struct fuzzer *f) { op_remove(f, false); }
static void op_rmdir(struct fuzzer *f) { op_remove(f, true); }

static const struct op ops[] = {
    {op_open, 14}, {op_write, 8}, {op_read, 5}, {op_close, 5}, {op_mkdir, 6}, {op_unlink, 6},
    {op_rmdir, 3}, {op_rename, 6}, {op_chmod, 7}, {op_chown, 4}, {op_stat, 5}, {op_chdir, 3},
    {op_bad_path, 2}, {op_set_ids, 3}, {op_shutdown, 2}, {op_spawn, 3}, {op_authenticate, 1},
    {op_hostile, 4}, {op_seek_dup, 3}, {op_session, 4}, {fuzz_op_long_names, 3}, {fuzz_op_elf, 2},
    {fuzz_op_report, 1}, {fuzz_op_passwd, 2}, {op_symlink, 3}, {op_link, 3}, {op_utimens, 3},
    {op_readlink_lstat, 3}, {op_umask_groups, 2}, {op_positional, 3}, {op_limits, 2}, {op_kill, 2}, {op_z6, 2},
};

static void run_one(struct fuzzer *f) {
    refresh_ids(f);
    u32 total = 0;
    for (u32 i = 0; i < COUNT(ops); i++) total += ops[i].weight;
    u32 roll = fuzz_below(f, total);
    for (u32 i = 0; i < COUNT(ops); i++) {
        if (roll < ops[i].weight) { ops[i].run(f); return; }
        roll -= ops[i].weight;
    }
    basin_assert(false);
}

// The sandbox and, for root, the bait: made fresh enough to be useful after an
// earlier run (or a crash) left anything at all. Best effort: nothing is judged.
static void prepare(struct fuzzer *f) {
    (void)sys_mkdir(f->sandbox, 0755);
    (void)sys_chmod(f->sandbox, 0755);
    char path[FUZZ_PATH_BYTES];
    snprintf(path, sizeof path, "%s/d", f->sandbox);
    (void)sys_mkdir(path, 0777);
    if (!f->root) return;
    i64 fd = sys_open("/tmp/bait-root", ABI_O_WRONLY | ABI_O_CREAT | ABI_O_TRUNC, 0644);
    if (fd >= 0) { (void)sys_write(fd, "bait\n", 5); (void)sys_close(fd); }
    (void)sys_chmod("/tmp/bait-root", 0644);
}

static u64 parse_number(const char *text, const char *what) {
    char *end = NULL;
    u64 value = strtoull(text, &end, 0);
    if (*text == '\0' || *end != '\0') {
        say("bad %s: %s", what, text);
        basin_exit(2);
    }
    return value;
}

int main(int argc, char **argv) {
    u64 operations = OPS_DEFAULT, seed = 0;
    bool seeded = false, concurrent = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) { sys_write(1, USAGE, strlen(USAGE)); return 0; }
        if (strcmp(argv[i], "--concurrent") == 0) { concurrent = true; continue; }
        if (i + 1 >= argc) { say("%s needs a value\n" USAGE, argv[i]); return 2; }
        if (strcmp(argv[i], "--ops") == 0) operations = parse_number(argv[++i], "--ops");
        else if (strcmp(argv[i], "--seed") == 0) { seed = parse_number(argv[++i], "--seed"); seeded = true; }
        else { say("unknown option %s\n" USAGE, argv[i]); return 2; }
    }
    if (operations > OPS_MAX) { say("--ops %lu is more than %u", (unsigned long)operations, OPS_MAX); return 2; }
    if (!seeded && sys_getrandom(&seed, sizeof seed, 0) != (i64)sizeof seed) fail("getrandom failed");
    static struct fuzzer fuzzer;
    struct fuzzer *f = &fuzzer;
    fuzz_seed(f, seed);
    refresh_ids(f);
    f->suid = f->ids.ruid;
    f->umask = (u32)sys_umask(ABI_UMASK_DEFAULT); // what init gave it, then the default again
    (void)sys_umask(f->umask);
    f->root = f->ids.euid == ABI_UID_ROOT;
    f->concurrent = concurrent;
    f->sandbox = f->root ? FUZZ_ROOT_SANDBOX : XY_SANDBOX;
    struct abi_stat root_dir;
    if (sys_stat("/", &root_dir) < 0) { say("no filesystem: nothing to fuzz"); return 0; }
    prepare(f);
    // xy may change its own home's mode (chmod 0 is a fine target): put it back, or
    // the next life's permtest as xy finds its home shut (best effort, not judged).
    struct abi_stat home;
    bool home_known = !f->root && sys_stat(XY_HOME, &home) == 0;
    start_session(f);
    for (u64 i = 0; i < operations; i++) run_one(f);
    for (u32 i = 0; i < f->fds_count; i++) (void)sys_close(f->fds[i].fd);
    if (home_known) (void)sys_chmod(XY_HOME, home.mode);
    u64 mismatches = fuzz_report(f, seed);
    // The judge already tolerates what faults cause (E_IO, E_NOSPC, ...): a mismatch is
    // a permission decision or an answer that contradicts the model, which no injected
    // fault excuses.
    report_check("fuzz escalations", f->counts.escalations, 0);
    report_check("fuzz wrong denials", f->counts.wrong_denials, 0);
    report_check("fuzz wrong errors", f->counts.wrong_errors, 0);
    return mismatches == 0 ? 0 : 1;
}
