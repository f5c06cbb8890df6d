// Nix's base32 and the shape of a store path. Nix prints a hash's bits from the last
// 5-bit group to the first (printHash32), with its own digit order (no e, o, t, u), so
// a store path's hash part reads differently from RFC 4648's base32; we follow it so
// that a Nix user recognizes the paths.
#include "subsystems/zix/internal.h"

// Called for every byte of every output scanned: ranges, not a search of the digits.
bool zix_base32_char(char c) {
    if (c >= '0' && c <= '9') return true;
    if (c < 'a' || c > 'z') return false;
    return c != 'e' && c != 'o' && c != 't' && c != 'u';
}

// Character k (from the left) holds the 5 bits starting at bit 5 * (len - 1 - k),
// bits numbered from the least significant of byte 0: Nix's order.
void zix_base32_encode(const u8 *bytes, u32 count, char *out) {
    assert(bytes != NULL);
    assert(out != NULL);
    assert(count > 0);
    const char *digits = ZIX_BASE32_CHARS;
    u32 length = ZIX_BASE32_LEN(count);
    for (u32 k = 0; k < length; k++) {
        u32 bit = (length - 1 - k) * 5;
        u32 i = bit / 8;
        u32 j = bit % 8;
        u32 c = (u32)bytes[i] >> j;
        if (i + 1 < count) c |= (u32)bytes[i + 1] << (8 - j);
        out[k] = digits[c & 0x1f];
    }
    out[length] = '\0';
}

void zix_base32_hash_part(const u8 hash[ZIX_HASH_BYTES], char out[ZIX_PATH_HASH_CHARS + 1]) {
    assert(hash != NULL);
    assert(out != NULL);
    STATIC_ASSERT(ZIX_BASE32_LEN(20u) == ZIX_PATH_HASH_CHARS);
    zix_base32_encode(hash, 20, out);
}

static bool name_char(char c) {
    if (c >= 'a' && c <= 'z') return true;
    if (c >= 'A' && c <= 'Z') return true;
    if (c >= '0' && c <= '9') return true;
    return c == '+' || c == '-' || c == '.' || c == '_' || c == '?' || c == '=';
}

bool zix_name_valid(const char *name, u32 length_max) {
    assert(name != NULL);
    assert(length_max <= ZIX_NAME_LEN_MAX);
    u64 length = str_len_bounded(name, (u64)length_max + 1);
    if (length == 0 || length > length_max) return false;
    if (name[0] == '.') return false; // Nix's rule: no ".", "..", nor hidden names
    for (u64 i = 0; i < length; i++) {
        if (!name_char(name[i])) return false;
    }
    return true;
}

bool zix_store_path_parse(const char *path, u32 *hash_part_offset, u32 *name_offset) {
    assert(path != NULL);
    u64 length = str_len_bounded(path, ZIX_STORE_PATH_LEN_MAX + 1);
    if (length > ZIX_STORE_PATH_LEN_MAX) return false;
    u32 hash_at = ZIX_STORE_DIR_LEN + 1;
    u32 name_at = hash_at + ZIX_PATH_HASH_CHARS + 1;
    if (length <= name_at) return false;
    if (!str_starts_with(path, ZIX_STORE_DIR "/")) return false;
    for (u32 i = hash_at; i < hash_at + ZIX_PATH_HASH_CHARS; i++) {
        if (!zix_base32_char(path[i])) return false;
    }
    if (path[name_at - 1] != '-') return false;
    if (!zix_name_valid(path + name_at, ZIX_NAME_LEN_MAX)) return false;
    if (hash_part_offset != NULL) *hash_part_offset = hash_at;
    if (name_offset != NULL) *name_offset = name_at;
    return true;
}

bool zix_path_less(const char *a, const char *b) {
    assert(a != NULL);
    assert(b != NULL);
    for (u32 i = 0; i <= ZIX_STORE_PATH_LEN_MAX; i++) {
        if (a[i] != b[i]) return (u8)a[i] < (u8)b[i];
        if (a[i] == '\0') return false;
    }
    return false;
}
