// GrainDB beside SQLite and LMDB on one host filesystem: durable single puts per second
// (one commit per put), gets per second, space amplification, GrainDB's recovery
// time against log size, and its compaction (time to copy N MiB of live data into the
// other zone). 16-byte keys, 100-byte values. Host code: libc is fine here.
//
// Usage: graindb_bench [DIR] (default build/bench). Env: GRAINDB_BENCH_PUTS (2000),
// GRAINDB_BENCH_GETS (200000), GRAINDB_BENCH_RECOVERY_MIB ("1 8 64"),
// GRAINDB_BENCH_COMPACT_MIB ("8 32").
// Prints a table, then "name: value" lines for scripts. Exit 1 only on wrong results.
#define _GNU_SOURCE
#include <errno.h>
#include <lmdb.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "tests/graindb/filedev.h"
#include "subsystems/graindb/internal.h"

#define KEY_BYTES 16u
#define VALUE_BYTES 100u
#define RECOVERY_SIZES_MAX 8u

static struct graindb db;
static char directory[512];
static u32 puts_count = 2000, gets_count = 200000;

struct engine_result {
    const char *name;
    double puts_per_s, gets_per_s, space_amplification;
    u64 bytes_on_disk;
};

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *what, long long code) {
    fprintf(stderr, "graindb_bench: %s (%lld)\n", what, code);
    exit(1);
}

static void make_key(u8 *key, u32 i) {
    char text[KEY_BYTES + 1];
    snprintf(text, sizeof(text), "k%015u", i);
    memcpy(key, text, KEY_BYTES);
}

static void make_value(u8 *value, u32 i, u32 round) {
    u64 x = (u64)i * 0x9e3779b97f4a7c15ull + round + 1;
    for (u32 b = 0; b < VALUE_BYTES; b++) {
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdull;
        value[b] = (u8)(x >> 56);
    }
}

static char *path_in(const char *name) {
    static char paths[8][600];
    static u32 next;
    char *p = paths[next++ % 8];
    snprintf(p, 600, "%s/%s", directory, name);
    return p;
}

static u64 file_bytes(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (u64)st.st_size : 0;
}

// Random order of the keys for gets: the same for every engine.
static u32 get_index(u64 *state) {
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return (u32)((*state >> 33) % puts_count);
}

static struct engine_result bench_graindb(void) {
    struct engine_result r = {.name = "GrainDB"};
    struct platform dev;
    const char *path = path_in("graindb.img");
    unlink(path);
    u64 sectors = GRAINDB_LOG_START_SECTOR + (u64)puts_count * 2 + 65536; // log + 32 MiB slack
    long long rc = filedev_open(&dev, path, sectors, true);
    if (rc != 0) die("cannot create the GrainDB file", rc);
    if ((rc = graindb_format(&db, &dev, 0xbe7c4)) != 0 || (rc = graindb_open(&db, &dev)) != 0) die("format/open", rc);
    u8 key[KEY_BYTES], value[VALUE_BYTES], got[VALUE_BYTES];
    double start = now_s();
    for (u32 i = 0; i < puts_count; i++) {
        make_key(key, i);
        make_value(value, i, 0);
        if ((rc = graindb_set(&db, key, KEY_BYTES, value, VALUE_BYTES)) != 0) die("graindb_set", rc);
    }
    r.puts_per_s = puts_count / (now_s() - start);
    u64 state = 1;
    start = now_s();
    for (u32 n = 0; n < gets_count; n++) {
        u32 i = get_index(&state);
        u32 size = 0;
        make_key(key, i);
        if ((rc = graindb_ref_read(&db, key, KEY_BYTES, got, sizeof(got), &size)) != 0) die("graindb_ref_read", rc);
        make_value(value, i, 0);
        if (size != VALUE_BYTES || memcmp(got, value, VALUE_BYTES) != 0) die("GrainDB returned wrong bytes", i);
    }
    r.gets_per_s = gets_count / (now_s() - start);
    r.bytes_on_disk = GRAINDB_LOG_START_SECTOR * BLOCK_SECTOR_SIZE_BYTES + db.append_position;
    filedev_close(&dev);
    unlink(path);
    return r;
}

