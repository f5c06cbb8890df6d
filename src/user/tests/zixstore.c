// zixstore: the zix_store syscall from user space (issue 13), what needs no build:
//   zixstore user       (as xy or root) hostile arguments get clean errors: paths that
//                       are not store paths, too long, unmapped; unknown ops; indexes
//                       past the end; an empty store answers E_NOENT everywhere
//   zixstore deny       (as xy) GC is root's; /zix/store, /zix/roots, /zix/tmp and
//                       /etc/zix are not xy's to write (or, for /etc/zix, to read)
//   zixstore gc         (as root) GC's own argument errors, a dry run and a collection
//                       of an empty store (a dangling root named nothing)
//   zixstore leftovers  (as root, across reboots) one boot plants what a crash leaves
//                       under /zix/store, /zix/check and /zix/tmp, and a marker in
//                       /var/lib; the next finds the kernel removed them at its boot
//   zixstore built      (as root) through the build side: lib, and app referring to
//                       it, built; INFO (references found), NTH (sorted), RECIPE,
//                       VERIFY; GC keeps what a root in /zix/roots reaches and frees
//                       the rest, unregistered and removed; damaged contents fail
//                       VERIFY; the builds run again after the collection
//   zixstore verify     (as xy, after built) every registered path verifies
// The builders are this program (build-lib, build-app).
// Every check is one line (expect.c); the exit code is the number of mismatches.
#include <stdio.h>
#include <string.h>

#include "user/tests/lib/test.h"

BASIN_PROGRAM("zixstore");

#define UNMAPPED_VA 0x10ull
#define HASH_PART "0123456789abcdfghijklmnpqrsvwxyz"
#define ABSENT_PATH "/zix/store/" HASH_PART "-absent"
#define LEFTOVER_PATH "/zix/store/" HASH_PART "-leftover"
#define LEFTOVER_MARKER "/var/lib/zixstore-planted"
#define LONG_TEXT_BYTES 300u
#define SELF TEST_PATH("zixstore")
#define BUILT_DIR "/tmp/zixstore-built"
#define APP_ROOT "/zix/roots/zixstore-app"

#define CHECK(what, result, expected) (failures += !expect_result((what), (result), (expected)))

static struct abi_zix_info info;
static struct abi_zix_text recipe_text;
static struct abi_zix_gc gc;

static u64 va(const void *pointer) { return (u64)(uintptr_t)pointer; }

static u32 check_arguments(void) {
    u32 failures = 0;
    char long_text[LONG_TEXT_BYTES];
    memset(long_text, 'a', sizeof long_text);
    long_text[sizeof long_text - 1] = '\0';
    // A name longer than this kernel's store holds (ABI_NAME_LEN_MAX per component).
    const char *long_name = "/zix/store/" HASH_PART "-a-name-far-too-long-for-this-store";
    CHECK("info(absent)", sys_zix_store(ABI_ZIX_STORE_INFO, va(ABSENT_PATH), &info), -E_NOENT);
    CHECK("info(short hash)", sys_zix_store(ABI_ZIX_STORE_INFO, va("/zix/store/abc-x"), &info), -E_INVAL);
    CHECK("info(/etc/passwd)", sys_zix_store(ABI_ZIX_STORE_INFO, va("/etc/passwd"), &info), -E_INVAL);
    CHECK("info(store dir)", sys_zix_store(ABI_ZIX_STORE_INFO, va("/zix/store"), &info), -E_INVAL);
    CHECK("info(path inside)", sys_zix_store(ABI_ZIX_STORE_INFO, va(ABSENT_PATH "/bin"), &info), -E_INVAL);
    CHECK("info(long name)", sys_zix_store(ABI_ZIX_STORE_INFO, va(long_name), &info), -E_INVAL);
    CHECK("info(300 bytes)", sys_zix_store(ABI_ZIX_STORE_INFO, va(long_text), &info), -E_NAMETOOLONG);
    CHECK("info(0x10)", sys_zix_store(ABI_ZIX_STORE_INFO, UNMAPPED_VA, &info), -E_FAULT);
    CHECK("nth(0) of an empty store", sys_zix_store(ABI_ZIX_STORE_NTH, 0, &info), -E_NOENT);
    CHECK("nth(2^40)", sys_zix_store(ABI_ZIX_STORE_NTH, 1ull << 40, &info), -E_NOENT);
    CHECK("recipe(absent)", sys_zix_store(ABI_ZIX_STORE_RECIPE, va(ABSENT_PATH), &recipe_text), -E_NOENT);
    CHECK("verify(absent)", sys_zix_store(ABI_ZIX_STORE_VERIFY, va(ABSENT_PATH), &info), -E_NOENT);
    CHECK("verify_signature(absent)", sys_zix_store(ABI_ZIX_STORE_VERIFY_SIGNATURE, va(ABSENT_PATH), NULL),
          -E_NOENT);
    CHECK("op 6", sys_zix_store(ABI_ZIX_STORE_GC + 1, 0, &gc), -E_INVAL);
    CHECK("op 2^33", sys_zix_store(1ull << 33, 0, &gc), -E_INVAL);
    return failures;
}

