// zixconductor: the simulator's Zix workload (scenarios/zix.scenario) and its builders.
// The first boot provisions two z6 services with the boot argument z6.set=zix
// (kernel/boot/provision_z6.c): zixroot runs "zixconductor root" as root, zixxy runs
// "zixconductor xy" as xy. Each writes the same small recipes into a folder of its own
// (chains, a diamond, a builder that reads the clock and getrandom, one whose child
// outlives it, one that tries to read outside its inputs, a slow one), then loops at
// random: build (START, its inputs first on -E_AGAIN, then WAIT), CHECK (expect SAME),
// GC (root; now and then after adding or removing a link in /zix/roots), VERIFY every
// registered path (expect 0), xy writes into /zix/store (expect a refusal), a recipe
// whose path input is not registered (expect -E_NOENT). Each verdict goes through
// report_check, so a wrong answer fails the seed (workload_checks_pass); faults that
// may cause one are named as excuses. The zix_* invariants judge the kernel apart.
// As a builder (builder = /test/zixconductor, inside the sandbox), the sub-commands:
//   leaf OUT TEXT        OUT/data, OUT/bin/run (executable), OUT/sub/x
//   chain OUT IN TEXT    OUT/data = IN/data + TEXT; OUT/ref names IN (a reference);
//                        tries to append to IN/data (sealed: refused)
//   join OUT L R         OUT/data = L/data + R/data; OUT/ref names both
//   clock OUT            OUT/data: the realtime clock and 16 bytes of getrandom (the
//                        sandbox fixes both: reproducible)
//   escape OUT           stats and opens outside its inputs; OUT/data: each refusal
//   spawner OUT          makes OUT/late, starts "late OUT/late" and exits: the kernel
//                        must end the child before it hashes OUT
//   late FILE            opens FILE, sleeps, writes into it (too late if still alive)
//   slow OUT IN          sleeps, then as chain
#include <stdio.h>
#include <string.h>

#include "user/lib/basin.h"

BASIN_PROGRAM("zixconductor");

#define MS 1000000ull
#define SYS_ZIX_BUILD 55
#define SYS_ZIX_STORE 56
#define PAUSE_MIN_MS 40
#define PAUSE_SPREAD_MS 200
#define BUILD_STACK_MAX 8
#define BUILD_TRIES_MAX 40
#define WAIT_POLL_NS (50 * MS)
#define LATE_SLEEP_NS (5000 * MS) // far past any builder's exit: killed long before
#define SPAWNER_SLEEP_NS (10 * MS)
#define SLOW_SLEEP_NS (400 * MS)
#define DATA_BYTES_MAX 1024
#define FAULT_EXCUSES (ABI_REPORT_EXCUSE_CRASH | ABI_REPORT_EXCUSE_POWER_LOSS | ABI_REPORT_EXCUSE_DISK_ERRORS | \
                       ABI_REPORT_EXCUSE_DATA_LOST | ABI_REPORT_EXCUSE_DISK_FULL)
#define DAMAGE_EXCUSES (ABI_REPORT_EXCUSE_DISK_ERRORS | ABI_REPORT_EXCUSE_DATA_LOST)

struct recipe {
    const char *name;
    const char *text;
    bool reproducible_check; // CHECK expects SAME
};

