// /var/log/auth: one line per authentication event, appended and committed by the
// kernel as root (mode 0600), never holding a password. Bounded: a line that would
// take the file past AUTH_LOG_BYTES_MAX first renames it to /var/log/auth.old
// (replacing the older one) and starts a new file.
//
// A failed write (no disk, a full or failed database, no free open-file slot) does
// not change the event's outcome: the line goes to the console log instead and is
// counted in k->auth.log_failures. Refusing every sudo, su and login because the disk
// failed would lock root out of the very machine it has to repair; a refusal that is
// not logged on disk has already refused, and an allowed event is still on the
// console. An auditor who needs fail-closed logging must watch log_failures.
#include "auth.h"

#include "kernel.h"
#include "format.h"
#include "mem.h"
#include "path.h"

static void append_text(char *out, u32 capacity, u32 *at, const char *text, bool sanitize) {
    for (; *text != '\0' && *at + 1 < capacity; text++) {
        char c = *text;
        if (sanitize && (c < ' ' || c > '~')) c = '?'; // no newline can split or forge a line
        out[(*at)++] = c;
    }
    out[*at] = '\0';
}

u32 auth_log_format(char out[AUTH_LOG_LINE_LEN_MAX], u64 realtime_ns, u32 pid, u32 uid,
                    const char *what, const char *result, const char *detail) {
    assert(what != NULL && result != NULL);
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

// Finds the log, or creates it (root's, 0600); puts right a changed owner or mode.
static i64 auth_log_inode(struct kernel *k, const struct cred *root, struct fs_inode *inode) {
    struct path path;
    i64 result = path_resolve("/", AUTH_LOG_PATH, &path);
    if (result == 0) result = fs_lookup(k, root, &path, inode);
    if (result == -E_NOENT) result = fs_create(k, root, &path, ABI_TYPE_FILE, AUTH_LOG_MODE, inode);
    if (result < 0) return result;
    if (inode->type != ABI_TYPE_FILE) return -E_ISDIR;
    if (inode->mode == AUTH_LOG_MODE && inode->uid == ABI_UID_ROOT && inode->gid == ABI_UID_ROOT) return 0;
    inode->mode = AUTH_LOG_MODE;
    inode->uid = inode->gid = ABI_UID_ROOT;
    return fs_change_attributes(k, inode);
}

static i64 auth_log_rotate(struct kernel *k, const struct cred *root) {
    struct path from, to;
    i64 result = path_resolve("/", AUTH_LOG_PATH, &from);
    if (result == 0) result = path_resolve("/", AUTH_LOG_OLD_PATH, &to);
    if (result == 0) result = fs_rename(k, root, &from, &to);
    if (result == 0) klog(k, LOG_INFO, "auth: %s full; now %s", AUTH_LOG_PATH, AUTH_LOG_OLD_PATH);
    return result;
}

// Opens the log with room for `count` more bytes, rotating it once if needed.
static i64 auth_log_open(struct kernel *k, u64 count) {
    const struct cred root = cred_of_user(ABI_UID_ROOT);
    for (u32 attempt = 0; attempt < 2; attempt++) {
        struct fs_inode inode;
        i64 result = auth_log_inode(k, &root, &inode);
        if (result < 0) return result;
        i64 index = fs_file_open(k, &inode, false, ABI_UID_ROOT);
        if (index < 0) return index;
        if (k->fs.files[index].meta.size_bytes + count <= AUTH_LOG_BYTES_MAX) return index;
        result = fs_file_release(k, (u32)index);
        if (result == 0) result = auth_log_rotate(k, &root);
        if (result < 0) return result;
    }
    return -E_FBIG; // unreachable unless the new file was full at once
}

static i64 auth_log_append(struct kernel *k, const char *line, u32 length) {
    i64 result = fs_usable(k);
    if (result < 0) return result;
    i64 index = auth_log_open(k, length);
    if (index < 0) return index;
    u32 slot = (u32)index;
    result = fs_file_write(k, slot, ABI_UID_ROOT, k->fs.files[slot].meta.size_bytes, (const u8 *)line, length);
    if (result >= 0) result = fs_file_commit(k, slot); // durable now, even if others hold it open
    i64 released = fs_file_release(k, slot);
    return result < 0 ? result : released;
}

void auth_log(struct kernel *k, u32 pid, u32 uid, const char *what, const char *result,
              const char *detail) {
    assert(k != NULL && what != NULL && result != NULL);
    char line[AUTH_LOG_LINE_LEN_MAX];
    u32 length = auth_log_format(line, platform_realtime_ns(k->platform), pid, uid, what, result, detail);
    assert(length > 0 && line[length - 1] == '\n');
    i64 written = auth_log_append(k, line, length);
    line[length - 1] = '\0';
    const char *event = line; // the console has its own clock: skip the realtime
    while (*event != ' ' && *event != '\0') event++;
    if (written < 0) {
        k->auth.log_failures++;
        klog(k, LOG_WARN, "auth: %s not written (error %lld):%s", AUTH_LOG_PATH, (long long)-written, event);
        return;
    }
    k->auth.log_lines++;
    klog(k, LOG_INFO, "auth:%s", event);
}
