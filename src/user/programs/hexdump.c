// hexdump: prints each file's bytes in hex, 16 to a line after the offset:
//   00000000  0f 1e 2d 3c 4b 5a 69 78 87 96 a5 b4 c3 d2 e1 f0
// (so that binary files, such as /var/lib/random-seed, can be compared on a console).
// A file that cannot be opened or read is named on fd 2 with its error; the others
// are still printed, and the exit code is 1.
#include "user/lib/tool.h"

BASIN_PROGRAM("hexdump");

#define HEXDUMP_LINE_BYTES 16u
#define HEXDUMP_CHUNK_BYTES 512u // a multiple of the line: lines never straddle reads
// "00000000 " + " xx" per byte + newline + NUL
#define HEXDUMP_TEXT_BYTES (9u + 3u * HEXDUMP_LINE_BYTES + 2u)

_Static_assert(HEXDUMP_CHUNK_BYTES % HEXDUMP_LINE_BYTES == 0, "whole lines per chunk");

static const char usage[] = "usage: hexdump PATH...\n"
                            "Prints each file's bytes in hex, 16 to a line after the offset.\n";

// 0, or the error of the write.
static i64 hexdump_line(u64 offset, const u8 *bytes, u64 count) {
    static const char digits[] = "0123456789abcdef";
    basin_assert(count > 0);
    basin_assert(count <= HEXDUMP_LINE_BYTES);
    char text[HEXDUMP_TEXT_BYTES];
    u32 at = 0;
    for (u32 shift = 32; shift > 0; shift -= 4) text[at++] = digits[(offset >> (shift - 4)) & 15];
    text[at++] = ' ';
    for (u64 i = 0; i < count; i++) {
        text[at++] = ' ';
        text[at++] = digits[bytes[i] >> 4];
        text[at++] = digits[bytes[i] & 15];
    }
    text[at++] = '\n';
    basin_assert(at < sizeof(text));
    i64 wrote = tool_write_all(BASIN_FD_STDOUT, text, at);
    return wrote < 0 ? wrote : 0;
}

// Returns true if the whole file was printed.
static bool hexdump_one(const char *path) {
    basin_assert(path != NULL);
    i64 fd = sys_open(path, ABI_O_RDONLY, 0);
    if (fd < 0) {
        tool_complain(path, fd);
        return false;
    }
    bool ok = true;
    u8 bytes[HEXDUMP_CHUNK_BYTES];
    for (u64 offset = 0; ok;) {
        i64 got = sys_read(fd, bytes, sizeof(bytes));
        if (got == 0) break;
        if (got < 0) {
            tool_complain(path, got);
            ok = false;
            break;
        }
        basin_assert((u64)got <= sizeof(bytes));
        for (u64 at = 0; at < (u64)got && ok; at += HEXDUMP_LINE_BYTES) {
            u64 count = (u64)got - at < HEXDUMP_LINE_BYTES ? (u64)got - at : HEXDUMP_LINE_BYTES;
            i64 wrote = hexdump_line(offset + at, bytes + at, count);
            if (wrote < 0) {
                tool_complain_step(path, "write to standard output", wrote);
                ok = false;
            }
        }
        offset += (u64)got;
    }
    i64 closed = sys_close(fd);
    if (closed < 0) {
        tool_complain_step(path, "close", closed);
        ok = false;
    }
    return ok;
}

int main(int argc, char **argv) {
    int first = 0;
    tool_options(argc, argv, "", usage, &first);
    if (first >= argc) tool_usage_error(usage, "missing PATH");
    bool ok = true;
    for (int i = first; i < argc; i++) ok = hexdump_one(argv[i]) && ok;
    return ok ? TOOL_EXIT_OK : TOOL_EXIT_FAILED;
}
