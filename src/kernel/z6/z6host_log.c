// A z6 service's logs and readiness: z6host_log.h says what and who pays.
//
// The stamp is the realtime clock, UTC, to the microsecond ("2026-12-07T18:33:06.123456Z"):
// a log is read by people next to other clocks (the auth log, a user's notes), so wall
// time is what says when; the order of the lines is the file's, never the stamps' (a
// clock step may make a later stamp smaller, as with s6-log's TAI64N).
//
// Archives are named @<sequence>.s, ten digits: one more than the highest there, so
// the listing's sorted order is their age whatever the clocks did, and a rotation is
// one rename plus the removal of the oldest beyond log-archives.
//
// A write call opens current once (the user's share of the open-file table and of the
// buffers, as for its own files), appends each completed line with fs_file_write and
// releases it at the end: one commit per call, not per line.
#include "kernel/z6/internal.h"

#include "kernel/bugs.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/format.h"
#include "kernel/lib/mem.h"
#include "kernel/observe.h"
#include "kernel/proc/usercopy.h"
#include "kernel/proc/vm.h"
#include "kernel/users/accounts.h"

#define NS_PER_US 1000ull
#define S_PER_DAY 86400ull
#define FILE_NONE UINT32_MAX

// One write call's hold on current: the open file (FILE_NONE: not open) and its size.
struct session {
    u32 file;
    u64 size_bytes;
};

static struct z6_log *log_of(struct kernel *k, u32 service) {
    assert(service < Z6_SERVICES_MAX);
    assert(service < k->z6.engine.service_count);
    return &k->z6.logs.services[service];
}

static const char *name_of(const struct kernel *k, u32 service) {
    assert(service < k->z6.engine.service_count);
    return k->z6.engine.services[service].config.name;
}

// "/var/log/z6/<name>" or "/var/log/z6/<name>/<file>" (file NULL: the directory).
static void log_path(const struct kernel *k, u32 service, const char *file, char out[Z6_LOG_PATH_BYTES_MAX]) {
    u64 length = file == NULL ? format(out, Z6_LOG_PATH_BYTES_MAX, "%s/%s", Z6_LOG_ROOT_PATH, name_of(k, service))
                              : format(out, Z6_LOG_PATH_BYTES_MAX, "%s/%s/%s", Z6_LOG_ROOT_PATH,
                                       name_of(k, service), file);
    assert(length + 1 < Z6_LOG_PATH_BYTES_MAX); // names are under Z6_NAME_BYTES_MAX
    assert(out[0] == '/');
}

// The civil date of a day count since 1970-01-01 (Howard Hinnant's days_from_civil,
// inverted): exact for every u64 realtime in ns.
static void civil_from_days(u64 days, u32 *year, u32 *month, u32 *day) {
    u64 z = days + 719468;
    u64 era = z / 146097;
    u64 doe = z - era * 146097;
    u64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    u64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    u64 mp = (5 * doy + 2) / 153;
    *day = (u32)(doy - (153 * mp + 2) / 5 + 1);
    *month = (u32)(mp < 10 ? mp + 3 : mp - 9);
    *year = (u32)(yoe + era * 400 + (*month <= 2 ? 1 : 0));
    assert(*month >= 1);
    assert(*month <= 12);
}

// The stamp and its space: Z6_LOG_STAMP_BYTES bytes.
static u32 stamp(char *out, u64 realtime_ns) {
    u64 seconds = realtime_ns / NS_PER_S;
    u32 year = 0, month = 0, day = 0;
    civil_from_days(seconds / S_PER_DAY, &year, &month, &day);
    u64 in_day = seconds % S_PER_DAY;
    u64 length = format(out, Z6_LOG_STAMP_BYTES + 1, "%04u-%02u-%02uT%02u:%02u:%02u.%06lluZ ", year % 10000,
                        month, day, (u32)(in_day / 3600), (u32)(in_day / 60 % 60), (u32)(in_day % 60),
                        (unsigned long long)(realtime_ns % NS_PER_S / NS_PER_US));
    assert(length == Z6_LOG_STAMP_BYTES);
    return (u32)length;
}

static i64 make_directories(struct kernel *k, u32 service);

