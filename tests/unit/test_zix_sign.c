// Zix's signatures (src/kernel/zix/zix_sign*.c):
// - the pure half: a signature verifies; a flipped bit in the message, the signature or
//   the public key is refused; the same seed gives the same key and the same signature
//   (RFC 6979's nonce), another seed another key; scalars 0 and n are not keys, n-1 is;
// - a known answer: RFC 6979, appendix A.2.5 (ECDSA, 256 bits, prime field), the key
//   x = C9AF...6721 and the message "sample" with SHA-256: its public point U and its
//   signature (r, s), as BearSSL's own test (test/test_crypto.c, ECDSA_KAT) checks them;
// - the kernel half on a booted simulator: the first use makes the key and writes both
//   files (private root 0600, 32 bytes; public 0644, the private key's point); a
//   registration signed by the kernel verifies, and changing any fingerprinted field or
//   dropping the signature makes it -E_BADMSG; a reload finds the same key; a damaged
//   private key file (short, long, zero, n) is refused with -E_BADMSG, nothing is signed
//   and the file is left as it was; a wrong public key file is rewritten; the same run
//   seed makes the same key, another seed another.
#include <string.h>

#include "kernel/fs/fs.h"
#include "kernel/kernel.h"
#include "kernel/zix/zix_sign.h"
#include "sim/sim.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_sim.h"

#define DISK_BYTES (16ull << 20)
#define STEPS_MAX 400000u

static u32 hex_decode(const char *hex, u8 *out, u32 capacity) {
    u32 count = 0;
    for (; hex[0] != '\0' && hex[1] != '\0' && count < capacity; hex += 2) {
        unsigned value = 0;
        sscanf(hex, "%2x", &value);
        out[count++] = (u8)value;
    }
    return count;
}

// RFC 6979, A.2.5.
static const char *RFC6979_X = "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721";
static const char *RFC6979_U = "04"
                               "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"
                               "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299";
static const char *RFC6979_SAMPLE_SHA256_RS =
    "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
    "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8";
// P-256's order n (SEC 2, 2.4.2).
static const char *P256_N = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";

static void test_known_answer(void) {
    u8 x[32], u[65], rs[64], public_key[65], signature[64];
    hex_decode(RFC6979_X, x, sizeof x);
    hex_decode(RFC6979_U, u, sizeof u);
    hex_decode(RFC6979_SAMPLE_SHA256_RS, rs, sizeof rs);
    UNIT_CHECK("rfc6979_public_point", zix_sign_public_from_private(x, public_key) && memcmp(public_key, u, 65) == 0);
    const u8 *sample = (const u8 *)"sample";
    UNIT_CHECK("rfc6979_sign", zix_sign_raw(x, sample, 6, signature));
    UNIT_CHECK("rfc6979_signature_r_s", memcmp(signature, rs, 64) == 0);
    UNIT_CHECK("rfc6979_verifies", zix_sign_verify_raw(u, sample, 6, rs));
    UNIT_CHECK("rfc6979_other_message_refused", !zix_sign_verify_raw(u, (const u8 *)"samplf", 6, rs));
}

static void test_scalars(void) {
    u8 scalar[32], public_key[65], signature[64];
    memset(scalar, 0, sizeof scalar);
    UNIT_CHECK("scalar_zero_refused", !zix_sign_public_from_private(scalar, public_key));
    UNIT_CHECK("scalar_zero_signs_nothing", !zix_sign_raw(scalar, (const u8 *)"m", 1, signature));
    hex_decode(P256_N, scalar, sizeof scalar);
    UNIT_CHECK("scalar_n_refused", !zix_sign_public_from_private(scalar, public_key));
    memset(scalar, 0xff, sizeof scalar);
    UNIT_CHECK("scalar_above_n_refused", !zix_sign_public_from_private(scalar, public_key));
    hex_decode(P256_N, scalar, sizeof scalar);
    scalar[31]--;
    UNIT_CHECK("scalar_n_minus_1_is_a_key", zix_sign_public_from_private(scalar, public_key));
    memset(scalar, 0, sizeof scalar);
    scalar[31] = 1;
    UNIT_CHECK("scalar_1_is_a_key", zix_sign_public_from_private(scalar, public_key));
}