#define BUILDER "builder = /test/zixconductor\n"
static const struct recipe recipes[] = {
    {"leaf", "name = leaf\n" BUILDER "arg = leaf\narg = $out\narg = one\n", true},
    {"leaf2", "name = leaf2\n" BUILDER "arg = leaf\narg = $out\narg = two\n", true},
    {"chain1", "name = chain1\n" BUILDER "input a = recipe leaf.recipe\narg = chain\narg = $out\narg = $a\narg = c1\n", true},
    {"chain2", "name = chain2\n" BUILDER "input a = recipe chain1.recipe\narg = chain\narg = $out\narg = $a\narg = c2\n", true},
    {"chain3", "name = chain3\n" BUILDER "input a = recipe chain2.recipe\narg = chain\narg = $out\narg = $a\narg = c3\n", true},
    {"dleft", "name = dleft\n" BUILDER "input a = recipe leaf2.recipe\narg = chain\narg = $out\narg = $a\narg = l\n", true},
    {"dright", "name = dright\n" BUILDER "input a = recipe leaf2.recipe\narg = chain\narg = $out\narg = $a\narg = r\n", true},
    {"dtop", "name = dtop\n" BUILDER "input l = recipe dleft.recipe\ninput r = recipe dright.recipe\n"
             "arg = join\narg = $out\narg = $l\narg = $r\n", true},
    {"clock", "name = clock\n" BUILDER "arg = clock\narg = $out\n", true},
    {"escape", "name = escape\n" BUILDER "arg = escape\narg = $out\n", true},
    {"spawner", "name = spawner\n" BUILDER "arg = spawner\narg = $out\n", true},
    {"slow", "name = slow\n" BUILDER "input a = recipe leaf.recipe\narg = slow\narg = $out\narg = $a\n", true},
};
#define RECIPES_COUNT (sizeof recipes / sizeof recipes[0])
// A path input that is not registered: START must refuse it (-E_NOENT).
static const char dangling_text[] = "name = dangling\n" BUILDER
                                    "input gone = path /zix/store/00000000000000000000000000000000-gone\n"
                                    "arg = chain\narg = $out\narg = $gone\narg = x\n";

static char folder[64];
static bool as_root;
static struct abi_zix_build build_result;
static struct abi_zix_info info;
static struct abi_zix_gc gc_result;

static void sleep_ns(u64 duration_ns) {
    sys_sleep_until(monotonic_ns() + duration_ns);
}

static u32 random_below(u32 bound) {
    u32 value = 0;
    if (sys_getrandom(&value, sizeof value, 0) != (i64)sizeof value) fail("getrandom failed");
    return value % bound;
}

static i64 zix_build(u64 op, u64 argument) {
    memset(&build_result, 0, sizeof build_result);
    return basin_syscall_raw(SYS_ZIX_BUILD, op, argument, (u64)(uintptr_t)&build_result);
}

static i64 zix_store(u64 op, u64 argument, void *out) {
    return basin_syscall_raw(SYS_ZIX_STORE, op, argument, (u64)(uintptr_t)out);
}

// Writes path whole (a builder's output, or a recipe); false when refused.
static bool write_file(const char *path, const char *bytes, u64 length, u64 mode) {
    i64 fd = sys_open(path, ABI_O_WRONLY | ABI_O_CREAT | ABI_O_TRUNC, mode);
    if (fd < 0) return false;
    bool whole = sys_write(fd, bytes, length) == (i64)length;
    return sys_close(fd) == 0 && whole;
}

// Reads up to capacity - 1 bytes, NUL-terminated; the length, or -error.
static i64 read_file(const char *path, char *out, u64 capacity) {
    i64 fd = sys_open(path, ABI_O_RDONLY, 0);
    if (fd < 0) return fd;
    i64 length = sys_read(fd, out, capacity - 1);
    sys_close(fd);
    if (length < 0) return length;
    out[length] = '\0';
    return length;
}

static void recipe_path(const char *name, char *out, u64 capacity) {
    snprintf(out, capacity, "%s/%s.recipe", folder, name);
}

// Writes a recipe when it is not there as it should be (every life: a power loss may
// have cut an earlier write).
static void write_recipe(const char *name, const char *text) {
    char path[ABI_PATH_LEN_MAX];
    char have[DATA_BYTES_MAX];
    recipe_path(name, path, sizeof path);
    if (read_file(path, have, sizeof have) == (i64)strlen(text) && strcmp(have, text) == 0) return;
    write_file(path, text, strlen(text), 0644);
}

