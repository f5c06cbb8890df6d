// The zix invariants, part 2: what the simulator reads of a node's store, between
// steps, in an inspection (invariant_storage.h: GrainDB's own reads, served without
// faults or trace, its scratch restored; the filesystem's pure decoders, never its
// functions). Registrations are the refs "zix/<hash part>" decoded with the engine's
// zix_registration_decode; trees are walked here and hashed with the engine's zix_nar
// functions, fed as the kernel must feed them (sorted entries, the executable bit,
// bytes, link targets), so a registered tree that does not hash to its registration
// is caught whatever the kernel's own walk says. A read that fails is an error, never
// other bytes: counted, not judged.
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/lib/endian.h"
#include "kernel/lib/mem.h"
#include "sim/invariants/invariant_storage.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/sim.h"

#define ZIX_KEY_PREFIX_LEN 4u // "zix/"
#define ZIX_MODE_EXECUTABLE 0111u

struct reader {
    struct sim *sim;
    struct platform *node;
    struct graindb *db;
    struct storage_scratch *scratch;
    struct zix_run *run;
};

static struct reader reader_begin(struct sim *sim, struct platform *node) {
    assert(node->kernel.fs.state == FS_MOUNTED);
    assert(!node->inspecting);
    return (struct reader){.sim = sim, .node = node, .db = &node->kernel.fs.db,
                           .scratch = storage_inspection_begin(sim, node, false), .run = zix_run_get(sim)};
}

static void reader_end(struct reader *r) {
    assert(r->scratch != NULL);
    storage_inspection_end(r->node, r->scratch);
    r->scratch = NULL;
}

// The live inode record; false when absent or unreadable.
static bool read_inode(struct reader *r, u64 inode, struct fs_inode *out) {
    assert(r->scratch != NULL);
    assert(out != NULL);
    u8 key[FS_KEY_LEN_MAX];
    u32 key_len = 0;
    fs_inode_key(inode, key, &key_len);
    struct graindb_ref_info info;
    if (graindb_ref_get(r->db, key, key_len, &info) < 0 || info.deleted) return false;
    u32 size = 0;
    if (graindb_get(r->db, info.object_hash, r->scratch->object, GRAINDB_OBJECT_BYTES_MAX, &size) < 0) return false;
    if (fs_inode_decode(r->scratch->object, size, out) < 0 || out->inode != inode) return false;
    return true;
}

// A directory's entries into scratch->decode, from every object it is stored in (past
// 32 KB of entries, as /zix/store of a few hundred paths); false when unreadable.
static bool read_entries(struct reader *r, const struct fs_inode *dir) {
    struct fs *decode = r->scratch->decode;
    assert(dir->type == ABI_TYPE_DIRECTORY);
    decode->entries_count = 0;
    if (dir->chunk_count > FS_DIR_CHUNKS_MAX) return false;
    for (u32 c = 0; c < dir->chunk_count; c++) {
        u32 size = 0;
        if (graindb_get(r->db, dir->chunks[c], r->scratch->object, GRAINDB_OBJECT_BYTES_MAX, &size) < 0) return false;
        if (fs_directory_decode_chunk(decode, r->scratch->object, size, c, dir->chunk_count) < 0) return false;
    }
    assert(decode->entries_count <= FS_DIR_ENTRIES_MAX);
    return true;
}

// The inode at an absolute path (no links followed): 0, -E_NOENT, or -E_IO (unreadable).
static i64 lookup(struct reader *r, const char *path, u64 *inode_out) {
    u64 inode = FS_ROOT_INODE;
    assert(path[0] == '/');
    for (const char *s = path + 1; *s != '\0';) {
        const char *end = s;
        while (*end != '\0' && *end != '/') end++;
        u32 length = (u32)(end - s);
        struct fs_inode dir;
        if (!read_inode(r, inode, &dir)) return -E_IO;
        if (dir.type != ABI_TYPE_DIRECTORY) return -E_NOENT;
        if (!read_entries(r, &dir)) return -E_IO;
        const struct fs *decode = r->scratch->decode;
        u64 found = 0;
        for (u32 i = 0; i < decode->entries_count && found == 0; i++) {
            const struct fs_dirent *entry = &decode->entries[i];
            if (entry->name_len == length && mem_equal(entry->name, s, length)) found = entry->inode;
        }
        if (found == 0) return -E_NOENT;
        inode = found;
        s = *end == '/' ? end + 1 : end;
    }
    *inode_out = inode;
    return 0;
}

