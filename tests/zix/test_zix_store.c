// Unit tests of zix's SHA-256 wrapper, Nix's base32 and store paths
// (src/subsystems/zix/zix_base32.c, zix_nar.c's SHA-256, zix_canonical.c's source paths).
#include "tests/zix/zix_test.h"

static void sha256_text(const char *text, u8 hash[ZIX_HASH_BYTES]) {
    struct zix_sha256 context;
    zix_sha256_init(&context);
    zix_sha256_update(&context, text, strlen(text));
    zix_sha256_out(&context, hash);
}

static void test_base32(void) {
    u8 hash[ZIX_HASH_BYTES];
    static const u8 abc[ZIX_HASH_BYTES] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    sha256_text("abc", hash);
    UNIT_CHECK("sha256(abc) (FIPS 180-2's vector)", memcmp(hash, abc, sizeof(abc)) == 0);
    // NixOS/nix tests/hash.sh: `nix-hash --flat --base32 --type sha256` of "abc" prints
    // this (Nix's printHash32 of all 32 bytes: 52 characters).
    char full[ZIX_BASE32_LEN(32u) + 1];
    zix_base32_encode(abc, 32, full);
    UNIT_CHECK("base32 of sha256(abc) is Nix's", strcmp(full, "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s") == 0);
    // printHash32 prints the 5-bit group starting at bit 5n (bits numbered from byte 0's
    // least significant) as the (len-1-n)th character: the first 160 bits are the last
    // 32 characters, and group 31 (bits 155..159) lies in byte 19 alone, so the hash part
    // of the first 20 bytes is the Nix string above without its first 20 characters.
    char part[ZIX_PATH_HASH_CHARS + 1];
    zix_base32_hash_part(abc, part);
    UNIT_CHECK("hash part: the last 32 characters of Nix's", strcmp(part, "ldhh7c134ap5vpj0850ymkq1iyzicy5s") == 0);
    // By hand: byte 0 = 1 is group 0 = 1 (the last character); byte 19 = 0x80 is bit 159,
    // the top bit of group 31 = 16, digit 16 of "0123456789abcdfghijk..." is 'h' (first).
    u8 bits[ZIX_HASH_BYTES] = {0};
    bits[0] = 0x01;
    bits[19] = 0x80;
    bits[20] = 0xff; // past the 160 bits: must not show
    zix_base32_hash_part(bits, part);
    UNIT_CHECK("hash part by hand: h...1", strcmp(part, "h0000000000000000000000000000001") == 0);
    // Byte 0 = 0xe0: bits 5..7 are group 1 = 7, bits 0..4 group 0 = 0.
    memset(bits, 0, sizeof(bits));
    bits[0] = 0xe0;
    zix_base32_hash_part(bits, part);
    UNIT_CHECK("hash part by hand: ...70", strcmp(part, "00000000000000000000000000000070") == 0);
    // Group 1 straddles bytes 0 and 1: bits 5..9; byte 1 = 0x03 sets bits 8 and 9,
    // the group's top two: 24, digit q.
    memset(bits, 0, sizeof(bits));
    bits[1] = 0x03;
    zix_base32_hash_part(bits, part);
    UNIT_CHECK("hash part by hand: a group across two bytes", strcmp(part, "000000000000000000000000000000q0") == 0);
}

static void test_names(void) {
    UNIT_CHECK("names: Nix's characters", zix_name_valid("hello-1.0_+?=AZaz09", ZIX_NAME_LEN_MAX));
    UNIT_CHECK("names: empty, '.', '..', hidden refused", !zix_name_valid("", ZIX_NAME_LEN_MAX) &&
               !zix_name_valid(".", ZIX_NAME_LEN_MAX) && !zix_name_valid("..", ZIX_NAME_LEN_MAX) &&
               !zix_name_valid(".x", ZIX_NAME_LEN_MAX));
    UNIT_CHECK("names: '/', ' ', '$', non-ASCII refused", !zix_name_valid("a/b", ZIX_NAME_LEN_MAX) &&
               !zix_name_valid("a b", ZIX_NAME_LEN_MAX) && !zix_name_valid("a$", ZIX_NAME_LEN_MAX) &&
               !zix_name_valid("\xc3\xa9", ZIX_NAME_LEN_MAX));
    UNIT_CHECK("names: the caller's tighter bound", zix_name_valid("abcd", 4) && !zix_name_valid("abcde", 4));
    char name[ZIX_NAME_LEN_MAX + 2];
    memset(name, 'n', sizeof(name));
    name[ZIX_NAME_LEN_MAX] = '\0';
    UNIT_CHECK("names: 211 bytes", zix_name_valid(name, ZIX_NAME_LEN_MAX));
    name[ZIX_NAME_LEN_MAX] = 'n';
    name[ZIX_NAME_LEN_MAX + 1] = '\0';
    UNIT_CHECK("names: 212 refused", !zix_name_valid(name, ZIX_NAME_LEN_MAX));
}

