// /var/log/auth as a file: lines are appended (fs_file_write at the end, then
// fs_file_commit), never rewritten, by the kernel as root (mode 0600). A file holds at
// most AUTH_LOG_BYTES_MAX; when lines would not fit, it is rotated into numbered
// archives, /var/log/auth -> auth.1 -> auth.2 ... -> auth.AUTH_LOG_ARCHIVES_MAX, the
// oldest dropped, so the log never takes more than AUTH_LOG_TOTAL_BYTES_MAX.
//
// This file also keeps what belongs to the current file: how many bytes each user's
// lines take in it (the shares, auth_log.c), counted again from the file itself at
// the first append after boot, and, at a rotation, the summary of the events that
// were beyond a user's share of the file that just became auth.1.
#include "kernel/users/auth.h"

#include "kernel/lib/format.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/fs/path.h"
#include "kernel/users/internal.h"

#define AUTH_LOG_SUMMARY_BYTES_MAX (AUTH_LOG_USERS_MAX * AUTH_LOG_LINE_LEN_MAX)

void auth_log_file_path(u32 archive, char out[AUTH_LOG_PATH_LEN_MAX]) {
    assert(archive <= AUTH_LOG_ARCHIVES_MAX);
    u64 length = archive == 0 ? format(out, AUTH_LOG_PATH_LEN_MAX, "%s", AUTH_LOG_PATH)
                              : format(out, AUTH_LOG_PATH_LEN_MAX, "%s.%u", AUTH_LOG_PATH, archive);
    assert(length + 1 < AUTH_LOG_PATH_LEN_MAX);
}

// The uid a line names ("... uid=U ..."), or root's for a line that names none.
static u32 line_uid(const char *line, u32 length) {
    if (length != 0) assert(line != NULL);
    for (u32 at = 0; at + 5 < length; at++) {
        if (!mem_equal(line + at, " uid=", 5)) continue;
        u64 uid = 0;
        u32 digits = 0;
        for (u32 c = at + 5; c < length && line[c] >= '0' && line[c] <= '9' && digits < 10; c++, digits++) {
            uid = uid * 10 + (u64)(line[c] - '0');
        }
        return digits > 0 && uid <= 0xffffffffull ? (u32)uid : ABI_UID_ROOT;
    }
    return ABI_UID_ROOT;
}

// Adds each line of text to the bytes its user has in the current file.
static void auth_log_charge(struct kernel *k, const char *text, u64 count) {
    assert(k != NULL);
    if (count != 0) assert(text != NULL);
    assert(count <= FS_FILE_BYTES_MAX);
    u64 start = 0;
    for (u64 at = 0; at < count; at++) {
        if (text[at] != '\n' && at + 1 < count) continue;
        u32 length = (u32)(at + 1 - start);
        struct auth_log_user *user = &k->auth.log.users[auth_log_user_slot(k, line_uid(text + start, length))];
        user->used_bytes = user->used_bytes + length < user->used_bytes ? ~0u : user->used_bytes + length;
        start = at + 1;
    }
    assert(start == count);
}

// Finds the log, or creates it (root's, 0600); puts right a changed owner or mode.
static i64 auth_log_inode(struct kernel *k, const struct cred *root, struct fs_inode *inode) {
    assert(root->euid == ABI_UID_ROOT);
    assert(inode != NULL);
    struct path path;
    i64 result = path_resolve("/", AUTH_LOG_PATH, &path);
    if (result == 0) result = fs_lookup(k, root, &path, inode);
    if (result == -E_NOENT) result = fs_create(k, root, &path, ABI_TYPE_FILE, AUTH_LOG_MODE, inode);
    if (result < 0) return result;
    assert(inode->inode > FS_ROOT_INODE); // found or made under /var/log
    if (inode->type != ABI_TYPE_FILE) return -E_ISDIR;
    if (inode->mode == AUTH_LOG_MODE && inode->uid == ABI_UID_ROOT && inode->gid == ABI_UID_ROOT) return 0;
    const struct fs_inode before = *inode;
    const struct fs_change change = {.op = FS_CHANGE_CHOWN, .cred = root, .path = &path, .target = &before,
                                     .uid = ABI_UID_ROOT, .gid = ABI_UID_ROOT};
    inode->mode = AUTH_LOG_MODE;
    inode->uid = inode->gid = ABI_UID_ROOT;
    return fs_change_attributes(k, &change, inode);
}

// Shifts every archive up by one, oldest first, then the current file to auth.1.
// Each rename is atomic and durable; a crash between two leaves a gap (auth.3 gone,
// say) that the next rotation closes, never a lost newer file.
static i64 auth_log_rotate(struct kernel *k, const struct cred *root) {
    assert(root->euid == ABI_UID_ROOT);
    for (u32 archive = AUTH_LOG_ARCHIVES_MAX; archive >= 1; archive--) {
        char from_name[AUTH_LOG_PATH_LEN_MAX], to_name[AUTH_LOG_PATH_LEN_MAX];
        auth_log_file_path(archive - 1, from_name);
        auth_log_file_path(archive, to_name);
        struct path from, to;
        i64 result = path_resolve("/", from_name, &from);
        if (result == 0) result = path_resolve("/", to_name, &to);
        if (result == 0) result = fs_rename(k, root, &from, &to);
        if (result == -E_NOENT && archive > 1) continue; // nothing there to shift
        if (result < 0) return result;
    }
    k->auth.log.rotations++;
    klog(k, LOG_INFO, "auth: %s full; now %s.1 (%u archives kept)", AUTH_LOG_PATH, AUTH_LOG_PATH,
         AUTH_LOG_ARCHIVES_MAX);
    return 0;
}