static void setup(void) {
    snprintf(folder, sizeof folder, "%s/zixc", as_root ? "/root" : "/home/xy");
    sys_mkdir(folder, 0755);
    for (u32 i = 0; i < RECIPES_COUNT; i++) write_recipe(recipes[i].name, recipes[i].text);
    write_recipe("dangling", dangling_text);
}

// ---- the conductor ------------------------------------------------------------------
// An error no fault explains: the recipe or the call is wrong, or the kernel is.
static bool unexpected(i64 result) {
    return result == -E_INVAL || result == -E_LOOP || result == -E_FAULT || result == -E_PERM;
}

// Waits for a build this conductor may not collect (another user's, or collected by
// another): polls START until the path is registered. True when it is.
static bool poll_registered(const char *path) {
    for (u32 i = 0; i < BUILD_TRIES_MAX; i++) {
        sleep_ns(WAIT_POLL_NS);
        i64 result = zix_build(ABI_ZIX_BUILD_PATH, (u64)(uintptr_t)path);
        if (result == 0 && build_result.status == ABI_ZIX_REGISTERED) return true;
        if (result != 0) return false;
    }
    return false;
}

// One START of the recipe at path, and its WAIT: 1 registered, 0 not (a fault, or an
// input missing: missing is set), -1 an unexpected answer.
static i32 build_one(const char *path, char *missing, u64 capacity) {
    missing[0] = '\0';
    i64 result = zix_build(ABI_ZIX_BUILD_START, (u64)(uintptr_t)path);
    if (result == -E_AGAIN) {
        snprintf(missing, capacity, "%s", build_result.missing);
        if (missing[0] == '\0') sleep_ns(WAIT_POLL_NS); // every build slot busy
        return 0;
    }
    if (result < 0) return unexpected(result) ? -1 : 0;
    if (build_result.status == ABI_ZIX_CACHED) return 1;
    if (build_result.status != ABI_ZIX_RUNNING) return -1;
    u32 id = build_result.build_id;
    result = zix_build(ABI_ZIX_BUILD_WAIT, id);
    if (result == -E_PERM || result == -E_NOENT) return poll_registered(path) ? 1 : 0; // not ours to collect
    if (result < 0) return unexpected(result) ? -1 : 0;
    if (build_result.status == ABI_ZIX_REGISTERED) return 1;
    return build_result.status == ABI_ZIX_FAILED ? 0 : -1; // FAILED: a crash, the disk, a power loss
}

// Builds a recipe, its unbuilt inputs first (START names them). True when registered.
static bool build(const char *name) {
    char stack[BUILD_STACK_MAX][ABI_ZIX_MISSING_BYTES];
    u32 depth = 1;
    recipe_path(name, stack[0], sizeof stack[0]);
    u32 wrong = 0;
    for (u32 tries = 0; tries < BUILD_TRIES_MAX && depth > 0; tries++) {
        char missing[ABI_ZIX_MISSING_BYTES];
        i32 built = build_one(stack[depth - 1], missing, sizeof missing);
        if (built < 0) wrong++;
        if (built != 0) {
            depth--;
            continue;
        }
        if (missing[0] != '\0' && depth < BUILD_STACK_MAX) snprintf(stack[depth++], sizeof stack[0], "%s", missing);
    }
    report_check("zix-build", wrong, FAULT_EXCUSES);
    return depth == 0 && wrong == 0;
}

// The store path a recipe gives, and whether it is registered.
static bool path_of(const char *name, char *path, u64 capacity) {
    char recipe[ABI_PATH_LEN_MAX];
    recipe_path(name, recipe, sizeof recipe);
    if (zix_build(ABI_ZIX_BUILD_PATH, (u64)(uintptr_t)recipe) != 0) return false;
    snprintf(path, capacity, "%s", build_result.path);
    return build_result.status == ABI_ZIX_REGISTERED;
}