static void sqlite_check(int rc, sqlite3 *handle, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "graindb_bench: sqlite %s: %s\n", what, sqlite3_errmsg(handle));
        exit(1);
    }
}

static struct engine_result bench_sqlite(void) {
    struct engine_result r = {.name = "SQLite"};
    const char *path = path_in("sqlite.db");
    char wal[700], shm[700];
    snprintf(wal, sizeof(wal), "%s-wal", path);
    snprintf(shm, sizeof(shm), "%s-shm", path);
    unlink(path), unlink(wal), unlink(shm);
    sqlite3 *handle = NULL;
    sqlite_check(sqlite3_open(path, &handle), handle, "open");
    sqlite_check(sqlite3_exec(handle, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                              "CREATE TABLE kv(k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID;",
                              NULL, NULL, NULL), handle, "setup");
    sqlite3_stmt *put = NULL, *get = NULL;
    sqlite_check(sqlite3_prepare_v2(handle, "INSERT OR REPLACE INTO kv VALUES(?, ?)", -1, &put, NULL), handle, "prepare");
    sqlite_check(sqlite3_prepare_v2(handle, "SELECT v FROM kv WHERE k = ?", -1, &get, NULL), handle, "prepare");
    u8 key[KEY_BYTES], value[VALUE_BYTES];
    double start = now_s();
    for (u32 i = 0; i < puts_count; i++) {
        make_key(key, i);
        make_value(value, i, 0);
        sqlite3_bind_blob(put, 1, key, KEY_BYTES, SQLITE_STATIC);
        sqlite3_bind_blob(put, 2, value, VALUE_BYTES, SQLITE_STATIC);
        sqlite_check(sqlite3_step(put), handle, "insert");
        sqlite3_reset(put);
    }
    r.puts_per_s = puts_count / (now_s() - start);
    u64 state = 1;
    start = now_s();
    for (u32 n = 0; n < gets_count; n++) {
        u32 i = get_index(&state);
        make_key(key, i);
        sqlite3_bind_blob(get, 1, key, KEY_BYTES, SQLITE_STATIC);
        if (sqlite3_step(get) != SQLITE_ROW) die("SQLite lost a key", i);
        make_value(value, i, 0);
        if (sqlite3_column_bytes(get, 0) != VALUE_BYTES || memcmp(sqlite3_column_blob(get, 0), value, VALUE_BYTES) != 0) {
            die("SQLite returned wrong bytes", i);
        }
        sqlite3_reset(get);
    }
    r.gets_per_s = gets_count / (now_s() - start);
    r.bytes_on_disk = file_bytes(path) + file_bytes(wal);
    sqlite3_finalize(put);
    sqlite3_finalize(get);
    sqlite3_close(handle);
    unlink(path), unlink(wal), unlink(shm);
    return r;
}

static void lmdb_check(int rc, const char *what) {
    if (rc != 0) {
        fprintf(stderr, "graindb_bench: lmdb %s: %s\n", what, mdb_strerror(rc));
        exit(1);
    }
}

