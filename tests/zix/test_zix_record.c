// Unit tests of zix's registration records and fingerprints (zix_record.c): round trips,
// every truncation and bit flip refused, crafted records with a valid checksum refused
// for what they say, a fuzzer of mutated encodings (checksum recomputed, so the decoder's
// own checks are what stand), and Nix's fingerprint text.
#define _DEFAULT_SOURCE // MAP_ANONYMOUS
#include <sys/mman.h>

#include "kernel/lib/xxhash_inline.h"
#include "tests/zix/zix_test.h"

#define P_HELLO "/zix/store/0123456789abcdfghijklmnpqrsvwxyz-hello"
#define P_DEP "/zix/store/1123456789abcdfghijklmnpqrsvwxyz-dep"
#define P_LIB "/zix/store/zyxwvsrqpnmlkjihgfdcba9876543210-lib"

static struct zix_registration sample, decoded;
static u8 bytes[ZIX_RECORD_BYTES_MAX];
static u8 *guarded;

static void make_sample(void) {
    memset(&sample, 0, sizeof(sample));
    strcpy(sample.path, P_HELLO);
    for (u32 i = 0; i < ZIX_HASH_BYTES; i++) sample.nar_hash[i] = (u8)(i * 7 + 1);
    sample.nar_size_bytes = 123456789012ull;
    for (u32 i = 0; i < ZIX_HASH_BYTES; i++) sample.recipe_hash[i] = (u8)(255 - i);
    sample.registered_ns = 1765000000000000000ull;
    sample.builder_uid = 1000;
    sample.refs_count = 3;
    strcpy(sample.refs[0], P_HELLO);
    strcpy(sample.refs[1], P_DEP);
    strcpy(sample.refs[2], P_LIB);
    const char *recipe = "name = hello\nbuilder = /bin/sh\n";
    sample.recipe_length = (u32)strlen(recipe);
    memcpy(sample.recipe, recipe, sample.recipe_length);
    sample.signature_length = 64;
    for (u32 i = 0; i < 64; i++) sample.signature[i] = (u8)(i ^ 0x5a);
}

// Decodes length bytes placed just before an unreadable page.
static i64 decode(const u8 *record, u32 length) {
    u8 *at = guarded + 2 * 16384 - length;
    memmove(at, record, length);
    return zix_registration_decode(at, length, &decoded);
}

static void reseal(u8 *record, u32 length) {
    u64 sum = XXH3_64bits(record, length - 8);
    for (u32 i = 0; i < 8; i++) record[length - 8 + i] = (u8)(sum >> (8 * i));
}

static void test_round_trip(void) {
    make_sample();
    i64 length = zix_registration_encode(&sample, bytes, sizeof(bytes));
    UNIT_CHECK("record: encoded", length > 0);
    UNIT_CHECK("record: decoded equal", decode(bytes, (u32)length) == 0 && memcmp(&decoded, &sample, sizeof(sample)) == 0);
    u32 short_refused = 0;
    static u8 small[ZIX_RECORD_BYTES_MAX];
    for (u32 capacity = 0; capacity < (u32)length; capacity++) short_refused += zix_registration_encode(&sample, small, capacity) == -E_2BIG;
    UNIT_CHECK("record: every capacity too small is -E_2BIG", short_refused == (u32)length);
    u32 truncated = 0, flipped = 0;
    for (u32 n = 0; n < (u32)length; n++) truncated += decode(bytes, n) == -E_BADMSG;
    for (u32 bit = 0; bit < (u32)length * 8; bit++) {
        static u8 copy[ZIX_RECORD_BYTES_MAX];
        memcpy(copy, bytes, (size_t)length);
        copy[bit / 8] ^= (u8)(1u << (bit % 8));
        flipped += decode(copy, (u32)length) == -E_BADMSG;
    }
    UNIT_CHECK("record: every truncation refused", truncated == (u32)length);
    UNIT_CHECK("record: every bit flip refused", flipped == (u32)length * 8);
    make_sample();
    sample.refs_count = 0;
    sample.recipe_length = 0;
    sample.signature_length = 0;
    memset(sample.refs, 0, sizeof(sample.refs)); // what is past a count is not kept
    memset(sample.recipe, 0, sizeof(sample.recipe));
    memset(sample.signature, 0, sizeof(sample.signature));
    length = zix_registration_encode(&sample, bytes, sizeof(bytes));
    UNIT_CHECK("record: a source (no refs, no recipe, unsigned) round-trips", length > 0 &&
               decode(bytes, (u32)length) == 0 && memcmp(&decoded, &sample, sizeof(sample)) == 0);
}

