// zixtest: Zix's builds (issue 13), end to end, as init's zix phase runs it (init.zix=1).
// As root: recipes written into /tmp/zixtest-root; a build registers and its bytes are
// read back; START again is CACHED; PATH gives START's path; a failing builder is
// FAILED and registers nothing; a builder probing its sandbox (/etc/passwd, a write
// into /zix/store, "/", sudo) records E_ACCES / E_PERM; a builder recording the
// realtime clock and random bytes is rebuilt by CHECK as SAME; a source input is
// imported and read by the builder; a cycle is E_LOOP; an unbuilt recipe input is
// E_AGAIN naming its file; xy (uid 1000, its own recipes) builds too, and may not WAIT
// root's build. Also: a directory source; the build log; a START joining a running
// build (root's twice, xy's once, each collected); a bad recipe's FILE:LINE: FIELD; a
// builder's child killed with the build; CHECK and REPAIR of a damaged output; the
// builder's own monotonic clock and sleep; the 60 s timeout; a result dropped when
// nobody collects it; xy's share of two builds. One line per check; exit status: the
// number of failures. The builders are this program: build-* sub-commands (/test is
// readable inside the sandbox).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/tests/lib/test.h"

BASIN_PROGRAM("zixtest");

#define SELF TEST_PATH("zixtest")
#define FILE_BYTES_MAX 512
#define SLOW_BUILD_NS 1500000000ull
#define HANG_NS 1000000000000ull      // past the build timeout (60 s)
#define SETTLE_NS 50000000ull         // for init to reap a killed orphan
#define DONE_KEEP_NS 60000000000ull   // ZIX_DONE_KEEP_NS: an uncollected result is dropped

#define CHECK(what, result, expected) (failures += !expect_result((what), (result), (expected)))

static u32 failures;
static char dir[64];

static i64 write_file(const char *path, const char *text) {
    i64 fd = sys_open(path, ABI_O_WRONLY | ABI_O_CREAT | ABI_O_TRUNC, 0644);
    if (fd < 0) return fd;
    i64 written = sys_write(fd, text, strlen(text));
    sys_close(fd);
    return written < 0 ? written : 0;
}

// The whole file at path (NUL-terminated) or -error.
static i64 read_file(const char *path, char *out, u64 capacity) {
    i64 fd = sys_open(path, ABI_O_RDONLY, 0);
    if (fd < 0) return fd;
    i64 got = sys_read(fd, out, capacity - 1);
    sys_close(fd);
    if (got < 0) return got;
    out[got] = '\0';
    return got;
}

// A file of the test's directory (text NULL: a directory).
static void recipe(const char *name, const char *text) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    i64 made = text != NULL ? write_file(path, text) : sys_mkdir(path, 0755);
    if (made < 0 && !(text == NULL && made == -E_EXIST)) { say("cannot write %s: %s", path, error_name(made)); failures++; }
}

static i64 zix(u64 op, const char *name, struct abi_zix_build *out) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    memset(out, 0, sizeof *out);
    return sys_zix_build(op, (u64)(uintptr_t)path, out);
}

static i64 zix_wait(u32 build_id, struct abi_zix_build *out) {
    memset(out, 0, sizeof *out);
    return sys_zix_build(ABI_ZIX_BUILD_WAIT, build_id, out);
}

// START then WAIT: the final status (or the error), the result in out.
static i64 build(const char *what, const char *name, struct abi_zix_build *out) {
    i64 started = zix(ABI_ZIX_BUILD_START, name, out);
    if (started < 0) return started;
    if (out->status != ABI_ZIX_RUNNING) return out->status;
    i64 waited = zix_wait(out->build_id, out);
    say("%s: %s status %u exit %ld, log %s", what, out->path, out->status, (long)out->exit_status.exit_code,
        out->log_path);
    return waited < 0 ? waited : out->status;
}

// ---- builders ------------------------------------------------------------------------

static int builder_hello(const char *out) {
    char path[128];
    snprintf(path, sizeof path, "%s/hello", out);
    say("writing %s", path); // into the build's log (fd 1)
    return write_file(path, "hello\n") == 0 ? 0 : 1;
}

