// What the test programs share beyond the syscall library (basin.h): where they are
// installed, and one checked syscall result per line (expect.c). Only the programs of
// src/user/tests link the test library; the tools of src/user/programs never do.
#pragma once

#include "user/lib/basin.h"

// The archive installs the test programs in /test (Makefile), outside /bin and so
// outside the shell's PATH: a user never runs one by its bare name.
#define TEST_DIR "/test"
#define TEST_PATH(name) TEST_DIR "/" name

// Prints the result of `what` and whether it equals `expected`; true if it does.
bool expect_result(const char *what, i64 result, i64 expected);