static u32 check_denied(void) {
    u32 failures = 0;
    CHECK("gc as xy", sys_zix_store(ABI_ZIX_STORE_GC, 0, &gc), -E_PERM);
    CHECK("gc dry run as xy", sys_zix_store(ABI_ZIX_STORE_GC, ABI_ZIX_GC_DRY_RUN, &gc), -E_PERM);
    CHECK("mkdir in /zix/store", sys_mkdir(ABSENT_PATH, 0755), -E_ACCES);
    CHECK("symlink in /zix/roots", sys_symlink(ABSENT_PATH, "/zix/roots/mine"), -E_ACCES);
    CHECK("mkdir in /zix/tmp", sys_mkdir("/zix/tmp/mine", 0755), -E_ACCES);
    CHECK("mkdir in /zix/check", sys_mkdir("/zix/check/mine", 0755), -E_ACCES);
    CHECK("open /etc/zix", sys_open("/etc/zix", ABI_O_RDONLY, 0), -E_ACCES);
    return failures;
}

static u32 registered_count(void);

// What an earlier boot's "built" left registered (nothing rooted) goes; then the store
// is empty for the checks after.
static u32 check_gc(void) {
    u32 failures = 0;
    u32 count = registered_count();
    CHECK("gc(flags 7)", sys_zix_store(ABI_ZIX_STORE_GC, 7, &gc), -E_INVAL);
    CHECK("gc(out 0x10)", sys_zix_store(ABI_ZIX_STORE_GC, ABI_ZIX_GC_DRY_RUN, (void *)UNMAPPED_VA), -E_FAULT);
    CHECK("symlink a dangling root", sys_symlink(ABSENT_PATH, "/zix/roots/dangling"), 0);
    memset(&gc, 0xff, sizeof gc);
    CHECK("gc dry run", sys_zix_store(ABI_ZIX_STORE_GC, ABI_ZIX_GC_DRY_RUN, &gc), 0);
    CHECK("dry run: roots (the dangling one names nothing)", gc.roots, 0);
    CHECK("dry run: every registered path would go", gc.kept == 0 && gc.freed == count, 1);
    CHECK("dry run: nothing went", registered_count(), count);
    memset(&gc, 0xff, sizeof gc);
    CHECK("gc", sys_zix_store(ABI_ZIX_STORE_GC, 0, &gc), 0);
    CHECK("gc: every registered path freed", gc.freed == count && gc.freed_named == count, 1);
    CHECK("gc: the store is empty", registered_count(), 0);
    CHECK("the dangling root stays", sys_unlink("/zix/roots/dangling"), 0);
    return failures;
}

static i64 write_file(const char *path, const char *text, u64 mode) {
    i64 fd = sys_open(path, ABI_O_WRONLY | ABI_O_CREAT | ABI_O_TRUNC, mode);
    if (fd < 0) return fd;
    i64 written = sys_write(fd, text, strlen(text));
    i64 closed = sys_close(fd);
    return written < 0 ? written : closed;
}

// START then WAIT (or CACHED): the store path into path; the final status or -error.
static i64 build(const char *recipe, char path[ABI_ZIX_PATH_BYTES]) {
    static struct abi_zix_build result;
    memset(&result, 0, sizeof result);
    i64 started = sys_zix_build(ABI_ZIX_BUILD_START, va(recipe), &result);
    if (started < 0) return started;
    if (result.status == ABI_ZIX_RUNNING) {
        i64 waited = sys_zix_build(ABI_ZIX_BUILD_WAIT, result.build_id, &result);
        if (waited < 0) return waited;
    }
    strcpy(path, result.path);
    return result.status == ABI_ZIX_CACHED ? ABI_ZIX_REGISTERED : result.status;
}

static u32 registered_count(void) {
    u32 count = 0;
    while (sys_zix_store(ABI_ZIX_STORE_NTH, count, &info) == 0) count++;
    return count;
}

// lib and app (app's executable names lib's path: its reference).
static u32 build_both(char lib[ABI_ZIX_PATH_BYTES], char app[ABI_ZIX_PATH_BYTES]) {
    u32 failures = 0;
    CHECK("build lib", build(BUILT_DIR "/lib.zix", lib), ABI_ZIX_REGISTERED);
    CHECK("build app", build(BUILT_DIR "/app.zix", app), ABI_ZIX_REGISTERED);
    return failures;
}