// What the sandbox answers: each result recorded in $out/result.
static int builder_probe(const char *out) {
    char bytes[8];
    i64 passwd = sys_open("/etc/passwd", ABI_O_RDONLY, 0);
    i64 store = sys_open("/zix/store/planted", ABI_O_WRONLY | ABI_O_CREAT, 0644);
    struct abi_stat st;
    i64 root = sys_stat("/", &st);
    const char *const argv[] = {"/bin/sh", NULL};
    i64 sudo = sys_sudo("/bin/sh", argv, "");
    i64 time_csr_ok = sys_getrandom(bytes, sizeof bytes, 0);
    char text[160], path[128];
    snprintf(text, sizeof text, "passwd=%ld store=%ld root=%ld sudo=%ld random=%ld\n", (long)passwd, (long)store,
             (long)root, (long)sudo, (long)time_csr_ok);
    (void)sys_write(1, text, strlen(text));
    snprintf(path, sizeof path, "%s/result", out);
    return write_file(path, text) == 0 ? 0 : 1;
}

// What a build must not depend on, made fixed by the sandbox: the clock, random bytes.
static int builder_fixed(const char *out) {
    u64 now_ns = 0;
    u8 bytes[40];
    if (sys_clock_gettime(ABI_CLOCK_REALTIME, &now_ns) < 0) return 2;
    if (sys_getrandom(bytes, sizeof bytes, 0) != (i64)sizeof bytes) return 3;
    char text[128], path[128];
    int at = snprintf(text, sizeof text, "realtime=%llu random=", (unsigned long long)now_ns);
    for (u32 i = 0; i < sizeof bytes && at < (int)sizeof text - 3; i++) at += snprintf(text + at, sizeof text - at, "%02x", bytes[i]);
    snprintf(text + at, sizeof text - at, "\n");
    snprintf(path, sizeof path, "%s/fixed", out);
    return write_file(path, text) == 0 ? 0 : 1;
}

// Copies the input file (a source's store path) into $out/copy.
static int builder_copy(const char *out, const char *input) {
    char bytes[FILE_BYTES_MAX], path[128];
    if (read_file(input, bytes, sizeof bytes) < 0) return 2;
    snprintf(path, sizeof path, "%s/copy", out);
    return write_file(path, bytes) == 0 ? 0 : 1;
}

// Leaves a child behind (its pid in $out/pid): the kernel kills it with the build.
static int builder_orphan(const char *out) {
    const char *const argv[] = {"zixtest", "hang", NULL};
    i64 child = sys_spawn(SELF, argv, (u64)sys_getuid());
    if (child < 0) return 2;
    char text[32], path[128];
    snprintf(text, sizeof text, "%ld", (long)child);
    snprintf(path, sizeof path, "%s/pid", out);
    return write_file(path, text) == 0 ? 0 : 1;
}

static int hang(void) {
    for (;;) (void)sys_sleep_until(monotonic_ns() + HANG_NS);
    return 0;
}

// Reads a directory source's two files (tree/a, tree/sub/b) into $out/copy.
static int builder_tree(const char *out, const char *tree) {
    char a[64], b[64], path[128], text[160];
    snprintf(path, sizeof path, "%s/a", tree);
    if (read_file(path, a, sizeof a) < 0) return 2;
    snprintf(path, sizeof path, "%s/sub/b", tree);
    if (read_file(path, b, sizeof b) < 0) return 3;
    snprintf(text, sizeof text, "%s%s", a, b);
    snprintf(path, sizeof path, "%s/copy", out);
    return write_file(path, text) == 0 ? 0 : 1;
}

// Sleeps on the sandbox's monotonic clock (from the build's start); records it.
static int builder_slow(const char *out) {
    u64 before_ns = monotonic_ns();
    (void)sys_sleep_until(before_ns + SLOW_BUILD_NS);
    u64 after_ns = monotonic_ns();
    char text[96], path[128];
    snprintf(text, sizeof text, "%llu %llu\n", (unsigned long long)before_ns, (unsigned long long)after_ns);
    snprintf(path, sizeof path, "%s/clock", out);
    if (write_file(path, text) < 0) return 1;
    return builder_hello(out);
}

// ---- the checks ------------------------------------------------------------------------

