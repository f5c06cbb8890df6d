// The initial passwords of root and xy, written hashed into /etc/shadow at the first
// boot. Override at build time: make PASSWORD_ROOT=... PASSWORD_XY=... (README).
// Shared by the kernel and by the test programs that log in with them.
#pragma once

#ifndef BASIN_PASSWORD_ROOT
#define BASIN_PASSWORD_ROOT "basin-root"
#endif
#ifndef BASIN_PASSWORD_XY
#define BASIN_PASSWORD_XY "basin-xy"
#endif
