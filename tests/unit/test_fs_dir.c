// Directories of FS_DIR_ENTRIES_MAX (1024) entries, on a booted kernel (one simulated
// node, a blank disk, first boot done): a directory filled with the longest names in a
// scrambled order reads back whole and sorted from several objects, loses names, gains
// them by renames, refuses the 1025th; a rename between two full directories that
// outgrows one GrainDB batch is refused whole (-E_NOSPC, nothing committed); and the
// on-disk forms: a small directory keeps its one-object bytes, and malformed
// multi-object directories decode as -E_BADMSG, never a crash.
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/lib/endian.h"
#include "sim/invariants/invariant_storage.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_sim.h"
#include "kernel/fs/internal.h"

#define DISK_BYTES (32ull << 20)
#define STEPS_MAX 200000u
#define PERMUTE_STRIDE 389u // odd, prime to 1024: visits every index once, out of order

static struct fs decoded; // a decode target as large as the kernel's
static struct fs expect;

// Name i of directory `tag`: NAME_LEN_MAX bytes, sorting by i.
static void long_name(char tag, u32 i, char out[NAME_LEN_MAX + 1]) {
    snprintf(out, NAME_LEN_MAX + 1, "%c%05u", tag, i);
    size_t used = strlen(out);
    memset(out + used, 'x', NAME_LEN_MAX - used);
    out[NAME_LEN_MAX] = '\0';
}

static void at_path(char tag, u32 i, const char *dir, char out[PATH_LEN_MAX]) {
    char name[NAME_LEN_MAX + 1];
    long_name(tag, i, name);
    snprintf(out, PATH_LEN_MAX, "%s/%s", dir, name);
}

static i64 create_in(struct kernel *k, const char *dir, char tag, u32 i) {
    char text[PATH_LEN_MAX];
    at_path(tag, i, dir, text);
    struct fs_inode inode;
    return fs_create_at(k, text, ABI_TYPE_FILE, 0644, &inode);
}

static i64 remove_in(struct kernel *k, const char *dir, char tag, u32 i) {
    char text[PATH_LEN_MAX];
    at_path(tag, i, dir, text);
    return fs_remove_at(k, text);
}

static i64 rename_as_root(struct kernel *k, const char *from_dir, char from_tag, u32 from_i, const char *to_dir,
                          char to_tag, u32 to_i) {
    char from_text[PATH_LEN_MAX], to_text[PATH_LEN_MAX];
    at_path(from_tag, from_i, from_dir, from_text);
    at_path(to_tag, to_i, to_dir, to_text);
    struct path from, to;
    struct cred root = cred_of_user(ABI_UID_ROOT);
    i64 result = path_resolve("/", from_text, &from);
    if (result == 0) result = path_resolve("/", to_text, &to);
    return result == 0 ? fs_rename(k, &root, &from, &to) : result;
}

static u32 chunks_of(struct kernel *k, const char *dir) {
    struct fs_inode inode;
    return fs_lookup_at(k, dir, &inode) == 0 ? inode.chunk_count : 0;
}

// Whether dir lists exactly the names (tag, i) for which want[i], in order.
static bool lists(struct kernel *k, const char *dir, char tag, const bool *want, u32 count) {
    i64 listed = fs_list_at(k, dir);
    if (listed < 0) return false;
    u32 at = 0;
    for (u32 i = 0; i < count; i++) {
        if (!want[i]) continue;
        char name[NAME_LEN_MAX + 1];
        long_name(tag, i, name);
        if (at >= (u32)listed || strcmp(k->fs.entries[at].name, name) != 0) return false;
        at++;
    }
    return at == (u32)listed;
}

static bool fill(struct kernel *k, const char *dir, char tag, u32 count, const bool *skip) {
    bool ok = true;
    for (u32 step = 0; step < FS_DIR_ENTRIES_MAX && ok; step++) {
        u32 i = (step * PERMUTE_STRIDE) % FS_DIR_ENTRIES_MAX;
        if (i >= count || (skip != NULL && skip[i])) continue;
        ok = create_in(k, dir, tag, i) == 0;
    }
    return ok;
}

