// z6ctl: the supervisor's control tool (s6-svstat and s6-svc in one).
//   z6ctl status [NAME]                   every service (or one): state, pid, time in
//                                         state on the monotonic clock, restarts, last
//                                         exit, ready; anyone may read
//   z6ctl start|stop|restart|reset NAME   root or the service's user (else E_PERM)
//   z6ctl log NAME [LINES]                the last LINES (default 10) lines of the
//                                         service's log: its archives (oldest first)
//                                         then current, under /var/log/z6/NAME; anyone
//                                         who may read the files (they are 0644)
//   z6ctl reload                          root: read /etc/z6 again (unchanged services
//                                         keep running, changed running ones restart,
//                                         new ones start, removed ones stop)
// Exit codes: 0 done, 1 refused or failed (no such service, E_PERM), 2 bad usage.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/lib/tool.h"

BASIN_PROGRAM("z6ctl");

static const char usage[] =
    "usage: z6ctl status [NAME]\n"
    "       z6ctl start|stop|restart|reset NAME\n"
    "       z6ctl log NAME [LINES]\n"
    "       z6ctl reload\n"
    "status: state, pid, time in state, restarts, last exit and readiness of each service\n"
    "(or of NAME); start, stop, restart, reset: root or the service's user only;\n"
    "log: the last LINES (default 10) lines the service wrote, from /var/log/z6/NAME\n"
    "(its archives @SEQUENCE.s, oldest first, then current), each stamped with the time;\n"
    "reload (root only): read /etc/z6 again; unchanged services keep running, changed ones\n"
    "that run are restarted, new ones start unless down, removed ones are stopped.\n";

#define LOG_ROOT "/var/log/z6"
#define LOG_LINES_DEFAULT 10u
#define LOG_FILES_MAX 40u         // archives listed (the kernel keeps 32 at most) and current
#define LOG_FILE_NAME_BYTES 16u   // "@0000000001.s", "current"
#define LOG_CHUNK_BYTES 512u
#define LOG_DIRENTS_PER_READ 8u

struct log_files {
    u32 count;
    char names[LOG_FILES_MAX][LOG_FILE_NAME_BYTES];
};

static const char *state_name(u32 state) {
    switch (state) {
    case ABI_Z6_STATE_DOWN: return "down";
    case ABI_Z6_STATE_STARTING: return "starting";
    case ABI_Z6_STATE_UP: return "up";
    case ABI_Z6_STATE_READY: return "ready";
    case ABI_Z6_STATE_STOPPING: return "stopping";
    case ABI_Z6_STATE_FINISHING: return "finishing";
    case ABI_Z6_STATE_BACKOFF: return "backoff";
    case ABI_Z6_STATE_FAILED: return "failed";
    default: return "?";
    }
}

// One line per service, in columns (as s6-svstat, a status is not a "name: message"
// line: what it says depends on timing, and the test programs' deterministic lines
// are those that start "name: ").
#define STATUS_HEADER "NAME             STATE      PID  IN-STATE  RESTARTS  LAST-EXIT  READY\n"

static void print_status(const struct abi_z6_status *s, u64 now_ns) {
    if (s->flags & ABI_Z6_FLAG_REFUSED) {
        tool_print(BASIN_FD_STDOUT, "%-16s refused    %s\n", s->name, s->message);
        return;
    }
    char last[24] = "none";
    if (s->exit_kind == ABI_Z6_EXIT_CODE) snprintf(last, sizeof last, "code %u", s->exit_value);
    if (s->exit_kind == ABI_Z6_EXIT_SIGNAL) snprintf(last, sizeof last, "signal %u", s->exit_value);
    if (s->exit_kind == ABI_Z6_EXIT_SPAWN_FAILED) snprintf(last, sizeof last, "no-start");
    u64 in_state_ms = now_ns >= s->since_ns ? (now_ns - s->since_ns) / 1000000ull : 0;
    char in_state[24];
    snprintf(in_state, sizeof in_state, "%lu.%03lus", (unsigned long)(in_state_ms / 1000),
             (unsigned long)(in_state_ms % 1000));
    tool_print(BASIN_FD_STDOUT, "%-16s %-8s %5lu %9s %9u  %-9s  %s%s\n", s->name, state_name(s->state),
               (unsigned long)s->pid, in_state, s->restarts, last,
               (s->flags & ABI_Z6_FLAG_READY) ? "yes" : "no",
               (s->flags & ABI_Z6_FLAG_WANT_UP) ? "" : " (wanted down)");
}

static int status(const char *only) {
    u64 now_ns = monotonic_ns();
    bool found = false;
    tool_print(BASIN_FD_STDOUT, STATUS_HEADER);
    for (u64 index = 0;; index++) {
        struct abi_z6_status s;
        i64 result = sys_z6_status(index, &s);
        if (result == -E_NOENT) break;
        if (result < 0) { tool_complain("status", result); return TOOL_EXIT_FAILED; }
        if (only != NULL && strcmp(only, s.name) != 0) continue;
        found = true;
        print_status(&s, now_ns);
    }
    if (only != NULL && !found) { tool_complain(only, -E_NOENT); return TOOL_EXIT_FAILED; }
    return TOOL_EXIT_OK;
}

static int control(const char *verb, const char *name) {
    static const char verbs[4][8] = {"start", "stop", "restart", "reset"};
    u64 command = 4;
    for (u64 i = 0; i < 4; i++) {
        if (strcmp(verb, verbs[i]) == 0) command = i;
    }
    if (command == 4) tool_usage_error(usage, "unknown command %s", verb);
    i64 result = sys_z6_control(name, command);
    if (result == -E_PERM) {
        tool_print(BASIN_FD_STDERR, "z6ctl: %s %s: E_PERM: only root or the service's user may\n", verb, name);
        return TOOL_EXIT_FAILED;
    }
    if (result < 0) { tool_complain_step(name, verb, result); return TOOL_EXIT_FAILED; }
    return TOOL_EXIT_OK;
}

