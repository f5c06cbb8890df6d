// Compaction: a full disk is usable again once its data is deleted; a power cut at any
// sector of a compaction (or of a workload that compacts again and again) leaves a
// database that opens with every acknowledged commit and passes fsck; deleted keys
// are forgotten and their entries reused; links keep linked objects, unreferenced ones
// go; the ref and object limits hold under create/delete loops far larger than them;
// the retention rule; superblock copies that do not read back stop a compaction.
#include "tests/graindb/gdbtest.h"

#define DEVICE_SECTORS 4096u // two zones of 1756 sectors
#define KEYS_COUNT 10u
#define VALUE_BYTES_MAX 6000u

static struct graindb *db = &gdbtest_db;

// ---- a small model: what each key holds (or that it is deleted) ----------------------------
struct slot {
    bool live;
    u32 size;
    u64 seed;
};
static struct slot model[KEYS_COUNT];

static void key_of(char key[16], u32 index) { gdbtest_key(key, index); }

static i64 set_value(u32 k, u32 size, u64 seed) {
    static u8 value[VALUE_BYTES_MAX];
    char key[16];
    key_of(key, k);
    gdbtest_value(value, size, seed);
    i64 rc = graindb_set(db, (const u8 *)key, 16, value, size);
    if (rc == 0) model[k] = (struct slot){true, size, seed};
    return rc;
}

static i64 delete_value(u32 k) {
    char key[16];
    key_of(key, k);
    i64 rc = graindb_delete(db, (const u8 *)key, 16);
    if (rc == 0) model[k].live = false;
    return rc;
}

static const char *check_model(const struct slot *want, u32 count) {
    static u8 expected[GRAINDB_OBJECT_BYTES_MAX], got[GRAINDB_OBJECT_BYTES_MAX];
    for (u32 k = 0; k < count; k++) {
        char key[16];
        key_of(key, k);
        u32 size = 0;
        long long rc = graindb_ref_read(db, (const u8 *)key, 16, got, sizeof(got), &size);
        if (!want[k].live) {
            EXPECT(rc == -E_NOENT, "key %u: want absent, read = %lld", k, rc);
            continue;
        }
        EXPECT(rc == 0, "key %u: read = %lld", k, rc);
        gdbtest_value(expected, want[k].size, want[k].seed);
        EXPECT(size == want[k].size && memcmp(expected, got, size) == 0, "key %u: wrong bytes", k);
    }
    return NULL;
}

static const char *fsck_clean(const char *when) {
    struct graindb_verify_report report;
    long long rc = graindb_verify(db, &report);
    EXPECT(rc == 0, "%s: fsck = %lld, %u problems, first: %s at %llu", when, rc, report.problems_count,
           report.problems_count ? report.problems[0].what : "-",
           report.problems_count ? (unsigned long long)report.problems[0].position : 0ull);
    return NULL;
}

static u64 compactions(void) {
    struct graindb_space space;
    graindb_space(db, &space);
    return space.compactions;
}

