// Trees under /zix: hashed canonically (zix_nar), sealed, removed. Every walk is
// iterative with an explicit stack in k->zix.store.walk (no recursion: a builder
// chooses the depth), visits entries in the stored order (sorted by bytes), looks
// symbolic links up as themselves and never follows one. A directory is listed again
// at each step (the filesystem's entry scratch does not survive the lookups between),
// and the next entry is the first name after the last one visited, so removing what
// was visited does not disturb the walk.
#include "kernel/zix/internal.h"

#include "kernel/lib/mem.h"

#define ZIX_SEALED_EXECUTABLE_MODE 0555 // directories and executables: r-x
#define ZIX_SEALED_MODE 0444            // everything else: r--

STATIC_ASSERT(ZIX_WALK_DEPTH_MAX >= ZIX_NAR_DEPTH_MAX);
STATIC_ASSERT(ZIX_WALK_DEPTH_MAX == PATH_COMPONENTS_MAX); // any tree the filesystem holds
STATIC_ASSERT(sizeof(((struct zix_store_scratch *)0)->file) == FS_FILE_BYTES_MAX);

enum walk_event { WALK_DONE = 0, WALK_ENTRY, WALK_LEAVE };

// Unsigned byte order, as the directory stores its entries.
static bool name_after(const char *name, const char *last) {
    assert(name != NULL);
    assert(last != NULL);
    u32 i = 0;
    while (name[i] != '\0' && name[i] == last[i]) i++;
    return (u8)name[i] > (u8)last[i];
}

// Opens the directory at w->path: its entries are visited next.
static i64 walk_push(struct zix_walk *w) {
    if (w->depth >= ZIX_WALK_DEPTH_MAX) return -E_INVAL;
    struct zix_walk_frame *frame = &w->frames[w->depth];
    frame->path_length = (u32)str_len_bounded(w->path, sizeof w->path);
    frame->last_name[0] = '\0';
    w->depth++;
    assert(w->depth <= ZIX_WALK_DEPTH_MAX);
    return 0;
}

// The next step: WALK_ENTRY (w->path is the entry's, *type its ABI_TYPE_*), WALK_LEAVE
// (the innermost directory has no entry left: w->path is its path, and it is closed),
// WALK_DONE (nothing open), or -error.
static i64 walk_next(struct kernel *k, struct zix_walk *w, u32 *type) {
    assert(type != NULL);
    if (w->depth == 0) return WALK_DONE;
    struct zix_walk_frame *frame = &w->frames[w->depth - 1];
    w->path[frame->path_length] = '\0';
    i64 count = fs_list_at(k, w->path);
    if (count < 0) return count;
    const struct fs_dirent *next = NULL;
    for (u32 i = 0; i < (u32)count && next == NULL; i++) {
        if (name_after(k->fs.entries[i].name, frame->last_name)) next = &k->fs.entries[i];
    }
    if (next == NULL) {
        w->depth--;
        return WALK_LEAVE;
    }
    u32 name_len = (u32)str_len_bounded(next->name, NAME_LEN_MAX + 1);
    if (frame->path_length + 1u + name_len + 1u > sizeof w->path) return -E_NAMETOOLONG;
    str_copy(frame->last_name, sizeof frame->last_name, next->name);
    w->path[frame->path_length] = '/';
    mem_copy(w->path + frame->path_length + 1, next->name, name_len + 1u);
    *type = next->type;
    assert(w->path[frame->path_length + 1u + name_len] == '\0');
    return WALK_ENTRY;
}

// Starts a walk at absolute: its inode (not followed). A directory is opened.
static i64 walk_start(struct kernel *k, struct zix_walk *w, const char *absolute, struct fs_inode *root) {
    assert(absolute[0] == '/');
    w->depth = 0;
    if (!str_copy(w->path, sizeof w->path, absolute)) return -E_NAMETOOLONG;
    i64 result = fs_lookup_link_at(k, absolute, root);
    if (result < 0) return result;
    return root->type == ABI_TYPE_DIRECTORY ? walk_push(w) : 0;
}

// Every occurrence of from in bytes becomes to (the same length).
static void rewrite(u8 *bytes, u64 count, const char *from, const char *to) {
    if (from == NULL) return;
    u64 length = str_len_bounded(from, ABI_PATH_LEN_MAX);
    assert(length > 0);
    assert(str_len_bounded(to, ABI_PATH_LEN_MAX) == length);
    for (u64 i = 0; i + length <= count; i++) {
        if (bytes[i] != (u8)from[0] || !mem_equal(bytes + i, from, length)) continue;
        mem_copy(bytes + i, to, length);
        i += length - 1;
    }
}