static bool decode_one(struct reader *r, const u8 *key, u32 key_len, struct zix_shadow_path *out) {
    struct graindb_ref_info info;
    u32 size = 0;
    struct zix_registration *registration = &r->run->registration;
    assert(key_len > ZIX_KEY_PREFIX_LEN);
    assert(r->scratch != NULL);
    if (graindb_ref_get(r->db, key, key_len, &info) < 0 || info.deleted) return false;
    if (info.object_bytes > ZIX_RECORD_BYTES_MAX) return false;
    if (graindb_get(r->db, info.object_hash, r->run->record, ZIX_RECORD_BYTES_MAX, &size) < 0) return false;
    if (zix_registration_decode(r->run->record, size, registration) < 0) return false;
    memset(out, 0, sizeof *out);
    str_copy(out->path, sizeof out->path, registration->path);
    out->path_fnv = zix_path_fnv(registration->path);
    memcpy(out->nar_hash, registration->nar_hash, ZIX_HASH_BYTES);
    out->refs_count = registration->refs_count;
    for (u32 i = 0; i < registration->refs_count; i++) out->refs_fnv[i] = zix_path_fnv(registration->refs[i]);
    return true;
}

bool zix_store_read(struct sim *sim, struct platform *node) {
    struct zix_node_store *store = &zix_run_get(sim)->stores[node->id];
    struct reader r = reader_begin(sim, node);
    assert(node->id < NODES_MAX);
    store->valid = false;
    store->count = 0;
    bool readable = true;
    u32 refs = graindb_ref_count(r.db);
    for (u32 i = 0; i < refs && readable; i++) {
        u8 key[GRAINDB_KEY_LEN_MAX];
        u32 key_len = 0;
        struct graindb_ref_info info;
        if (graindb_ref_at(r.db, i, key, &key_len, &info) < 0) continue;
        if (info.deleted || key_len <= ZIX_KEY_PREFIX_LEN || !mem_equal(key, ZIX_RECORD_KEY_PREFIX, ZIX_KEY_PREFIX_LEN)) continue;
        if (store->count == ZIX_SHADOW_PATHS_MAX) readable = false;
        if (readable) readable = decode_one(&r, key, key_len, &store->paths[store->count++]);
    }
    reader_end(&r);
    if (!readable) sim->zix.unchecked++;
    store->valid = readable;
    return readable;
}

// A link's target names a store path, or a path inside one: that store path's FNV-1a.
static bool root_target(const char *target, u64 *fnv_out) {
    u32 hash_offset = 0, name_offset = 0;
    char path[ZIX_STORE_PATH_LEN_MAX + 1];
    u32 length = 0;
    assert(target != NULL);
    assert(fnv_out != NULL);
    while (target[length] != '\0' && length < ZIX_STORE_PATH_LEN_MAX) {
        if (length > ZIX_STORE_DIR_LEN && target[length] == '/') break;
        path[length] = target[length];
        length++;
    }
    path[length] = '\0';
    if (!zix_store_path_parse(path, &hash_offset, &name_offset)) return false;
    *fnv_out = zix_path_fnv(path);
    return true;
}

// One link's target (its bytes: one chunk), NUL-terminated; false when unreadable.
static bool read_link(struct reader *r, u64 inode, char *target, u32 capacity) {
    struct fs_inode link;
    u32 size = 0;
    assert(capacity > 0);
    if (!read_inode(r, inode, &link) || link.type != ABI_TYPE_SYMLINK) return false;
    if (link.chunk_count != 1 || link.size_bytes >= capacity) return false;
    if (graindb_get(r->db, link.chunks[0], r->scratch->object, GRAINDB_OBJECT_BYTES_MAX, &size) < 0) return false;
    if (size != link.size_bytes) return false;
    memcpy(target, r->scratch->object, size);
    target[size] = '\0';
    return true;
}

