// sh: a small command shell. Reads lines from the console (or runs `-c LINE`),
// splits them at ';' into commands and at spaces into words, and runs each command:
// the built-ins cd, pwd and exit, or a program (a path, or a name in /bin) as the
// current user, waiting for it. `$?` is the last exit status.
//
// Output redirection, at most one per command, anywhere in it: `> FILE` (or `>FILE`)
// creates or truncates FILE, `>> FILE` (or `>>FILE`) appends, creating it if needed;
// a new file gets mode 0644 and belongs to the user running sh. The operator must
// start a word (`a>b` is one word). Built-ins write there too; `> FILE` alone just
// creates or truncates it. A missing file name is "sh: syntax error", status 2; a
// file that cannot be opened is named with the error, status 1, and the command does
// not run. How: sh keeps its own fd 1 on SH_SAVED_STDOUT_FD, points fd 1 at the file
// (children get copies of fds 0..2 at spawn), and puts fd 1 back after the command.
// The file is opened O_APPEND for > as well (after truncating it): descriptors keep
// their offsets apart in this kernel (see syscall_fd.c), so appending is what makes
// every writer through a copy (a nested sh's commands, say) add to the end in order.
// Closing fd 1 commits the file; an error there makes the status 1 if it was 0.
//
// `sh FILE [ARG...]` runs a script: each line of FILE as a typed line, lines starting
// with '#' skipped (so a "#!/bin/sh" first line too), `$0` the file and `$1`..`$9` the
// arguments as whole words (an unset one is an empty word: dropped). `exit` ends the
// script; its status is the last command's. FILE is at most SH_SCRIPT_BYTES bytes.
//
// Not yet: quoting, pipes, input redirection (<) and redirecting fd 2.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/lib/tool.h"
#include "user/lib/users.h"

BASIN_PROGRAM("sh");

#define SH_LINE_BYTES 256
#define SH_WORDS_MAX ABI_ARGV_COUNT_MAX
#define SH_POLL_NS 10000000ull
#define SH_REDIRECT_MODE 0644u
#define SH_SAVED_STDOUT_FD (ABI_FDS_MIN - 1) // high (open() hands out the lowest free fd), yet always allowed
#define SH_STATUS_SYNTAX 2
#define SH_STATUS_NOT_FOUND 127
#define SH_SCRIPT_BYTES 4096

static i64 last_status;
// `sh FILE ARG...`: $0 is FILE, $1.. the arguments; none when interactive or -c.
static char **script_argv;
static u32 script_argc;

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
    if (status.cause == ABI_EXIT_NORMAL) return status.exit_code;
    // 128 + the signal, as POSIX shells report a child killed by one.
    return status.cause == ABI_EXIT_SIGNALED ? 128 + status.exit_code : 128 + status.cause;
}

struct redirect {
    const char *path; // NULL: none
    bool append;      // >> rather than >
};

// Takes the redirection out of words (and *count). False on a syntax error: an
// operator without a file name, or a second redirection.
static bool redirect_parse(char **words, u32 *count, struct redirect *out) {
    u32 kept = 0;
    out->path = NULL;
    out->append = false;
    for (u32 i = 0; i < *count; i++) {
        char *word = words[i];
        if (word[0] != '>') { words[kept++] = word; continue; }
        if (out->path != NULL) return false;
        out->append = word[1] == '>';
        const char *path = word + (out->append ? 2 : 1);
        if (*path == '\0') path = i + 1 < *count ? words[++i] : "";
        if (*path == '\0' || *path == '>') return false;
        out->path = path;
    }
    words[kept] = NULL;
    *count = kept;
    return true;
}

// Puts the shell's own fd 1 back from SH_SAVED_STDOUT_FD. dup2 fails (-E_BADF) when
// there is nothing saved: the shell had no fd 1 before, and has none now.
static void stdout_restore(void) {
    i64 restored = sys_dup2(SH_SAVED_STDOUT_FD, BASIN_FD_STDOUT);
    i64 dropped = restored >= 0 ? sys_close(SH_SAVED_STDOUT_FD) : 0;
    if (dropped < 0) tool_complain("close", dropped);
}

