// exhaust: takes as much of one shared resource as the kernel gives the caller, the
// way an attacker would, and says where it was stopped and with what error. The
// resource tests run it as xy and then prove that root can still log in, read /etc,
// change passwords, write the auth log and remove files (limits.conf: shares and
// root's reserves). Exit 0 when the kernel refused with the error the resource is
// documented to give, 1 when it refused otherwise or never refused within the bound.
//
//   exhaust processes [HOLD_S]   spawn holders (this program) until spawn fails
//   exhaust memory [HOLD_S]      spawn memhogs (4 MiB each) until spawn fails
//   exhaust files DIR [HOLD_S]   a holder keeps DIR/f<N> open until open fails
//   exhaust inodes DIR           empty files DIR/s<K>/i<N> until create fails
//   exhaust disk DIR             128 KiB files DIR/d<N> until a write fails
//   exhaust entries DIR          empty files DIR/e<N> in a directory of another user
//   exhaust passwords N          N wrong passwords for root (switch_user)
//   exhaust clean DIR PREFIX     removes DIR's entries whose names start with PREFIX
// Holders sleep HOLD_S seconds (default 600) and then exit; they outlive this program.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/lib/tool.h"
#include "user/tests/lib/test.h"

BASIN_PROGRAM("exhaust");

#define STEPS_MAX 4096u          // more than any share: a kernel that never refuses fails
#define HOLD_DEFAULT_S 600ull
#define NS_PER_S 1000000000ull
#define DISK_FILE_BYTES ABI_FILE_SIZE_MAX
#define NAMES_PER_DIRECTORY 200u // below FS_DIR_ENTRIES_MAX
#define RESULT_WAIT_NS (5ull * NS_PER_S)
#define RESULT_POLL_NS 10000000ull
#define FILE_MODE 0644u
#define DIR_MODE 0755u

static const char usage[] =
    "usage: exhaust processes|memory [HOLD_S] | files DIR [HOLD_S] | inodes DIR | disk DIR |\n"
    "               entries DIR | passwords N | clean DIR PREFIX\n"
    "Takes as much of one resource as the kernel allows and prints where it stopped.\n";

static u8 block[4096];

// The attack's own directory: made if missing. Its error when it cannot be (the share
// may already be spent), which is where the attack stops: nothing was taken.
static i64 own_directory(const char *dir) {
    i64 result = sys_mkdir(dir, DIR_MODE);
    return result == -E_EXIST ? 0 : result;
}

// dir + "/" + name, or a failure that names the input (too long for a path).
static void path_of(char out[TOOL_PATH_BYTES], const char *dir, const char *format, unsigned long number) {
    char name[32];
    int length = snprintf(name, sizeof name, format, number);
    basin_assert(length > 0);
    basin_assert((u64)length < sizeof name);
    if (tool_path_join(out, TOOL_PATH_BYTES, dir, name) < 0) fail("%s: path too long", dir);
}

static int verdict(const char *what, u32 taken, i64 error, i64 expected_a, i64 expected_b) {
    tool_print(BASIN_FD_STDOUT, "exhaust: %s: took %lu, then %s\n", what, (unsigned long)taken, error_name(error));
    if (error == expected_a || error == expected_b) return TOOL_EXIT_OK;
    tool_print(BASIN_FD_STDERR, "exhaust: %s: expected %s or %s\n", what, error_name(expected_a), error_name(expected_b));
    return TOOL_EXIT_FAILED;
}

static u64 hold_ns_of(int argc, char **argv, int at) {
    return (argc > at ? strtoull(argv[at], NULL, 10) : HOLD_DEFAULT_S) * NS_PER_S;
}

// Spawns `program` (argv) until spawn fails: the children hold what they took.
static int spawn_until_refused(const char *what, const char *program, const char *const *argv,
                               i64 expected_a, i64 expected_b) {
    for (u32 taken = 0; taken < STEPS_MAX; taken++) {
        i64 pid = sys_spawn(program, argv, (u64)sys_geteuid());
        if (pid < 0) return verdict(what, taken, pid, expected_a, expected_b);
    }
    return verdict(what, STEPS_MAX, 0, expected_a, expected_b);
}

static int hold(u64 hold_ns) {
    sys_sleep_until(monotonic_ns() + hold_ns);
    return TOOL_EXIT_OK;
}

