// Unit tests of zix's NAR-like serializer and reference scanner (zix_nar.c): the exact
// bytes of a small archive, repeatability, trees that differ in any way hash apart, a
// file's pieces do not matter, the scanner finds a hash part anywhere (split at every
// offset) but only whole and only within one name, target or file, and misuse panics.
#define _GNU_SOURCE // memmem
#include "tests/zix/zix_test.h"

#define PART_A "0123456789abcdfghijklmnpqrsvwxyz"
#define PART_B "zyxwvsrqpnmlkjihgfdcba9876543210"

static struct zix_nar nar;
static const char candidates[2][ZIX_PATH_HASH_CHARS + 1] = {PART_A, PART_B};

static void file(const char *content, bool executable) {
    zix_nar_file_begin(&nar, executable, strlen(content));
    zix_nar_file_bytes(&nar, (const u8 *)content, strlen(content));
}

// Builds the expected stream by hand: each string length-prefixed and padded to 8.
static u8 expected_bytes[512];
static u32 expected_length;
static void expect_string(const char *text, u64 length) {
    for (u32 i = 0; i < 8; i++) expected_bytes[expected_length++] = (u8)(length >> (8 * i));
    memcpy(expected_bytes + expected_length, text, length);
    expected_length += (u32)length;
    while (expected_length % 8 != 0) expected_bytes[expected_length++] = 0;
}

static void test_exact_bytes(void) {
    u8 hash[ZIX_HASH_BYTES], want[ZIX_HASH_BYTES];
    u64 size = 0;
    zix_nar_begin(&nar, NULL, 0);
    zix_nar_directory_begin(&nar);
    zix_nar_entry(&nar, "a");
    file("hello", true);
    zix_nar_entry(&nar, "l");
    zix_nar_symlink(&nar, "a");
    zix_nar_directory_end(&nar);
    zix_nar_end(&nar, hash, &size);
    expected_length = 0;
    expect_string("zix-archive-1", 13);
    expect_string("directory", 9);
    expect_string("entry", 5);
    expect_string("a", 1);
    expect_string("executable", 10);
    expect_string("hello", 5); // the size, then the bytes, padded: a string's shape
    expect_string("entry", 5);
    expect_string("l", 1);
    expect_string("symlink", 7);
    expect_string("a", 1);
    expect_string("end", 3);
    struct zix_sha256 context;
    zix_sha256_init(&context);
    zix_sha256_update(&context, expected_bytes, expected_length);
    zix_sha256_out(&context, want);
    UNIT_CHECK("nar: the exact bytes of a small tree", size == expected_length && memcmp(hash, want, sizeof(hash)) == 0);
}

// Eight trees, each a small change from the first; all hash apart.
static void tree(u32 variant, u8 hash[ZIX_HASH_BYTES]) {
    zix_nar_begin(&nar, NULL, 0);
    if (variant == 7) {
        file("", false); // the root a file, not a directory
        zix_nar_end(&nar, hash, NULL);
        return;
    }
    zix_nar_directory_begin(&nar);
    zix_nar_entry(&nar, variant == 1 ? "bin2" : "bin");
    if (variant == 2) zix_nar_symlink(&nar, "sh");
    else file("sh", variant != 3);
    if (variant != 4) {
        zix_nar_entry(&nar, "lib");
        zix_nar_directory_begin(&nar);
        if (variant != 5) {
            zix_nar_entry(&nar, "x");
            file(variant == 6 ? "ab\n" : "ab", false);
        }
        zix_nar_directory_end(&nar);
    }
    zix_nar_directory_end(&nar);
    zix_nar_end(&nar, hash, NULL);
}