// Points fd 1 at the redirection's file, keeping the shell's own fd 1 on
// SH_SAVED_STDOUT_FD. 0, or -error (reported; fd 1 as it was).
static i64 redirect_begin(const struct redirect *redirect) {
    i64 saved = sys_dup2(BASIN_FD_STDOUT, SH_SAVED_STDOUT_FD);
    if (saved < 0 && saved != -E_BADF) { tool_complain("dup2", saved); return saved; }
    u64 flags = ABI_O_WRONLY | ABI_O_CREAT | ABI_O_APPEND | (redirect->append ? 0 : ABI_O_TRUNC);
    i64 fd = sys_open(redirect->path, flags, SH_REDIRECT_MODE);
    i64 result = fd < 0 ? fd : sys_dup2(fd, BASIN_FD_STDOUT);
    // Not the last descriptor of the file (fd 1 has it too), so this close commits nothing.
    if (fd >= 0 && fd != BASIN_FD_STDOUT) {
        i64 closed = sys_close(fd);
        if (result >= 0 && closed < 0) result = closed;
    }
    if (result >= 0) return 0;
    tool_complain(redirect->path, result);
    stdout_restore();
    return result;
}

// Closes the file on fd 1, which commits it (the last descriptor: the command has
// ended), and puts the shell's own fd 1 back. 0, or the commit's -error (reported).
static i64 redirect_end(const struct redirect *redirect) {
    i64 closed = sys_close(BASIN_FD_STDOUT);
    if (closed < 0) tool_complain(redirect->path, closed);
    stdout_restore();
    return closed;
}

// A built-in or a program, its redirection already in place. True: the shell exits.
static bool run_simple(char **words, u32 count) {
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
        if (result >= 0) result = tool_print(BASIN_FD_STDOUT, "%s\n", cwd);
        if (result < 0) tool_complain("pwd", result);
        last_status = result < 0 ? 1 : 0;
    } else {
        last_status = run_program(words);
    }
    return false;
}

// One command, already split. Returns true when the shell must exit.
// $? and a script's $0..$9, each only as a whole word; an unset parameter is dropped.
static u32 expand_words(char **words, u32 count) {
    static char status_text[24];
    u32 kept = 0;
    for (u32 i = 0; i < count; i++) {
        char *word = words[i];
        if (strcmp(word, "$?") == 0) {
            snprintf(status_text, sizeof status_text, "%ld", (long)last_status);
            word = status_text;
        } else if (word[0] == '$' && word[1] >= '0' && word[1] <= '9' && word[2] == '\0') {
            u32 index = (u32)(word[1] - '0');
            if (index >= script_argc) continue;
            word = script_argv[index];
        }
        words[kept++] = word;
    }
    words[kept] = NULL;
    return kept;
}

static bool run_command(char **words, u32 count) {
    count = expand_words(words, count);
    if (count == 0) { last_status = 0; return false; }
    struct redirect redirect;
    if (!redirect_parse(words, &count, &redirect)) {
        tool_print(BASIN_FD_STDERR, "sh: syntax error: > and >> need one file name\n");
        last_status = SH_STATUS_SYNTAX;
        return false;
    }
    if (redirect.path == NULL) return run_simple(words, count);
    if (redirect_begin(&redirect) < 0) { last_status = 1; return false; }
    if (count == 0) last_status = 0; // `> FILE` alone: creating the file is the whole command
    bool exit_now = count > 0 && run_simple(words, count);
    if (redirect_end(&redirect) < 0 && last_status == 0) last_status = 1;
    return exit_now;
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

// `sh FILE ARG...`: reads FILE whole, then runs it line by line.
static i64 run_script(char **argv, u32 argc) {
    static char text[SH_SCRIPT_BYTES + 1];
    i64 fd = sys_open(argv[0], ABI_O_RDONLY, 0);
    if (fd < 0) { tool_complain(argv[0], fd); return SH_STATUS_NOT_FOUND; }
    u64 length = 0;
    for (;;) {
        i64 got = sys_read(fd, text + length, SH_SCRIPT_BYTES - length);
        if (got < 0) { tool_complain(argv[0], got); (void)sys_close(fd); return 1; }
        if (got == 0 || length + (u64)got == SH_SCRIPT_BYTES) { length += (u64)got; break; }
        length += (u64)got;
    }
    char probe = 0;
    bool longer = length == SH_SCRIPT_BYTES && sys_read(fd, &probe, 1) > 0;
    (void)sys_close(fd);
    if (longer) { tool_print(BASIN_FD_STDERR, "sh: %s: script over %u bytes\n", argv[0], SH_SCRIPT_BYTES); return 1; }
    text[length] = '\0';
    script_argv = argv;
    script_argc = argc < 10 ? argc : 10;
    for (char *line = text; line != NULL;) {
        char *next = strchr(line, '\n');
        if (next != NULL) *next++ = '\0';
        if (line[0] != '#' && run_line(line)) break;
        line = next;
    }
    return last_status;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "-c") != 0) return (int)run_script(argv + 1, (u32)(argc - 1));
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
