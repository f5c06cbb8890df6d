// The fuzzer's reference model of the permission rules (see fuzz.h). Written from
// the Unix rules the ABI states (abi.h, "Users"), in the order Unix decides them:
// a path is walked first (x on every directory above the name: E_ACCES), then the
// name's existence decides E_EXIST / E_NOENT, then the access itself.
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

#define MODE_STICKY_BIT 01000u
#define MODE_ANY_EXECUTE 0111u
#define WANT_READ 4u
#define WANT_WRITE 2u
#define WANT_EXECUTE 1u
#define MODE_BITS_ALL 07777u

static struct fuzz_prediction allow(void) { return (struct fuzz_prediction){FUZZ_ALLOW, 0, "allowed"}; }
static struct fuzz_prediction deny(i64 error, const char *why) {
    return (struct fuzz_prediction){FUZZ_DENY, error, why};
}
static struct fuzz_prediction other(i64 error, const char *why) {
    return (struct fuzz_prediction){FUZZ_OTHER, error, why};
}
static struct fuzz_prediction unknown(const char *why) { return (struct fuzz_prediction){FUZZ_UNKNOWN, 0, why}; }

// Whether ids may access an inode with these attributes for every bit of want.
// Root: read and write always; execute a file only if it has some x bit.
static bool may(const struct fuzz_ids *ids, const struct abi_stat *st, u32 want) {
    if (ids->euid == ABI_UID_ROOT) {
        if ((want & WANT_EXECUTE) == 0 || st->type == ABI_TYPE_DIRECTORY) return true;
        return (st->mode & MODE_ANY_EXECUTE) != 0;
    }
    u32 shift = 0;
    if (ids->euid == st->uid) shift = 6;
    else if (ids->egid == st->gid) shift = 3;
    return (((st->mode >> shift) & 7u) & want) == want;
}

bool fuzz_normalize(const char *cwd, const char *path, char out[FUZZ_PATH_BYTES]) {
    char joined[2 * FUZZ_PATH_BYTES];
    if (path[0] == '/') snprintf(joined, sizeof joined, "%s", path);
    else snprintf(joined, sizeof joined, "%s/%s", cwd, path);
    u64 length = 0;
    out[0] = '\0';
    for (char *name = strtok(joined, "/"); name != NULL; name = strtok(NULL, "/")) {
        if (strcmp(name, ".") == 0) continue;
        if (strcmp(name, "..") == 0) {
            while (length > 0 && out[length - 1] != '/') length--;
            if (length > 0) length--; // the slash
            out[length] = '\0';
            continue;
        }
        u64 name_length = strlen(name);
        if (length + 1 + name_length >= FUZZ_PATH_BYTES) return false;
        out[length++] = '/';
        memcpy(out + length, name, name_length + 1);
        length += name_length;
    }
    if (length == 0) snprintf(out, FUZZ_PATH_BYTES, "/");
    return true;
}

// The components of path, in order: "." and ".." included, empty ones skipped.
#define WALK_NAMES_MAX (FUZZ_PATH_BYTES / 2 + 1)
static u32 split(char *path, char *names[WALK_NAMES_MAX]) {
    u32 count = 0;
    for (char *name = strtok(path, "/"); name != NULL && count < WALK_NAMES_MAX; name = strtok(NULL, "/")) {
        names[count++] = name;
    }
    return count;
}