static void test_encode_refusals(void) {
    make_sample();
    strcpy(sample.refs[0], P_LIB);
    strcpy(sample.refs[2], P_HELLO);
    UNIT_CHECK("encode: unsorted refs: -E_INVAL", zix_registration_encode(&sample, bytes, sizeof(bytes)) == -E_INVAL);
    make_sample();
    strcpy(sample.refs[1], P_HELLO);
    UNIT_CHECK("encode: a ref twice: -E_INVAL", zix_registration_encode(&sample, bytes, sizeof(bytes)) == -E_INVAL);
    make_sample();
    strcpy(sample.path, "/zix/store/x");
    UNIT_CHECK("encode: not a store path: -E_INVAL", zix_registration_encode(&sample, bytes, sizeof(bytes)) == -E_INVAL);
    make_sample();
    sample.signature_length = ZIX_SIGNATURE_BYTES_MAX + 1;
    UNIT_CHECK("encode: a signature too long: -E_INVAL", zix_registration_encode(&sample, bytes, sizeof(bytes)) == -E_INVAL);
}

// The sample's offsets: magic 4, version 4, path (2 + 49), hashes and numbers 84.
#define AT_VERSION 4u
#define AT_PATH 8u
#define AT_REFS_COUNT (AT_PATH + 2u + 49u + 32u + 8u + 32u + 8u + 4u)
#define AT_REF0 (AT_REFS_COUNT + 4u)

static i64 crafted(u32 at, const void *value, u32 count, u32 length) {
    static u8 copy[ZIX_RECORD_BYTES_MAX];
    memcpy(copy, bytes, length);
    memcpy(copy + at, value, count);
    reseal(copy, length);
    return decode(copy, length);
}

static void test_crafted(void) {
    make_sample();
    u32 length = (u32)zix_registration_encode(&sample, bytes, sizeof(bytes));
    UNIT_CHECK("crafted: the sample's layout is as counted", strlen(P_HELLO) == 49 && bytes[AT_REFS_COUNT] == 3 &&
               bytes[AT_REF0] == 49 && memcmp(bytes + AT_REF0 + 2, P_HELLO, 49) == 0);
    UNIT_CHECK("crafted: resealed unchanged is taken", crafted(0, bytes, 0, length) == 0);
    UNIT_CHECK("crafted: bad magic", crafted(0, "ZIXQ", 4, length) == -E_BADMSG);
    UNIT_CHECK("crafted: version 2", crafted(AT_VERSION, "\x02", 1, length) == -E_BADMSG);
    UNIT_CHECK("crafted: 33 refs", crafted(AT_REFS_COUNT, "\x21", 1, length) == -E_BADMSG);
    UNIT_CHECK("crafted: 2 refs (lengths no longer add up)", crafted(AT_REFS_COUNT, "\x02", 1, length) == -E_BADMSG);
    UNIT_CHECK("crafted: refs unsorted", crafted(AT_REF0 + 2 + 11, "z", 1, length) == -E_BADMSG);
    UNIT_CHECK("crafted: a ref equal to the next", crafted(AT_REF0 + 2 + 11, "1", 1, length) == -E_BADMSG);
    UNIT_CHECK("crafted: a NUL inside the path", crafted(AT_PATH + 2 + 45, "\0", 1, length) == -E_BADMSG);
    UNIT_CHECK("crafted: a path not a store path", crafted(AT_PATH + 2 + 1, "n", 1, length) == -E_BADMSG);
    UNIT_CHECK("crafted: a path length past the bound", crafted(AT_PATH, "\xff\x00", 2, length) == -E_BADMSG);
    UNIT_CHECK("crafted: a path length of 0", crafted(AT_PATH, "\x00\x00", 2, length) == -E_BADMSG);
    u32 at_signature = length - 8 - 64 - 4;
    UNIT_CHECK("crafted: the sample's signature length where counted", bytes[at_signature] == 64);
    UNIT_CHECK("crafted: a signature of 73 bytes", crafted(at_signature, "\x49", 1, length) == -E_BADMSG);
    UNIT_CHECK("crafted: a signature of 63 bytes (one byte left over)", crafted(at_signature, "\x3f", 1, length) == -E_BADMSG);
    UNIT_CHECK("crafted: a recipe of 2^32-1 bytes", crafted(at_signature - sample.recipe_length - 4, "\xff\xff\xff\xff", 4,
               length) == -E_BADMSG);
    static u8 longer[ZIX_RECORD_BYTES_MAX];
    memcpy(longer, bytes, length);
    longer[length] = 0;
    reseal(longer, length + 1);
    UNIT_CHECK("crafted: a byte too many", decode(longer, length + 1) == -E_BADMSG);
    UNIT_CHECK("crafted: longer than ZIX_RECORD_BYTES_MAX", zix_registration_decode(bytes, ZIX_RECORD_BYTES_MAX + 1, &decoded) ==
               -E_BADMSG);
}

