// The contract between the kernel and user programs: syscall numbers, error codes,
// constants and structs. User programs include this file and nothing else of the
// kernel. It must stay free of kernel types so that both sides agree bit for bit.
#pragma once

#include <stdint.h>

// ---------------------------------------------------------------------------
// Syscalls. ONE list, expanded by the kernel's dispatch table and by the user
// library's stubs (src/user/lib/syscall.c), so the two can never disagree.
// X(number, name, argument count). Numbers are the design's: exit = 2,
// shutdown = 18. Gaps are reserved for later issues (files, users).
//
//   getpid()                                   -> pid
//   exit(code)                                 -> does not return
//   spawn(path, argv, uid)                     -> child pid | -error. A file that starts
//                                                 with "#!" is a script: its first line
//                                                 (at most ABI_INTERPRETER_LINE_LEN_MAX
//                                                 bytes) names an absolute interpreter path
//                                                 and at most one argument (the rest of the
//                                                 line, as Linux); the kernel spawns the
//                                                 interpreter with argv = [interpreter,
//                                                 (argument), path, argv[1..]]. The script
//                                                 needs x as a program would, and so does
//                                                 the interpreter, which must be an ELF
//                                                 program (no nesting). A bad line, or an
//                                                 interpreter that is itself a script:
//                                                 -E_NOEXEC; too many arguments: -E_2BIG
//   wait(pid or -1, struct abi_wait_status *, flags) -> pid | 0 (WAIT_NOHANG) | -error
//   write(fd, buf, length)                     -> bytes written | -error (fd 1, 2: console)
//   clock_gettime(clock, u64 *ns_out)          -> 0 | -error
//   sleep_until(monotonic deadline ns)         -> 0 (never before the deadline)
//   kill(pid, signal)                          -> 0 | -E_INVAL (signal not 0, ABI_SIGTERM
//                                                 or ABI_SIGKILL; pid <= 0: no process
//                                                 groups) | -E_SRCH (no such pid) | -E_PERM
//                                                 (pid 1, for everyone; else the caller's
//                                                 euid is not 0 and its real uid is not the
//                                                 target's real uid). This kernel has no
//                                                 signal handlers: TERM ends the target at
//                                                 once, as KILL does, whatever it is doing
//                                                 (running, queued, in sleep_until or wait);
//                                                 its parent's wait sees ABI_EXIT_SIGNALED.
//                                                 Signal 0 only checks (as Linux). A zombie
//                                                 target: 0, nothing changes. A process
//                                                 may kill itself.
//   z6_status(index, struct abi_z6_status *)   -> 0 | -E_NOENT (no service at index: the
//                                                 table ends) | -E_NODEV (z6 not running:
//                                                 no filesystem) | -E_FAULT. Anyone may read.
//   z6_control(name, ABI_Z6_COMMAND_*)         -> 0 | -E_NOENT (no such service) | -E_INVAL
//                                                 (command) | -E_PERM (the caller's euid is
//                                                 not 0 and its real uid is not the
//                                                 service's user) | -E_AGAIN (the service
//                                                 was refused at boot) | -E_NODEV | -E_FAULT
//                                                 RELOAD (root only, name unread): 0 |
//                                                 -E_PERM | -E_IO or -E_AGAIN (table
//                                                 unchanged: /etc/z6 unreadable, or full)
//   signal_ignore(signal, ignore)              -> 0 | -E_INVAL (signal not ABI_SIGTERM:
//                                                 KILL can never be ignored; ignore not 0
//                                                 or 1). With 1, a TERM sent to the caller
//                                                 (kill, or z6 stopping a service) does
//                                                 nothing and kill still answers 0; 0 undoes
//                                                 it. A spawned child does not inherit it
//                                                 (spawn starts a fresh program).
//   yield()                                    -> 0
//
// GrainDB's replicated keyspace (issue 14): keys -> versions, replicated between the
// nodes of the cluster (boot arguments replica.nodes=N replica.node=I) by CRDT: every
// version carries a hybrid logical clock (HLC: physical ms << 16 | counter) and its
// writer's node; a key's current version is the one with the highest (hlc, node); every
// version stays in the key's history. Eventually consistent, not linearizable.
// Model, wire format and limits: src/subsystems/graindb/replica.h and the README.
//   graindb(op, struct abi_graindb_request *, out) -> 0 | -error
//     ABI_GRAINDB_PUT        request: key, value; out: struct abi_graindb_reply with the
//                            new version. 0 only once the version is durable on this node.
//                            -E_PERM: a key is its first component's user's ("xy/notes"
//                            is xy's); anyone else's, and every key whose first component
//                            names no user, is root's (euid 0 writes everywhere).
//                            -E_DQUOT: the caller's share of versions is used up (root's
//                            reserve is not). -E_NOSPC: no room for a version at all.
//     ABI_GRAINDB_GET        request: key; out: reply, the current version and its value.
//     ABI_GRAINDB_HISTORY    request: key, index (0 = the current version, then older in
//                            (hlc, node) order); out: reply (versions_count: how many).
//     ABI_GRAINDB_GET_AS_OF  request: key, as_of_hlc; out: reply, the newest version with
//                            hlc <= as_of_hlc.
//     ABI_GRAINDB_STATUS     request unread (may be 0); out: struct abi_graindb_status.
//   Reads are open to every user. -E_NOENT: no such key (or index, or version as of);
//   -E_INVAL: a key that is empty, longer than ABI_GRAINDB_KEY_BYTES_MAX - 1, not
//   NUL-terminated or holds a byte outside '!'..'~', or a value longer than
//   ABI_GRAINDB_VALUE_BYTES_MAX; -E_NODEV: no filesystem (no disk); -E_IO, -E_BADMSG:
//   the disk failed (a damaged value is asked again from a peer); -E_FAULT.
//
// Zix (issue 13), the build store. A store path is "/zix/store/<32 base32 chars>-<name>";
// only the kernel writes under /zix/store (root's, read-only to users). Details, the
// recipe format and the sandbox: src/subsystems/zix/zix.h and the README.
//   zix_build(op, argument, struct abi_zix_build *) -> 0 | -error
//     ABI_ZIX_BUILD_PATH   argument: a recipe file (const char *). Fills path: the store
//                          path the recipe gives (recipe inputs resolved, sources hashed;
//                          nothing built or imported); status REGISTERED or ABSENT.
//     ABI_ZIX_BUILD_START  argument: a recipe file. Sources are imported; every recipe
//                          input must be registered, else -E_AGAIN with missing set to the
//                          first unbuilt input's recipe file (zix builds inputs first).
//                          Registered already: status CACHED, no builder spawned. Else a
//                          sandboxed builder starts: status RUNNING and build_id.
//     ABI_ZIX_BUILD_WAIT   argument: a build_id. Blocks until that build ended: status
//                          REGISTERED, FAILED (exit_status says how the builder ended;
//                          nothing registered) or, for a check, SAME or DIFFERENT (the
//                          rebuild's hash in nar_hash, the registered one in
//                          registered_hash). Only the caller that started it, or root.
//     ABI_ZIX_BUILD_CHECK  argument: a registered store path: rebuilds it from its
//                          registered recipe apart, registers nothing; then WAIT.
//     ABI_ZIX_BUILD_REPAIR argument: a registered store path (root only): rebuilds it; a
//                          rebuild that hashes to the registration replaces the damaged
//                          contents (WAIT: REGISTERED), else FAILED or DIFFERENT.
//     Errors: -E_NOENT (recipe file, input, or store path), -E_INVAL (op; a bad recipe:
//     missing says "FILE:LINE: FIELD: why"), -E_LOOP (recipe inputs form a cycle: missing
//     names the file that closes it), -E_AGAIN (builds: ABI_ZIX_BUILDS_MAX at once,
//     ABI_ZIX_BUILDS_PER_USER_MAX for a non-root user), -E_PERM, -E_ACCES, -E_FAULT,
//     -E_NODEV (no filesystem), -E_NOSPC / -E_DQUOT (the store's share for non-root
//     callers is used up).
//   zix_store(op, argument, out) -> 0 | -error
//     ABI_ZIX_STORE_INFO   argument: a store path; out: struct abi_zix_info.
//     ABI_ZIX_STORE_NTH    argument: an index; out: struct abi_zix_info of the nth
//                          registered path (sorted by path); -E_NOENT past the end.
//     ABI_ZIX_STORE_RECIPE argument: a store path; out: struct abi_zix_text, its
//                          registered canonical recipe.
//     ABI_ZIX_STORE_VERIFY argument: a store path; out: struct abi_zix_info (nar_hash:
//                          what the contents hash to now). 0 when they hash to the
//                          registration; -E_BADMSG when not, or unreadable.
//     ABI_ZIX_STORE_VERIFY_SIGNATURE  argument: a store path: 0 when its signature
//                          verifies under the machine's key, -E_BADMSG when not.
//     ABI_ZIX_STORE_GC     argument: ABI_ZIX_GC_DRY_RUN or 0 (root only); out: struct
//                          abi_zix_gc. Deletes every registered path no root in
//                          /zix/roots (a symbolic link to a store path) nor a running
//                          build reaches through references.
//   getrandom(buf, length, flags)              -> bytes | -error
//   getuid()                                   -> uid
//   shutdown(type)                             -> -error, or does not return
//
// Files (issue 3; paths absolute or relative to the cwd, at most ABI_PATH_LEN_MAX):
//   read(fd, buf, length)                      -> bytes read (0 at end) | -error
//   open(path, ABI_O_* flags, mode)            -> fd | -error
//   close(fd)                                  -> 0 | -error
//   fsync(fd)                                  -> 0 once everything written through
//                                                 fd is durable | -error (-E_IO)
//   mkdir(path, mode)                          -> 0 | -error
//   readdir(fd, struct abi_dirent *, count)    -> entries filled (0 at end) | -error
//   stat(path, struct abi_stat *)              -> 0 | -error
//   unlink(path)                               -> 0 | -error (files only)
//   rename(old path, new path)                 -> 0 | -error (atomic)
//   chdir(path)                                -> 0 | -error
//   getcwd(buf, capacity)                      -> length | -error (-E_RANGE if small)
//   seek(fd, offset, ABI_SEEK_*)               -> new offset | -error
//   rmdir(path)                                -> 0 | -error (empty directories)
//
// Users (issue 5). Every filesystem syscall checks owner/group/other rwx against the
// caller's effective ids: x on each directory walked, w+x on the directory whose
// names change, r/w to open; root bypasses r and w, and executes only files with an
// x bit. Denied: -E_ACCES (-E_PERM for chmod/chown by others, sticky directories).
//   getuid(), geteuid(), getgid(), getegid()   -> id
//   setuid(uid), setgid(gid)                   -> 0 | -E_PERM (non-root: only the real
//                                                 or saved id; root: all three ids)
//   chmod(path, mode)                          -> 0 | -error (owner or root)
//   chown(path, uid, gid)                      -> 0 | -error (root; ABI_ID_UNCHANGED keeps one)
//   sudo(path, argv, password)                 -> child pid | -E_PERM (no sudo capability)
//                                                 | -E_ACCES (not the caller's password);
//                                                 the child runs as root. password NULL:
//                                                 allowed only while this user's success
//                                                 in this login session is remembered
//                                                 (/etc/sudo.conf timestamp_timeout_s),
//                                                 else -E_ACCES; "" forgets it (returns 0,
//                                                 spawns nothing: sudo -k)
//   switch_user(uid, password)                 -> 0 | -E_ACCES (not uid's password) |
//                                                 -E_INVAL (no such user); password NULL:
//                                                 no check, for root only
// Nothing locks an account. After more than 3 wrong passwords in a row, the next check
// of the same account asked by the same real user waits: the caller sleeps in the
// kernel (no CPU, nobody else held up) and the syscall then runs, so sudo, switch_user
// and passwd never answer -E_AGAIN for it. The wait doubles per further failure (250 ms,
// 500 ms, 1 s, ... at most 30 s: AUTH_DELAY_* in auth.h); a right password ends it.
// Root's password asked by the login prompt that owns the console (ruid 0) never waits,
// so no loop elsewhere can keep root out. Each attempt is logged in /var/log/auth.
//   passwd(uid, old password, new password)    -> 0 | -E_ACCES (old password wrong) |
//                                                 -E_PERM (another user's, not root) |
//                                                 -E_INVAL (no such user, bad new password)
// Console sessions (issue 9). The console belongs to one console session at a time:
// reads (fd 0) succeed only for its processes; writes also for root's processes of
// session 0 (init and what it starts itself, which own the console when no login does).
// Any other process gets -E_IO, for good: a session that lost the console never gets
// it back. A console session is inherited at spawn (switch_user keeps it) and ends when
// the process that made it exits; the console then returns to session 0.
//   vhangup()                                  -> 0 | -E_PERM (euid != 0): the caller
//                                                 makes a new console session, which owns
//                                                 the console; every other session loses it
// The audit log (issue 9):
//   audit_status(struct abi_audit_status *, flags) -> 0 | -E_PERM (euid != 0) |
//                                                 -E_INVAL (unknown flags) | -E_FAULT.
//                                                 ABI_AUDIT_ACKNOWLEDGE: the *_unreported
//                                                 counters start again from 0 (login does
//                                                 this when it has shown them to root)
// Descriptors:
//   dup2(old fd, new fd)                       -> new fd | -E_BADF (old not open, either
//                                                 out of range) | -error of new's implicit
//                                                 close (its file's commit failed; new is
//                                                 then closed, not a copy). The copy shares
//                                                 the open file but keeps its own offset,
//                                                 starting at old's. spawn and sudo give
//                                                 the child copies of the parent's fds 0, 1
//                                                 and 2 and no others (as if close-on-exec)
//
// File semantics (issue 9): paths are walked one component at a time from the root
// or the cwd, following symbolic links (at most ABI_SYMLINKS_MAX, then -E_LOOP) in
// every component but the last, and in the last unless the call says otherwise (see
// README "Filesystem semantics"); errors are Linux's for the same cases.
//   fstat(fd, struct abi_stat *)               -> 0 | -error (the console: ABI_TYPE_CHAR)
//   pread(fd, buf, length, offset)             -> bytes read | -error; the fd's offset stays
//   pwrite(fd, buf, length, offset)            -> bytes written | -error; the fd's offset
//                                                 stays; with O_APPEND it writes at the end
//                                                 whatever the offset (as Linux does)
//   umask(mask)                                -> the previous mask (new: mask & 0777;
//                                                 022 at boot, inherited by spawn)
//   link(old, new)                             -> 0 | -error (old is not followed)
//   symlink(target, linkpath)                  -> 0 | -error (target stored as given)
//   readlink(path, buf, capacity)              -> bytes of the target (no NUL, cut at
//                                                 capacity) | -E_INVAL (not a link)
//   lstat(path, struct abi_stat *)             -> 0 | -error (a last symlink not followed)
//   getgroups(uint32_t *gids, capacity)        -> count | -E_INVAL (capacity too small;
//                                                 capacity 0 only counts)
//   utimens(path, uint64_t times_ns[2] or NULL, flags) -> 0 | -error: times_ns[0] is
//                                                 atime, [1] mtime, each a realtime ns
//                                                 value, ABI_UTIME_NOW or ABI_UTIME_OMIT;
//                                                 flags 0 or ABI_AT_SYMLINK_NOFOLLOW
// Verdicts (issue 9): a self-checking workload tells the machine how one of its checks
// went, so that a simulator run fails when a workload's own check does.
//   report(name, failures, excuses)            -> 0 | -E_FAULT | -E_NAMETOOLONG (name
//                                                 over ABI_REPORT_NAME_LEN_MAX bytes) |
//                                                 -E_INVAL (empty name, a byte outside
//                                                 printable ASCII, unknown excuse bits).
//                                                 Anyone may report; the kernel logs it
//                                                 (rate-limited per user, root apart) and
//                                                 the simulator fails the run when
//                                                 failures > 0, unless a fault named in
//                                                 excuses (ABI_REPORT_EXCUSE_*) struck
//                                                 that node.
// Limits (issue 9): per-user shares of every table and store, and root's reserves,
// from /etc/limits.conf (see README). A request beyond a share fails with the error
// the resource has always had: spawn -E_AGAIN, memory -E_NOMEM, descriptors -E_MFILE,
// the open-file table -E_NFILE, disk and inodes -E_DQUOT (the owner's share) or
// -E_NOSPC (what is left for users), a directory's entries -E_NOSPC.
//   usage(uid, struct abi_usage *)             -> 0 | -E_PERM (another user's, not root)
//                                                 | -E_FAULT
// ---------------------------------------------------------------------------
#define ABI_SYSCALL_LIST(X)        \
    X(1, getpid, 0)                \
    X(2, exit, 1)                  \
    X(3, spawn, 3)                 \
    X(4, wait, 3)                  \
    X(5, write, 3)                 \
    X(6, read, 3)                  \
    X(7, clock_gettime, 2)         \
    X(8, sleep_until, 1)           \
    X(9, yield, 0)                 \
    X(10, getrandom, 3)            \
    X(11, getuid, 0)               \
    X(12, open, 3)                 \
    X(13, close, 1)                \
    X(14, fsync, 1)                \
    X(15, mkdir, 2)                \
    X(16, readdir, 3)              \
    X(17, stat, 2)                 \
    X(18, shutdown, 1)             \
    X(19, unlink, 1)               \
    X(20, rename, 2)               \
    X(21, chdir, 1)                \
    X(22, getcwd, 2)               \
    X(23, seek, 3)                 \
    X(24, rmdir, 1)                \
    X(25, geteuid, 0)              \
    X(26, getgid, 0)               \
    X(27, getegid, 0)              \
    X(28, setuid, 1)               \
    X(29, setgid, 1)               \
    X(30, chmod, 2)                \
    X(31, chown, 3)                \
    X(32, sudo, 3)                 \
    X(33, switch_user, 2)          \
    X(34, passwd, 3)               \
    X(35, dup2, 2)                 \
    X(36, fstat, 2)                \
    X(37, pread, 4)                \
    X(38, pwrite, 4)               \
    X(39, umask, 1)                \
    X(40, link, 2)                 \
    X(41, symlink, 2)              \
    X(42, readlink, 3)             \
    X(43, lstat, 2)                \
    X(44, getgroups, 2)            \
    X(45, utimens, 3)                                                                    \
    X(47, report, 3)                                                                     \
    X(48, vhangup, 0)              \
    X(49, usage, 2)                \
    X(50, audit_status, 2)         \
    X(51, kill, 2)                 \
    X(52, z6_status, 2)            \
    X(53, z6_control, 2)           \
    X(54, signal_ignore, 2)        \
    X(55, zix_build, 3)            \
    X(56, zix_store, 3)            \
    X(57, graindb, 3)