// The walk stepping into `name` from the directory `at` (absolute, normalized):
// false with *out set when it stops there.
static bool walk_step(const struct fuzz_ids *ids, char at[FUZZ_PATH_BYTES], const char *name, bool last,
                      struct fuzz_prediction *out) {
    struct abi_stat st;
    if (sys_stat(at, &st) < 0) { *out = unknown("stat of a directory on the way failed"); return false; }
    if (!may(ids, &st, WANT_EXECUTE)) { *out = deny(-E_ACCES, "no x on a directory the walk looks in"); return false; }
    if (last) return true; // the call decides what the last name is
    if (strcmp(name, ".") == 0) return true;
    if (strcmp(name, "..") == 0) {
        char *slash = strrchr(at, '/');
        if (slash == at) at[1] = '\0';
        else *slash = '\0';
        return true;
    }
    u64 length = strlen(at);
    if (length + 1 + strlen(name) >= FUZZ_PATH_BYTES) { *out = unknown("path too long for the model"); return false; }
    snprintf(at + length, FUZZ_PATH_BYTES - length, "%s%s", length == 1 ? "" : "/", name);
    i64 result = sys_stat(at, &st);
    if (result == -E_NOENT) { *out = other(-E_NOENT, "a directory on the way is missing"); return false; }
    if (result < 0) { *out = unknown("stat of a directory on the way failed"); return false; }
    if (st.type != ABI_TYPE_DIRECTORY) { *out = other(-E_NOTDIR, "a file on the way"); return false; }
    return true;
}

static bool has_dot_component(const char *path) {
    for (const char *c = path; *c != '\0'; c++) {
        bool starts = c == path || c[-1] == '/';
        if (!starts || c[0] != '.') continue;
        if (c[1] == '\0' || c[1] == '/' || (c[1] == '.' && (c[2] == '\0' || c[2] == '/'))) return true;
    }
    return false;
}

struct fuzz_prediction fuzz_walk(const struct fuzz_ids *ids, const char *cwd, const char *path) {
    char copy[FUZZ_PATH_BYTES], at[FUZZ_PATH_BYTES];
    if (strlen(path) >= sizeof copy || strlen(cwd) >= sizeof at) return unknown("path too long for the model");
    snprintf(copy, sizeof copy, "%s", path);
    snprintf(at, sizeof at, "%s", path[0] == '/' ? "/" : cwd);
    // The kernel keeps the cwd as a path, Linux as a directory (which may have been
    // removed since): from a cwd that is no longer a directory the two part ways.
    struct abi_stat start;
    if (sys_stat(at, &start) < 0 || start.type != ABI_TYPE_DIRECTORY) return unknown("the cwd is no longer a directory");
    char *names[WALK_NAMES_MAX];
    u32 count = split(copy, names);
    struct fuzz_prediction stopped = allow();
    for (u32 i = 0; i < count; i++) {
        if (!walk_step(ids, at, names[i], i + 1 == count, &stopped)) break;
    }
    // Without dot components the walk is the lexical one the kernel makes today.
    if (stopped.verdict == FUZZ_ALLOW || stopped.verdict == FUZZ_UNKNOWN || !has_dot_component(path)) return stopped;
    if (!FUZZ_FSSEM_MERGED) return unknown("TODO(merge fssem): a walk through . or .. that Linux refuses");
    return stopped;
}

struct fuzz_prediction fuzz_after_walk(struct fuzz_prediction walked, struct fuzz_prediction prediction) {
    return walked.verdict == FUZZ_ALLOW ? prediction : walked;
}

// "/a/b" -> "/a"; "/a" -> "/".
static void parent_of(const char *path, char out[FUZZ_PATH_BYTES]) {
    snprintf(out, FUZZ_PATH_BYTES, "%s", path);
    char *slash = strrchr(out, '/');
    basin_assert(slash != NULL);
    if (slash == out) out[1] = '\0';
    else *slash = '\0';
}

// Every directory above path must exist, be a directory and grant x. path is
// normalized, so each '/' ends the name of a directory on the way ("/" first).
static struct fuzz_prediction walk(const struct fuzz_ids *ids, const char *path) {
    if (strcmp(path, "/") == 0) return allow(); // the root is not walked through
    char prefix[FUZZ_PATH_BYTES];
    for (u64 i = 0; path[i] != '\0' && i + 1 < FUZZ_PATH_BYTES; i++) {
        if (path[i] != '/') continue;
        if (i == 0) snprintf(prefix, sizeof prefix, "/");
        else { memcpy(prefix, path, i); prefix[i] = '\0'; }
        struct abi_stat st;
        i64 result = sys_stat(prefix, &st);
        if (result == -E_NOENT) return other(-E_NOENT, "a directory on the way is missing");
        if (result < 0) return unknown("stat of a directory on the way failed");
        if (st.type != ABI_TYPE_DIRECTORY) return other(-E_NOTDIR, "a file on the way");
        if (!may(ids, &st, WANT_EXECUTE)) return deny(-E_ACCES, "no x on a directory on the way");
    }
    return allow();
}

