// Unit tests of zix's GC marking (src/subsystems/zix/zix_gc.c) against a brute-force
// reachability (a fixed point over all edges) on random graphs with cycles, self
// references, no roots, and a chain as deep as the store is large.
#include "tests/zix/zix_test.h"

#define EDGES_MAX (ZIX_GC_PATHS_MAX * 4)

static u32 offsets[ZIX_GC_PATHS_MAX + 1];
static u16 targets[EDGES_MAX];
static bool is_root[ZIX_GC_PATHS_MAX];
static bool live[ZIX_GC_PATHS_MAX];
static bool expected[ZIX_GC_PATHS_MAX];
static u16 stack[ZIX_GC_PATHS_MAX];

// Repeats "a live path makes its targets live" until nothing changes.
static u32 brute_force(u32 count) {
    for (u32 i = 0; i < count; i++) expected[i] = is_root[i];
    bool changed = true;
    while (changed) {
        changed = false;
        for (u32 i = 0; i < count; i++) {
            if (!expected[i]) continue;
            for (u32 k = offsets[i]; k < offsets[i + 1]; k++) {
                if (!expected[targets[k]]) expected[targets[k]] = changed = true;
            }
        }
    }
    u32 marked = 0;
    for (u32 i = 0; i < count; i++) marked += expected[i];
    return marked;
}

static void random_graph(u32 count, u32 degree_max, u32 root_percent) {
    u32 edges = 0;
    for (u32 i = 0; i < count; i++) {
        offsets[i] = edges;
        u32 degree = test_below(degree_max + 1);
        for (u32 k = 0; k < degree && edges < EDGES_MAX; k++) targets[edges++] = (u16)test_below(count);
        is_root[i] = test_below(100) < root_percent;
    }
    offsets[count] = edges;
}

static bool same(u32 count, u32 marked) {
    if (marked != brute_force(count)) return false;
    for (u32 i = 0; i < count; i++) {
        if (live[i] != expected[i]) return false;
    }
    return true;
}

static void test_random_graphs(void) {
    u32 agree = 0, runs = 3000, partial = 0;
    for (u32 run = 0; run < runs; run++) {
        u32 count = 1 + test_below(run % 10 == 0 ? ZIX_GC_PATHS_MAX : 40);
        random_graph(count, 1 + test_below(4), test_below(15));
        memset(live, 1, sizeof(live)); // stale marks must be cleared
        u32 marked = zix_gc_mark(count, offsets, targets, is_root, live, stack);
        agree += same(count, marked);
        partial += marked > 0 && marked < count;
    }
    UNIT_CHECK("gc: agrees with brute force on 3000 random graphs", agree == runs);
    UNIT_CHECK("gc: the graphs were not trivial (some partly live)", partial > runs / 4);
}

static void test_shapes(void) {
    // A chain 0 -> 1 -> ... -> 1023 -> 0 (a cycle through everything), rooted at 512.
    for (u32 i = 0; i < ZIX_GC_PATHS_MAX; i++) {
        offsets[i] = i;
        targets[i] = (u16)((i + 1) % ZIX_GC_PATHS_MAX);
        is_root[i] = i == 512;
    }
    offsets[ZIX_GC_PATHS_MAX] = ZIX_GC_PATHS_MAX;
    UNIT_CHECK("gc: a cycle through 1024 paths, all live", zix_gc_mark(ZIX_GC_PATHS_MAX, offsets, targets, is_root, live, stack) ==
               ZIX_GC_PATHS_MAX && same(ZIX_GC_PATHS_MAX, ZIX_GC_PATHS_MAX));
    // Every path references itself and path 0; no root: nothing live.
    for (u32 i = 0; i < 8; i++) {
        offsets[i] = 2 * i;
        targets[2 * i] = (u16)i;
        targets[2 * i + 1] = 0;
        is_root[i] = false;
    }
    offsets[8] = 16;
    UNIT_CHECK("gc: no root, nothing live", zix_gc_mark(8, offsets, targets, is_root, live, stack) == 0 && same(8, 0));
    is_root[5] = true;
    UNIT_CHECK("gc: a root with a self reference reaches itself and 0", zix_gc_mark(8, offsets, targets, is_root, live, stack) == 2 &&
               live[5] && live[0] && !live[1]);
    UNIT_CHECK("gc: no paths", zix_gc_mark(0, offsets, targets, is_root, live, stack) == 0);
}

int main(void) {
    test_random_graphs();
    test_shapes();
    UNIT_EXIT();
}