static struct engine_result bench_lmdb(void) {
    struct engine_result r = {.name = "LMDB"};
    const char *dir = path_in("lmdb");
    mkdir(dir, 0755);
    unlink(path_in("lmdb/data.mdb")), unlink(path_in("lmdb/lock.mdb"));
    MDB_env *env = NULL;
    lmdb_check(mdb_env_create(&env), "create");
    lmdb_check(mdb_env_set_mapsize(env, 1ull << 30), "mapsize");
    lmdb_check(mdb_env_open(env, dir, 0, 0644), "open"); // default flags: synchronous
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    lmdb_check(mdb_txn_begin(env, NULL, 0, &txn), "begin");
    lmdb_check(mdb_dbi_open(txn, NULL, 0, &dbi), "dbi");
    lmdb_check(mdb_txn_commit(txn), "commit");
    u8 key[KEY_BYTES], value[VALUE_BYTES];
    double start = now_s();
    for (u32 i = 0; i < puts_count; i++) {
        make_key(key, i);
        make_value(value, i, 0);
        MDB_val k = {KEY_BYTES, key}, v = {VALUE_BYTES, value};
        lmdb_check(mdb_txn_begin(env, NULL, 0, &txn), "begin");
        lmdb_check(mdb_put(txn, dbi, &k, &v, 0), "put");
        lmdb_check(mdb_txn_commit(txn), "commit");
    }
    r.puts_per_s = puts_count / (now_s() - start);
    u64 state = 1;
    lmdb_check(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), "read txn");
    mdb_txn_reset(txn);
    start = now_s();
    for (u32 n = 0; n < gets_count; n++) { // one read transaction per get
        u32 i = get_index(&state);
        make_key(key, i);
        MDB_val k = {KEY_BYTES, key}, v;
        lmdb_check(mdb_txn_renew(txn), "renew");
        lmdb_check(mdb_get(txn, dbi, &k, &v), "get");
        make_value(value, i, 0);
        if (v.mv_size != VALUE_BYTES || memcmp(v.mv_data, value, VALUE_BYTES) != 0) die("LMDB returned wrong bytes", i);
        mdb_txn_reset(txn);
    }
    r.gets_per_s = gets_count / (now_s() - start);
    mdb_txn_abort(txn);
    MDB_envinfo info;
    MDB_stat stat;
    mdb_env_info(env, &info);
    mdb_env_stat(env, &stat);
    r.bytes_on_disk = (u64)(info.me_last_pgno + 1) * stat.ms_psize;
    mdb_env_close(env);
    unlink(path_in("lmdb/data.mdb")), unlink(path_in("lmdb/lock.mdb"));
    rmdir(dir);
    return r;
}

struct recovery_result {
    u32 log_mib;
    double log_mib_actual;
    u64 commits;
    double crash_ms, crash_replayed_mib;
    double full_ms, full_replayed_mib;
    double close_ms;
};

// Opens from a cold page cache and returns milliseconds.
static double timed_open(struct platform *dev, const char *what) {
    filedev_drop_cache(dev);
    double start = now_s();
    long long rc = graindb_open(&db, dev);
    double elapsed_ms = (now_s() - start) * 1000.0;
    if (rc != 0) die(what, rc);
    return elapsed_ms;
}

