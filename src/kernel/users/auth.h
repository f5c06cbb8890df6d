// Authentication state the kernel keeps between syscalls, so that no user program
// has to be trusted to remember it: delays after failed passwords per account and
// asking user, login sessions, sudo's remembered successes ("stamps"), the sudo
// timeout read from /etc/sudo.conf, and the /var/log/auth audit log. All of it lives
// in struct kernel (k->auth) and in RAM only: a reboot forgets stamps and delays.
#pragma once

#include "kernel/users/accounts.h"
#include "kernel/lib/types.h"

#define NS_PER_S 1000000000ull
// The delay rule (auth.c): after n consecutive wrong passwords for one account asked by
// one source (the real user of the asking process), that source's next check of that
// account waits nothing while n <= AUTH_DELAY_FREE_FAILURES (typos), then
// AUTH_DELAY_FIRST_NS << (n - AUTH_DELAY_FREE_FAILURES - 1), at most AUTH_DELAY_MAX_NS,
// counted from the last failure. Other sources are not slowed; a right password clears
// it; root's password asked by root's process that owns the console (login) never waits.
#define AUTH_DELAY_FREE_FAILURES 3u                // like pam_faillock's deny = 3
#define AUTH_DELAY_FIRST_NS (250ull * 1000000ull)  // after the fourth failure in a row
#define AUTH_DELAY_MAX_NS (30ull * NS_PER_S)       // the cap: from the eleventh on
#define AUTH_DELAY_FAILURES_MAX 64u                // counting stops here (the cap holds)
#define AUTH_SOURCES_MAX (ACCOUNTS_MAX + 1)        // one per account, one for other uids
#define AUTH_STAMPS_MAX 8u                         // remembered sudo successes, machine-wide
#define SUDO_TIMEOUT_DEFAULT_S 300ull              // without (or with a bad) /etc/sudo.conf
#define SUDO_TIMEOUT_MAX_S (7ull * 24 * 3600)      // larger values in the file are malformed
#define SUDO_CONF_BYTES_MAX 512
#define SUDO_CONF_PATH "/etc/sudo.conf"
#define SUDO_CONF_KEY "timestamp_timeout_s"
// The audit log (auth_log.c, auth_log_file.c): /var/log/auth and its archives
// /var/log/auth.1 (newest) .. auth.AUTH_LOG_ARCHIVES_MAX (oldest).
#define AUTH_LOG_PATH "/var/log/auth"
#define AUTH_LOG_MODE 0600
#define AUTH_LOG_BYTES_MAX 16384u  // one file; well under ABI_FILE_SIZE_MAX
#define AUTH_LOG_ARCHIVES_MAX 4u   // so all of it stays under 5 x 16 KiB
#define AUTH_LOG_TOTAL_BYTES_MAX (AUTH_LOG_BYTES_MAX * (AUTH_LOG_ARCHIVES_MAX + 1))
#define AUTH_LOG_SHARE_BYTES (AUTH_LOG_BYTES_MAX / 8) // one non-root uid's part of a file
#define AUTH_LOG_REPEAT_WAIT_NS (30ull * NS_PER_S)   // longest a coalesced repeat waits
#define AUTH_LOG_USERS_MAX (ACCOUNTS_MAX + 1)        // per-user state: accounts, other uids
#define AUTH_LOG_LINE_LEN_MAX 192
#define AUTH_LOG_EVENT_LEN_MAX 160 // "<what> <result> <detail>", before time, pid and uid
#define AUTH_LOG_DETAIL_LEN_MAX 96
#define AUTH_LOG_PATH_LEN_MAX 24   // "/var/log/auth.N"
#define AUTH_SESSION_NONE 0ull // processes outside any login session: sudo never remembers

STATIC_ASSERT(AUTH_LOG_SHARE_BYTES > 4 * AUTH_LOG_LINE_LEN_MAX);
STATIC_ASSERT(AUTH_LOG_ARCHIVES_MAX >= 1 && AUTH_LOG_ARCHIVES_MAX <= 9); // one digit

struct kernel;
struct proc;

// Consecutive failed checks of one account asked by one source.
struct auth_delay {
    u32 failures;
    u64 next_check_ns; // monotonic; a check before it waits until then
};

// A successful sudo password check of `uid` in login session `session_id`.
struct auth_stamp {
    u64 session_id; // AUTH_SESSION_NONE: free slot
    u32 uid;
    u64 granted_ns; // monotonic
};

// Per user of the audit log (one per account, the last for all other uids).
struct auth_log_user {
    u32 used_bytes;       // bytes of its lines in the current file
    bool over_share;      // said so in the current file: its events are only counted
    u64 suppressed;       // events beyond its share in the current file
    u32 last_uid;         // its last event written (or suppressed), for coalescing
    char last_event[AUTH_LOG_EVENT_LEN_MAX]; // "" when none
    u64 repeats;          // identical events since then, not yet written
    u32 repeat_pid;       // the last of them
    u64 repeat_since_ns;  // monotonic time of the first of them
};

struct auth_log_state {
    bool scanned;              // the current file's shares were counted since boot
    u64 lines;                 // lines appended since boot
    u64 unwritten;             // events that could not be written since boot
    u64 unwritten_unreported;  // since root's last acknowledgement
    u64 unwritten_unnoted;     // not yet noted in the file itself
    i64 last_error;
    u64 coalesced;
    u64 suppressed;
    u64 suppressed_unreported;
    u64 rotations;
    u64 repeat_deadline_ns;    // earliest time a repeat must be written; 0: none waits
    struct auth_log_user users[AUTH_LOG_USERS_MAX];
};

struct auth {
    u64 sudo_timeout_ns; // 0: sudo always asks
    u64 session_next;    // the next login (or console) session id (first is 1)
    struct auth_delay delays[ACCOUNTS_MAX][AUTH_SOURCES_MAX];
    struct auth_stamp stamps[AUTH_STAMPS_MAX];
    struct auth_log_state log;
};

// Who asks for a password check: the delay's source, and whether it is the login
// prompt on the console (root's process owning the console).
struct auth_asker {
    u32 ruid;
    bool owns_console;
};

// ---- sessions and sudo stamps (auth.c) -------------------------------------------
// The session of the live process `pid`; AUTH_SESSION_NONE for pid 0 or none (init).
u64 auth_session_of_pid(const struct kernel *k, u32 pid);

// ---- /etc/sudo.conf (auth_config.c) -----------------------------------------------
// The first boot's file.
extern const char auth_sudo_conf_text[];
u64 auth_sudo_conf_length(void);

// ---- the audit log (auth_log.c, auth_log_file.c) -------------------------------
// Writes every repeat whose wait is over (all of them if `all`). From kernel_step
// when k->auth.log.repeat_deadline_ns has passed, and before a shutdown.
void auth_log_flush_repeats(struct kernel *k, bool all);

