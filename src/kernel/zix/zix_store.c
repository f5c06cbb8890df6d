// Registrations: a registered store path is the GrainDB ref "zix/<hash part>" on the
// filesystem's database, whose object is the path's encoded registration record. The
// record is written (and deleted) as one batch of its own, so a registration exists
// whole or not at all; the tree under /zix/store is the filesystem's, and an entry there
// without its ref is a leftover (zix_store_remove_leftovers).
#include "kernel/zix/internal.h"

#include "kernel/lib/mem.h"
#include "kernel/observe.h"
#include "kernel/trace_events.h"

#define ZIX_RECORD_KEY_BYTES_MAX (sizeof ZIX_RECORD_KEY_PREFIX - 1u + ZIX_PATH_HASH_CHARS)

// The registrations' keys are the ones the filesystem leaves free beside its inodes.
STATIC_ASSERT(ZIX_STORE_PATHS_MAX <= FS_RECORD_KEYS_MAX);
// /zix/store is one directory: every registered path is one of its entries.
STATIC_ASSERT(ZIX_STORE_PATHS_MAX == FS_DIR_ENTRIES_MAX);
STATIC_ASSERT(ZIX_RECORD_BYTES_MAX <= GRAINDB_OBJECT_BYTES_MAX);
STATIC_ASSERT(ZIX_RECORD_KEY_BYTES_MAX <= GRAINDB_KEY_LEN_MAX);

// The key of store_path's registration: -E_INVAL when it is not a store path.
static i64 record_key(const char *store_path, u8 key[ZIX_RECORD_KEY_BYTES_MAX], u32 *key_len) {
    assert(store_path != NULL);
    assert(key_len != NULL);
    u32 hash_offset = 0;
    u32 name_offset = 0;
    if (!zix_store_path_parse(store_path, &hash_offset, &name_offset)) return -E_INVAL;
    u32 prefix_len = sizeof ZIX_RECORD_KEY_PREFIX - 1u;
    mem_copy(key, ZIX_RECORD_KEY_PREFIX, prefix_len);
    mem_copy(key + prefix_len, store_path + hash_offset, ZIX_PATH_HASH_CHARS);
    *key_len = prefix_len + ZIX_PATH_HASH_CHARS;
    return 0;
}

// Whether store_path is registered (its ref exists), without reading its record.
static i64 store_registered(struct kernel *k, const char *store_path) {
    assert(k != NULL);
    assert(store_path != NULL);
    i64 readable = fs_readable(k);
    if (readable < 0) return readable; // a closed database answers E_INVAL, a stray name's
    u8 key[ZIX_RECORD_KEY_BYTES_MAX];
    u32 key_len = 0;
    i64 result = record_key(store_path, key, &key_len);
    if (result < 0) return result;
    struct graindb_ref_info info;
    result = graindb_ref_get(&k->fs.db, key, key_len, &info);
    if (result < 0) return result;
    return info.deleted ? -E_NOENT : 0;
}

i64 zix_store_lookup(struct kernel *k, const char *store_path, struct zix_registration *out) {
    assert(k != NULL);
    assert(out != NULL);
    i64 result = fs_readable(k);
    if (result < 0) return result;
    u8 key[ZIX_RECORD_KEY_BYTES_MAX];
    u32 key_len = 0;
    result = record_key(store_path, key, &key_len);
    if (result < 0) return result;
    u32 size = 0;
    result = graindb_ref_read(&k->fs.db, key, key_len, k->zix.record_bytes, sizeof k->zix.record_bytes, &size);
    if (result == -E_2BIG) return -E_BADMSG; // no record of ours is that large
    if (result < 0) return result;
    result = zix_registration_decode(k->zix.record_bytes, size, out);
    if (result < 0) return -E_BADMSG;
    // A record under another path's key (two paths sharing a hash part, or a record
    // written wrongly) must not answer for this path.
    if (!str_equal(out->path, store_path)) return -E_BADMSG;
    return 0;
}

