// Shared by the zix engine's unit tests: the panic hook (an engine assert aborts the
// test), a seeded generator (runs are repeatable) and small helpers.
#pragma once

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "subsystems/zix/internal.h"
#include "tests/unit/unit.h"

_Noreturn void platform_panic(const char *file, u32 line, const char *what) {
    fprintf(stderr, "panic at %s:%u: %s\n", file, line, what);
    abort();
}

// splitmix64: fixed seeds, the same run every time.
static u64 test_random_state = 0x5eed2026u;
static inline u64 test_random(void) {
    u64 z = (test_random_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static inline u32 test_below(u32 n) { return n == 0 ? 0 : (u32)(test_random() % n); }

// Runs body in a child: true when it panicked (died by SIGABRT), as a misuse must.
static inline bool test_panics(void (*body)(void)) {
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        freopen("/dev/null", "w", stderr);
        body();
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}
