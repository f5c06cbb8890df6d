// Strict parsers for the values the CLI and scenario files accept. Each returns
// false (never a partial value) for anything that is not exactly well formed.
#pragma once

#include "kernel/kernel.h"
#include "kernel/lib/types.h"

// Decimal digits only, or 0x followed by hex digits; no sign, no spaces, no overflow.
bool parse_u64(const char *text, u64 *value);
// A number followed by a unit: ns, us, ms, s, m, h (e.g. 10s, 500ms).
bool parse_duration_ns(const char *text, u64 *value_ns);
// error | warn | info | debug | trace
bool parse_log_level(const char *text, enum log_level *level);
const char *log_level_name(enum log_level level);
// A..B: two parse_u64 seeds with A <= B.
bool parse_seed_range(const char *text, u64 *first, u64 *last);