struct hashing {
    const char *from;
    const char *to;
    u32 nodes;
};

// Feeds the node at w->path (inode: it, not followed): a file's bytes or a link's
// target (rewritten), or a directory's start (its entries follow through the walk).
static i64 hash_node(struct kernel *k, struct hashing *h, const struct fs_inode *inode) {
    struct zix_store_scratch *scratch = &k->zix.store;
    struct zix_nar *nar = &k->zix.nar;
    assert(inode != NULL);
    assert(scratch->walk.path[0] == '/');
    if (++h->nodes > ZIX_OUTPUT_NODES_MAX) return -E_INVAL;
    // A hard link is refused (see seal_node): its bytes may be a file nobody gave us.
    if (inode->type != ABI_TYPE_DIRECTORY && inode->nlink != 1) return -E_INVAL;
    if (inode->type == ABI_TYPE_DIRECTORY) {
        if (scratch->walk.depth >= ZIX_NAR_DEPTH_MAX) return -E_INVAL;
        i64 result = walk_push(&scratch->walk);
        if (result == 0) zix_nar_directory_begin(nar);
        return result;
    }
    if (inode->type == ABI_TYPE_SYMLINK) {
        char target[FS_SYMLINK_BYTES_MAX + 1];
        i64 length = fs_read_symlink_at(k, scratch->walk.path, target);
        if (length < 0) return length;
        rewrite((u8 *)target, (u64)length, h->from, h->to);
        zix_nar_symlink(nar, target);
        return 0;
    }
    if (inode->type != ABI_TYPE_FILE) return -E_INVAL; // nothing else is serialized
    u64 size = 0;
    i64 result = fs_file_read_all(k, inode, scratch->file, sizeof scratch->file, &size);
    if (result < 0) return result; // a damaged block is an error, never hashed around
    assert(size <= sizeof scratch->file);
    rewrite(scratch->file, size, h->from, h->to);
    zix_nar_file_begin(nar, (inode->mode & FS_MODE_EXECUTE_ANY) != 0, size);
    if (size > 0) zix_nar_file_bytes(nar, scratch->file, size); // an empty file is complete at its start
    return 0;
}

// The walk's entries after the root: each name (rewritten), then its node.
static i64 hash_entries(struct kernel *k, struct hashing *h) {
    struct zix_walk *w = &k->zix.store.walk;
    assert(h != NULL);
    assert(w->depth <= ZIX_NAR_DEPTH_MAX);
    for (;;) {
        u32 type = 0;
        i64 event = walk_next(k, w, &type);
        if (event <= WALK_DONE) return event;
        if (event == WALK_LEAVE) {
            zix_nar_directory_end(&k->zix.nar);
            continue;
        }
        struct fs_inode inode;
        i64 result = fs_lookup_link_at(k, w->path, &inode);
        if (result < 0) return result;
        char name[NAME_LEN_MAX + 1];
        str_copy(name, sizeof name, w->frames[w->depth - 1].last_name);
        rewrite((u8 *)name, str_len_bounded(name, sizeof name), h->from, h->to);
        if (!zix_nar_entry_valid(&k->zix.nar, name)) return -E_INVAL; // a name the rewrite reordered
        zix_nar_entry(&k->zix.nar, name);
        result = hash_node(k, h, &inode);
        if (result < 0) return result;
    }
}

i64 zix_tree_hash(struct kernel *k, const char *absolute, const char (*candidates)[ZIX_STORE_PATH_LEN_MAX + 1],
                  u32 candidates_count, const char *rewrite_from, const char *rewrite_to,
                  u8 nar_hash[ZIX_HASH_BYTES], u64 *nar_size_bytes, bool *found) {
    assert(candidates_count <= ZIX_REFS_MAX);
    assert((rewrite_from == NULL) == (rewrite_to == NULL));
    if (candidates_count > 0) assert(found != NULL);
    char parts[ZIX_REFS_MAX][ZIX_PATH_HASH_CHARS + 1];
    for (u32 i = 0; i < candidates_count; i++) {
        u32 hash_offset = 0;
        u32 name_offset = 0;
        bool valid = zix_store_path_parse(candidates[i], &hash_offset, &name_offset);
        assert(valid); // the kernel's own resolved inputs
        mem_copy(parts[i], candidates[i] + hash_offset, ZIX_PATH_HASH_CHARS);
        parts[i][ZIX_PATH_HASH_CHARS] = '\0';
    }
    zix_nar_begin(&k->zix.nar, (const char(*)[ZIX_PATH_HASH_CHARS + 1])parts, candidates_count);
    struct hashing h = {.from = rewrite_from, .to = rewrite_to, .nodes = 0};
    struct fs_inode root;
    k->zix.store.walk.depth = 0;
    if (!str_copy(k->zix.store.walk.path, sizeof k->zix.store.walk.path, absolute)) return -E_NAMETOOLONG;
    i64 result = fs_lookup_link_at(k, absolute, &root);
    if (result == 0) result = hash_node(k, &h, &root);
    if (result == 0) result = hash_entries(k, &h);
    if (result < 0) return result;
    zix_nar_end(&k->zix.nar, nar_hash, nar_size_bytes);
    for (u32 i = 0; i < candidates_count; i++) found[i] = k->zix.nar.found[i];
    return 0;
}

