// Trace hashing: the exact byte encoding of an event (fixed order, little endian,
// no padding), the running XXH64 over it, the ring and the text form.
#include <stdio.h>
#include <string.h>
#include <xxhash.h> // declarations only (linked with -lxxhash); pulls in no assert.h

#include "sim/trace.h"

static u32 failures;

static void check(bool ok, const char *name, const char *reason) {
    if (ok) {
        printf("ok %s\n", name);
    } else {
        printf("not ok %s - %s\n", name, reason);
        failures++;
    }
}

static const struct trace_event sample = {.node = 0x01020304u, .kind = 0x05060708u,
                                          .step = 0x1112131415161718ull,
                                          .time_ns = 0x2122232425262728ull,
                                          .a = 0x3132333435363738ull,
                                          .b = 0x4142434445464748ull,
                                          .c = 0x5152535455565758ull};

static void test_encoding(void) {
    static const u8 expected[TRACE_EVENT_HASH_BYTES] = {
        0x04, 0x03, 0x02, 0x01,                         // node
        0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11, // step
        0x28, 0x27, 0x26, 0x25, 0x24, 0x23, 0x22, 0x21, // time
        0x08, 0x07, 0x06, 0x05,                         // kind
        0x38, 0x37, 0x36, 0x35, 0x34, 0x33, 0x32, 0x31, // a
        0x48, 0x47, 0x46, 0x45, 0x44, 0x43, 0x42, 0x41, // b
        0x58, 0x57, 0x56, 0x55, 0x54, 0x53, 0x52, 0x51, // c
    };
    u8 bytes[TRACE_EVENT_HASH_BYTES];
    memset(bytes, 0xee, sizeof(bytes));
    trace_encode(&sample, bytes);
    check(memcmp(bytes, expected, sizeof(bytes)) == 0, "trace_encode_byte_order",
          "encoding is not node,step,time,kind,a,b,c little endian");
}

static void test_hash(void) {
    struct trace t;
    check(trace_init(&t, NULL), "trace_init", "allocation failed");
    u8 stream[3 * TRACE_EVENT_HASH_BYTES];
    for (u32 i = 0; i < 3; i++) {
        struct trace_event event = sample;
        event.step += i;
        event.a = i;
        trace_record(&t, &event);
        trace_encode(&event, stream + i * TRACE_EVENT_HASH_BYTES);
    }
    check(trace_hash(&t) == XXH64(stream, sizeof(stream), 0), "trace_hash_is_xxh64_of_events",
          "running hash differs from XXH64 of the concatenated encodings");
    // Golden value, computed by an independent byte-by-byte encoder: the same events
    // must give this hash on every host, compiler and optimisation level.
    char text[64];
    snprintf(text, sizeof(text), "got %016llx", (unsigned long long)trace_hash(&t));
    check(trace_hash(&t) == 0xb0e04c319cfcd26aull, "trace_hash_golden", text);

    struct trace other;
    check(trace_init(&other, NULL), "trace_init_second", "allocation failed");
    struct trace_event changed = sample;
    changed.c ^= 1u; // one bit of one field
    trace_record(&other, &changed);
    struct trace reference;
    check(trace_init(&reference, NULL), "trace_init_third", "allocation failed");
    trace_record(&reference, &sample);
    check(trace_hash(&other) != trace_hash(&reference), "trace_hash_sees_every_field",
          "flipping a bit of c did not change the hash");
    trace_deinit(&t);
    trace_deinit(&other);
    trace_deinit(&reference);
}

static void test_ring_and_text(void) {
    struct trace t;
    check(trace_init(&t, NULL), "trace_init_ring", "allocation failed");
    for (u64 i = 0; i < 100; i++) {
        struct trace_event event = {.node = 0, .kind = TRACE_SYSCALL, .step = i, .a = i};
        trace_record(&t, &event);
    }
    struct trace_event recent[TRACE_RING_EVENTS + 8];
    u32 count = trace_recent(&t, recent, ARRAY_COUNT(recent));
    bool ordered = count == TRACE_RING_EVENTS;
    for (u32 i = 0; i < count && ordered; i++) ordered = recent[i].step == 100 - TRACE_RING_EVENTS + i;
    check(ordered, "trace_ring_keeps_last_events_in_order", "ring content or order wrong");
    check(trace_recent(&t, recent, 5) == 5 && recent[4].step == 99, "trace_recent_capacity",
          "a smaller capacity does not give the newest events");

    char line[TRACE_LINE_BYTES_MAX];
    struct trace_event event = {.node = 2, .kind = TRACE_CLOCK_READ, .step = 7,
                                .time_ns = 1500000001ull, .a = 3, .b = 1, .c = 42};
    trace_format(&event, line, sizeof(line));
    check(strcmp(line, "step=7 t=1.500000001 n2 clock_read a=3 b=1 c=42") == 0,
          "trace_format_kernel_kind", line);
    event.kind = TRACE_TRAP;
    event.b = 0x8000000000000005ull;
    event.c = 0ull - 22u;
    trace_format(&event, line, sizeof(line));
    check(strstr(line, " trap a=3 b=0x8000000000000005 c=-22") != NULL, "trace_format_wide_values",
          line);
    event.kind = TRACE_SIM_FAULT;
    trace_format(&event, line, sizeof(line));
    check(strstr(line, " sim_fault ") != NULL, "trace_format_sim_kind", line);
    check(strcmp(trace_kind_name(9999), "unknown") == 0, "trace_kind_unknown", "bad kind named");
    trace_deinit(&t);
}

static void test_file_output(void) {
    FILE *file = tmpfile();
    check(file != NULL, "trace_file_tmpfile", "tmpfile failed");
    if (file == NULL) return;
    struct trace t;
    check(trace_init(&t, file), "trace_init_file", "allocation failed");
    struct trace_event event = {.node = 0, .kind = TRACE_BOOT, .step = 1, .a = 4096, .b = 16};
    trace_record(&t, &event);
    trace_record(&t, &event);
    rewind(file);
    char line[TRACE_LINE_BYTES_MAX];
    u32 lines = 0;
    bool first_ok = false;
    while (fgets(line, sizeof(line), file) != NULL) {
        if (lines == 0) first_ok = strcmp(line, "step=1 t=0.000000000 n0 boot a=4096 b=16 c=0\n") == 0;
        lines++;
    }
    check(lines == 2 && first_ok && !t.file_failed, "trace_file_one_line_per_event",
          "--trace output is not one text line per event");
    trace_deinit(&t);
    fclose(file);
}

int main(void) {
    test_encoding();
    test_hash();
    test_ring_and_text();
    test_file_output();
    return failures == 0 ? 0 : 1;
}
