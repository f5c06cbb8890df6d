// Storage invariants, part 3: directory_tree_consistent. After every commit, the
// inodes it changed: a changed directory's entries, its link count (2 + its
// subdirectories) and its place in its parent (what a namespace change can break,
// checked before a later change hides it). Within the cost budget and after mounts,
// the whole tree: a walk from the root inode
// through every directory, reading inode records and directory objects with GrainDB's
// own reads (so every byte was checked against its SHA-256) and decoding them with
// the filesystem's pure decoders; every object read is also held against the shadow
// of written bytes (reads_return_written_bytes) before it is believed. Then every
// live "ino/" key must have been reached, a directory from one entry only, and a file
// or symbolic link from exactly as many entries as its link count says.
//
// With unrestricted disk faults an object may be unreadable (GrainDB detected the
// damage), and so may one of a commit that was never acknowledged when the database
// failed while recovering it (storage_unreadable_excused): the walk skips it and,
// having missed part of the tree, does not look for unreachable inodes. Otherwise
// unreadable acknowledged data is a lost acknowledged write.
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/invariants/invariant_storage.h"
#include "kernel/lib/endian.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/sim.h"

#define WALK_KEY_PREFIX "ino/"
#define WALK_KEY_PREFIX_LEN 4u
#define WALK_KEY_LEN 20u // prefix and 16 hex digits (fs_inode_key)

struct walk {
    struct sim *sim;
    struct platform *node;
    struct graindb *db;
    struct storage_scratch *scratch;
    u32 stack_count;
    u32 visited_count;
    bool incomplete; // an object was unreadable (unrestricted faults only)
    // disk_usage_accounted: what each owner's inodes cost, recomputed by the walk.
    u32 usage_count;
    struct fs_usage usage[FS_USAGE_UIDS_MAX];
};

static _Noreturn void tree_fail(struct walk *w, const char *what, u64 inode, const char *name, u64 other) {
    storage_violation(w->sim, w->node, INV_DIRECTORY_TREE_CONSISTENT, "%s (inode %" PRIu64 ", name '%s', %" PRIu64 ")",
                      what, inode, name, other);
}

// Marks inode visited; false if it was already. *slot: its place in the set.
static bool visit(struct walk *w, u64 inode, u32 *slot) {
    u64 *set = w->scratch->visited;
    u32 mask = STORAGE_WALK_SET_CAPACITY - 1;
    for (u32 i = (u32)(inode * 0x9e3779b97f4a7c15ull >> 40) & mask;; i = (i + 1) & mask) {
        *slot = i;
        if (set[i] == inode + 1) return false;
        if (set[i] == 0) {
            if (w->visited_count + 1 >= STORAGE_WALK_SET_CAPACITY) tree_fail(w, "more inodes reached than keys exist", inode, "", 0);
            set[i] = inode + 1;
            w->scratch->names[i] = 0;
            w->scratch->nlinks[i] = 0;
            w->visited_count++;
            return true;
        }
    }
}

static bool visited(const struct walk *w, u64 inode) {
    const u64 *set = w->scratch->visited;
    u32 mask = STORAGE_WALK_SET_CAPACITY - 1;
    for (u32 i = (u32)(inode * 0x9e3779b97f4a7c15ull >> 40) & mask;; i = (i + 1) & mask) {
        if (set[i] == inode + 1) return true;
        if (set[i] == 0) return false;
    }
}

// Charges inode to its owner as the kernel must have (fs_usage.c): an open file at
// its size in memory. Owners beyond the table's rows are not followed (see below).
static void walk_charge(struct walk *w, const struct fs_inode *inode) {
    const struct kernel *k = &w->node->kernel;
    u64 size_bytes = inode->size_bytes;
    u32 open = fs_file_find(k, inode->inode);
    if (open < FS_OPEN_FILES_MAX) size_bytes = k->fs.files[open].meta.size_bytes;
    struct fs_usage *row = NULL;
    for (u32 i = 0; i < w->usage_count && row == NULL; i++) {
        if (w->usage[i].uid == inode->uid) row = &w->usage[i];
    }
    if (row == NULL && w->usage_count == FS_USAGE_UIDS_MAX) return;
    if (row == NULL) {
        row = &w->usage[w->usage_count++];
        *row = (struct fs_usage){.uid = inode->uid};
    }
    row->inodes++;
    row->bytes += fs_cost_bytes(inode->type, size_bytes);
}