static bool flipped_message_refused(const u8 *public_key, const u8 *message, u32 length, const u8 *signature) {
    u8 copy[128];
    assert(length <= sizeof copy);
    for (u32 bit = 0; bit < length * 8; bit += 7) {
        memcpy(copy, message, length);
        copy[bit / 8] ^= (u8)(1u << (bit % 8));
        if (zix_sign_verify_raw(public_key, copy, length, signature)) return false;
    }
    return true;
}

static bool flipped_signature_refused(const u8 *public_key, const u8 *message, u32 length, const u8 *signature) {
    u8 copy[64];
    for (u32 bit = 0; bit < 64 * 8; bit += 5) {
        memcpy(copy, signature, 64);
        copy[bit / 8] ^= (u8)(1u << (bit % 8));
        if (zix_sign_verify_raw(public_key, message, length, copy)) return false;
    }
    return true;
}

static bool flipped_public_key_refused(const u8 *public_key, const u8 *message, u32 length, const u8 *signature) {
    u8 copy[65];
    for (u32 bit = 0; bit < 65 * 8; bit += 3) {
        memcpy(copy, public_key, 65);
        copy[bit / 8] ^= (u8)(1u << (bit % 8));
        if (zix_sign_verify_raw(copy, message, length, signature)) return false;
    }
    return true;
}

static void test_sign_verify(void) {
    u8 seed[32], private_key[32], public_key[65], signature[64];
    for (u32 i = 0; i < 32; i++) seed[i] = (u8)(i * 7 + 1);
    UNIT_CHECK("key_from_seed", zix_sign_key_from_seed(seed, private_key, public_key));
    const u8 *message = (const u8 *)"1;/zix/store/0123456789abcdfghijklmnpqrsvwxyz-hello;sha256:00;42;";
    u32 length = (u32)strlen((const char *)message);
    UNIT_CHECK("sign", zix_sign_raw(private_key, message, length, signature));
    UNIT_CHECK("verify", zix_sign_verify_raw(public_key, message, length, signature));
    UNIT_CHECK("flipped_message_bit_refused", flipped_message_refused(public_key, message, length, signature));
    UNIT_CHECK("flipped_signature_bit_refused", flipped_signature_refused(public_key, message, length, signature));
    UNIT_CHECK("flipped_public_key_bit_refused", flipped_public_key_refused(public_key, message, length, signature));
    u8 zero[64];
    memset(zero, 0, sizeof zero);
    UNIT_CHECK("zero_signature_refused", !zix_sign_verify_raw(public_key, message, length, zero));
    UNIT_CHECK("shorter_message_refused", !zix_sign_verify_raw(public_key, message, length - 1, signature));

    u8 private_again[32], public_again[65], signature_again[64];
    zix_sign_key_from_seed(seed, private_again, public_again);
    zix_sign_raw(private_again, message, length, signature_again);
    UNIT_CHECK("same_seed_same_key", memcmp(private_key, private_again, 32) == 0 &&
                                         memcmp(public_key, public_again, 65) == 0);
    UNIT_CHECK("same_key_same_signature", memcmp(signature, signature_again, 64) == 0);
    UNIT_CHECK("public_from_private_agrees",
               zix_sign_public_from_private(private_key, public_again) && memcmp(public_key, public_again, 65) == 0);
    seed[0] ^= 1;
    zix_sign_key_from_seed(seed, private_again, public_again);
    UNIT_CHECK("other_seed_other_key", memcmp(private_key, private_again, 32) != 0);
    UNIT_CHECK("other_key_refused", !zix_sign_verify_raw(public_again, message, length, signature));
}

// ---- the kernel half -------------------------------------------------------------------
static struct zix_registration registration;
static u8 file_bytes[256];

// The file at absolute (as root): its length, or -error; *mode its mode.
static i64 file_get(struct kernel *k, const char *absolute, u32 *mode, u32 *uid) {
    struct fs_inode inode;
    i64 result = fs_lookup_at(k, absolute, &inode);
    if (result < 0) return result;
    *mode = inode.mode & 07777;
    *uid = inode.uid;
    u64 size_bytes = 0;
    result = fs_file_read_all(k, &inode, file_bytes, sizeof file_bytes, &size_bytes);
    return result < 0 ? result : (i64)size_bytes;
}

