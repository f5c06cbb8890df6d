// User names and passwords for the account tools (id, whoami, su, sudo, passwd,
// chown, login): /etc/passwd and /etc/group lookups, reading a password line, and
// saying clearly why the kernel refused a password.
#pragma once

#include "user/lib/basin.h"

#define USERS_NAME_LEN_MAX 32
#define USERS_PASSWORD_LEN_MAX 64

// The name of uid in /etc/passwd (or of gid in /etc/group); false if none, and then
// out holds the number.
bool users_name_of_uid(u32 uid, char *out, u64 capacity);
bool users_name_of_gid(u32 gid, char *out, u64 capacity);
// The uid of a name in /etc/passwd, or of a decimal number. -E_NOENT if unknown.
i64 users_uid_of(const char *name);
i64 users_gid_of(const char *name);
// Prints prompt on fd 1 and reads one line from the console (no echo control: the
// console has none). Returns the length without the newline, or -error.
i64 users_read_password(const char *prompt, char *out, u64 capacity);
// "<program>: <who>: E_NAME: <what it means>" on fd 2, for the errors of sudo,
// switch_user and passwd: E_ACCES (wrong password), E_PERM; other errors as
// tool_complain. (After wrong passwords the kernel makes the next check wait; it never
// locks an account, so there is no "locked" error to explain.)
void users_complain_auth(const char *who, i64 error);
