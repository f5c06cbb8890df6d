// The user side of the kernel ABI: typed syscall prototypes, and the few helpers every
// program shares (line output with the program-name prefix, checks, error names).
//
// Output convention: every line starts with "<program>: ". Lines whose content may
// differ between machines or runs (times, random bytes, scheduling) start with "~"
// instead ("~<program>: ..."), so a test can compare the rest between QEMU and the
// simulator. say() writes the first kind, note() the second.
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/abi.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t i8;
typedef int16_t i16;
typedef int32_t i32;
typedef int64_t i64;

// ---- syscalls ---------------------------------------------------------------
// The stubs themselves are generated from ABI_SYSCALL_LIST (syscall.c): number in
// a7, arguments in a0..a5, result in a0. Negative results are -E_* codes.
// BASIN_SYS_ARGS_<name> states each prototype's argument count; syscall.c checks it
// against the list, so a prototype cannot silently drift from the kernel's table.
#define BASIN_SYS_ARGS_getpid 0
i64 sys_getpid(void);
#define BASIN_SYS_ARGS_exit 1
i64 sys_exit(i64 code); // returns only if the kernel is broken: use basin_exit
#define BASIN_SYS_ARGS_spawn 3
i64 sys_spawn(const char *path, const char *const *argv, u64 uid);
#define BASIN_SYS_ARGS_wait 3
i64 sys_wait(i64 pid, struct abi_wait_status *status, u64 flags);
#define BASIN_SYS_ARGS_write 3
i64 sys_write(i64 fd, const void *bytes, u64 length);
#define BASIN_SYS_ARGS_clock_gettime 2
i64 sys_clock_gettime(u64 clock, u64 *ns_out);
#define BASIN_SYS_ARGS_sleep_until 1
i64 sys_sleep_until(u64 deadline_ns);
#define BASIN_SYS_ARGS_yield 0
i64 sys_yield(void);
#define BASIN_SYS_ARGS_getrandom 3
i64 sys_getrandom(void *bytes, u64 length, u64 flags);
#define BASIN_SYS_ARGS_getuid 0
i64 sys_getuid(void);
#define BASIN_SYS_ARGS_shutdown 1
i64 sys_shutdown(u64 type);
#define BASIN_SYS_ARGS_read 3
i64 sys_read(i64 fd, void *bytes, u64 length);
#define BASIN_SYS_ARGS_open 3
i64 sys_open(const char *path, u64 flags, u64 mode);
#define BASIN_SYS_ARGS_close 1
i64 sys_close(i64 fd);
#define BASIN_SYS_ARGS_fsync 1
i64 sys_fsync(i64 fd);
#define BASIN_SYS_ARGS_mkdir 2
i64 sys_mkdir(const char *path, u64 mode);
#define BASIN_SYS_ARGS_readdir 3
i64 sys_readdir(i64 fd, struct abi_dirent *entries, u64 count);
#define BASIN_SYS_ARGS_stat 2
i64 sys_stat(const char *path, struct abi_stat *stat);
#define BASIN_SYS_ARGS_unlink 1
i64 sys_unlink(const char *path);
#define BASIN_SYS_ARGS_rename 2
i64 sys_rename(const char *old_path, const char *new_path);
#define BASIN_SYS_ARGS_chdir 1
i64 sys_chdir(const char *path);
#define BASIN_SYS_ARGS_getcwd 2
i64 sys_getcwd(char *buffer, u64 capacity);
#define BASIN_SYS_ARGS_seek 3
i64 sys_seek(i64 fd, i64 offset, u64 whence);
#define BASIN_SYS_ARGS_rmdir 1
i64 sys_rmdir(const char *path);
#define BASIN_SYS_ARGS_geteuid 0
i64 sys_geteuid(void);
#define BASIN_SYS_ARGS_getgid 0
i64 sys_getgid(void);
#define BASIN_SYS_ARGS_getegid 0
i64 sys_getegid(void);
#define BASIN_SYS_ARGS_setuid 1
i64 sys_setuid(u64 uid);
#define BASIN_SYS_ARGS_setgid 1
i64 sys_setgid(u64 gid);
#define BASIN_SYS_ARGS_chmod 2
i64 sys_chmod(const char *path, u64 mode);
#define BASIN_SYS_ARGS_chown 3
i64 sys_chown(const char *path, u64 uid, u64 gid);
#define BASIN_SYS_ARGS_sudo 3
i64 sys_sudo(const char *path, const char *const *argv, const char *password);
#define BASIN_SYS_ARGS_switch_user 2
i64 sys_switch_user(u64 uid, const char *password);
#define BASIN_SYS_ARGS_passwd 3
i64 sys_passwd(u64 uid, const char *old_password, const char *new_password);
#define BASIN_SYS_ARGS_dup2 2
i64 sys_dup2(i64 old_fd, i64 new_fd);
#define BASIN_SYS_ARGS_fstat 2
i64 sys_fstat(i64 fd, struct abi_stat *stat);
#define BASIN_SYS_ARGS_pread 4
i64 sys_pread(i64 fd, void *bytes, u64 length, i64 offset);
#define BASIN_SYS_ARGS_pwrite 4
i64 sys_pwrite(i64 fd, const void *bytes, u64 length, i64 offset);
#define BASIN_SYS_ARGS_umask 1
i64 sys_umask(u64 mask);
#define BASIN_SYS_ARGS_link 2
i64 sys_link(const char *old_path, const char *new_path);
#define BASIN_SYS_ARGS_symlink 2
i64 sys_symlink(const char *target, const char *link_path);
#define BASIN_SYS_ARGS_readlink 3
i64 sys_readlink(const char *path, char *buffer, u64 capacity);
#define BASIN_SYS_ARGS_lstat 2
i64 sys_lstat(const char *path, struct abi_stat *stat);
#define BASIN_SYS_ARGS_getgroups 2
i64 sys_getgroups(u32 *gids, u64 capacity);
#define BASIN_SYS_ARGS_utimens 3
i64 sys_utimens(const char *path, const u64 *times_ns, u64 flags);
#define BASIN_SYS_ARGS_report 3
i64 sys_report(const char *name, u64 failures, u64 excuses);
#define BASIN_SYS_ARGS_vhangup 0
i64 sys_vhangup(void);
#define BASIN_SYS_ARGS_audit_status 2
i64 sys_audit_status(struct abi_audit_status *status, u64 flags);
#define BASIN_SYS_ARGS_usage 2
i64 sys_usage(u64 uid, struct abi_usage *usage);
#define BASIN_SYS_ARGS_kill 2
i64 sys_kill(i64 pid, u64 signal);
#define BASIN_SYS_ARGS_z6_status 2
i64 sys_z6_status(u64 index, struct abi_z6_status *status);
#define BASIN_SYS_ARGS_z6_control 2
i64 sys_z6_control(const char *name, u64 command);
#define BASIN_SYS_ARGS_signal_ignore 2
i64 sys_signal_ignore(u64 signal, u64 ignore);
#define BASIN_SYS_ARGS_zix_build 3
i64 sys_zix_build(u64 op, u64 argument, struct abi_zix_build *out); // argument: a path's address or a build id
#define BASIN_SYS_ARGS_zix_store 3
i64 sys_zix_store(u64 op, u64 argument, void *out);
#define BASIN_SYS_ARGS_graindb 3
i64 sys_graindb(u64 op, const struct abi_graindb_request *request, void *out); // out: reply or status

