// The machine's signing key, kept in ZIX_KEY_DIR: made at first use from the kernel's
// CSPRNG, then loaded and checked at each boot's first use. Key files are read and
// written as root, each new one written beside its place and renamed into it, so a
// crash leaves a whole key or none. A private key file that is not exactly a valid
// scalar is damage (or root's doing): it is logged and refused, never used and never
// replaced, since a new key would silently orphan every signature made with the old.
#include "kernel/zix/zix_sign.h"

#include "kernel/abi.h"
#include "kernel/cred/cred.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/path.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/random/random.h"
#include "kernel/zix/zixhost.h"

#define ZIX_SIGN_MODE_GROUP_OTHER 0077
#define ZIX_SIGN_NEW_PATH_BYTES 64u

// Up to capacity bytes of the key file at absolute, as root. *exposed: its owner or
// mode lets others read it (root changed it), so its bytes may be known.
static i64 key_file_read(struct kernel *k, const char *absolute, u8 *buffer, u32 capacity, u32 *length,
                         bool *exposed) {
    assert(buffer != NULL);
    assert(length != NULL);
    struct fs_inode inode;
    i64 result = fs_lookup_at(k, absolute, &inode);
    if (result < 0) return result;
    if (inode.type != ABI_TYPE_FILE) return -E_BADMSG;
    *exposed = inode.uid != ABI_UID_ROOT || (inode.mode & ZIX_SIGN_MODE_GROUP_OTHER) != 0;
    u64 size_bytes = 0;
    result = fs_file_read_all(k, &inode, buffer, capacity, &size_bytes);
    if (result == -E_FBIG) return -E_BADMSG; // longer than any key: not one
    if (result < 0) return result;
    assert(size_bytes <= capacity);
    *length = (u32)size_bytes;
    return 0;
}

// ZIX_KEY_DIR, root's; an existing one is kept as it is.
static i64 key_directory_make(struct kernel *k) {
    assert(k != NULL);
    struct fs_inode inode;
    i64 result = fs_create_at(k, ZIX_KEY_DIR, ABI_TYPE_DIRECTORY, ZIX_SIGN_DIRECTORY_MODE, &inode);
    if (result == -E_EXIST) result = 0;
    assert(result <= 0);
    return result;
}

// Writes absolute + ".new" whole, then renames it over absolute (durable at 0).
static i64 key_file_replace(struct kernel *k, const char *absolute, u32 mode, const u8 *bytes, u32 count) {
    assert(absolute != NULL);
    assert(bytes != NULL);
    char new_path[ZIX_SIGN_NEW_PATH_BYTES];
    mem_set(new_path, 0, sizeof new_path);
    bool fits = str_copy(new_path, sizeof new_path, absolute);
    u64 length = str_len_bounded(new_path, sizeof new_path);
    fits = fits && str_copy(new_path + length, sizeof new_path - length, ZIX_SIGN_NEW_SUFFIX);
    assert(fits); // both paths are this file's constants
    i64 result = fs_write_file_as_root(k, new_path, mode, bytes, count);
    if (result == -E_NOENT) {
        result = key_directory_make(k);
        if (result == 0) result = fs_write_file_as_root(k, new_path, mode, bytes, count);
    }
    if (result < 0) return result;
    const struct cred root = cred_of_user(ABI_UID_ROOT);
    struct path from, to;
    result = path_resolve("/", new_path, &from);
    if (result == 0) result = path_resolve("/", absolute, &to);
    if (result == 0) result = fs_rename(k, &root, &from, &to);
    return result;
}

// A new key from the CSPRNG, written private first: a crash between the two writes
// leaves the private key, from which the next load writes the public one.
static i64 key_make(struct kernel *k, struct zix_sign_state *state) {
    assert(state != NULL);
    assert(!state->loaded);
    u8 seed[ZIX_SIGN_SEED_BYTES];
    random_bytes(k, seed, sizeof seed);
    bool made = zix_sign_key_from_seed(seed, state->private_key, state->public_key);
    mem_set(seed, 0, sizeof seed);
    assert(made); // BearSSL draws until the scalar is valid
    i64 result = key_file_replace(k, ZIX_SIGN_KEY_PATH, ZIX_SIGN_KEY_MODE, state->private_key,
                                  ZIX_SIGN_PRIVATE_KEY_BYTES);
    if (result == 0) {
        result = key_file_replace(k, ZIX_SIGN_PUBLIC_KEY_PATH, ZIX_SIGN_PUBLIC_KEY_MODE, state->public_key,
                                  ZIX_SIGN_PUBLIC_KEY_BYTES);
    }
    if (result < 0) {
        mem_set(state->private_key, 0, sizeof state->private_key);
        klog(k, LOG_WARN, "zix: cannot write the signing key %s (error %lld): nothing signed",
             ZIX_SIGN_KEY_PATH, (long long)-result);
        return result;
    }
    klog(k, LOG_INFO, "zix: made the machine's signing key (%s, %s)", ZIX_SIGN_KEY_PATH,
         ZIX_SIGN_PUBLIC_KEY_PATH);
    return 0;
}