// Each service's settings; its log directory made now, so that a reader finds it
// before the first line (a failure is tried again at the first line).
// Service i's settings from the parse of the configuration (boot's or a reload's).
static void log_configure(struct kernel *k, u32 i) {
    assert(i < Z6_SERVICES_MAX);
    const struct z6_parsed *parsed = &k->z6.parsed[i];
    struct z6_log *log = &k->z6.logs.services[i];
    const struct cred cred = accounts_cred(k, parsed->config.uid);
    log->uid = cred.euid;
    log->gid = cred.egid;
    log->max_bytes = parsed->log_max_bytes;
    log->archives = parsed->log_archives;
    log->notification = parsed->config.notification;
    log->notification_fd = parsed->notification_fd;
    log->console = parsed->console;
    if (parsed->refused || log->directory_made || log->console) return;
    i64 made = make_directories(k, i);
    if (made < 0) klog(k, LOG_WARN, "z6: %s: no log directory yet (error %lld)", parsed->config.name, (long long)-made);
}

void z6host_log_boot(struct kernel *k) {
    assert(k != NULL);
    assert(k->z6.engine.service_count <= Z6_SERVICES_MAX);
    mem_set(&k->z6.logs, 0, sizeof k->z6.logs);
    for (u32 i = 0; i < k->z6.engine.service_count; i++) log_configure(k, i);
}

// Every open z6 descriptor follows its service; one whose service left is closed.
static void descriptors_move(struct kernel *k, const struct z6_reload_counts *counts) {
    assert(counts->old_count <= Z6_SERVICES_MAX);
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        struct proc *proc_ = &k->procs[slot];
        if (proc_->state == PROC_FREE || proc_->state == PROC_ZOMBIE) continue;
        for (u32 fd = 0; fd < ABI_FDS_MAX; fd++) {
            struct fd *entry = &proc_->fds[fd];
            if (entry->kind != FD_Z6_LOG && entry->kind != FD_Z6_NOTIFY) continue;
            assert(entry->z6_service < counts->old_count); // given by z6 this boot
            u32 moved = counts->moved_to[entry->z6_service];
            if (moved < Z6_SERVICES_MAX) entry->z6_service = moved;
            else *entry = (struct fd){.kind = FD_NONE};
        }
    }
}

void z6host_log_reload(struct kernel *k, const struct z6_reload_counts *counts, u32 count) {
    assert(counts->old_count <= Z6_SERVICES_MAX);
    assert(count <= k->z6.engine.service_count);
    struct z6_logs *logs = &k->z6.logs;
    mem_copy(logs->moving, logs->services, sizeof logs->moving);
    mem_set(logs->services, 0, sizeof logs->services);
    for (u32 j = 0; j < counts->old_count; j++) {
        u32 moved = counts->moved_to[j];
        if (moved < Z6_SERVICES_MAX) logs->services[moved] = logs->moving[j];
    }
    descriptors_move(k, counts);
    for (u32 i = 0; i < count; i++) log_configure(k, i);
}

void z6host_log_attach(struct kernel *k, u32 service, u32 pid, bool run) {
    struct z6_log *log = log_of(k, service);
    u32 slot = 0;
    while (slot < PROCS_MAX && (k->procs[slot].state == PROC_FREE || k->procs[slot].pid != pid)) slot++;
    assert(slot < PROCS_MAX); // just spawned
    struct proc *proc_ = &k->procs[slot];
    for (u32 fd = 1; fd <= 2 && !log->console; fd++) {
        assert(proc_->fds[fd].kind == FD_CONSOLE_OUT); // a supervised process has no parent
        proc_->fds[fd] = (struct fd){.kind = FD_Z6_LOG, .z6_service = service};
    }
    if (!run) return;
    log->notified = false;
    if (!log->notification) return;
    assert(log->notification_fd < ABI_FDS_MAX);
    proc_->fds[log->notification_fd] = (struct fd){.kind = FD_Z6_NOTIFY, .z6_service = service};
}

// ---- current, its archives --------------------------------------------------------

// /var/log/z6 and the service's directory, root's: made once a boot (found: fine).
static i64 make_directories(struct kernel *k, u32 service) {
    struct z6_log *log = log_of(k, service);
    if (log->directory_made) return 0;
    char path[Z6_LOG_PATH_BYTES_MAX];
    log_path(k, service, NULL, path);
    struct fs_inode inode;
    i64 result = fs_create_at(k, Z6_LOG_ROOT_PATH, ABI_TYPE_DIRECTORY, Z6_LOG_DIRECTORY_MODE, &inode);
    if (result == 0 || result == -E_EXIST) result = fs_create_at(k, path, ABI_TYPE_DIRECTORY, Z6_LOG_DIRECTORY_MODE, &inode);
    if (result < 0 && result != -E_EXIST) return result;
    log->directory_made = true;
    return 0;
}

