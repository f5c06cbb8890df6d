// Registration records: what the store keeps of a registered path, encoded versioned
// and checksummed (the kernel keeps them on disk, where anything may be damaged or, for
// a store an attacker once wrote to, forged), and the fingerprint a signature covers.
//
// Layout (little-endian): "ZIXR", version u32, path (u16 length, bytes), nar_hash (32),
// nar_size u64, recipe_hash (32), registered_ns u64, builder_uid u32, refs_count u32,
// each ref (u16 length, bytes), recipe (u32 length, bytes), signature (u32 length,
// bytes), then XXH3-64 of everything before it (u64). Nothing else: the length is exact.
#include "kernel/lib/endian.h"
#include "kernel/lib/xxhash_inline.h"
#include "subsystems/zix/internal.h"

#define ZIX_RECORD_MAGIC "ZIXR"
#define ZIX_RECORD_VERSION 1u
#define ZIX_RECORD_CHECKSUM_BYTES 8u

STATIC_ASSERT(4 + 4 + 2 + ZIX_STORE_PATH_LEN_MAX + 32 + 8 + 32 + 8 + 4 + 4 +
              ZIX_REFS_MAX * (2 + ZIX_STORE_PATH_LEN_MAX) + 4 + ZIX_RECIPE_TEXT_BYTES_MAX + 4 +
              ZIX_SIGNATURE_BYTES_MAX + 8 <= ZIX_RECORD_BYTES_MAX);

struct cursor {
    u8 *out;            // encode
    const u8 *in;       // decode
    u32 capacity;       // of out, or the length of in
    u32 at;
    bool failed;
};

static void put(struct cursor *c, const void *bytes, u32 count) {
    assert(c != NULL);
    assert(c->out != NULL);
    if (c->failed || count > c->capacity - c->at) {
        c->failed = true;
        return;
    }
    mem_copy(c->out + c->at, bytes, count);
    c->at += count;
}

static void put_u16(struct cursor *c, u16 value) { u8 b[2]; store_u16_le(b, value); put(c, b, 2); }
static void put_u32(struct cursor *c, u32 value) { u8 b[4]; store_u32_le(b, value); put(c, b, 4); }
static void put_u64(struct cursor *c, u64 value) { u8 b[8]; store_u64_le(b, value); put(c, b, 8); }

static void put_path(struct cursor *c, const char *path) {
    assert(path != NULL);
    assert(path[0] == '/'); // checked by registration_valid
    u16 length = (u16)str_len_bounded(path, ZIX_STORE_PATH_LEN_MAX);
    put_u16(c, length);
    put(c, path, length);
}

// A registration the decoder would refuse is never encoded.
static bool registration_valid(const struct zix_registration *r) {
    assert(r != NULL);
    if (!zix_store_path_parse(r->path, NULL, NULL)) return false;
    if (r->refs_count > ZIX_REFS_MAX || r->recipe_length > ZIX_RECIPE_TEXT_BYTES_MAX) return false;
    if (r->signature_length > ZIX_SIGNATURE_BYTES_MAX) return false;
    for (u32 i = 0; i < r->refs_count; i++) {
        if (!zix_store_path_parse(r->refs[i], NULL, NULL)) return false;
        if (i > 0 && !zix_path_less(r->refs[i - 1], r->refs[i])) return false;
    }
    return true;
}

i64 zix_registration_encode(const struct zix_registration *registration, u8 *out, u32 capacity) {
    assert(registration != NULL);
    assert(out != NULL);
    const struct zix_registration *r = registration;
    if (!registration_valid(r)) return -E_INVAL;
    struct cursor c = {.out = out, .capacity = capacity};
    put(&c, ZIX_RECORD_MAGIC, 4);
    put_u32(&c, ZIX_RECORD_VERSION);
    put_path(&c, r->path);
    put(&c, r->nar_hash, ZIX_HASH_BYTES);
    put_u64(&c, r->nar_size_bytes);
    put(&c, r->recipe_hash, ZIX_HASH_BYTES);
    put_u64(&c, r->registered_ns);
    put_u32(&c, r->builder_uid);
    put_u32(&c, r->refs_count);
    for (u32 i = 0; i < r->refs_count; i++) put_path(&c, r->refs[i]);
    put_u32(&c, r->recipe_length);
    put(&c, r->recipe, r->recipe_length);
    put_u32(&c, r->signature_length);
    put(&c, r->signature, r->signature_length);
    if (c.failed) return -E_2BIG;
    put_u64(&c, (u64)XXH3_64bits(out, c.at));
    if (c.failed) return -E_2BIG;
    return c.at;
}

static const u8 *take(struct cursor *c, u32 count) {
    assert(c != NULL);
    assert(c->in != NULL);
    if (c->failed || count > c->capacity - c->at) {
        c->failed = true;
        return NULL;
    }
    const u8 *bytes = c->in + c->at;
    c->at += count;
    return bytes;
}

static u16 take_u16(struct cursor *c) { const u8 *b = take(c, 2); return b == NULL ? 0 : load_u16_le(b); }
static u32 take_u32(struct cursor *c) { const u8 *b = take(c, 4); return b == NULL ? 0 : load_u32_le(b); }
static u64 take_u64(struct cursor *c) { const u8 *b = take(c, 8); return b == NULL ? 0 : load_u64_le(b); }