// The walk, then the name: *exists, and its attributes in *st.
static struct fuzz_prediction look(const struct fuzz_ids *ids, const char *path, struct abi_stat *st,
                                   bool *exists) {
    *exists = false;
    struct fuzz_prediction walked = walk(ids, path);
    if (walked.verdict != FUZZ_ALLOW) return walked;
    i64 result = sys_stat(path, st);
    if (result == -E_NOENT) return allow();
    if (result < 0) return unknown("stat of the name failed");
    *exists = true;
    return allow();
}

// The walk, and a name that exists: false, with *out what must happen instead, when
// either fails (`missing` says what the name is).
static bool look_existing(const struct fuzz_ids *ids, const char *path, struct abi_stat *st,
                          struct fuzz_prediction *out, const char *missing) {
    bool exists = false;
    *out = look(ids, path, st, &exists);
    if (out->verdict != FUZZ_ALLOW) return false;
    if (!exists) *out = other(-E_NOENT, missing);
    return exists;
}

static struct fuzz_prediction parent_grants(const struct fuzz_ids *ids, const char *path, u32 want,
                                            struct abi_stat *parent) {
    char name[FUZZ_PATH_BYTES];
    parent_of(path, name);
    if (sys_stat(name, parent) < 0) return unknown("stat of the parent failed");
    return may(ids, parent, want) ? allow() : deny(-E_ACCES, "no w on the directory");
}

// An existing directory, as Linux's do_open and may_open decide: O_CREAT is EISDIR, so
// is anything that would write (an access mode with w, or O_TRUNC), before the mode
// is even looked at; then r.
static struct fuzz_prediction open_directory(const struct fuzz_ids *ids, const struct abi_stat *st, u64 flags) {
    bool writes = (flags & ABI_O_ACCMODE) != ABI_O_RDONLY || (flags & ABI_O_TRUNC) != 0;
    bool isdir = (flags & ABI_O_CREAT) != 0 || writes;
    // This branch's kernel opens a directory O_RDONLY with O_CREAT or O_TRUNC.
    if (isdir && (flags & ABI_O_ACCMODE) == ABI_O_RDONLY && !FUZZ_FSSEM_MERGED) {
        return unknown("TODO(merge fssem): O_CREAT or O_TRUNC on a directory opened O_RDONLY");
    }
    if (isdir) return other(-E_ISDIR, "a directory with O_CREAT or for writing");
    return may(ids, st, WANT_READ) ? allow() : deny(-E_ACCES, "the mode refuses reading");
}

// An existing file: O_DIRECTORY is ENOTDIR before the mode is looked at; O_TRUNC needs
// w whatever the access mode (Linux's may_open adds MAY_WRITE for it).
static struct fuzz_prediction open_file(const struct fuzz_ids *ids, const struct abi_stat *st, u64 flags) {
    u64 access = flags & ABI_O_ACCMODE;
    u32 want = access == ABI_O_RDONLY ? WANT_READ : access == ABI_O_WRONLY ? WANT_WRITE : WANT_READ | WANT_WRITE;
    bool truncates = (flags & ABI_O_TRUNC) != 0;
    if (flags & ABI_O_DIRECTORY) {
        // This branch's kernel checks the mode first.
        if (!may(ids, st, want) && !FUZZ_FSSEM_MERGED) return unknown("TODO(merge fssem): O_DIRECTORY on a file it may not open");
        return other(-E_NOTDIR, "O_DIRECTORY on a file");
    }
    if (!may(ids, st, want)) return deny(-E_ACCES, "the mode refuses this access");
    if (truncates && !may(ids, st, WANT_WRITE)) {
        // This branch's kernel ignores O_TRUNC without w in the access mode.
        if (!FUZZ_FSSEM_MERGED) return unknown("TODO(merge fssem): O_RDONLY | O_TRUNC without w");
        return deny(-E_ACCES, "O_TRUNC needs w");
    }
    return allow();
}

