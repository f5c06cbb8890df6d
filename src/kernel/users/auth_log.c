// The audit log's events: one line per authentication event in /var/log/auth
// (auth_log_file.c appends it), never holding a password, and made so that noise
// cannot erase the record of an attack:
//   - coalescing: an event identical to its user's last one (same uid, what, result
//     and detail; the pid may differ) is only counted; the count is written as
//     "<time> pid=P uid=U repeated N times: <what> <result> <detail>" before that
//     user's next different event, or by the kernel once the first repeat has waited
//     AUTH_LOG_REPEAT_WAIT_NS (syslog's "last message repeated");
//   - shares: a non-root uid's lines fill at most AUTH_LOG_SHARE_BYTES of the current
//     file. Beyond it, its events are counted, not written: the kernel (uid 0) says
//     so once in the file, and at the rotation writes how many there were. So one
//     user can never fill a file, force a rotation, or push anyone's lines out; root's
//     and the kernel's lines always have room (a rotation makes it);
//   - failures: a write that fails (no disk, disk full or failed, no open-file slot)
//     does not change the event's outcome (refusing every login while the disk is
//     broken would lock root out of the machine it must repair). The line goes to the
//     console log, is counted (audit_status, shown by login when root logs in) and
//     noted in the file by the next line that can be written.
// The same events also go to the kernel log at level info (coalesced ones at debug).
#include "kernel/users/auth.h"

#include "kernel/proc/clock.h"
#include "kernel/lib/format.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/users/internal.h"

u32 auth_log_user_slot(const struct kernel *k, u32 uid) {
    assert(k != NULL);
    const struct account *account = accounts_find(k, uid);
    if (account == NULL) return ACCOUNTS_MAX; // all other uids share the last slot
    u32 slot = (u32)(account - k->accounts.entries);
    assert(slot < ACCOUNTS_MAX);
    return slot;
}

static void append_text(char *out, u32 capacity, u32 *at, const char *text, bool sanitize) {
    for (; *text != '\0' && *at + 1 < capacity; text++) {
        char c = *text;
        if (sanitize && (c < ' ' || c > '~')) c = '?'; // no newline can split or forge a line
        out[(*at)++] = c;
    }
    out[*at] = '\0';
}

// "<what> <result>[ <detail>]", unprintable bytes as '?', cut to fit.
static void event_text(char out[AUTH_LOG_EVENT_LEN_MAX], const char *what, const char *result, const char *detail) {
    assert(what != NULL);
    assert(result != NULL);
    u32 at = 0;
    out[0] = '\0';
    append_text(out, AUTH_LOG_EVENT_LEN_MAX, &at, what, true);
    append_text(out, AUTH_LOG_EVENT_LEN_MAX, &at, " ", false);
    append_text(out, AUTH_LOG_EVENT_LEN_MAX, &at, result, true);
    if (detail != NULL && detail[0] != '\0') {
        append_text(out, AUTH_LOG_EVENT_LEN_MAX, &at, " ", false);
        append_text(out, AUTH_LOG_EVENT_LEN_MAX, &at, detail, true);
    }
    assert(at < AUTH_LOG_EVENT_LEN_MAX);
}

u32 auth_log_format(char out[AUTH_LOG_LINE_LEN_MAX], u64 realtime_ns, u32 pid, u32 uid,
                    const char *what, const char *result, const char *detail) {
    assert(what != NULL);
    assert(result != NULL);
    u32 at = (u32)format(out, AUTH_LOG_LINE_LEN_MAX - 1, "%llu.%09llu pid=%u uid=%u ",
                         (unsigned long long)(realtime_ns / NS_PER_S),
                         (unsigned long long)(realtime_ns % NS_PER_S), pid, uid);
    append_text(out, AUTH_LOG_LINE_LEN_MAX - 1, &at, what, true);
    append_text(out, AUTH_LOG_LINE_LEN_MAX - 1, &at, " ", false);
    append_text(out, AUTH_LOG_LINE_LEN_MAX - 1, &at, result, true);
    if (detail != NULL && detail[0] != '\0') {
        append_text(out, AUTH_LOG_LINE_LEN_MAX - 1, &at, " ", false);
        append_text(out, AUTH_LOG_LINE_LEN_MAX - 1, &at, detail, true);
    }
    assert(at < AUTH_LOG_LINE_LEN_MAX - 1);
    out[at++] = '\n'; // always room: the text above stopped one byte short
    out[at] = '\0';
    return at;
}