// count bytes at most max into out; false (failed) when longer or short.
static bool take_bytes(struct cursor *c, void *out, u32 count, u32 max) {
    assert(out != NULL);
    if (count > max) c->failed = true;
    const u8 *bytes = take(c, count);
    if (bytes == NULL) return false;
    mem_copy(out, bytes, count);
    return true;
}

static bool take_path(struct cursor *c, char path[ZIX_STORE_PATH_LEN_MAX + 1]) {
    assert(c != NULL);
    assert(path != NULL);
    u16 length = take_u16(c);
    if (!take_bytes(c, path, length, ZIX_STORE_PATH_LEN_MAX)) return false;
    path[length] = '\0';
    // A NUL inside would hide bytes from the parse: the length must be the string's.
    if (str_len_bounded(path, ZIX_STORE_PATH_LEN_MAX + 1) != length) return false;
    return zix_store_path_parse(path, NULL, NULL);
}

static bool take_refs(struct cursor *c, struct zix_registration *r) {
    assert(r != NULL);
    r->refs_count = take_u32(c);
    if (c->failed || r->refs_count > ZIX_REFS_MAX) return false;
    for (u32 i = 0; i < r->refs_count; i++) {
        if (!take_path(c, r->refs[i])) return false;
        if (i > 0 && !zix_path_less(r->refs[i - 1], r->refs[i])) return false;
    }
    return true;
}

i64 zix_registration_decode(const u8 *bytes, u32 length, struct zix_registration *out) {
    assert(out != NULL);
    if (length != 0) assert(bytes != NULL);
    mem_set(out, 0, sizeof(*out));
    if (length < 8 + ZIX_RECORD_CHECKSUM_BYTES || length > ZIX_RECORD_BYTES_MAX) return -E_BADMSG;
    u32 body = length - ZIX_RECORD_CHECKSUM_BYTES;
    if ((u64)XXH3_64bits(bytes, body) != load_u64_le(bytes + body)) return -E_BADMSG;
    struct cursor c = {.in = bytes, .capacity = body};
    const u8 *magic = take(&c, 4);
    if (magic == NULL || !mem_equal(magic, ZIX_RECORD_MAGIC, 4)) return -E_BADMSG;
    if (take_u32(&c) != ZIX_RECORD_VERSION) return -E_BADMSG;
    if (!take_path(&c, out->path)) return -E_BADMSG;
    take_bytes(&c, out->nar_hash, ZIX_HASH_BYTES, ZIX_HASH_BYTES);
    out->nar_size_bytes = take_u64(&c);
    take_bytes(&c, out->recipe_hash, ZIX_HASH_BYTES, ZIX_HASH_BYTES);
    out->registered_ns = take_u64(&c);
    out->builder_uid = take_u32(&c);
    if (!take_refs(&c, out)) return -E_BADMSG;
    out->recipe_length = take_u32(&c);
    take_bytes(&c, out->recipe, out->recipe_length, ZIX_RECIPE_TEXT_BYTES_MAX);
    out->signature_length = take_u32(&c);
    take_bytes(&c, out->signature, out->signature_length, ZIX_SIGNATURE_BYTES_MAX);
    if (c.failed || c.at != body) return -E_BADMSG;
    return 0;
}

// ---- the fingerprint -------------------------------------------------------------------
static bool append_text(char *out, u32 capacity, u32 *length, const char *text, u32 length_max) {
    assert(out != NULL);
    assert(text != NULL);
    return zix_append(out, capacity, length, text, (u32)str_len_bounded(text, length_max));
}

static bool append_decimal(char *out, u32 capacity, u32 *length, u64 value) {
    assert(out != NULL);
    assert(length != NULL);
    char digits[20];
    u32 count = 0;
    do {
        digits[sizeof(digits) - 1 - count] = (char)('0' + value % 10);
        value /= 10;
        count++;
    } while (value != 0);
    return zix_append(out, capacity, length, digits + sizeof(digits) - count, count);
}

i64 zix_fingerprint(const struct zix_registration *registration, char *out, u32 capacity) {
    assert(registration != NULL);
    assert(out != NULL);
    const struct zix_registration *r = registration;
    if (capacity == 0) return -E_2BIG;
    u32 room = capacity - 1; // the NUL
    u32 length = 0;
    static const char hex[] = "0123456789abcdef";
    char digits[2 * ZIX_HASH_BYTES];
    for (u32 i = 0; i < ZIX_HASH_BYTES; i++) {
        digits[2 * i] = hex[r->nar_hash[i] >> 4];
        digits[2 * i + 1] = hex[r->nar_hash[i] & 0xf];
    }
    bool fits = append_text(out, room, &length, "1;", 2);
    fits = fits && append_text(out, room, &length, r->path, ZIX_STORE_PATH_LEN_MAX);
    fits = fits && append_text(out, room, &length, ";sha256:", 8);
    fits = fits && zix_append(out, room, &length, digits, sizeof(digits));
    fits = fits && append_text(out, room, &length, ";", 1);
    fits = fits && append_decimal(out, room, &length, r->nar_size_bytes);
    fits = fits && append_text(out, room, &length, ";", 1);
    for (u32 i = 0; i < r->refs_count && i < ZIX_REFS_MAX; i++) {
        if (i > 0) fits = fits && append_text(out, room, &length, ",", 1);
        fits = fits && append_text(out, room, &length, r->refs[i], ZIX_STORE_PATH_LEN_MAX);
    }
    if (!fits) return -E_2BIG;
    out[length] = '\0';
    return length;
}