static void test_store_path_parse(void) {
    u32 hash_at = 0, name_at = 0;
    UNIT_CHECK("store path: parsed with offsets", zix_store_path_parse("/zix/store/0123456789abcdfghijklmnpqrsvwxyz-hello",
               &hash_at, &name_at) && hash_at == 11 && name_at == 44);
    const char *bad[] = {
        "", "/zix/store/", "/zix/store/0123456789abcdfghijklmnpqrsvwxyz-",
        "/zix/store/0123456789abcdfghijklmnpqrsvwxy-hello", "/zix/store/0123456789abcdfghijklmnpqrsvwxyze-hello",
        "/zix/store/e123456789abcdfghijklmnpqrsvwxyz-hello", "/zix/store/0123456789abcdfghijklmnpqrsvwxyz_hello",
        "/zix/store/0123456789abcdfghijklmnpqrsvwxyz-hello/bin", "/zix/store/0123456789abcdfghijklmnpqrsvwxyz-.hi",
        "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hello", "zix/store/0123456789abcdfghijklmnpqrsvwxyz-hello",
        "/zix/store//123456789abcdfghijklmnpqrsvwxyz-hello", "/zix/store/0123456789ABCDFGHIJKLMNPQRSVWXYZ-hello",
    };
    u32 refused = 0;
    for (u32 i = 0; i < ARRAY_COUNT(bad); i++) refused += !zix_store_path_parse(bad[i], NULL, NULL);
    UNIT_CHECK("store path: every malformed one refused", refused == ARRAY_COUNT(bad));
    char path[ZIX_STORE_PATH_LEN_MAX + 8];
    int n = snprintf(path, sizeof(path), "/zix/store/0123456789abcdfghijklmnpqrsvwxyz-");
    memset(path + n, 'n', ZIX_NAME_LEN_MAX);
    path[n + ZIX_NAME_LEN_MAX] = '\0';
    UNIT_CHECK("store path: the longest", strlen(path) == ZIX_STORE_PATH_LEN_MAX && zix_store_path_parse(path, NULL, NULL));
    path[n + ZIX_NAME_LEN_MAX] = 'n';
    path[n + ZIX_NAME_LEN_MAX + 1] = '\0';
    UNIT_CHECK("store path: one longer refused", !zix_store_path_parse(path, NULL, NULL));
}

static void test_source_paths(void) {
    u8 hash[ZIX_HASH_BYTES];
    sha256_text("content", hash);
    char a[ZIX_STORE_PATH_LEN_MAX + 1], b[ZIX_STORE_PATH_LEN_MAX + 1], c[ZIX_STORE_PATH_LEN_MAX + 1];
    zix_source_store_path(hash, "hello.txt", a);
    zix_source_store_path(hash, "hello.txt", b);
    UNIT_CHECK("source path: valid and repeatable", zix_store_path_parse(a, NULL, NULL) && strcmp(a, b) == 0 &&
               strstr(a, "-hello.txt") != NULL);
    zix_source_store_path(hash, "other.txt", b);
    hash[31] ^= 1;
    zix_source_store_path(hash, "hello.txt", c);
    UNIT_CHECK("source path: the name and the content each change it", strncmp(a, b, 44) != 0 && strcmp(a, c) != 0);
}

static void test_path_order(void) {
    UNIT_CHECK("path order: bytes, unsigned", zix_path_less("/a", "/b") && !zix_path_less("/b", "/a") &&
               zix_path_less("/a", "/ab") && !zix_path_less("/a", "/a") && zix_path_less("/z", "/\xff"));
}

int main(void) {
    test_base32();
    test_names();
    test_store_path_parse();
    test_source_paths();
    test_path_order();
    UNIT_EXIT();
}
