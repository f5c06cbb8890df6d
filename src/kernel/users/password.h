// Password hashes for /etc/shadow: salted PBKDF2-HMAC-SHA256 (RFC 8018, one 32-byte
// block), stored as "$pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>", and checked
// in constant time.
#pragma once

#include "kernel/lib/types.h"

#define PASSWORD_LEN_MAX 64
#define PASSWORD_SALT_BYTES 16
#define PASSWORD_HASH_BYTES 32
#define PASSWORD_ITERATIONS 10000u
#define PASSWORD_ITERATIONS_MAX 1000000u // a larger count in a shadow line is refused
// "$pbkdf2-sha256$" + up to 7 digits + "$" + 32 hex + "$" + 64 hex + NUL
#define PASSWORD_ENCODED_LEN_MAX 128

void password_pbkdf2_sha256(const u8 *password, u32 password_len, const u8 *salt, u32 salt_len,
                            u32 iterations, u8 out[PASSWORD_HASH_BYTES]);
// Encodes the hash of password with this salt. Returns the length (without NUL).
u32 password_encode(const char *password, const u8 salt[PASSWORD_SALT_BYTES], u32 iterations,
                    char out[PASSWORD_ENCODED_LEN_MAX]);
// Whether password matches an encoded hash. Refuses (false) anything malformed;
// the final comparison takes the same time wherever the bytes differ.
bool password_matches(const char *password, const char *encoded, u32 encoded_len);
// Constant-time equality of two byte strings of the same length.
bool password_bytes_equal(const u8 *a, const u8 *b, u32 count);
// Whether a new password may be set: 1..PASSWORD_LEN_MAX bytes, none of them ':'
// (the shadow file's separator) or a line end. 0 or -E_INVAL.
i64 password_acceptable(const char *password, u64 length);
