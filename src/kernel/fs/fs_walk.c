// The path walk: one component at a time from the root or the cwd's inode, as
// Linux's link_path_walk and lookup_last do (fs/namei.c):
//   - looking a component up needs x on the directory it is looked up in, for "."
//     and ".." too (may_lookup), so "/root/../etc/passwd" needs x on /root;
//   - ".." goes to the directory's parent (its `parent` field; the root's is itself);
//   - a symbolic link is followed in every component but the last, and in the last
//     when the caller asks (FS_WALK_FOLLOW) or a trailing slash does (FS_WALK_LOOKUP);
//     a relative target is walked from the link's directory, an absolute one from the
//     root; at most FS_SYMLINKS_MAX expansions in one walk, then E_LOOP;
//   - a component that is a file with more components after it: E_NOTDIR.
// The walk keeps the physical path of where it is (names pushed and popped as it
// moves), which is what the audit and the simulator's models are told.
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/fs/internal.h"

struct walk {
    struct kernel *k;
    const struct cred *cred;
    u32 flags;
    struct fs_name *out; // out->dir: the directory the walk is in; out->path: its path
    u32 at;              // next unread byte of text
    char text[FS_WALK_TEXT_BYTES_MAX];
};

static bool is_dot(const char *name, u32 length) { return length == 1 && name[0] == '.'; }
static bool is_dotdot(const char *name, u32 length) { return length == 2 && name[0] == '.' && name[1] == '.'; }

static i64 walk_to_root(struct walk *w) {
    assert(w->out != NULL);
    w->out->path.count = 0;
    i64 result = fs_read_inode(w->k, FS_ROOT_INODE, &w->out->dir);
    if (result == 0) assert(w->out->dir.inode == FS_ROOT_INODE); // fs_read_inode checks the number
    return result;
}

static i64 walk_push_name(struct path *path, const char *name) {
    assert(name[0] != '\0');
    assert(str_len_bounded(name, NAME_LEN_MAX + 1) <= NAME_LEN_MAX);
    if (path->count >= PATH_COMPONENTS_MAX) return -E_NAMETOOLONG;
    str_copy(path->names[path->count], sizeof path->names[0], name);
    path->count++;
    assert(path->count <= PATH_COMPONENTS_MAX);
    return 0;
}

// ".." from the current directory: its parent (the root stays).
static i64 walk_up(struct walk *w) {
    struct fs_name *out = w->out;
    // walk_run refused anything but a directory before looking a component up in it.
    assert(out->dir.type == ABI_TYPE_DIRECTORY);
    if (out->dir.inode == FS_ROOT_INODE) return 0;
    assert(out->path.count > 0);
    out->path.count--;
    return fs_read_inode(w->k, out->dir.parent, &out->dir);
}

i64 fs_read_symlink(struct kernel *k, const struct fs_inode *link, char out[FS_SYMLINK_BYTES_MAX + 1]) {
    assert(k != NULL);
    assert(out != NULL);
    assert(link->type == ABI_TYPE_SYMLINK);
    assert(link->chunk_count == 1);
    u32 size = 0;
    i64 result = fs_get_object(k, link->chunks[0], (u8 *)out, FS_SYMLINK_BYTES_MAX, &size);
    if (result < 0) return result == -E_2BIG ? -E_BADMSG : result;
    if (size == 0 || size != link->size_bytes) return -E_BADMSG;
    out[size] = '\0';
    if (str_len_bounded(out, FS_SYMLINK_BYTES_MAX + 1) != size) return -E_BADMSG; // a NUL inside
    assert(size <= FS_SYMLINK_BYTES_MAX); // fs_get_object read at most that much
    return size;
}

// Continues with link's target in place of what has been read: target, then "/" and
// the rest when something follows. The walk stays in the link's directory.
static i64 walk_splice(struct walk *w, const struct fs_inode *link, const char *rest) {
    assert(link->type == ABI_TYPE_SYMLINK);
    assert(rest != NULL);
    if (++w->out->links > FS_SYMLINKS_MAX) return -E_LOOP;
    char target[FS_SYMLINK_BYTES_MAX + 1];
    i64 length = fs_read_symlink(w->k, link, target);
    if (length < 0) return length;
    u64 rest_length = str_len_bounded(rest, FS_WALK_TEXT_BYTES_MAX);
    if ((u64)length + 1 + rest_length + 1 > FS_WALK_TEXT_BYTES_MAX) return -E_NAMETOOLONG;
    char joined[FS_WALK_TEXT_BYTES_MAX];
    mem_copy(joined, target, (u64)length);
    u64 at = (u64)length;
    if (rest_length > 0) {
        joined[at++] = '/';
        mem_copy(joined + at, rest, rest_length);
        at += rest_length;
    }
    assert(at < FS_WALK_TEXT_BYTES_MAX); // the length check above left room for the NUL
    joined[at] = '\0';
    mem_copy(w->text, joined, at + 1);
    w->at = 0;
    return 0;
}