#define ABI_SYSCALL_NUMBER_MAX 64

#define ABI_SYSCALL_ENUM(number, name, args) SYS_##name = number,
enum abi_syscall { ABI_SYSCALL_LIST(ABI_SYSCALL_ENUM) };
#undef ABI_SYSCALL_ENUM

// Error codes: returned negated in a0. Values follow Linux so they read familiar.
#define E_PERM 1
#define E_NOENT 2
#define E_SRCH 3
#define E_IO 5
#define E_2BIG 7
#define E_NOEXEC 8
#define E_BADF 9
#define E_CHILD 10
#define E_AGAIN 11
#define E_NOMEM 12
#define E_ACCES 13
#define E_FAULT 14
#define E_EXIST 17
#define E_BUSY 16
#define E_NODEV 19
#define E_NOTDIR 20
#define E_ISDIR 21
#define E_INVAL 22
#define E_NFILE 23
#define E_MFILE 24
#define E_FBIG 27
#define E_NOSPC 28
#define E_SPIPE 29
#define E_ROFS 30
#define E_MLINK 31
#define E_RANGE 34
#define E_NAMETOOLONG 36
#define E_NOSYS 38
#define E_NOTEMPTY 39
#define E_LOOP 40
#define E_BADMSG 74 // stored data failed its checksum: corruption, never returned as data
#define E_DQUOT 122 // the owner's share of the disk or of the inodes is used up (limits.conf)