// The mode a sealed node gets: r-x for directories and executables, r-- for files;
// a symbolic link keeps its own (its bits are never consulted).
static u32 sealed_mode(const struct fs_inode *inode) {
    assert(inode != NULL);
    if (inode->type == ABI_TYPE_SYMLINK) return inode->mode;
    if (inode->type == ABI_TYPE_DIRECTORY) return ZIX_SEALED_EXECUTABLE_MODE;
    return (inode->mode & FS_MODE_EXECUTE_ANY) != 0 ? ZIX_SEALED_EXECUTABLE_MODE : ZIX_SEALED_MODE;
}

// A name with another one elsewhere (a hard link) is refused: sealing it would make
// root's read-only copy of whatever file a builder linked in (/etc/shadow made 0444).
static i64 seal_node(struct kernel *k, const char *absolute, struct fs_inode *inode) {
    assert(absolute[0] == '/');
    assert(inode->inode >= FS_ROOT_INODE);
    if (inode->type != ABI_TYPE_DIRECTORY && inode->nlink != 1) return -E_INVAL;
    u32 mode = sealed_mode(inode);
    if (inode->uid == ABI_UID_ROOT && inode->gid == ABI_UID_ROOT && inode->mode == mode) return 0;
    return fs_give_as_root(k, absolute, inode, ABI_UID_ROOT, ABI_UID_ROOT, mode);
}

i64 zix_tree_seal(struct kernel *k, const char *absolute) {
    assert(k != NULL);
    assert(absolute[0] == '/');
    struct zix_walk *w = &k->zix.store.walk;
    struct fs_inode inode;
    i64 result = walk_start(k, w, absolute, &inode);
    if (result == 0) result = seal_node(k, absolute, &inode);
    while (result == 0) {
        u32 type = 0;
        i64 event = walk_next(k, w, &type);
        if (event <= WALK_DONE) return event;
        if (event == WALK_LEAVE) continue;
        result = fs_lookup_link_at(k, w->path, &inode);
        if (result == 0) result = seal_node(k, w->path, &inode);
        if (result == 0 && inode.type == ABI_TYPE_DIRECTORY) result = walk_push(w);
    }
    return result;
}

i64 zix_tree_remove(struct kernel *k, const char *absolute) {
    assert(k != NULL);
    assert(absolute[0] == '/');
    struct zix_walk *w = &k->zix.store.walk;
    struct fs_inode root;
    i64 result = walk_start(k, w, absolute, &root);
    if (result == -E_NOENT) return 0;
    if (result < 0) return result;
    if (root.type != ABI_TYPE_DIRECTORY) return fs_remove_at(k, absolute);
    for (;;) {
        u32 type = 0;
        i64 event = walk_next(k, w, &type);
        if (event <= WALK_DONE) return event;
        if (event == WALK_LEAVE) result = fs_remove_directory_at(k, w->path); // emptied: bottom up
        else if (type == ABI_TYPE_DIRECTORY) result = walk_push(w);
        else result = fs_remove_at(k, w->path);
        if (result < 0) return result;
    }
}

i64 zix_tree_make_directory(struct kernel *k, const char *absolute, u32 uid, u32 mode) {
    assert(k != NULL);
    assert(absolute[0] == '/');
    struct fs_inode inode;
    i64 result = fs_create_at(k, absolute, ABI_TYPE_DIRECTORY, mode, &inode);
    if (result < 0) return result;
    if (uid == ABI_UID_ROOT) return 0;
    return fs_give_as_root(k, absolute, &inode, uid, cred_primary_gid(uid), mode);
}
