// PBKDF2 on BearSSL's HMAC-SHA256. The only kernel file that includes BearSSL's
// HMAC header (its <string.h> stays here, as in subsystems/graindb/hash.c).
#include <bearssl_hmac.h>
#undef assert

#include "kernel/users/password.h"

#include "kernel/abi.h"
#include "kernel/lib/mem.h"
#include "kernel/users/internal.h"

#define PBKDF2_PREFIX "$pbkdf2-sha256$"
#define PBKDF2_PREFIX_LEN 15

static u32 password_length(const char *password) {
    assert(password != NULL);
    u64 length = str_len_bounded(password, PASSWORD_LEN_MAX);
    assert(length <= PASSWORD_LEN_MAX); // a longer one is hashed as its first PASSWORD_LEN_MAX bytes
    return (u32)length;
}

void password_pbkdf2_sha256(const u8 *password, u32 password_len, const u8 *salt, u32 salt_len,
                            u32 iterations, u8 out[PASSWORD_HASH_BYTES]) {
    assert(iterations >= 1);
    assert(iterations <= PASSWORD_ITERATIONS_MAX);
    assert(salt_len <= PASSWORD_SALT_BYTES);
    assert(out != NULL);
    if (password_len != 0) assert(password != NULL);
    br_hmac_key_context key;
    br_hmac_context hmac;
    br_hmac_key_init(&key, &br_sha256_vtable, password, password_len);
    // U1 = HMAC(P, S || INT(1)); Ui = HMAC(P, Ui-1); T = U1 ^ ... ^ Uc.
    static const u8 block_index[4] = {0, 0, 0, 1};
    u8 u[PASSWORD_HASH_BYTES];
    br_hmac_init(&hmac, &key, 0);
    br_hmac_update(&hmac, salt, salt_len);
    br_hmac_update(&hmac, block_index, sizeof block_index);
    br_hmac_out(&hmac, u);
    mem_copy(out, u, PASSWORD_HASH_BYTES);
    for (u32 i = 1; i < iterations; i++) {
        br_hmac_init(&hmac, &key, 0);
        br_hmac_update(&hmac, u, sizeof u);
        br_hmac_out(&hmac, u);
        for (u32 b = 0; b < PASSWORD_HASH_BYTES; b++) out[b] ^= u[b];
    }
}

static const char hex_digits[] = "0123456789abcdef";

static u32 hex_encode(const u8 *bytes, u32 count, char *out) {
    assert(bytes != NULL);
    assert(out != NULL);
    for (u32 i = 0; i < count; i++) {
        out[2 * i] = hex_digits[bytes[i] >> 4];
        out[2 * i + 1] = hex_digits[bytes[i] & 15];
    }
    return 2 * count;
}

static i32 hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// Exactly 2*count hex digits at text; false otherwise.
static bool hex_decode(const char *text, u32 count, u8 *out) {
    assert(text != NULL);
    assert(out != NULL);
    for (u32 i = 0; i < count; i++) {
        i32 high = hex_value(text[2 * i]), low = hex_value(text[2 * i + 1]);
        if (high < 0 || low < 0) return false;
        out[i] = (u8)(high * 16 + low);
    }
    return true;
}

u32 password_encode(const char *password, const u8 salt[PASSWORD_SALT_BYTES], u32 iterations,
                    char out[PASSWORD_ENCODED_LEN_MAX]) {
    assert(password != NULL);
    assert(salt != NULL);
    u8 hash[PASSWORD_HASH_BYTES];
    password_pbkdf2_sha256((const u8 *)password, password_length(password), salt,
                           PASSWORD_SALT_BYTES, iterations, hash);
    u32 at = 0;
    mem_copy(out, PBKDF2_PREFIX, PBKDF2_PREFIX_LEN);
    at += PBKDF2_PREFIX_LEN;
    char digits[12];
    u32 count = 0;
    for (u32 value = iterations; value > 0 || count == 0; value /= 10) digits[count++] = (char)('0' + value % 10);
    assert(count <= 10); // a u32 has at most ten decimal digits
    while (count > 0) out[at++] = digits[--count];
    out[at++] = '$';
    at += hex_encode(salt, PASSWORD_SALT_BYTES, out + at);
    out[at++] = '$';
    at += hex_encode(hash, PASSWORD_HASH_BYTES, out + at);
    assert(at < PASSWORD_ENCODED_LEN_MAX);
    out[at] = '\0';
    return at;
}

bool password_bytes_equal(const u8 *a, const u8 *b, u32 count) {
    assert(a != NULL);
    assert(b != NULL);
    u8 difference = 0;
    for (u32 i = 0; i < count; i++) difference |= (u8)(a[i] ^ b[i]);
    return difference == 0;
}

bool password_matches(const char *password, const char *encoded, u32 encoded_len) {
    assert(password != NULL);
    assert(encoded != NULL);
    u32 expected_len = PBKDF2_PREFIX_LEN + 2 + 2 * PASSWORD_SALT_BYTES + 2 * PASSWORD_HASH_BYTES;
    if (encoded_len < expected_len + 1 || encoded_len >= PASSWORD_ENCODED_LEN_MAX) return false;
    if (!mem_equal(encoded, PBKDF2_PREFIX, PBKDF2_PREFIX_LEN)) return false;
    u32 at = PBKDF2_PREFIX_LEN, iterations = 0;
    for (; at < encoded_len && encoded[at] >= '0' && encoded[at] <= '9'; at++) {
        iterations = iterations * 10 + (u32)(encoded[at] - '0');
        if (iterations > PASSWORD_ITERATIONS_MAX) return false;
    }
    if (iterations == 0 || encoded_len - at != 2 + 2 * PASSWORD_SALT_BYTES + 2 * PASSWORD_HASH_BYTES) return false;
    if (encoded[at] != '$' || encoded[at + 1 + 2 * PASSWORD_SALT_BYTES] != '$') return false;
    u8 salt[PASSWORD_SALT_BYTES], stored[PASSWORD_HASH_BYTES], computed[PASSWORD_HASH_BYTES];
    if (!hex_decode(encoded + at + 1, PASSWORD_SALT_BYTES, salt)) return false;
    if (!hex_decode(encoded + at + 2 + 2 * PASSWORD_SALT_BYTES, PASSWORD_HASH_BYTES, stored)) return false;
    assert(iterations >= 1); // refused above otherwise
    assert(iterations <= PASSWORD_ITERATIONS_MAX);

    password_pbkdf2_sha256((const u8 *)password, password_length(password), salt, PASSWORD_SALT_BYTES,
                           iterations, computed);
    return password_bytes_equal(stored, computed, PASSWORD_HASH_BYTES);
}

i64 password_acceptable(const char *password, u64 length) {
    assert(password != NULL);
    if (length == 0 || length > PASSWORD_LEN_MAX) return -E_INVAL;
    for (u64 i = 0; i < length; i++) {
        char c = password[i];
        if (c == ':' || c == '\n' || c == '\r' || c == '\0') return -E_INVAL;
    }
    assert(password[length] == '\0');
    return 0;
}
