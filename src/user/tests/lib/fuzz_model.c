// The fuzzer's reference model of the permission rules (see fuzz.h). Written from
// the Unix rules the ABI states (abi.h, "Users" and "File semantics") and Linux's
// order of deciding (fs/namei.c), not from the kernel's code: a path is walked one
// component at a time from the root or the cwd (x on every directory a component is
// looked up in, "." and ".." too; symbolic links followed as Linux does), then the
// name's existence decides E_EXIST / E_NOENT, then the access itself. The model
// learns what it walks through with lstat() and readlink() of physical paths.
#include <stdio.h>
#include <string.h>

#include "user/tests/lib/fuzz.h"

#define MODE_STICKY_BIT 01000u
#define MODE_ANY_EXECUTE 0111u
#define MODE_GROUP_EXECUTE 010u
#define MODE_OTHER_WRITE 02u
#define WANT_READ 4u
#define WANT_WRITE 2u
#define WANT_EXECUTE 1u
#define MODE_BITS_ALL 07777u
#define MODEL_TEXT_BYTES (4 * ABI_PATH_LEN_MAX)
#define WALK_FOLLOW 1u // follow a last symlink
#define WALK_LOOKUP 2u // the name must exist; a trailing slash follows and needs a directory

static struct fuzz_prediction allow(void) { return (struct fuzz_prediction){FUZZ_ALLOW, 0, "allowed"}; }
static struct fuzz_prediction deny(i64 error, const char *why) {
    return (struct fuzz_prediction){FUZZ_DENY, error, why};
}
static struct fuzz_prediction other(i64 error, const char *why) {
    return (struct fuzz_prediction){FUZZ_OTHER, error, why};
}
static struct fuzz_prediction unknown(const char *why) { return (struct fuzz_prediction){FUZZ_UNKNOWN, 0, why}; }
static bool decided(const struct fuzz_prediction *p) { return p->verdict != FUZZ_ALLOW; }

static bool in_group(const struct fuzz_ids *ids, u32 gid) {
    if (ids->egid == gid) return true;
    for (u32 i = 0; i < ids->groups_count; i++) {
        if (ids->groups[i] == gid) return true;
    }
    return false;
}

