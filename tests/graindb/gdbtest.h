// Tiny harness for GrainDB's host tests: each case returns NULL or why it failed;
// RUN prints "ok NAME" / "not ok NAME - why", and the exit status says if any failed.
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subsystems/graindb/graindb.h"
#include "tests/graindb/testdev.h"

extern int gdbtest_failures;
extern char gdbtest_why[512];

#define RUN(test)                                                              \
    do {                                                                       \
        const char *why_ = test();                                             \
        if (why_ == NULL) printf("ok %s\n", #test);                            \
        else {                                                                 \
            printf("not ok %s - %s\n", #test, why_);                           \
            gdbtest_failures++;                                                \
        }                                                                      \
        fflush(stdout);                                                        \
    } while (0)

// Inside a test: fail with a formatted reason.
// (formats into a scratch buffer first: the arguments may be gdbtest_why itself)
#define FAIL(...)                                                              \
    do {                                                                       \
        char fail_scratch_[sizeof(gdbtest_why)];                               \
        snprintf(fail_scratch_, sizeof(fail_scratch_), __VA_ARGS__);           \
        memcpy(gdbtest_why, fail_scratch_, sizeof(gdbtest_why));               \
        return gdbtest_why;                                                    \
    } while (0)
#define EXPECT(cond, ...)                                                      \
    do {                                                                       \
        if (!(cond)) FAIL(__VA_ARGS__);                                        \
    } while (0)
#define EXPECT_RC(expr, want)                                                  \
    do {                                                                       \
        long long got_ = (long long)(expr);                                    \
        if (got_ != (long long)(want)) FAIL("%s = %lld, want %lld (line %d)", #expr, got_, (long long)(want), __LINE__); \
    } while (0)

// A database and a device large enough for most cases (static: struct graindb is big).
extern struct graindb gdbtest_db;
extern struct platform gdbtest_dev;

// Fresh device of `sectors`, formatted and opened.
const char *gdbtest_fresh(u64 sectors, u64 db_id);
void gdbtest_key(char *key, u32 index);                // 16-byte keys
void gdbtest_value(u8 *value, u32 bytes, u64 seed);   // deterministic bytes
int gdbtest_finish(void);

// A workload of numbered commits (key i % 7, value seeded by i), for the fault tests:
// gdbtest_batch_position[i] is the log position of commit i's batch.
#define GDBTEST_COMMITS 20u
#define GDBTEST_COMMITS_MAX 64u
extern u64 gdbtest_batch_position[GDBTEST_COMMITS_MAX];
const char *gdbtest_write_commits(u32 first, u32 last);
const char *gdbtest_fresh_with_commits(u64 db_id); // gdbtest_fresh, then commits 1..GDBTEST_COMMITS
const char *gdbtest_check_value(u32 key_index, u64 seed); // the key holds the value of commit `seed`
