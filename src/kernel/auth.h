// Authentication state the kernel keeps between syscalls, so that no user program
// has to be trusted to remember it: consecutive password failures and lockouts per
// account, login sessions, sudo's remembered successes ("stamps"), the sudo timeout
// read from /etc/sudo.conf, and the /var/log/auth event log. All of it lives in
// struct kernel (k->auth) and in RAM only: a reboot forgets stamps and lockouts.
#pragma once

#include "accounts.h"
#include "types.h"

#define NS_PER_S 1000000000ull
#define AUTH_FAILURES_MAX 5u                       // consecutive failures before a lockout
#define AUTH_LOCKOUT_NS (60ull * NS_PER_S)         // how long a locked account refuses checks
#define AUTH_STAMPS_MAX 8u                         // remembered sudo successes, machine-wide
#define SUDO_TIMEOUT_DEFAULT_S 300ull              // without (or with a bad) /etc/sudo.conf
#define SUDO_TIMEOUT_MAX_S (7ull * 24 * 3600)      // larger values in the file are malformed
#define SUDO_CONF_BYTES_MAX 512
#define SUDO_CONF_PATH "/etc/sudo.conf"
#define SUDO_CONF_KEY "timestamp_timeout_s"
#define AUTH_LOG_PATH "/var/log/auth"
#define AUTH_LOG_OLD_PATH "/var/log/auth.old"
#define AUTH_LOG_MODE 0600
#define AUTH_LOG_BYTES_MAX 16384u // well under ABI_FILE_SIZE_MAX: one GrainDB object
#define AUTH_LOG_LINE_LEN_MAX 192
#define AUTH_LOG_DETAIL_LEN_MAX 96
#define AUTH_SESSION_NONE 0ull // processes outside any login session: sudo never remembers

struct kernel;

// Consecutive failed checks of one account's password (index as in k->accounts).
struct auth_failures {
    u32 count;
    u64 locked_until_ns; // monotonic; 0 when not locked
};

// A successful sudo password check of `uid` in login session `session_id`.
struct auth_stamp {
    u64 session_id; // AUTH_SESSION_NONE: free slot
    u32 uid;
    u64 granted_ns; // monotonic
};

struct auth {
    u64 sudo_timeout_ns; // 0: sudo always asks
    u64 session_next;    // the next login session id (first is 1)
    struct auth_failures failures[ACCOUNTS_MAX];
    struct auth_stamp stamps[AUTH_STAMPS_MAX];
    u64 log_lines;       // lines appended to /var/log/auth since boot
    u64 log_failures;    // lines that could not be written (see auth_log.c)
};

// ---- password checks with lockout (auth.c) ---------------------------------------
// 0 when password is uid's; -E_ACCES when wrong (or unknown uid, or password NULL:
// one too long to be anyone's); -E_AGAIN while uid is locked, without hashing. Every
// wrong password counts towards the lockout; a right one resets the count.
i64 auth_check_password(struct kernel *k, u32 uid, const char *password);
// Root set uid's password: its failure count and any lockout end.
void auth_failures_reset(struct kernel *k, u32 uid);

// ---- sessions and sudo stamps (auth.c) -------------------------------------------
u64 auth_session_new(struct kernel *k);
// The session of the live process `pid`; AUTH_SESSION_NONE for pid 0 or none (init).
u64 auth_session_of_pid(const struct kernel *k, u32 pid);
// Whether `uid` proved its password to sudo in this session within the timeout.
bool auth_stamp_valid(struct kernel *k, u64 session_id, u32 uid);
void auth_stamp_set(struct kernel *k, u64 session_id, u32 uid);
void auth_stamp_forget(struct kernel *k, u64 session_id, u32 uid);

// ---- /etc/sudo.conf (auth_config.c) -----------------------------------------------
// Parses "timestamp_timeout_s = N" (comments after '#', blank lines allowed).
// 0 and *timeout_s set, or -E_INVAL for anything else (then *timeout_s unchanged).
i64 auth_parse_sudo_conf(const char *text, u64 *timeout_s);
// The first boot's file.
extern const char auth_sudo_conf_text[];
u64 auth_sudo_conf_length(void);
// At boot (from accounts_load): the default, then the file's value if it is good.
void auth_load_config(struct kernel *k);

// ---- /var/log/auth (auth_log.c) ---------------------------------------------------
// Appends "<realtime s.ns> pid=P uid=U <what> <result>[ <detail>]" as root. Bytes
// of detail that are not printable become '?', so no input forges a line. A failed
// write is counted and logged on the console; it never changes the event's outcome.
void auth_log(struct kernel *k, u32 pid, u32 uid, const char *what, const char *result,
              const char *detail);
// The line auth_log would write (for tests). Returns its length.
u32 auth_log_format(char out[AUTH_LOG_LINE_LEN_MAX], u64 realtime_ns, u32 pid, u32 uid,
                    const char *what, const char *result, const char *detail);