// Appends line, preceded by a note of the events that could not be written since the
// last line that could. 0 or -error (then nothing is counted as written).
static i64 auth_log_write(struct kernel *k, const char *line, u32 length) {
    assert(length > 0);
    assert(length < AUTH_LOG_LINE_LEN_MAX);
    struct auth_log_state *log = &k->auth.log;
    char text[2 * AUTH_LOG_LINE_LEN_MAX];
    u32 at = 0, lines = 1;
    if (log->unwritten_unnoted > 0) {
        char detail[AUTH_LOG_DETAIL_LEN_MAX];
        format(detail, sizeof detail, "events=%llu last-error=%lld (not in this log)",
               (unsigned long long)log->unwritten_unnoted, (long long)-log->last_error);
        at = auth_log_format(text, platform_realtime_ns(k->platform), 0, ABI_UID_ROOT, "audit", "unwritten", detail);
        lines++;
    }
    assert(at + length < sizeof text);
    mem_copy(text + at, line, length);
    i64 result = auth_log_file_append(k, text, at + length);
    if (result < 0) return result;
    log->unwritten_unnoted = 0;
    log->lines += lines;
    return 0;
}

// A log line as the kernel log shows it: without its realtime (the console has its
// own clock) and without its '\n' (klog ends the line).
static void console_text(const char *line, char out[AUTH_LOG_LINE_LEN_MAX]) {
    assert(line != NULL);
    const char *event = line;
    while (*event != ' ' && *event != '\0') event++;
    str_copy(out, AUTH_LOG_LINE_LEN_MAX, event);
    u64 length = str_len_bounded(out, AUTH_LOG_LINE_LEN_MAX - 1);
    if (length > 0 && out[length - 1] == '\n') out[length - 1] = '\0';
    assert(str_len_bounded(out, AUTH_LOG_LINE_LEN_MAX) < AUTH_LOG_LINE_LEN_MAX);
}

// An event (or `events` coalesced ones) that could not be written.
static void auth_log_unwritten(struct kernel *k, u64 events, i64 error, const char *line) {
    assert(error < 0);
    assert(events > 0);
    struct auth_log_state *log = &k->auth.log;
    log->unwritten += events;
    log->unwritten_unreported += events;
    log->unwritten_unnoted += events;
    log->last_error = error;
    char shown[AUTH_LOG_LINE_LEN_MAX];
    console_text(line, shown);
    klog(k, LOG_WARN, "auth: %s not written (error %lld):%s", AUTH_LOG_PATH, (long long)-error, shown);
}

// uid's events beyond its share: counted; the first time in this file, the kernel says so.
static void auth_log_suppress(struct kernel *k, u32 slot, u32 uid, u64 events) {
    assert(slot < AUTH_LOG_USERS_MAX);
    assert(events > 0);
    assert(uid != ABI_UID_ROOT); // root's lines always have room
    struct auth_log_state *log = &k->auth.log;
    struct auth_log_user *user = &log->users[slot];
    user->suppressed += events;
    log->suppressed += events;
    log->suppressed_unreported += events;
    if (user->over_share) return;
    user->over_share = true;
    char detail[AUTH_LOG_DETAIL_LEN_MAX], line[AUTH_LOG_LINE_LEN_MAX];
    format(detail, sizeof detail, "uid=%u share=%u bytes: its events are counted, not written, until rotation", uid,
           AUTH_LOG_SHARE_BYTES);
    u32 length = auth_log_format(line, platform_realtime_ns(k->platform), 0, ABI_UID_ROOT, "audit", "over-share", detail);
    i64 written = auth_log_write(k, line, length);
    if (written < 0) auth_log_unwritten(k, 1, written, line);
}

// Writes one line of uid's (standing for `events` events), within its share. The
// kernel log shows it at level info, or at debug when it is beyond the share (a user
// must not be able to flood the console either).
static void auth_log_emit(struct kernel *k, u32 slot, u32 uid, const char *line, u32 length, u64 events) {
    assert(slot < AUTH_LOG_USERS_MAX);
    assert(events > 0);
    assert(length > 0);
    assert(length < AUTH_LOG_LINE_LEN_MAX);
    assert(line[length - 1] == '\n');
    struct auth_log_user *user = &k->auth.log.users[slot];
    if (uid != ABI_UID_ROOT) auth_log_file_scan(k); // its bytes already in the file count
    bool over = uid != ABI_UID_ROOT && (u64)user->used_bytes + length > AUTH_LOG_SHARE_BYTES;
    char shown[AUTH_LOG_LINE_LEN_MAX];
    console_text(line, shown);
    klog(k, over ? LOG_DEBUG : LOG_INFO, "auth:%s%s", shown, over ? " (beyond its share: counted)" : "");
    if (over) {
        auth_log_suppress(k, slot, uid, events);
        return;
    }
    i64 written = auth_log_write(k, line, length);
    if (written < 0) auth_log_unwritten(k, events, written, line);
}

