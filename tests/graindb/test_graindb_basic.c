// GrainDB basics: SHA-256 vectors, objects, refs with versions and as-of reads,
// atomic batch visibility, reopening, and capacity errors.
#include "tests/graindb/gdbtest.h"

static struct graindb *db = &gdbtest_db;

static const char *hex(const u8 *bytes, u32 count) {
    static char text[2 * 64 + 1];
    for (u32 i = 0; i < count && i < 64; i++) sprintf(text + 2 * i, "%02x", bytes[i]);
    return text;
}

static const char *sha256_known_vectors(void) {
    const char *why = gdbtest_fresh(4096, 1);
    if (why) return why;
    static const struct { const char *input, *digest; } vectors[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    for (u32 i = 0; i < 3; i++) {
        u8 hash[32];
        EXPECT_RC(graindb_put(db, (const u8 *)vectors[i].input, (u32)strlen(vectors[i].input), hash), 0);
        EXPECT(strcmp(hex(hash, 32), vectors[i].digest) == 0, "vector %u: %s", i, hex(hash, 32));
    }
    return NULL;
}

static const char *objects_put_get(void) {
    const char *why = gdbtest_fresh(8192, 2);
    if (why) return why;
    u8 value[3000], back[3000], hash[32];
    gdbtest_value(value, sizeof(value), 7);
    EXPECT_RC(graindb_put(db, value, sizeof(value), hash), 0);
    u64 seq = graindb_commit_seq(db);
    u32 size = 0;
    EXPECT_RC(graindb_get(db, hash, back, sizeof(back), &size), 0);
    EXPECT(size == sizeof(value) && memcmp(back, value, size) == 0, "bytes differ");
    EXPECT_RC(graindb_get(db, hash, back, 10, &size), -E_2BIG);
    EXPECT(size == sizeof(value), "size on -E_2BIG = %u", size);
    EXPECT_RC(graindb_put(db, value, sizeof(value), hash), 0); // stored: no new commit
    EXPECT(graindb_commit_seq(db) == seq, "re-put of a stored object wrote a commit");
    u8 absent[32] = {1, 2, 3};
    EXPECT_RC(graindb_get(db, absent, back, sizeof(back), &size), -E_NOENT);
    EXPECT(graindb_contains(db, hash) && !graindb_contains(db, absent), "contains");
    u8 empty_hash[32];
    EXPECT_RC(graindb_put(db, NULL, 0, empty_hash), 0);
    EXPECT_RC(graindb_get(db, empty_hash, back, 0, &size), 0);
    EXPECT(size == 0, "empty object size %u", size);
    return NULL;
}

static const char *refs_versions_and_as_of(void) {
    const char *why = gdbtest_fresh(8192, 3);
    if (why) return why;
    const u8 *key = (const u8 *)"/etc/motd";
    u32 key_len = 9;
    EXPECT_RC(graindb_set(db, key, key_len, (const u8 *)"one", 3), 0);   // 1
    EXPECT_RC(graindb_set(db, (const u8 *)"other", 5, (const u8 *)"x", 1), 0); // 2
    EXPECT_RC(graindb_set(db, key, key_len, (const u8 *)"two", 3), 0);   // 3
    EXPECT_RC(graindb_delete(db, key, key_len), 0);                      // 4
    EXPECT_RC(graindb_delete(db, key, key_len), -E_NOENT);
    EXPECT_RC(graindb_set(db, key, key_len, (const u8 *)"three", 5), 0); // 5
    struct graindb_ref_info info;
    u8 buffer[16];
    u32 size = 0;
    EXPECT_RC(graindb_ref_get(db, key, key_len, &info), 0);
    EXPECT(info.key_version == 4 && info.commit_seq == 5 && !info.deleted, "current v%u seq %llu",
           info.key_version, (unsigned long long)info.commit_seq);
    EXPECT_RC(graindb_ref_read(db, key, key_len, buffer, sizeof(buffer), &size), 0);
    EXPECT(size == 5 && memcmp(buffer, "three", 5) == 0, "current value");
    EXPECT_RC(graindb_ref_get_at(db, key, key_len, 0, &info), -E_NOENT);
    const struct { u64 seq; u32 version; bool deleted; const char *value; } at[] = {
        {1, 1, false, "one"}, {2, 1, false, "one"}, {3, 2, false, "two"},
        {4, 3, true, NULL},   {5, 4, false, "three"}, {99, 4, false, "three"},
    };
    for (u32 i = 0; i < 6; i++) {
        EXPECT_RC(graindb_ref_get_at(db, key, key_len, at[i].seq, &info), 0);
        EXPECT(info.key_version == at[i].version && info.deleted == at[i].deleted,
               "as of %llu: v%u deleted %d", (unsigned long long)at[i].seq, info.key_version, info.deleted);
        if (at[i].value == NULL) continue;
        EXPECT_RC(graindb_get(db, info.object_hash, buffer, sizeof(buffer), &size), 0);
        EXPECT(size == strlen(at[i].value) && memcmp(buffer, at[i].value, size) == 0, "value as of %u", i);
    }
    struct graindb_ref_info history[8];
    u32 count = 0;
    EXPECT_RC(graindb_ref_history(db, key, key_len, history, 8, &count), 0);
    EXPECT(count == 4, "history has %u versions", count);
    for (u32 i = 0; i < 4; i++) EXPECT(history[i].key_version == 4 - i, "history order");
    EXPECT(history[1].deleted && !history[0].deleted, "tombstone in history");
    EXPECT_RC(graindb_ref_get(db, (const u8 *)"nope", 4, &info), -E_NOENT);
    return NULL;
}

static const char *batch_atomic_visibility(void) {
    const char *why = gdbtest_fresh(8192, 4);
    if (why) return why;
    struct graindb_ref_info info;
    u8 h1[32], h2[32];
    EXPECT_RC(graindb_batch_begin(db), 0);
    EXPECT_RC(graindb_batch_begin(db), -E_INVAL);
    EXPECT_RC(graindb_batch_put_object(db, (const u8 *)"a", 1, h1), 0);
    EXPECT_RC(graindb_batch_put_object(db, (const u8 *)"b", 1, h2), 0);
    EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)"k1", 2, h1), 0);
    EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)"k2", 2, h1), 0);
    EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)"k2", 2, h2), 0); // twice in one batch
    EXPECT_RC(graindb_ref_get(db, (const u8 *)"k1", 2, &info), -E_NOENT);
    EXPECT(!graindb_contains(db, h1), "staged object visible before commit");
    graindb_batch_abort(db);
    EXPECT_RC(graindb_ref_get(db, (const u8 *)"k1", 2, &info), -E_NOENT);
    EXPECT(graindb_commit_seq(db) == 0, "abort committed");
    EXPECT_RC(graindb_batch_begin(db), 0);
    EXPECT_RC(graindb_batch_put_object(db, (const u8 *)"a", 1, h1), 0);
    EXPECT_RC(graindb_batch_put_object(db, (const u8 *)"b", 1, h2), 0);
    EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)"k1", 2, h1), 0);
    EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)"k2", 2, h1), 0);
    EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)"k2", 2, h2), 0);
    u8 missing[32] = {9};
    EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)"k3", 2, missing), -E_NOENT);
    u64 seq = 0;
    EXPECT_RC(graindb_batch_commit(db, &seq), 0);
    EXPECT(seq == 1, "one commit for the batch, got %llu", (unsigned long long)seq);
    EXPECT_RC(graindb_ref_get(db, (const u8 *)"k2", 2, &info), 0);
    EXPECT(info.key_version == 2 && memcmp(info.object_hash, h2, 32) == 0, "k2 latest in batch");
    EXPECT_RC(graindb_ref_get(db, (const u8 *)"k1", 2, &info), 0);
    EXPECT_RC(graindb_batch_commit(db, &seq), -E_INVAL);
    return NULL;
}

