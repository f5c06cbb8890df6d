// zixbench: Zix's benchmark workload (issue 13), as init's zixbench phase runs it
// (init.zixbench=1, zixbench.n=N): N recipes (default 1000) as N/20 independent chains
// of 20, each recipe taking the previous one of its chain as input (the kernel resolves
// a recipe's whole closure at every START, ZIX_RESOLVE_DEPTH_MAX deep, so one DAG whose
// top reaches all N could not be resolved in one call). As root, on the monotonic clock:
//   build  every chain's top built from an empty store, inputs first as `zix build`
//          does (START; on E_AGAIN the missing input first; WAIT);
//   noop   START of every one of the N again: each must be CACHED (no builder);
//   gc     one GC with no roots: all N paths must be freed.
// One machine-readable line of the times ("~zixbench: build_ms=... noop_ms=... gc_ms=...
// paths=N", nondeterministic on QEMU), and a check per measure (report_check). The
// builder is this program ("build OUT TAG [PREV]": one file, $out/v, naming its input,
// so each path references the one before it).
#include <stdio.h>
#include <string.h>

#include "user/tests/lib/test.h"

BASIN_PROGRAM("zixbench");

#define SELF TEST_PATH("zixbench")
#define BENCH_DIR "/tmp/zixbench"
#define CHAIN_LENGTH 20u
#define RECIPES_DEFAULT 1000u
#define RECIPES_MAX 1000u           // below ZIX_STORE_PATHS_MAX (1024) and /zix/store's entries
#define RECIPE_PATH_BYTES 64u
#define RECIPE_TEXT_BYTES 256u
#define NS_PER_MS 1000000ull

static u32 failures;
static struct abi_zix_build result;
static char stack[CHAIN_LENGTH + 1][ABI_ZIX_MISSING_BYTES + RECIPE_PATH_BYTES];

static i64 write_file(const char *path, const char *text) {
    i64 fd = sys_open(path, ABI_O_WRONLY | ABI_O_CREAT | ABI_O_TRUNC, 0644);
    if (fd < 0) return fd;
    i64 written = sys_write(fd, text, strlen(text));
    sys_close(fd);
    return written < 0 ? written : 0;
}

static void recipe_path(u32 chain, u32 step, char out[RECIPE_PATH_BYTES]) {
    snprintf(out, RECIPE_PATH_BYTES, BENCH_DIR "/c%02u/r%02u", chain, step);
}

// Chain c's recipes: r00 has no input, each later one the one before it.
static bool chain_write(u32 chain) {
    char path[RECIPE_PATH_BYTES], text[RECIPE_TEXT_BYTES];
    snprintf(path, sizeof path, BENCH_DIR "/c%02u", chain);
    i64 made = sys_mkdir(path, 0755);
    if (made < 0 && made != -E_EXIST) return false;
    for (u32 step = 0; step < CHAIN_LENGTH; step++) {
        int at = snprintf(text, sizeof text, "name = zb-c%02u-r%02u\nbuilder = " SELF "\narg = build\narg = $out\n"
                          "arg = c%02u-r%02u\n", chain, step, chain, step);
        if (step > 0) snprintf(text + at, sizeof text - at, "arg = $prev\ninput prev = recipe r%02u\n", step - 1);
        recipe_path(chain, step, path);
        if (write_file(path, text) < 0) return false;
    }
    return true;
}

// The missing input's file as START takes it: absolute, or relative to its recipe's folder.
static void missing_push(u32 depth) {
    const char *recipe = stack[depth - 1];
    const char *slash = strrchr(recipe, '/');
    int folder = result.missing[0] == '/' || slash == NULL ? 0 : (int)(slash - recipe) + 1;
    char joined[sizeof stack[0]]; // apart from the stack: snprintf's source and destination never overlap
    snprintf(joined, sizeof joined, "%.*s%s", folder, recipe, result.missing);
    memcpy(stack[depth], joined, sizeof joined);
}

// One recipe and its unbuilt inputs, depth first on an explicit stack, as `zix build`.
// Counts the builders it waited for; false (said) on any error.
static bool build_closure(const char *top, u32 *builders) {
    u32 depth = 1;
    snprintf(stack[0], sizeof stack[0], "%s", top);
    for (u32 steps = 0; depth > 0 && steps < 4 * CHAIN_LENGTH * CHAIN_LENGTH; steps++) {
        memset(&result, 0, sizeof result);
        i64 started = sys_zix_build(ABI_ZIX_BUILD_START, (u64)(uintptr_t)stack[depth - 1], &result);
        if (started == -E_AGAIN && result.missing[0] != '\0' && depth <= CHAIN_LENGTH) {
            missing_push(depth);
            depth++;
            continue;
        }
        if (started < 0) { say("start %s: %s %s", stack[depth - 1], error_name(started), result.missing); return false; }
        if (result.status == ABI_ZIX_RUNNING) {
            char path[ABI_ZIX_PATH_BYTES];
            memcpy(path, result.path, sizeof path);
            u32 id = result.build_id;
            memset(&result, 0, sizeof result);
            i64 waited = sys_zix_build(ABI_ZIX_BUILD_WAIT, id, &result);
            if (waited < 0 || result.status != ABI_ZIX_REGISTERED) {
                say("build of %s: %s status %u", path, error_name(waited), result.status);
                return false;
            }
            (*builders)++;
        } else if (result.status != ABI_ZIX_CACHED) {
            say("start %s: status %u", stack[depth - 1], result.status);
            return false;
        }
        depth--;
    }
    return depth == 0;
}