// Clocks (Linux ids).
#define ABI_CLOCK_REALTIME 0
#define ABI_CLOCK_MONOTONIC 1

// shutdown(type). All three need euid 0 or the shutdown capability (like Linux's
// CAP_SYS_BOOT).
#define ABI_SHUTDOWN_HALT 1
#define ABI_SHUTDOWN_REBOOT 2
#define ABI_SHUTDOWN_POWER_OFF 3

// wait flags.
#define ABI_WAIT_NOHANG 1
#define ABI_WAIT_ANY (-1)

// Users known before accounts exist (a later issue adds /etc/passwd).
#define ABI_UID_ROOT 0
#define ABI_UID_USER 1000
#define ABI_ID_UNCHANGED 0xffffffffu // chown: keep this id

// How a process ended, as seen by its parent in wait.
#define ABI_EXIT_NORMAL 0            // called exit(code)
#define ABI_EXIT_FAULT_PAGE 1        // load/store/fetch outside its mappings
#define ABI_EXIT_FAULT_ILLEGAL 2     // illegal instruction
#define ABI_EXIT_FAULT_MISALIGNED 3  // misaligned access the machine refused
#define ABI_EXIT_FAULT_BREAKPOINT 4  // ebreak
#define ABI_EXIT_KILLED 5            // killed by the kernel (e.g. out of memory at load)
#define ABI_EXIT_SIGNALED 6          // ended by kill(): exit_code holds the signal number

