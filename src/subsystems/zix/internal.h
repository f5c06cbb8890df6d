// Zix's engine, private helpers shared by its files (never included from outside
// src/subsystems/zix, except by its unit tests).
#pragma once

#include "kernel/abi.h"
#include "kernel/lib/mem.h"
#include "subsystems/zix/zix.h"

#define ZIX_BASE32_CHARS "0123456789abcdfghijklmnpqrsvwxyz"
// A recipe line (key, NAME, kind and value with their spaces) is refused past this:
// the longest valid line ("input NAME = recipe FILE" with every part at its bound, or a
// 211-byte name) fits with room for generous spacing.
#define ZIX_LINE_BYTES_MAX 512u

// SHA-256, streamed; zix_nar.c (the one file that includes BearSSL) implements it.
struct zix_sha256 {
    u64 state[14];
};
void zix_sha256_init(struct zix_sha256 *context);
void zix_sha256_update(struct zix_sha256 *context, const void *bytes, u64 count);
void zix_sha256_out(const struct zix_sha256 *context, u8 out[ZIX_HASH_BYTES]);

// Nix's base32 of count bytes: ZIX_BASE32_LEN(count) characters, then a NUL.
#define ZIX_BASE32_LEN(count) (((count) * 8u - 1u) / 5u + 1u)
void zix_base32_encode(const u8 *bytes, u32 count, char *out);
bool zix_base32_char(char c);

// Fills a refusal (field and message are cut to fit, always terminated).
void zix_error_set(struct zix_error *error, u32 line, const char *field, const char *message);

// Appends text to out[*length..capacity): false (and nothing written) past capacity.
bool zix_append(char *out, u32 capacity, u32 *length, const char *text, u32 count);

// A variable or input NAME: [a-z_][a-z0-9_]*, at most ZIX_VAR_NAME_LEN_MAX.
bool zix_var_name_valid(const char *name, u32 length);

// zix_substitute without a result: 0 when every $name of argument is known (an input, a
// variable, out or tmp), else -E_INVAL with error filled (line 0: the caller sets it).
i64 zix_substitute_check(const struct zix_recipe *recipe, const char *argument, struct zix_error *error);

// a < b in unsigned byte order (NUL-terminated, at most ZIX_STORE_PATH_LEN_MAX + 1 read).
bool zix_path_less(const char *a, const char *b);