// CHECK rebuilds a registered path apart: every recipe here is reproducible (SAME).
static void check(const struct recipe *recipe) {
    char path[ABI_ZIX_PATH_BYTES];
    if (!build(recipe->name) || !path_of(recipe->name, path, sizeof path)) return;
    i64 result = zix_build(ABI_ZIX_BUILD_CHECK, (u64)(uintptr_t)path);
    if (result < 0 || build_result.status != ABI_ZIX_RUNNING) {
        report_check("zix-check-start", unexpected(result) ? 1 : 0, FAULT_EXCUSES);
        return;
    }
    result = zix_build(ABI_ZIX_BUILD_WAIT, build_result.build_id);
    if (result < 0) return; // collected by root, or a fault
    bool different = build_result.status == ABI_ZIX_DIFFERENT;
    report_check("zix-check", different ? 1 : 0, 0);
}

// Root: now and then a link in /zix/roots added or removed, then the GC.
static void collect(void) {
    const struct recipe *recipe = &recipes[random_below(RECIPES_COUNT)];
    char link[ABI_PATH_LEN_MAX];
    char path[ABI_ZIX_PATH_BYTES];
    snprintf(link, sizeof link, "/zix/roots/%s", recipe->name);
    if (random_below(2) == 0 && sys_unlink(link) != 0 && path_of(recipe->name, path, sizeof path)) sys_symlink(path, link);
    i64 result = zix_store(ABI_ZIX_STORE_GC, random_below(4) == 0 ? ABI_ZIX_GC_DRY_RUN : 0, &gc_result);
    report_check("zix-gc", unexpected(result) ? 1 : 0, FAULT_EXCUSES);
}

// Every registered path hashes to its registration (else only a fault explains it).
static void verify_all(void) {
    u32 damaged = 0, wrong = 0;
    for (u32 index = 0; index < 256; index++) {
        i64 result = zix_store(ABI_ZIX_STORE_NTH, index, &info);
        if (result == -E_NOENT) break;
        if (result < 0) {
            wrong += unexpected(result) ? 1 : 0;
            break;
        }
        char path[ABI_ZIX_PATH_BYTES];
        snprintf(path, sizeof path, "%s", info.path);
        result = zix_store(ABI_ZIX_STORE_VERIFY, (u64)(uintptr_t)path, &info);
        if (result == -E_BADMSG) damaged++;
        if (unexpected(result)) wrong++;
    }
    report_check("zix-verify", damaged, DAMAGE_EXCUSES);
    report_check("zix-verify-answer", wrong, FAULT_EXCUSES);
}

// xy cannot write into the store: a new name, a directory, a registered file.
static void forge(void) {
    u32 written = 0;
    i64 fd = sys_open("/zix/store/forged", ABI_O_WRONLY | ABI_O_CREAT, 0644);
    if (fd >= 0) {
        written++;
        sys_close(fd);
    }
    if (sys_mkdir("/zix/store/forged-dir", 0755) == 0) written++;
    char path[ABI_ZIX_PATH_BYTES], file[ABI_PATH_LEN_MAX];
    if (path_of("leaf", path, sizeof path)) {
        snprintf(file, sizeof file, "%s/data", path);
        fd = sys_open(file, ABI_O_WRONLY, 0);
        if (fd >= 0) {
            written++;
            sys_close(fd);
        }
    }
    report_check("zix-store-readonly", written, 0);
}

static void dangling(void) {
    char recipe[ABI_PATH_LEN_MAX];
    recipe_path("dangling", recipe, sizeof recipe);
    i64 result = zix_build(ABI_ZIX_BUILD_START, (u64)(uintptr_t)recipe);
    bool registered = result == 0 && build_result.status == ABI_ZIX_CACHED;
    if (result == 0 && build_result.status == ABI_ZIX_RUNNING) {
        registered = zix_build(ABI_ZIX_BUILD_WAIT, build_result.build_id) == 0 && build_result.status == ABI_ZIX_REGISTERED;
    }
    // Accepted is wrong; a build a fault then failed is excused by it (the registration
    // is what zix_closure_complete judges).
    report_check("zix-path-input-registered", result == 0 ? 1 : 0, registered ? 0 : FAULT_EXCUSES);
}