static void test_distinct(void) {
    u8 hashes[8][ZIX_HASH_BYTES], again[ZIX_HASH_BYTES];
    for (u32 v = 0; v < 8; v++) tree(v, hashes[v]);
    tree(0, again);
    UNIT_CHECK("nar: repeatable", memcmp(again, hashes[0], ZIX_HASH_BYTES) == 0);
    u32 collisions = 0;
    for (u32 a = 0; a < 8; a++) {
        for (u32 b = a + 1; b < 8; b++) collisions += memcmp(hashes[a], hashes[b], ZIX_HASH_BYTES) == 0;
    }
    UNIT_CHECK("nar: a name, a link, the executable bit, an entry, a byte each change the hash", collisions == 0);
    // "ab" then "c" in one file is not "a" and "bc" in two, nor one "abc" file named differently.
    u8 one[ZIX_HASH_BYTES], two[ZIX_HASH_BYTES];
    zix_nar_begin(&nar, NULL, 0);
    zix_nar_directory_begin(&nar);
    zix_nar_entry(&nar, "a");
    file("bc", false);
    zix_nar_directory_end(&nar);
    zix_nar_end(&nar, one, NULL);
    zix_nar_begin(&nar, NULL, 0);
    zix_nar_directory_begin(&nar);
    zix_nar_entry(&nar, "ab");
    file("c", false);
    zix_nar_directory_end(&nar);
    zix_nar_end(&nar, two, NULL);
    UNIT_CHECK("nar: lengths keep name and content apart", memcmp(one, two, ZIX_HASH_BYTES) != 0);
}

// content fed as a file in pieces cut at the given offsets; which candidates were found.
static u32 scan_file(const char *content, const u32 *cuts, u32 cuts_count, u8 hash[ZIX_HASH_BYTES]) {
    u64 length = strlen(content), at = 0;
    zix_nar_begin(&nar, candidates, 2);
    zix_nar_file_begin(&nar, false, length);
    for (u32 i = 0; i <= cuts_count; i++) {
        u64 end = i < cuts_count ? cuts[i] : length;
        zix_nar_file_bytes(&nar, (const u8 *)content + at, end - at);
        at = end;
    }
    zix_nar_end(&nar, hash, NULL);
    return (nar.found[0] ? 1u : 0u) | (nar.found[1] ? 2u : 0u);
}

static void test_scan_splits(void) {
    const char *content = "#!/bin/sh\nexec /zix/store/" PART_A "-dep/bin/x \"$@\" # " PART_B "\n";
    u32 length = (u32)strlen(content);
    u8 whole[ZIX_HASH_BYTES], split[ZIX_HASH_BYTES];
    UNIT_CHECK("scan: both found in one piece", scan_file(content, NULL, 0, whole) == 3);
    u32 agree = 0;
    for (u32 cut = 0; cut <= length; cut++) {
        u32 cuts[2] = {cut, cut + (length - cut) / 2};
        agree += scan_file(content, cuts, 2, split) == 3 && memcmp(whole, split, ZIX_HASH_BYTES) == 0;
    }
    UNIT_CHECK("scan: split at every offset, both found, the same hash", agree == length + 1);
    u32 cuts[200];
    for (u32 i = 0; i < length - 1; i++) cuts[i] = i + 1;
    UNIT_CHECK("scan: one byte at a time", scan_file(content, cuts, length - 1, split) == 3);
    UNIT_CHECK("scan: 31 characters are not a part", scan_file("x" PART_A, NULL, 0, split) == 1 &&
               scan_file("/zix/store/0123456789abcdfghijklmnpqrsvwxy-x", NULL, 0, split) == 0);
    UNIT_CHECK("scan: inside a longer base32 run", scan_file("aaa" PART_B "000", NULL, 0, split) == 2);
    UNIT_CHECK("scan: a part broken by one other byte is not found",
               scan_file("0123456789abcdfghijklmn.pqrsvwxyz", NULL, 0, split) == 0);
}

