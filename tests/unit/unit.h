// Minimal test harness for host unit tests: one line per case, TAP-like.
#pragma once

#include <stdio.h>
#include <stdlib.h>

static int unit_failures;

#define UNIT_CHECK(name, cond)                                                        \
    do {                                                                              \
        if (cond) {                                                                   \
            printf("ok %s\n", name);                                                  \
        } else {                                                                      \
            printf("not ok %s - %s:%d: %s\n", name, __FILE__, __LINE__, #cond);       \
            unit_failures++;                                                          \
        }                                                                             \
    } while (0)

#define UNIT_EXIT() return unit_failures == 0 ? 0 : 1