// A new file begins: every user's share starts again. Writes into `out` the lines
// that say whose events went beyond their share of the previous file.
static u32 auth_log_new_file(struct kernel *k, char out[AUTH_LOG_SUMMARY_BYTES_MAX]) {
    assert(k != NULL);
    assert(out != NULL);
    u32 at = 0;
    u64 now_ns = platform_realtime_ns(k->platform);
    for (u32 slot = 0; slot < AUTH_LOG_USERS_MAX; slot++) {
        struct auth_log_user *user = &k->auth.log.users[slot];
        if (user->suppressed > 0) {
            char detail[AUTH_LOG_DETAIL_LEN_MAX];
            format(detail, sizeof detail, "uid=%u events=%llu beyond its share of %s.1", user->last_uid,
                   (unsigned long long)user->suppressed, AUTH_LOG_PATH);
            at += auth_log_format(out + at, now_ns, 0, ABI_UID_ROOT, "audit", "suppressed", detail);
            assert(at <= (slot + 1) * AUTH_LOG_LINE_LEN_MAX); // one line per user at most
        }
        user->used_bytes = 0;
        user->over_share = false;
        user->suppressed = 0;
    }
    assert(at <= AUTH_LOG_SUMMARY_BYTES_MAX);
    return at;
}

static i64 auth_log_write_at_end(struct kernel *k, u32 slot, const char *text, u32 count) {
    assert(slot < FS_OPEN_FILES_MAX);
    assert(k->fs.files[slot].references > 0);
    if (count == 0) return 0;
    i64 written = fs_file_write(k, slot, ABI_UID_ROOT, k->fs.files[slot].meta.size_bytes, (const u8 *)text, count);
    return written < 0 ? written : 0;
}

// Opens the log for appending, on the kernel's authority (the filesystem's door).
static i64 auth_log_open_file(struct kernel *k, const struct cred *root, const struct fs_inode *inode) {
    assert(root->euid == ABI_UID_ROOT);
    assert(inode->type == ABI_TYPE_FILE);
    struct path path;
    i64 result = path_resolve("/", AUTH_LOG_PATH, &path);
    if (result < 0) return result;
    const struct fs_change change = {.op = FS_CHANGE_OPEN_WRITE, .cred = root, .path = &path, .target = inode};
    return fs_file_open_write(k, &change, false, ABI_UID_ROOT);
}

// Opens the log with room for `count` more bytes (rotating once if needed). The first
// open after boot counts the users' bytes already in the file.
static i64 auth_log_open(struct kernel *k, u32 count, char summary[AUTH_LOG_SUMMARY_BYTES_MAX],
                         u32 *summary_count) {
    assert(count <= AUTH_LOG_BYTES_MAX - AUTH_LOG_SUMMARY_BYTES_MAX);
    assert(summary != NULL);
    const struct cred root = cred_of_user(ABI_UID_ROOT);
    assert(root.euid == ABI_UID_ROOT); // the log is root's, whoever's event it records
    *summary_count = 0;
    for (u32 attempt = 0; attempt < 2; attempt++) {
        struct fs_inode inode;
        i64 result = auth_log_inode(k, &root, &inode);
        if (result < 0) return result;
        if (!k->auth.log.scanned) {
            u64 size = 0;
            result = fs_file_read_all(k, &inode, k->fs.program_buffer, sizeof k->fs.program_buffer, &size);
            if (result < 0) return result;
            auth_log_charge(k, (const char *)k->fs.program_buffer, size);
            k->auth.log.scanned = true;
        }
        i64 index = auth_log_open_file(k, &root, &inode);
        if (index < 0) return index;
        assert(index < FS_OPEN_FILES_MAX);
        const struct fs_open_file *file = &k->fs.files[index];
        if (file->meta.size_bytes + *summary_count + count <= AUTH_LOG_BYTES_MAX) return index;
        result = fs_file_release(k, (u32)index);
        if (result == 0) result = auth_log_rotate(k, &root);
        if (result < 0) return result;
        *summary_count = auth_log_new_file(k, summary); // the old file is auth.1 now, whatever follows
    }
    return -E_FBIG; // unreachable: a new file holds any append
}

i64 auth_log_file_append(struct kernel *k, const char *lines, u32 count) {
    assert(k != NULL);
    assert(lines != NULL);
    assert(count <= AUTH_LOG_BYTES_MAX - AUTH_LOG_SUMMARY_BYTES_MAX); // room in any new file
    i64 result = fs_usable(k);
    if (result < 0) return result;
    char summary[AUTH_LOG_SUMMARY_BYTES_MAX];
    u32 summary_count = 0;
    i64 index = auth_log_open(k, count, summary, &summary_count);
    if (index < 0) return index;
    u32 slot = (u32)index;
    assert(summary_count <= AUTH_LOG_SUMMARY_BYTES_MAX);
    result = auth_log_write_at_end
(k, slot, summary, summary_count);
    if (result == 0) result = auth_log_write_at_end(k, slot, lines, count);
    // Durable now, even if others hold it open.
    if (result == 0 && summary_count + count > 0) result = fs_file_commit(k, slot);
    i64 released = fs_file_release(k, slot);
    if (result == 0) result = released;
    if (result < 0) return result;
    auth_log_charge(k, summary, summary_count);
    auth_log_charge(k, lines, count);
    return 0;
}

// Before a user's share is checked: its bytes in the current file must be known.
void auth_log_file_scan(struct kernel *k) {
    assert(k != NULL);
    if (k->auth.log.scanned || fs_usable(k) != 0) return;
    i64 result = auth_log_file_append(k, "", 0);
    if (result < 0) klog(k, LOG_WARN, "auth: %s unreadable (error %lld)", AUTH_LOG_PATH, (long long)-result);
}