static void registration_fill(void) {
    memset(&registration, 0, sizeof registration);
    snprintf(registration.path, sizeof registration.path, "/zix/store/0123456789abcdfghijklmnpqrsvwxyz-hello");
    for (u32 i = 0; i < ZIX_HASH_BYTES; i++) registration.nar_hash[i] = (u8)(0xa0 + i);
    registration.nar_size_bytes = 4242;
    registration.refs_count = 2;
    snprintf(registration.refs[0], sizeof registration.refs[0], "/zix/store/0000000000000000000000000000000a-lib");
    snprintf(registration.refs[1], sizeof registration.refs[1], "%s", registration.path);
}

static void test_key_files(struct kernel *k) {
    UNIT_CHECK("key_ready_first_use", zix_sign_key_ready(k) == 0 && k->zix_sign.loaded);
    u32 mode = 0, uid = 1;
    i64 length = file_get(k, ZIX_SIGN_KEY_PATH, &mode, &uid);
    UNIT_CHECK("private_key_file_root_0600_32_bytes", length == 32 && mode == 0600 && uid == ABI_UID_ROOT);
    u8 derived[65];
    UNIT_CHECK("private_key_file_is_the_key", length == 32 && memcmp(file_bytes, k->zix_sign.private_key, 32) == 0 &&
                                                  zix_sign_public_from_private(file_bytes, derived));
    length = file_get(k, ZIX_SIGN_PUBLIC_KEY_PATH, &mode, &uid);
    UNIT_CHECK("public_key_file_root_0644_65_bytes", length == 65 && mode == 0644 && uid == ABI_UID_ROOT);
    UNIT_CHECK("public_key_file_is_the_point", length == 65 && memcmp(file_bytes, derived, 65) == 0 &&
                                                   memcmp(file_bytes, k->zix_sign.public_key, 65) == 0);
    UNIT_CHECK("no_new_files_left", file_get(k, ZIX_SIGN_KEY_PATH ".new", &mode, &uid) == -E_NOENT);
}

static void test_registrations(struct kernel *k) {
    registration_fill();
    UNIT_CHECK("registration_signed", zix_sign_registration(k, &registration) == 0 &&
                                          registration.signature_length == ZIX_SIGN_SIGNATURE_BYTES);
    UNIT_CHECK("registration_verifies", zix_sign_verify_registration(k, &registration) == 0);
    registration.nar_size_bytes++;
    UNIT_CHECK("changed_size_refused", zix_sign_verify_registration(k, &registration) == -E_BADMSG);
    registration.nar_size_bytes--;
    registration.nar_hash[5] ^= 1;
    UNIT_CHECK("changed_hash_refused", zix_sign_verify_registration(k, &registration) == -E_BADMSG);
    registration.nar_hash[5] ^= 1;
    registration.refs[0][12] = 'z';
    UNIT_CHECK("changed_reference_refused", zix_sign_verify_registration(k, &registration) == -E_BADMSG);
    registration.refs[0][12] = '0';
    registration.refs_count = 1;
    UNIT_CHECK("dropped_reference_refused", zix_sign_verify_registration(k, &registration) == -E_BADMSG);
    registration.refs_count = 2;
    registration.path[20] = 'q';
    UNIT_CHECK("changed_path_refused", zix_sign_verify_registration(k, &registration) == -E_BADMSG);
    registration.path[20] = '9';
    registration.registered_ns = 99; // not in the fingerprint
    UNIT_CHECK("restored_verifies", zix_sign_verify_registration(k, &registration) == 0);
    registration.signature_length = 0;
    UNIT_CHECK("unsigned_refused", zix_sign_verify_registration(k, &registration) == -E_BADMSG);
    registration.signature_length = ZIX_SIGNATURE_BYTES_MAX;
    UNIT_CHECK("wrong_length_refused", zix_sign_verify_registration(k, &registration) == -E_BADMSG);
}

static void forget_key(struct kernel *k) {
    memset(&k->zix_sign, 0, sizeof k->zix_sign);
}