// Whether ids may access an inode with these attributes for every bit of want: one
// class decides (owner, else group when in_group, else other). Root: read and write
// always; execute a file only if it has some x bit.
static bool may(const struct fuzz_ids *ids, const struct abi_stat *st, u32 want) {
    if (ids->euid == ABI_UID_ROOT) {
        if ((want & WANT_EXECUTE) == 0 || st->type == ABI_TYPE_DIRECTORY) return true;
        return (st->mode & MODE_ANY_EXECUTE) != 0;
    }
    u32 shift = 0;
    if (ids->euid == st->uid) shift = 6;
    else if (in_group(ids, st->gid)) shift = 3;
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

// ---- the walk ------------------------------------------------------------------------
enum model_last { LAST_NAME, LAST_DOT, LAST_DOTDOT, LAST_ROOT };

// Where a walk ended (as fs_name in the kernel, from the outside).
struct model_name {
    enum model_last last;
    bool trailing, exists;
    u32 links;
    char dir[FUZZ_PATH_BYTES];   // physical path of the directory the last component was looked up in
    struct abi_stat dir_st;
    char path[FUZZ_PATH_BYTES];  // physical path of what the path names
    struct abi_stat st;          // its lstat, when it exists
};

struct model_walk {
    const struct fuzz_ids *ids;
    u32 flags;
    struct model_name *out;
    char here[FUZZ_PATH_BYTES];  // the directory the walk is in
    struct abi_stat here_st;
    char text[MODEL_TEXT_BYTES];
    u32 at;
};

static bool join(const char *dir, const char *name, char out[FUZZ_PATH_BYTES]) {
    int n = strcmp(dir, "/") == 0 ? snprintf(out, FUZZ_PATH_BYTES, "/%s", name)
                                  : snprintf(out, FUZZ_PATH_BYTES, "%s/%s", dir, name);
    return n > 0 && n < FUZZ_PATH_BYTES;
}

static void up(char path[FUZZ_PATH_BYTES]) {
    char *slash = strrchr(path, '/');
    basin_assert(slash != NULL);
    if (slash == path) path[1] = '\0';
    else *slash = '\0';
}

static bool go(struct model_walk *w, const char *path) {
    snprintf(w->here, sizeof w->here, "%s", path);
    return sys_lstat(w->here, &w->here_st) == 0 && w->here_st.type == ABI_TYPE_DIRECTORY;
}

// The link's target in place of what was read, then "/" and the rest if any.
static struct fuzz_prediction splice(struct model_walk *w, const char *link, const char *rest) {
    if (++w->out->links > ABI_SYMLINKS_MAX) return other(-E_LOOP, "more than 40 symlinks");
    char target[ABI_PATH_LEN_MAX + 1];
    i64 length = sys_readlink(link, target, ABI_PATH_LEN_MAX);
    if (length <= 0) return unknown("readlink of a link on the way failed");
    target[length] = '\0';
    char joined[MODEL_TEXT_BYTES];
    int n = rest[0] != '\0' ? snprintf(joined, sizeof joined, "%s/%s", target, rest)
                            : snprintf(joined, sizeof joined, "%s", target);
    if (n < 0 || n >= (int)sizeof joined) return unknown("a spliced path too long for the model");
    memcpy(w->text, joined, (size_t)n + 1);
    w->at = 0;
    return allow();
}

// fs.protected_symlinks: a last symlink in a sticky world-writable directory is
// followed only by its owner, or when the directory's owner owns it.
static bool may_follow(const struct fuzz_ids *ids, const struct abi_stat *dir, const struct abi_stat *link) {
    if (link->uid == ids->euid) return true;
    if ((dir->mode & (MODE_STICKY_BIT | MODE_OTHER_WRITE)) != (MODE_STICKY_BIT | MODE_OTHER_WRITE)) return true;
    return dir->uid == link->uid;
}

// A component with more after it.
static struct fuzz_prediction walk_through(struct model_walk *w, const char *name, const char *rest) {
    if (strcmp(name, ".") == 0) return allow();
    if (strcmp(name, "..") == 0) {
        char parent[FUZZ_PATH_BYTES];
        snprintf(parent, sizeof parent, "%s", w->here);
        up(parent);
        return go(w, parent) ? allow() : unknown("lstat of a parent failed");
    }
    char child[FUZZ_PATH_BYTES];
    struct abi_stat st;
    if (!join(w->here, name, child)) return unknown("a physical path too long for the model");
    i64 result = sys_lstat(child, &st);
    if (result == -E_NOENT) return other(-E_NOENT, "a directory on the way is missing");
    if (result < 0) return unknown("lstat of a component failed");
    if (st.type == ABI_TYPE_SYMLINK) return splice(w, child, rest);
    if (st.type != ABI_TYPE_DIRECTORY) return other(-E_NOTDIR, "a file on the way");
    snprintf(w->here, sizeof w->here, "%s", child);
    w->here_st = st;
    return allow();
}

// The last component; *again when a followed symlink was spliced in.
static struct fuzz_prediction walk_last(struct model_walk *w, const char *name, bool trailing, bool *again) {
    struct model_name *out = w->out;
    *again = false;
    out->trailing = trailing;
    out->exists = true;
    snprintf(out->dir, sizeof out->dir, "%s", w->here);
    out->dir_st = w->here_st;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        out->last = name[1] == '\0' ? LAST_DOT : LAST_DOTDOT;
        snprintf(out->path, sizeof out->path, "%s", w->here);
        if (out->last == LAST_DOTDOT) up(out->path);
        return sys_lstat(out->path, &out->st) == 0 ? allow() : unknown("lstat of a dot failed");
    }
    out->last = LAST_NAME;
    if (!join(w->here, name, out->path)) return unknown("a physical path too long for the model");
    i64 result = sys_lstat(out->path, &out->st);
    if (result < 0 && result != -E_NOENT) return unknown("lstat of the name failed");
    out->exists = result == 0;
    bool follow = (w->flags & WALK_FOLLOW) || ((w->flags & WALK_LOOKUP) && trailing);
    if (!out->exists || out->st.type != ABI_TYPE_SYMLINK || !follow) return allow();
    if (!may_follow(w->ids, &w->here_st, &out->st)) return deny(-E_ACCES, "protected_symlinks");
    *again = true;
    return splice(w, out->path, trailing ? "/" : "");
}

