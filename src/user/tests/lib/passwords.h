// The initial passwords of root and xy as the test programs know them (they log in,
// sudo and switch users with them). User programs include no kernel header but
// kernel/abi.h, so the defaults are repeated here from the kernel's
// src/kernel/users/passwords_default.h; tests/unit/test_password.c fails when the two
// differ. A build with PASSWORD_ROOT= or PASSWORD_XY= (Makefile) passes
// -DTEST_PASSWORD_ROOT/-DTEST_PASSWORD_XY to both, and that value wins here too.
// Standalone (no other include), so that the host unit test can include it first.
#pragma once

#ifdef TEST_PASSWORD_ROOT
#define TEST_PASSWORD_ROOT TEST_PASSWORD_ROOT
#else
#define TEST_PASSWORD_ROOT "basin-root"
#endif
#ifdef TEST_PASSWORD_XY
#define TEST_PASSWORD_XY TEST_PASSWORD_XY
#else
#define TEST_PASSWORD_XY "basin-xy"
#endif