// The kernel's usage table equals the walk's, owner by owner (rows with nothing
// charged may remain in the kernel's). Not checked once either table is full: rows
// beyond it are counted together, in an order that depends on history.
static void check_usage(struct walk *w) {
    const struct fs *fs = &w->node->kernel.fs;
    if (!fs->usage_valid) return; // not counted since the mount: nothing to compare yet
    w->sim->invariant_checks[INV_DISK_USAGE_ACCOUNTED]++;
    if (fs->usage_count >= FS_USAGE_UIDS_MAX || w->usage_count >= FS_USAGE_UIDS_MAX) return;
    for (u32 i = 0; i < fs->usage_count; i++) {
        const struct fs_usage *kernel_row = &fs->usage[i];
        struct fs_usage walked = {.uid = kernel_row->uid};
        for (u32 j = 0; j < w->usage_count; j++) {
            if (w->usage[j].uid == kernel_row->uid) walked = w->usage[j];
        }
        if (kernel_row->inodes == walked.inodes && kernel_row->bytes == walked.bytes) continue;
        storage_violation(w->sim, w->node, INV_DISK_USAGE_ACCOUNTED,
                          "uid %u is charged %" PRIu64 " inodes and %" PRIu64 " bytes; its inodes cost %" PRIu64
                          " inodes and %" PRIu64 " bytes",
                          kernel_row->uid, kernel_row->inodes, kernel_row->bytes, walked.inodes, walked.bytes);
    }
    for (u32 j = 0; j < w->usage_count; j++) {
        bool charged = false;
        for (u32 i = 0; i < fs->usage_count; i++) charged = charged || fs->usage[i].uid == w->usage[j].uid;
        if (charged) continue;
        storage_violation(w->sim, w->node, INV_DISK_USAGE_ACCOUNTED,
                          "uid %u owns %" PRIu64 " inodes (%" PRIu64 " bytes) but is charged nothing",
                          w->usage[j].uid, w->usage[j].inodes, w->usage[j].bytes);
    }
}

// Reads object `hash` (named by a version of commit_seq) into scratch->object; false
// when unreadable and that is excused (storage_unreadable_excused).
static bool read_object(struct walk *w, const u8 hash[GRAINDB_HASH_BYTES], u64 commit_seq, u32 *size, u64 inode,
                        const char *what) {
    i64 result = graindb_get(w->db, hash, w->scratch->object, GRAINDB_OBJECT_BYTES_MAX, size);
    if (result == 0) {
        storage_check_read(w->sim, w->node, load_u64_le(hash), bytes_digest(w->scratch->object, *size), *size,
                           "directory walk");
        return true;
    }
    if (storage_unreadable_excused(w->node, commit_seq)) {
        w->incomplete = true;
        return false;
    }
    storage_violation(w->sim, w->node, INV_ACKNOWLEDGED_WRITES_SURVIVE,
                      "%s of inode %" PRIu64 " (object %016" PRIx64 ") unreadable: error %" PRId64, what, inode,
                      load_u64_le(hash), -result);
}

// The live inode record of `inode`; false when unreadable (unrestricted).
static bool read_inode(struct walk *w, u64 inode, const char *name, struct fs_inode *out) {
    u8 key[FS_KEY_LEN_MAX];
    u32 key_len = 0;
    fs_inode_key(inode, key, &key_len);
    struct graindb_ref_info info;
    i64 result = graindb_ref_get(w->db, key, key_len, &info);
    if (result < 0 || info.deleted) tree_fail(w, "an entry names an inode that does not exist", inode, name, 0);
    u32 size = 0;
    if (!read_object(w, info.object_hash, info.commit_seq, &size, inode, "inode record")) return false;
    if (fs_inode_decode(w->scratch->object, size, out) < 0) tree_fail(w, "inode record does not decode", inode, name, size);
    if (out->inode != inode) tree_fail(w, "inode record names another inode", inode, name, out->inode);
    out->version = info.commit_seq;
    return true;
}

// Decodes directory dir into scratch->decode->entries; false when unreadable.
static bool read_entries(struct walk *w, const struct fs_inode *dir) {
    struct fs *decode = w->scratch->decode;
    decode->entries_count = 0;
    if (dir->chunk_count > FS_DIR_CHUNKS_MAX) {
        tree_fail(w, "directory stored in more objects than FS_DIR_CHUNKS_MAX", dir->inode, "", dir->chunk_count);
    }
    for (u32 c = 0; c < dir->chunk_count; c++) {
        u32 size = 0;
        if (!read_object(w, dir->chunks[c], dir->version, &size, dir->inode, "directory")) return false;
        if (fs_directory_decode_chunk(decode, w->scratch->object, size, c, dir->chunk_count) < 0) {
            tree_fail(w, "directory object does not decode", dir->inode, "", c);
        }
    }
    for (u32 i = 1; i < decode->entries_count; i++) {
        const struct fs_dirent *a = &decode->entries[i - 1];
        const struct fs_dirent *b = &decode->entries[i];
        u32 common = a->name_len < b->name_len ? a->name_len : b->name_len;
        int order = memcmp(a->name, b->name, common);
        if (order > 0 || (order == 0 && a->name_len >= b->name_len)) {
            tree_fail(w, "directory entries not sorted or not unique", dir->inode, b->name, i);
        }
    }
    return true;
}

