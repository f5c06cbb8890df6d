// waiter: spawns hello and badptr together, waits for hello by pid, then for any
// child (which must be badptr, killed by a page fault), then finds none left.
// It prints nothing between the first spawn and the last wait, so its lines follow
// hello's in the same order on every machine.
#include <string.h>

#include "user/tests/lib/test.h"

BASIN_PROGRAM("waiter");

#define BADPTR_FAULT_ADDRESS 0x10u
#define STATUS_TEXT_LEN_MAX 96

static const char *const hello_argv[] = {"hello", "from", "waiter", NULL};
static const char *const badptr_argv[] = {"badptr", NULL};

static bool report(const char *name, i64 reaped, i64 pid, const struct abi_wait_status *status,
                   bool as_expected) {
    char text[STATUS_TEXT_LEN_MAX];
    wait_status_format(status, text, sizeof(text));
    bool ok = reaped == pid && as_expected;
    if (reaped != pid) {
        say("%s: wait = %ld %s, not its pid", name, (long)reaped, error_name(reaped));
    }
    say("%s %s %s", name, text, ok ? "ok" : "FAIL");
    return ok;
}

int main(void) {
    i64 hello = sys_spawn(TEST_PATH("hello"), hello_argv, ABI_UID_ROOT);
    i64 badptr = sys_spawn(TEST_PATH("badptr"), badptr_argv, ABI_UID_ROOT);
    if (hello <= 0 || badptr <= 0) {
        fail("spawn = %ld %s, %ld %s", (long)hello, error_name(hello), (long)badptr,
             error_name(badptr));
    }
    struct abi_wait_status first, second, none;
    memset(&first, 0, sizeof(first));
    memset(&second, 0, sizeof(second));
    i64 first_reaped = sys_wait(hello, &first, 0);
    i64 second_reaped = sys_wait(ABI_WAIT_ANY, &second, 0);
    i64 none_left = sys_wait(ABI_WAIT_ANY, &none, ABI_WAIT_NOHANG);

    u32 failures = 0;
    failures += !report("hello", first_reaped, hello, &first,
                        first.cause == ABI_EXIT_NORMAL && first.exit_code == 0);
    failures += !report("badptr", second_reaped, badptr, &second,
                        second.cause == ABI_EXIT_FAULT_PAGE &&
                            second.fault_addr == BADPTR_FAULT_ADDRESS);
    failures += !expect_result("then wait(any, nohang)", none_left, -E_CHILD);
    return (int)failures;
}