static struct fuzz_prediction walk_run(struct model_walk *w) {
    for (;;) {
        if (w->text[w->at] == '/') {
            if (!go(w, "/")) return unknown("lstat of / failed");
            while (w->text[w->at] == '/') w->at++;
        }
        if (w->text[w->at] == '\0') {
            struct model_name *out = w->out;
            out->last = LAST_ROOT;
            out->exists = true;
            snprintf(out->dir, sizeof out->dir, "/");
            snprintf(out->path, sizeof out->path, "/");
            out->dir_st = out->st = w->here_st;
            return allow();
        }
        if (!may(w->ids, &w->here_st, WANT_EXECUTE)) return deny(-E_ACCES, "no x on a directory looked in");
        char *name = w->text + w->at;
        u32 end = w->at;
        while (w->text[end] != '\0' && w->text[end] != '/') end++;
        u32 after = end;
        while (w->text[after] == '/') after++;
        bool last = w->text[after] == '\0', trailing = last && after > end;
        w->text[end] = '\0';
        w->at = after;
        if (strlen(name) > ABI_NAME_LEN_MAX) return other(-E_NAMETOOLONG, "a name too long");
        bool again = false;
        struct fuzz_prediction step = last ? walk_last(w, name, trailing, &again) : walk_through(w, name, w->text + w->at);
        if (decided(&step) || (last && !again)) return step;
    }
}

static struct fuzz_prediction walk_finish(const struct model_walk *w) {
    const struct model_name *out = w->out;
    if ((w->flags & WALK_LOOKUP) == 0) return allow();
    if (!out->exists) return other(-E_NOENT, "no such name");
    if (out->trailing && out->st.type != ABI_TYPE_DIRECTORY) return other(-E_NOTDIR, "a trailing slash on a non-directory");
    return allow();
}

static struct fuzz_prediction model_walk(const struct fuzz_ids *ids, const char *path, u32 flags,
                                         struct model_name *out) {
    static struct model_walk w; // big; the fuzzer is single-threaded
    memset(out, 0, sizeof *out);
    w = (struct model_walk){.ids = ids, .flags = flags, .out = out};
    u64 length = strlen(path);
    if (length >= ABI_PATH_LEN_MAX) return other(-E_NAMETOOLONG, "a path too long");
    if (length == 0) return other(-E_NOENT, "an empty path");
    if (path[0] != '/' && ids->cwd_gone) return other(-E_NOENT, "the cwd was removed");
    if (!go(&w, path[0] == '/' ? "/" : ids->cwd)) return unknown("lstat of the start failed");
    memcpy(w.text, path, length + 1);
    struct fuzz_prediction walked = walk_run(&w);
    return decided(&walked) ? walked : walk_finish(&w);
}

// Continues through name's last component, an existing symlink (open(O_CREAT)).
static struct fuzz_prediction model_follow(const struct fuzz_ids *ids, struct model_name *name) {
    static struct model_walk w;
    w = (struct model_walk){.ids = ids, .flags = 0, .out = name};
    snprintf(w.here, sizeof w.here, "%s", name->dir);
    w.here_st = name->dir_st;
    if (!may_follow(ids, &name->dir_st, &name->st)) return deny(-E_ACCES, "protected_symlinks");
    struct fuzz_prediction spliced = splice(&w, name->path, name->trailing ? "/" : "");
    return decided(&spliced) ? spliced : walk_run(&w);
}

