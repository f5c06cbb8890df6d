// The users room's private calls: what only its own files use (accounts, shadow,
// authentication, the audit log, password hashing). Other rooms use accounts.h,
// auth.h, console.h and password.h; tests may look inside.
#pragma once

#include "kernel/users/accounts.h"
#include "kernel/users/auth.h"
#include "kernel/users/password.h"

struct proc;

// ---- from accounts.h -------------------------------------------
const struct account *accounts_find(const struct kernel *k, u32 uid); // NULL if unknown
// "name:password:gid:member,member" lines: each account listed gets the gid as a
// supplementary group (at most GROUPS_MAX, duplicates once). text is cut in place.
void accounts_parse_group(char *text, struct accounts *accounts);
// 0 when password is uid's (from /etc/shadow), else -E_ACCES (or -error reading it).
// Counts nothing: the syscalls check through auth_check_password (auth.h), which
// adds the delays after failures.
i64 accounts_check_password(struct kernel *k, u32 uid, const char *password);
// Rewrites /etc/shadow with uid's new password (a fresh salt, PBKDF2 as at the first
// boot), keeping every other line: written to /etc/shadow.new, then renamed over
// /etc/shadow in one atomic step. -E_INVAL if the password breaks password_acceptable
// or uid is unknown; -E_NOSPC if the file would not fit; else 0 or the disk's -error.
i64 accounts_set_password(struct kernel *k, u32 uid, const char *password);

// ---- from auth.h -------------------------------------------
// 0 when password is uid's; -E_ACCES when wrong (or unknown uid, or password NULL:
// one too long to be anyone's). -E_AGAIN with *retry_at_ns set when this asker must
// wait before uid's password may be checked (nothing hashed): the syscall sleeps the
// caller until then and runs again. Every wrong password lengthens the asker's wait
// for uid; a right one clears it.
i64 auth_check_password(struct kernel *k, const struct auth_asker *asker, u32 uid, const char *password,
                        u64 *retry_at_ns);
// The asker of a process.
struct auth_asker auth_asker_of(const struct kernel *k, const struct proc *proc_);
// Root set uid's password: every source's delay for it ends.
void auth_failures_reset(struct kernel *k, u32 uid);
// The wait after `failures` consecutive failures (0 for none).
u64 auth_delay_ns(u32 failures);
u64 auth_session_new(struct kernel *k);
// Whether `uid` proved its password to sudo in this session within the timeout.
bool auth_stamp_valid(struct kernel *k, u64 session_id, u32 uid);
void auth_stamp_set(struct kernel *k, u64 session_id, u32 uid);
void auth_stamp_forget(struct kernel *k, u64 session_id, u32 uid);
// Parses "timestamp_timeout_s = N" (comments after '#', blank lines allowed).
// 0 and *timeout_s set, or -E_INVAL for anything else (then *timeout_s unchanged).
i64 auth_parse_sudo_conf(const char *text, u64 *timeout_s);
// At boot (from accounts_load): the default, then the file's value if it is good.
void auth_load_config(struct kernel *k);
// One event: "<realtime s.ns> pid=P uid=U <what> <result>[ <detail>]", appended to
// /var/log/auth by the kernel as root. Bytes that are not printable become '?', so no
// input forges a line. An event identical (uid, what, result, detail) to uid's last
// one is coalesced: counted, and written as one "repeated N times:" line before uid's
// next different event or within AUTH_LOG_REPEAT_WAIT_NS. A non-root uid's lines fill
// at most AUTH_LOG_SHARE_BYTES of the current file; beyond it its events are counted
// and summarised (by the kernel, uid 0), not written. A failed write is counted,
// noted in the file once writing works again, and reported by audit_status; it
// never changes the event's outcome.
void auth_log(struct kernel *k, u32 pid, u32 uid, const char *what, const char *result,
              const char *detail);
// The line for an event (for tests). Returns its length, '\n' included.
u32 auth_log_format(char out[AUTH_LOG_LINE_LEN_MAX], u64 realtime_ns, u32 pid, u32 uid,
                    const char *what, const char *result, const char *detail);
// The per-user slot of uid: its account's index, or ACCOUNTS_MAX for other uids.
u32 auth_log_user_slot(const struct kernel *k, u32 uid);
// The file itself (auth_log_file.c): appends `count` bytes of whole lines, rotating
// first if they do not fit (auth -> auth.1 -> ... -> auth.N, the oldest dropped).
// 0 or -error. Counts each user's bytes in the current file (from the file itself at
// the first append after boot).
i64 auth_log_file_append(struct kernel *k, const char *lines, u32 count);
// Counts each user's bytes in the current file now, if not yet done since boot.
void auth_log_file_scan(struct kernel *k);
// "/var/log/auth" (0) or "/var/log/auth.N".
void auth_log_file_path(u32 archive, char out[AUTH_LOG_PATH_LEN_MAX]);

// ---- from password.h -------------------------------------------
void password_pbkdf2_sha256(const u8 *password, u32 password_len, const u8 *salt, u32 salt_len,
                            u32 iterations, u8 out[PASSWORD_HASH_BYTES]);
// Whether password matches an encoded hash. Refuses (false) anything malformed;
// the final comparison takes the same time wherever the bytes differ.
bool password_matches(const char *password, const char *encoded, u32 encoded_len);
// Constant-time equality of two byte strings of the same length.
bool password_bytes_equal(const u8 *a, const u8 *b, u32 count);
// Whether a new password may be set: 1..PASSWORD_LEN_MAX bytes, none of them ':'
// (the shadow file's separator) or a line end. 0 or -E_INVAL.
i64 password_acceptable(const char *password, u64 length);
