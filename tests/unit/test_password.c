// The kernel's password hashing: PBKDF2-HMAC-SHA256 against RFC 7914's vectors
// (section 11), the shadow encoding round trip, and refusal of malformed hashes. Also
// that the test programs' copy of the initial passwords is the kernel's.
#include <string.h>

// First, before any kernel header can define BASIN_PASSWORD_*: so that TEST_PASSWORD_*
// are the test library's own defaults (unless the build passes a password to both).
#include "user/tests/lib/passwords.h"

#include "kernel/users/password.h"
#include "kernel/users/passwords_default.h"
#include "tests/unit/unit.h"
#include "kernel/users/internal.h"

static void hex(const unsigned char *bytes, unsigned count, char *out) {
    for (unsigned i = 0; i < count; i++) sprintf(out + 2 * i, "%02x", bytes[i]);
}

static int pbkdf2_is(const char *password, const char *salt, u32 iterations, const char *expected) {
    u8 out[PASSWORD_HASH_BYTES];
    char text[2 * PASSWORD_HASH_BYTES + 1];
    password_pbkdf2_sha256((const u8 *)password, (u32)strlen(password), (const u8 *)salt,
                           (u32)strlen(salt), iterations, out);
    hex(out, sizeof out, text);
    return strcmp(text, expected) == 0;
}

int main(void) {
    UNIT_CHECK("pbkdf2_sha256_rfc7914_c1",
               pbkdf2_is("password", "salt", 1, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"));
    UNIT_CHECK("pbkdf2_sha256_c4096",
               pbkdf2_is("password", "salt", 4096, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"));
    u8 salt[PASSWORD_SALT_BYTES];
    for (u32 i = 0; i < sizeof salt; i++) salt[i] = (u8)(i * 37 + 1);
    char encoded[PASSWORD_ENCODED_LEN_MAX];
    u32 length = password_encode("basin-xy", salt, 100, encoded);
    UNIT_CHECK("encode_length", length == strlen(encoded) && strncmp(encoded, "$pbkdf2-sha256$100$", 19) == 0);
    UNIT_CHECK("matches_right_password", password_matches("basin-xy", encoded, length));
    UNIT_CHECK("refuses_wrong_password", !password_matches("basin-xz", encoded, length));
    UNIT_CHECK("refuses_empty_password", !password_matches("", encoded, length));
    char broken[PASSWORD_ENCODED_LEN_MAX];
    memcpy(broken, encoded, length + 1);
    broken[length - 1] = 'g'; // not hex
    UNIT_CHECK("refuses_non_hex", !password_matches("basin-xy", broken, length));
    UNIT_CHECK("refuses_truncated", !password_matches("basin-xy", encoded, length - 2));
    UNIT_CHECK("refuses_locked_account", !password_matches("basin-xy", "!", 1));
    UNIT_CHECK("refuses_zero_iterations", !password_matches("x", "$pbkdf2-sha256$0$", 17));
    u8 a[4] = {1, 2, 3, 4}, b[4] = {1, 2, 3, 5};
    UNIT_CHECK("bytes_equal", password_bytes_equal(a, a, 4) && !password_bytes_equal(a, b, 4));
    UNIT_CHECK("test_programs_know_roots_password", strcmp(TEST_PASSWORD_ROOT, BASIN_PASSWORD_ROOT) == 0);
    UNIT_CHECK("test_programs_know_xys_password", strcmp(TEST_PASSWORD_XY, BASIN_PASSWORD_XY) == 0);
    UNIT_EXIT();
}