bool zix_roots_read(struct sim *sim, struct platform *node) {
    struct zix_node_store *store = &zix_run_get(sim)->stores[node->id];
    struct reader r = reader_begin(sim, node);
    u64 dir_inode = 0;
    struct fs_inode dir;
    assert(node->id < NODES_MAX);
    store->roots_valid = false;
    store->roots_count = 0;
    i64 found = lookup(&r, ZIX_ROOTS_DIR, &dir_inode);
    bool readable = found == -E_NOENT || (found == 0 && read_inode(&r, dir_inode, &dir) && read_entries(&r, &dir));
    u32 count = found == 0 && readable ? r.scratch->decode->entries_count : 0;
    u64 links[FS_DIR_ENTRIES_MAX];
    for (u32 i = 0; i < count; i++) links[i] = r.scratch->decode->entries[i].inode;
    for (u32 i = 0; i < count && readable; i++) {
        char target[ABI_PATH_LEN_MAX + 1];
        u64 fnv = 0;
        struct fs_inode inode;
        if (!read_inode(&r, links[i], &inode)) readable = false;
        if (!readable || inode.type != ABI_TYPE_SYMLINK) continue; // the GC roots only links
        if (!read_link(&r, links[i], target, sizeof target)) readable = false;
        if (!readable || !root_target(target, &fnv)) continue;
        if (store->roots_count == ZIX_SHADOW_ROOTS_MAX) readable = false;
        if (readable) store->roots_fnv[store->roots_count++] = fnv;
    }
    reader_end(&r);
    if (!readable) sim->zix.unchecked++;
    store->roots_valid = readable;
    return readable;
}

// zix_closure_complete over the registrations just read.
void zix_check_closure(struct sim *sim, struct platform *node) {
    const struct zix_node_store *store = &zix_run_get(sim)->stores[node->id];
    assert(store->valid);
    sim->invariant_checks[INV_ZIX_CLOSURE_COMPLETE]++;
    for (u32 i = 0; i < store->count; i++) {
        const struct zix_shadow_path *path = &store->paths[i];
        for (u32 r = 0; r < path->refs_count; r++) {
            bool found = false;
            for (u32 j = 0; j < store->count && !found; j++) found = store->paths[j].path_fnv == path->refs_fnv[r];
            if (found) continue;
            zix_violation(sim, node, INV_ZIX_CLOSURE_COMPLETE,
                          "%s is registered with reference %u of %u (FNV-1a %016" PRIx64 ") not registered", path->path,
                          r, path->refs_count, path->refs_fnv[r]);
        }
    }
}

// A running build's output may stand in /zix/store unregistered.
static bool building(const struct platform *node, u64 path_fnv) {
    const struct zix_host *host = &node->kernel.zix;
    assert(node->kernel.run_state == KERNEL_RUNNING);
    for (u32 i = 0; i < ABI_ZIX_BUILDS_MAX; i++) {
        if (host->builds[i].state == ZIX_SLOT_FREE) continue;
        if (zix_path_fnv(host->builds[i].store_path) == path_fnv) return true;
    }
    return false;
}

static bool registered_fnv(const struct zix_node_store *store, u64 path_fnv) {
    assert(store->count <= ZIX_SHADOW_PATHS_MAX);
    for (u32 i = 0; i < store->count; i++) {
        if (store->paths[i].path_fnv == path_fnv) return true;
    }
    return false;
}

// zix_all_or_nothing, after a boot's leftover removal.
void zix_check_all_or_nothing(struct sim *sim, struct platform *node) {
    const struct zix_node_store *store = &zix_run_get(sim)->stores[node->id];
    struct reader r = reader_begin(sim, node);
    u64 dir_inode = 0;
    struct fs_inode dir;
    assert(store->valid);
    bool readable = lookup(&r, ZIX_STORE_DIR, &dir_inode) == 0 && read_inode(&r, dir_inode, &dir) && read_entries(&r, &dir);
    u32 count = readable ? r.scratch->decode->entries_count : 0;
    u64 *entries_fnv = r.run->store_entries_fnv;
    char (*names)[ZIX_STORE_PATH_LEN_MAX + 1] = r.run->store_entries;
    STATIC_ASSERT(ARRAY_COUNT(r.run->store_entries) == FS_DIR_ENTRIES_MAX);
    for (u32 i = 0; i < count; i++) {
        snprintf(names[i], ZIX_STORE_PATH_LEN_MAX + 1, "%s/%s", ZIX_STORE_DIR, r.scratch->decode->entries[i].name);
        entries_fnv[i] = zix_path_fnv(names[i]);
    }
    reader_end(&r);
    if (!readable) {
        sim->zix.unchecked++;
        return;
    }
    sim->invariant_checks[INV_ZIX_ALL_OR_NOTHING]++;
    for (u32 i = 0; i < count; i++) {
        if (registered_fnv(store, entries_fnv[i]) || building(node, entries_fnv[i])) continue;
        zix_violation(sim, node, INV_ZIX_ALL_OR_NOTHING, "%s stands in the store unregistered after the boot's leftover removal",
                      names[i]);
    }
    for (u32 j = 0; j < store->count; j++) {
        bool present = false;
        for (u32 i = 0; i < count && !present; i++) present = entries_fnv[i] == store->paths[j].path_fnv;
        if (present) continue;
        zix_violation(sim, node, INV_ZIX_ALL_OR_NOTHING, "%s is registered but has no entry in %s", store->paths[j].path,
                      ZIX_STORE_DIR);
    }
}

