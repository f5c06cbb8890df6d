// ECDSA P-256 over SHA-256 with BearSSL, and nothing else: no kernel state, so the host
// tests it alone (tests/unit/test_zix_sign.c). The curve code is BearSSL's
// br_ec_p256_m31 (constant-time, 31-bit limbs: the same on the host and on RISC-V), the
// signature code br_ecdsa_i31_*_raw, whose nonce is RFC 6979's (HMAC-DRBG over the key
// and the hash), so a signature is a function of key and message alone.
#include <bearssl_ec.h>
#include <bearssl_hash.h>
#include <bearssl_rand.h>

#include "kernel/lib/mem.h"
#include "kernel/zix/zix_sign.h"

#define ZIX_SIGN_CURVE BR_EC_secp256r1

STATIC_ASSERT(ZIX_SIGN_PRIVATE_KEY_BYTES == 32u);
STATIC_ASSERT(ZIX_SIGN_PUBLIC_KEY_BYTES == 65u);
STATIC_ASSERT(ZIX_SIGN_SIGNATURE_BYTES == 64u);
STATIC_ASSERT(br_sha256_SIZE == ZIX_HASH_BYTES);

// The curve's order n, big-endian, without leading zeros (32 bytes for P-256).
static const u8 *curve_order(void) {
    size_t length = 0;
    const u8 *order = br_ec_p256_m31.order(ZIX_SIGN_CURVE, &length);
    assert(order != NULL);
    assert(length == ZIX_SIGN_PRIVATE_KEY_BYTES);
    return order;
}

// A scalar is a key when 0 < x < n. Compared without branching on the bytes, as
// br_ec_keygen does: the key's bytes should not steer the timing.
static bool scalar_valid(const u8 scalar[32]) {
    assert(scalar != NULL);
    const u8 *order = curve_order();
    assert(order[0] != 0); // no leading zero: every byte of the scalar is compared
    u32 borrow = 0;
    u32 any = 0;
    for (u32 i = ZIX_SIGN_PRIVATE_KEY_BYTES; i-- > 0;) {
        borrow = ((u32)(scalar[i] - order[i] - borrow) >> 8) & 1u;
        any |= scalar[i];
    }
    return borrow != 0 && any != 0; // scalar - n borrowed: scalar < n
}

static void message_hash(const u8 *message, u32 length, u8 hash[ZIX_HASH_BYTES]) {
    assert(hash != NULL);
    if (length > 0) assert(message != NULL);
    br_sha256_context context;
    br_sha256_init(&context);
    br_sha256_update(&context, message, length);
    br_sha256_out(&context, hash);
}

bool zix_sign_public_from_private(const u8 private_key[32], u8 public_key[65]) {
    assert(private_key != NULL);
    assert(public_key != NULL);
    if (!scalar_valid(private_key)) return false;
    u8 scalar[ZIX_SIGN_PRIVATE_KEY_BYTES];
    mem_copy(scalar, private_key, sizeof scalar); // BearSSL's key struct is not const
    br_ec_private_key key = {.curve = ZIX_SIGN_CURVE, .x = scalar, .xlen = sizeof scalar};
    size_t written = br_ec_compute_pub(&br_ec_p256_m31, NULL, public_key, &key);
    mem_set(scalar, 0, sizeof scalar);
    return written == ZIX_SIGN_PUBLIC_KEY_BYTES && public_key[0] == ZIX_SIGN_POINT_TAG;
}

bool zix_sign_key_from_seed(const u8 seed[32], u8 private_key[32], u8 public_key[65]) {
    assert(seed != NULL);
    assert(private_key != NULL);
    br_hmac_drbg_context drbg;
    br_hmac_drbg_init(&drbg, &br_sha256_vtable, seed, ZIX_SIGN_SEED_BYTES);
    br_ec_private_key key;
    size_t length = br_ec_keygen(&drbg.vtable, &br_ec_p256_m31, &key, private_key, ZIX_SIGN_CURVE);
    mem_set(&drbg, 0, sizeof drbg); // it could give the scalar again
    if (length != ZIX_SIGN_PRIVATE_KEY_BYTES) return false;
    return zix_sign_public_from_private(private_key, public_key);
}

bool zix_sign_raw(const u8 private_key[32], const u8 *message, u32 length, u8 signature[64]) {
    assert(private_key != NULL);
    assert(signature != NULL);
    if (!scalar_valid(private_key)) return false;
    u8 hash[ZIX_HASH_BYTES];
    message_hash(message, length, hash);
    u8 scalar[ZIX_SIGN_PRIVATE_KEY_BYTES];
    mem_copy(scalar, private_key, sizeof scalar);
    br_ec_private_key key = {.curve = ZIX_SIGN_CURVE, .x = scalar, .xlen = sizeof scalar};
    size_t written = br_ecdsa_i31_sign_raw(&br_ec_p256_m31, &br_sha256_vtable, hash, &key, signature);
    mem_set(scalar, 0, sizeof scalar);
    return written == ZIX_SIGN_SIGNATURE_BYTES;
}

bool zix_sign_verify_raw(const u8 public_key[65], const u8 *message, u32 length, const u8 signature[64]) {
    assert(public_key != NULL);
    assert(signature != NULL);
    // BearSSL decodes the point and refuses one off the curve; the tag is checked here
    // so that a compressed or hybrid encoding is refused, not merely unusual.
    if (public_key[0] != ZIX_SIGN_POINT_TAG) return false;
    u8 hash[ZIX_HASH_BYTES];
    message_hash(message, length, hash);
    u8 point[ZIX_SIGN_PUBLIC_KEY_BYTES];
    mem_copy(point, public_key, sizeof point); // BearSSL's key struct is not const
    br_ec_public_key key = {.curve = ZIX_SIGN_CURVE, .q = point, .qlen = sizeof point};
    u32 valid = br_ecdsa_i31_vrfy_raw(&br_ec_p256_m31, hash, sizeof hash, &key, signature,
                                      ZIX_SIGN_SIGNATURE_BYTES);
    return valid == 1;
}