// A long run of base32 characters: the window wraps and its count is folded; a part
// is found at every offset, split anywhere.
static void test_scan_long_runs(void) {
    char content[201];
    u8 hash[ZIX_HASH_BYTES];
    u32 agree = 0, cases = 0;
    memset(content, 'a', 200);
    content[200] = '\0';
    u32 none = scan_file(content, NULL, 0, hash);
    for (u32 offset = 0; offset + ZIX_PATH_HASH_CHARS <= 200; offset++) {
        memset(content, 'a', 200);
        memcpy(content + offset, PART_B, ZIX_PATH_HASH_CHARS);
        u32 cut = (offset * 7) % 200;
        agree += scan_file(content, &cut, 1, hash) == 2;
        cases++;
    }
    UNIT_CHECK("scan: a part at every offset of a 200-character run", none == 0 && agree == cases);
}

static void test_scan_items(void) {
    u8 hash[ZIX_HASH_BYTES];
    zix_nar_begin(&nar, candidates, 2);
    zix_nar_directory_begin(&nar);
    zix_nar_entry(&nar, "0123456789abcdfg");
    file("hijklmnpqrsvwxyz", false); // half in the name, half in the file: not a reference
    zix_nar_entry(&nar, "link");
    zix_nar_symlink(&nar, "/zix/store/" PART_B "-lib/lib");
    zix_nar_directory_end(&nar);
    zix_nar_end(&nar, hash, NULL);
    UNIT_CHECK("scan: a symbolic link's target is scanned; a part across name and file is not",
               !nar.found[0] && nar.found[1]);
    zix_nar_begin(&nar, candidates, 2);
    zix_nar_directory_begin(&nar);
    zix_nar_entry(&nar, PART_A);
    file("", false);
    zix_nar_directory_end(&nar);
    zix_nar_end(&nar, hash, NULL);
    UNIT_CHECK("scan: names are scanned", nar.found[0] && !nar.found[1]);
    zix_nar_begin(&nar, candidates, 2);
    zix_nar_directory_begin(&nar);
    zix_nar_entry(&nar, "a");
    file("0123456789abcdfg", false);
    zix_nar_entry(&nar, "b");
    file("hijklmnpqrsvwxyz", false);
    zix_nar_directory_end(&nar);
    zix_nar_end(&nar, hash, NULL);
    UNIT_CHECK("scan: a part across two files is not a reference", !nar.found[0]);
}

static void misuse_order(void) {
    zix_nar_begin(&nar, NULL, 0);
    zix_nar_directory_begin(&nar);
    zix_nar_entry(&nar, "b");
    file("", false);
    zix_nar_entry(&nar, "a");
}
static void misuse_twice(void) {
    zix_nar_begin(&nar, NULL, 0);
    zix_nar_directory_begin(&nar);
    zix_nar_entry(&nar, "a");
    file("", false);
    zix_nar_entry(&nar, "a");
}
static void misuse_no_node(void) {
    zix_nar_begin(&nar, NULL, 0);
    zix_nar_directory_begin(&nar);
    zix_nar_entry(&nar, "a");
    zix_nar_directory_end(&nar);
}
static void misuse_too_many_bytes(void) {
    zix_nar_begin(&nar, NULL, 0);
    zix_nar_file_begin(&nar, false, 2);
    zix_nar_file_bytes(&nar, (const u8 *)"abc", 3);
}
static void misuse_short_file(void) {
    u8 hash[ZIX_HASH_BYTES];
    zix_nar_begin(&nar, NULL, 0);
    zix_nar_file_begin(&nar, false, 2);
    zix_nar_file_bytes(&nar, (const u8 *)"a", 1);
    zix_nar_end(&nar, hash, NULL);
}
static void misuse_two_roots(void) {
    zix_nar_begin(&nar, NULL, 0);
    file("", false);
    file("", false);
}
static void misuse_open_directory(void) {
    u8 hash[ZIX_HASH_BYTES];
    zix_nar_begin(&nar, NULL, 0);
    zix_nar_directory_begin(&nar);
    zix_nar_end(&nar, hash, NULL);
}
static void misuse_too_deep(void) {
    zix_nar_begin(&nar, NULL, 0);
    for (u32 i = 0; i <= ZIX_NAR_DEPTH_MAX; i++) {
        zix_nar_directory_begin(&nar);
        zix_nar_entry(&nar, "d");
    }
}
static void fine(void) {
    u8 hash[ZIX_HASH_BYTES];
    zix_nar_begin(&nar, NULL, 0);
    zix_nar_directory_begin(&nar);
    zix_nar_entry(&nar, "A"); // 'A' < 'a' < '\xc3': unsigned bytes
    file("", false);
    zix_nar_entry(&nar, "a");
    file("", false);
    zix_nar_entry(&nar, "\xc3\xa9");
    file("", false);
    zix_nar_directory_end(&nar);
    zix_nar_end(&nar, hash, NULL);
}

