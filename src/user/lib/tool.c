// The shared plumbing of the file tools: see tool.h for the output convention.
#include "user/lib/tool.h"

#include <stdio.h>
#include <string.h>

#define TOOL_LETTERS_COUNT 26u

bool tool_flag(u32 flags, char letter) {
    basin_assert(letter >= 'a');
    basin_assert(letter <= 'z');
    return (flags & (1u << (u32)(letter - 'a'))) != 0;
}

static i64 tool_vprint(i64 fd, const char *format, va_list args) {
    char text[TOOL_PRINT_BYTES_MAX];
    int length = vsnprintf(text, sizeof(text), format, args);
    if (length < 0) return -E_INVAL;
    u64 count = (u64)length;
    if (count >= sizeof(text)) {
        // Cut visibly rather than silently.
        count = sizeof(text) - 1;
        memcpy(text + count - 4, "...\n", 4);
    }
    return tool_write_all(fd, text, count);
}

i64 tool_print(i64 fd, const char *format, ...) {
    va_list args;
    va_start(args, format);
    i64 result = tool_vprint(fd, format, args);
    va_end(args);
    return result;
}

_Noreturn void tool_usage_error(const char *usage, const char *format, ...) {
    basin_assert(usage != NULL);
    va_list args;
    va_start(args, format);
    basin_line(BASIN_FD_STDERR, false, format, args);
    va_end(args);
    tool_print(BASIN_FD_STDERR, "%s", usage);
    basin_exit(TOOL_EXIT_USAGE);
}

u32 tool_options(int argc, char **argv, const char *letters, const char *usage, int *first) {
    basin_assert(letters != NULL);
    basin_assert(usage != NULL);
    basin_assert(first != NULL);
    u32 flags = 0;
    int index = 1;
    for (; index < argc; index++) {
        const char *word = argv[index];
        if (strcmp(word, "--help") == 0) {
            tool_print(BASIN_FD_STDOUT, "%s", usage);
            basin_exit(TOOL_EXIT_OK);
        }
        if (strcmp(word, "--") == 0) {
            index++;
            break;
        }
        if (word[0] != '-' || word[1] == 0) break; // an operand ("-" alone is one too)
        for (const char *letter = word + 1; *letter != 0; letter++) {
            bool known = *letter >= 'a' && *letter <= 'z' && strchr(letters, *letter) != NULL;
            if (!known) tool_usage_error(usage, "unknown option %s", word);
            flags |= 1u << (u32)(*letter - 'a');
        }
    }
    basin_assert(flags < (1u << TOOL_LETTERS_COUNT));
    *first = index;
    return flags;
}

__attribute__((format(printf, 1, 2))) static void tool_error_line(const char *format, ...) {
    va_list args;
    va_start(args, format);
    basin_line(BASIN_FD_STDERR, false, format, args);
    va_end(args);
}

void tool_complain(const char *input, i64 error) {
    basin_assert(input != NULL);
    basin_assert(error < 0);
    tool_error_line("%s: %s", input, error_name(error));
}

void tool_complain_step(const char *input, const char *step, i64 error) {
    basin_assert(input != NULL);
    basin_assert(step != NULL);
    basin_assert(error < 0);
    tool_error_line("%s: %s: %s", input, step, error_name(error));
}

i64 tool_write_all(i64 fd, const void *bytes, u64 length) {
    if (length != 0) basin_assert(bytes != NULL); // an empty buffer may be NULL
    const u8 *next = bytes;
    u64 done = 0;
    while (done < length) {
        i64 wrote = sys_write(fd, next + done, length - done);
        if (wrote < 0) return wrote;
        if (wrote == 0) return -E_IO; // no progress and no error: do not spin
        basin_assert((u64)wrote <= length - done);
        done += (u64)wrote;
    }
    return (i64)length;
}

i64 tool_path_join(char *out, u64 capacity, const char *dir, const char *name) {
    basin_assert(out != NULL);
    basin_assert(dir != NULL);
    basin_assert(name != NULL);
    basin_assert(capacity > 0);
    u64 dir_length = strlen(dir), name_length = strlen(name);
    bool slash = dir_length > 0 && dir[dir_length - 1] != '/';
    u64 length = dir_length + (slash ? 1 : 0) + name_length;
    if (length >= capacity || length > ABI_PATH_LEN_MAX) return -E_NAMETOOLONG;
    // memmove: out may be dir itself (appending a component in place).
    memmove(out, dir, dir_length);
    if (slash) out[dir_length] = '/';
    memmove(out + dir_length + (slash ? 1 : 0), name, name_length);
    out[length] = 0;
    return 0;
}

i64 tool_path_last(char *out, u64 capacity, const char *path) {
    basin_assert(out != NULL);
    basin_assert(path != NULL);
    basin_assert(capacity > 0);
    u64 end = strlen(path);
    while (end > 0 && path[end - 1] == '/') end--;
    u64 start = end;
    while (start > 0 && path[start - 1] != '/') start--;
    if (end - start >= capacity) return -E_NAMETOOLONG;
    memcpy(out, path + start, end - start);
    out[end - start] = 0;
    return 0;
}

bool tool_error_is_environmental(i64 error) {
    basin_assert(error < 0);
    return error == -E_IO || error == -E_NOSPC || error == -E_BADMSG || error == -E_ROFS;
}