// The holder of `files`: opens DIR/f0, f1, ... (creating them) and keeps them open;
// writes its verdict to DIR/result for the parent, then holds.
static int files_holder(const char *dir, u64 hold_ns) {
    u32 taken = 0;
    i64 error = 0;
    for (; taken < STEPS_MAX; taken++) {
        char path[TOOL_PATH_BYTES];
        path_of(path, dir, "f%lu", taken);
        i64 fd = sys_open(path, ABI_O_RDONLY | ABI_O_CREAT, FILE_MODE);
        if (fd < 0) { error = fd; break; }
    }
    char line[96];
    int length = snprintf(line, sizeof line, "%lu %ld\n", (unsigned long)taken, (long)error);
    char path[TOOL_PATH_BYTES];
    path_of(path, dir, "result", 0);
    sys_close(3); // our share is full: give one back so the result can be written

    i64 fd = sys_open(path, ABI_O_WRONLY | ABI_O_CREAT | ABI_O_TRUNC, FILE_MODE);
    if (fd >= 0) { tool_write_all(fd, line, (u64)length); sys_close(fd); }
    return hold(hold_ns);
}

static int files(const char *dir, const char *hold_text) {
    char result_path[TOOL_PATH_BYTES];
    path_of(result_path, dir, "result", 0);
    i64 made = own_directory(dir);
    if (made < 0) return verdict("open files", 0, made, -E_NFILE, -E_MFILE);
    sys_unlink(result_path);
    const char *const argv[] = {"exhaust", "files-holder", dir, hold_text, NULL};
    i64 pid = sys_spawn(TEST_PATH("exhaust"), argv, (u64)sys_geteuid());
    if (pid < 0) { tool_complain("spawn holder", pid); return TOOL_EXIT_FAILED; }
    for (u64 waited = 0; waited < RESULT_WAIT_NS; waited += RESULT_POLL_NS) {
        i64 fd = sys_open(result_path, ABI_O_RDONLY, 0);
        char text[96] = "";
        i64 length = fd >= 0 ? sys_read(fd, text, sizeof text - 1) : -1;
        if (fd >= 0) sys_close(fd);
        if (length > 0 && text[length - 1] == '\n') {
            text[length] = '\0';
            char *end = NULL;
            unsigned long taken = strtoul(text, &end, 10);
            long error = strtol(end, NULL, 10);
            // files_holder closed one to write its result: it still holds taken - 1.
            return verdict("open files", (u32)taken, error, -E_NFILE, -E_MFILE);
        }
        sys_sleep_until(monotonic_ns() + RESULT_POLL_NS);
    }
    tool_complain(result_path, -E_AGAIN);
    return TOOL_EXIT_FAILED;
}

// Creates empty files until refused, NAMES_PER_DIRECTORY to a subdirectory.
static int inodes(const char *dir) {
    i64 made = own_directory(dir);
    if (made < 0) return verdict("inodes", 0, made, -E_DQUOT, -E_NOSPC);
    for (u32 taken = 0; taken < STEPS_MAX * 2; taken++) {
        char sub[TOOL_PATH_BYTES], path[TOOL_PATH_BYTES];
        path_of(sub, dir, "s%lu", taken / NAMES_PER_DIRECTORY);
        i64 result = taken % NAMES_PER_DIRECTORY == 0 ? sys_mkdir(sub, DIR_MODE) : 0;
        if (result == 0) {
            path_of(path, sub, "i%lu", taken);
            i64 fd = sys_open(path, ABI_O_WRONLY | ABI_O_CREAT | ABI_O_EXCL, FILE_MODE);
            result = fd < 0 ? fd : sys_close(fd);
            if (result == -E_EXIST) result = 0; // taken before a power loss: still ours
        }
        if (result == -E_EXIST) result = 0;
        if (result < 0) return verdict("inodes", taken, result, -E_DQUOT, -E_NOSPC);
    }
    return verdict("inodes", STEPS_MAX * 2, 0, -E_DQUOT, -E_NOSPC);
}

// Writes whole files until a write (or its commit at close) is refused.
static int disk(const char *dir) {
    i64 made = own_directory(dir);
    if (made < 0) return verdict("disk", 0, made, -E_DQUOT, -E_NOSPC);
    for (u32 taken = 0; taken < STEPS_MAX; taken++) {
        char path[TOOL_PATH_BYTES];
        path_of(path, dir, "d%lu", taken);
        i64 fd = sys_open(path, ABI_O_WRONLY | ABI_O_CREAT | ABI_O_TRUNC, FILE_MODE);
        i64 result = fd;
        for (u64 done = 0; result >= 0 && done < DISK_FILE_BYTES; done += sizeof block) {
            block[0] = (u8)taken; // no two files alike: content addressing would share them
            block[1] = (u8)(done / sizeof block);
            result = sys_write(fd, block, sizeof block);
        }
        if (fd >= 0) {
            i64 closed = sys_close(fd);
            if (result >= 0) result = closed;
        }
        if (result < 0) return verdict("disk", taken, result, -E_DQUOT, -E_NOSPC);
    }
    return verdict("disk", STEPS_MAX, 0, -E_DQUOT, -E_NOSPC);
}

