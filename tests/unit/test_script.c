// proc_script_args on crafted "#!" lines: the interpreter, at most one argument (the
// rest of the line, inner blanks kept, as Linux), the script's path, then the caller's
// argv without its argv[0]; trailing blanks and a '\r' cut; a file without '\n' is one
// line. Bad lines (no absolute interpreter, a NUL, over ABI_INTERPRETER_LINE_LEN_MAX)
// are -E_NOEXEC; an argv that would outgrow ABI_ARGV_COUNT_MAX is -E_2BIG.
#include <string.h>

#include "kernel/lib/cpio.h"
#include "kernel/proc/internal.h"
#include "kernel/proc/proc.h"
#include "tests/unit/unit.h"

#define LONG_LINE_BYTES (ABI_INTERPRETER_LINE_LEN_MAX + 4)

static struct spawn_args out;
static char interpreter[ABI_PATH_LEN_MAX];

static i64 parse(const char *text, u64 size_bytes, u32 argc) {
    struct cpio_file file = {.data = (const u8 *)text, .size_bytes = size_bytes, .mode = 0755};
    static struct spawn_args args;
    args.count = argc;
    for (u32 i = 0; i < argc && i < ABI_ARGV_COUNT_MAX; i++) snprintf(args.strings[i], ABI_ARG_LEN_MAX, "a%u", i);
    memset(&out, 0, sizeof out);
    return proc_script_args(&file, "/s", &args, interpreter, &out);
}

static i64 parse_text(const char *text, u32 argc) { return parse(text, strlen(text), argc); }

static int argv_is(const char *const *expected, u32 count) {
    if (out.count != count) return 0;
    for (u32 i = 0; i < count; i++) {
        if (strcmp(out.strings[i], expected[i]) != 0) return 0;
    }
    return 1;
}

static void good_lines(void) {
    static const char *const plain[] = {"/bin/sh", "/s", "a1", "a2"};
    UNIT_CHECK("#!/bin/sh: interpreter, script, argv[1..]",
               parse_text("#!/bin/sh\necho\n", 3) == 0 && argv_is(plain, 4) && strcmp(interpreter, "/bin/sh") == 0);
    static const char *const spaced[] = {"/bin/x", "-a  b", "/s"};
    UNIT_CHECK("one argument: the rest of the line, inner blanks kept",
               parse_text("#! /bin/x \t-a  b \r\nrest", 1) == 0 && argv_is(spaced, 3));
    static const char *const bare[] = {"/bin/sh", "/s"};
    UNIT_CHECK("no newline: the whole file is the line", parse_text("#!/bin/sh", 1) == 0 && argv_is(bare, 2));
    UNIT_CHECK("argv[0] of the caller is replaced, not kept", parse_text("#!/bin/sh\n", 0) == 0 && argv_is(bare, 2));
    UNIT_CHECK("proc_is_script: #! only", proc_is_script(&(struct cpio_file){.data = (const u8 *)"#!", .size_bytes = 2}) &&
                                              !proc_is_script(&(struct cpio_file){.data = (const u8 *)"#", .size_bytes = 1}));
}

static void bad_lines(void) {
    UNIT_CHECK("#! alone: E_NOEXEC", parse_text("#!\n", 1) == -E_NOEXEC);
    UNIT_CHECK("blanks only: E_NOEXEC", parse_text("#!  \t \n", 1) == -E_NOEXEC);
    UNIT_CHECK("relative interpreter: E_NOEXEC", parse_text("#!sh\n", 1) == -E_NOEXEC);
    UNIT_CHECK("a NUL in the line: E_NOEXEC", parse("#!/bin/sh\0x\n", 12, 1) == -E_NOEXEC);
    char line[LONG_LINE_BYTES + 2];
    memset(line, 'a', sizeof line);
    memcpy(line, "#!/", 3);
    line[ABI_INTERPRETER_LINE_LEN_MAX - 1] = '\n'; // "#!", the path and '\n': exactly the limit
    UNIT_CHECK("a line of exactly the limit passes", parse(line, ABI_INTERPRETER_LINE_LEN_MAX, 1) == 0);
    line[ABI_INTERPRETER_LINE_LEN_MAX - 1] = 'a';
    line[ABI_INTERPRETER_LINE_LEN_MAX] = '\n'; // one byte more
    UNIT_CHECK("a line one byte over the limit: E_NOEXEC", parse(line, ABI_INTERPRETER_LINE_LEN_MAX + 1, 1) == -E_NOEXEC);
    UNIT_CHECK("argv full: interpreter, argument and script do not fit: E_2BIG",
               parse_text("#!/bin/x arg\n", ABI_ARGV_COUNT_MAX) == -E_2BIG);
    UNIT_CHECK("argv exactly full fits", parse_text("#!/bin/x arg\n", ABI_ARGV_COUNT_MAX - 2) == 0 &&
                                             out.count == ABI_ARGV_COUNT_MAX);
}

int main(void) {
    good_lines();
    bad_lines();
    UNIT_EXIT();
}