static const char *write_sample(u32 keys, u32 rounds) {
    for (u32 r = 0; r < rounds; r++) {
        for (u32 i = 0; i < keys; i++) {
            char key[16];
            u8 value[100];
            gdbtest_key(key, i);
            gdbtest_value(value, sizeof(value), r * 1000 + i);
            EXPECT_RC(graindb_set(db, (const u8 *)key, 16, value, sizeof(value)), 0);
        }
    }
    return NULL;
}

static const char *check_sample(u32 keys, u32 rounds) {
    for (u32 i = 0; i < keys; i++) {
        char key[16];
        u8 want[100], got[100];
        u32 size = 0;
        gdbtest_key(key, i);
        gdbtest_value(want, sizeof(want), (rounds - 1) * 1000 + i);
        EXPECT_RC(graindb_ref_read(db, (const u8 *)key, 16, got, sizeof(got), &size), 0);
        EXPECT(size == 100 && memcmp(want, got, 100) == 0, "key %u value differs", i);
    }
    return NULL;
}

static const char *reopen_after_clean_close(void) {
    const char *why = gdbtest_fresh(8192, 5);
    if (why) return why;
    if ((why = write_sample(50, 3))) return why;
    u8 root[32], root_after[32];
    graindb_merkle_root(db, root);
    u64 seq = graindb_commit_seq(db);
    EXPECT_RC(graindb_close(db), 0);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(db->open_stats.checkpoint_used && db->open_stats.replayed_commits == 0,
           "clean reopen replayed %llu commits", (unsigned long long)db->open_stats.replayed_commits);
    EXPECT(graindb_commit_seq(db) == seq, "seq %llu after reopen", (unsigned long long)graindb_commit_seq(db));
    graindb_merkle_root(db, root_after);
    EXPECT(memcmp(root, root_after, 32) == 0, "merkle root changed across reopen");
    if ((why = check_sample(50, 3))) return why;
    // More writes after the checkpoint, then reopen without close: replay the tail.
    if ((why = write_sample(50, 4))) return why;
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(db->open_stats.checkpoint_used && db->open_stats.replayed_commits == 200,
           "replayed %llu", (unsigned long long)db->open_stats.replayed_commits);
    return check_sample(50, 4);
}

