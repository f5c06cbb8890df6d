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

// Encodes the hash of password with this salt. Returns the length (without NUL).
u32 password_encode(const char *password, const u8 salt[PASSWORD_SALT_BYTES], u32 iterations,
                    char out[PASSWORD_ENCODED_LEN_MAX]);