// Live registrations: keys with the prefix whose current version is not a tombstone.
static u32 store_registered_count(struct kernel *k) {
    u32 count = graindb_ref_count(&k->fs.db);
    u32 live = 0;
    u32 prefix_len = sizeof ZIX_RECORD_KEY_PREFIX - 1u;
    for (u32 i = 0; i < count; i++) {
        u8 key[GRAINDB_KEY_LEN_MAX];
        u32 key_len = 0;
        struct graindb_ref_info info;
        if (graindb_ref_at(&k->fs.db, i, key, &key_len, &info) < 0 || info.deleted) continue;
        if (key_len > prefix_len && mem_equal(key, ZIX_RECORD_KEY_PREFIX, prefix_len)) live++;
    }
    assert(live <= count);
    return live;
}

i64 zix_store_register(struct kernel *k, const struct zix_registration *registration) {
    assert(k != NULL);
    assert(registration != NULL);
    i64 result = fs_usable(k);
    if (result < 0) return result;
    u8 key[ZIX_RECORD_KEY_BYTES_MAX];
    u32 key_len = 0;
    result = record_key(registration->path, key, &key_len);
    if (result < 0) return result;
    // A path registered again (a repair) keeps its key: only a new one needs room.
    if (store_registered(k, registration->path) != 0 && store_registered_count(k) >= ZIX_STORE_PATHS_MAX) {
        return -E_AGAIN;
    }
    i64 length = zix_registration_encode(registration, k->zix.record_bytes, sizeof k->zix.record_bytes);
    if (length < 0) return length;
    // Not a change of the filesystem (no name, no inode): no door, a batch of its own.
    u8 hash[GRAINDB_HASH_BYTES];
    result = graindb_batch_begin(&k->fs.db);
    if (result < 0) return result;
    result = graindb_batch_put_object(&k->fs.db, k->zix.record_bytes, (u32)length, hash);
    if (result == 0) result = graindb_batch_set_ref(&k->fs.db, key, key_len, hash);
    if (result == 0) result = fs_record_commit(k);
    else fs_record_abort(k, result);
    return result;
}

i64 zix_store_unregister(struct kernel *k, const char *store_path) {
    assert(k != NULL);
    assert(store_path != NULL);
    i64 result = fs_usable(k);
    if (result < 0) return result;
    u8 key[ZIX_RECORD_KEY_BYTES_MAX];
    u32 key_len = 0;
    result = record_key(store_path, key, &key_len);
    if (result < 0) return result;
    result = graindb_batch_begin(&k->fs.db);
    if (result < 0) return result;
    result = graindb_batch_delete_ref(&k->fs.db, key, key_len);
    if (result == 0) result = fs_record_commit(k);
    else fs_record_abort(k, result);
    return result;
}

// The entries of directory absolute, copied out of the filesystem's scratch (which the
// next lookup overwrites) into the store's: their count, or -error.
static i64 store_copy_entries(struct kernel *k, const char *absolute) {
    assert(absolute[0] == '/');
    i64 count = fs_list_at(k, absolute);
    if (count < 0) return count;
    assert(count <= FS_DIR_ENTRIES_MAX);
    struct zix_store_scratch *scratch = &k->zix.store;
    for (u32 i = 0; i < (u32)count; i++) {
        str_copy(scratch->names[i], sizeof scratch->names[i], k->fs.entries[i].name);
        scratch->types[i] = (u8)k->fs.entries[i].type;
    }
    return count;
}

// dir + "/" + name into out (capacity ABI_PATH_LEN_MAX): false when it does not fit.
static bool store_join(const char *dir, const char *name, char *out) {
    assert(dir[0] == '/');
    assert(name != NULL);
    u64 dir_len = str_len_bounded(dir, ABI_PATH_LEN_MAX);
    u64 name_len = str_len_bounded(name, ABI_PATH_LEN_MAX);
    if (dir_len + 1 + name_len + 1 > ABI_PATH_LEN_MAX) return false;
    mem_copy(out, dir, dir_len);
    out[dir_len] = '/';
    mem_copy(out + dir_len + 1, name, name_len);
    out[dir_len + 1 + name_len] = '\0';
    return true;
}