static const char *automatic_checkpoint_bounds_replay(void) {
    const char *why = gdbtest_fresh(3 * 8192 * 2, 8); // 24 MiB
    if (why) return why;
    static u8 value[4000];
    u32 puts = 0;
    while (db->append_position < GRAINDB_CHECKPOINT_INTERVAL_BYTES + (2u << 20)) {
        EXPECT_RC(graindb_batch_begin(db), 0);
        for (u32 i = 0; i < 12; i++, puts++) {
            u8 hash[32];
            char key[16];
            gdbtest_value(value, sizeof(value), puts);
            gdbtest_key(key, puts % 1000);
            EXPECT_RC(graindb_batch_put_object(db, value, sizeof(value), hash), 0);
            EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)key, 16, hash), 0);
        }
        EXPECT_RC(graindb_batch_commit(db, NULL), 0);
    }
    EXPECT(db->superblock.checkpoint_position != GRAINDB_NONE, "no automatic checkpoint after %u puts", puts);
    u64 seq = graindb_commit_seq(db);
    testdev_crash(&gdbtest_dev, CRASH_LOSE, 1);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(db->open_stats.checkpoint_used && db->open_stats.replayed_bytes < GRAINDB_CHECKPOINT_INTERVAL_BYTES,
           "replayed %llu bytes", (unsigned long long)db->open_stats.replayed_bytes);
    EXPECT(graindb_commit_seq(db) == seq, "commit %llu, want %llu", (unsigned long long)graindb_commit_seq(db),
           (unsigned long long)seq);
    struct graindb_verify_report report;
    EXPECT_RC(graindb_verify(db, &report), 0);
    EXPECT(report.checkpoints == 1 && report.objects == puts, "%llu checkpoints, %llu objects of %u",
           (unsigned long long)report.checkpoints, (unsigned long long)report.objects, puts);
    return NULL;
}