// Signals kill() sends (Linux numbers). No handlers: both end the process (see kill).
#define ABI_SIGKILL 9
#define ABI_SIGTERM 15

// z6 (issue 12): a service as z6_status reports it. state: ABI_Z6_STATE_*; since_ns:
// when it entered that state, on the monotonic clock (clock_gettime ABI_CLOCK_MONOTONIC).
#define ABI_Z6_NAME_BYTES 32
#define ABI_Z6_MESSAGE_BYTES 160
#define ABI_Z6_STATE_DOWN 0
#define ABI_Z6_STATE_STARTING 1
#define ABI_Z6_STATE_UP 2
#define ABI_Z6_STATE_READY 3
#define ABI_Z6_STATE_STOPPING 4
#define ABI_Z6_STATE_FINISHING 5
#define ABI_Z6_STATE_BACKOFF 6
#define ABI_Z6_STATE_FAILED 7
#define ABI_Z6_EXIT_NONE 0          // never exited since boot
#define ABI_Z6_EXIT_CODE 1          // exit_value: its exit code
#define ABI_Z6_EXIT_SIGNAL 2        // exit_value: the signal
#define ABI_Z6_EXIT_SPAWN_FAILED 3  // its run could not be started
#define ABI_Z6_FLAG_READY 1u        // readiness notified
#define ABI_Z6_FLAG_REFUSED 2u      // refused at boot: message says why
#define ABI_Z6_FLAG_WANT_UP 4u      // started (at boot or by start), not stopped since
#define ABI_Z6_COMMAND_START 0
#define ABI_Z6_COMMAND_STOP 1
#define ABI_Z6_COMMAND_RESTART 2
#define ABI_Z6_COMMAND_RESET 3
#define ABI_Z6_COMMAND_RELOAD 4 // root only; the name is not read: /etc/z6 read again
struct abi_z6_status {
    char name[ABI_Z6_NAME_BYTES];
    uint32_t state;
    uint32_t uid;        // the account it runs as
    uint64_t pid;        // its run process (0: none)
    uint64_t since_ns;
    uint32_t restarts;   // spawns after the first
    uint32_t exit_kind;  // its last exit: ABI_Z6_EXIT_*
    uint32_t exit_value;
    uint32_t flags;      // ABI_Z6_FLAG_*
    char message[ABI_Z6_MESSAGE_BYTES];
};