static struct recovery_result bench_recovery(u32 log_mib) {
    struct recovery_result r = {.log_mib = log_mib};
    struct platform dev;
    const char *path = path_in("graindb-recovery.img");
    unlink(path);
    u64 log_bytes = (u64)log_mib << 20;
    u64 sectors = GRAINDB_LOG_START_SECTOR + GRAINDB_ZONES_COUNT * (log_bytes + (16u << 20)) / BLOCK_SECTOR_SIZE_BYTES;
    long long rc = filedev_open(&dev, path, sectors, false);
    if (rc != 0) die("cannot create the recovery file", rc);
    if ((rc = graindb_format(&db, &dev, 0x7ec0)) != 0 || (rc = graindb_open(&db, &dev)) != 0) die("format/open", rc);
    dev.sync = false; // building the log only; every measurement below syncs
    u8 key[KEY_BYTES], value[VALUE_BYTES];
    // To the size asked, then on until the tail after the last checkpoint is 3/4 of the
    // interval (or of the log), so "after crash" replays a typical tail, not none.
    u64 tail_min = (log_bytes < GRAINDB_CHECKPOINT_INTERVAL_BYTES ? log_bytes : GRAINDB_CHECKPOINT_INTERVAL_BYTES) / 4 * 3;
    for (u32 i = 0; db.append_position < log_bytes || db.append_position - db.checkpoint_log_mark < tail_min; i++) {
        make_key(key, i % GRAINDB_REFS_MAX);
        make_value(value, i, i / GRAINDB_REFS_MAX);
        if ((rc = graindb_set(&db, key, KEY_BYTES, value, VALUE_BYTES)) != 0) die("building the log", rc);
    }
    r.commits = graindb_commit_seq(&db);
    r.log_mib_actual = db.append_position / 1048576.0;
    dev.sync = true;
    // As after a crash: the last checkpoint (every GRAINDB_CHECKPOINT_INTERVAL_BYTES) plus the tail.
    r.crash_ms = timed_open(&dev, "recovery after crash");
    r.crash_replayed_mib = db.open_stats.replayed_bytes / 1048576.0;
    if (graindb_commit_seq(&db) != r.commits) die("recovery lost commits", (long long)graindb_commit_seq(&db));
    // Worst case: no usable checkpoint, the whole log is replayed (then a checkpoint written).
    struct graindb_superblock sb = db.superblock;
    sb.checkpoint_position = GRAINDB_NONE;
    sb.checkpoint_bytes = sb.checkpoint_commit_seq = sb.checkpoint_checksum = 0;
    if ((rc = superblock_write(&db, &sb)) != 0) die("superblock_write", rc);
    r.full_ms = timed_open(&dev, "full replay");
    r.full_replayed_mib = db.open_stats.replayed_bytes / 1048576.0;
    if (graindb_commit_seq(&db) != r.commits) die("full replay lost commits", (long long)graindb_commit_seq(&db));
    if ((rc = graindb_close(&db)) != 0) die("close", rc);
    r.close_ms = timed_open(&dev, "open after close");
    filedev_close(&dev);
    unlink(path);
    return r;
}

// Compaction: files of 128 KiB (32 chunks of 4 KiB, one linked object naming them, as
// the filesystem stores them), each written twice, so half the zone is garbage; then
// one graindb_compact from a cold page cache, flushes real.
#define COMPACT_FILE_CHUNKS 32u
#define COMPACT_CHUNK_BYTES 4096u
struct compaction_result {
    u32 live_mib;
    double used_before_mib, used_after_mib, copied_mib, ms;
};

static void put_bench_file(u32 file, u32 round) {
    static u8 chunk[COMPACT_CHUNK_BYTES];
    u8 links[COMPACT_FILE_CHUNKS * GRAINDB_HASH_BYTES], hash[GRAINDB_HASH_BYTES], key[KEY_BYTES];
    long long rc = graindb_batch_begin(&db);
    for (u32 c = 0; c < COMPACT_FILE_CHUNKS && rc == 0; c++) {
        for (u32 b = 0; b < COMPACT_CHUNK_BYTES; b += VALUE_BYTES) make_value(chunk + b, file * 64 + c, round);
        rc = graindb_batch_put_object(&db, chunk, COMPACT_CHUNK_BYTES, links + c * GRAINDB_HASH_BYTES);
    }
    if (rc == 0) rc = graindb_batch_put_object_linked(&db, links, sizeof(links), 0, COMPACT_FILE_CHUNKS, hash);
    make_key(key, file);
    if (rc == 0) rc = graindb_batch_set_ref(&db, key, KEY_BYTES, hash);
    if (rc == 0) rc = graindb_batch_commit(&db, NULL);
    if (rc != 0) die("writing a file", rc);
}

