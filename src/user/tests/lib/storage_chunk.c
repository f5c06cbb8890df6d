// Chunks, the self-describing unit of every storage slot file (format: storage.h).
// Parsing regenerates each chunk from its header's slot and gen and compares every
// byte, so a file passes only if each byte is one that storage wrote there; a file may
// end in a prefix of a chunk (a torn, unacknowledged write), nothing else.
#include <stdio.h>
#include <string.h>

#include "user/tests/lib/storage.h"

#define HEX_DIGITS "0123456789abcdef"
#define LCG_MULTIPLIER 6364136223846793005ull
#define LCG_INCREMENT 1442695040888963407ull
#define FNV64_PRIME 0x100000001b3ull
#define BODY_STREAM_SALT 0x5851f42d4c957f2dull
#define LETTERS_COUNT 26u
// Each position of a header: a literal character, D a slot digit, H a hex digit.
static const char header_template[] = "#chunk fD HHHHHHHH HHHH HHHHHHHHHHHHHHHH\n";

_Static_assert(sizeof(header_template) - 1 == STORAGE_CHUNK_HEADER_BYTES, "header length");
_Static_assert(STORAGE_SLOTS_COUNT <= 10, "slot digits are one character");

u64 storage_fnv64(u64 hash, const u8 *bytes, u64 length) {
    for (u64 i = 0; i < length; i++) {
        hash ^= bytes[i];
        hash *= FNV64_PRIME;
    }
    return hash;
}

// splitmix64's finaliser: a well-mixed function of the gen.
static u64 mix64(u64 x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static u64 body_bytes(u32 gen) {
    return STORAGE_CHUNK_BODY_MIN_BYTES + mix64(gen) % STORAGE_CHUNK_BODY_SPAN_BYTES;
}

static void hex_put(u8 *out, u64 value, u32 digits) {
    for (u32 i = 0; i < digits; i++) out[digits - 1 - i] = (u8)HEX_DIGITS[(value >> (4 * i)) & 15];
}

u64 storage_chunk_render(u32 origin, u32 gen, u8 *out, u64 capacity) {
    basin_assert(origin < STORAGE_SLOTS_COUNT);
    u64 body = body_bytes(gen), total = STORAGE_CHUNK_HEADER_BYTES + body;
    basin_assert(total <= capacity);
    basin_assert(total <= STORAGE_CHUNK_BYTES_MAX);
    memcpy(out, header_template, STORAGE_CHUNK_HEADER_BYTES);
    out[8] = (u8)('0' + origin);
    hex_put(out + 10, gen, 8);
    hex_put(out + 19, body, 4);
    u8 *text = out + STORAGE_CHUNK_HEADER_BYTES;
    u64 state = mix64((u64)gen ^ BODY_STREAM_SALT);
    for (u64 i = 0; i + 1 < body; i++) {
        state = state * LCG_MULTIPLIER + LCG_INCREMENT;
        text[i] = (u8)('a' + (state >> 33) % LETTERS_COUNT);
    }
    text[body - 1] = '\n';
    u64 sum = storage_fnv64(STORAGE_FNV64_OFFSET, out, STORAGE_CHUNK_SUMMED_HEADER_BYTES);
    sum = storage_fnv64(sum, text, body);
    hex_put(out + 24, sum, 16);
    return total;
}

static bool header_char_ok(u64 position, u8 c) {
    char want = header_template[position];
    if (want == 'D') return c >= '0' && c < '0' + STORAGE_SLOTS_COUNT;
    if (want == 'H') return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    return c == (u8)want;
}

static u64 hex_get(const u8 *text, u32 digits) {
    u64 value = 0;
    for (u32 i = 0; i < digits; i++) {
        u8 c = text[i];
        value = value * 16 + (u64)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return value;
}

// One chunk at `bytes` (length >= 1 available). Returns the bytes it covers (all of
// `available` for a tail), or 0 if they differ from anything storage writes.
static u64 chunk_match(const u8 *bytes, u64 available, u32 *gen_out, bool *tail) {
    u64 header_seen =
        available < STORAGE_CHUNK_HEADER_BYTES ? available : STORAGE_CHUNK_HEADER_BYTES;
    for (u64 i = 0; i < header_seen; i++) {
        if (!header_char_ok(i, bytes[i])) return 0;
    }
    *tail = true;
    if (available < STORAGE_CHUNK_HEADER_BYTES) return available; // a torn header
    u32 origin = (u32)(bytes[8] - '0');
    u32 gen = (u32)hex_get(bytes + 10, 8);
    u8 expected[STORAGE_CHUNK_BYTES_MAX];
    u64 total = storage_chunk_render(origin, gen, expected, sizeof(expected));
    u64 compared = available < total ? available : total;
    if (memcmp(bytes, expected, compared) != 0) return 0;
    *gen_out = gen;
    *tail = compared < total;
    return compared;
}

i64 storage_contents_parse(const u8 *bytes, u64 length, struct storage_contents *contents,
                           char *reason, u64 reason_capacity) {
    if (length != 0) basin_assert(bytes != NULL); // an empty buffer may be NULL
    basin_assert(contents != NULL);
    basin_assert(reason != NULL);
    memset(contents, 0, sizeof(*contents));
    u64 position = 0;
    while (position < length) {
        u32 gen = 0;
        bool tail = false;
        u64 covered = chunk_match(bytes + position, length - position, &gen, &tail);
        if (covered == 0) {
            snprintf(reason, reason_capacity, "bytes at offset %lu are not a chunk storage wrote",
                     (unsigned long)position);
            return -E_BADMSG;
        }
        if (tail) {
            contents->tail_bytes = covered;
        } else if (contents->count == STORAGE_CHUNKS_MAX) {
            snprintf(reason, reason_capacity, "more than %u chunks", STORAGE_CHUNKS_MAX);
            return -E_BADMSG;
        } else {
            contents->gens[contents->count++] = gen;
        }
        position += covered;
    }
    basin_assert(position == length);
    return 0;
}