// The public key file must hold the private key's point; a missing or other one is
// rewritten (users read it; the kernel uses the point it computed). Never fails the load.
static void public_key_file_check(struct kernel *k, const struct zix_sign_state *state) {
    assert(state != NULL);
    assert(state->public_key[0] == ZIX_SIGN_POINT_TAG); // computed from the private key
    u8 bytes[ZIX_SIGN_FILE_BYTES_MAX];
    u32 length = 0;
    bool exposed = false;
    i64 result = key_file_read(k, ZIX_SIGN_PUBLIC_KEY_PATH, bytes, sizeof bytes, &length, &exposed);
    bool same = result == 0 && length == ZIX_SIGN_PUBLIC_KEY_BYTES &&
                mem_equal(bytes, state->public_key, ZIX_SIGN_PUBLIC_KEY_BYTES);
    if (same) return;
    klog(k, LOG_WARN, "zix: %s is missing or is not the signing key's (error %lld, %u bytes): rewritten",
         ZIX_SIGN_PUBLIC_KEY_PATH, (long long)-result, length);
    result = key_file_replace(k, ZIX_SIGN_PUBLIC_KEY_PATH, ZIX_SIGN_PUBLIC_KEY_MODE, state->public_key,
                              ZIX_SIGN_PUBLIC_KEY_BYTES);
    if (result < 0) {
        klog(k, LOG_WARN, "zix: cannot rewrite %s (error %lld)", ZIX_SIGN_PUBLIC_KEY_PATH,
             (long long)-result);
    }
}

// Loads the private key into state (whole and valid, or not at all), or makes one when
// there is none.
static i64 key_load(struct kernel *k, struct zix_sign_state *state) {
    assert(state != NULL);
    assert(!state->loaded);
    u8 bytes[ZIX_SIGN_FILE_BYTES_MAX];
    u32 length = 0;
    bool exposed = false;
    i64 result = key_file_read(k, ZIX_SIGN_KEY_PATH, bytes, sizeof bytes, &length, &exposed);
    if (result == -E_NOENT) return key_make(k, state);
    bool valid = result == 0 && length == ZIX_SIGN_PRIVATE_KEY_BYTES &&
                 zix_sign_public_from_private(bytes, state->public_key);
    if (valid) mem_copy(state->private_key, bytes, ZIX_SIGN_PRIVATE_KEY_BYTES);
    mem_set(bytes, 0, sizeof bytes); // a key passed through here
    if (result < 0) {
        klog(k, LOG_WARN, "zix: cannot read the signing key %s (error %lld): nothing signed",
             ZIX_SIGN_KEY_PATH, (long long)-result);
        return result;
    }
    if (!valid) {
        klog(k, LOG_ERROR, "zix: the signing key %s is damaged (%u bytes, not a P-256 scalar): "
                           "nothing signed until root removes it", ZIX_SIGN_KEY_PATH, length);
        return -E_BADMSG;
    }
    if (exposed) {
        klog(k, LOG_WARN, "zix: the signing key %s is readable by others (owner or mode changed)",
             ZIX_SIGN_KEY_PATH);
    }
    public_key_file_check(k, state);
    return 0;
}

i64 zix_sign_key_ready(struct kernel *k) {
    assert(k != NULL);
    struct zix_sign_state *state = &k->zix_sign;
    if (state->loaded) return 0;
    i64 readable = fs_readable(k);
    if (readable < 0) return readable;
    i64 result = key_load(k, state);
    if (result < 0) {
        mem_set(state->private_key, 0, sizeof state->private_key);
        mem_set(state->public_key, 0, sizeof state->public_key);
        return result;
    }
    state->loaded = true;
    assert(state->public_key[0] == ZIX_SIGN_POINT_TAG);
    return 0;
}

i64 zix_sign_registration(struct kernel *k, struct zix_registration *registration) {
    assert(k != NULL);
    assert(registration != NULL);
    registration->signature_length = 0;
    mem_set(registration->signature, 0, sizeof registration->signature);
    i64 result = zix_sign_key_ready(k);
    if (result < 0) return result;
    struct zix_sign_state *state = &k->zix_sign;
    i64 length = zix_fingerprint(registration, state->fingerprint, sizeof state->fingerprint);
    if (length < 0) return length;
    bool signed_ok = zix_sign_raw(state->private_key, (const u8 *)state->fingerprint, (u32)length,
                                  registration->signature);
    assert(signed_ok); // the loaded key was checked to be a scalar of the curve
    registration->signature_length = ZIX_SIGN_SIGNATURE_BYTES;
    return 0;
}

i64 zix_sign_verify_registration(struct kernel *k, const struct zix_registration *registration) {
    assert(k != NULL);
    assert(registration != NULL);
    if (registration->signature_length != ZIX_SIGN_SIGNATURE_BYTES) return -E_BADMSG;
    i64 result = zix_sign_key_ready(k);
    if (result < 0) return result;
    struct zix_sign_state *state = &k->zix_sign;
    i64 length = zix_fingerprint(registration, state->fingerprint, sizeof state->fingerprint);
    if (length < 0) return -E_BADMSG; // a record too big to sign was never signed
    bool valid = zix_sign_verify_raw(state->public_key, (const u8 *)state->fingerprint, (u32)length,
                                     registration->signature);
    return valid ? 0 : -E_BADMSG;
}