static bool want_a[FS_DIR_ENTRIES_MAX];

static void test_full_directory(struct kernel *k) {
    struct fs_inode dir;
    bool ok = fs_create_at(k, "/root/a", ABI_TYPE_DIRECTORY, 0755, &dir) == 0;
    ok = ok && fill(k, "/root/a", 'a', FS_DIR_ENTRIES_MAX, NULL);
    for (u32 i = 0; i < FS_DIR_ENTRIES_MAX; i++) want_a[i] = true;
    UNIT_CHECK("1024_entries_of_the_longest_names_are_made", ok);
    u32 chunks = chunks_of(k, "/root/a");
    printf("# a directory of %u names of %u bytes: %u objects\n", FS_DIR_ENTRIES_MAX, NAME_LEN_MAX, chunks);
    UNIT_CHECK("it_is_stored_in_several_objects", chunks >= 3 && chunks <= FS_DIR_CHUNKS_MAX);
    UNIT_CHECK("they_read_back_whole_and_in_order", lists(k, "/root/a", 'a', want_a, FS_DIR_ENTRIES_MAX));
    u64 seq = graindb_commit_seq(&k->fs.db);
    UNIT_CHECK("the_1025th_is_refused", create_in(k, "/root/a", 'b', 0) == -E_NOSPC &&
                                            graindb_commit_seq(&k->fs.db) == seq &&
                                            lists(k, "/root/a", 'a', want_a, FS_DIR_ENTRIES_MAX));
    struct fs_inode found;
    char text[PATH_LEN_MAX];
    at_path('a', FS_DIR_ENTRIES_MAX - 1, "/root/a", text);
    UNIT_CHECK("the_last_name_is_found", fs_lookup_at(k, text, &found) == 0 && found.type == ABI_TYPE_FILE);
    for (u32 i = 0; i < FS_DIR_ENTRIES_MAX && ok; i += 3) {
        ok = remove_in(k, "/root/a", 'a', i) == 0;
        want_a[i] = false;
    }
    UNIT_CHECK("every_third_name_is_removed", ok && lists(k, "/root/a", 'a', want_a, FS_DIR_ENTRIES_MAX));
    UNIT_CHECK("and_the_directory_shrinks", chunks_of(k, "/root/a") == 2);
}

static bool want_b[FS_DIR_ENTRIES_MAX];

static void test_renames(struct kernel *k) {
    struct fs_inode dir;
    bool ok = fs_create_at(k, "/root/b", ABI_TYPE_DIRECTORY, 0755, &dir) == 0;
    // Across: a's names 1, 4, 7, ... (kept so far) go to b under b's names.
    for (u32 i = 1; i < FS_DIR_ENTRIES_MAX && ok; i += 3) {
        ok = rename_as_root(k, "/root/a", 'a', i, "/root/b", 'b', i) == 0;
        want_a[i] = false;
        want_b[i] = true;
    }
    UNIT_CHECK("names_move_across", ok && lists(k, "/root/a", 'a', want_a, FS_DIR_ENTRIES_MAX) &&
                                        lists(k, "/root/b", 'b', want_b, FS_DIR_ENTRIES_MAX));
    // Within: b's name 1 becomes b's name 0 (the first of its first object).
    ok = rename_as_root(k, "/root/b", 'b', 1, "/root/b", 'b', 0) == 0;
    want_b[1] = false;
    want_b[0] = true;
    UNIT_CHECK("a_name_moves_within", ok && lists(k, "/root/b", 'b', want_b, FS_DIR_ENTRIES_MAX));
}