// ---- the calls -----------------------------------------------------------------------
// w on the directory, and in a sticky one the entry's or the directory's owner.
static struct fuzz_prediction unlink_access(const struct fuzz_ids *ids, const struct abi_stat *dir,
                                            const struct abi_stat *target) {
    if (!may(ids, dir, WANT_WRITE)) return deny(-E_ACCES, "no w on the directory");
    bool sticky = (dir->mode & MODE_STICKY_BIT) != 0;
    if (!sticky || ids->euid == ABI_UID_ROOT || ids->euid == target->uid || ids->euid == dir->uid) return allow();
    return deny(-E_PERM, "another user's entry in a sticky directory");
}

// open's checks on a name that existed (do_open, may_open).
static struct fuzz_prediction open_existing(const struct fuzz_ids *ids, const struct abi_stat *st, u64 flags) {
    u64 access = flags & ABI_O_ACCMODE;
    bool directory = st->type == ABI_TYPE_DIRECTORY;
    if ((flags & ABI_O_CREAT) && (flags & ABI_O_EXCL)) return other(-E_EXIST, "O_EXCL on an existing name");
    if ((flags & ABI_O_CREAT) && directory) return other(-E_ISDIR, "O_CREAT on a directory");
    if ((flags & ABI_O_DIRECTORY) && !directory) return other(-E_NOTDIR, "O_DIRECTORY on a file");
    if (st->type == ABI_TYPE_SYMLINK) return other(-E_LOOP, "a symlink not followed");
    u32 want = access == ABI_O_RDONLY ? WANT_READ : access == ABI_O_WRONLY ? WANT_WRITE : WANT_READ | WANT_WRITE;
    if (flags & ABI_O_TRUNC) want |= WANT_WRITE; // O_TRUNC needs w whatever the access mode
    if (directory && (want & WANT_WRITE)) return other(-E_ISDIR, "a directory for writing");
    return may(ids, st, want) ? allow() : deny(-E_ACCES, "the mode refuses this access");
}

struct fuzz_prediction fuzz_predict_open(const struct fuzz_ids *ids, const char *path, u64 flags) {
    u64 known = ABI_O_ACCMODE | ABI_O_CREAT | ABI_O_EXCL | ABI_O_TRUNC | ABI_O_APPEND | ABI_O_DIRECTORY |
                ABI_O_NOFOLLOW;
    bool create = (flags & ABI_O_CREAT) != 0;
    if ((flags & ~known) != 0 || (flags & ABI_O_ACCMODE) == ABI_O_ACCMODE) return other(-E_INVAL, "bad flags");
    if (create && (flags & ABI_O_DIRECTORY)) return other(-E_INVAL, "O_CREAT with O_DIRECTORY");
    struct model_name name;
    if (!create) {
        u32 follow = (flags & ABI_O_NOFOLLOW) ? 0 : WALK_FOLLOW;
        struct fuzz_prediction walked = model_walk(ids, path, WALK_LOOKUP | follow, &name);
        return decided(&walked) ? walked : open_existing(ids, &name.st, flags);
    }
    struct fuzz_prediction walked = model_walk(ids, path, 0, &name);
    while (!decided(&walked) && name.last == LAST_NAME) {
        if (name.trailing) return other(-E_ISDIR, "O_CREAT with a trailing slash");
        if (!name.exists) return may(ids, &name.dir_st, WANT_WRITE) ? allow() : deny(-E_ACCES, "no w on the directory");
        bool follow = (flags & (ABI_O_EXCL | ABI_O_NOFOLLOW)) == 0;
        if (name.st.type != ABI_TYPE_SYMLINK || !follow) break;
        walked = model_follow(ids, &name);
    }
    return decided(&walked) ? walked : open_existing(ids, &name.st, flags);
}