static _Noreturn void conduct(void) {
    setup();
    for (;;) {
        sleep_ns((PAUSE_MIN_MS + random_below(PAUSE_SPREAD_MS)) * MS);
        u32 op = random_below(10);
        const struct recipe *recipe = &recipes[random_below(RECIPES_COUNT)];
        if (op < 4) build(recipe->name);
        if (op == 4 || op == 5) check(recipe);
        if (op == 6 && as_root) collect();
        if (op == 6 && !as_root) forge();
        if (op == 7) verify_all();
        if (op == 8) dangling();
        if (op == 9 && as_root) collect();
        if (op == 9 && !as_root) build("slow");
    }
}

// ---- the builders (inside the sandbox) ------------------------------------------------
static void out_file(const char *out, const char *name, const char *bytes, u64 mode) {
    char path[ABI_PATH_LEN_MAX];
    snprintf(path, sizeof path, "%s/%s", out, name);
    if (!write_file(path, bytes, strlen(bytes), mode)) fail("cannot write %s", path);
}

static void out_directory(const char *out, const char *name) {
    char path[ABI_PATH_LEN_MAX];
    snprintf(path, sizeof path, "%s/%s", out, name);
    if (sys_mkdir(path, 0755) != 0) fail("cannot make %s", path);
}

// An input's data, or "missing" (an input that is not there: the sandbox refuses the
// walk to a path that does not exist). Any other error fails the build: an output
// made around a read error (a fault) would not be the recipe's.
static void input_data(const char *input, char *out, u64 capacity) {
    char path[ABI_PATH_LEN_MAX];
    snprintf(path, sizeof path, "%s/data", input);
    i64 read = read_file(path, out, capacity);
    if (read == -E_NOENT || read == -E_ACCES) snprintf(out, capacity, "missing\n");
    else if (read < 0) fail("cannot read %s: %s", path, error_name(read));
}

static void leaf(const char *out, const char *text) {
    char data[DATA_BYTES_MAX];
    snprintf(data, sizeof data, "%s\n", text);
    out_file(out, "data", data, 0644);
    out_directory(out, "bin");
    out_file(out, "bin/run", "#!/test/zixconductor leaf\n", 0755);
    out_directory(out, "sub");
    out_file(out, "sub/x", "x\n", 0644);
}

// A builder may read its inputs, never change them (sealed: root's, read-only): the
// attempt changes nothing, and its answer is not kept (the output stays the same).
static void tamper(const char *input) {
    char path[ABI_PATH_LEN_MAX];
    snprintf(path, sizeof path, "%s/data", input);
    i64 fd = sys_open(path, ABI_O_WRONLY | ABI_O_APPEND, 0);
    if (fd < 0) return;
    sys_write(fd, "tampered\n", 9);
    sys_close(fd);
}

static void chain(const char *out, const char *input, const char *text) {
    char data[DATA_BYTES_MAX], in[DATA_BYTES_MAX / 2], ref[ABI_PATH_LEN_MAX + 2];
    input_data(input, in, sizeof in);
    tamper(input);
    snprintf(data, sizeof data, "%s%s\n", in, text);
    out_file(out, "data", data, 0644);
    snprintf(ref, sizeof ref, "%s\n", input);
    out_file(out, "ref", ref, 0644);
}

static void join(const char *out, const char *left, const char *right) {
    char data[DATA_BYTES_MAX], l[DATA_BYTES_MAX / 2 - 8], r[DATA_BYTES_MAX / 2 - 8], ref[2 * ABI_PATH_LEN_MAX + 4];
    input_data(left, l, sizeof l);
    input_data(right, r, sizeof r);
    snprintf(data, sizeof data, "%s%s", l, r);
    out_file(out, "data", data, 0644);
    snprintf(ref, sizeof ref, "%s %s\n", left, right);
    out_file(out, "ref", ref, 0644);
}

