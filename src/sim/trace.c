// Trace hashing, ring and text output. Events are hashed through an explicit byte
// encoding, never as raw structs, so padding and host byte order cannot leak in.
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/lib/endian.h"
#include "kernel/lib/xxhash_inline.h"
#include "sim/trace.h"
#include "sim/trace_json.h"

struct trace_hash {
    XXH64_state_t state;
};

bool trace_init(struct trace *t, FILE *file) {
    assert(t != NULL);
    memset(t, 0, sizeof(*t));
    t->hash = calloc(1, sizeof(*t->hash));
    if (t->hash == NULL) return false;
    XXH_errorcode status = XXH64_reset(&t->hash->state, 0);
    assert(status == XXH_OK);
    t->file = file;
    return true;
}

void trace_deinit(struct trace *t) {
    assert(t != NULL);
    free(t->hash);
    t->hash = NULL;
}

void trace_encode(const struct trace_event *event, u8 bytes[TRACE_EVENT_HASH_BYTES]) {
    assert(event != NULL);
    assert(bytes != NULL);
    store_u32_le(bytes + 0, event->node);
    store_u64_le(bytes + 4, event->step);
    store_u64_le(bytes + 12, event->time_ns);
    store_u32_le(bytes + 20, event->kind);
    store_u64_le(bytes + 24, event->a);
    store_u64_le(bytes + 32, event->b);
    store_u64_le(bytes + 40, event->c);
    STATIC_ASSERT(TRACE_EVENT_HASH_BYTES == 4 + 8 + 8 + 4 + 3 * 8);
}

void trace_decode(const u8 bytes[TRACE_EVENT_HASH_BYTES], struct trace_event *event) {
    assert(bytes != NULL);
    assert(event != NULL);
    event->node = load_u32_le(bytes + 0);
    event->step = load_u64_le(bytes + 4);
    event->time_ns = load_u64_le(bytes + 12);
    event->kind = load_u32_le(bytes + 20);
    event->a = load_u64_le(bytes + 24);
    event->b = load_u64_le(bytes + 32);
    event->c = load_u64_le(bytes + 40);
}

#define TRACE_NAME(id, name, args) [id] = name,
static const char *const kernel_kind_names[TRACE_KERNEL_COUNT] = {TRACE_KERNEL_LIST(TRACE_NAME)};
static const char *const sim_kind_names[TRACE_SIM_END - TRACE_SIM_BASE] = {
#undef TRACE_NAME
#define TRACE_NAME(id, name, args) [id - TRACE_SIM_BASE] = name,
    TRACE_SIM_LIST(TRACE_NAME)};
#undef TRACE_NAME

const char *trace_kind_name(u32 kind) {
    if (kind > TRACE_NONE && kind < TRACE_KERNEL_COUNT) return kernel_kind_names[kind];
    if (kind >= TRACE_SIM_BASE && kind < TRACE_SIM_END) return sim_kind_names[kind - TRACE_SIM_BASE];
    return "unknown";
}

#define TRACE_VALUE_TEXT_BYTES 24
#define TRACE_SMALL_NEGATIVE_MIN (0ull - 4096u) // -4096..-1: error codes read as such

// Decimal, except values with the top bit set: small negatives (error codes) signed,
// the rest (interrupt causes, addresses, hashes) in hex.
static void format_value(u64 value, char text[TRACE_VALUE_TEXT_BYTES]) {
    if (value < (1ull << 63)) snprintf(text, TRACE_VALUE_TEXT_BYTES, "%" PRIu64, value);
    else if (value >= TRACE_SMALL_NEGATIVE_MIN) snprintf(text, TRACE_VALUE_TEXT_BYTES, "-%" PRIu64, (u64)(0u - value));
    else snprintf(text, TRACE_VALUE_TEXT_BYTES, "0x%" PRIx64, value);
}

void trace_format(const struct trace_event *event, char *line, u32 line_capacity) {
    assert(event != NULL);
    assert(line != NULL);
    assert(line_capacity > 0);
    char a[TRACE_VALUE_TEXT_BYTES];
    char b[TRACE_VALUE_TEXT_BYTES];
    char c[TRACE_VALUE_TEXT_BYTES];
    format_value(event->a, a);
    format_value(event->b, b);
    format_value(event->c, c);
    int written = snprintf(line, line_capacity,
                           "step=%" PRIu64 " t=%" PRIu64 ".%09" PRIu64 " n%" PRIu32 " %s a=%s b=%s c=%s",
                           event->step, event->time_ns / 1000000000u, event->time_ns % 1000000000u,
                           event->node, trace_kind_name(event->kind), a, b, c);
    assert(written > 0);
}

void trace_record(struct trace *t, const struct trace_event *event) {
    assert(t != NULL);
    assert(event != NULL);
    u8 bytes[TRACE_EVENT_HASH_BYTES];
    trace_encode(event, bytes);
    XXH_errorcode status = XXH64_update(&t->hash->state, bytes, sizeof(bytes));
    assert(status == XXH_OK);
    t->ring[t->count % TRACE_RING_EVENTS] = *event;
    t->count++;
    if (t->stream != NULL && !t->stream_failed) {
        if (fwrite(bytes, sizeof(bytes), 1, t->stream) != 1) t->stream_failed = true;
    }
    if (t->file != NULL && !t->file_failed) {
        char line[TRACE_LINE_BYTES_MAX];
        trace_format(event, line, sizeof(line));
        if (fprintf(t->file, "%s\n", line) < 0) t->file_failed = true;
    }
    if (t->json != NULL) trace_json_event(t->json, event);
}

u64 trace_hash(const struct trace *t) {
    assert(t != NULL);
    return XXH64_digest(&t->hash->state);
}

u64 trace_hash_bytes(const void *bytes, u64 count) {
    if (count != 0) assert(bytes != NULL); // an empty buffer may be NULL
    return XXH64(bytes, (size_t)count, 0);
}

u32 trace_recent(const struct trace *t, struct trace_event *events, u32 capacity) {
    assert(t != NULL);
    assert(events != NULL);
    u64 available = t->count < TRACE_RING_EVENTS ? t->count : TRACE_RING_EVENTS;
    u32 n = (u32)(available < capacity ? available : capacity);
    for (u32 i = 0; i < n; i++) events[i] = t->ring[(t->count - n + i) % TRACE_RING_EVENTS];
    assert(n <= capacity);
    return n;
}