static void push(struct walk *w, u64 inode) {
    if (w->stack_count >= ARRAY_COUNT(w->scratch->stack)) tree_fail(w, "more directories than keys", inode, "", 0);
    w->scratch->stack[w->stack_count++] = inode;
}

// In a whole walk: a directory is reached once; a file or symlink once per name,
// each name counted against its link count (checked when the walk ends). True the
// first time the inode is reached.
static bool reach(struct walk *w, const struct fs_dirent *entry, const struct fs_inode *child, u64 dir_inode) {
    u32 slot = 0;
    bool first = visit(w, entry->inode, &slot);
    if (child->type == ABI_TYPE_DIRECTORY && !first) {
        tree_fail(w, "directory reached twice (a cycle or a second name)", entry->inode, entry->name, dir_inode);
    }
    if (child->type == ABI_TYPE_DIRECTORY) return first;
    w->scratch->names[slot]++;
    w->scratch->nlinks[slot] = child->nlink;
    return first;
}

// One directory: each entry's inode exists with the entry's type and (a directory)
// names this one as its parent, and the directory's link count is 2 + its
// subdirectories; in a whole walk each child is also reached (reach) and directories
// are walked next. *parent gets the directory's parent field, or 0 when it is not a
// readable directory (a file: its entry was checked).
static void walk_directory(struct walk *w, u64 dir_inode, bool whole, u64 *parent) {
    struct fs_inode dir;
    *parent = 0;
    if (!read_inode(w, dir_inode, "", &dir)) return;
    if (dir.type != ABI_TYPE_DIRECTORY) return;
    *parent = dir.parent;
    if (!read_entries(w, &dir)) return;
    const struct fs *decode = w->scratch->decode;
    u32 subdirectories = 0;
    for (u32 i = 0; i < decode->entries_count; i++) {
        const struct fs_dirent *entry = &decode->entries[i];
        bool dot = (entry->name_len == 1 && entry->name[0] == '.') ||
                   (entry->name_len == 2 && entry->name[0] == '.' && entry->name[1] == '.');
        if (dot || memchr(entry->name, '/', entry->name_len) != NULL) tree_fail(w, "bad entry name", dir_inode, entry->name, i);
        if (entry->type == ABI_TYPE_DIRECTORY) subdirectories++;
        struct fs_inode child;
        if (!read_inode(w, entry->inode, entry->name, &child)) {
            if (whole) (void)visit(w, entry->inode, &(u32){0});
            continue;
        }
        if (child.type != entry->type) tree_fail(w, "entry type differs from the inode's", entry->inode, entry->name, child.type);
        if (whole && reach(w, entry, &child, dir_inode)) walk_charge(w, &child); // once per inode
        if (child.type != ABI_TYPE_DIRECTORY) continue;
        if (child.parent != dir_inode) {
            storage_violation(w->sim, w->node, INV_DIRECTORY_TREE_CONSISTENT,
                              "directory '%s' (inode %" PRIu64 ") is listed in directory %" PRIu64
                              " but its parent field says %" PRIu64,
                              entry->name, entry->inode, dir_inode, child.parent);
        }
        if (whole) push(w, entry->inode);
    }
    if (dir.nlink != 2 + subdirectories) {
        tree_fail(w, "directory's link count is not 2 + its subdirectories", dir_inode, "", dir.nlink);
    }
}

// Every file and symlink was reached from as many entries as its link count says.
static void check_link_counts(struct walk *w) {
    const struct storage_scratch *scratch = w->scratch;
    for (u32 slot = 0; slot < STORAGE_WALK_SET_CAPACITY; slot++) {
        if (scratch->visited[slot] == 0 || scratch->nlinks[slot] == 0) continue;
        if (scratch->names[slot] == scratch->nlinks[slot]) continue;
        storage_violation(w->sim, w->node, INV_DIRECTORY_TREE_CONSISTENT,
                          "inode %" PRIu64 " has link count %u but %u entries name it", scratch->visited[slot] - 1,
                          scratch->nlinks[slot], scratch->names[slot]);
    }
}