// The sandbox gives realtime 1 s after the epoch and a fixed getrandom stream.
static void clock_builder(const char *out) {
    u8 bytes[16];
    char data[128];
    if (sys_getrandom(bytes, sizeof bytes, 0) != (i64)sizeof bytes) fail("getrandom failed");
    int used = snprintf(data, sizeof data, "realtime %lu random ", (unsigned long)realtime_ns());
    for (u32 i = 0; i < sizeof bytes; i++) used += snprintf(data + used, sizeof data - (u64)used, "%02x", bytes[i]);
    snprintf(data + used, sizeof data - (u64)used, "\n");
    out_file(out, "data", data, 0644);
}

// Each attempt outside the inputs, and what the sandbox answered.
static void escape(const char *out) {
    static const char *const outside[] = {"/etc/passwd", "/", "/zix/store", "/home/xy", "/etc"};
    char data[DATA_BYTES_MAX];
    int used = 0;
    for (u32 i = 0; i < sizeof outside / sizeof outside[0]; i++) {
        struct abi_stat stat;
        i64 stated = sys_stat(outside[i], &stat);
        i64 fd = sys_open(outside[i], ABI_O_RDONLY, 0);
        if (fd >= 0) sys_close(fd);
        // A disk error is no answer of the sandbox's: the build fails rather than record it
        // (its output would then depend on the faults, not on the recipe).
        if (stated == -E_IO || stated == -E_BADMSG) fail("stat %s: %s", outside[i], error_name(stated));
        if (fd == -E_IO || fd == -E_BADMSG) fail("open %s: %s", outside[i], error_name(fd));
        used += snprintf(data + used, sizeof data - (u64)used, "%s stat %s open %s\n", outside[i], error_name(stated),
                         error_name(fd < 0 ? fd : 0));
    }
    out_file(out, "data", data, 0644);
}

static void spawner(const char *out) {
    char late[ABI_PATH_LEN_MAX];
    snprintf(late, sizeof late, "%s/late", out);
    out_file(out, "late", "", 0644);
    const char *argv[] = {"zixconductor", "late", late, NULL};
    i64 pid = sys_spawn("/test/zixconductor", argv, (u64)sys_geteuid());
    if (pid < 0) fail("spawn = %ld", (long)pid);
    sleep_ns(SPAWNER_SLEEP_NS); // the child opens late meanwhile
}

// Outlives its builder only if the kernel lets it: then it writes into a hashed output.
static void late_child(const char *file) {
    i64 fd = sys_open(file, ABI_O_WRONLY, 0);
    if (fd < 0) return;
    sleep_ns(LATE_SLEEP_NS);
    sys_write(fd, "late\n", 5);
    sys_close(fd);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "root") == 0 || strcmp(mode, "xy") == 0) {
        as_root = strcmp(mode, "root") == 0;
        conduct();
    }
    if (strcmp(mode, "leaf") == 0 && argc >= 4) leaf(argv[2], argv[3]);
    else if (strcmp(mode, "chain") == 0 && argc >= 5) chain(argv[2], argv[3], argv[4]);
    else if (strcmp(mode, "join") == 0 && argc >= 5) join(argv[2], argv[3], argv[4]);
    else if (strcmp(mode, "clock") == 0 && argc >= 3) clock_builder(argv[2]);
    else if (strcmp(mode, "escape") == 0 && argc >= 3) escape(argv[2]);
    else if (strcmp(mode, "spawner") == 0 && argc >= 3) spawner(argv[2]);
    else if (strcmp(mode, "late") == 0 && argc >= 3) late_child(argv[2]);
    else if (strcmp(mode, "slow") == 0 && argc >= 4) {
        sleep_ns(SLOW_SLEEP_NS);
        chain(argv[2], argv[3], "slow");
    } else {
        fail("usage: zixconductor root|xy|leaf|chain|join|clock|escape|spawner|late|slow ...");
    }
    return 0;
}