static const char *layout_describes_the_disk(void) {
    const char *why = gdbtest_fresh(8192, 9);
    if (why) return why;
    struct graindb_layout layout;
    graindb_layout(db, &layout);
    u64 zone_sectors = (8192 - GRAINDB_LOG_START_SECTOR) / 2;
    EXPECT(layout.superblock_copies == 4 && layout.last_commit_sectors == 0 &&
           layout.append_sector == layout.log_first_sector && layout.zone_sectors == zone_sectors &&
           layout.zone_first_sector[0] == GRAINDB_LOG_START_SECTOR &&
           layout.zone_first_sector[1] == GRAINDB_LOG_START_SECTOR + zone_sectors && layout.active_zone == 0 &&
           layout.generation == 0 && layout.log_first_sector == GRAINDB_LOG_START_SECTOR &&
           layout.log_end_sector == GRAINDB_LOG_START_SECTOR + zone_sectors &&
           layout.mirror_first_sector + 2 * layout.mirror_slot_sectors <= GRAINDB_LOG_START_SECTOR,
           "empty layout");
    u64 position = db->append_position;
    static u8 value[1500];
    EXPECT_RC(graindb_set(db, (const u8 *)"k", 1, value, sizeof(value)), 0);
    graindb_layout(db, &layout);
    EXPECT(layout.last_commit_first_sector == layout.log_first_sector + position / 512 &&
           layout.last_commit_sectors == 4 && layout.last_commit_mirror_slot == 1 &&
           layout.append_sector == layout.last_commit_first_sector + 4, "after one commit: %llu sectors at %llu",
           (unsigned long long)layout.last_commit_sectors, (unsigned long long)layout.last_commit_first_sector);
    // The mirror slot holds the same bytes as the log copy.
    u8 *log_copy = gdbtest_dev.current + layout.last_commit_first_sector * 512;
    u8 *mirror = gdbtest_dev.current + (layout.mirror_first_sector + layout.mirror_slot_sectors) * 512;
    EXPECT(memcmp(log_copy, mirror, 4 * 512) == 0, "mirror copy differs from the log copy");
    EXPECT_RC(graindb_close(db), 0);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    struct graindb_layout again;
    graindb_layout(db, &again);
    EXPECT(again.last_commit_first_sector == layout.last_commit_first_sector &&
           again.last_commit_sectors == 4 && again.append_sector > layout.append_sector,
           "after reopen from a checkpoint");
    // After a compaction the other zone is the log, and no commit of it exists yet.
    EXPECT_RC(graindb_compact(db), 0);
    graindb_layout(db, &again);
    EXPECT(again.active_zone == 1 && again.generation == 1 && again.log_first_sector == again.zone_first_sector[1] &&
           again.last_commit_sectors == 0 && again.append_sector > again.log_first_sector,
           "after a compaction: zone %u generation %llu", again.active_zone, (unsigned long long)again.generation);
    return NULL;
}

static const char *open_errors(void) {
    testdev_free(&gdbtest_dev);
    testdev_init(&gdbtest_dev, 4096);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), -E_NOENT);
    struct platform empty;
    testdev_init(&empty, 1);
    empty.sector_count = 0;
    EXPECT_RC(graindb_open(db, &empty), -E_NODEV);
    EXPECT_RC(graindb_format(db, &empty, 1), -E_NODEV);
    testdev_free(&empty);
    testdev_init(&empty, 100);
    EXPECT_RC(graindb_format(db, &empty, 1), -E_NOSPC);
    testdev_free(&empty);
    return NULL;
}

static const char *capacity_limits(void) {
    const char *why = gdbtest_fresh(4096, 6);
    if (why) return why;
    u8 key[GRAINDB_KEY_LEN_MAX + 1];
    memset(key, 'k', sizeof(key));
    EXPECT_RC(graindb_set(db, key, GRAINDB_KEY_LEN_MAX + 1, (const u8 *)"v", 1), -E_NAMETOOLONG);
    EXPECT_RC(graindb_set(db, key, GRAINDB_KEY_LEN_MAX, (const u8 *)"v", 1), 0);
    EXPECT_RC(graindb_set(db, key, 0, (const u8 *)"v", 1), -E_INVAL);
    static u8 big[GRAINDB_OBJECT_BYTES_MAX + 1];
    u8 hash[32];
    EXPECT_RC(graindb_put(db, big, sizeof(big), hash), -E_2BIG);
    EXPECT_RC(graindb_put(db, big, GRAINDB_OBJECT_BYTES_MAX, hash), 0);
    // Fill the disk (2 MiB device) with live 32 KiB values until -E_NOSPC (objects no
    // key names are garbage: compaction would take them back).
    long long rc = 0;
    u32 puts = 0;
    for (u32 i = 0; i < 1000 && rc == 0; i++) {
        big[0] = (u8)i;
        big[1] = (u8)(i >> 8);
        char name[16];
        gdbtest_key(name, i);
        rc = graindb_set(db, (const u8 *)name, 16, big, GRAINDB_OBJECT_BYTES_MAX);
        if (rc == 0) puts++;
    }
    EXPECT(rc == -E_NOSPC, "filling the disk ended with %lld", rc);
    EXPECT(!graindb_failed(db), "-E_NOSPC failed the database");
    EXPECT_RC(graindb_set(db, key, 8, (const u8 *)"small", 5), 0); // small ones still fit
    return NULL;
}

