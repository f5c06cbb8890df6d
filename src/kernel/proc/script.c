// "#!" interpreter lines (spawn): a script names the program that runs it, as on
// Linux: "#!INTERPRETER [ONE ARGUMENT]\n", the argument being the rest of the line.
#include "kernel/lib/cpio.h"
#include "kernel/lib/mem.h"
#include "kernel/proc/internal.h"
#include "kernel/proc/proc.h"

#define SCRIPT_MAGIC_BYTES 2

static bool script_blank(char c) { return c == ' ' || c == '\t'; }

// The first line without "#!" and '\n', trailing blanks cut: its length, or -E_NOEXEC
// when it is longer than ABI_INTERPRETER_LINE_LEN_MAX or holds a NUL byte.
static i64 script_line(const struct cpio_file *file, char line[ABI_INTERPRETER_LINE_LEN_MAX]) {
    assert(file->size_bytes >= SCRIPT_MAGIC_BYTES);
    u64 length = 0;
    for (u64 i = SCRIPT_MAGIC_BYTES; i < file->size_bytes && file->data[i] != '\n'; i++) {
        if (file->data[i] == '\0') return -E_NOEXEC;
        // "#!" and '\n' count in the limit, as Linux's BINPRM_BUF_SIZE counts them.
        if (length + SCRIPT_MAGIC_BYTES + 1 >= ABI_INTERPRETER_LINE_LEN_MAX) return -E_NOEXEC;
        line[length++] = (char)file->data[i];
    }
    while (length > 0 && (script_blank(line[length - 1]) || line[length - 1] == '\r')) length--;
    line[length] = '\0';
    assert(length < ABI_INTERPRETER_LINE_LEN_MAX);
    return (i64)length;
}

// Appends one string to out's argv: -E_2BIG when argv or the string is too long.
static i64 script_push(struct spawn_args *out, const char *text) {
    if (out->count >= ABI_ARGV_COUNT_MAX) return -E_2BIG;
    if (!str_copy(out->strings[out->count], ABI_ARG_LEN_MAX, text)) return -E_2BIG;
    out->count++;
    return 0;
}

bool proc_is_script(const struct cpio_file *file) {
    assert(file != NULL);
    return file->size_bytes >= SCRIPT_MAGIC_BYTES && file->data[0] == '#' && file->data[1] == '!';
}

i64 proc_script_args(const struct cpio_file *file, const char *path, const struct spawn_args *args,
                     char interpreter[ABI_PATH_LEN_MAX], struct spawn_args *out) {
    assert(proc_is_script(file));
    assert(args->count <= ABI_ARGV_COUNT_MAX);
    char line[ABI_INTERPRETER_LINE_LEN_MAX];
    i64 length = script_line(file, line);
    if (length < 0) return length;
    char *name = line;
    while (script_blank(*name)) name++;
    char *end = name;
    while (*end != '\0' && !script_blank(*end)) end++;
    char *argument = end;
    if (*end != '\0') *argument++ = '\0';
    while (script_blank(*argument)) argument++;
    // Absolute only: spawn has no PATH search, and a relative name would depend on the cwd.
    if (name[0] != '/') return -E_NOEXEC;
    if (!str_copy(interpreter, ABI_PATH_LEN_MAX, name)) return -E_NOEXEC;
    out->count = 0;
    i64 pushed = script_push(out, name);
    if (pushed == 0 && *argument != '\0') pushed = script_push(out, argument);
    if (pushed == 0) pushed = script_push(out, path);
    for (u32 i = 1; pushed == 0 && i < args->count; i++) pushed = script_push(out, args->strings[i]);
    return pushed;
}
