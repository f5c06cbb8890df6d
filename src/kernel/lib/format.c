#include "kernel/lib/format.h"

#define FORMAT_DIGITS_MAX 24 // u64 in decimal needs 20

struct format_out {
    char *buffer;
    u64 capacity;
    u64 length;
};

static void out_char(struct format_out *out, char c) {
    assert(out->capacity > 0);
    if (out->length + 1 < out->capacity) out->buffer[out->length] = c;
    out->length++;
}

static void out_string(struct format_out *out, const char *s) {
    if (s == NULL) s = "(null)";
    for (u64 i = 0; s[i] != '\0'; i++) out_char(out, s[i]);
}

static void out_number(struct format_out *out, u64 magnitude, bool negative, u32 base,
                       u32 width, bool zero_pad) {
    bool base_known = base == 10 || base == 16; // decimal and hexadecimal only
    assert(base_known);
    char digits[FORMAT_DIGITS_MAX];
    u32 count = 0;
    do {
        u32 digit = (u32)(magnitude % base);
        digits[count++] = (char)(digit < 10 ? '0' + digit : 'a' + digit - 10);
        magnitude /= base;
    } while (magnitude != 0 && count < FORMAT_DIGITS_MAX);
    u32 total = count + (negative ? 1 : 0);
    if (negative && zero_pad) out_char(out, '-');
    for (u32 pad = total; pad < width; pad++) out_char(out, zero_pad ? '0' : ' ');
    if (negative && !zero_pad) out_char(out, '-');
    while (count > 0) out_char(out, digits[--count]);
}

// Reads one conversion's argument according to its length modifier.
static u64 take_unsigned(va_list *args, u32 longs) {
    if (longs >= 2) return va_arg(*args, unsigned long long);
    if (longs == 1) return va_arg(*args, unsigned long);
    return va_arg(*args, unsigned int);
}

static i64 take_signed(va_list *args, u32 longs) {
    if (longs >= 2) return va_arg(*args, long long);
    if (longs == 1) return va_arg(*args, long);
    return va_arg(*args, int);
}

static void out_signed(struct format_out *out, i64 value, u32 width, bool zero_pad) {
    // Negate in unsigned arithmetic so INT64_MIN does not overflow.
    u64 magnitude = value < 0 ? (u64)0 - (u64)value : (u64)value;
    out_number(out, magnitude, value < 0, 10, width, zero_pad);
}

u64 format_v(char *buffer, u64 capacity, const char *fmt, va_list args_in) {
    assert(buffer != NULL);
    assert(fmt != NULL);
    assert(capacity > 0);
    struct format_out out = {.buffer = buffer, .capacity = capacity, .length = 0};
    va_list args;
    va_copy(args, args_in);
    for (u64 i = 0; fmt[i] != '\0'; i++) {
        if (fmt[i] != '%') { out_char(&out, fmt[i]); continue; }
        i++;
        bool zero_pad = fmt[i] == '0';
        if (zero_pad) i++;
        u32 width = 0;
        while (fmt[i] >= '0' && fmt[i] <= '9') width = width * 10 + (u32)(fmt[i++] - '0');
        u32 longs = 0;
        while (fmt[i] == 'l') { longs++; i++; }
        switch (fmt[i]) {
        case 'd': case 'i': out_signed(&out, take_signed(&args, longs), width, zero_pad); break;
        case 'u': out_number(&out, take_unsigned(&args, longs), false, 10, width, zero_pad); break;
        case 'x': out_number(&out, take_unsigned(&args, longs), false, 16, width, zero_pad); break;
        case 'p':
            out_string(&out, "0x");
            out_number(&out, (u64)(uintptr_t)va_arg(args, void *), false, 16, width, zero_pad);
            break;
        case 's': out_string(&out, va_arg(args, const char *)); break;
        case 'c': out_char(&out, (char)va_arg(args, int)); break;
        case '%': out_char(&out, '%'); break;
        case '\0': i--; break; // a lone '%' at the end prints nothing
        default: out_char(&out, '%'); out_char(&out, fmt[i]); break;
        }
    }
    va_end(args);
    u64 end = out.length < capacity ? out.length : capacity - 1;
    buffer[end] = '\0';
    return end;
}

u64 format(char *buffer, u64 capacity, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    u64 length = format_v(buffer, capacity, fmt, args);
    va_end(args);
    return length;
}