static void auth_log_update_deadline(struct kernel *k) {
    struct auth_log_state *log = &k->auth.log;
    log->repeat_deadline_ns = 0;
    for (u32 slot = 0; slot < AUTH_LOG_USERS_MAX; slot++) {
        const struct auth_log_user *user = &log->users[slot];
        if (user->repeats == 0) continue;
        u64 due_ns = user->repeat_since_ns + AUTH_LOG_REPEAT_WAIT_NS;
        if (log->repeat_deadline_ns == 0 || due_ns < log->repeat_deadline_ns) log->repeat_deadline_ns = due_ns;
    }
    // 0 means no repeats are held; a held deadline lies at least one wait past boot.
    if (log->repeat_deadline_ns != 0) assert(log->repeat_deadline_ns >= AUTH_LOG_REPEAT_WAIT_NS);
}

// The line that stands for the user's coalesced repeats, if any.
static void auth_log_write_repeats(struct kernel *k, u32 slot) {
    assert(slot < AUTH_LOG_USERS_MAX);
    struct auth_log_user *user = &k->auth.log.users[slot];
    if (user->repeats == 0) return;
    char count[32], line[AUTH_LOG_LINE_LEN_MAX];
    format(count, sizeof count, "%llu times:", (unsigned long long)user->repeats);
    u32 length = auth_log_format(line, platform_realtime_ns(k->platform), user->repeat_pid, user->last_uid,
                                 "repeated", count, user->last_event);
    u64 events = user->repeats;
    user->repeats = 0;
    auth_log_emit(k, slot, user->last_uid, line, length, events);
    auth_log_update_deadline(k);
}

void auth_log_flush_repeats(struct kernel *k, bool all) {
    assert(k != NULL);
    u64 now_ns = kernel_monotonic_ns(k);
    for (u32 slot = 0; slot < AUTH_LOG_USERS_MAX; slot++) {
        const struct auth_log_user *user = &k->auth.log.users[slot];
        if (user->repeats > 0 && (all || now_ns >= user->repeat_since_ns + AUTH_LOG_REPEAT_WAIT_NS)) {
            auth_log_write_repeats(k, slot);
        }
    }
    auth_log_update_deadline(k);
    if (all) assert(k->auth.log.repeat_deadline_ns == 0);
}

static void auth_log_coalesce(struct kernel *k, u32 slot, u32 pid, const char *event) {
    assert(slot < AUTH_LOG_USERS_MAX);
    assert(event != NULL);
    struct auth_log_state *log = &k->auth.log;
    struct auth_log_user *user = &log->users[slot];
    if (user->repeats == 0) user->repeat_since_ns = kernel_monotonic_ns(k);
    user->repeats++;
    user->repeat_pid = pid;
    log->coalesced++;
    auth_log_update_deadline(k);
    klog(k, LOG_DEBUG, "auth: pid=%u uid=%u %s (repeat %llu)", pid, user->last_uid, event,
         (unsigned long long)user->repeats);
}

void auth_log(struct kernel *k, u32 pid, u32 uid, const char *what, const char *result,
              const char *detail) {
    assert(k != NULL);
    assert(what != NULL);
    assert(result != NULL);
    char event[AUTH_LOG_EVENT_LEN_MAX];
    event_text(event, what, result, detail);
    u32 slot = auth_log_user_slot(k, uid);
    struct auth_log_user *user = &k->auth.log.users[slot];
    if (user->last_event[0] != '\0' && user->last_uid == uid && str_equal(user->last_event, event)) {
        auth_log_coalesce(k, slot, pid, event);
        return;
    }
    auth_log_write_repeats(k, slot); // the repeats of the previous event come before this one
    char line[AUTH_LOG_LINE_LEN_MAX];
    u32 length = auth_log_format(line, platform_realtime_ns(k->platform), pid, uid, what, result, detail);
    assert(length > 0);
    assert(line[length - 1] == '\n');
    u64 unwritten_before = k->auth.log.unwritten;
    auth_log_emit(k, slot, uid, line, length, 1);
    // What follows coalesces with it, unless it is not in the log at all (a failed write).
    bool failed = k->auth.log.unwritten != unwritten_before;
    user->last_uid = uid;
    str_copy(user->last_event, sizeof user->last_event, failed ? "" : event);
}