// mkdir and symlink: "." "..", "/" and existing names are E_EXIST; "new/" is E_NOENT
// unless a directory is made; then w on the directory.
static struct fuzz_prediction make(const struct fuzz_ids *ids, const char *path, bool directory) {
    struct model_name name;
    struct fuzz_prediction walked = model_walk(ids, path, 0, &name);
    if (decided(&walked)) return walked;
    if (name.last != LAST_NAME || name.exists) return other(-E_EXIST, "the name exists");
    if (name.trailing && !directory) return other(-E_NOENT, "a trailing slash on a new non-directory");
    return may(ids, &name.dir_st, WANT_WRITE) ? allow() : deny(-E_ACCES, "no w on the directory");
}

struct fuzz_prediction fuzz_predict_mkdir(const struct fuzz_ids *ids, const char *path) { return make(ids, path, true); }

struct fuzz_prediction fuzz_predict_symlink(const struct fuzz_ids *ids, const char *target, const char *path) {
    if (target[0] == '\0') return other(-E_NOENT, "an empty target");
    if (strlen(target) >= ABI_PATH_LEN_MAX) return other(-E_NAMETOOLONG, "a target too long");
    return make(ids, path, false);
}

struct fuzz_prediction fuzz_predict_remove(const struct fuzz_ids *ids, const char *path, bool directory) {
    struct model_name name;
    struct fuzz_prediction walked = model_walk(ids, path, 0, &name);
    if (decided(&walked)) return walked;
    if (directory && name.last == LAST_DOTDOT) return other(-E_NOTEMPTY, "rmdir of ..");
    if (directory && name.last == LAST_DOT) return other(-E_INVAL, "rmdir of .");
    if (directory && name.last == LAST_ROOT) return other(-E_BUSY, "rmdir of /");
    if (!directory && name.last != LAST_NAME) return other(-E_ISDIR, "unlink of a dot or /");
    if (!name.exists) return other(-E_NOENT, "no such name");
    bool is_dir = name.st.type == ABI_TYPE_DIRECTORY;
    if (!directory && name.trailing) return other(is_dir ? -E_ISDIR : -E_NOTDIR, "unlink with a trailing slash");
    struct fuzz_prediction access = unlink_access(ids, &name.dir_st, &name.st);
    if (decided(&access)) return access;
    if (directory && !is_dir) return other(-E_NOTDIR, "rmdir of a non-directory");
    if (!directory && is_dir) return other(-E_ISDIR, "unlink of a directory");
    return allow(); // may still be E_NOTEMPTY: not a permission matter
}

static bool within(const char *inner, const char *outer) {
    u64 length = strlen(outer);
    if (strcmp(outer, "/") == 0) return true;
    return strncmp(inner, outer, length) == 0 && (inner[length] == '\0' || inner[length] == '/');
}

// do_renameat2's checks before any permission.
static struct fuzz_prediction rename_names(const struct model_name *from, const struct model_name *to) {
    if (from->last != LAST_NAME || to->last != LAST_NAME) return other(-E_BUSY, "rename of a dot or /");
    if (!from->exists) return other(-E_NOENT, "no such source");
    bool is_dir = from->st.type == ABI_TYPE_DIRECTORY;
    if (!is_dir && (from->trailing || to->trailing)) return other(-E_NOTDIR, "a trailing slash on a non-directory");
    if (strcmp(from->dir, to->dir) == 0) return allow();
    if (is_dir && within(to->dir, from->path)) return other(-E_INVAL, "a directory into itself");
    bool target_dir = to->exists && to->st.type == ABI_TYPE_DIRECTORY;
    if (target_dir && within(from->dir, to->path)) return other(-E_NOTEMPTY, "onto an ancestor of the source");
    return allow();
}

