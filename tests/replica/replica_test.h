// Shared by the replica engine's unit tests (tests/replica): the panic hook (an engine
// assert aborts the test), a seeded generator, checks that count, and helpers to make
// engines, values and versions. Built with the address and undefined-behaviour
// sanitizers (Makefile), so a read outside a datagram fails the test.
#pragma once

#include <bearssl_hash.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/abi.h"
#include "subsystems/graindb/replica.h"

_Noreturn void platform_panic(const char *file, u32 line, const char *what) {
    fprintf(stderr, "panic at %s:%u: %s\n", file, line, what);
    abort();
}

static u64 test_random_state = 0x5eed2026u;
static inline u64 test_random(void) {
    u64 z = (test_random_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static inline u32 test_below(u32 n) { return n == 0 ? 0 : (u32)(test_random() % n); }

// Checks: each counted; a failure prints "not ok"; test_group prints "ok NAME (N checks)"
// when the group had no failure.
static u64 test_checks;
static u64 test_failures;
static u64 test_group_failures;
#define CHECK(cond)                                                                    \
    do {                                                                               \
        test_checks++;                                                                 \
        if (!(cond)) {                                                                 \
            test_failures++;                                                           \
            printf("not ok %s:%d: %s\n", __FILE__, __LINE__, #cond);                   \
        }                                                                              \
    } while (0)
static inline void test_group(const char *name) {
    if (test_failures == test_group_failures) printf("ok %s\n", name);
    else printf("not ok %s (%llu failures)\n", name, (unsigned long long)(test_failures - test_group_failures));
    test_group_failures = test_failures;
}
static inline int test_finish(void) {
    printf("%llu checks passed, %llu failed\n", (unsigned long long)(test_checks - test_failures),
           (unsigned long long)test_failures);
    return test_failures == 0 ? 0 : 1;
}

static inline struct replica *test_engine(u32 node, u32 nodes) {
    struct replica *r = malloc(sizeof(*r));
    if (r == NULL) abort();
    replica_init(r, node, nodes);
    return r;
}

static inline void test_sha256(const u8 *bytes, u32 count, u8 out[REPLICA_HASH_BYTES]) {
    br_sha256_context context;
    br_sha256_init(&context);
    br_sha256_update(&context, bytes, count);
    br_sha256_out(&context, out);
}

// A version of key (a C string) with the given fields; its value is the string value.
static inline struct replica_version test_version(const char *key, u64 hlc, u32 node, u32 uid,
                                                  const char *value) {
    struct replica_version v;
    memset(&v, 0, sizeof(v));
    v.hlc = hlc;
    v.node = (u8)node;
    v.uid = uid;
    v.key_len = (u8)strlen(key);
    memcpy(v.key, key, v.key_len);
    v.value_bytes = (u16)strlen(value);
    test_sha256((const u8 *)value, v.value_bytes, v.value_hash);
    return v;
}

static inline bool test_same_version(const struct replica_version *a, const struct replica_version *b) {
    return a->hlc == b->hlc && a->node == b->node && a->uid == b->uid && a->key_len == b->key_len &&
           a->value_bytes == b->value_bytes && memcmp(a->key, b->key, a->key_len) == 0 &&
           memcmp(a->value_hash, b->value_hash, REPLICA_HASH_BYTES) == 0;
}