// A syscall by number, for probing numbers the list does not have.
i64 basin_syscall_raw(u64 number, u64 a0, u64 a1, u64 a2);

// ---- helpers ------------------------------------------------------------------
// Formatting is picolibc's integer-only printf (user.ld), which Debian builds without
// _WANT_IO_LONG_LONG: print i64 as %ld with a (long) cast and u64 as %lu/%lx with
// (unsigned long), both 64 bits under lp64. No floating point.
#define BASIN_LINE_LEN_MAX 192
#define BASIN_FD_STDOUT 1
#define BASIN_FD_STDERR 2

// Every program names itself once: BASIN_PROGRAM("hello"); the prefix of its lines.
extern const char basin_program_name[];
#define BASIN_PROGRAM(name) const char basin_program_name[] = name

_Noreturn void basin_exit(i64 code);

// One line, prefixed, written with one write() so lines of concurrent programs
// never mix within a line. Returns what write returned.
i64 basin_line(i64 fd, bool nondeterministic, const char *format, va_list args)
    __attribute__((format(printf, 3, 0)));
void say(const char *format, ...) __attribute__((format(printf, 1, 2)));
void note(const char *format, ...) __attribute__((format(printf, 1, 2)));
// Prints "<program>: FAIL: ..." and exits 1.
_Noreturn void fail(const char *format, ...) __attribute__((format(printf, 1, 2)));

// "E_FAULT" for -E_FAULT, "ok" for results >= 0, "E_?" for unknown codes.
const char *error_name(i64 result);
// "page fault", "illegal instruction", ... for an ABI_EXIT_* cause.
const char *exit_cause_name(u32 cause);
// Formats a wait status as "exited 3", "signaled 15" or "killed: page fault pc=0x... addr=0x...".
void wait_status_format(const struct abi_wait_status *status, char *out, u64 capacity);

// The workload's verdict on one of its checks, through sys_report (abi.h): the
// simulator fails the run when failures > 0 and no fault named in excuses
// (ABI_REPORT_EXCUSE_*) struck. A refused report is said on a line of its own.
void report_check(const char *name, u64 failures, u64 excuses);

u64 monotonic_ns(void); // fails the program if the clock cannot be read
u64 realtime_ns(void);

// Always-on assertion for user programs: a false one is a bug in the program or the
// kernel, reported as a FAIL line ("FAIL: file.c:12: assert(cond)") and exit code 1.
// The whole message is one string literal, so each assertion costs one argument and a
// call: programs must fit a file of ABI_FILE_SIZE_MAX bytes.
#define BASIN_STRINGIFY_(x) #x
#define BASIN_STRINGIFY(x) BASIN_STRINGIFY_(x)
_Noreturn void basin_assert_failed(const char *what);
#define basin_assert(cond)                                                          \
    do {                                                                            \
        if (!(cond))                                                                \
            basin_assert_failed(__FILE_NAME__ ":" BASIN_STRINGIFY(__LINE__)         \
                                ": assert(" #cond ")");                             \
    } while (0)