static u64 ms_since(u64 start_ns) {
    return (monotonic_ns() - start_ns) / NS_PER_MS;
}

// Every chain's top, from an empty store: each of the n recipes needs one builder.
static u64 bench_build(u32 chains) {
    u64 start_ns = monotonic_ns();
    u32 builders = 0;
    bool ok = true;
    char top[RECIPE_PATH_BYTES];
    for (u32 chain = 0; chain < chains && ok; chain++) {
        recipe_path(chain, CHAIN_LENGTH - 1, top);
        ok = build_closure(top, &builders);
    }
    u64 elapsed_ms = ms_since(start_ns);
    say("build from empty: %u builders for %u recipes%s", builders, chains * CHAIN_LENGTH, ok ? "" : ", FAILED");
    u32 bad = !ok || builders != chains * CHAIN_LENGTH;
    failures += bad;
    report_check("zixbench build from empty", bad, 0);
    return elapsed_ms;
}

// START of every recipe again: all CACHED, no builder spawned.
static u64 bench_noop(u32 chains) {
    u64 start_ns = monotonic_ns();
    u32 cached = 0, other = 0;
    char path[RECIPE_PATH_BYTES];
    for (u32 chain = 0; chain < chains; chain++) {
        for (u32 step = 0; step < CHAIN_LENGTH; step++) {
            recipe_path(chain, step, path);
            memset(&result, 0, sizeof result);
            i64 started = sys_zix_build(ABI_ZIX_BUILD_START, (u64)(uintptr_t)path, &result);
            if (started == 0 && result.status == ABI_ZIX_CACHED) cached++;
            else other++;
            if (started == 0 && result.status == ABI_ZIX_RUNNING) (void)sys_zix_build(ABI_ZIX_BUILD_WAIT, result.build_id, &result);
        }
    }
    u64 elapsed_ms = ms_since(start_ns);
    say("no-op rebuild: %u cached, %u not (builders spawned or errors)", cached, other);
    u32 bad = other != 0 || cached != chains * CHAIN_LENGTH;
    if (bad) say("FAIL: the no-op rebuild was not all cache hits");
    failures += bad;
    report_check("zixbench no-op rebuild all cached", bad, 0);
    return elapsed_ms;
}

// One GC with no roots: every path freed, none kept.
static u64 bench_gc(u32 paths) {
    static struct abi_zix_gc gc;
    u64 start_ns = monotonic_ns();
    i64 collected = sys_zix_store(ABI_ZIX_STORE_GC, 0, &gc);
    u64 elapsed_ms = ms_since(start_ns);
    struct abi_zix_info info;
    i64 first = sys_zix_store(ABI_ZIX_STORE_NTH, 0, &info);
    say("gc: %s, %u roots, %u kept, %u freed; then the first path: %s", error_name(collected), gc.roots, gc.kept,
        gc.freed, error_name(first));
    u32 bad = collected != 0 || gc.freed != paths || gc.kept != 0 || first != -E_NOENT;
    failures += bad;
    report_check("zixbench gc frees every path", bad, 0);
    return elapsed_ms;
}

static int bench(u32 recipes) {
    u32 chains = recipes / CHAIN_LENGTH;
    i64 made = sys_mkdir(BENCH_DIR, 0755);
    if (made < 0 && made != -E_EXIST) fail("mkdir " BENCH_DIR ": %s", error_name(made));
    for (u32 chain = 0; chain < chains; chain++) {
        if (!chain_write(chain)) fail("cannot write chain %u's recipes", chain);
    }
    say("%u recipes as %u chains of %u", recipes, chains, CHAIN_LENGTH);
    u64 build_ms = bench_build(chains);
    u64 noop_ms = bench_noop(chains);
    u64 gc_ms = bench_gc(recipes);
    note("build_ms=%llu noop_ms=%llu gc_ms=%llu paths=%u chains=%u depth=%u", (unsigned long long)build_ms,
         (unsigned long long)noop_ms, (unsigned long long)gc_ms, recipes, chains, CHAIN_LENGTH);
    say("%u failures", failures);
    return failures == 0 ? 0 : 1;
}

// The builder: $out/v names its tag and its input's store path (a reference).
static int builder(const char *out, const char *tag, const char *prev) {
    char path[ABI_ZIX_PATH_BYTES + 8], text[ABI_ZIX_PATH_BYTES + 32];
    snprintf(path, sizeof path, "%s/v", out);
    snprintf(text, sizeof text, "%s %s\n", tag, prev);
    return write_file(path, text) == 0 ? 0 : 1;
}

// A decimal count of recipes: true when text is one in 1..RECIPES_MAX.
static bool recipes_parse(const char *text, u32 *out) {
    u32 value = 0;
    if (*text == '\0') return false;
    for (; *text != '\0'; text++) {
        if (*text < '0' || *text > '9') return false;
        value = value * 10u + (u32)(*text - '0');
        if (value > RECIPES_MAX) return false;
    }
    *out = value;
    return value > 0;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "build") == 0) return builder(argc > 2 ? argv[2] : "", argc > 3 ? argv[3] : "", argc > 4 ? argv[4] : "");
    u32 recipes = RECIPES_DEFAULT;
    if (argc > 1 && (!recipes_parse(argv[1], &recipes) || recipes % CHAIN_LENGTH != 0)) {
        fail("usage: zixbench [N]: N a multiple of %u, at most %u", CHAIN_LENGTH, RECIPES_MAX);
    }
    return bench(recipes);
}