// Both directories full of the longest names: a rename whose removal and insertion
// shift every object of both outgrows a batch, and is refused with nothing written;
// one at their ends rewrites their last objects only, and is done.
static void test_rename_beyond_a_batch(struct kernel *k) {
    bool ok = fill(k, "/root/a", 'a', FS_DIR_ENTRIES_MAX, want_a);
    for (u32 i = 0; i < FS_DIR_ENTRIES_MAX; i++) want_a[i] = true;
    // b: names 0..1022, so that one more fits.
    ok = ok && fill(k, "/root/b", 'b', FS_DIR_ENTRIES_MAX, want_b);
    for (u32 i = 0; i < FS_DIR_ENTRIES_MAX; i++) want_b[i] = true;
    ok = ok && remove_in(k, "/root/b", 'b', FS_DIR_ENTRIES_MAX - 1) == 0;
    want_b[FS_DIR_ENTRIES_MAX - 1] = false;
    UNIT_CHECK("two_directories_are_filled", ok && lists(k, "/root/a", 'a', want_a, FS_DIR_ENTRIES_MAX) &&
                                                 lists(k, "/root/b", 'b', want_b, FS_DIR_ENTRIES_MAX));
    u64 seq = graindb_commit_seq(&k->fs.db);
    struct fs_inode a_before, b_before, a_after, b_after;
    ok = fs_lookup_at(k, "/root/a", &a_before) == 0 && fs_lookup_at(k, "/root/b", &b_before) == 0;
    // 'B' sorts before 'b': every object of b shifts by one entry, to contents b never
    // had (GrainDB does not stage again an object it holds: b full had other bounds).
    i64 result = rename_as_root(k, "/root/a", 'a', 0, "/root/b", 'B', 0);
    ok = ok && fs_lookup_at(k, "/root/a", &a_after) == 0 && fs_lookup_at(k, "/root/b", &b_after) == 0;
    printf("# a rename between two full directories of the longest names: %lld\n", (long long)result);
    UNIT_CHECK("a_rename_beyond_a_batch_is_refused", result == -E_NOSPC && !graindb_failed(&k->fs.db));
    UNIT_CHECK("and_nothing_is_written",
               ok && graindb_commit_seq(&k->fs.db) == seq && a_after.version == a_before.version &&
                   b_after.version == b_before.version && lists(k, "/root/a", 'a', want_a, FS_DIR_ENTRIES_MAX) &&
                   lists(k, "/root/b", 'b', want_b, FS_DIR_ENTRIES_MAX));
    result = rename_as_root(k, "/root/a", 'a', FS_DIR_ENTRIES_MAX - 1, "/root/b", 'b', FS_DIR_ENTRIES_MAX);
    want_a[FS_DIR_ENTRIES_MAX - 1] = false;
    UNIT_CHECK("a_rename_at_their_ends_fits", result == 0 && fs_list_at(k, "/root/b") == FS_DIR_ENTRIES_MAX &&
                                                  lists(k, "/root/a", 'a', want_a, FS_DIR_ENTRIES_MAX));
}

// The simulator's walk of the stored tree (directory_tree_consistent) reads the
// directories of several objects: a violation would end the test before its "ok".
static void test_simulator_walks_the_tree(struct sim *sim) {
    struct platform *node = sim->nodes[0];
    u64 before = sim->invariant_checks[INV_DIRECTORY_TREE_CONSISTENT];
    struct storage_scratch *scratch = storage_inspection_begin(sim, node, true);
    storage_check_tree(sim, node, scratch);
    storage_inspection_end(node, scratch);
    UNIT_CHECK("the_simulators_tree_walk_reads_them", sim->invariant_checks[INV_DIRECTORY_TREE_CONSISTENT] > before &&
                                                        chunks_of(&node->kernel, "/root/b") == 3);
}

static void add_entry(struct fs *fs, const char *name, u64 inode) {
    bool found = false;
    u32 at = fs_entry_find(fs, name, &found);
    i64 result = fs_entry_insert(fs, at, inode, ABI_TYPE_FILE, 1000, name);
    if (found || result != 0) abort();
}

// Encodes fs's entries into objects[] (their sizes in sizes[]); returns their count.
static u32 encode_all(struct fs *fs, u8 objects[][GRAINDB_OBJECT_BYTES_MAX], u32 *sizes) {
    u32 first = 0, count = 0;
    do {
        i64 size = fs_directory_encode_chunk(fs, count, &first);
        if (size < 0) abort();
        memcpy(objects[count], fs->object_buffer, (size_t)size);
        sizes[count++] = (u32)size;
    } while (first < fs->entries_count);
    return count;
}

