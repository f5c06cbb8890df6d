// What the Unix-like file tools (ls, cat, write, mkdir, rm, mv, pwd, storage) share:
// option parsing with --help, error lines that name the input and the error, raw
// output for data, whole writes, and path joining within ABI_PATH_LEN_MAX.
//
// Output convention of the tools (like Unix, unlike the test programs): the data a
// tool exists to print (file bytes, names, the cwd, usage) goes to fd 1 raw, without
// the "<program>: " prefix; every error goes to fd 2 as "<program>: <input>: E_NAME"
// (or "<program>: <input>: <step>: E_NAME" when the step is not the obvious one).
// Exit codes: 0 done, 1 an operation failed, 2 bad usage.
#pragma once

#include "user/lib/basin.h"

#define TOOL_EXIT_OK 0
#define TOOL_EXIT_FAILED 1
#define TOOL_EXIT_USAGE 2

// A path buffer: ABI_PATH_LEN_MAX characters and the NUL.
#define TOOL_PATH_BYTES (ABI_PATH_LEN_MAX + 1)

// Parses the leading options of argv: single letters from `letters`, alone or combined
// ("-lr"); "--" ends the options; "--help" prints `usage` on fd 1 and exits 0; any
// other option prints an error and the usage on fd 2 and exits 2. Returns the set of
// letters seen (tool_flag reads it) and the index of the first operand in *first.
u32 tool_options(int argc, char **argv, const char *letters, const char *usage, int *first);
bool tool_flag(u32 flags, char letter);

// "<program>: <message>" and the usage on fd 2, then exit 2.
_Noreturn void tool_usage_error(const char *usage, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

// "<program>: <input>: E_NAME" on fd 2.
void tool_complain(const char *input, i64 error);
// "<program>: <input>: <step>: E_NAME" on fd 2.
void tool_complain_step(const char *input, const char *step, i64 error);

// Raw formatted text on fd, no prefix, one write per call (at most TOOL_PRINT_BYTES_MAX
// bytes; longer text is cut visibly with "..."). Returns what the write returned.
#define TOOL_PRINT_BYTES_MAX 512
i64 tool_print(i64 fd, const char *format, ...) __attribute__((format(printf, 2, 3)));

// Writes all `length` bytes, looping over short writes. Returns length or -error
// (-E_IO if the kernel accepted no byte at all without an error).
i64 tool_write_all(i64 fd, const void *bytes, u64 length);

// out = dir + "/" + name (no doubled slash when dir ends in one). 0 or -E_NAMETOOLONG.
i64 tool_path_join(char *out, u64 capacity, const char *dir, const char *name);

// The last component of path, ignoring trailing slashes, copied into out ("" for "/").
// 0 or -E_NAMETOOLONG.
i64 tool_path_last(char *out, u64 capacity, const char *path);

// Errors that a correct kernel may return because the disk failed or filled up (E_IO,
// E_NOSPC, E_BADMSG, E_ROFS), as opposed to errors that mean the program or the
// kernel is wrong. E_NODEV (no disk at all) is not one: nothing can be tested then.
bool tool_error_is_environmental(i64 error);