static u32 check_info(const char *lib, const char *app) {
    u32 failures = 0;
    CHECK("info(lib)", sys_zix_store(ABI_ZIX_STORE_INFO, va(lib), &info), 0);
    CHECK("lib: no references", info.refs_count, 0);
    CHECK("lib: its path", strcmp(info.path, lib), 0);
    CHECK("info(app)", sys_zix_store(ABI_ZIX_STORE_INFO, va(app), &info), 0);
    CHECK("app: one reference, lib", info.refs_count == 1 && strcmp(info.refs[0], lib) == 0, 1);
    CHECK("app: a size", info.nar_size_bytes > 0, 1);
    static struct abi_zix_info verified;
    CHECK("verify(app)", sys_zix_store(ABI_ZIX_STORE_VERIFY, va(app), &verified), 0);
    CHECK("verify: the hash registered", memcmp(verified.nar_hash, info.nar_hash, sizeof info.nar_hash), 0);
    CHECK("recipe(app)", sys_zix_store(ABI_ZIX_STORE_RECIPE, va(app), &recipe_text), 0);
    CHECK("recipe: canonical, lib's path as its input", strstr(recipe_text.text, lib) != NULL, 1);
    CHECK("recipe: its length", recipe_text.length_bytes, (i64)strlen(recipe_text.text));
    CHECK("verify_signature(app): not yet", sys_zix_store(ABI_ZIX_STORE_VERIFY_SIGNATURE, va(app), NULL), -E_NOSYS);
    u32 count = registered_count();
    static struct abi_zix_info previous;
    bool sorted = count >= 2;
    for (u32 i = 0; i < count && sorted; i++) {
        sorted = sys_zix_store(ABI_ZIX_STORE_NTH, i, &info) == 0 && (i == 0 || strcmp(previous.path, info.path) < 0);
        previous = info;
    }
    CHECK("nth: every registered path, sorted", sorted, 1);
    return failures;
}

// GC: a root keeps app and (through its reference) lib; without it both go.
static u32 check_collect(const char *lib, const char *app) {
    u32 failures = 0;
    struct abi_stat stat;
    u32 before = registered_count();
    CHECK("gc dry run", sys_zix_store(ABI_ZIX_STORE_GC, ABI_ZIX_GC_DRY_RUN, &gc), 0);
    CHECK("dry run: lib and app would go", gc.freed == before && gc.kept == 0, 1);
    CHECK("dry run: nothing went", registered_count(), before);
    CHECK("root app", sys_symlink(app, APP_ROOT), 0);
    CHECK("gc with app's root", sys_zix_store(ABI_ZIX_STORE_GC, 0, &gc), 0);
    CHECK("gc: one root, app and lib kept", gc.roots == 1 && gc.kept == 2, 1);
    CHECK("lib kept (app refers to it)", sys_zix_store(ABI_ZIX_STORE_INFO, va(lib), &info), 0);
    CHECK("unroot app", sys_unlink(APP_ROOT), 0);
    CHECK("gc without roots", sys_zix_store(ABI_ZIX_STORE_GC, 0, &gc), 0);
    CHECK("gc: both freed", gc.freed == 2 && gc.kept == 0 && gc.freed_named == 2, 1);
    CHECK("gc: named, sorted", strcmp(gc.freed_paths[0], gc.freed_paths[1]) < 0, 1);
    CHECK("app unregistered", sys_zix_store(ABI_ZIX_STORE_INFO, va(app), &info), -E_NOENT);
    CHECK("app's tree removed", sys_stat(app, &stat), -E_NOENT);
    CHECK("lib's tree removed", sys_stat(lib, &stat), -E_NOENT);
    return failures;
}

static u32 check_built(void) {
    u32 failures = 0;
    char lib[ABI_ZIX_PATH_BYTES] = "", app[ABI_ZIX_PATH_BYTES] = "", again[ABI_ZIX_PATH_BYTES] = "";
    (void)sys_mkdir(BUILT_DIR, 0755);
    CHECK("lib.zix", write_file(BUILT_DIR "/lib.zix",
                                "name = lib\nbuilder = " SELF "\narg = build-lib\narg = $out\n", 0644), 0);
    CHECK("app.zix", write_file(BUILT_DIR "/app.zix", "name = app\nbuilder = " SELF "\narg = build-app\n"
                                "arg = $out\narg = $lib\ninput lib = recipe lib.zix\n", 0644), 0);
    failures += build_both(lib, app);
    failures += check_info(lib, app);
    char file[ABI_PATH_LEN_MAX];
    snprintf(file, sizeof file, "%s/bin/app", app);
    CHECK("root damages app", write_file(file, "damaged\n", 0555), 0);
    CHECK("verify(damaged app)", sys_zix_store(ABI_ZIX_STORE_VERIFY, va(app), &info), -E_BADMSG);
    failures += check_collect(lib, app);
    CHECK("built again after the collection", build(BUILT_DIR "/app.zix", again), -E_AGAIN); // lib first
    failures += build_both(lib, again);
    CHECK("the same path again", strcmp(app, again), 0);
    CHECK("verify(app rebuilt)", sys_zix_store(ABI_ZIX_STORE_VERIFY, va(app), &info), 0);
    return failures;
}