static u64 key_inode(const u8 *key, u32 key_len, bool *is_inode) {
    *is_inode = key_len == WALK_KEY_LEN && memcmp(key, WALK_KEY_PREFIX, WALK_KEY_PREFIX_LEN) == 0;
    u64 inode = 0;
    for (u32 i = WALK_KEY_PREFIX_LEN; i < key_len && *is_inode; i++) {
        u8 c = key[i];
        bool digit = c >= '0' && c <= '9', letter = c >= 'a' && c <= 'f';
        *is_inode = digit || letter;
        inode = inode << 4 | (u64)(digit ? c - '0' : c - 'a' + 10);
    }
    return inode;
}

// Every live inode key was reached from the root.
static void check_reachable(struct walk *w) {
    u32 count = graindb_ref_count(w->db);
    for (u32 i = 0; i < count; i++) {
        u8 key[GRAINDB_KEY_LEN_MAX];
        u32 key_len = 0;
        struct graindb_ref_info info;
        i64 result = graindb_ref_at(w->db, i, key, &key_len, &info);
        assert(result == 0);
        bool is_inode = false;
        u64 inode = key_inode(key, key_len, &is_inode);
        if (!is_inode || info.deleted || visited(w, inode)) continue;
        tree_fail(w, "live inode not reachable from the root (an orphan)", inode, "", info.commit_seq);
    }
}

void storage_check_tree(struct sim *sim, struct platform *node, struct storage_scratch *scratch) {
    assert(sim != NULL);
    assert(node != NULL);
    assert(node->inspecting);
    sim->invariant_checks[INV_DIRECTORY_TREE_CONSISTENT]++;
    struct walk w = {.sim = sim, .node = node, .db = &node->kernel.fs.db, .scratch = scratch};
    memset(scratch->visited, 0, sizeof(scratch->visited));
    struct fs_inode root;
    visit(&w, FS_ROOT_INODE, &(u32){0});
    if (!read_inode(&w, FS_ROOT_INODE, "/", &root)) return;
    if (root.type != ABI_TYPE_DIRECTORY || root.parent != FS_ROOT_INODE) {
        tree_fail(&w, "the root is not a directory that is its own parent", FS_ROOT_INODE, "/", root.parent);
    }
    walk_charge(&w, &root);
    push(&w, FS_ROOT_INODE);
    u64 parent = 0;
    while (w.stack_count > 0) walk_directory(&w, scratch->stack[--w.stack_count], true, &parent);
    if (w.incomplete) return;
    check_reachable(&w);
    check_link_counts(&w);
    check_usage(&w);
}

// Whether directory `parent` lists `inode`; true too when it cannot be read (excused).
static bool listed_in(struct walk *w, u64 parent, u64 inode) {
    struct fs_inode dir;
    if (!read_inode(w, parent, "", &dir)) return true;
    if (dir.type != ABI_TYPE_DIRECTORY) return false;
    if (!read_entries(w, &dir)) return true;
    const struct fs *decode = w->scratch->decode;
    for (u32 i = 0; i < decode->entries_count; i++) {
        if (decode->entries[i].inode == inode) return true;
    }
    return false;
}

void storage_check_tree_changed(struct sim *sim, struct platform *node, struct storage_scratch *scratch,
                                u64 changed_after_seq) {
    assert(sim != NULL);
    assert(node != NULL);
    assert(node->inspecting);
    sim->invariant_checks[INV_DIRECTORY_TREE_CONSISTENT]++;
    struct walk w = {.sim = sim, .node = node, .db = &node->kernel.fs.db, .scratch = scratch};
    u32 count = graindb_ref_count(w.db);
    for (u32 i = 0; i < count; i++) {
        u8 key[GRAINDB_KEY_LEN_MAX];
        u32 key_len = 0;
        struct graindb_ref_info info;
        i64 result = graindb_ref_at(w.db, i, key, &key_len, &info);
        assert(result == 0);
        bool is_inode = false;
        u64 inode = key_inode(key, key_len, &is_inode);
        if (!is_inode || info.deleted || info.commit_seq <= changed_after_seq) continue;
        u64 parent = 0;
        walk_directory(&w, inode, false, &parent);
        if (parent == 0 || inode == FS_ROOT_INODE || listed_in(&w, parent, inode)) continue;
        storage_violation(sim, node, INV_DIRECTORY_TREE_CONSISTENT,
                          "directory %" PRIu64 " names directory %" PRIu64 " as its parent, which does not list it",
                          inode, parent);
    }
}