// current, found or made, the service user's: a new one is checked against the user's
// share first (made as root, it would otherwise be held only to the capacity).
static i64 current_inode(struct kernel *k, u32 service, const char *path, struct fs_inode *inode) {
    const struct z6_log *log = log_of(k, service);
    i64 result = fs_lookup_at(k, path, inode);
    if (result == -E_NOENT) {
        result = fs_usage_allow_owner(k, log->uid, 1, fs_cost_bytes(ABI_TYPE_FILE, 0));
        if (result == 0) result = fs_create_at(k, path, ABI_TYPE_FILE, Z6_LOG_FILE_MODE, inode);
    }
    if (result < 0) return result;
    if (inode->type != ABI_TYPE_FILE) return -E_ISDIR;
    if (inode->uid == log->uid && inode->gid == log->gid && inode->mode == Z6_LOG_FILE_MODE) return 0;
    return fs_give_as_root(k, path, inode, log->uid, log->gid, Z6_LOG_FILE_MODE);
}

static i64 session_open(struct kernel *k, u32 service, struct session *session) {
    assert(session->file == FILE_NONE);
    i64 result = make_directories(k, service);
    char path_text[Z6_LOG_PATH_BYTES_MAX];
    log_path(k, service, "current", path_text);
    struct fs_inode inode;
    if (result == 0) result = current_inode(k, service, path_text, &inode);
    struct path path;
    if (result == 0) result = path_resolve("/", path_text, &path);
    if (result < 0) return result;
    const struct cred root = cred_of_user(ABI_UID_ROOT);
    const struct fs_change change = {.op = FS_CHANGE_OPEN_WRITE, .cred = &root, .path = &path, .target = &inode};
    i64 index = fs_file_open_write(k, &change, false, log_of(k, service)->uid);
    if (index < 0) return index;
    assert(index < FS_OPEN_FILES_MAX);
    session->file = (u32)index;
    session->size_bytes = k->fs.files[index].meta.size_bytes;
    return 0;
}

// Commits what was appended, even while a reader holds current open (then the release
// is not the last); a failed commit loses those lines as a power loss would, and is said.
static void session_close(struct kernel *k, u32 service, struct session *session) {
    if (session->file == FILE_NONE) return;
    i64 result = fs_file_commit(k, session->file);
    i64 released = fs_file_release(k, session->file);
    if (result == 0) result = released;
    session->file = FILE_NONE;
    if (result < 0) klog(k, LOG_WARN, "z6: %s: log commit failed (error %lld)", name_of(k, service), (long long)-result);
    assert(session->file == FILE_NONE);
}

// The archives in the service's directory, as the sorted listing gives them (oldest
// first): how many, the highest sequence, the names of the oldest few.
struct archives {
    u32 count;
    u64 sequence_max;
    char oldest[Z6_LOG_PRUNE_MAX][Z6_LOG_ARCHIVE_NAME_BYTES];
};

// "@" ten digits ".s": its sequence.
static bool archive_sequence(const char *name, u64 *sequence) {
    assert(name != NULL);
    assert(sequence != NULL);
    if (str_len_bounded(name, Z6_LOG_ARCHIVE_NAME_BYTES) != Z6_LOG_ARCHIVE_NAME_BYTES - 1) return false;
    if (name[0] != '@' || name[11] != '.' || name[12] != 's') return false;
    u64 value = 0;
    for (u32 i = 1; i <= 10; i++) {
        if (name[i] < '0' || name[i] > '9') return false;
        value = value * 10 + (u64)(name[i] - '0');
    }
    *sequence = value;
    return true;
}

static i64 archives_list(struct kernel *k, u32 service, struct archives *out) {
    char directory[Z6_LOG_PATH_BYTES_MAX];
    log_path(k, service, NULL, directory);
    i64 count = fs_list_at(k, directory);
    if (count < 0) return count;
    mem_set(out, 0, sizeof *out);
    for (u32 i = 0; i < (u32)count; i++) {
        const struct fs_dirent *entry = &k->fs.entries[i];
        u64 sequence = 0;
        if (entry->type != ABI_TYPE_FILE || !archive_sequence(entry->name, &sequence)) continue;
        if (out->count < Z6_LOG_PRUNE_MAX) str_copy(out->oldest[out->count], Z6_LOG_ARCHIVE_NAME_BYTES, entry->name);
        out->count++;
        if (sequence > out->sequence_max) out->sequence_max = sequence;
    }
    assert(out->count <= (u32)count);
    return 0;
}