static void write_recipes(const char *who) {
    char text[512];
    snprintf(text, sizeof text, "name = hello\nbuilder = " SELF "\narg = build-hello\narg = $out\nvar who = %s\n", who);
    recipe("hello.zix", text);
    snprintf(text, sizeof text, "name = fails\nbuilder = " SELF "\narg = build-fail\nvar who = %s\n", who);
    recipe("fail.zix", text);
    snprintf(text, sizeof text, "name = probe\nbuilder = " SELF "\narg = build-probe\narg = $out\nvar who = %s\n", who);
    recipe("probe.zix", text);
    snprintf(text, sizeof text, "name = fixed\nbuilder = " SELF "\narg = build-fixed\narg = $out\nvar who = %s\n", who);
    recipe("fixed.zix", text);
    recipe("data.txt", "source bytes\n");
    snprintf(text, sizeof text, "name = copy\nbuilder = " SELF "\narg = build-copy\narg = $out\narg = $data\n"
             "input data = source data.txt\nvar who = %s\n", who);
    recipe("copy.zix", text);
    recipe("tree", NULL);
    recipe("tree/sub", NULL);
    recipe("tree/a", "first\n");
    recipe("tree/sub/b", "second\n");
    snprintf(text, sizeof text, "name = tree\nbuilder = " SELF "\narg = build-tree\narg = $out\narg = $src\n"
             "input src = source tree\nvar who = %s\n", who);
    recipe("tree.zix", text);
    recipe("a.zix", "name = a\nbuilder = " SELF "\ninput b = recipe b.zix\n");
    recipe("b.zix", "name = b\nbuilder = " SELF "\ninput a = recipe a.zix\n");
    snprintf(text, sizeof text, "name = unbuilt\nbuilder = " SELF "\narg = build-hello\narg = $out\nvar who = %s-other\n", who);
    recipe("unbuilt.zix", text);
    recipe("needs.zix", "name = needs\nbuilder = " SELF "\ninput u = recipe unbuilt.zix\n");
    for (u32 i = 0; i < 3; i++) {
        char name[16];
        snprintf(text, sizeof text, "name = slow\nbuilder = " SELF "\narg = build-slow\narg = $out\nvar who = %s%u\n", who, i);
        snprintf(name, sizeof name, "slow%u.zix", i);
        recipe(name, text);
    }
    snprintf(text, sizeof text, "name = orphan\nbuilder = " SELF "\narg = build-orphan\narg = $out\nvar who = %s\n", who);
    recipe("orphan.zix", text);
    snprintf(text, sizeof text, "name = hang\nbuilder = " SELF "\narg = build-hang\nvar who = %s\n", who);
    recipe("hang.zix", text);
}

static void check_hello(void) {
    struct abi_zix_build r;
    CHECK("START+WAIT hello: REGISTERED", build("hello", "hello.zix", &r), ABI_ZIX_REGISTERED);
    char path[160], bytes[64];
    snprintf(path, sizeof path, "%s/hello", r.path);
    i64 got = read_file(path, bytes, sizeof bytes);
    CHECK("hello's output reads \"hello\\n\"", got == 6 && strcmp(bytes, "hello\n") == 0, 1);
    char log[FILE_BYTES_MAX], expected[192];
    snprintf(expected, sizeof expected, "writing %s/hello", r.path);
    got = read_file(r.log_path, log, sizeof log);
    CHECK("hello's log holds what the builder wrote to fd 1", got > 0 && strstr(log, expected) != NULL, 1);
    char store_path[ABI_ZIX_PATH_BYTES];
    strcpy(store_path, r.path);
    CHECK("START hello again: 0", zix(ABI_ZIX_BUILD_START, "hello.zix", &r), 0);
    CHECK("START hello again: CACHED (no builder)", r.status, ABI_ZIX_CACHED);
    CHECK("PATH hello: 0", zix(ABI_ZIX_BUILD_PATH, "hello.zix", &r), 0);
    CHECK("PATH hello: REGISTERED", r.status, ABI_ZIX_REGISTERED);
    CHECK("PATH hello equals START's path", strcmp(r.path, store_path), 0);
}

static void check_fail(void) {
    struct abi_zix_build r;
    CHECK("START+WAIT fails: FAILED", build("fails", "fail.zix", &r), ABI_ZIX_FAILED);
    CHECK("fails: the builder's exit code (3)", r.exit_status.exit_code, 3);
    CHECK("PATH fails: ABSENT (nothing registered)", zix(ABI_ZIX_BUILD_PATH, "fail.zix", &r) == 0 ? r.status : 99,
          ABI_ZIX_ABSENT);
}

