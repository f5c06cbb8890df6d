// The tree's shape from the parent links: the physical path of a directory (getcwd,
// and where a relative walk starts) and whether one directory lies above another
// (rename's loops). No permission is needed for either, as on Linux (the dcache).
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/fs/internal.h"

// The name under which directory `parent` lists `child`.
static i64 tree_name_in(struct kernel *k, u64 parent, u64 child, char name[NAME_LEN_MAX + 1]) {
    assert(child != FS_ROOT_INODE);
    struct fs_inode dir;
    i64 result = fs_read_inode(k, parent, &dir);
    if (result == 0 && dir.type != ABI_TYPE_DIRECTORY) result = -E_BADMSG;
    if (result == 0) result = fs_read_directory(k, &dir);
    if (result < 0) return result;
    for (u32 i = 0; i < k->fs.entries_count; i++) {
        if (k->fs.entries[i].inode != child) continue;
        str_copy(name, NAME_LEN_MAX + 1, k->fs.entries[i].name);
        return 0;
    }
    return -E_BADMSG; // a parent link its parent does not list: a damaged tree
}

i64 fs_directory_path(struct kernel *k, u64 inode, struct path *out) {
    assert(k != NULL);
    assert(out != NULL);
    struct path reversed;
    reversed.count = 0;
    u64 at = inode;
    while (at != FS_ROOT_INODE) {
        struct fs_inode dir;
        i64 result = fs_read_inode(k, at, &dir);
        if (result < 0) return result;
        if (dir.type != ABI_TYPE_DIRECTORY) return -E_BADMSG;
        if (reversed.count >= PATH_COMPONENTS_MAX) return -E_NAMETOOLONG;
        result = tree_name_in(k, dir.parent, at, reversed.names[reversed.count]);
        if (result < 0) return result;
        reversed.count++;
        at = dir.parent;
    }
    out->count = reversed.count;
    for (u32 i = 0; i < reversed.count; i++) {
        str_copy(out->names[i], sizeof out->names[i], reversed.names[reversed.count - 1 - i]);
    }
    assert(out->count <= PATH_COMPONENTS_MAX);
    return 0;
}

i64 fs_is_ancestor(struct kernel *k, u64 ancestor, u64 inode, bool *result) {
    assert(k != NULL);
    assert(result != NULL);
    *result = false;
    u64 at = inode;
    for (u32 steps = 0; steps < FS_ANCESTRY_STEPS_MAX; steps++) {
        if (at == ancestor) { *result = true; return 0; }
        if (at == FS_ROOT_INODE) return 0;
        struct fs_inode dir;
        i64 read = fs_read_inode(k, at, &dir);
        if (read < 0) return read;
        if (dir.type != ABI_TYPE_DIRECTORY) return -E_BADMSG;
        at = dir.parent;
    }
    return -E_BADMSG; // more parents than any tree has: a loop on a damaged disk
}