// ---- space comes back ---------------------------------------------------------------------
static const char *full_disk_is_usable_again_after_deletes(void) {
    const char *why = gdbtest_fresh(DEVICE_SECTORS, 0xc0);
    if (why) return why;
    static u8 big[GRAINDB_OBJECT_BYTES_MAX];
    u32 keys = 0;
    long long rc = 0;
    for (; keys < 1000 && rc == 0; keys++) { // distinct live values until the zone is full
        char key[16];
        gdbtest_key(key, 100 + keys);
        gdbtest_value(big, sizeof(big), keys);
        rc = graindb_set(db, (const u8 *)key, 16, big, sizeof(big));
    }
    keys--;
    EXPECT(rc == -E_NOSPC && !graindb_failed(db), "filling ended with %lld after %u keys", rc, keys);
    struct graindb_space full;
    graindb_space(db, &full);
    EXPECT(full.used_bytes + GRAINDB_BATCH_BYTES_MAX > full.zone_bytes - full.reserve_bytes,
           "full at %llu of %llu", (unsigned long long)full.used_bytes, (unsigned long long)full.zone_bytes);
    // Deletes shrink the live state: they may use the reserve, also on a full disk.
    for (u32 i = 0; i + 1 < keys; i++) {
        char key[16];
        gdbtest_key(key, 100 + i);
        EXPECT_RC(graindb_delete(db, (const u8 *)key, 16), 0);
    }
    // The next batch compacts: the space of the deleted values is back.
    gdbtest_value(big, sizeof(big), 5000);
    EXPECT_RC(graindb_set(db, (const u8 *)"after-the-deletes", 17, big, sizeof(big)), 0);
    struct graindb_space after;
    graindb_space(db, &after);
    EXPECT(after.compactions >= 1 && after.used_bytes < full.used_bytes / 4 && after.live_bytes > 0 &&
               after.live_bytes < 3 * (GRAINDB_OBJECT_BYTES_MAX + 4096),
           "after the deletes: %llu compactions, used %llu (was %llu), live %llu",
           (unsigned long long)after.compactions, (unsigned long long)after.used_bytes,
           (unsigned long long)full.used_bytes, (unsigned long long)after.live_bytes);
    EXPECT_RC(graindb_compact(db), 0);
    graindb_space(db, &after);
    EXPECT(after.refs_count == 2, "refs after compaction: %u (the deleted keys are forgotten)", after.refs_count);
    char last[16];
    gdbtest_key(last, 100 + keys - 1);
    u32 size = 0;
    static u8 got[GRAINDB_OBJECT_BYTES_MAX];
    EXPECT_RC(graindb_ref_read(db, (const u8 *)last, 16, got, sizeof(got), &size), 0);
    gdbtest_value(big, sizeof(big), keys - 1);
    EXPECT(size == sizeof(big) && memcmp(got, big, size) == 0, "the kept key's value");
    if ((why = fsck_clean("after compaction"))) return why;
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(db->open_stats.checkpoint_used && graindb_commit_seq(db) == after.history_base_seq,
           "reopen: checkpoint %d, commit %llu", db->open_stats.checkpoint_used,
           (unsigned long long)graindb_commit_seq(db));
    return fsck_clean("after reopening");
}

static const char *explicit_compaction_and_space_query(void) {
    const char *why = gdbtest_fresh(DEVICE_SECTORS, 0xc1);
    if (why) return why;
    memset(model, 0, sizeof(model));
    for (u32 round = 0; round < 6; round++) {
        for (u32 k = 0; k < KEYS_COUNT; k++) EXPECT_RC(set_value(k, 3000 + 100 * k, round * 100 + k), 0);
    }
    EXPECT_RC(delete_value(3), 0);
    struct graindb_space before, after;
    graindb_space(db, &before);
    u64 seq = graindb_commit_seq(db);
    u8 root[32], root_after[32];
    graindb_merkle_root(db, root);
    EXPECT_RC(graindb_compact(db), 0);
    graindb_space(db, &after);
    graindb_merkle_root(db, root_after);
    EXPECT(after.compactions == before.compactions + 1 && after.history_base_seq == seq &&
               graindb_commit_seq(db) == seq && memcmp(root, root_after, 32) == 0,
           "compaction changed the state: seq %llu root same %d", (unsigned long long)graindb_commit_seq(db),
           memcmp(root, root_after, 32) == 0);
    EXPECT(after.used_bytes < before.used_bytes / 3 && after.refs_count == KEYS_COUNT - 1 &&
               after.objects_count == KEYS_COUNT - 1,
           "used %llu (was %llu), %u refs, %u objects", (unsigned long long)after.used_bytes,
           (unsigned long long)before.used_bytes, after.refs_count, after.objects_count);
    if ((why = check_model(model, KEYS_COUNT))) return why;
    if ((why = fsck_clean("after graindb_compact"))) return why;
    // Twice more: back to zone 0, then zone 1 again, each a new generation.
    for (u32 i = 0; i < 2; i++) {
        EXPECT_RC(set_value(0, 100, 77 + i), 0);
        EXPECT_RC(graindb_compact(db), 0);
    }
    struct graindb_layout layout;
    graindb_layout(db, &layout);
    EXPECT(layout.generation == 3 && layout.active_zone == 1 && layout.log_first_sector == layout.zone_first_sector[1],
           "generation %llu zone %u", (unsigned long long)layout.generation, layout.active_zone);
    testdev_crash(&gdbtest_dev, CRASH_LOSE, 1);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    if ((why = check_model(model, KEYS_COUNT))) return why;
    return fsck_clean("after reopening generation 3");
}

