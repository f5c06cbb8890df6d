// The initial passwords of root and xy, written hashed into /etc/shadow at the first
// boot. Override at build time: make PASSWORD_ROOT=... PASSWORD_XY=... (README).
// The kernel's; the test programs, which include no kernel header but abi.h, repeat
// them in src/user/tests/lib/passwords.h (tests/unit/test_password.c keeps the two equal).
#pragma once

#ifndef BASIN_PASSWORD_ROOT
#define BASIN_PASSWORD_ROOT "basin-root"
#endif
#ifndef BASIN_PASSWORD_XY
#define BASIN_PASSWORD_XY "basin-xy"
#endif