static struct compaction_result bench_compaction(u32 live_mib) {
    struct compaction_result r = {.live_mib = live_mib};
    struct platform dev;
    const char *path = path_in("graindb-compaction.img");
    unlink(path);
    u64 zone_bytes = 2 * ((u64)live_mib << 20) + (16u << 20);
    u64 sectors = GRAINDB_LOG_START_SECTOR + GRAINDB_ZONES_COUNT * zone_bytes / BLOCK_SECTOR_SIZE_BYTES;
    long long rc = filedev_open(&dev, path, sectors, false);
    if (rc != 0) die("cannot create the compaction file", rc);
    if ((rc = graindb_format(&db, &dev, 0xc0a1)) != 0 || (rc = graindb_open(&db, &dev)) != 0) die("format/open", rc);
    dev.sync = false;
    u32 files = live_mib * 8;
    for (u32 round = 0; round < 2; round++) {
        for (u32 file = 0; file < files; file++) put_bench_file(file, round);
    }
    r.used_before_mib = db.append_position / 1048576.0;
    dev.sync = true;
    filedev_drop_cache(&dev);
    u64 copied = db.compact_copied_bytes;
    double start = now_s();
    if ((rc = graindb_compact(&db)) != 0) die("compaction", rc);
    r.ms = (now_s() - start) * 1000.0;
    r.copied_mib = (db.compact_copied_bytes - copied) / 1048576.0;
    r.used_after_mib = db.append_position / 1048576.0;
    struct graindb_verify_report report;
    if ((rc = graindb_verify(&db, &report)) != 0 || report.objects != files * (COMPACT_FILE_CHUNKS + 1)) {
        die("fsck after compaction", rc);
    }
    filedev_close(&dev);
    unlink(path);
    return r;
}

static void parse_sizes(const char *name, const char *fallback, u32 *sizes, u32 *sizes_count) {
    const char *value = getenv(name);
    if (value == NULL) value = fallback;
    *sizes_count = 0;
    for (char *end = NULL; *value != '\0' && *sizes_count < RECOVERY_SIZES_MAX; value = end) {
        unsigned long mib = strtoul(value, &end, 10);
        if (end == value) break;
        if (mib > 0) sizes[(*sizes_count)++] = (u32)mib;
    }
}

static struct compaction_result compaction_results[RECOVERY_SIZES_MAX];
static u32 compaction_results_count;

static void print_compaction(void) {
    u32 sizes[RECOVERY_SIZES_MAX], sizes_count = 0;
    parse_sizes("GRAINDB_BENCH_COMPACT_MIB", "8 32", sizes, &sizes_count);
    struct compaction_result *results = compaction_results;
    compaction_results_count = sizes_count;
    printf("\nGrainDB compaction from a cold page cache (128 KiB files of 4 KiB chunks, each written twice):\n");
    printf("%9s %16s %15s %12s %10s %9s\n", "live MiB", "used before MiB", "used after MiB", "copied MiB", "ms",
           "MiB/s");
    for (u32 i = 0; i < sizes_count; i++) {
        results[i] = bench_compaction(sizes[i]);
        const struct compaction_result *r = &results[i];
        printf("%9u %16.1f %15.1f %12.1f %10.1f %9.1f\n", r->live_mib, r->used_before_mib, r->used_after_mib,
               r->copied_mib, r->ms, r->copied_mib / (r->ms / 1000.0));
    }
    printf("(marks from the keys through links, copies every live object into the other zone, then a\n"
           " checkpoint, a flush and the superblock switch read back)\n");
}

static void print_compaction_values(void) {
    for (u32 i = 0; i < compaction_results_count; i++) {
        const struct compaction_result *r = &compaction_results[i];
        printf("GrainDB_compaction_%umib_ms: %.1f\nGrainDB_compaction_%umib_mib_per_s: %.1f\n", r->live_mib, r->ms,
               r->live_mib, r->copied_mib / (r->ms / 1000.0));
    }
}

static void parse_environment(u32 *sizes, u32 *sizes_count) {
    const char *value = getenv("GRAINDB_BENCH_PUTS");
    if (value != NULL) puts_count = (u32)strtoul(value, NULL, 10);
    value = getenv("GRAINDB_BENCH_GETS");
    if (value != NULL) gets_count = (u32)strtoul(value, NULL, 10);
    if (puts_count == 0 || gets_count == 0 || puts_count > GRAINDB_REFS_MAX) die("bad puts/gets counts", puts_count);
    parse_sizes("GRAINDB_BENCH_RECOVERY_MIB", "1 8 64", sizes, sizes_count);
}