// ---- tree hashes (zix_registered_contents_hash) ---------------------------------------
// One file or link fed to the tree's hash: 0, -E_IO (unreadable: an error, never other
// bytes), -E_BUSY (open in the kernel: the database may not hold its bytes yet), or
// -E_INVAL (a node the serialization has no form for).
static i64 feed_leaf(struct reader *r, const struct fs_inode *inode) {
    struct zix_nar *nar = &r->run->nar;
    assert(inode->type != ABI_TYPE_DIRECTORY);
    if (fs_file_find(&r->node->kernel, inode->inode) < FS_OPEN_FILES_MAX) return -E_BUSY;
    if (inode->type == ABI_TYPE_SYMLINK) {
        char target[ABI_PATH_LEN_MAX + 1];
        if (!read_link(r, inode->inode, target, sizeof target)) return -E_IO;
        zix_nar_symlink(nar, target);
        return 0;
    }
    if (inode->type != ABI_TYPE_FILE) return -E_INVAL;
    u64 chunks = (inode->size_bytes + FS_CHUNK_BYTES - 1) / FS_CHUNK_BYTES;
    if (inode->chunk_count != chunks) return -E_IO;
    for (u32 c = 0; c < chunks; c++) { // every chunk present before any is fed
        if (!graindb_contains(r->db, inode->chunks[c])) return -E_IO;
    }
    zix_nar_file_begin(nar, (inode->mode & ZIX_MODE_EXECUTABLE) != 0, inode->size_bytes);
    for (u32 c = 0; c < chunks; c++) {
        u64 left = inode->size_bytes - (u64)c * FS_CHUNK_BYTES;
        u32 expected = left < FS_CHUNK_BYTES ? (u32)left : FS_CHUNK_BYTES;
        u32 size = 0;
        if (graindb_get(r->db, inode->chunks[c], r->scratch->object, GRAINDB_OBJECT_BYTES_MAX, &size) < 0) return -E_IO;
        if (size != expected) return -E_IO;
        zix_nar_file_bytes(nar, r->scratch->object, size);
    }
    return 0;
}

// The next step of a directory walk: 1 while it goes on, 0 at its end, or an error.
static i64 walk_next(struct reader *r, u32 *depth, u32 *nodes) {
    struct zix_nar *nar = &r->run->nar;
    struct zix_tree_frame *frame = &r->run->frames[*depth - 1];
    struct fs_inode inode;
    assert(*depth >= 1);
    if (!read_inode(r, frame->inode, &inode) || inode.type != ABI_TYPE_DIRECTORY) return -E_IO;
    if (!read_entries(r, &inode)) return -E_IO;
    if (frame->next >= r->scratch->decode->entries_count) {
        zix_nar_directory_end(nar);
        *depth -= 1;
        return *depth > 0 ? 1 : 0;
    }
    struct fs_dirent entry = r->scratch->decode->entries[frame->next++];
    if (++*nodes > ZIX_OUTPUT_NODES_MAX) return -E_INVAL;
    zix_nar_entry(nar, entry.name);
    if (!read_inode(r, entry.inode, &inode)) return -E_IO;
    if (inode.type != ABI_TYPE_DIRECTORY) {
        i64 fed = feed_leaf(r, &inode);
        return fed < 0 ? fed : 1;
    }
    if (*depth >= ZIX_NAR_DEPTH_MAX) return -E_INVAL;
    zix_nar_directory_begin(nar);
    r->run->frames[*depth] = (struct zix_tree_frame){.inode = entry.inode, .next = 0};
    *depth += 1;
    return 1;
}

static i64 tree_hash(struct reader *r, u64 root, u8 hash[ZIX_HASH_BYTES]) {
    struct zix_nar *nar = &r->run->nar;
    struct fs_inode inode;
    u64 size_bytes = 0;
    assert(root != 0);
    zix_nar_begin(nar, NULL, 0);
    if (!read_inode(r, root, &inode)) return -E_IO;
    if (inode.type != ABI_TYPE_DIRECTORY) {
        i64 fed = feed_leaf(r, &inode);
        if (fed < 0) return fed;
        zix_nar_end(nar, hash, &size_bytes);
        return 0;
    }
    zix_nar_directory_begin(nar);
    r->run->frames[0] = (struct zix_tree_frame){.inode = root, .next = 0};
    u32 depth = 1, nodes = 1;
    i64 result = 1;
    while (result == 1) result = walk_next(r, &depth, &nodes);
    if (result < 0) return result;
    zix_nar_end(nar, hash, &size_bytes);
    return 0;
}

