// The wire format v1: a round trip of every message type, encoder limits and refusals,
// every single-bit flip of a valid datagram refused, and a decode fuzz of 100,000 random
// and mutated datagrams (many with a recomputed checksum, so that the payload parser
// sees them): no crash, no read outside the datagram (the sanitizers watch), and what
// decodes re-encodes to the very same bytes.
#include "kernel/lib/xxhash_inline.h"
#include "tests/replica/replica_test.h"

#define DATAGRAM_BYTES 1400u
#define FUZZ_COUNT 100000u

static const u8 *test_values[REPLICA_MESSAGE_VERSIONS_MAX];
static u8 value_bytes[REPLICA_MESSAGE_VERSIONS_MAX][REPLICA_VALUE_BYTES_MAX];

static struct replica_message
message_of(u8 type)
{
    struct replica_message m;
    memset(&m, 0, sizeof(m));
    m.type = type;
    m.from = 2;
    m.to = 5;
    m.sequence = 0xdeadbeefu;
    m.sender_hlc = 0x0123456789abcdefull;
    if (type == REPLICA_MSG_TREE) {
        m.depth = 3;
        m.index = 255;
        for (u32 i = 0; i < REPLICA_TREE_FANOUT; i++) m.digests[i] = test_random();
    }
    if (type == REPLICA_MSG_PULL) m.index = 4095;
    if (type == REPLICA_MSG_VERSIONS) {
        m.index = 77;
        m.versions_count = 3;
        for (u32 i = 0; i < 3; i++) {
            u32 length = i == 0 ? 0 : (i == 1 ? 1 : REPLICA_VALUE_BYTES_MAX);
            for (u32 b = 0; b < length; b++) value_bytes[i][b] = (u8)(b * 31 + i);
            const char *key = i == 0 ? "k0" : (i == 1 ? "k1" : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU");
            m.versions[i] = test_version(key, test_random(), i, 1000 + i, "");
            m.versions[i].value_bytes = (u16)length;
            test_sha256(value_bytes[i], length, m.versions[i].value_hash);
            test_values[i] = value_bytes[i];
        }
    }
    if (type == REPLICA_MSG_WANT || type == REPLICA_MSG_OBJECT) {
        for (u32 i = 0; i < REPLICA_HASH_BYTES; i++) m.hash[i] = (u8)(i * 7 + 1);
    }
    if (type == REPLICA_MSG_OBJECT) {
        m.object_bytes = 200;
        m.object = value_bytes[0];
    }
    return m;
}

static bool
same_message(const struct replica_message *a, const struct replica_message *b)
{
    if (a->type != b->type || a->from != b->from || a->to != b->to) return false;
    if (a->sequence != b->sequence || a->sender_hlc != b->sender_hlc) return false;
    if (a->depth != b->depth || a->index != b->index || a->versions_count != b->versions_count) return false;
    if (memcmp(a->digests, b->digests, sizeof(a->digests)) != 0) return false;
    for (u32 i = 0; i < a->versions_count; i++) {
        if (!test_same_version(&a->versions[i], &b->versions[i])) return false;
        if (memcmp(a->values[i] ? a->values[i] : test_values[i], b->values[i] ? b->values[i] : test_values[i],
                   a->versions[i].value_bytes) != 0) return false;
    }
    if (memcmp(a->hash, b->hash, REPLICA_HASH_BYTES) != 0 || a->object_bytes != b->object_bytes) return false;
    return a->object_bytes == 0 || memcmp(a->object, b->object, a->object_bytes) == 0;
}

// Decodes from a heap copy of exactly length bytes (the sanitizer sees any overread).
static i64
decode_exact(const u8 *bytes, u32 length, struct replica_message *m)
{
    u8 *copy = malloc(length == 0 ? 1 : length);
    memcpy(copy, bytes, length);
    i64 result = replica_wire_decode(copy, length, m);
    if (result == 0) {
        // What decodes re-encodes to the same bytes (its pointers still in the copy).
        u8 again[DATAGRAM_BYTES + 64];
        u32 encoded = 0;
        i64 length_again = replica_wire_encode(m, m->values, 0, again, sizeof(again), &encoded);
        CHECK(length_again == (i64)length);
        CHECK(length_again != (i64)length || memcmp(again, copy, length) == 0);
        CHECK(encoded == m->versions_count);
    }
    free(copy);
    return result;
}

static u32
encode_all(u8 type, u8 *bytes, struct replica_message *m)
{
    *m = message_of(type);
    u32 encoded = 0;
    i64 length = replica_wire_encode(m, test_values, 0, bytes, DATAGRAM_BYTES, &encoded);
    CHECK(length > REPLICA_WIRE_HEADER_BYTES);
    CHECK(encoded == m->versions_count);
    return length > 0 ? (u32)length : 0;
}

static void
test_round_trip(void)
{
    u8 bytes[DATAGRAM_BYTES];
    for (u8 type = REPLICA_MSG_TREE; type <= REPLICA_MSG_OBJECT; type++) {
        struct replica_message m;
        u32 length = encode_all(type, bytes, &m);
        CHECK(memcmp(bytes, "GBRP", 4) == 0);
        struct replica_message back;
        CHECK(replica_wire_decode(bytes, length, &back) == 0);
        CHECK(same_message(&m, &back));
    }
    // A VERSIONS message in pieces: as many as fit, then the rest.
    struct replica_message m = message_of(REPLICA_MSG_VERSIONS);
    u32 encoded = 0;
    i64 length = replica_wire_encode(&m, test_values, 0, bytes, 32 + 4 + 48 + 2 + 48 + 2 + 1, &encoded);
    CHECK(length == 32 + 4 + 48 + 2 + 48 + 2 + 1);
    CHECK(encoded == 2);
    length = replica_wire_encode(&m, test_values, 2, bytes, 300, &encoded);
    CHECK(length == -E_2BIG);
    CHECK(encoded == 0);
    length = replica_wire_encode(&m, test_values, 2, bytes, DATAGRAM_BYTES, &encoded);
    CHECK(encoded == 1);
    struct replica_message back;
    CHECK(replica_wire_decode(bytes, (u32)length, &back) == 0);
    CHECK(back.versions_count == 1);
    CHECK(test_same_version(&back.versions[0], &m.versions[2]));
    CHECK(memcmp(back.values[0], value_bytes[2], REPLICA_VALUE_BYTES_MAX) == 0);
    CHECK(replica_wire_encode(&m, test_values, 0, bytes, 31, &encoded) == -E_2BIG);
    test_group("wire-round-trip");
}

static void
test_encode_refusals(void)
{
    u8 bytes[DATAGRAM_BYTES];
    u32 encoded = 0;
    struct replica_message m = message_of(REPLICA_MSG_TREE);
    m.depth = 0;
    CHECK(replica_wire_encode(&m, NULL, 0, bytes, DATAGRAM_BYTES, &encoded) == -E_INVAL);
    m.depth = 2;
    m.index = 16;
    CHECK(replica_wire_encode(&m, NULL, 0, bytes, DATAGRAM_BYTES, &encoded) == -E_INVAL);
    m = message_of(REPLICA_MSG_PULL);
    m.index = 4096;
    CHECK(replica_wire_encode(&m, NULL, 0, bytes, DATAGRAM_BYTES, &encoded) == -E_INVAL);
    m = message_of(REPLICA_MSG_VERSIONS);
    CHECK(replica_wire_encode(&m, NULL, 0, bytes, DATAGRAM_BYTES, &encoded) == -E_INVAL);
    m.versions[0].key[0] = ' ';
    CHECK(replica_wire_encode(&m, test_values, 0, bytes, DATAGRAM_BYTES, &encoded) == -E_INVAL);
    m = message_of(REPLICA_MSG_VERSIONS);
    m.versions_count = REPLICA_MESSAGE_VERSIONS_MAX + 1;
    CHECK(replica_wire_encode(&m, test_values, 0, bytes, DATAGRAM_BYTES, &encoded) == -E_INVAL);
    m = message_of(REPLICA_MSG_OBJECT);
    m.object_bytes = REPLICA_VALUE_BYTES_MAX + 1;
    CHECK(replica_wire_encode(&m, NULL, 0, bytes, DATAGRAM_BYTES, &encoded) == -E_INVAL);
    m = message_of(9);
    CHECK(replica_wire_encode(&m, NULL, 0, bytes, DATAGRAM_BYTES, &encoded) == -E_INVAL);
    m = message_of(REPLICA_MSG_WANT);
    m.from = REPLICA_NODES_MAX;
    CHECK(replica_wire_encode(&m, NULL, 0, bytes, DATAGRAM_BYTES, &encoded) == -E_INVAL);
    test_group("wire-encode-refusals");
}

static void
test_decode_refusals(void)
{
    u8 bytes[DATAGRAM_BYTES];
    struct replica_message m;
    u32 length = encode_all(REPLICA_MSG_VERSIONS, bytes, &m);
    CHECK(decode_exact(bytes, 0, &m) == -E_INVAL);
    CHECK(decode_exact(bytes, 31, &m) == -E_INVAL);
    CHECK(decode_exact(bytes, length - 1, &m) == -E_INVAL);
    bytes[0] = 'X';
    CHECK(decode_exact(bytes, length, &m) == -E_INVAL);
    bytes[0] = 'G';
    bytes[40] ^= 1;
    CHECK(decode_exact(bytes, length, &m) == -E_BADMSG);
    bytes[40] ^= 1;
    CHECK(decode_exact(bytes, length, &m) == 0);
    // Every single-bit flip of every type's datagram is refused.
    u32 flips = 0;
    for (u8 type = REPLICA_MSG_TREE; type <= REPLICA_MSG_OBJECT; type++) {
        length = encode_all(type, bytes, &m);
        for (u32 bit = 0; bit < 8 * length; bit++) {
            bytes[bit / 8] ^= (u8)(1u << (bit % 8));
            CHECK(decode_exact(bytes, length, &m) < 0);
            bytes[bit / 8] ^= (u8)(1u << (bit % 8));
            flips++;
        }
    }
    printf("# %u single-bit flips refused\n", flips);
    test_group("wire-decode-refusals-and-bit-flips");
}

// The header's length and checksum made right for the bytes there are.
static void
seal(u8 *bytes, u32 length)
{
    u32 payload = length - REPLICA_WIRE_HEADER_BYTES;
    bytes[8] = (u8)payload;
    bytes[9] = (u8)(payload >> 8);
    XXH3_state_t state;
    XXH3_64bits_reset(&state);
    XXH3_64bits_update(&state, bytes, 24);
    XXH3_64bits_update(&state, bytes + 32, payload);
    u64 sum = XXH3_64bits_digest(&state);
    for (u32 i = 0; i < 8; i++) bytes[24 + i] = (u8)(sum >> (8 * i));
}

static u32
fuzz_one(u32 kind, u8 *bytes)
{
    struct replica_message m;
    u32 length = 0;
    if (kind == 0) { // noise
        length = test_below(DATAGRAM_BYTES + 1);
        for (u32 i = 0; i < length; i++) bytes[i] = (u8)test_random();
        return length;
    }
    length = encode_all((u8)(1 + test_below(5)), bytes, &m);
    if (kind == 3) { // a valid header over random payload bytes
        for (u32 i = REPLICA_WIRE_HEADER_BYTES; i < length; i++) bytes[i] = (u8)test_random();
    }
    u32 mutations = 1 + test_below(6);
    for (u32 i = 0; i < mutations; i++) {
        u32 at = test_below(length);
        u32 what = test_below(4);
        if (what == 0) bytes[at] = (u8)test_random();
        if (what == 1) bytes[at] ^= (u8)(1u << test_below(8));
        if (what == 2) bytes[at] = (u8)(test_below(2) ? 0xff : test_below(17));
        if (what == 3 && length + 8 <= DATAGRAM_BYTES) length += test_below(2) ? 8 : 0;
    }
    if (test_below(4) == 0) length = REPLICA_WIRE_HEADER_BYTES + test_below(length - REPLICA_WIRE_HEADER_BYTES + 1);
    if (kind >= 2) seal(bytes, length);
    return length;
}

static void
test_fuzz(void)
{
    u8 bytes[DATAGRAM_BYTES];
    u32 accepted = 0;
    u32 by_error[3] = {0};
    for (u32 i = 0; i < FUZZ_COUNT; i++) {
        u32 length = fuzz_one(i % 4, bytes);
        struct replica_message m;
        i64 result = decode_exact(bytes, length, &m);
        CHECK(result == 0 || result == -E_INVAL || result == -E_BADMSG);
        if (result == 0) accepted++;
        if (result == -E_INVAL) by_error[1]++;
        if (result == -E_BADMSG) by_error[2]++;
    }
    printf("# fuzz: %u datagrams, %u decoded (and re-encoded identically), %u E_INVAL, %u E_BADMSG\n",
           FUZZ_COUNT, accepted, by_error[1], by_error[2]);
    CHECK(accepted > 0);
    CHECK(by_error[1] > 0);
    CHECK(by_error[2] > 0);
    test_group("wire-decode-fuzz");
}

int
main(void)
{
    test_round_trip();
    test_encode_refusals();
    test_decode_refusals();
    test_fuzz();
    return test_finish();
}
