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

#define CHECK(what, result, expected) (failures += !expect_result((what), (result), (expected)))

static struct abi_zix_info info;
static struct abi_zix_text text;
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
    CHECK("recipe(absent)", sys_zix_store(ABI_ZIX_STORE_RECIPE, va(ABSENT_PATH), &text), -E_NOENT);
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

static u32 check_gc(void) {
    u32 failures = 0;
    CHECK("gc(flags 7)", sys_zix_store(ABI_ZIX_STORE_GC, 7, &gc), -E_INVAL);
    CHECK("gc(out 0x10)", sys_zix_store(ABI_ZIX_STORE_GC, ABI_ZIX_GC_DRY_RUN, (void *)UNMAPPED_VA), -E_FAULT);
    CHECK("symlink a dangling root", sys_symlink(ABSENT_PATH, "/zix/roots/dangling"), 0);
    memset(&gc, 0xff, sizeof gc);
    CHECK("gc dry run", sys_zix_store(ABI_ZIX_STORE_GC, ABI_ZIX_GC_DRY_RUN, &gc), 0);
    CHECK("dry run: roots (the dangling one names nothing)", gc.roots, 0);
    CHECK("dry run: kept + freed", (i64)gc.kept + gc.freed, 0);
    CHECK("dry run: freed_bytes", (i64)gc.freed_bytes, 0);
    memset(&gc, 0xff, sizeof gc);
    CHECK("gc", sys_zix_store(ABI_ZIX_STORE_GC, 0, &gc), 0);
    CHECK("gc: freed", gc.freed, 0);
    CHECK("gc: freed_named", gc.freed_named, 0);
    CHECK("the dangling root stays", sys_unlink("/zix/roots/dangling"), 0);
    return failures;
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
    else {
        say("usage: zixstore user|deny|gc|leftovers");
        return 2;
    }
    say("%s: %u failures", mode, failures);
    return (int)failures;
}