// ---- retention rule ----------------------------------------------------------------------------
static const char *history_kept_since_the_last_compaction(void) {
    const char *why = gdbtest_fresh(DEVICE_SECTORS, 0xc2);
    if (why) return why;
    const u8 *key = (const u8 *)"motd";
    EXPECT_RC(graindb_set(db, key, 4, (const u8 *)"one", 3), 0);   // commit 1, v1
    EXPECT_RC(graindb_set(db, key, 4, (const u8 *)"two", 3), 0);   // 2, v2
    EXPECT_RC(graindb_set(db, (const u8 *)"gone", 4, (const u8 *)"x", 1), 0); // 3
    EXPECT_RC(graindb_delete(db, (const u8 *)"gone", 4), 0);       // 4
    EXPECT_RC(graindb_compact(db), 0);                             // base: commit 4
    EXPECT_RC(graindb_set(db, key, 4, (const u8 *)"three", 5), 0); // 5, v3
    struct graindb_ref_info info, history[8];
    u32 count = 0;
    EXPECT_RC(graindb_ref_history(db, key, 4, history, 8, &count), 0);
    EXPECT(count == 2 && history[0].key_version == 3 && history[0].commit_seq == 5 &&
               history[1].key_version == 2 && history[1].commit_seq == 2,
           "history: %u versions, v%u@%llu v%u@%llu", count, history[0].key_version,
           (unsigned long long)history[0].commit_seq, history[1].key_version,
           (unsigned long long)history[1].commit_seq);
    EXPECT_RC(graindb_ref_get_at(db, key, 4, 2, &info), 0);
    EXPECT(info.key_version == 2, "as of 2: v%u", info.key_version);
    EXPECT_RC(graindb_ref_get_at(db, key, 4, 1, &info), -E_NOENT); // forgotten
    EXPECT_RC(graindb_ref_get(db, (const u8 *)"gone", 4, &info), -E_NOENT);
    // A forgotten key starts over at version 1.
    EXPECT_RC(graindb_set(db, (const u8 *)"gone", 4, (const u8 *)"y", 1), 0);
    EXPECT_RC(graindb_ref_get(db, (const u8 *)"gone", 4, &info), 0);
    EXPECT(info.key_version == 1 && info.commit_seq == 6, "recreated: v%u@%llu", info.key_version,
           (unsigned long long)info.commit_seq);
    struct graindb_space space;
    graindb_space(db, &space);
    EXPECT(space.history_base_seq == 4, "base %llu", (unsigned long long)space.history_base_seq);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT_RC(graindb_ref_history(db, key, 4, history, 8, &count), 0);
    EXPECT(count == 2, "history after reopen: %u", count);
    return fsck_clean("retention");
}