// Removes the oldest archives beyond log-archives (newest: the one just made), at most
// Z6_LOG_PRUNE_MAX at once (more only when log-archives was lowered: the next
// rotations remove the rest).
static i64 archives_prune(struct kernel *k, u32 service, const struct archives *before, const char *newest) {
    const struct z6_log *log = log_of(k, service);
    u32 total = before->count + 1;
    u32 listed = before->count < Z6_LOG_PRUNE_MAX ? before->count : Z6_LOG_PRUNE_MAX;
    for (u32 i = 0; total > log->archives && i < Z6_LOG_PRUNE_MAX; i++) {
        const char *victim = i < listed ? before->oldest[i] : (i == before->count ? newest : NULL);
        if (victim == NULL) break;
        char path[Z6_LOG_PATH_BYTES_MAX];
        log_path(k, service, victim, path);
        i64 result = fs_remove_at(k, path);
        if (result < 0 && result != -E_NOENT) return result;
        total--;
    }
    if (before->count < Z6_LOG_PRUNE_MAX) assert(total <= log->archives);
    return 0;
}

// current becomes the next archive; the oldest beyond log-archives go; a new current.
static i64 rotate(struct kernel *k, u32 service, struct session *session) {
    session_close(k, service, session);
    struct archives archives;
    i64 result = archives_list(k, service, &archives);
    if (result < 0) return result;
    char name[Z6_LOG_ARCHIVE_NAME_BYTES];
    format(name, sizeof name, "@%010llu.s", (unsigned long long)(archives.sequence_max + 1));
    char from_text[Z6_LOG_PATH_BYTES_MAX], to_text[Z6_LOG_PATH_BYTES_MAX];
    log_path(k, service, "current", from_text);
    log_path(k, service, name, to_text);
    struct path from, to;
    const struct cred root = cred_of_user(ABI_UID_ROOT);
    result = path_resolve("/", from_text, &from);
    if (result == 0) result = path_resolve("/", to_text, &to);
    if (result == 0) result = fs_rename(k, &root, &from, &to);
    if (result < 0) return result;
    log_of(k, service)->rotations++;
    result = archives_prune(k, service, &archives, name);
    if (result < 0) return result;
    return session_open(k, service, session);
}

// One record at current's end; the bytes it grew by, as the filesystem says.
static i64 write_record(struct kernel *k, struct z6_log *log, struct session *session, u32 count) {
    assert(session->file < FS_OPEN_FILES_MAX);
    assert(count <= Z6_LOG_RECORD_BYTES_MAX);
    u64 before = k->fs.files[session->file].meta.size_bytes;
    i64 written = fs_file_write(k, session->file, log->uid, before, (const u8 *)k->z6.logs.record, count);
    if (written < 0) return written;
    u64 after = k->fs.files[session->file].meta.size_bytes;
    log->grown_bytes += after - before;
    session->size_bytes = after;
    return 0;
}

// z6.log_console=1: the line also on the console (the simulator's tests read what a
// service printed there; the file stays the record).
static void console_copy(struct kernel *k, u32 service, const char *text, u32 length) {
    assert(length <= Z6_LOG_LINE_BYTES_MAX);
    assert(k->z6_log_console);
    char line[Z6_LOG_LINE_BYTES_MAX + 1];
    mem_copy(line, text, length);
    line[length] = '\0';
    klog(k, LOG_INFO, "z6: %s| %s", name_of(k, service), line);
}