struct fuzz_prediction fuzz_predict_open(const struct fuzz_ids *ids, const char *path, u64 flags) {
    u64 known = ABI_O_ACCMODE | ABI_O_CREAT | ABI_O_EXCL | ABI_O_TRUNC | ABI_O_APPEND | ABI_O_DIRECTORY;
    u64 access = flags & ABI_O_ACCMODE;
    bool create = (flags & ABI_O_CREAT) != 0;
    if ((flags & ~known) != 0 || access == ABI_O_ACCMODE) return other(-E_INVAL, "bad flags");
    if (create && (flags & ABI_O_DIRECTORY)) return other(-E_INVAL, "O_CREAT with O_DIRECTORY");
    struct abi_stat st, parent;
    bool exists = false;
    struct fuzz_prediction looked = look(ids, path, &st, &exists);
    if (looked.verdict != FUZZ_ALLOW) return looked;
    if (!exists) {
        if (!create) return other(-E_NOENT, "no such name");
        return parent_grants(ids, path, WANT_WRITE, &parent);
    }
    if (create && (flags & ABI_O_EXCL)) return other(-E_EXIST, "O_EXCL on an existing name");
    return st.type == ABI_TYPE_DIRECTORY ? open_directory(ids, &st, flags) : open_file(ids, &st, flags);
}

struct fuzz_prediction fuzz_predict_mkdir(const struct fuzz_ids *ids, const char *path) {
    if (strcmp(path, "/") == 0) return other(-E_EXIST, "the root exists");
    struct abi_stat st, parent;
    bool exists = false;
    struct fuzz_prediction looked = look(ids, path, &st, &exists);
    if (looked.verdict != FUZZ_ALLOW) return looked;
    if (exists) return other(-E_EXIST, "the name exists");
    return parent_grants(ids, path, WANT_WRITE, &parent);
}

// w on the directory, and in a sticky one the entry's or the directory's owner.
static struct fuzz_prediction unlink_access(const struct fuzz_ids *ids, const char *path,
                                            const struct abi_stat *target) {
    struct abi_stat parent;
    struct fuzz_prediction granted = parent_grants(ids, path, WANT_WRITE, &parent);
    if (granted.verdict != FUZZ_ALLOW) return granted;
    bool sticky = (parent.mode & MODE_STICKY_BIT) != 0;
    if (!sticky || ids->euid == ABI_UID_ROOT || ids->euid == target->uid || ids->euid == parent.uid) return allow();
    return deny(-E_PERM, "another user's entry in a sticky directory");
}

struct fuzz_prediction fuzz_predict_remove(const struct fuzz_ids *ids, const char *path, bool directory) {
    if (strcmp(path, "/") == 0) return other(-E_PERM, "the root stays");
    struct abi_stat st;
    struct fuzz_prediction looked;
    if (!look_existing(ids, path, &st, &looked, "no such name")) return looked;
    struct fuzz_prediction access = unlink_access(ids, path, &st);
    if (access.verdict != FUZZ_ALLOW) return access;
    if (directory && st.type != ABI_TYPE_DIRECTORY) return other(-E_NOTDIR, "rmdir of a file");
    if (!directory && st.type == ABI_TYPE_DIRECTORY) return other(-E_ISDIR, "unlink of a directory");
    return allow(); // may still be E_NOTEMPTY: not a permission matter
}

static bool within(const char *inner, const char *outer) {
    u64 length = strlen(outer);
    return strncmp(inner, outer, length) == 0 && (inner[length] == '\0' || inner[length] == '/');
}