// ---- links ----------------------------------------------------------------------------------------
static const char *links_keep_objects_and_the_rest_goes(void) {
    const char *why = gdbtest_fresh(DEVICE_SECTORS, 0xc3);
    if (why) return why;
    static u8 chunk[3][4000];
    u8 parent[3 * 32 + 10], hashes[3][32], parent_hash[32], loose[32], missing[32] = {7};
    EXPECT_RC(graindb_batch_begin(db), 0);
    for (u32 c = 0; c < 3; c++) {
        gdbtest_value(chunk[c], sizeof(chunk[c]), 40 + c);
        EXPECT_RC(graindb_batch_put_object(db, chunk[c], sizeof(chunk[c]), hashes[c]), 0);
        memcpy(parent + 10 + 32 * c, hashes[c], 32);
    }
    memcpy(parent, "inode-ish!", 10);
    EXPECT_RC(graindb_batch_put_object_linked(db, parent, sizeof(parent), 10, 4, parent_hash), -E_INVAL);
    EXPECT_RC(graindb_batch_put_object_linked(db, parent, sizeof(parent), 10, 3, parent_hash), 0);
    EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)"file", 4, parent_hash), 0);
    EXPECT_RC(graindb_batch_commit(db, NULL), 0);
    // A link to an object that is not stored is refused.
    u8 dangling[32];
    memcpy(dangling, missing, 32);
    EXPECT_RC(graindb_batch_begin(db), 0);
    EXPECT_RC(graindb_batch_put_object_linked(db, dangling, 32, 0, 1, loose), -E_NOENT);
    graindb_batch_abort(db);
    EXPECT_RC(graindb_put(db, (const u8 *)"unreferenced", 12, loose), 0);
    // The same bytes stored plain first, then linked: stored again with the links.
    u8 other[32 + 4], other_hash[32], again_hash[32];
    memcpy(other, hashes[0], 32);
    memcpy(other + 32, "tail", 4);
    EXPECT_RC(graindb_put(db, other, sizeof(other), other_hash), 0);
    EXPECT_RC(graindb_batch_begin(db), 0);
    EXPECT_RC(graindb_batch_put_object_linked(db, other, sizeof(other), 0, 1, again_hash), 0);
    EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)"other", 5, again_hash), 0);
    EXPECT(db->batch_objects_count == 1, "the linked copy was not staged");
    EXPECT_RC(graindb_batch_commit(db, NULL), 0);
    EXPECT_RC(graindb_compact(db), 0);
    static u8 got[4000];
    u32 size = 0;
    for (u32 c = 0; c < 3; c++) {
        EXPECT_RC(graindb_get(db, hashes[c], got, sizeof(got), &size), 0);
        EXPECT(size == sizeof(chunk[c]) && memcmp(got, chunk[c], size) == 0, "chunk %u bytes", c);
    }
    EXPECT_RC(graindb_get(db, loose, got, sizeof(got), &size), -E_NOENT);
    EXPECT(db->objects_count == 5, "objects after compaction: %u (3 chunks, 2 linked)", db->objects_count);
    struct graindb_verify_report report;
    EXPECT_RC(graindb_verify(db, &report), 0);
    EXPECT(report.links_checked == 4, "links checked: %llu", (unsigned long long)report.links_checked);
    // Deleting the parent lets its chunks go at the next compaction.
    EXPECT_RC(graindb_delete(db, (const u8 *)"file", 4), 0);
    EXPECT_RC(graindb_compact(db), 0);
    EXPECT_RC(graindb_get(db, hashes[1], got, sizeof(got), &size), -E_NOENT);
    EXPECT_RC(graindb_get(db, hashes[0], got, sizeof(got), &size), 0); // "other" links to it
    return fsck_clean("links");
}

// ---- limits under create/delete loops ----------------------------------------------------------
static const char *keys_reused_far_past_the_ref_limit(void) {
    const char *why = gdbtest_fresh(DEVICE_SECTORS, 0xc4);
    if (why) return why;
    u32 loops = 3 * GRAINDB_REFS_MAX;
    u8 hash[32];
    EXPECT_RC(graindb_put(db, (const u8 *)"v", 1, hash), 0);
    EXPECT_RC(graindb_set(db, (const u8 *)"keep", 4, (const u8 *)"v", 1), 0);
    for (u32 i = 0; i < loops; i++) {
        char key[16];
        gdbtest_key(key, 1000000 + i); // every key new
        EXPECT_RC(graindb_batch_begin(db), 0);
        EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)key, 16, hash), 0);
        EXPECT_RC(graindb_batch_commit(db, NULL), 0);
        EXPECT_RC(graindb_delete(db, (const u8 *)key, 16), 0);
    }
    EXPECT(db->refs_count < GRAINDB_REFS_MAX && compactions() >= 2, "%u refs after %u keys, %llu compactions",
           db->refs_count, loops, (unsigned long long)compactions());
    return fsck_clean("after the key loop");
}