static void test_misuse(void) {
    UNIT_CHECK("nar: entries out of order panic", test_panics(misuse_order));
    UNIT_CHECK("nar: an entry twice panics", test_panics(misuse_twice));
    UNIT_CHECK("nar: an entry without its node panics", test_panics(misuse_no_node));
    UNIT_CHECK("nar: more bytes than the file's size panic", test_panics(misuse_too_many_bytes));
    UNIT_CHECK("nar: ending inside a file panics", test_panics(misuse_short_file));
    UNIT_CHECK("nar: a second root panics", test_panics(misuse_two_roots));
    UNIT_CHECK("nar: ending with a directory open panics", test_panics(misuse_open_directory));
    UNIT_CHECK("nar: nesting past ZIX_NAR_DEPTH_MAX panics", test_panics(misuse_too_deep));
    UNIT_CHECK("nar: unsigned byte order is accepted", !test_panics(fine));
}

static void test_entry_valid(void) {
    u8 hash[ZIX_HASH_BYTES];
    char long_name[ZIX_VALUE_LEN_MAX + 2];
    memset(long_name, 'n', sizeof(long_name));
    long_name[ZIX_VALUE_LEN_MAX + 1] = '\0';
    zix_nar_begin(&nar, NULL, 0);
    UNIT_CHECK("entry valid: not outside a directory", !zix_nar_entry_valid(&nar, "a"));
    zix_nar_directory_begin(&nar);
    UNIT_CHECK("entry valid: the first, any name", zix_nar_entry_valid(&nar, "m") && zix_nar_entry_valid(&nar, "\x01"));
    UNIT_CHECK("entry valid: empty or too long refused", !zix_nar_entry_valid(&nar, "") &&
               !zix_nar_entry_valid(&nar, long_name) && zix_nar_entry_valid(&nar, long_name + 1));
    zix_nar_entry(&nar, "m");
    zix_nar_symlink(&nar, ""); // an empty target: a length of 0 says so
    UNIT_CHECK("entry valid: before, equal, a prefix refused; after taken", !zix_nar_entry_valid(&nar, "l") &&
               !zix_nar_entry_valid(&nar, "m") && zix_nar_entry_valid(&nar, "m0") && zix_nar_entry_valid(&nar, "\xff"));
    zix_nar_entry(&nar, "mm");
    zix_nar_directory_begin(&nar);
    UNIT_CHECK("entry valid: a new directory starts over", zix_nar_entry_valid(&nar, "a"));
    zix_nar_directory_end(&nar);
    UNIT_CHECK("entry valid: back in the parent, after mm", !zix_nar_entry_valid(&nar, "m0") && zix_nar_entry_valid(&nar, "n"));
    zix_nar_directory_end(&nar);
    zix_nar_end(&nar, hash, NULL);
}

// ---- random trees against a reference serializer and a brute-force scanner ------------
static u8 reference[1 << 16];
static u32 reference_length;
static bool reference_found[2];

static void ref_string(const void *bytes, u64 length) {
    assert(reference_length + 16 + length < sizeof(reference));
    for (u32 i = 0; i < 8; i++) reference[reference_length++] = (u8)(length >> (8 * i));
    memcpy(reference + reference_length, bytes, length);
    reference_length += (u32)length;
    while (reference_length % 8 != 0) reference[reference_length++] = 0;
}