struct fuzz_prediction fuzz_predict_rename(const struct fuzz_ids *ids, const char *from, const char *to) {
    static struct model_name source, target;
    struct fuzz_prediction walked = model_walk(ids, from, 0, &source);
    if (decided(&walked)) return walked;
    walked = model_walk(ids, to, 0, &target);
    if (decided(&walked)) return walked;
    struct fuzz_prediction named = rename_names(&source, &target);
    if (decided(&named)) return named;
    if (target.exists && target.st.inode == source.st.inode) return allow();
    struct fuzz_prediction access = unlink_access(ids, &source.dir_st, &source.st);
    if (decided(&access)) return access;
    bool is_dir = source.st.type == ABI_TYPE_DIRECTORY;
    if (!target.exists) {
        if (!may(ids, &target.dir_st, WANT_WRITE)) return deny(-E_ACCES, "no w on the target's directory");
    } else {
        access = unlink_access(ids, &target.dir_st, &target.st);
        if (decided(&access)) return access;
        bool target_dir = target.st.type == ABI_TYPE_DIRECTORY;
        if (is_dir && !target_dir) return other(-E_NOTDIR, "a directory onto a non-directory");
        if (!is_dir && target_dir) return other(-E_ISDIR, "a non-directory onto a directory");
    }
    bool moves = strcmp(source.dir, target.dir) != 0;
    if (is_dir && moves && !may(ids, &source.st, WANT_WRITE)) {
        return deny(-E_ACCES, "a directory changing parent needs w on itself");
    }
    return allow(); // may still be E_NOTEMPTY
}

// The walk of a lookup (stat, chmod, chown, chdir, spawn): the name must exist.
static bool look(const struct fuzz_ids *ids, const char *path, u32 follow, struct model_name *name,
                 struct fuzz_prediction *out) {
    *out = model_walk(ids, path, WALK_LOOKUP | follow, name);
    return !decided(out);
}

struct fuzz_prediction fuzz_predict_chmod(const struct fuzz_ids *ids, const char *path, u64 mode) {
    if ((mode & ~(u64)MODE_BITS_ALL) != 0) return other(-E_INVAL, "bad mode bits");
    struct model_name name;
    struct fuzz_prediction looked;
    if (!look(ids, path, WALK_FOLLOW, &name, &looked)) return looked;
    if (ids->euid == ABI_UID_ROOT || ids->euid == name.st.uid) return allow();
    return deny(-E_PERM, "only the owner or root changes a mode");
}

// Root anything; the owner may keep its uid and give the file to a group it is in;
// a chown that keeps both ids is anyone's, unless it would remove privilege bits.
struct fuzz_prediction fuzz_predict_chown(const struct fuzz_ids *ids, const char *path, u64 uid, u64 gid) {
    if (uid > ABI_ID_UNCHANGED || gid > ABI_ID_UNCHANGED) return other(-E_INVAL, "an id too large");
    struct model_name name;
    struct fuzz_prediction looked;
    if (!look(ids, path, WALK_FOLLOW, &name, &looked)) return looked;
    if (ids->euid == ABI_UID_ROOT) return allow();
    bool owner = ids->euid == name.st.uid;
    if (uid != ABI_ID_UNCHANGED && !(owner && uid == name.st.uid)) return deny(-E_PERM, "only root gives a file away");
    bool gid_ok = gid == name.st.gid || in_group(ids, (u32)gid);
    if (gid != ABI_ID_UNCHANGED && !(owner && gid_ok)) return deny(-E_PERM, "not the owner, or not in that group");
    bool privileged = name.st.type != ABI_TYPE_DIRECTORY &&
                      ((name.st.mode & ABI_MODE_SETUID) ||
                       (name.st.mode & (ABI_MODE_SETGID | MODE_GROUP_EXECUTE)) == (ABI_MODE_SETGID | MODE_GROUP_EXECUTE));
    if (privileged && !owner) return deny(-E_PERM, "removing privilege bits is a mode change");
    return allow();
}