static const char *index_capacity_limits(void) {
    const char *why = gdbtest_fresh(131072, 7); // 64 MiB: zones of 32 MiB
    if (why) return why;
    u32 keys = 0;
    long long rc = 0;
    u8 hash[32];
    EXPECT_RC(graindb_put(db, (const u8 *)"v", 1, hash), 0);
    while (rc == 0) {
        EXPECT_RC(graindb_batch_begin(db), 0);
        for (u32 i = 0; i < GRAINDB_BATCH_REFS_MAX && rc == 0; i++) {
            char key[16];
            gdbtest_key(key, keys);
            rc = graindb_batch_set_ref(db, (const u8 *)key, 16, hash);
            if (rc == 0) keys++;
        }
        long long commit = graindb_batch_commit(db, NULL);
        EXPECT(commit == 0, "commit = %lld", commit);
    }
    EXPECT(rc == -E_NOMEM && keys == GRAINDB_REFS_MAX, "refs: rc %lld after %u keys", rc, keys);
    // Live objects: each batch links 255 new ones from one object a key names (objects
    // no key reaches would be garbage, taken back by compaction).
    u32 objects = 1, batches = 0;
    rc = 0;
    while (rc == 0) {
        EXPECT_RC(graindb_batch_begin(db), 0);
        static u8 links[(GRAINDB_BATCH_OBJECTS_MAX - 1) * 32];
        u32 staged = 0;
        for (u32 i = 0; i + 1 < GRAINDB_BATCH_OBJECTS_MAX && rc == 0; i++) {
            u8 value[4] = {(u8)objects, (u8)(objects >> 8), (u8)(objects >> 16), 0xee};
            rc = graindb_batch_put_object(db, value, 4, links + 32 * staged);
            if (rc == 0) {
                objects++;
                staged++;
            }
        }
        if (staged > 0 && graindb_batch_put_object_linked(db, links, staged * 32, 0, staged, hash) == 0) {
            objects++;
            char name[16];
            gdbtest_key(name, batches++);
            EXPECT_RC(graindb_batch_set_ref(db, (const u8 *)name, 16, hash), 0);
        }
        long long commit = graindb_batch_commit(db, NULL);
        EXPECT(commit == 0, "commit = %lld", commit);
    }
    EXPECT(rc == -E_NOMEM && db->objects_count == GRAINDB_OBJECTS_MAX, "objects: rc %lld after %u, %u indexed", rc,
           objects, db->objects_count);
    EXPECT_RC(graindb_close(db), 0);
    EXPECT_RC(graindb_open(db, &gdbtest_dev), 0);
    EXPECT(db->objects_count == GRAINDB_OBJECTS_MAX && db->refs_count == GRAINDB_REFS_MAX,
           "after reopen: %u objects %u refs", db->objects_count, db->refs_count);
    return NULL;
}

int main(void) {
    RUN(sha256_known_vectors);
    RUN(objects_put_get);
    RUN(refs_versions_and_as_of);
    RUN(batch_atomic_visibility);
    RUN(reopen_after_clean_close);
    RUN(automatic_checkpoint_bounds_replay);
    RUN(layout_describes_the_disk);
    RUN(open_errors);
    RUN(capacity_limits);
    RUN(index_capacity_limits);
    return gdbtest_finish();
}
