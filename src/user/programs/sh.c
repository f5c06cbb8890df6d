// sh: a small command shell. Reads lines from the console (or runs `-c LINE`),
// splits them at ';' into commands and at spaces into words, and runs each command:
// the built-ins cd, pwd and exit, or a program (a path, or a name in /bin) as the
// current user, waiting for it. `$?` is the last exit status. Not yet: quoting,
// pipes, and redirection (> and >> need descriptors a child inherits, which spawn
// does not give yet).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"
#include "users.h"

BASIN_PROGRAM("sh");

#define SH_LINE_BYTES 256
#define SH_WORDS_MAX ABI_ARGV_COUNT_MAX
#define SH_POLL_NS 10000000ull

static i64 last_status;

static void home_of_user(char *out, u64 capacity) {
    u32 euid = (u32)sys_geteuid();
    if (euid == ABI_UID_ROOT) { snprintf(out, capacity, "/root"); return; }
    char name[USERS_NAME_LEN_MAX];
    if (users_name_of_uid(euid, name, sizeof name)) snprintf(out, capacity, "/home/%s", name);
    else snprintf(out, capacity, "/");
}

static i64 run_program(char **words) {
    char path[TOOL_PATH_BYTES];
    if (strchr(words[0], '/') == NULL) snprintf(path, sizeof path, "/bin/%s", words[0]);
    else if (words[0][0] == '/') snprintf(path, sizeof path, "%s", words[0]);
    else {
        char cwd[TOOL_PATH_BYTES];
        if (sys_getcwd(cwd, sizeof cwd) < 0 || tool_path_join(path, sizeof path, cwd, words[0]) < 0) return 127;
    }
    i64 pid = sys_spawn(path, (const char *const *)words, (u64)sys_geteuid());
    if (pid < 0) { tool_complain(words[0], pid); return pid == -E_NOENT ? 127 : 126; }
    struct abi_wait_status status;
    i64 reaped = sys_wait(pid, &status, 0);
    if (reaped != pid) { tool_complain("wait", reaped); return 1; }
    return status.cause == ABI_EXIT_NORMAL ? status.exit_code : 128 + status.cause;
}

// One command, already split. Returns true when the shell must exit.
static bool run_command(char **words, u32 count) {
    static char status_text[24];
    for (u32 i = 0; i < count; i++) {
        if (strcmp(words[i], "$?") == 0) {
            snprintf(status_text, sizeof status_text, "%ld", (long)last_status);
            words[i] = status_text;
        } else if (words[i][0] == '>') {
            tool_print(BASIN_FD_STDERR, "sh: redirection is not supported yet\n");
            last_status = 2;
            return false;
        }
    }
    if (strcmp(words[0], "exit") == 0) {
        if (count > 1) last_status = (i64)strtol(words[1], NULL, 10);
        return true;
    }
    if (strcmp(words[0], "cd") == 0) {
        char home[TOOL_PATH_BYTES];
        home_of_user(home, sizeof home);
        i64 result = sys_chdir(count > 1 ? words[1] : home);
        if (result < 0) tool_complain(count > 1 ? words[1] : home, result);
        last_status = result < 0 ? 1 : 0;
    } else if (strcmp(words[0], "pwd") == 0) {
        char cwd[TOOL_PATH_BYTES];
        i64 result = sys_getcwd(cwd, sizeof cwd);
        if (result >= 0) tool_print(BASIN_FD_STDOUT, "%s\n", cwd);
        last_status = result < 0 ? 1 : 0;
    } else {
        last_status = run_program(words);
    }
    return false;
}

// Runs every ';'-separated command of line. Returns true when the shell must exit.
static bool run_line(char *line) {
    char *command = line;
    while (command != NULL) {
        char *next = strchr(command, ';');
        if (next != NULL) *next++ = '\0';
        char *words[SH_WORDS_MAX + 1];
        u32 count = 0;
        for (char *word = strtok(command, " \t"); word != NULL; word = strtok(NULL, " \t")) {
            if (count == SH_WORDS_MAX) { tool_print(BASIN_FD_STDERR, "sh: too many words\n"); return false; }
            words[count++] = word;
        }
        words[count] = NULL;
        if (count > 0 && run_command(words, count)) return true;
        command = next;
    }
    return false;
}

// One line from the console; false at its end.
static bool read_line(char *out, u64 capacity) {
    u64 length = 0;
    for (;;) {
        char c = 0;
        i64 got = sys_read(0, &c, 1);
        if (got == -E_AGAIN) { sys_sleep_until(monotonic_ns() + SH_POLL_NS); continue; }
        if (got <= 0) return false;
        if (c == '\n' || c == '\r') break;
        if (length + 1 < capacity) out[length++] = c;
    }
    out[length] = '\0';
    return true;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "-c") == 0) {
        char line[SH_LINE_BYTES];
        snprintf(line, sizeof line, "%s", argv[2]);
        run_line(line);
        return (int)last_status;
    }
    for (;;) {
        char cwd[TOOL_PATH_BYTES] = "?";
        sys_getcwd(cwd, sizeof cwd);
        tool_print(BASIN_FD_STDOUT, "%s %s ", cwd, sys_geteuid() == ABI_UID_ROOT ? "#" : "$");
        char line[SH_LINE_BYTES];
        if (!read_line(line, sizeof line) || run_line(line)) break;
    }
    return (int)last_status;
}