// Names checked first (existence, types), then the access, as the kernel orders them.
struct fuzz_prediction fuzz_predict_rename(const struct fuzz_ids *ids, const char *from, const char *to) {
    if (strcmp(from, "/") == 0 || strcmp(to, "/") == 0) return unknown("rename of the root");
    struct abi_stat source, target;
    bool exists = false, target_exists = false;
    struct fuzz_prediction looked = look(ids, from, &source, &exists);
    if (looked.verdict != FUZZ_ALLOW) return looked;
    if (!exists) return other(-E_NOENT, "no such source");
    if (within(to, from)) return strcmp(to, from) == 0 ? allow() : other(-E_INVAL, "into itself");
    looked = look(ids, to, &target, &target_exists);
    if (looked.verdict != FUZZ_ALLOW) return looked;
    if (target_exists && target.inode == source.inode) return allow();
    if (target_exists && target.type == ABI_TYPE_DIRECTORY) return unknown("replacing a directory");
    if (target_exists && source.type == ABI_TYPE_DIRECTORY) return other(-E_NOTDIR, "a directory onto a file");
    struct fuzz_prediction access = unlink_access(ids, from, &source);
    if (access.verdict != FUZZ_ALLOW) return access;
    struct abi_stat to_parent;
    access = target_exists ? unlink_access(ids, to, &target) : parent_grants(ids, to, WANT_WRITE, &to_parent);
    if (access.verdict != FUZZ_ALLOW) return access;
    char from_dir[FUZZ_PATH_BYTES], to_dir[FUZZ_PATH_BYTES];
    parent_of(from, from_dir);
    parent_of(to, to_dir);
    bool moves = strcmp(from_dir, to_dir) != 0;
    if (source.type == ABI_TYPE_DIRECTORY && moves && !may(ids, &source, WANT_WRITE)) {
        return deny(-E_ACCES, "a directory changing parent needs w on itself");
    }
    return allow();
}

struct fuzz_prediction fuzz_predict_chmod(const struct fuzz_ids *ids, const char *path, u64 mode) {
    if ((mode & ~(u64)MODE_BITS_ALL) != 0) return other(-E_INVAL, "bad mode bits");
    struct abi_stat st;
    struct fuzz_prediction looked;
    if (!look_existing(ids, path, &st, &looked, "no such name")) return looked;
    if (ids->euid == ABI_UID_ROOT || ids->euid == st.uid) return allow();
    return deny(-E_PERM, "only the owner or root changes a mode");
}

struct fuzz_prediction fuzz_predict_chown(const struct fuzz_ids *ids, const char *path) {
    struct abi_stat st;
    struct fuzz_prediction looked;
    if (!look_existing(ids, path, &st, &looked, "no such name")) return looked;
    return ids->euid == ABI_UID_ROOT ? allow() : deny(-E_PERM, "only root changes an owner");
}

struct fuzz_prediction fuzz_predict_stat(const struct fuzz_ids *ids, const char *path) {
    struct abi_stat st;
    struct fuzz_prediction looked;
    return look_existing(ids, path, &st, &looked, "no such name") ? allow() : looked;
}

struct fuzz_prediction fuzz_predict_chdir(const struct fuzz_ids *ids, const char *path) {
    struct abi_stat st;
    struct fuzz_prediction looked;
    if (!look_existing(ids, path, &st, &looked, "no such name")) return looked;
    if (st.type != ABI_TYPE_DIRECTORY) return other(-E_NOTDIR, "not a directory");
    return may(ids, &st, WANT_EXECUTE) ? allow() : deny(-E_ACCES, "no x on the directory");
}

struct fuzz_prediction fuzz_predict_spawn(const struct fuzz_ids *ids, const char *path) {
    struct abi_stat st;
    struct fuzz_prediction looked;
    if (!look_existing(ids, path, &st, &looked, "no such program")) return looked;
    if (st.type != ABI_TYPE_FILE) return other(-E_NOEXEC, "not a file");
    if (!may(ids, &st, WANT_EXECUTE)) return deny(-E_ACCES, "no x bit for the caller");
    return st.size_bytes == 0 ? other(-E_NOEXEC, "an empty file") : allow();
}
