// The canonical serialization of an output ("zix-archive-1", shaped like Nix's NAR) and
// the reference scanner, and SHA-256 for the whole engine: the one file that includes
// BearSSL, so its headers' needs stay out of the rest.
//
// Every token is a string: its length (u64, little-endian), its bytes, zeros to a
// multiple of 8, as in Nix's NAR. A node is "regular" or "executable" then the file's
// size and bytes (a string), "symlink" then its target, or "directory" then entries
// ("entry", a name, a node) in increasing byte order of names, then "end". The stream is
// the magic then the root node. Every token says what follows, and lengths are explicit,
// so two different trees never serialize to the same bytes.
#include <bearssl_hash.h>

#include "kernel/lib/endian.h"
#include "subsystems/zix/internal.h"

STATIC_ASSERT(sizeof(br_sha256_context) <= sizeof(((struct zix_sha256 *)0)->state));
STATIC_ASSERT(sizeof(br_sha256_context) <= sizeof(((struct zix_nar *)0)->sha256_state));

#define ZIX_NAR_MAGIC "zix-archive-1"

void zix_sha256_init(struct zix_sha256 *context) {
    assert(context != NULL);
    assert(sizeof(br_sha256_context) <= sizeof(context->state));
    br_sha256_init((br_sha256_context *)(void *)context->state);
}

void zix_sha256_update(struct zix_sha256 *context, const void *bytes, u64 count) {
    assert(context != NULL);
    if (count == 0) return;
    assert(bytes != NULL);
    br_sha256_update((br_sha256_context *)(void *)context->state, bytes, (size_t)count);
}

void zix_sha256_out(const struct zix_sha256 *context, u8 out[ZIX_HASH_BYTES]) {
    assert(context != NULL);
    assert(out != NULL);
    br_sha256_out((const br_sha256_context *)(const void *)context->state, out);
}

static br_sha256_context *nar_context(struct zix_nar *nar) {
    assert(nar != NULL);
    assert(sizeof(br_sha256_context) <= sizeof(nar->sha256_state));
    return (br_sha256_context *)(void *)nar->sha256_state;
}

static void put(struct zix_nar *nar, const void *bytes, u64 count) {
    assert(nar != NULL);
    if (count != 0) assert(bytes != NULL);
    if (count != 0) br_sha256_update(nar_context(nar), bytes, (size_t)count);
    nar->size_bytes += count;
}

static void put_u64(struct zix_nar *nar, u64 value) {
    u8 bytes[8];
    store_u64_le(bytes, value);
    put(nar, bytes, sizeof(bytes));
}

// Zeros to the next multiple of 8 after count bytes.
static void put_padding(struct zix_nar *nar, u64 count) {
    static const u8 zeros[8] = {0};
    assert(nar != NULL);
    assert(count <= (u64)-1 - 8);
    u64 rest = (8 - count % 8) % 8;
    put(nar, zeros, rest);
}

static void put_string(struct zix_nar *nar, const char *text, u64 length) {
    assert(nar != NULL);
    assert(text != NULL);
    put_u64(nar, length);
    put(nar, text, length);
    put_padding(nar, length);
}

static void put_token(struct zix_nar *nar, const char *token) {
    assert(token != NULL);
    assert(token[0] != '\0');
    put_string(nar, token, str_len_bounded(token, 32));
}

// Whether the window (a ring whose oldest character is at start) holds candidate.
static bool window_holds(const struct zix_nar *nar, u32 start, const char *candidate) {
    assert(start < ZIX_PATH_HASH_CHARS);
    assert(candidate != NULL);
    for (u32 j = 0; j < ZIX_PATH_HASH_CHARS; j++) {
        if (nar->window[(start + j) % ZIX_PATH_HASH_CHARS] != candidate[j]) return false;
    }
    return true;
}

// Every byte goes through the window, a ring of the last 32 characters of the current
// base32 run; window_fill is the run's length (kept below 64 without changing it mod 32).
// At 32 or more, the window is one possible hash part, compared with each unfound one.
static void scan(struct zix_nar *nar, const u8 *bytes, u64 count) {
    assert(nar != NULL);
    assert(nar->window_fill < 2 * ZIX_PATH_HASH_CHARS);
    for (u64 i = 0; i < count; i++) {
        char c = (char)bytes[i];
        if (!zix_base32_char(c)) {
            nar->window_fill = 0;
            continue;
        }
        nar->window[nar->window_fill % ZIX_PATH_HASH_CHARS] = c;
        nar->window_fill++;
        if (nar->window_fill == 2 * ZIX_PATH_HASH_CHARS) nar->window_fill = ZIX_PATH_HASH_CHARS;
        if (nar->window_fill < ZIX_PATH_HASH_CHARS) continue;
        u32 start = nar->window_fill % ZIX_PATH_HASH_CHARS;
        for (u32 k = 0; k < nar->candidates_count; k++) {
            if (nar->found[k] || nar->candidates[k][0] != nar->window[start]) continue;
            if (window_holds(nar, start, nar->candidates[k])) nar->found[k] = true;
        }
    }
}