struct abi_wait_status {
    int64_t exit_code;   // the argument of exit() when cause is ABI_EXIT_NORMAL; the
                         // signal number when ABI_EXIT_SIGNALED; -1 for faults
    uint32_t cause;      // ABI_EXIT_*
    uint32_t reserved;   // zero
    uint64_t fault_pc;   // where it faulted (0 for a normal exit)
    uint64_t fault_addr; // the bad address or instruction bits (scause tval)
};

// Limits a user program can rely on.
#define ABI_PATH_LEN_MAX 256
#define ABI_ARGV_COUNT_MAX 16
#define ABI_ARG_LEN_MAX 128
#define ABI_GETRANDOM_LEN_MAX 256
#define ABI_INTERPRETER_LINE_LEN_MAX 128 // a "#!" line's bytes, "#!" and '\n' included

// User address space (Sv39, lower half). Programs are linked at USER_TEXT_VA by
// src/user/user.ld. The kernel keeps its own identity mappings of RAM and devices in
// the low gigabytes of every address space, supervisor-only, so user space starts
// at 128 GiB where no board puts RAM or devices.
#define ABI_USER_VA_BASE 0x2000000000ull
#define ABI_USER_VA_END 0x2040000000ull // one gigapage of user space
#define ABI_USER_STACK_TOP_VA 0x203ffff000ull
#define ABI_USER_STACK_PAGES 8