static const char *objects_reused_far_past_the_object_limit(void) {
    const char *why = gdbtest_fresh(24576, 0xc5); // 12 MiB: object slots fill before the zone
    if (why) return why;
    u32 batches = (GRAINDB_OBJECTS_MAX / GRAINDB_BATCH_OBJECTS_MAX) * 3 / 2, objects = 0;
    for (u32 b = 0; b < batches; b++) {
        EXPECT_RC(graindb_batch_begin(db), 0);
        u8 hash[32];
        for (u32 i = 0; i < GRAINDB_BATCH_OBJECTS_MAX; i++, objects++) {
            u8 value[4] = {(u8)objects, (u8)(objects >> 8), (u8)(objects >> 16), 0xee};
            EXPECT_RC(graindb_batch_put_object(db, value, 4, hash), 0);
        }
        EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)"last", 4, hash), 0); // one stays live
        EXPECT_RC(graindb_batch_commit(db, NULL), 0);
    }
    EXPECT(objects > GRAINDB_OBJECTS_MAX && db->objects_count < GRAINDB_OBJECTS_MAX && compactions() >= 1,
           "%u objects put, %u indexed, %llu compactions", objects, db->objects_count,
           (unsigned long long)compactions());
    return fsck_clean("after the object loop");
}

// ---- power cuts ----------------------------------------------------------------------------------
static struct platform snapshot;
static struct slot snapshot_model[KEYS_COUNT];

// Two "files": a linked object per key, naming FILE_CHUNKS chunks put in its batch.
#define FILES_COUNT 2u
#define FILE_CHUNKS 30u
#define FILE_CHUNK_BYTES 4000u

static i64 put_file(u32 file) {
    static u8 chunk[FILE_CHUNK_BYTES];
    u8 links[FILE_CHUNKS * 32], hash[32];
    i64 rc = graindb_batch_begin(db);
    for (u32 c = 0; c < FILE_CHUNKS && rc == 0; c++) {
        gdbtest_value(chunk, sizeof(chunk), 7000 + file * 100 + c);
        rc = graindb_batch_put_object(db, chunk, sizeof(chunk), links + 32 * c);
    }
    if (rc == 0) rc = graindb_batch_put_object_linked(db, links, sizeof(links), 0, FILE_CHUNKS, hash);
    char key[8] = {'f', 'i', 'l', 'e', (char)('0' + file)};
    if (rc == 0) rc = graindb_batch_set_ref(db, (const u8 *)key, 5, hash);
    if (rc == 0) return graindb_batch_commit(db, NULL);
    graindb_batch_abort(db);
    return rc;
}

static const char *check_files(void) {
    static u8 want[FILE_CHUNK_BYTES], got[FILE_CHUNK_BYTES];
    u8 links[FILE_CHUNKS * 32];
    for (u32 file = 0; file < FILES_COUNT; file++) {
        char key[8] = {'f', 'i', 'l', 'e', (char)('0' + file)};
        u32 size = 0;
        EXPECT_RC(graindb_ref_read(db, (const u8 *)key, 5, links, sizeof(links), &size), 0);
        for (u32 c = 0; c < FILE_CHUNKS; c++) {
            EXPECT_RC(graindb_get(db, links + 32 * c, got, sizeof(got), &size), 0);
            gdbtest_value(want, sizeof(want), 7000 + file * 100 + c);
            EXPECT(size == sizeof(want) && memcmp(got, want, size) == 0, "file %u chunk %u", file, c);
        }
    }
    return NULL;
}

// Garbage, deletes and a linked object, then a snapshot of the device.
static const char *prepare_snapshot(void) {
    const char *why = gdbtest_fresh(DEVICE_SECTORS, 0xc6);
    if (why) return why;
    memset(model, 0, sizeof(model));
    for (u32 round = 0; round < 5; round++) {
        for (u32 k = 0; k < KEYS_COUNT; k++) EXPECT_RC(set_value(k, 500 + 500 * k, round * 1000 + k), 0);
    }
    EXPECT_RC(delete_value(2), 0);
    EXPECT_RC(delete_value(7), 0);
    for (u32 file = 0; file < FILES_COUNT; file++) EXPECT_RC(put_file(file), 0);
    memcpy(snapshot_model, model, sizeof(model));
    if (snapshot.current != NULL) testdev_free(&snapshot);
    testdev_copy(&snapshot, &gdbtest_dev);
    return NULL;
}