static void check_probe(void) {
    struct abi_zix_build r;
    CHECK("START+WAIT probe: REGISTERED", build("probe", "probe.zix", &r), ABI_ZIX_REGISTERED);
    char path[160], bytes[FILE_BYTES_MAX], expected[160];
    snprintf(path, sizeof path, "%s/result", r.path);
    (void)read_file(path, bytes, sizeof bytes);
    snprintf(expected, sizeof expected, "passwd=%ld store=%ld root=%ld sudo=%ld random=8\n", (long)-E_ACCES,
             (long)-E_ACCES, (long)-E_ACCES, (long)-E_PERM);
    say("probe recorded: %s", bytes);
    CHECK("the sandbox refused /etc/passwd, /zix/store, / (E_ACCES) and sudo (E_PERM)", strcmp(bytes, expected), 0);
}

static void check_fixed(void) {
    struct abi_zix_build r;
    CHECK("START+WAIT fixed: REGISTERED", build("fixed", "fixed.zix", &r), ABI_ZIX_REGISTERED);
    char path[160], bytes[FILE_BYTES_MAX];
    snprintf(path, sizeof path, "%s/fixed", r.path);
    (void)read_file(path, bytes, sizeof bytes);
    CHECK("fixed: realtime is 1 s after the epoch", strncmp(bytes, "realtime=1000000000 ", 20), 0);
    char store_path[ABI_ZIX_PATH_BYTES];
    strcpy(store_path, r.path);
    memset(&r, 0, sizeof r);
    CHECK("CHECK fixed: 0", sys_zix_build(ABI_ZIX_BUILD_CHECK, (u64)(uintptr_t)store_path, &r), 0);
    CHECK("CHECK fixed: RUNNING", r.status, ABI_ZIX_RUNNING);
    CHECK("WAIT on the check: 0", zix_wait(r.build_id, &r), 0);
    CHECK("the rebuild hashes as registered: SAME", r.status, ABI_ZIX_SAME);
    CHECK("nar_hash equals registered_hash", memcmp(r.nar_hash, r.registered_hash, 32), 0);
}

static void check_inputs(void) {
    struct abi_zix_build r;
    CHECK("START+WAIT copy (a source input): REGISTERED", build("copy", "copy.zix", &r), ABI_ZIX_REGISTERED);
    char path[160], bytes[64], missing[160];
    snprintf(path, sizeof path, "%s/copy", r.path);
    i64 got = read_file(path, bytes, sizeof bytes);
    CHECK("the builder read the imported source", got > 0 && strcmp(bytes, "source bytes\n") == 0, 1);
    CHECK("START+WAIT tree (a directory source): REGISTERED", build("tree", "tree.zix", &r), ABI_ZIX_REGISTERED);
    snprintf(path, sizeof path, "%s/copy", r.path);
    got = read_file(path, bytes, sizeof bytes);
    CHECK("the builder read the imported directory", got > 0 && strcmp(bytes, "first\nsecond\n") == 0, 1);
    CHECK("a cycle: E_LOOP", zix(ABI_ZIX_BUILD_START, "a.zix", &r), -E_LOOP);
    say("cycle: missing %s", r.missing);
    CHECK("an unbuilt recipe input: E_AGAIN", zix(ABI_ZIX_BUILD_START, "needs.zix", &r), -E_AGAIN);
    snprintf(missing, sizeof missing, "%s/unbuilt.zix", dir);
    say("unbuilt: missing %s", r.missing);
    CHECK("E_AGAIN names the unbuilt recipe's file", strcmp(r.missing, missing), 0);
    CHECK("PATH of it needs nothing built: 0", zix(ABI_ZIX_BUILD_PATH, "needs.zix", &r), 0);
    CHECK("a WAIT on no such build: E_NOENT", zix_wait(999999, &r), -E_NOENT);
}

