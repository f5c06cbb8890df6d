// write: stands in for `echo TEXT > PATH` until the shell exists. Creates PATH (mode
// 0644) or truncates it, writes the words joined by single spaces and a newline, and
// fsyncs before it exits, so exit code 0 means the text is durable. -a appends instead
// of truncating. Prints nothing on success.
#include <string.h>

#include "user/lib/tool.h"

BASIN_PROGRAM("write");

#define WRITE_MODE 0644u
// Every word and its separator: argv cannot hold more.
#define WRITE_TEXT_BYTES_MAX (ABI_ARGV_COUNT_MAX * (ABI_ARG_LEN_MAX + 1u))

static const char usage[] = "usage: write [-a] PATH [TEXT...]\n"
                            "Writes TEXT (words joined by spaces) and a newline to PATH,\n"
                            "then fsyncs it.\n"
                            "  -a  append to PATH instead of replacing its contents\n";

// The words joined by spaces, and a newline. Returns the length.
static u64 text_join(char *text, u64 capacity, int count, char **words) {
    u64 length = 0;
    for (int i = 0; i < count; i++) {
        u64 word_length = strlen(words[i]);
        basin_assert(length + word_length + 2 <= capacity); // argv limits guarantee it
        if (i > 0) text[length++] = ' ';
        memcpy(text + length, words[i], word_length);
        length += word_length;
    }
    text[length++] = '\n';
    basin_assert(length <= capacity);
    return length;
}

static int write_file(const char *path, bool append, const char *text, u64 length) {
    u64 flags = ABI_O_WRONLY | ABI_O_CREAT | (append ? ABI_O_APPEND : ABI_O_TRUNC);
    i64 fd = sys_open(path, flags, WRITE_MODE);
    if (fd < 0) {
        tool_complain(path, fd);
        return TOOL_EXIT_FAILED;
    }
    i64 wrote = tool_write_all(fd, text, length);
    if (wrote < 0) tool_complain_step(path, "write", wrote);
    // No fsync after a failed write: that data is not to be trusted or retried.
    i64 synced = wrote < 0 ? wrote : sys_fsync(fd);
    if (wrote >= 0 && synced < 0) tool_complain_step(path, "fsync", synced);
    i64 closed = sys_close(fd);
    if (closed < 0) tool_complain_step(path, "close", closed);
    return wrote < 0 || synced < 0 || closed < 0 ? TOOL_EXIT_FAILED : TOOL_EXIT_OK;
}

int main(int argc, char **argv) {
    int first = 0;
    u32 flags = tool_options(argc, argv, "a", usage, &first);
    if (first >= argc) tool_usage_error(usage, "missing PATH");
    char text[WRITE_TEXT_BYTES_MAX + 1];
    u64 length = text_join(text, sizeof(text), argc - first - 1, argv + first + 1);
    return write_file(argv[first], tool_flag(flags, 'a'), text, length);
}