static const char *cut_compaction(u64 cut, enum crash_mode mode, u64 seed, u64 *written) {
    testdev_free(&gdbtest_dev);
    testdev_copy(&gdbtest_dev, &snapshot);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    u64 seq = graindb_commit_seq(db), generation = compactions();
    u64 start = gdbtest_dev.sectors_written;
    gdbtest_dev.power_cut_after_sectors = cut == GRAINDB_NONE ? -1 : (i64)(start + cut);
    long long rc = graindb_compact(db);
    *written = gdbtest_dev.sectors_written - start;
    EXPECT(cut != GRAINDB_NONE || rc == 0, "compaction without a cut = %lld", rc);
    testdev_crash(&gdbtest_dev, mode, seed);
    rc = graindb_open(db, &gdbtest_dev);
    EXPECT(rc == 0, "open = %lld (%s)", rc, db->open_stats.problem ? db->open_stats.problem : "-");
    EXPECT(graindb_commit_seq(db) == seq, "commit %llu, want %llu", (unsigned long long)graindb_commit_seq(db),
           (unsigned long long)seq);
    EXPECT(compactions() == generation || compactions() == generation + 1, "generation %llu",
           (unsigned long long)compactions());
    const char *why = check_model(snapshot_model, KEYS_COUNT);
    if (why == NULL) why = check_files();
    if (why == NULL) why = fsck_clean("after the cut");
    if (why) return why;
    // It goes on: a commit, a compaction, a reopen.
    memcpy(model, snapshot_model, sizeof(model));
    EXPECT_RC(set_value(1, 1234, 99), 0);
    EXPECT_RC(graindb_compact(db), 0);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    return check_model(model, KEYS_COUNT);
}

static const char *power_cut_at_every_sector_of_a_compaction(void) {
    static const char *mode_names[] = {"keep", "lose", "tear"};
    const char *why = prepare_snapshot();
    if (why) return why;
    u64 total = 0;
    if ((why = cut_compaction(GRAINDB_NONE, CRASH_KEEP, 1, &total))) return why;
    for (u32 mode = 0; mode < CRASH_MODES_COUNT; mode++) {
        for (u64 cut = 0; cut <= total; cut++) {
            u64 written = 0;
            why = cut_compaction(cut, (enum crash_mode)mode, 1000 * mode + cut, &written);
            if (why) FAIL("mode %s, cut after %llu of %llu sectors: %.300s", mode_names[mode],
                          (unsigned long long)cut, (unsigned long long)total, why);
        }
    }
    printf("# %llu crash points x 3 modes over the %llu sectors one compaction writes\n",
           (unsigned long long)total + 1, (unsigned long long)total);
    return NULL;
}

// A workload that compacts again and again on a small device, cut at every sector it
// writes: every acknowledged commit survives, the one in flight is all or nothing.
#define WORKLOAD_OPS 360u
#define WORKLOAD_SECTORS 2888u // two zones of the smallest size
static struct slot workload_model[WORKLOAD_OPS + 1][KEYS_COUNT]; // after commit c

static i64 workload_op(u32 op) {
    u32 k = (op * 7) % KEYS_COUNT;
    struct slot next = {true, 1500 + (op * 977) % 2000, 50000 + op};
    if (op % 9 == 8 && workload_model[op][k].live) next.live = false;
    memcpy(workload_model[op + 1], workload_model[op], sizeof(workload_model[op]));
    workload_model[op + 1][k] = next;
    if (!next.live) return delete_value(k);
    return set_value(k, next.size, next.seed);
}

static const char *workload_cut(u64 cut, enum crash_mode mode, u64 seed, u64 *written, u64 *generations) {
    const char *why = gdbtest_fresh(WORKLOAD_SECTORS, 0xc7);
    if (why) return why;
    memset(workload_model, 0, sizeof(workload_model));
    u64 start = gdbtest_dev.sectors_written;
    gdbtest_dev.power_cut_after_sectors = cut == GRAINDB_NONE ? -1 : (i64)(start + cut);
    u64 acked = 0;
    bool in_flight = false;
    for (u32 op = 0; op < WORKLOAD_OPS; op++) {
        if (workload_op(op) < 0) {
            in_flight = true;
            break;
        }
        acked = graindb_commit_seq(db);
    }
    *written = gdbtest_dev.sectors_written - start;
    *generations = compactions();
    EXPECT(cut != GRAINDB_NONE || acked == WORKLOAD_OPS, "without a cut only %llu commits", (unsigned long long)acked);
    testdev_crash(&gdbtest_dev, mode, seed);
    long long rc = graindb_open(db, &gdbtest_dev);
    EXPECT(rc == 0, "open = %lld (%s)", rc, db->open_stats.problem ? db->open_stats.problem : "-");
    u64 recovered = graindb_commit_seq(db);
    EXPECT(recovered >= acked && recovered <= acked + (in_flight ? 1 : 0), "recovered %llu, acknowledged %llu",
           (unsigned long long)recovered, (unsigned long long)acked);
    if ((why = check_model(workload_model[recovered], KEYS_COUNT))) return why;
    return fsck_clean("after the cut");
}