// Root's slow build; xy (a child) may not WAIT it.
static void check_wait_other(void) {
    struct abi_zix_build r;
    CHECK("START slow: 0", zix(ABI_ZIX_BUILD_START, "slow0.zix", &r), 0);
    char id[16];
    snprintf(id, sizeof id, "%u", r.build_id);
    const char *const argv[] = {"zixtest", "wait-other", id, NULL};
    i64 pid = sys_spawn(SELF, argv, ABI_UID_USER);
    struct abi_wait_status status;
    CHECK("xy's WAIT on root's build: refused (its exit 0)", sys_wait(pid, &status, 0) == pid ? status.exit_code : -1, 0);
    CHECK("root's WAIT on slow: 0", zix_wait(r.build_id, &r), 0);
    CHECK("slow: REGISTERED", r.status, ABI_ZIX_REGISTERED);
    char path[160], bytes[96];
    snprintf(path, sizeof path, "%s/clock", r.path);
    unsigned long long before_ns = 0, after_ns = 0;
    if (read_file(path, bytes, sizeof bytes) > 0) {
        char *end = NULL;
        before_ns = strtoull(bytes, &end, 10);
        after_ns = strtoull(end, NULL, 10);
    }
    say("slow's monotonic clock: %llu then %llu", before_ns, after_ns);
    CHECK("slow: its monotonic clock starts near 0 (under 100 ms)", before_ns < 100000000ull, 1);
    CHECK("slow: its sleep_until on that clock slept 1.5 s", after_ns >= before_ns + SLOW_BUILD_NS && after_ns < before_ns + 2 * SLOW_BUILD_NS, 1);
}

// A builder's child outlives it: killed with the build, then reaped by init.
static void check_orphan(void) {
    struct abi_zix_build r;
    CHECK("START+WAIT orphan: REGISTERED", build("orphan", "orphan.zix", &r), ABI_ZIX_REGISTERED);
    char path[160], bytes[32];
    snprintf(path, sizeof path, "%s/pid", r.path);
    i64 got = read_file(path, bytes, sizeof bytes);
    i64 child = got > 0 ? strtoll(bytes, NULL, 10) : 0;
    (void)sys_sleep_until(monotonic_ns() + SETTLE_NS);
    CHECK("the builder's child was killed with the build (no such pid)", child > 0 ? sys_kill(child, 0) : 0, -E_SRCH);
}

// Root damages a registered output; REPAIR rebuilds it and puts it back.
static void check_repair(void) {
    struct abi_zix_build r;
    CHECK("PATH hello: 0", zix(ABI_ZIX_BUILD_PATH, "hello.zix", &r), 0);
    char store_path[ABI_ZIX_PATH_BYTES], path[160], bytes[64];
    strcpy(store_path, r.path);
    snprintf(path, sizeof path, "%s/hello", store_path);
    CHECK("root damages hello's output", write_file(path, "damaged\n"), 0);
    memset(&r, 0, sizeof r);
    CHECK("CHECK damaged hello: 0", sys_zix_build(ABI_ZIX_BUILD_CHECK, (u64)(uintptr_t)store_path, &r), 0);
    CHECK("CHECK damaged hello: the rebuild is SAME (the rebuild, not the damage, is hashed)",
          zix_wait(r.build_id, &r) == 0 ? r.status : 0, ABI_ZIX_SAME);
    memset(&r, 0, sizeof r);
    CHECK("REPAIR hello: 0", sys_zix_build(ABI_ZIX_BUILD_REPAIR, (u64)(uintptr_t)store_path, &r), 0);
    CHECK("REPAIR hello: REGISTERED", zix_wait(r.build_id, &r) == 0 ? r.status : 0, ABI_ZIX_REGISTERED);
    i64 got = read_file(path, bytes, sizeof bytes);
    CHECK("hello's output is \"hello\\n\" again", got == 6 && strcmp(bytes, "hello\n") == 0, 1);
}

// A builder that never ends is killed at ZIX_BUILD_TIMEOUT_NS: FAILED, KILLed. A
// result nobody collects is dropped ZIX_DONE_KEEP_NS (60 s) after its end.
static void check_timeout(void) {
    struct abi_zix_build r, unwaited;
    CHECK("START unwaited (never collected): 0", zix(ABI_ZIX_BUILD_START, "unbuilt.zix", &unwaited), 0);
    u64 started_ns = monotonic_ns();
    CHECK("START+WAIT hang: FAILED", build("hang", "hang.zix", &r), ABI_ZIX_FAILED);
    CHECK("hang: killed (signal 9)", r.exit_status.cause == ABI_EXIT_SIGNALED ? r.exit_status.exit_code : -1, ABI_SIGKILL);
    (void)sys_sleep_until(started_ns + DONE_KEEP_NS + SETTLE_NS);
    CHECK("an uncollected result is dropped after 60 s: E_NOENT", zix_wait(unwaited.build_id, &r), -E_NOENT);
    CHECK("its path stays registered", zix(ABI_ZIX_BUILD_PATH, "unbuilt.zix", &r) == 0 ? r.status : 0, ABI_ZIX_REGISTERED);
}