static int entries(const char *dir) {
    for (u32 taken = 0; taken < STEPS_MAX; taken++) {
        char path[TOOL_PATH_BYTES];
        path_of(path, dir, "e%lu", taken);
        i64 fd = sys_open(path, ABI_O_WRONLY | ABI_O_CREAT | ABI_O_EXCL, FILE_MODE);
        i64 result = fd < 0 ? fd : sys_close(fd);
        if (result == -E_EXIST) continue; // taken before a power loss: still ours
        if (result < 0) return verdict("directory entries", taken, result, -E_NOSPC, -E_DQUOT);
    }
    return verdict("directory entries", STEPS_MAX, 0, -E_NOSPC, -E_DQUOT);
}

// Wrong passwords for root: the kernel must refuse them all (E_ACCES, or E_AGAIN while
// it makes the guesser wait), never lock root out (the resource tests log in after).
static int passwords(u32 count) {
    u32 refused = 0, delayed = 0;
    for (u32 i = 0; i < count; i++) {
        char guess[32];
        snprintf(guess, sizeof guess, "guess-%lu", (unsigned long)i);
        i64 result = sys_switch_user(ABI_UID_ROOT, guess);
        if (result == 0) { tool_print(BASIN_FD_STDERR, "exhaust: %s was root's password\n", guess); return TOOL_EXIT_FAILED; }
        if (result == -E_ACCES) refused++;
        else if (result == -E_AGAIN) delayed++;
        else { tool_complain("switch_user", result); return TOOL_EXIT_FAILED; }
    }
    tool_print(BASIN_FD_STDOUT, "exhaust: passwords: %lu refused, %lu delayed\n", (unsigned long)refused,
               (unsigned long)delayed);
    return TOOL_EXIT_OK;
}

// Removes the entries of dir whose names start with prefix (files only).
static int clean(const char *dir, const char *prefix) {
    u32 removed = 0;
    for (u32 round = 0; round < STEPS_MAX; round++) {
        i64 fd = sys_open(dir, ABI_O_RDONLY | ABI_O_DIRECTORY, 0);
        if (fd < 0) { tool_complain(dir, fd); return TOOL_EXIT_FAILED; }
        struct abi_dirent entry;
        u32 found = 0;
        while (sys_readdir(fd, &entry, 1) == 1) {
            if (strncmp(entry.name, prefix, strlen(prefix)) != 0 || entry.type != ABI_TYPE_FILE) continue;
            char path[TOOL_PATH_BYTES];
            if (tool_path_join(path, sizeof path, dir, entry.name) < 0) continue;
            i64 result = sys_unlink(path);
            if (result < 0) { tool_complain(path, result); sys_close(fd); return TOOL_EXIT_FAILED; }
            removed++;
            found++;
        }
        sys_close(fd);
        if (found == 0) break;
    }
    tool_print(BASIN_FD_STDOUT, "exhaust: clean: removed %lu\n", (unsigned long)removed);
    return TOOL_EXIT_OK;
}

int main(int argc, char **argv) {
    int first = 0;
    tool_options(argc, argv, "", usage, &first);
    if (first >= argc) tool_usage_error(usage, "missing RESOURCE");
    const char *what = argv[first];
    int rest = argc - first - 1;
    char **args = argv + first + 1;
    const char *hold_text = rest > 0 ? args[0] : "600";
    if (strcmp(what, "hold") == 0) return hold(hold_ns_of(argc, argv, first + 1));
    if (strcmp(what, "processes") == 0) {
        const char *const holder[] = {"exhaust", "hold", hold_text, NULL};
        return spawn_until_refused("processes", TEST_PATH("exhaust"), holder, -E_AGAIN, -E_AGAIN);
    }
    if (strcmp(what, "memory") == 0) {
        const char *const hog[] = {"memhog", hold_text, NULL};
        return spawn_until_refused("memory", TEST_PATH("memhog"), hog, -E_NOMEM, -E_AGAIN);
    }
    if (strcmp(what, "files-holder") == 0 && rest >= 1) return files_holder(args[0], hold_ns_of(argc, argv, first + 2));
    if (strcmp(what, "files") == 0 && rest >= 1) return files(args[0], rest > 1 ? args[1] : "600");
    if (strcmp(what, "inodes") == 0 && rest == 1) return inodes(args[0]);
    if (strcmp(what, "disk") == 0 && rest == 1) return disk(args[0]);
    if (strcmp(what, "entries") == 0 && rest == 1) return entries(args[0]);
    if (strcmp(what, "passwords") == 0 && rest == 1) return passwords((u32)strtoul(args[0], NULL, 10));
    if (strcmp(what, "clean") == 0 && rest == 2) return clean(args[0], args[1]);
    tool_usage_error(usage, "unknown or incomplete: %s", what);
}