static i64 decode_all(u8 objects[][GRAINDB_OBJECT_BYTES_MAX], const u32 *sizes, u32 count) {
    decoded.entries_count = 0;
    for (u32 c = 0; c < count; c++) {
        i64 result = fs_directory_decode_chunk(&decoded, objects[c], sizes[c], c, count);
        if (result < 0) return result;
    }
    return 0;
}

static u8 objects[FS_DIR_CHUNKS_MAX + 1][GRAINDB_OBJECT_BYTES_MAX];
static u8 saved[GRAINDB_OBJECT_BYTES_MAX];

static void test_small_directory_bytes(void) {
    memset(&expect, 0, sizeof expect);
    add_entry(&expect, "hi", 0x0102030405060708ull);
    u32 sizes[FS_DIR_CHUNKS_MAX];
    u32 count = encode_all(&expect, objects, sizes);
    static const u8 bytes[] = {'G', 'B', 'D', '2', 1, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1,
                               0xe8, 3, 0, 0, ABI_TYPE_FILE, 2, 'h', 'i'};
    UNIT_CHECK("a_small_directory_keeps_its_one_object_bytes",
               count == 1 && sizes[0] == sizeof bytes && memcmp(objects[0], bytes, sizeof bytes) == 0);
    expect.entries_count = 0;
    count = encode_all(&expect, objects, sizes);
    UNIT_CHECK("an_empty_one_is_one_object_of_no_entries", count == 1 && sizes[0] == 8 &&
                                                               decode_all(objects, sizes, 1) == 0 &&
                                                               decoded.entries_count == 0);
}

static void test_malformed_directories(void) {
    memset(&expect, 0, sizeof expect);
    for (u32 i = 0; i < FS_DIR_ENTRIES_MAX; i++) {
        char name[NAME_LEN_MAX + 1];
        long_name('m', i, name);
        add_entry(&expect, name, 100 + i);
    }
    u32 sizes[FS_DIR_CHUNKS_MAX + 1];
    u32 count = encode_all(&expect, objects, sizes);
    bool same = decode_all(objects, sizes, count) == 0 && decoded.entries_count == FS_DIR_ENTRIES_MAX &&
                memcmp(decoded.entries, expect.entries, sizeof expect.entries) == 0;
    UNIT_CHECK("a_full_directory_round_trips", count == 3 && same);
    // Each malformation on a copy of object 1, put back after.
    memcpy(saved, objects[1], sizes[1]);
    store_u32_le(objects[1] + 8, 2); // says it is object 2
    UNIT_CHECK("an_object_out_of_its_place", decode_all(objects, sizes, count) == -E_BADMSG &&
                                                 decoded.entries_count == 0);
    memcpy(objects[1], objects[0], sizes[0]); // object 0 again, as object 1: names repeat
    u32 size_1 = sizes[1];
    sizes[1] = sizes[0];
    store_u32_le(objects[1] + 8, 1);
    UNIT_CHECK("names_out_of_order_across_objects", decode_all(objects, sizes, count) == -E_BADMSG);
    sizes[1] = size_1;
    memcpy(objects[1], saved, size_1);
    store_u32_le(objects[1] + 4, load_u32_le(saved + 4) + 1); // one entry more than it holds
    UNIT_CHECK("a_count_beyond_the_bytes", decode_all(objects, sizes, count) == -E_BADMSG);
    store_u32_le(objects[1], 0x32444247u); // the one-object form inside several
    store_u32_le(objects[1] + 4, load_u32_le(saved + 4));
    UNIT_CHECK("the_one_object_form_among_several", decode_all(objects, sizes, count) == -E_BADMSG);
    memcpy(objects[1], saved, size_1);
    sizes[1] = size_1 - 3; // cut inside its last entry
    UNIT_CHECK("a_truncated_object", decode_all(objects, sizes, count) == -E_BADMSG);
    sizes[1] = size_1;
    UNIT_CHECK("whole_again_it_decodes", decode_all(objects, sizes, count) == 0);
    UNIT_CHECK("several_objects_read_as_one", decode_all(objects, sizes, 1) == -E_BADMSG);
    // An empty object of several; objects beyond FS_DIR_CHUNKS_MAX.
    u8 empty[12];
    store_u32_le(empty, 0x33444247u);
    store_u32_le(empty + 4, 0);
    store_u32_le(empty + 8, 0);
    UNIT_CHECK("an_empty_object_of_several", fs_directory_decode_chunk(&decoded, empty, 12, 0, 2) == -E_BADMSG);
    decoded.entries_count = 0;
    UNIT_CHECK("more_objects_than_a_directory_has",
               fs_directory_decode_chunk(&decoded, objects[0], sizes[0], 0, FS_DIR_CHUNKS_MAX + 1) == -E_BADMSG);
}