// xy's share: ABI_ZIX_BUILDS_PER_USER_MAX (2) builds at once, a third is E_AGAIN.
static void check_share(void) {
    struct abi_zix_build first, second, third;
    CHECK("xy: START slow0: 0", zix(ABI_ZIX_BUILD_START, "slow0.zix", &first), 0);
    CHECK("xy: START slow1: 0", zix(ABI_ZIX_BUILD_START, "slow1.zix", &second), 0);
    CHECK("xy: a third build at once: E_AGAIN", zix(ABI_ZIX_BUILD_START, "slow2.zix", &third), -E_AGAIN);
    CHECK("xy: WAIT slow0: REGISTERED", zix_wait(first.build_id, &first) == 0 ? first.status : 0, ABI_ZIX_REGISTERED);
    CHECK("xy: WAIT slow1: REGISTERED", zix_wait(second.build_id, &second) == 0 ? second.status : 0, ABI_ZIX_REGISTERED);
    struct abi_stat log_stat;
    CHECK("xy's build log is xy's once the build ended (its disk share pays for it)",
          sys_stat(first.log_path, &log_stat) == 0 ? (i64)log_stat.uid : -1, ABI_UID_USER);
    CHECK("xy: REPAIR is root's: E_PERM", sys_zix_build(ABI_ZIX_BUILD_REPAIR, (u64)(uintptr_t)first.path, &third), -E_PERM);
}

// Registered paths, all users' (NTH until E_NOENT).
static u32 store_count(void) {
    static struct abi_zix_info info;
    u32 count = 0;
    while (sys_zix_store(ABI_ZIX_STORE_NTH, count, &info) == 0) count++;
    return count;
}

// xy's share of the store: recipes of 16 distinct sources each, imported at START,
// until the kernel refuses (E_DQUOT) at ZIX_STORE_PATHS_PER_USER_MAX paths (64) of xy's;
// root still builds after.
#define SHARE_RECIPES 6u
#define SHARE_SOURCES 16u
#define SHARE_PATHS_MAX 64u
static void check_store_share(void) {
    u32 before = store_count();
    i64 refused = 0;
    for (u32 r = 0; r < SHARE_RECIPES && refused == 0; r++) {
        char text[1024], name[32], line[64];
        snprintf(text, sizeof text, "name = many%u\nbuilder = " SELF "\narg = build-hello\narg = $out\n", r);
        for (u32 i = 0; i < SHARE_SOURCES; i++) {
            char content[32];
            snprintf(name, sizeof name, "src-%u-%u", r, i);
            snprintf(content, sizeof content, "share %u %u\n", r, i);
            recipe(name, content);
            snprintf(line, sizeof line, "input s%u = source %s\n", i, name);
            strncat(text, line, sizeof text - strlen(text) - 1);
        }
        snprintf(name, sizeof name, "many%u.zix", r);
        recipe(name, text);
        struct abi_zix_build result;
        i64 built = build("xy: many", name, &result);
        if (built < 0) refused = built;
    }
    u32 added = store_count() - before;
    say("xy's share: %u paths registered before the refusal (%ld)", added, (long)refused);
    CHECK("xy: past its share of the store: E_DQUOT", refused, -E_DQUOT);
    CHECK("xy: never more than its share", added <= SHARE_PATHS_MAX, 1);
    CHECK("xy: refused only near its share", added + 8u >= SHARE_PATHS_MAX, 1);
}

// A START of a path already building joins it: the same id, and every START is
// collected by its own WAIT (xy's join too: it may WAIT the build it joined).
static void check_join(void) {
    struct abi_zix_build first, again;
    CHECK("START slow1: 0", zix(ABI_ZIX_BUILD_START, "slow1.zix", &first), 0);
    CHECK("START slow1 again while it runs: 0", zix(ABI_ZIX_BUILD_START, "slow1.zix", &again), 0);
    CHECK("START slow1 again: the same build", again.build_id == first.build_id && again.status == ABI_ZIX_RUNNING, 1);
    char id[16], recipe_path[128];
    snprintf(id, sizeof id, "%u", first.build_id);
    snprintf(recipe_path, sizeof recipe_path, "%s/slow1.zix", dir);
    const char *const argv[] = {"zixtest", "join", recipe_path, id, NULL};
    i64 pid = sys_spawn(SELF, argv, ABI_UID_USER);
    struct abi_wait_status status;
    CHECK("xy joins root's build and WAITs it: REGISTERED (its exit 0)",
          sys_wait(pid, &status, 0) == pid ? status.exit_code : -1, 0);
    CHECK("root's first WAIT: REGISTERED", zix_wait(first.build_id, &first) == 0 ? first.status : 0, ABI_ZIX_REGISTERED);
    CHECK("root's second WAIT: REGISTERED", zix_wait(first.build_id, &again) == 0 ? again.status : 0, ABI_ZIX_REGISTERED);
    CHECK("a WAIT past every START: E_NOENT (the slot is free)", zix_wait(first.build_id, &again), -E_NOENT);
}