// An item (name, target, file) holds a candidate only wholly inside it.
static void ref_scan(const char *bytes, u64 length) {
    for (u32 k = 0; k < 2; k++) {
        if (memmem(bytes, length, candidates[k], ZIX_PATH_HASH_CHARS) != NULL) reference_found[k] = true;
    }
}

// Text mostly of base32 characters, sometimes holding a part or most of one.
static u32 random_text(char *out, u32 length_max) {
    u32 length = test_below(length_max + 1);
    for (u32 i = 0; i < length; i++) out[i] = test_below(10) == 0 ? '/' : ZIX_BASE32_CHARS[test_below(32)];
    if (length >= ZIX_PATH_HASH_CHARS && test_below(3) == 0) {
        u32 take = ZIX_PATH_HASH_CHARS - test_below(2); // whole, or one short
        memcpy(out + test_below(length - take + 1), candidates[test_below(2)], take);
    }
    return length;
}

static void random_node(u32 depth);

static void random_directory(u32 depth) {
    zix_nar_directory_begin(&nar);
    ref_string("directory", 9);
    u32 entries = test_below(5);
    char name[48];
    u8 last = 0;
    for (u32 i = 0; i < entries && last < 250; i++) {
        last = (u8)(last + 1 + test_below(5)); // increasing first bytes: sorted, unique
        name[0] = (char)last;
        u32 length = 1 + random_text(name + 1, 40);
        name[length] = '\0';
        if (memchr(name, '\0', length) != NULL) continue;
        zix_nar_entry(&nar, name);
        ref_string("entry", 5);
        ref_string(name, length);
        ref_scan(name, length);
        random_node(depth + 1);
    }
    zix_nar_directory_end(&nar);
    ref_string("end", 3);
}

static void random_node(u32 depth) {
    static char text[400];
    u32 kind = test_below(depth < 4 ? 3 : 2);
    if (kind == 2) {
        random_directory(depth);
        return;
    }
    u32 length = random_text(text, kind == 0 ? 300 : 100);
    if (kind == 1) {
        text[length] = '\0';
        zix_nar_symlink(&nar, text);
        ref_string("symlink", 7);
    } else {
        bool executable = test_below(2) != 0;
        zix_nar_file_begin(&nar, executable, length);
        for (u32 at = 0; at < length;) {
            u32 piece = 1 + test_below(length - at);
            zix_nar_file_bytes(&nar, (const u8 *)text + at, piece);
            at += piece;
        }
        ref_string(executable ? "executable" : "regular", executable ? 10 : 7);
    }
    ref_string(text, length);
    ref_scan(text, length);
}

static void test_random_trees(void) {
    u32 agree = 0, runs = 2000, found_some = 0;
    for (u32 run = 0; run < runs; run++) {
        reference_length = 0;
        reference_found[0] = reference_found[1] = false;
        zix_nar_begin(&nar, candidates, 2);
        ref_string("zix-archive-1", 13);
        random_node(0);
        u8 hash[ZIX_HASH_BYTES], want[ZIX_HASH_BYTES];
        u64 size = 0;
        zix_nar_end(&nar, hash, &size);
        struct zix_sha256 context;
        zix_sha256_init(&context);
        zix_sha256_update(&context, reference, reference_length);
        zix_sha256_out(&context, want);
        agree += size == reference_length && memcmp(hash, want, sizeof(hash)) == 0 &&
                 nar.found[0] == reference_found[0] && nar.found[1] == reference_found[1];
        found_some += reference_found[0] || reference_found[1];
    }
    UNIT_CHECK("random trees: the reference bytes, hash and references", agree == runs);
    UNIT_CHECK("random trees: references were planted in some", found_some > runs / 10);
    printf("# random trees: %u of %u with references\n", found_some, runs);
}

int main(void) {
    test_exact_bytes();
    test_distinct();
    test_scan_splits();
    test_scan_long_runs();
    test_scan_items();
    test_misuse();
    test_entry_valid();
    test_random_trees();
    UNIT_EXIT();
}
