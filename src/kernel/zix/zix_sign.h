// Zix's signatures: the kernel signs the fingerprint of every path it registers
// (zix_fingerprint: path, content hash, size, references) with the machine's key,
// ECDSA over P-256 with SHA-256 (BearSSL), so that a registration record copied from
// elsewhere, or edited on the disk, does not verify. The key is made at first use from
// the kernel's CSPRNG and kept in ZIX_KEY_DIR (root's): the private scalar in a 0600
// file, the public point in a 0644 one that users may read. BearSSL derives each
// signature's nonce from the key and the message (RFC 6979), so the same key signs the
// same fingerprint the same way: the simulator stays deterministic.
//
// The pure half (zix_sign_crypto.c) holds no kernel state and calls BearSSL only, so the
// host tests it against published vectors; the kernel half (zix_sign.c) reads, checks
// and writes the key files.
#pragma once

#include "kernel/lib/types.h"
#include "subsystems/zix/zix.h"

#define ZIX_SIGN_KEY_PATH "/etc/zix/signing-key"            // root 0600: the private scalar
#define ZIX_SIGN_PUBLIC_KEY_PATH "/etc/zix/signing-key.pub" // root 0644: the public point
// Each key file is written here first and renamed into place, so a crash leaves a key
// file whole or absent, never half written.
#define ZIX_SIGN_NEW_SUFFIX ".new"
#define ZIX_SIGN_KEY_MODE 0600
#define ZIX_SIGN_PUBLIC_KEY_MODE 0644
#define ZIX_SIGN_DIRECTORY_MODE 0755 // users reach the public key; the private one is 0600
#define ZIX_SIGN_SEED_BYTES 32u
#define ZIX_SIGN_PRIVATE_KEY_BYTES 32u  // a big-endian scalar in [1, n-1]
#define ZIX_SIGN_PUBLIC_KEY_BYTES 65u   // uncompressed: 0x04, X, Y (SEC 1)
#define ZIX_SIGN_POINT_TAG 0x04         // SEC 1: the first byte of an uncompressed point
#define ZIX_SIGN_SIGNATURE_BYTES 64u    // raw: r then s, 32 bytes each, big-endian
// A key file longer than this is not one of ours (read into a buffer this size).
#define ZIX_SIGN_FILE_BYTES_MAX 128u

STATIC_ASSERT(ZIX_SIGN_SIGNATURE_BYTES <= ZIX_SIGNATURE_BYTES_MAX);

struct zix_sign_state {
    bool loaded;            // both keys are here, and the public one is the private one's
    u8 private_key[ZIX_SIGN_PRIVATE_KEY_BYTES];
    u8 public_key[ZIX_SIGN_PUBLIC_KEY_BYTES];
    // Scratch: a fingerprint is up to ZIX_FINGERPRINT_BYTES_MAX bytes, too many for the
    // kernel's stack.
    char fingerprint[ZIX_FINGERPRINT_BYTES_MAX];
};

struct kernel;

// Loads the key, or makes it at first use (from the kernel's CSPRNG) and writes both
// files durably: 0, or -error. A private key file that is damaged (not exactly a valid
// scalar) is an error, logged, and left for root to look at: never replaced, never
// used. A missing or wrong public key file is rewritten from the private key.
i64 zix_sign_key_ready(struct kernel *k);
// Fills registration->signature (raw r || s) and signature_length over
// zix_fingerprint's text: 0, or -error (then registration is left unsigned).
i64 zix_sign_registration(struct kernel *k, struct zix_registration *registration);
// 0 when registration's signature verifies under the machine's public key; -E_BADMSG
// when it does not (unsigned, the wrong length, or wrong); -error when the key cannot
// be read.
i64 zix_sign_verify_registration(struct kernel *k, const struct zix_registration *registration);

// ---- the pure half (zix_sign_crypto.c): BearSSL only, no kernel state ----------------
// A key pair from 32 seed bytes (an HMAC-DRBG over SHA-256 seeded with them draws the
// scalar, as BearSSL's br_ec_keygen does): the same seed gives the same key.
bool zix_sign_key_from_seed(const u8 seed[32], u8 private_key[32], u8 public_key[65]);
// The public point of a private scalar: false when the scalar is 0 or not below the
// curve's order (not a key).
bool zix_sign_public_from_private(const u8 private_key[32], u8 public_key[65]);
// ECDSA P-256 over SHA-256(message), the nonce per RFC 6979: false only when the
// private key is not a key.
bool zix_sign_raw(const u8 private_key[32], const u8 *message, u32 length, u8 signature[64]);
// true when signature is a valid ECDSA P-256 signature of SHA-256(message) under
// public_key (which must be a point on the curve).
bool zix_sign_verify_raw(const u8 public_key[65], const u8 *message, u32 length, const u8 signature[64]);
