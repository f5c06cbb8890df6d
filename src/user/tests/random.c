// random: two getrandom reads of 32 bytes. The bytes print with "~"; that the reads
// succeed and differ is the deterministic verdict.
#include <string.h>

#include "user/lib/basin.h"

BASIN_PROGRAM("random");

#define RANDOM_BYTES 32u

static bool read_random(u8 *bytes) {
    i64 result = sys_getrandom(bytes, RANDOM_BYTES, 0);
    if (result != RANDOM_BYTES) {
        say("FAIL: getrandom = %ld %s", (long)result, error_name(result));
        return false;
    }
    char hex[RANDOM_BYTES * 2 + 1];
    static const char digits[] = "0123456789abcdef";
    for (u32 i = 0; i < RANDOM_BYTES; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    hex[RANDOM_BYTES * 2] = 0;
    note("%s", hex);
    return true;
}

int main(void) {
    u8 first[RANDOM_BYTES], second[RANDOM_BYTES];
    if (!read_random(first) || !read_random(second)) return 1;
    if (memcmp(first, second, RANDOM_BYTES) == 0) {
        say("FAIL: two reads of %u bytes are equal", RANDOM_BYTES);
        return 1;
    }
    say("two reads of %u bytes differ", RANDOM_BYTES);
    return 0;
}
