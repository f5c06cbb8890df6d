// syscalls: argument errors must come back as error codes, never stop the kernel.
// init runs it as uid 1000. Every line names the call, the result and its expected
// value; the exit code is the number of mismatches.
#include <string.h>

#include "user/tests/lib/test.h"

BASIN_PROGRAM("syscalls");

#define UNMAPPED_VA 0x10ull
#define KERNEL_RAM_VA 0x80200000ull // kernel image on QEMU virt: mapped, not for U-mode
#define UNKNOWN_SYSCALL 63u
#define GAP_SYSCALL 62u             // a number the list leaves free (issue 9 uses up to 50)
#define BAD_CLOCK 99u
#define BAD_UID 4242u
#define LONG_TEXT_BYTES 300u        // longer than ABI_PATH_LEN_MAX and ABI_ARG_LEN_MAX

static const char *const hello_argv[] = {"hello", "from", "syscalls", NULL};

// Each function below counts its mismatches in a local `failures`.
#define CHECK(what, result, expected) (failures += !expect_result((what), (result), (expected)))

static u32 check_dispatch_and_write(void) {
    u32 failures = 0;
    u8 buffer[16] = {0};
    // The stack's last bytes: a long write runs off the top of the mappings.
    const void *stack_end = (const void *)(ABI_USER_STACK_TOP_VA - 8);
    CHECK("syscall 63", basin_syscall_raw(UNKNOWN_SYSCALL, 0, 0, 0), -E_NOSYS);
    CHECK("syscall 62", basin_syscall_raw(GAP_SYSCALL, 0, 0, 0), -E_NOSYS);
    CHECK("syscall 2^32", basin_syscall_raw(1ull << 32, 0, 0, 0), -E_NOSYS);
    CHECK("write(0x10)", sys_write(1, (const void *)UNMAPPED_VA, 4), -E_FAULT);
    CHECK("write(kernel memory)", sys_write(1, (const void *)KERNEL_RAM_VA, 4), -E_FAULT);
    CHECK("write(huge length)", sys_write(1, stack_end, 1ull << 40), -E_FAULT);
    CHECK("write(fd 0)", sys_write(0, buffer, 1), -E_BADF);
    CHECK("write(length 0)", sys_write(1, buffer, 0), 0);
    return failures;
}

static u32 check_clock_and_random(void) {
    u32 failures = 0;
    u64 now_ns = 0;
    u8 bytes[ABI_GETRANDOM_LEN_MAX + 1];
    u64 *unmapped = (u64 *)UNMAPPED_VA;
    // Text is readable but not writable: the kernel must not store into it.
    u64 *text = (u64 *)(uintptr_t)&check_clock_and_random;
    CHECK("clock_gettime(bad clock)", sys_clock_gettime(BAD_CLOCK, &now_ns), -E_INVAL);
    CHECK("clock_gettime(0x10)", sys_clock_gettime(ABI_CLOCK_MONOTONIC, unmapped), -E_FAULT);
    CHECK("clock_gettime(into text)", sys_clock_gettime(ABI_CLOCK_MONOTONIC, text), -E_FAULT);
    CHECK("getrandom(0x10)", sys_getrandom(unmapped, 8, 0), -E_FAULT);
    CHECK("getrandom(257 bytes)", sys_getrandom(bytes, ABI_GETRANDOM_LEN_MAX + 1, 0), -E_INVAL);
    CHECK("getrandom(256 bytes)", sys_getrandom(bytes, ABI_GETRANDOM_LEN_MAX, 0),
          ABI_GETRANDOM_LEN_MAX);
    CHECK("getrandom(flags 1)", sys_getrandom(bytes, 8, 1), -E_INVAL);
    CHECK("sleep_until(0)", sys_sleep_until(0), 0);
    CHECK("yield", sys_yield(), 0);
    return failures;
}