// Linux's fs.protected_symlinks=1 (Debian's default; may_follow_link): a last
// component that is a symlink in a sticky world-writable directory (/tmp) is
// followed only by its owner or when the directory's owner owns it, root included,
// so nobody is tricked through a link another user planted.
static i64 walk_may_follow(const struct cred *cred, const struct fs_inode *dir, const struct fs_inode *link) {
    assert(cred != NULL);
    assert(link->type == ABI_TYPE_SYMLINK); // both callers follow only links
    if (link->uid == cred->euid) return 0;
    const u32 sticky_world_writable = MODE_STICKY | MODE_OTHER_WRITE;
    if ((dir->mode & sticky_world_writable) != sticky_world_writable) return 0;
    return dir->uid == link->uid ? 0 : -E_ACCES;
}

// Looks `name` up in the current directory: *found, and its inode.
static i64 walk_lookup(struct walk *w, const char *name, bool *found, struct fs_inode *child) {
    struct kernel *k = w->k;
    assert(w->out->dir.type == ABI_TYPE_DIRECTORY); // walk_run checked it, x too
    i64 result = fs_read_directory(k, &w->out->dir);
    if (result < 0) return result;
    u32 at = fs_entry_find(&k->fs, name, found);
    if (!*found) return 0;
    assert(at < k->fs.entries_count);
    result = fs_read_inode(k, k->fs.entries[at].inode, child);
    if (result == 0) fs_inode_current(k, child);
    return result;
}

// A component with more after it: into a directory, through a symlink, or E_NOTDIR.
static i64 walk_through(struct walk *w, const char *name, u32 length, const char *rest) {
    struct fs_name *out = w->out;
    assert(length > 0);
    assert(length <= NAME_LEN_MAX);
    if (is_dot(name, length)) return 0;
    if (is_dotdot(name, length)) return walk_up(w);
    bool found = false;
    struct fs_inode child;
    i64 result = walk_lookup(w, name, &found, &child);
    if (result < 0) return result;
    if (!found) return -E_NOENT;
    if (child.type == ABI_TYPE_SYMLINK) return walk_splice(w, &child, rest);
    if (child.type != ABI_TYPE_DIRECTORY) return -E_NOTDIR;
    result = walk_push_name(&out->path, name);
    if (result == 0) out->dir = child;
    return result;
}

// The last component: recorded, looked up, and followed if asked. *again: a symlink
// was spliced in, the walk goes on.
static i64 walk_last(struct walk *w, const char *name, u32 length, bool trailing, bool *again) {
    struct fs_name *out = w->out;
    assert(length > 0);
    assert(length <= NAME_LEN_MAX);
    *again = false;
    out->trailing_slash = trailing;
    out->exists = true;
    if (is_dot(name, length) || is_dotdot(name, length)) {
        out->last = is_dot(name, length) ? FS_LAST_DOT : FS_LAST_DOTDOT;
        struct fs_inode looked_in = out->dir;
        i64 result = is_dot(name, length) ? 0 : walk_up(w);
        out->inode = out->dir;
        out->dir = looked_in; // where the component was looked up (rmdir "d/.." asks)
        return result;
    }
    out->last = FS_LAST_NAME;
    str_copy(out->name, sizeof out->name, name);
    i64 result = walk_lookup(w, name, &out->exists, &out->inode);
    if (result < 0) return result;
    bool follow = (w->flags & FS_WALK_FOLLOW) || ((w->flags & FS_WALK_LOOKUP) && trailing);
    if (out->exists && out->inode.type == ABI_TYPE_SYMLINK && follow) {
        result = walk_may_follow(w->cred, &out->dir, &out->inode);
        if (result == 0) result = walk_splice(w, &out->inode, trailing ? "/" : "");
        *again = result == 0;
        return result;
    }
    return walk_push_name(&out->path, name);
}

// Splits the next component off w->text: *name (NUL-terminated in place), its
// length, whether it is the last one and whether slashes followed it.
static void walk_next(struct walk *w, char **name, u32 *length, bool *last, bool *trailing) {
    char *text = w->text;
    assert(text[w->at] != '\0');
    assert(text[w->at] != '/');
    u32 start = w->at, end = w->at;
    while (text[end] != '\0' && text[end] != '/') end++;
    u32 after = end;
    while (text[after] == '/') after++;
    *last = text[after] == '\0';
    *trailing = *last && after > end;
    text[end] = '\0';
    *name = text + start;
    *length = end - start;
    w->at = after;
    assert(*length > 0);
}