// ---- files (issue 3) ---------------------------------------------------------
#define ABI_O_RDONLY 0x0
#define ABI_O_WRONLY 0x1
#define ABI_O_RDWR 0x2
#define ABI_O_ACCMODE 0x3
#define ABI_O_CREAT 0x40
#define ABI_O_EXCL 0x80
#define ABI_O_TRUNC 0x200
#define ABI_O_APPEND 0x400
#define ABI_O_DIRECTORY 0x10000
#define ABI_O_NOFOLLOW 0x20000 // a symlink as the last component: -E_LOOP

#define ABI_SEEK_SET 0
#define ABI_SEEK_CUR 1
#define ABI_SEEK_END 2

#define ABI_TYPE_FILE 1
#define ABI_TYPE_DIRECTORY 2
#define ABI_TYPE_SYMLINK 3   // its content is the target path
#define ABI_TYPE_CHAR 4      // fstat of the console

#define ABI_MODE_SETUID 04000
#define ABI_MODE_SETGID 02000
#define ABI_MODE_STICKY 01000
#define ABI_UMASK_DEFAULT 022
#define ABI_SYMLINKS_MAX 40        // expansions in one path walk (Linux's MAXSYMLINKS)
#define ABI_GROUPS_MAX 16          // groups of a process, the primary one included
#define ABI_AT_SYMLINK_NOFOLLOW 0x100
#define ABI_UTIME_NOW 0xffffffffffffffffull  // utimens: the realtime clock's now
#define ABI_UTIME_OMIT 0xfffffffffffffffeull // utimens: leave this time as it is

#define ABI_NAME_LEN_MAX 60       // one path component, without the NUL
#define ABI_FILE_SIZE_MAX 131072  // static capacity of one file (four GrainDB objects)
#define ABI_FDS_MAX 64            // descriptors per process at most (/etc/limits.conf may say fewer;
                                  // 0..2: the parent's 0..2; init's are the console)
#define ABI_FDS_MIN 16            // descriptors every process may have, whatever limits.conf says

struct abi_stat {
    uint64_t inode;
    uint64_t size_bytes;   // a symlink: the length of its target
    uint64_t version;      // GrainDB version of the file's metadata: grows on change
    uint64_t mtime_ns;     // realtime of the last change of the content
    uint32_t type;         // ABI_TYPE_*
    uint32_t mode;         // permission bits, e.g. 0644, with ABI_MODE_SETUID etc.
    uint32_t uid;
    uint32_t gid;
    uint64_t atime_ns;     // last read (relatime: see README)
    uint64_t ctime_ns;     // last change of the inode (attributes, links, content)
    uint32_t nlink;        // names of a file; a directory: 2 + its subdirectories
    uint32_t reserved;     // zero
};