// A damaged private key file: refused, nothing signed, the file left as it was.
static bool damaged_key_refused(struct kernel *k, const u8 *bytes, u32 count) {
    if (fs_write_file_as_root(k, ZIX_SIGN_KEY_PATH, ZIX_SIGN_KEY_MODE, bytes, count) != 0) return false;
    forget_key(k);
    bool refused = zix_sign_key_ready(k) == -E_BADMSG && !k->zix_sign.loaded;
    registration_fill();
    bool unsigned_left = zix_sign_registration(k, &registration) == -E_BADMSG && registration.signature_length == 0;
    u32 mode = 0, uid = 0;
    bool kept = file_get(k, ZIX_SIGN_KEY_PATH, &mode, &uid) == (i64)count && memcmp(file_bytes, bytes, count) == 0;
    return refused && unsigned_left && kept;
}

static void test_reload_and_damage(struct kernel *k) {
    u8 private_key[32], public_key[65];
    memcpy(private_key, k->zix_sign.private_key, 32);
    memcpy(public_key, k->zix_sign.public_key, 65);
    registration_fill();
    zix_sign_registration(k, &registration);
    forget_key(k);
    UNIT_CHECK("reload_same_key", zix_sign_key_ready(k) == 0 && memcmp(k->zix_sign.private_key, private_key, 32) == 0 &&
                                      memcmp(k->zix_sign.public_key, public_key, 65) == 0);
    UNIT_CHECK("reload_old_signature_verifies", zix_sign_verify_registration(k, &registration) == 0);

    u8 bad[200];
    memset(bad, 0x5a, sizeof bad);
    UNIT_CHECK("short_key_file_refused", damaged_key_refused(k, private_key, 31));
    UNIT_CHECK("long_key_file_refused", damaged_key_refused(k, bad, 33));
    UNIT_CHECK("huge_key_file_refused", damaged_key_refused(k, bad, sizeof bad));
    memset(bad, 0, 32);
    UNIT_CHECK("zero_key_file_refused", damaged_key_refused(k, bad, 32));
    hex_decode(P256_N, bad, 32);
    UNIT_CHECK("order_key_file_refused", damaged_key_refused(k, bad, 32));

    fs_write_file_as_root(k, ZIX_SIGN_KEY_PATH, ZIX_SIGN_KEY_MODE, private_key, 32);
    u8 wrong_public[65];
    memset(wrong_public, 4, sizeof wrong_public);
    fs_write_file_as_root(k, ZIX_SIGN_PUBLIC_KEY_PATH, ZIX_SIGN_PUBLIC_KEY_MODE, wrong_public, 65);
    forget_key(k);
    UNIT_CHECK("repaired_key_loads", zix_sign_key_ready(k) == 0 && memcmp(k->zix_sign.private_key, private_key, 32) == 0);
    u32 mode = 0, uid = 0;
    UNIT_CHECK("wrong_public_key_file_rewritten", file_get(k, ZIX_SIGN_PUBLIC_KEY_PATH, &mode, &uid) == 65 &&
                                                      memcmp(file_bytes, public_key, 65) == 0 && mode == 0644);
}

static void public_key_of_seed(u64 seed, u8 public_key[65]) {
    struct sim *sim = unit_sim_boot_mounted(seed, STEPS_MAX, DISK_BYTES, "", true);
    struct kernel *k = &sim->nodes[0]->kernel;
    i64 ready = zix_sign_key_ready(k);
    assert(ready == 0);
    memcpy(public_key, k->zix_sign.public_key, 65);
    sim_destroy(sim);
}

static void test_kernel(void) {
    struct sim *sim = unit_sim_boot_mounted(11, STEPS_MAX, DISK_BYTES, "", true);
    struct kernel *k = &sim->nodes[0]->kernel;
    UNIT_CHECK("no_key_before_first_use", !k->zix_sign.loaded);
    test_key_files(k);
    test_registrations(k);
    test_reload_and_damage(k);
    u8 key[65];
    memcpy(key, k->zix_sign.public_key, 65);
    sim_destroy(sim);
    u8 again[65], other[65];
    public_key_of_seed(11, again);
    public_key_of_seed(12, other);
    UNIT_CHECK("same_run_seed_same_key", memcmp(key, again, 65) == 0);
    UNIT_CHECK("other_run_seed_other_key", memcmp(key, other, 65) != 0);
}

int main(void) {
    test_known_answer();
    test_scalars();
    test_sign_verify();
    test_kernel();
    UNIT_EXIT();
}