i64 zix_store_list(struct kernel *k, char (*out)[ZIX_STORE_PATH_LEN_MAX + 1]) {
    assert(k != NULL);
    assert(out != NULL);
    i64 count = store_copy_entries(k, ZIX_STORE_DIR);
    if (count < 0) return count;
    u32 kept = 0;
    for (u32 i = 0; i < (u32)count; i++) {
        char path[ABI_PATH_LEN_MAX];
        if (!store_join(ZIX_STORE_DIR, k->zix.store.names[i], path)) continue;
        if (str_len_bounded(path, ABI_PATH_LEN_MAX) > ZIX_STORE_PATH_LEN_MAX) continue;
        i64 result = store_registered(k, path);
        if (result == -E_NOENT || result == -E_INVAL) continue; // a leftover, or a stray name
        if (result < 0) return result;
        str_copy(out[kept], ZIX_STORE_PATH_LEN_MAX + 1, path);
        kept++; // sorted: the directory's entries are, and a subsequence keeps the order
    }
    assert(kept <= ZIX_STORE_PATHS_MAX);
    return kept;
}

// Whether a running build uses path (its output, its rebuild's, its temporary
// directory): never a leftover, whenever this is called.
static bool store_used_by_a_build(const struct kernel *k, const char *path) {
    for (u32 i = 0; i < ABI_ZIX_BUILDS_MAX; i++) {
        const struct zix_build *build = &k->zix.builds[i];
        if (build->state != ZIX_SLOT_RUNNING) continue;
        if (str_equal(build->store_path, path) || str_equal(build->out_path, path)) return true;
        if (str_equal(build->tmp_path, path)) return true;
    }
    return false;
}

// Removes every entry of dir (kind: 1 store, 2 check, 3 tmp); in the store, only those
// without a registration. Traced per entry with the result.
static void store_remove_entries(struct kernel *k, const char *dir, u64 kind) {
    assert(kind >= 1);
    assert(kind <= 3);
    i64 count = store_copy_entries(k, dir);
    if (count < 0) {
        if (count != -E_NOENT) klog(k, LOG_WARN, "zix: %s unreadable (error %lld)", dir, (long long)-count);
        return;
    }
    // Walked from the last entry, so removing one does not move those still to come.
    for (u32 i = (u32)count; i-- > 0;) {
        char path[ABI_PATH_LEN_MAX];
        if (!store_join(dir, k->zix.store.names[i], path)) continue;
        // Only a name surely without a ref goes: an unreadable ref keeps its tree.
        i64 registered = kind == 1 ? store_registered(k, path) : -E_NOENT;
        if (registered != -E_NOENT && registered != -E_INVAL) continue;
        if (store_used_by_a_build(k, path)) continue;
        i64 result = zix_tree_remove(k, path);
        observe_trace(k->platform, TRACE_ZIX_LEFTOVER_REMOVED, bytes_digest(path, str_len_bounded(path, ABI_PATH_LEN_MAX)),
                      kind, (u64)result);
        if (result < 0) klog(k, LOG_WARN, "zix: leftover %s not removed (error %lld)", path, (long long)-result);
        else klog(k, LOG_INFO, "zix: leftover %s removed", path);
    }
}

void zix_store_remove_leftovers(struct kernel *k) {
    assert(k != NULL);
    if (fs_usable(k) < 0) return; // nothing to clean on a disk that cannot be written
    store_remove_entries(k, ZIX_STORE_DIR, 1);
    store_remove_entries(k, ZIX_CHECK_DIR, 2);
    store_remove_entries(k, ZIX_TMP_DIR, 3);
    assert(k->fs.state == FS_MOUNTED);
}
