// A directory given as a source input: copied with the CALLER's rights (every
// directory it lists needs r and x for it, every file r) into a staging tree
// (ZIX_SOURCE_STAGING_PATH, as root), hashed there by the store's own walk
// (zix_tree_hash: what VERIFY recomputes), then renamed into its store path, sealed and
// registered (START), or removed (PATH). Files and directories only: a symbolic link
// in a source is refused (its target would name the caller's machine, not the source).
// The copy is iterative (an explicit stack) and bounded: ZIX_NAR_DEPTH_MAX deep,
// ZIX_OUTPUT_NODES_MAX nodes.
#include "kernel/zix/build_internal.h"

#include "kernel/fs/fs.h"
#include "kernel/fs/path.h"
#include "kernel/lib/endian.h"
#include "kernel/lib/format.h"
#include "kernel/lib/mem.h"
#include "kernel/observe.h"

#define ZIX_SOURCE_STAGING_PATH ZIX_TMP_DIR "/source"
#define ZIX_STAGING_DIRECTORY_MODE 0700u
#define ZIX_SOURCE_FILE_MODE 0444u
#define ZIX_SOURCE_EXECUTABLE_FILE_MODE 0555u
#define MODE_ANY_EXECUTE 0111u

static bool name_after(const char *name, const char *last) {
    u32 i = 0;
    while (name[i] != '\0' && name[i] == last[i]) i++;
    return (u8)name[i] > (u8)last[i];
}

// The caller's view of the node at absolute (not followed), which it must be able to read.
static i64 source_node(struct kernel *k, const struct cred *cred, const char *absolute, struct fs_inode *inode) {
    struct fs_name name;
    i64 result = fs_walk(k, cred, FS_ROOT_INODE, absolute, FS_WALK_LOOKUP, &name);
    if (result < 0) return result;
    if (name.inode.type != ABI_TYPE_FILE && name.inode.type != ABI_TYPE_DIRECTORY) return -E_INVAL;
    u32 want = name.inode.type == ABI_TYPE_DIRECTORY ? PERM_READ | PERM_EXECUTE : PERM_READ;
    result = cred_permission(cred, &name.inode, want);
    if (result == 0) *inode = name.inode;
    return result;
}

// One node copied: a file's bytes, or a directory made (and opened: depth grows).
static i64 source_copy_node(struct kernel *k, const struct fs_inode *inode, const char *to, u32 *depth) {
    if (inode->type == ABI_TYPE_DIRECTORY) {
        if (*depth >= ZIX_NAR_DEPTH_MAX) return -E_INVAL;
        struct fs_inode made;
        i64 result = fs_create_at(k, to, ABI_TYPE_DIRECTORY, ZIX_STAGING_DIRECTORY_MODE, &made);
        if (result == 0) (*depth)++;
        return result;
    }
    assert(inode->type == ABI_TYPE_FILE);
    u64 size = 0;
    i64 result = fs_file_read_all(k, inode, k->fs.program_buffer, sizeof k->fs.program_buffer, &size);
    if (result < 0) return result;
    u32 mode = (inode->mode & MODE_ANY_EXECUTE) != 0 ? ZIX_SOURCE_EXECUTABLE_FILE_MODE : ZIX_SOURCE_FILE_MODE;
    return fs_write_file_as_root(k, to, mode, k->fs.program_buffer, size);
}

// The next entry of the innermost open directory, in stored (sorted) order, after
// the last one copied: its name into next (""; the directory has no more).
static i64 source_next(struct kernel *k, const char *directory, const char *last, char next[ABI_NAME_LEN_MAX + 1]) {
    i64 count = fs_list_at(k, directory);
    if (count < 0) return count;
    next[0] = '\0';
    for (u32 i = 0; i < (u32)count; i++) {
        if (!name_after(k->fs.entries[i].name, last)) continue;
        str_copy(next, ABI_NAME_LEN_MAX + 1, k->fs.entries[i].name);
        return 0;
    }
    return 0;
}

struct source_frame {
    u32 from_length, to_length;         // the open directory's paths
    char last[ABI_NAME_LEN_MAX + 1];    // its last entry copied ("": none yet)
};