static u32 check_spawn(void) {
    u32 failures = 0;
    char long_text[LONG_TEXT_BYTES + 1];
    memset(long_text, 'a', LONG_TEXT_BYTES);
    long_text[0] = '/';
    long_text[LONG_TEXT_BYTES] = 0;
    const char *too_many[ABI_ARGV_COUNT_MAX + 2];
    for (u32 i = 0; i <= ABI_ARGV_COUNT_MAX; i++) too_many[i] = "x";
    too_many[ABI_ARGV_COUNT_MAX + 1] = NULL;
    const char *long_arg[] = {"hello", long_text, NULL};
    const char *const *bad_argv = (const char *const *)UNMAPPED_VA;
    const char *bad_path = (const char *)UNMAPPED_VA;
    const u64 user = ABI_UID_USER;

    CHECK("spawn(missing)", sys_spawn("/bin/missing", hello_argv, user), -E_NOENT);
    CHECK("spawn(17 args)", sys_spawn(TEST_PATH("hello"), too_many, user), -E_2BIG);
    CHECK("spawn(300-byte arg)", sys_spawn(TEST_PATH("hello"), long_arg, user), -E_2BIG);
    CHECK("spawn(300-byte path)", sys_spawn(long_text, hello_argv, user), -E_NAMETOOLONG);
    CHECK("spawn(path 0x10)", sys_spawn(bad_path, hello_argv, user), -E_FAULT);
    CHECK("spawn(argv 0x10)", sys_spawn(TEST_PATH("hello"), bad_argv, user), -E_FAULT);
    CHECK("spawn(relative path)", sys_spawn("bin/hello", hello_argv, user), -E_INVAL);
    CHECK("spawn(a directory)", sys_spawn("/bin", hello_argv, user), -E_NOEXEC);
    CHECK("spawn(uid 0) as uid 1000", sys_spawn(TEST_PATH("hello"), hello_argv, ABI_UID_ROOT), -E_PERM);
    CHECK("spawn(uid 4242)", sys_spawn(TEST_PATH("hello"), hello_argv, BAD_UID), -E_INVAL);
    return failures;
}

static u32 check_wait_and_shutdown(void) {
    u32 failures = 0;
    struct abi_wait_status status;
    struct abi_wait_status *bad_status = (struct abi_wait_status *)UNMAPPED_VA;
    CHECK("wait(any, nohang) without children", sys_wait(ABI_WAIT_ANY, &status, ABI_WAIT_NOHANG),
          -E_CHILD);
    CHECK("wait(pid 1)", sys_wait(1, &status, 0), -E_CHILD);
    CHECK("wait(pid 0)", sys_wait(0, &status, 0), -E_INVAL);
    CHECK("wait(flags 2)", sys_wait(ABI_WAIT_ANY, &status, 2), -E_INVAL);
    // A child of our own uid is allowed; a bad status pointer must not lose it. Nothing
    // is printed until both waits are done, so hello's lines come first everywhere.
    i64 child = sys_spawn(TEST_PATH("hello"), hello_argv, ABI_UID_USER);
    i64 with_bad_status = sys_wait(child, bad_status, 0);
    i64 reaped = sys_wait(child, NULL, 0);
    CHECK("spawn(hello) as uid 1000 > 0", child > 0, 1);
    CHECK("wait(child, status 0x10)", with_bad_status, -E_FAULT);
    CHECK("wait(child, no status) is the child", reaped == child, 1);
    CHECK("shutdown(0)", sys_shutdown(0), -E_INVAL);
    CHECK("shutdown(99)", sys_shutdown(99), -E_INVAL);
    return failures;
}

int main(void) {
    u32 failures = 0;
    CHECK("getuid", sys_getuid(), ABI_UID_USER);
    CHECK("setuid(0) as uid 1000", sys_setuid(ABI_UID_ROOT), -E_PERM);
    CHECK("setgid(0) as uid 1000", sys_setgid(ABI_UID_ROOT), -E_PERM);
    CHECK("geteuid after them", sys_geteuid(), ABI_UID_USER);
    CHECK("getpid > 1", sys_getpid() > 1, 1);
    failures += check_dispatch_and_write();
    failures += check_clock_and_random();
    failures += check_spawn();
    failures += check_wait_and_shutdown();
    say("%u mismatches", failures);
    return (int)failures;
}