// Appends one line (text without its newline), stamped, rotating first when current
// would pass log-max-bytes; a line that cannot be written is dropped and counted.
static void append_line(struct kernel *k, u32 service, struct session *session, const char *text, u32 length) {
    struct z6_log *log = log_of(k, service);
    assert(length <= Z6_LOG_LINE_BYTES_MAX);
    char *record = k->z6.logs.record;
    u32 count = stamp(record, platform_realtime_ns(k->platform));
    mem_copy(record + count, text, length);
    count += length;
    record[count++] = '\n';
    i64 result = 0;
    if (session->file == FILE_NONE) result = session_open(k, service, session);
    bool rotated = false;
    if (result == 0 && session->size_bytes > 0 && session->size_bytes + count > log->max_bytes) {
        result = rotate(k, service, session);
        rotated = true;
    }
    if (result == 0 && !(rotated && planted_bug(k, BUG_Z6_LOG_ROTATE_DROPS_LINE))) {
        result = write_record(k, log, session, count);
    }
    if (result < 0) {
        log->dropped++;
        log->drop_error = result;
        observe_trace(k->platform, TRACE_Z6_LOG_DROPPED, service, log->dropped, (u64)-result);
        bool power_of_two = (log->dropped & (log->dropped - 1)) == 0; // said at 1, 2, 4, 8...: bounded noise
        if (power_of_two) klog(k, LOG_WARN, "z6: %s: log lines dropped: %llu (error %lld)", name_of(k, service),
                               (unsigned long long)log->dropped, (long long)-result);
        return;
    }
    log->lines++;
    observe_trace(k->platform, TRACE_Z6_LOG_LINE, service, bytes_digest(record, count), count);
    if (k->z6_log_console) console_copy(k, service, text, length);
}

// ---- the descriptors ----------------------------------------------------------------

// Bytes in, lines out: a newline ends a line, a full line is cut and continued.
static i64 collect(struct kernel *k, u32 service, const u8 *bytes, u32 count) {
    struct z6_log *log = log_of(k, service);
    struct session session = {.file = FILE_NONE, .size_bytes = 0};
    u32 lines = 0;
    u32 taken = 0;
    for (; taken < count && lines < Z6_LOG_LINES_PER_WRITE_MAX; taken++) {
        u8 c = bytes[taken];
        if (c == '\n' || log->partial_bytes == Z6_LOG_LINE_BYTES_MAX) {
            append_line(k, service, &session, log->partial, log->partial_bytes);
            log->partial_bytes = 0;
            lines++;
        }
        if (c != '\n') log->partial[log->partial_bytes++] = (char)c;
    }
    session_close(k, service, &session);
    assert(log->partial_bytes <= Z6_LOG_LINE_BYTES_MAX);
    return (i64)taken;
}

// The first newline on the notification descriptor in this run: ready (once).
static i64 notify(struct kernel *k, u32 service, const u8 *bytes, u32 count) {
    struct z6_log *log = log_of(k, service);
    for (u32 i = 0; i < count && !log->notified; i++) {
        if (bytes[i] != '\n') continue;
        log->notified = true;
        enum z6_result result = z6host_ready(k, service);
        klog(k, LOG_DEBUG, "z6: %s: readiness notified (%u)", name_of(k, service), (u32)result);
    }
    return (i64)count;
}

i64 z6host_log_write(struct kernel *k, u32 slot, const struct fd *entry, u64 buffer_va, u64 length) {
    assert(slot < PROCS_MAX);
    bool z6_descriptor = entry->kind == FD_Z6_LOG || entry->kind == FD_Z6_NOTIFY;
    assert(z6_descriptor);
    u32 service = entry->z6_service;
    // Given only by z6's spawns of this boot, to a service of its table.
    assert(k->z6.hosted);
    assert(service < k->z6.engine.service_count);
    u32 count = length < Z6_LOG_WRITE_BYTES_MAX ? (u32)length : Z6_LOG_WRITE_BYTES_MAX;
    const struct proc *proc_ = &k->procs[slot];
    if (!user_range_ok(k, proc_, buffer_va, count, PTE_R)) return -E_FAULT;
    i64 copied = copy_from_user(k, proc_, k->z6.logs.input, buffer_va, count);
    assert(copied == 0); // the range was checked above
    if (entry->kind == FD_Z6_NOTIFY) return notify(k, service, k->z6.logs.input, count);
    return collect(k, service, k->z6.logs.input, count);
}

void z6host_log_exited(struct kernel *k, u32 pid) {
    assert(k->z6.hosted);
    assert(pid != 0);
    for (u32 i = 0; i < k->z6.engine.service_count; i++) {
        const struct z6_service *service = &k->z6.engine.services[i];
        if (service->pid != pid && service->finish_pid != pid) continue;
        struct z6_log *log = log_of(k, i);
        if (log->partial_bytes == 0) return;
        struct session session = {.file = FILE_NONE, .size_bytes = 0};
        append_line(k, i, &session, log->partial, log->partial_bytes);
        log->partial_bytes = 0;
        session_close(k, i, &session);
        return;
    }
}