// A recipe the parser refuses: E_INVAL, missing names file, line and field.
static void check_bad_recipe(void) {
    struct abi_zix_build r;
    recipe("bad.zix", "name = bad\nbuilder = " SELF "\nbogus = 1\n");
    CHECK("a bad recipe: E_INVAL", zix(ABI_ZIX_BUILD_START, "bad.zix", &r), -E_INVAL);
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s/bad.zix:3: bogus: ", dir);
    say("bad recipe: missing %s", r.missing);
    CHECK("missing says FILE:3: bogus: why", strncmp(r.missing, prefix, strlen(prefix)), 0);
}

static int join(const char *recipe_path, const char *id) {
    struct abi_zix_build r;
    memset(&r, 0, sizeof r);
    i64 started = sys_zix_build(ABI_ZIX_BUILD_START, (u64)(uintptr_t)recipe_path, &r);
    u32 build_id = (u32)strtoul(id, NULL, 10);
    u32 ok = expect_result("xy: START of root's running recipe joins it", started == 0 && r.build_id == build_id, 1);
    memset(&r, 0, sizeof r);
    i64 waited = sys_zix_build(ABI_ZIX_BUILD_WAIT, build_id, &r);
    ok &= expect_result("xy: WAIT on the build it joined: REGISTERED", waited == 0 ? r.status : 0, ABI_ZIX_REGISTERED);
    return ok ? 0 : 1;
}

static void run_checks(const char *who) {
    snprintf(dir, sizeof dir, "/tmp/zixtest-%s", who);
    i64 made = sys_mkdir(dir, 0755);
    if (made < 0 && made != -E_EXIST) { say("mkdir %s: %ld", dir, (long)made); failures++; }
    write_recipes(who);
    check_hello();
    if (strcmp(who, "xy") == 0) { check_share(); check_store_share(); return; } // the rest is root's part
    check_fail();
    check_probe();
    check_fixed();
    check_inputs();
    check_wait_other();
    check_join();
    check_bad_recipe();
    check_orphan();
    check_repair();
    check_timeout();
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    const char *out = argc > 2 ? argv[2] : "";
    if (strcmp(mode, "build-hello") == 0) return builder_hello(out);
    if (strcmp(mode, "build-fail") == 0) return 3;
    if (strcmp(mode, "build-probe") == 0) return builder_probe(out);
    if (strcmp(mode, "build-fixed") == 0) return builder_fixed(out);
    if (strcmp(mode, "build-copy") == 0) return builder_copy(out, argc > 3 ? argv[3] : "");
    if (strcmp(mode, "build-slow") == 0) return builder_slow(out);
    if (strcmp(mode, "build-orphan") == 0) return builder_orphan(out);
    if (strcmp(mode, "build-tree") == 0) return builder_tree(out, argc > 3 ? argv[3] : "");
    if (strcmp(mode, "hang") == 0 || strcmp(mode, "build-hang") == 0) return hang();
    if (strcmp(mode, "join") == 0) return join(out, argc > 3 ? argv[3] : "0");
    if (strcmp(mode, "wait-other") == 0) {
        struct abi_zix_build r;
        i64 waited = sys_zix_build(ABI_ZIX_BUILD_WAIT, strtoull(out, NULL, 10), &r);
        return !expect_result("xy: WAIT on root's build", waited, -E_PERM);
    }
    run_checks(strcmp(mode, "xy") == 0 ? "xy" : "root");
    say("zixtest %s: %u failures", mode, failures);
    // Injected faults (a disk that fails, a power loss) may explain failures, as in the
    // other workloads; without them every check must pass.
    report_check(strcmp(mode, "xy") == 0 ? "zixtest xy" : "zixtest root", failures, ABI_REPORT_EXCUSES_ALL);
    return (int)failures;
}