// A name or a target is scanned on its own: the framing around it breaks any run.
static void scan_item(struct zix_nar *nar, const char *text, u64 length) {
    assert(nar != NULL);
    assert(length <= ZIX_NAR_TARGET_LEN_MAX);
    nar->window_fill = 0;
    scan(nar, (const u8 *)text, length);
    nar->window_fill = 0;
}

void zix_nar_begin(struct zix_nar *nar, const char candidates[][ZIX_PATH_HASH_CHARS + 1],
                   u32 candidates_count) {
    assert(nar != NULL);
    assert(candidates_count <= ZIX_REFS_MAX);
    if (candidates_count != 0) assert(candidates != NULL);
    mem_set(nar, 0, sizeof(*nar));
    br_sha256_init(nar_context(nar));
    for (u32 k = 0; k < candidates_count; k++) {
        assert(str_len_bounded(candidates[k], ZIX_PATH_HASH_CHARS + 1) == ZIX_PATH_HASH_CHARS);
        mem_copy(nar->candidates[k], candidates[k], ZIX_PATH_HASH_CHARS + 1);
    }
    nar->candidates_count = candidates_count;
    put_token(nar, ZIX_NAR_MAGIC);
    nar->expect_node = true;
}

// Every node starts where one is expected: after begin, or after an entry.
static void node_start(struct zix_nar *nar) {
    assert(nar != NULL);
    assert(nar->expect_node);
    assert(!nar->in_file);
    assert(!nar->root_done);
    nar->expect_node = false;
}

static void node_done(struct zix_nar *nar) {
    assert(nar != NULL);
    assert(!nar->in_file);
    if (nar->depth == 0) nar->root_done = true;
}

void zix_nar_directory_begin(struct zix_nar *nar) {
    node_start(nar);
    assert(nar->depth < ZIX_NAR_DEPTH_MAX);
    put_token(nar, "directory");
    nar->last_name[nar->depth][0] = '\0';
    nar->depth++;
}

bool zix_nar_entry_valid(const struct zix_nar *nar, const char *name) {
    assert(nar != NULL);
    assert(name != NULL);
    if (nar->depth == 0) return false;
    u64 length = str_len_bounded(name, ZIX_VALUE_LEN_MAX + 1);
    if (length == 0 || length > ZIX_VALUE_LEN_MAX) return false;
    // Strictly increasing by unsigned bytes: the first entry's "" is below any name.
    const char *last = nar->last_name[nar->depth - 1];
    u64 i = 0;
    while (name[i] != '\0' && name[i] == last[i]) i++;
    return (u8)name[i] > (u8)last[i];
}

void zix_nar_entry(struct zix_nar *nar, const char *name) {
    assert(nar != NULL);
    assert(!nar->expect_node);
    assert(!nar->in_file);
    assert(zix_nar_entry_valid(nar, name));
    u64 length = str_len_bounded(name, ZIX_VALUE_LEN_MAX);
    mem_copy(nar->last_name[nar->depth - 1], name, length + 1);
    put_token(nar, "entry");
    put_string(nar, name, length);
    scan_item(nar, name, length);
    nar->expect_node = true;
}

void zix_nar_directory_end(struct zix_nar *nar) {
    assert(nar != NULL);
    assert(nar->depth > 0);
    assert(!nar->expect_node);
    assert(!nar->in_file);
    put_token(nar, "end");
    nar->depth--;
    node_done(nar);
}

void zix_nar_file_begin(struct zix_nar *nar, bool executable, u64 size_bytes) {
    node_start(nar);
    assert(nar->file_bytes_left == 0);
    put_token(nar, executable ? "executable" : "regular");
    put_u64(nar, size_bytes);
    nar->window_fill = 0;
    nar->file_bytes_left = size_bytes;
    nar->in_file = size_bytes != 0;
    if (!nar->in_file) node_done(nar);
}

void zix_nar_file_bytes(struct zix_nar *nar, const u8 *bytes, u64 count) {
    assert(nar != NULL);
    if (count == 0) return; // nothing read (an empty file's loop): nothing to check
    assert(nar->in_file);
    assert(count <= nar->file_bytes_left);
    assert(bytes != NULL);
    put(nar, bytes, count);
    scan(nar, bytes, count);
    nar->file_bytes_left -= count;
    if (nar->file_bytes_left != 0) return;
    // The file's size was written first; the padding follows from it.
    put_padding(nar, nar->size_bytes);
    nar->in_file = false;
    nar->window_fill = 0;
    node_done(nar);
}

void zix_nar_symlink(struct zix_nar *nar, const char *target) {
    node_start(nar);
    assert(target != NULL);
    u64 length = str_len_bounded(target, ZIX_NAR_TARGET_LEN_MAX + 1);
    assert(length <= ZIX_NAR_TARGET_LEN_MAX); // empty is fine: a length says so
    put_token(nar, "symlink");
    put_string(nar, target, length);
    scan_item(nar, target, length);
    node_done(nar);
}

void zix_nar_end(struct zix_nar *nar, u8 hash[ZIX_HASH_BYTES], u64 *size_bytes) {
    assert(nar != NULL);
    assert(hash != NULL);
    assert(nar->root_done);
    assert(nar->depth == 0);
    br_sha256_out(nar_context(nar), hash);
    if (size_bytes != NULL) *size_bytes = nar->size_bytes;
}