// Objects each well formed, in order, whose entries together pass
// FS_DIR_ENTRIES_MAX: 300 entries each, names 'p...' then 'q...' and so on; and
// directory inode records with more objects than a directory may have.
static void test_too_many(void) {
    u32 sizes[FS_DIR_CHUNKS_MAX + 1];
    memset(&expect, 0, sizeof expect);
    u32 total = 0, c = 0;
    for (; c < FS_DIR_CHUNKS_MAX; c++) {
        expect.entries_count = 0;
        for (u32 i = 0; i < 300; i++) {
            char name[NAME_LEN_MAX + 1];
            long_name((char)('p' + c), i, name);
            add_entry(&expect, name, 1 + i);
        }
        u32 first = 0;
        i64 size = fs_directory_encode_chunk(&expect, 0, &first);
        if (size < 0 || first != 300) abort();
        memcpy(objects[c], expect.object_buffer, (size_t)size);
        sizes[c] = (u32)size;
        total += first;
    }
    // 300 entries fit one object (the one-object form): given the multi-object header.
    for (c = 0; c < FS_DIR_CHUNKS_MAX; c++) {
        memmove(objects[c] + 12, objects[c] + 8, sizes[c] - 8);
        store_u32_le(objects[c], 0x33444247u);
        store_u32_le(objects[c] + 8, c);
        sizes[c] += 4;
    }
    decoded.entries_count = 0;
    i64 result = 0;
    for (c = 0; c < FS_DIR_CHUNKS_MAX && result == 0; c++) {
        result = fs_directory_decode_chunk(&decoded, objects[c], sizes[c], c, FS_DIR_CHUNKS_MAX);
    }
    UNIT_CHECK("more_entries_than_a_directory_holds", total > FS_DIR_ENTRIES_MAX && result == -E_BADMSG &&
                                                          c == FS_DIR_CHUNKS_MAX && decoded.entries_count == 0);
    struct fs_inode in;
    memset(&in, 0, sizeof in);
    in.inode = 5;
    in.type = ABI_TYPE_DIRECTORY;
    in.nlink = 2;
    in.chunk_count = FS_DIR_CHUNKS_MAX + 1;
    u8 record[FS_INODE_RECORD_BYTES];
    u32 record_size = fs_inode_encode(&in, record);
    struct fs_inode out;
    UNIT_CHECK("a_directory_inode_with_too_many_objects", fs_inode_decode(record, record_size, &out) == -E_BADMSG);
    in.chunk_count = FS_DIR_CHUNKS_MAX;
    record_size = fs_inode_encode(&in, record);
    UNIT_CHECK("and_one_with_as_many_as_it_may", fs_inode_decode(record, record_size, &out) == 0);
}

int main(void) {
    test_small_directory_bytes();
    test_malformed_directories();
    test_too_many();
    struct sim *sim = unit_sim_boot_mounted(13, STEPS_MAX, DISK_BYTES, "init.rounds=0 init.end=idle loglevel=error",
                                            false);
    struct kernel *k = &sim->nodes[0]->kernel;
    test_full_directory(k);
    test_renames(k);
    test_rename_beyond_a_batch(k);
    test_simulator_walks_the_tree(sim);
    sim_destroy(sim);
    UNIT_EXIT();
}