static i64 walk_run(struct walk *w) {
    assert(w->cred != NULL);
    for (;;) {
        assert(w->at < FS_WALK_TEXT_BYTES_MAX);
        assert(w->out->links <= FS_SYMLINKS_MAX); // walk_splice stops the walk past it
        if (w->text[w->at] == '/') {
            i64 result = walk_to_root(w);
            if (result < 0) return result;
            while (w->text[w->at] == '/') w->at++;
        }
        if (w->text[w->at] == '\0') { // "/" itself
            w->out->last = FS_LAST_ROOT;
            w->out->exists = true;
            w->out->inode = w->out->dir;
            return 0;
        }
        // Only a damaged disk gets a walk into anything but a directory here.
        if (w->out->dir.type != ABI_TYPE_DIRECTORY) return -E_BADMSG;
        i64 result = cred_permission(w->cred, &w->out->dir, PERM_EXECUTE);
        if (result < 0) return result;
        char *name = NULL;
        u32 length = 0;
        bool last = false, trailing = false;
        walk_next(w, &name, &length, &last, &trailing);
        if (length > NAME_LEN_MAX) return -E_NAMETOOLONG;
        bool again = false;
        if (!last) result = walk_through(w, name, length, w->text + w->at);
        else result = walk_last(w, name, length, trailing, &again);
        if (result < 0 || (last && !again)) return result;
    }
}

// What a lookup asks of the end of the walk: the name exists, and a trailing slash
// names a directory.
static i64 walk_finish(const struct walk *w) {
    const struct fs_name *out = w->out;
    // Only a name can be missing: ".", ".." and "/" always exist.
    if (out->last != FS_LAST_NAME) assert(out->exists);
    if ((w->flags & FS_WALK_LOOKUP) == 0) return 0;
    if (!out->exists) return -E_NOENT;
    if (out->trailing_slash && out->inode.type != ABI_TYPE_DIRECTORY) return -E_NOTDIR;
    return 0;
}

static i64 walk_start(struct walk *w, u64 cwd_inode, const char *text) {
    struct fs_name *out = w->out;
    assert(out->path.count == 0); // fs_walk cleared it
    u64 length = str_len_bounded(text, PATH_LEN_MAX);
    if (length >= PATH_LEN_MAX) return -E_NAMETOOLONG;
    if (length == 0) return -E_NOENT;
    assert(length + 1 <= FS_WALK_TEXT_BYTES_MAX);
    mem_copy(w->text, text, length + 1);

    w->at = 0;
    if (text[0] == '/') return walk_to_root(w);
    if (cwd_inode == 0) return -E_NOENT; // the cwd was removed
    i64 result = fs_read_inode(w->k, cwd_inode, &out->dir);
    if (result == 0 && out->dir.type != ABI_TYPE_DIRECTORY) result = -E_NOTDIR;
    if (result == 0) result = fs_directory_path(w->k, cwd_inode, &out->path);
    return result;
}

i64 fs_walk(struct kernel *k, const struct cred *cred, u64 cwd_inode, const char *text, u32 flags,
            struct fs_name *out) {
    assert(k != NULL);
    assert(cred != NULL);
    assert(text != NULL);
    assert(out != NULL);
    assert((flags & ~(FS_WALK_FOLLOW | FS_WALK_LOOKUP)) == 0);
    i64 usable = fs_readable(k);
    if (usable < 0) return usable;
    mem_set(out, 0, sizeof *out);
    struct walk w = {.k = k, .cred = cred, .flags = flags, .out = out};
    i64 result = walk_start(&w, cwd_inode, text);
    if (result == 0) result = walk_run(&w);
    // A Zix builder's walk ends only inside its sandbox (kernel/zix/zix_sandbox.c):
    // here, so that no path syscall and no exec skips it.
    return zix_sandbox_walk(k, cred, out, result < 0 ? result : walk_finish(&w));
}

i64 fs_walk_follow(struct kernel *k, const struct cred *cred, u32 flags, struct fs_name *name) {
    assert(name->last == FS_LAST_NAME);
    assert(name->exists);
    assert(name->inode.type == ABI_TYPE_SYMLINK);
    struct walk w = {.k = k, .cred = cred, .flags = flags, .out = name};
    // name->path is the link's own path: the walk goes on from its directory.
    if (name->path.count > 0) name->path.count--;
    i64 result = walk_may_follow(cred, &name->dir, &name->inode);
    if (result == 0) result = walk_splice(&w, &name->inode, name->trailing_slash ? "/" : "");
    if (result == 0) result = walk_run(&w);
    return zix_sandbox_walk(w.k, cred, name, result < 0 ? result : walk_finish(&w));
}