static const char *power_cut_at_every_sector_of_a_compacting_workload(void) {
    static const char *mode_names[] = {"keep", "lose", "tear"};
    u64 total = 0, generations = 0;
    const char *why = workload_cut(GRAINDB_NONE, CRASH_KEEP, 1, &total, &generations);
    if (why) return why;
    EXPECT(generations >= 3, "the workload compacted only %llu times", (unsigned long long)generations);
    for (u32 mode = 0; mode < CRASH_MODES_COUNT; mode++) {
        for (u64 cut = 0; cut <= total; cut += 1 + mode) {
            u64 written = 0, unused = 0;
            why = workload_cut(cut, (enum crash_mode)mode, 77 * mode + cut, &written, &unused);
            if (why) FAIL("mode %s, cut after %llu of %llu sectors: %.300s", mode_names[mode],
                          (unsigned long long)cut, (unsigned long long)total, why);
        }
    }
    printf("# workload of %u commits, %llu compactions, %llu sectors, cut at every one (keep), every 2nd "
           "(lose), every 3rd (tear)\n", WORKLOAD_OPS, (unsigned long long)generations, (unsigned long long)total);
    return NULL;
}

// ---- the superblock switch ------------------------------------------------------------------
// The switch's superblock copies do not reach the disk: the database fails (read-only,
// still reading), and the next open finds the state in whichever zone it chooses.
static const char *switch_that_does_not_read_back_fails_the_database(void) {
    const char *why = prepare_snapshot();
    if (why) return why;
    // Every write from the switch on is lost (the compaction's other writes came first).
    u64 written = 0;
    if ((why = cut_compaction(GRAINDB_NONE, CRASH_KEEP, 1, &written))) return why;
    testdev_free(&gdbtest_dev);
    testdev_copy(&gdbtest_dev, &snapshot);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    u64 calls_before = gdbtest_dev.write_calls;
    // Find the first superblock write of the switch: run once with a counter.
    struct platform probe;
    testdev_copy(&probe, &snapshot);
    EXPECT_RC(graindb_open(db, &probe), 0);
    u64 probe_start = probe.write_calls;
    EXPECT_RC(graindb_compact(db), 0);
    u64 switch_calls = probe.write_calls - probe_start; // the switch's 4 copies are the last writes
    testdev_free(&probe);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    gdbtest_dev.lose_writes_from_call = (i64)(calls_before + switch_calls - GRAINDB_SUPERBLOCK_COPIES);
    long long rc = graindb_compact(db);
    EXPECT(rc == -E_IO && graindb_failed(db), "compaction = %lld, failed %d", rc, graindb_failed(db));
    if ((why = check_model(snapshot_model, KEYS_COUNT))) return why; // reads still work
    gdbtest_dev.lose_writes_from_call = -1;
    testdev_crash(&gdbtest_dev, CRASH_KEEP, 1);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(compactions() == 0, "the lost switch was chosen");
    if ((why = check_model(snapshot_model, KEYS_COUNT))) return why;
    return fsck_clean("after the lost switch");
}

int main(void) {
    RUN(full_disk_is_usable_again_after_deletes);
    RUN(explicit_compaction_and_space_query);
    RUN(history_kept_since_the_last_compaction);
    RUN(links_keep_objects_and_the_rest_goes);
    RUN(keys_reused_far_past_the_ref_limit);
    RUN(objects_reused_far_past_the_object_limit);
    RUN(power_cut_at_every_sector_of_a_compaction);
    RUN(power_cut_at_every_sector_of_a_compacting_workload);
    RUN(switch_that_does_not_read_back_fails_the_database);
    if (snapshot.current != NULL) testdev_free(&snapshot);
    return gdbtest_finish();
}