struct fuzz_prediction fuzz_predict_stat(const struct fuzz_ids *ids, const char *path, bool follow) {
    struct model_name name;
    struct fuzz_prediction looked;
    look(ids, path, follow ? WALK_FOLLOW : 0, &name, &looked);
    return looked;
}

struct fuzz_prediction fuzz_predict_chdir(const struct fuzz_ids *ids, const char *path) {
    struct model_name name;
    struct fuzz_prediction looked;
    if (!look(ids, path, WALK_FOLLOW, &name, &looked)) return looked;
    if (name.st.type != ABI_TYPE_DIRECTORY) return other(-E_NOTDIR, "not a directory");
    return may(ids, &name.st, WANT_EXECUTE) ? allow() : deny(-E_ACCES, "no x on the directory");
}

struct fuzz_prediction fuzz_predict_spawn(const struct fuzz_ids *ids, const char *path) {
    struct model_name name;
    struct fuzz_prediction looked;
    if (!look(ids, path, WALK_FOLLOW, &name, &looked)) return looked;
    if (name.st.type != ABI_TYPE_FILE) return other(-E_NOEXEC, "not a file");
    if (!may(ids, &name.st, WANT_EXECUTE)) return deny(-E_ACCES, "no x bit for the caller");
    return name.st.size_bytes == 0 ? other(-E_NOEXEC, "an empty file") : allow();
}

// link(old, new): old looked up without following, new made as by filename_create;
// then protected_hardlinks (E_PERM), w on new's directory, no directories.
struct fuzz_prediction fuzz_predict_link(const struct fuzz_ids *ids, const char *old, const char *path) {
    struct model_name source, name;
    struct fuzz_prediction looked;
    if (!look(ids, old, 0, &source, &looked)) return looked;
    struct fuzz_prediction walked = model_walk(ids, path, 0, &name);
    if (decided(&walked)) return walked;
    if (name.last != LAST_NAME || name.exists) return other(-E_EXIST, "the new name exists");
    if (name.trailing) return other(-E_NOENT, "a trailing slash on the new name");
    const struct abi_stat *st = &source.st;
    bool owner = ids->euid == ABI_UID_ROOT || ids->euid == st->uid;
    bool safe = st->type == ABI_TYPE_FILE && (st->mode & ABI_MODE_SETUID) == 0 &&
                (st->mode & (ABI_MODE_SETGID | MODE_GROUP_EXECUTE)) != (ABI_MODE_SETGID | MODE_GROUP_EXECUTE) &&
                may(ids, st, WANT_READ | WANT_WRITE);
    if (!owner && !safe) return deny(-E_PERM, "protected_hardlinks");
    if (!may(ids, &name.dir_st, WANT_WRITE)) return deny(-E_ACCES, "no w on the new name's directory");
    if (st->type == ABI_TYPE_DIRECTORY) return other(-E_PERM, "a link to a directory");
    return allow();
}

// utimens: both now: the owner, root, or w on the file (E_ACCES); else the owner or
// root (E_PERM); both omitted: 0 without looking.
struct fuzz_prediction fuzz_predict_utimens(const struct fuzz_ids *ids, const char *path, bool now, bool omit_both,
                                            bool follow) {
    if (omit_both) return allow();
    struct model_name name;
    struct fuzz_prediction looked;
    if (!look(ids, path, follow ? WALK_FOLLOW : 0, &name, &looked)) return looked;
    if (ids->euid == ABI_UID_ROOT || ids->euid == name.st.uid) return allow();
    if (!now) return deny(-E_PERM, "only the owner sets times");
    return may(ids, &name.st, WANT_WRITE) ? allow() : deny(-E_ACCES, "no w to set the times to now");
}

struct fuzz_prediction fuzz_predict_readlink(const struct fuzz_ids *ids, const char *path) {
    struct model_name name;
    struct fuzz_prediction looked;
    if (!look(ids, path, 0, &name, &looked)) return looked;
    return name.st.type == ABI_TYPE_SYMLINK ? allow() : other(-E_INVAL, "not a symlink");
}