// Copies the directory from (its physical path) into the staging tree, iteratively:
// from_path and to_path grow and shrink with the walk; frames keep each open
// directory's path lengths and last name.
static i64 source_copy(struct kernel *k, const struct cred *cred, const char *from) {
    struct source_frame frames[ZIX_NAR_DEPTH_MAX];
    char from_path[ABI_PATH_LEN_MAX], to_path[ABI_PATH_LEN_MAX];
    str_copy(from_path, sizeof from_path, from);
    str_copy(to_path, sizeof to_path, ZIX_SOURCE_STAGING_PATH);
    u32 depth = 0, nodes = 1, open = 0;
    struct fs_inode inode;
    i64 result = source_node(k, cred, from_path, &inode);
    if (result == 0) result = source_copy_node(k, &inode, to_path, &depth);
    while (result == 0 && depth > 0) {
        if (open < depth) { // a directory just made: open its frame
            frames[open] = (struct source_frame){.from_length = (u32)str_len_bounded(from_path, sizeof from_path),
                                               .to_length = (u32)str_len_bounded(to_path, sizeof to_path)};
            open++;
        }
        assert(open == depth);
        struct source_frame *frame = &frames[depth - 1];
        from_path[frame->from_length] = '\0';
        to_path[frame->to_length] = '\0';
        char next[ABI_NAME_LEN_MAX + 1];
        result = source_next(k, from_path, frame->last, next);
        if (result < 0) break;
        if (next[0] == '\0') { depth--; open--; continue; }
        str_copy(frame->last, sizeof frame->last, next);
        u64 from_length = format(from_path + frame->from_length, sizeof from_path - frame->from_length, "/%s", next);
        u64 to_length = format(to_path + frame->to_length, sizeof to_path - frame->to_length, "/%s", next);
        if (frame->from_length + from_length + 1 >= sizeof from_path || frame->to_length + to_length + 1 >= sizeof to_path) {
            return -E_NAMETOOLONG;
        }
        if (++nodes > ZIX_OUTPUT_NODES_MAX) return -E_INVAL;
        result = source_node(k, cred, from_path, &inode);
        if (result == 0) result = source_copy_node(k, &inode, to_path, &depth);
    }
    return result;
}

// The staged copy becomes the store path (START): renamed as root, sealed, registered
// with an empty recipe. Registered already: the copy is dropped.
static i64 source_import(struct kernel *k, u32 caller_slot, const char *store_path, const u8 hash[ZIX_HASH_BYTES],
                         u64 nar_size_bytes) {
    struct zix_registration *registration = &k->zix.registration;
    i64 result = zix_store_lookup(k, store_path, registration);
    if (result != -E_NOENT) return result;
    struct path from, to;
    const struct cred root = accounts_cred(k, ABI_UID_ROOT);
    result = zix_tree_remove(k, store_path); // a leftover of an import cut short
    if (result == 0) result = path_resolve("/", ZIX_SOURCE_STAGING_PATH, &from);
    if (result == 0) result = path_resolve("/", store_path, &to);
    if (result == 0) result = fs_rename(k, &root, &from, &to);
    if (result == 0) result = zix_tree_seal(k, store_path);
    if (result < 0) { (void)zix_tree_remove(k, store_path); return result; }
    mem_set(registration, 0, sizeof *registration);
    str_copy(registration->path, sizeof registration->path, store_path);
    mem_copy(registration->nar_hash, hash, ZIX_HASH_BYTES);
    registration->nar_size_bytes = nar_size_bytes;
    registration->registered_ns = platform_realtime_ns(k->platform);
    registration->builder_uid = k->procs[caller_slot].cred.ruid;
    result = zix_store_register(k, registration);
    if (result < 0) { (void)zix_tree_remove(k, store_path); return result; }
    observe_trace(k->platform, TRACE_ZIX_REGISTERED, bytes_digest(store_path, str_len_bounded(store_path, ZIX_STORE_PATH_LEN_MAX + 1)),
                  load_u64_le(hash), 0);
    return 0;
}

i64 zix_source_directory(struct kernel *k, u32 caller_slot, const char *physical, const char *name, bool import,
                         char store_path[ZIX_STORE_PATH_LEN_MAX + 1]) {
    assert(caller_slot < PROCS_MAX);
    assert(physical[0] == '/');
    i64 result = zix_tree_remove(k, ZIX_SOURCE_STAGING_PATH);
    if (result == 0) result = source_copy(k, &k->procs[caller_slot].cred, physical);
    u8 hash[ZIX_HASH_BYTES];
    u64 nar_size_bytes = 0;
    if (result == 0) {
        result = zix_tree_hash(k, ZIX_SOURCE_STAGING_PATH, NULL, 0, NULL, NULL, hash, &nar_size_bytes, NULL);
    }
    if (result == 0) zix_source_store_path(hash, name, store_path);
    if (result == 0 && import) result = source_import(k, caller_slot, store_path, hash, nar_size_bytes);
    (void)zix_tree_remove(k, ZIX_SOURCE_STAGING_PATH); // PATH, or registered already
    return result;
}