// Mutated encodings, resealed: each is refused, or taken and then re-encodes to itself.
static void test_fuzz(void) {
    make_sample();
    u32 length = (u32)zix_registration_encode(&sample, bytes, sizeof(bytes));
    static u8 copy[ZIX_RECORD_BYTES_MAX], again[ZIX_RECORD_BYTES_MAX];
    u32 wrong = 0, taken = 0;
    for (u32 i = 0; i < 50000; i++) {
        memcpy(copy, bytes, length);
        u32 n = length;
        u32 mutations = 1 + test_below(4);
        for (u32 m = 0; m < mutations; m++) {
            u32 at = test_below(n);
            if (test_below(8) == 0) n = 8 + test_below(n - 8);
            else copy[at] = test_below(2) ? (u8)test_random() : (u8)(copy[at] + 1 - 2 * test_below(2));
        }
        if (n < 16) n = 16;
        reseal(copy, n);
        i64 result = decode(copy, n);
        if (result == 0) {
            taken++;
            i64 encoded = zix_registration_encode(&decoded, again, sizeof(again));
            if (encoded != n || memcmp(again, guarded + 2 * 16384 - n, n) != 0) wrong++;
        } else if (result != -E_BADMSG) {
            wrong++;
        }
    }
    UNIT_CHECK("fuzz: 50000 mutated records refused or re-encoded to themselves", wrong == 0);
    printf("# fuzz: %u taken\n", taken);
}

static void test_fingerprint(void) {
    make_sample();
    char text[ZIX_FINGERPRINT_BYTES_MAX];
    i64 length = zix_fingerprint(&sample, text, sizeof(text));
    const char *expected = "1;" P_HELLO ";sha256:01080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3da;"
                           "123456789012;" P_HELLO "," P_DEP "," P_LIB;
    UNIT_CHECK("fingerprint: Nix's text", length == (i64)strlen(expected) && strcmp(text, expected) == 0);
    UNIT_CHECK("fingerprint: no room for the NUL: -E_2BIG", zix_fingerprint(&sample, text, (u32)length) == -E_2BIG);
    UNIT_CHECK("fingerprint: exact room", zix_fingerprint(&sample, text, (u32)length + 1) == length);
    sample.refs_count = 0;
    sample.nar_size_bytes = 0;
    length = zix_fingerprint(&sample, text, sizeof(text));
    UNIT_CHECK("fingerprint: no refs, size 0", length > 0 && strcmp(text + length - 3, ";0;") == 0);
}

int main(void) {
    guarded = mmap(NULL, 3 * 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert(guarded != MAP_FAILED);
    mprotect(guarded + 2 * 16384, 16384, PROT_NONE);
    test_round_trip();
    test_encode_refusals();
    test_crafted();
    test_fuzz();
    test_fingerprint();
    UNIT_EXIT();
}