// The archives (the listing is sorted: oldest first), then current.
static i64 log_list(const char *directory, struct log_files *files) {
    i64 fd = sys_open(directory, ABI_O_RDONLY, 0);
    if (fd < 0) return fd;
    files->count = 0;
    struct abi_dirent entries[LOG_DIRENTS_PER_READ];
    for (;;) {
        i64 got = sys_readdir(fd, entries, LOG_DIRENTS_PER_READ);
        if (got <= 0) { sys_close(fd); if (got < 0) return got; break; }
        for (i64 i = 0; i < got; i++) {
            const char *name = entries[i].name;
            size_t length = strlen(name);
            bool archive = name[0] == '@' && length > 2 && strcmp(name + length - 2, ".s") == 0;
            if (!archive || length >= LOG_FILE_NAME_BYTES || files->count + 1 >= LOG_FILES_MAX) continue;
            snprintf(files->names[files->count++], LOG_FILE_NAME_BYTES, "%s", name);
        }
    }
    snprintf(files->names[files->count++], LOG_FILE_NAME_BYTES, "current");
    return 0;
}

// Counts the lines of one file (skip == UINT64_MAX) or prints those from line `skip` on;
// *line carries the count from file to file. A missing file has no lines.
static i64 log_scan(const char *path, u64 skip, u64 *line) {
    i64 fd = sys_open(path, ABI_O_RDONLY, 0);
    if (fd == -E_NOENT) return 0;
    if (fd < 0) return fd;
    u8 bytes[LOG_CHUNK_BYTES];
    i64 got = 0;
    while ((got = sys_read(fd, bytes, sizeof bytes)) > 0) {
        i64 from = -1; // the first byte to print in this chunk
        for (i64 i = 0; i < got; i++) {
            if (*line >= skip && from < 0) from = i;
            if (bytes[i] == '\n') (*line)++;
        }
        if (skip != UINT64_MAX && from >= 0) tool_write_all(BASIN_FD_STDOUT, bytes + from, (u64)(got - from));
    }
    sys_close(fd);
    return got;
}

static int log_show(const char *name, const char *lines_text) {
    u64 wanted = LOG_LINES_DEFAULT;
    if (lines_text != NULL) {
        char *end = NULL;
        unsigned long long value = strtoull(lines_text, &end, 10);
        if (*lines_text < '0' || *lines_text > '9' || *end != '\0') tool_usage_error(usage, "LINES is a number");
        wanted = value;
    }
    if (strchr(name, '/') != NULL || name[0] == '.') tool_usage_error(usage, "%s is not a service name", name);
    char directory[ABI_PATH_LEN_MAX];
    snprintf(directory, sizeof directory, "%s/%s", LOG_ROOT, name);
    static struct log_files files;
    i64 result = log_list(directory, &files);
    if (result < 0) { tool_complain(directory, result); return TOOL_EXIT_FAILED; }
    u64 total = 0;
    for (int pass = 0; pass < 2; pass++) {
        u64 skip = pass == 0 ? UINT64_MAX : (total > wanted ? total - wanted : 0);
        u64 line = 0;
        for (u32 i = 0; i < files.count && result >= 0; i++) {
            char path[ABI_PATH_LEN_MAX + LOG_FILE_NAME_BYTES + 1];
            snprintf(path, sizeof path, "%s/%s", directory, files.names[i]);
            result = log_scan(path, skip, &line);
            if (result < 0) { tool_complain(path, result); return TOOL_EXIT_FAILED; }
        }
        total = line;
    }
    return TOOL_EXIT_OK;
}

static int reload(void) {
    i64 result = sys_z6_control("", ABI_Z6_COMMAND_RELOAD);
    if (result == -E_PERM) {
        tool_print(BASIN_FD_STDERR, "z6ctl: reload: E_PERM: only root may\n");
        return TOOL_EXIT_FAILED;
    }
    if (result == -E_IO) {
        tool_print(BASIN_FD_STDERR, "z6ctl: reload: E_IO: /etc/z6 could not be read, nothing changed\n");
        return TOOL_EXIT_FAILED;
    }
    if (result == -E_AGAIN) {
        tool_print(BASIN_FD_STDERR, "z6ctl: reload: E_AGAIN: refused, nothing changed (see the kernel log)\n");
        return TOOL_EXIT_FAILED;
    }
    if (result < 0) { tool_complain("reload", result); return TOOL_EXIT_FAILED; }
    return TOOL_EXIT_OK;
}

int main(int argc, char **argv) {
    int first = 1;
    tool_options(argc, argv, "", usage, &first);
    int operands = argc - first;
    if (operands < 1) tool_usage_error(usage, "a command is needed");
    const char *verb = argv[first];
    if (strcmp(verb, "status") == 0) {
        if (operands > 2) tool_usage_error(usage, "status takes at most one NAME");
        return status(operands == 2 ? argv[first + 1] : NULL);
    }
    if (strcmp(verb, "log") == 0) {
        if (operands < 2 || operands > 3) tool_usage_error(usage, "log takes NAME and maybe LINES");
        return log_show(argv[first + 1], operands == 3 ? argv[first + 2] : NULL);
    }
    if (strcmp(verb, "reload") == 0) {
        if (operands != 1) tool_usage_error(usage, "reload takes no NAME");
        return reload();
    }
    if (operands != 2) tool_usage_error(usage, "%s takes one NAME", verb);
    return control(verb, argv[first + 1]);
}