// ---- verdicts (issue 9) ------------------------------------------------------
#define ABI_REPORT_NAME_LEN_MAX 48 // bytes of a check's name, without the NUL
// report()'s excuses: the injected faults that can make this check fail on a correct
// kernel. The simulator excuses the failures when one of them struck the node (in this
// life or an earlier one, since what they leave behind outlives a reboot); with none
// given, a failure always fails the run. Hardware only logs them.
#define ABI_REPORT_EXCUSE_CRASH 0x1u       // a process was killed by an injected crash
#define ABI_REPORT_EXCUSE_POWER_LOSS 0x2u  // the machine lost power (work cut short)
#define ABI_REPORT_EXCUSE_DISK_ERRORS 0x4u // the disk failed reads, writes or flushes, or
                                           // its media was damaged (E_IO, E_BADMSG, a
                                           // refused or read-only filesystem)
#define ABI_REPORT_EXCUSE_DATA_LOST 0x8u   // disk damage beyond what recovery can repair
                                           // destroyed acknowledged data
#define ABI_REPORT_EXCUSE_DISK_FULL 0x10u  // the filesystem ran out of room (a commit
                                           // failed with E_NOSPC): not a fault, but the
                                           // small disks of some scenarios fill up
#define ABI_REPORT_EXCUSES_ALL 0x1fu

struct abi_dirent {
    uint64_t inode;
    uint32_t type;         // ABI_TYPE_*
    uint32_t name_len;
    char name[ABI_NAME_LEN_MAX + 4]; // NUL-terminated
};

// ---- the audit log (issue 9): audit_status ------------------------------------
#define ABI_AUDIT_ACKNOWLEDGE 0x1 // reset the *_unreported counters after reading them

struct abi_audit_status {
    uint64_t lines_written;        // lines appended to /var/log/auth since boot
    uint64_t unwritten;            // events that could not be written since boot (no disk,
                                   // disk full or failed, no open-file slot)
    uint64_t unwritten_unreported; // of those, since the last ABI_AUDIT_ACKNOWLEDGE
    int64_t last_error;            // -E_* of the last failed write, 0 if none
    uint64_t coalesced;            // identical events folded into "repeated N times" lines
    uint64_t suppressed;           // events of non-root users beyond their share of the
                                   // current file: counted, summarised, not written
    uint64_t suppressed_unreported;
    uint64_t rotations;            // /var/log/auth renamed to auth.1 (older ones shifted)
    uint64_t file_bytes_max;       // one file's size bound
    uint64_t share_bytes;          // what one non-root user's lines may fill of it
    uint64_t archives_max;         // auth.1 .. auth.N
};

// What a user holds and may hold (usage). *_max is the user's share (root: what the
// machine has); a share can be out of reach while root's reserve is all that is left.
struct abi_usage {
    uint32_t uid;
    uint32_t processes;        // live process slots of this real uid (zombies included)
    uint32_t processes_max;
    uint32_t open_files;       // entries of the kernel's open-file table it opened
    uint32_t open_files_max;
    uint32_t files_per_process; // descriptors one process may have
    uint64_t memory_bytes;     // page frames its processes hold, page tables included
    uint64_t memory_max_bytes;
    uint64_t inodes;           // inodes it owns
    uint64_t inodes_max;
    uint64_t disk_bytes;       // what its inodes cost (data in whole chunks + a cost per inode)
    uint64_t disk_max_bytes;
    uint64_t disk_capacity_bytes; // what the filesystem holds in all
    uint64_t disk_used_bytes;     // what every owner's inodes cost together
};