// As xy: anyone may verify, and every registered path does.
static u32 check_verify_all(void) {
    u32 failures = 0;
    u32 count = registered_count();
    static struct abi_zix_info each;
    CHECK("registered paths to verify", count >= 2, 1);
    for (u32 i = 0; i < count; i++) {
        CHECK("nth", sys_zix_store(ABI_ZIX_STORE_NTH, i, &each), 0);
        CHECK(each.path, sys_zix_store(ABI_ZIX_STORE_VERIFY, va(each.path), &info), 0);
    }
    return failures;
}

// A directory the builder makes ($out is made by the kernel already).
static bool make_dir(const char *path) {
    i64 result = sys_mkdir(path, 0755);
    return result == 0 || result == -E_EXIST;
}

// The builders: lib writes $out/lib; app writes $out/bin/app (executable) naming lib.
static int builder(const char *mode, int argc, char **argv) {
    char path[ABI_PATH_LEN_MAX], bytes[ABI_PATH_LEN_MAX];
    if (argc < 3 || !make_dir(argv[2])) return 2;
    if (strcmp(mode, "build-lib") == 0) {
        snprintf(path, sizeof path, "%s/lib", argv[2]);
        return write_file(path, "a library\n", 0644) == 0 ? 0 : 4;
    }
    if (argc < 4) return 2;
    snprintf(path, sizeof path, "%s/bin", argv[2]);
    if (!make_dir(path)) return 3;
    snprintf(path, sizeof path, "%s/bin/app", argv[2]);
    snprintf(bytes, sizeof bytes, "#!/bin/sh\nexec %s/lib\n", argv[3]);
    return write_file(path, bytes, 0755) == 0 ? 0 : 4;
}

// Root plants, or (after the reboot, the marker found) checks they are gone.
static u32 check_leftovers(void) {
    u32 failures = 0;
    struct abi_stat stat;
    if (sys_stat(LEFTOVER_MARKER, &stat) == 0) {
        say("leftovers planted by the previous boot");
        CHECK("stat(store leftover)", sys_stat(LEFTOVER_PATH, &stat), -E_NOENT);
        CHECK("stat(check leftover)", sys_stat("/zix/check/planted", &stat), -E_NOENT);
        CHECK("stat(tmp leftover)", sys_stat("/zix/tmp/planted", &stat), -E_NOENT);
        CHECK("stat(/zix/tmp)", sys_stat("/zix/tmp", &stat), 0);
        CHECK("unlink(marker)", sys_unlink(LEFTOVER_MARKER), 0);
        say("leftovers gone");
        return failures;
    }
    CHECK("mkdir(store leftover)", sys_mkdir(LEFTOVER_PATH, 0755), 0);
    CHECK("mkdir(store leftover/bin)", sys_mkdir(LEFTOVER_PATH "/bin", 0755), 0);
    i64 fd = sys_open(LEFTOVER_PATH "/bin/half", ABI_O_WRONLY | ABI_O_CREAT, 0644);
    CHECK("write(half a file)", fd >= 0 ? sys_write(fd, "half", 4) : fd, 4);
    if (fd >= 0) sys_close(fd);
    CHECK("mkdir(check leftover)", sys_mkdir("/zix/check/planted", 0755), 0);
    CHECK("symlink(tmp leftover)", sys_symlink("/etc", "/zix/tmp/planted"), 0);
    fd = sys_open(LEFTOVER_MARKER, ABI_O_WRONLY | ABI_O_CREAT, 0644);
    CHECK("marker", fd >= 0 ? sys_close(fd) : fd, 0);
    say("leftovers planted");
    return failures;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    u32 failures = 0;
    if (strcmp(mode, "user") == 0) failures = check_arguments();
    else if (strcmp(mode, "deny") == 0) failures = check_denied();
    else if (strcmp(mode, "gc") == 0) failures = check_gc();
    else if (strcmp(mode, "leftovers") == 0) failures = check_leftovers();
    else if (strcmp(mode, "built") == 0) failures = check_built();
    else if (strcmp(mode, "verify") == 0) failures = check_verify_all();
    else if (strncmp(mode, "build-", 6) == 0) return builder(mode, argc, argv);
    else {
        say("usage: zixstore user|deny|gc|leftovers|built|verify");
        return 2;
    }
    say("%s: %u failures", mode, failures);
    return (int)failures;
}