void zix_check_tree_hash(struct sim *sim, struct platform *node, u32 index) {
    const struct zix_node_store *store = &zix_run_get(sim)->stores[node->id];
    assert(index < store->count);
    const struct zix_shadow_path *path = &store->paths[index];
    if (zix_root_written(sim, node, path->path_fnv)) { sim->zix.unchecked++; return; } // root's doing
    struct reader r = reader_begin(sim, node);
    u64 root = 0;
    u8 hash[ZIX_HASH_BYTES];
    i64 result = lookup(&r, path->path, &root);
    if (result == 0) result = tree_hash(&r, root, hash);
    reader_end(&r);
    sim->zix.trees_hashed++;
    if (result == -E_BUSY) sim->zix.unchecked++;
    if (result < 0 && result != -E_BUSY) sim->zix.trees_unreadable++;
    if (result < 0) return;
    sim->invariant_checks[INV_ZIX_REGISTERED_CONTENTS_HASH]++;
    if (mem_equal(hash, path->nar_hash, ZIX_HASH_BYTES)) return;
    zix_violation(sim, node, INV_ZIX_REGISTERED_CONTENTS_HASH, "%s hashes to %016" PRIx64 ", registered %016" PRIx64,
                  path->path, load_u64_le(hash), load_u64_le(path->nar_hash));
}

// ---- sandbox accesses (zix_builder_reads_inside_inputs) --------------------------------
// The inodes of the trees a build may reach (absent ones skipped); their count.
static u32 allowed_inodes(struct reader *r, const struct zix_build *build, u64 *out, u32 capacity) {
    u32 count = 0;
    assert(capacity >= build->inputs_count + 4);
    const char *fixed[] = {build->out_path, build->tmp_path, "/bin", "/test"};
    for (u32 i = 0; i < ARRAY_COUNT(fixed); i++) {
        if (fixed[i][0] == '/' && lookup(r, fixed[i], &out[count]) == 0) count++;
    }
    for (u32 i = 0; i < build->inputs_count && i < ZIX_REFS_MAX; i++) {
        if (lookup(r, build->inputs[i], &out[count]) == 0) count++;
    }
    return count;
}

static bool among(const u64 *inodes, u32 count, u64 inode) {
    assert(count <= ZIX_REFS_MAX + 4);
    for (u32 i = 0; i < count; i++) {
        if (inodes[i] == inode) return true;
    }
    return false;
}

void zix_check_access(struct sim *sim, struct platform *node, const struct zix_access *access) {
    assert(access != NULL);
    assert(access->build_id != 0);
    const struct zix_build *build = zix_build_of(node, access->build_id);
    if (build == NULL) {
        sim->zix.unchecked++;
        return;
    }
    struct reader r = reader_begin(sim, node);
    u64 allowed[ZIX_REFS_MAX + 4];
    u32 count = allowed_inodes(&r, build, allowed, ARRAY_COUNT(allowed));
    bool inside = among(allowed, count, access->inode), readable = true;
    u64 at = access->directory_inode;
    for (u32 i = 0; i < ZIX_PARENTS_MAX && !inside && readable; i++) {
        struct fs_inode dir;
        inside = among(allowed, count, at);
        readable = read_inode(&r, at, &dir) && dir.type == ABI_TYPE_DIRECTORY;
        if (!readable || dir.parent == at) break; // the root is its own parent
        at = dir.parent;
    }
    reader_end(&r);
    sim->zix.sandbox_allowed++;
    if (!inside && !readable) {
        sim->zix.unchecked++;
        return;
    }
    sim->invariant_checks[INV_ZIX_BUILDER_READS_INSIDE_INPUTS]++;
    if (inside) return;
    zix_violation(sim, node, INV_ZIX_BUILDER_READS_INSIDE_INPUTS,
                  "build %u (%s): syscall %u reached inode %" PRIu64 " in directory %" PRIu64
                  ", outside its output, temporary directory, %u inputs, /bin and /test",
                  access->build_id, build->store_path, access->syscall, access->inode, access->directory_inode,
                  build->inputs_count);
}