int main(int argc, char **argv) {
    snprintf(directory, sizeof(directory), "%s", argc > 1 ? argv[1] : "build/bench");
    if (mkdir(directory, 0755) != 0 && errno != EEXIST) die("cannot create the bench directory", errno);
    u32 sizes[RECOVERY_SIZES_MAX], sizes_count = 0;
    parse_environment(sizes, &sizes_count);
    struct engine_result engines[3] = {bench_graindb(), bench_sqlite(), bench_lmdb()};
    double logical = (double)puts_count * (KEY_BYTES + VALUE_BYTES);
    printf("GrainDB bench: %u durable puts, %u gets, %u-byte keys, %u-byte values, files in %s\n",
           puts_count, gets_count, KEY_BYTES, VALUE_BYTES, directory);
    printf("%-8s %14s %12s %14s %10s\n", "engine", "puts/s", "gets/s", "bytes on disk", "space amp");
    for (u32 i = 0; i < 3; i++) {
        engines[i].space_amplification = engines[i].bytes_on_disk / logical;
        printf("%-8s %14.0f %12.0f %14llu %10.2f\n", engines[i].name, engines[i].puts_per_s,
               engines[i].gets_per_s, (unsigned long long)engines[i].bytes_on_disk, engines[i].space_amplification);
    }
    printf("(puts: one commit each. GrainDB: batch to the log and to the tail mirror, one flush; SQLite: WAL,\n"
           " synchronous=FULL; LMDB: default sync. GrainDB's file is a pre-allocated disk image, the others\n"
           " grow their files. Space: GrainDB log + metadata zone; SQLite db + WAL; LMDB used pages.)\n");
    struct recovery_result recovery[RECOVERY_SIZES_MAX];
    printf("\nGrainDB recovery from a cold page cache (checkpoint every %u MiB):\n",
           GRAINDB_CHECKPOINT_INTERVAL_BYTES >> 20);
    printf("%8s %9s %22s %24s %14s\n", "log MiB", "commits", "after crash ms (MiB)", "full replay ms (MiB)", "after close ms");
    printf("(after crash: checkpoint + tail replay; full replay: the superblock names no checkpoint;\n"
           " after close: checkpoint only. MiB in brackets: log replayed. Opening includes repairs.)\n");
    for (u32 i = 0; i < sizes_count; i++) {
        recovery[i] = bench_recovery(sizes[i]);
        const struct recovery_result *r = &recovery[i];
        printf("%8.1f %9llu %14.1f (%5.1f) %16.1f (%5.1f) %14.1f\n", r->log_mib_actual, (unsigned long long)r->commits,
               r->crash_ms, r->crash_replayed_mib, r->full_ms, r->full_replayed_mib, r->close_ms);
    }
    print_compaction();
    bool puts_ok = engines[0].puts_per_s >= engines[2].puts_per_s;
    bool gets_ok = engines[0].gets_per_s >= engines[1].gets_per_s;
    printf("\ntarget puts/s >= LMDB: %s; gets/s >= SQLite: %s", puts_ok ? "met" : "MISSED", gets_ok ? "met" : "MISSED");
    for (u32 i = 0; i < sizes_count; i++) {
        if (recovery[i].log_mib == 64) {
            printf("; 64 MiB recovery < 1 s: %s", recovery[i].crash_ms < 1000 && recovery[i].full_ms < 1000 ? "met" : "MISSED");
        }
    }
    printf("\n\n");
    for (u32 i = 0; i < 3; i++) {
        printf("%s_puts_per_s: %.0f\n%s_gets_per_s: %.0f\n%s_space_amplification: %.2f\n", engines[i].name,
               engines[i].puts_per_s, engines[i].name, engines[i].gets_per_s, engines[i].name,
               engines[i].space_amplification);
    }
    for (u32 i = 0; i < sizes_count; i++) {
        printf("GrainDB_recovery_%umib_crash_ms: %.1f\nGrainDB_recovery_%umib_full_ms: %.1f\n", recovery[i].log_mib,
               recovery[i].crash_ms, recovery[i].log_mib, recovery[i].full_ms);
    }
    print_compaction_values();
    return 0;
}