// Zix (issue 13): see zix_build and zix_store above.
#define ABI_ZIX_PATH_BYTES 96          // a store path with its NUL
#define ABI_ZIX_REFS_MAX 32            // references of one store path
#define ABI_ZIX_MISSING_BYTES 160      // a bad recipe's "FILE:LINE: FIELD: why", or a file
#define ABI_ZIX_TEXT_BYTES 4096        // a canonical recipe
#define ABI_ZIX_GC_FREED_NAMED_MAX 32  // freed paths named in abi_zix_gc (the rest counted)
#define ABI_ZIX_BUILDS_MAX 4
#define ABI_ZIX_BUILDS_PER_USER_MAX 2
#define ABI_ZIX_BUILD_PATH 0
#define ABI_ZIX_BUILD_START 1
#define ABI_ZIX_BUILD_WAIT 2
#define ABI_ZIX_BUILD_CHECK 3
#define ABI_ZIX_BUILD_REPAIR 4
#define ABI_ZIX_STORE_INFO 0
#define ABI_ZIX_STORE_NTH 1
#define ABI_ZIX_STORE_RECIPE 2
#define ABI_ZIX_STORE_VERIFY 3
#define ABI_ZIX_STORE_VERIFY_SIGNATURE 4
#define ABI_ZIX_STORE_GC 5
#define ABI_ZIX_GC_DRY_RUN 1
// abi_zix_build.status
#define ABI_ZIX_ABSENT 0      // PATH: not registered
#define ABI_ZIX_REGISTERED 1  // PATH: registered; WAIT: built and registered
#define ABI_ZIX_CACHED 2      // START: registered already, no builder spawned
#define ABI_ZIX_RUNNING 3     // START, CHECK, REPAIR: a builder runs (build_id)
#define ABI_ZIX_FAILED 4      // WAIT: the builder failed (or its output was refused)
#define ABI_ZIX_SAME 5        // WAIT after CHECK: the rebuild hashes as registered
#define ABI_ZIX_DIFFERENT 6   // WAIT after CHECK or REPAIR: it does not
struct abi_zix_build {
    char path[ABI_ZIX_PATH_BYTES];
    char missing[ABI_ZIX_MISSING_BYTES];
    uint32_t status;
    uint32_t build_id;
    struct abi_wait_status exit_status; // FAILED: how the builder ended
    uint8_t nar_hash[32];
    uint8_t registered_hash[32];
    char log_path[ABI_PATH_LEN_MAX];    // the builder's output: /var/log/zix/<hash>-<name>
};
#define ABI_ZIX_INFO_SIGNED 1u // a signature is registered with it
struct abi_zix_info {
    char path[ABI_ZIX_PATH_BYTES];
    uint8_t nar_hash[32];
    uint8_t recipe_hash[32];
    uint64_t nar_size_bytes;
    uint64_t registered_ns;   // realtime at registration
    uint32_t flags;           // ABI_ZIX_INFO_*
    uint32_t refs_count;
    char refs[ABI_ZIX_REFS_MAX][ABI_ZIX_PATH_BYTES];
};
struct abi_zix_text {
    uint32_t length_bytes;
    uint32_t reserved;
    char text[ABI_ZIX_TEXT_BYTES];
};
struct abi_zix_gc {
    uint32_t roots;            // links in /zix/roots naming a registered path
    uint32_t kept;
    uint32_t freed;            // (dry run: would be)
    uint32_t freed_named;      // entries of freed_paths filled
    uint64_t freed_bytes;      // nar sizes of the freed paths
    char freed_paths[ABI_ZIX_GC_FREED_NAMED_MAX][ABI_ZIX_PATH_BYTES];
};

// GrainDB's replicated keyspace (issue 14): see graindb above.
#define ABI_GRAINDB_KEY_BYTES_MAX 48     // with its NUL
#define ABI_GRAINDB_VALUE_BYTES_MAX 256
#define ABI_GRAINDB_NODES_MAX 8
#define ABI_GRAINDB_PUT 0
#define ABI_GRAINDB_GET 1
#define ABI_GRAINDB_HISTORY 2
#define ABI_GRAINDB_GET_AS_OF 3
#define ABI_GRAINDB_STATUS 4
struct abi_graindb_request {
    char key[ABI_GRAINDB_KEY_BYTES_MAX];
    uint64_t as_of_hlc;   // GET_AS_OF
    uint32_t index;       // HISTORY
    uint32_t value_bytes; // PUT
    uint8_t value[ABI_GRAINDB_VALUE_BYTES_MAX];
};
struct abi_graindb_version {
    uint64_t hlc;            // physical ms << 16 | logical counter
    uint32_t node;           // the node whose client wrote it
    uint32_t uid;            // the user who wrote it
    uint8_t value_hash[32];  // SHA-256 of the value (a content-addressed object)
    uint32_t value_bytes;
    uint32_t reserved;
};
struct abi_graindb_reply {
    struct abi_graindb_version version;
    uint32_t versions_count; // the key's versions on this node
    uint32_t value_bytes;
    uint8_t value[ABI_GRAINDB_VALUE_BYTES_MAX];
};
struct abi_graindb_peer {
    uint64_t last_contact_ns;   // monotonic time of the last valid datagram from it (0: never)
    uint64_t datagrams_sent;
    uint64_t datagrams_received;
};
struct abi_graindb_status {
    uint32_t node;              // this node's id
    uint32_t nodes;             // cluster size (1: replication off)
    uint32_t keys;
    uint32_t versions;
    uint64_t hlc;               // the node's clock now
    uint64_t merkle_root;       // digest of every version held (equal roots: same versions)
    uint64_t datagrams_rejected; // bad magic, version, length or checksum
    uint64_t objects_rejected;  // values whose bytes did not hash to their version's hash
    uint64_t objects_repaired;  // damaged local values fetched again from a peer
    uint64_t monotonic_ns;      // this node's monotonic clock when the status was taken
    struct abi_graindb_peer peers[ABI_GRAINDB_NODES_MAX];
};
