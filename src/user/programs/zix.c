// zix: the Zix build store's command line (nix-build, nix-store and nix path-info in
// one), over the syscalls zix_build and zix_store (kernel/abi.h).
//   zix build RECIPE...          builds each recipe (its recipe inputs first) and prints
//                                its store path
//   zix path RECIPE              the store path, without building; registered or not
//   zix show PATH|RECIPE         the registration: hash, size, references, time, signed,
//                                and the canonical recipe
//   zix query --references|--referrers|--closure PATH
//   zix verify [--repair] [--sigs] [PATH...]
//   zix check RECIPE|PATH        rebuilds apart and compares (exit 104 when different)
//   zix gc [--dry-run]           frees what no root in /zix/roots reaches
//   zix roots                    the links in /zix/roots and the paths they name
//   zix root add NAME PATH | zix root remove NAME    (root only)
// Exit codes (Nix's where Nix has one): 0 done, 1 an error or damage found, 2 bad usage,
// 100 a build failed, 104 a check found a different result.
//
// Output: the data (store paths, registrations) on fd 1; progress ("building",
// "cached") and errors on fd 2, errors naming the input: "zix: INPUT: E_NAME: why".
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/lib/tool.h"

BASIN_PROGRAM("zix");

#define ZIX_EXIT_OK 0
#define ZIX_EXIT_FAILED 1
#define ZIX_EXIT_USAGE 2
#define ZIX_EXIT_BUILD_FAILED 100 // Nix's
#define ZIX_EXIT_CHECK_DIFFERS 104 // Nix's `nix build --check`
#define ZIX_STORE_PREFIX "/zix/store/"
#define ZIX_ROOTS_DIR "/zix/roots"
#define ZIX_ROOTS_MODE 0755u
// The explicit stack of zix build: a recipe and the unbuilt inputs above it. A chain of
// recipe inputs deeper than this is refused (the kernel keeps far fewer paths).
#define ZIX_BUILD_DEPTH_MAX 64u
// Registered paths listed at once (the kernel's store holds 256).
#define ZIX_LIST_MAX 256u
#define ZIX_BUSY_WAIT_NS 100000000ull // every build slot busy: try again after this
#define ZIX_BUSY_TRIES_MAX 3000u       // 300 s: five times a builder's time limit
#define ZIX_DIRENTS_PER_READ 8u
#define ZIX_NS_PER_S 1000000000ull
#define ZIX_HEX_BYTES 65u

static const char usage[] =
    "usage: zix build RECIPE...\n"
    "       zix path RECIPE\n"
    "       zix show PATH|RECIPE\n"
    "       zix query --references|--referrers|--closure PATH\n"
    "       zix verify [--repair] [--sigs] [PATH...]\n"
    "       zix check RECIPE|PATH\n"
    "       zix gc [--dry-run]\n"
    "       zix roots\n"
    "       zix root add NAME PATH | zix root remove NAME\n"
    "Zix, a content-addressed build store: a recipe's store path is\n"
    "/zix/store/<hash>-<name>, the hash that of the recipe with its inputs resolved.\n"
    "zix CMD --help says more. Exit: 0 done, 1 error or damage, 2 usage,\n"
    "100 a build failed, 104 a check differs.\n";

static const char usage_build[] =
    "usage: zix build RECIPE...\n"
    "Builds each recipe, its recipe inputs first, and prints its store path.\n"
    "A registered path is not built again (\"cached\"). A failed builder: exit 100,\n"
    "with how it ended and its log (/var/log/zix/...).\n";
static const char usage_path[] =
    "usage: zix path RECIPE\n"
    "Prints the recipe's store path without building, and \"registered\" or\n"
    "\"not registered\".\n";
static const char usage_show[] =
    "usage: zix show PATH|RECIPE\n"
    "Prints the registration of a store path (or of a recipe's path): the nar hash,\n"
    "size, references, when it was registered, whether it is signed, and the\n"
    "canonical recipe.\n";
static const char usage_query[] =
    "usage: zix query --references|--referrers|--closure PATH\n"
    "--references: what PATH references; --referrers: the registered paths that\n"
    "reference PATH; --closure: PATH and everything it reaches through references.\n";
static const char usage_verify[] =
    "usage: zix verify [--repair] [--sigs] [PATH...]\n"
    "Rehashes every registered path (or those named) against its registration and\n"
    "names the damaged ones. --repair (root only): rebuilds each damaged path.\n"
    "--sigs: checks each signature too. Exit 1 when anything is left damaged.\n";
static const char usage_check[] =
    "usage: zix check RECIPE|PATH\n"
    "Rebuilds a registered path apart (under /zix/check) and compares: exit 0 when\n"
    "the rebuild hashes the same, 104 when not (both hashes printed), 100 when the\n"
    "builder failed.\n";
static const char usage_gc[] =
    "usage: zix gc [--dry-run]\n"
    "Root only: deletes every registered path that no root in /zix/roots (nor a\n"
    "running build) reaches through references, and says what was freed.\n"
    "--dry-run: what would be freed, nothing deleted.\n";
static const char usage_roots[] =
    "usage: zix roots\n"
    "Lists the links in /zix/roots (the collector's roots) and the paths they name.\n";
static const char usage_root[] =
    "usage: zix root add NAME PATH\n"
    "       zix root remove NAME\n"
    "Root only: adds or removes the link /zix/roots/NAME to the store path PATH.\n";

// Scratch kept out of the stack (8 pages): the structs are kilobytes each.
static struct abi_zix_build build_result;
static struct abi_zix_info info;
static struct abi_zix_info info_other;
static struct abi_zix_text recipe_text;
static struct abi_zix_gc gc_result;
static char build_stack[ZIX_BUILD_DEPTH_MAX][TOOL_PATH_BYTES];
static char list[ZIX_LIST_MAX][ABI_ZIX_PATH_BYTES];

static void hex_format(const u8 *bytes, u32 count, char *out) {
    basin_assert(count * 2 < ZIX_HEX_BYTES);
    static const char digits[] = "0123456789abcdef";
    for (u32 i = 0; i < count; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * count] = '\0';
}

static bool hash_is_zero(const u8 *hash) {
    u8 any = 0;
    for (u32 i = 0; i < 32; i++) any |= hash[i];
    return any == 0;
}

static bool is_store_path(const char *text) {
    return strncmp(text, ZIX_STORE_PREFIX, strlen(ZIX_STORE_PREFIX)) == 0;
}

// "--help" anywhere among a command's words prints its usage and exits 0.
static void help_check(int argc, char **argv, const char *command_usage) {
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            tool_print(BASIN_FD_STDOUT, "%s", command_usage);
            basin_exit(ZIX_EXIT_OK);
        }
    }
}

// The error of a zix syscall, with what the kernel said in missing when it says more.
static void complain_build(const char *input, i64 error, const struct abi_zix_build *b) {
    if (error == -E_INVAL && b->missing[0] != '\0') {
        tool_print(BASIN_FD_STDERR, "zix: %s: E_INVAL: %s\n", input, b->missing);
    } else if (error == -E_LOOP) {
        tool_print(BASIN_FD_STDERR, "zix: %s: E_LOOP: recipe inputs form a cycle, closed by %s\n", input,
                   b->missing[0] != '\0' ? b->missing : "?");
    } else if (error == -E_NOENT && b->missing[0] != '\0') {
        tool_print(BASIN_FD_STDERR, "zix: %s: E_NOENT: %s\n", input, b->missing);
    } else if (error == -E_PERM) {
        tool_print(BASIN_FD_STDERR, "zix: %s: E_PERM: root only\n", input);
    } else {
        tool_complain(input, error);
    }
}

// ---- build ---------------------------------------------------------------------------

// Blocks until build_id ended; fills build_result. 0 or -error.
static i64 build_wait(u32 build_id) {
    memset(&build_result, 0, sizeof build_result);
    return sys_zix_build(ABI_ZIX_BUILD_WAIT, build_id, &build_result);
}

// How the builder of a failed build ended, and where its log is.
static void build_failed_say(const char *what) {
    char how[96];
    wait_status_format(&build_result.exit_status, how, sizeof how);
    tool_print(BASIN_FD_STDERR, "zix: %s: build of %s failed: builder %s; log: %s\n", what, build_result.path,
               how, build_result.log_path[0] != '\0' ? build_result.log_path : "(none)");
}

// The recipe file an unbuilt input names, as a path zix can pass again: the kernel
// names it as written in the recipe (relative to the recipe's folder) or resolved.
static bool missing_resolve(const char *recipe, const char *missing, char *out) {
    if (missing[0] == '/') return snprintf(out, TOOL_PATH_BYTES, "%s", missing) < TOOL_PATH_BYTES;
    const char *slash = strrchr(recipe, '/');
    int folder = slash == NULL ? 0 : (int)(slash - recipe) + 1;
    return snprintf(out, TOOL_PATH_BYTES, "%.*s%s", folder, recipe, missing) < TOOL_PATH_BYTES;
}

static bool build_stack_holds(u32 depth, const char *recipe) {
    for (u32 i = 0; i < depth; i++) {
        if (strcmp(build_stack[i], recipe) == 0) return true;
    }
    return false;
}

#define BUILD_STEP_AGAIN (-1) // an input was pushed, or the slots are busy: START again

// START for the recipe on top of the stack. Returns BUILD_STEP_AGAIN, 0 when it is built
// (its path in build_result), or an exit code (> 0).
static int build_step(u32 *depth) {
    const char *top = build_stack[*depth - 1];
    memset(&build_result, 0, sizeof build_result);
    i64 result = sys_zix_build(ABI_ZIX_BUILD_START, (u64)(uintptr_t)top, &build_result);
    if (result == -E_AGAIN && build_result.missing[0] == '\0') {
        // Every build slot is busy (other builds run): wait a little, then again.
        static u32 busy_tries;
        if (++busy_tries > ZIX_BUSY_TRIES_MAX) { tool_complain_step(top, "every build slot stays busy", result); return ZIX_EXIT_FAILED; }
        sys_sleep_until(monotonic_ns() + ZIX_BUSY_WAIT_NS);
        return BUILD_STEP_AGAIN;
    }
    if (result == -E_AGAIN) {
        char input[TOOL_PATH_BYTES];
        if (!missing_resolve(top, build_result.missing, input)) { tool_complain(build_result.missing, -E_NAMETOOLONG); return ZIX_EXIT_FAILED; }
        if (build_stack_holds(*depth, input)) {
            tool_print(BASIN_FD_STDERR, "zix: %s: E_LOOP: recipe inputs form a cycle, closed by %s\n", top, input);
            return ZIX_EXIT_FAILED;
        }
        if (*depth == ZIX_BUILD_DEPTH_MAX) {
            tool_print(BASIN_FD_STDERR, "zix: %s: recipe inputs nested deeper than %u\n", top, ZIX_BUILD_DEPTH_MAX);
            return ZIX_EXIT_FAILED;
        }
        snprintf(build_stack[(*depth)++], TOOL_PATH_BYTES, "%s", input);
        return BUILD_STEP_AGAIN;
    }
    if (result < 0) { complain_build(top, result, &build_result); return ZIX_EXIT_FAILED; }
    if (build_result.status == ABI_ZIX_CACHED) {
        tool_print(BASIN_FD_STDERR, "zix: %s: cached %s\n", top, build_result.path);
        return 0;
    }
    if (build_result.status != ABI_ZIX_RUNNING) { tool_complain_step(top, "start", -E_INVAL); return ZIX_EXIT_FAILED; }
    tool_print(BASIN_FD_STDERR, "zix: %s: building %s\n", top, build_result.path);
    char path[ABI_ZIX_PATH_BYTES];
    memcpy(path, build_result.path, sizeof path);
    result = build_wait(build_result.build_id);
    if (result < 0) { complain_build(top, result, &build_result); return ZIX_EXIT_FAILED; }
    if (build_result.path[0] == '\0') memcpy(build_result.path, path, sizeof path);
    if (build_result.status == ABI_ZIX_REGISTERED) return 0;
    build_failed_say(top);
    return ZIX_EXIT_BUILD_FAILED;
}

// One recipe, its unbuilt inputs first (depth first, on an explicit stack).
static int build_one(const char *recipe) {
    if (snprintf(build_stack[0], TOOL_PATH_BYTES, "%s", recipe) >= TOOL_PATH_BYTES) {
        tool_complain(recipe, -E_NAMETOOLONG);
        return ZIX_EXIT_FAILED;
    }
    u32 depth = 1;
    while (depth > 0) {
        int step = build_step(&depth);
        if (step > 0) return step;
        if (step == 0) depth--;
    }
    tool_print(BASIN_FD_STDOUT, "%s\n", build_result.path);
    return ZIX_EXIT_OK;
}

static int command_build(int argc, char **argv) {
    help_check(argc, argv, usage_build);
    if (argc < 3) tool_usage_error(usage_build, "build: a RECIPE expected");
    for (int i = 2; i < argc; i++) {
        int code = build_one(argv[i]);
        if (code != ZIX_EXIT_OK) return code;
    }
    return ZIX_EXIT_OK;
}

// ---- path, show, query ---------------------------------------------------------------

// The store path of a recipe (into build_result.path), or the path given. 0 or -error.
static i64 path_of(const char *operand, char *path) {
    if (is_store_path(operand)) return snprintf(path, ABI_ZIX_PATH_BYTES, "%s", operand) < ABI_ZIX_PATH_BYTES ? 0 : -E_NAMETOOLONG;
    memset(&build_result, 0, sizeof build_result);
    i64 result = sys_zix_build(ABI_ZIX_BUILD_PATH, (u64)(uintptr_t)operand, &build_result);
    if (result < 0) { complain_build(operand, result, &build_result); return result; }
    snprintf(path, ABI_ZIX_PATH_BYTES, "%s", build_result.path);
    return 0;
}

static int command_path(int argc, char **argv) {
    help_check(argc, argv, usage_path);
    if (argc != 3) tool_usage_error(usage_path, "path: one RECIPE expected");
    memset(&build_result, 0, sizeof build_result);
    i64 result = sys_zix_build(ABI_ZIX_BUILD_PATH, (u64)(uintptr_t)argv[2], &build_result);
    if (result < 0) { complain_build(argv[2], result, &build_result); return ZIX_EXIT_FAILED; }
    bool registered = build_result.status == ABI_ZIX_REGISTERED;
    tool_print(BASIN_FD_STDOUT, "%s %s\n", build_result.path, registered ? "registered" : "not registered");
    return ZIX_EXIT_OK;
}

// INFO of path into *out; a refusal is said. 0 or -error.
static i64 info_get(const char *path, struct abi_zix_info *out) {
    memset(out, 0, sizeof *out);
    i64 result = sys_zix_store(ABI_ZIX_STORE_INFO, (u64)(uintptr_t)path, out);
    if (result == -E_NOENT) tool_print(BASIN_FD_STDERR, "zix: %s: E_NOENT: not registered\n", path);
    else if (result < 0) tool_complain(path, result);
    return result;
}

static void info_print(const struct abi_zix_info *i) {
    char hex[ZIX_HEX_BYTES];
    hex_format(i->nar_hash, 32, hex);
    tool_print(BASIN_FD_STDOUT, "path: %s\nnar hash: sha256:%s\nsize: %lu bytes\n", i->path, hex,
               (unsigned long)i->nar_size_bytes);
    u32 count = i->refs_count <= ABI_ZIX_REFS_MAX ? i->refs_count : ABI_ZIX_REFS_MAX;
    tool_print(BASIN_FD_STDOUT, "references: %u\n", count);
    for (u32 r = 0; r < count; r++) tool_print(BASIN_FD_STDOUT, "  %.*s\n", ABI_ZIX_PATH_BYTES, i->refs[r]);
    tool_print(BASIN_FD_STDOUT, "registered: %lu.%09lu (realtime)\nsigned: %s\n",
               (unsigned long)(i->registered_ns / ZIX_NS_PER_S), (unsigned long)(i->registered_ns % ZIX_NS_PER_S),
               (i->flags & ABI_ZIX_INFO_SIGNED) ? "yes" : "no");
}

static int command_show(int argc, char **argv) {
    help_check(argc, argv, usage_show);
    if (argc != 3) tool_usage_error(usage_show, "show: one PATH or RECIPE expected");
    char path[ABI_ZIX_PATH_BYTES];
    if (path_of(argv[2], path) < 0) return ZIX_EXIT_FAILED;
    if (info_get(path, &info) < 0) return ZIX_EXIT_FAILED;
    info_print(&info);
    memset(&recipe_text, 0, sizeof recipe_text);
    i64 result = sys_zix_store(ABI_ZIX_STORE_RECIPE, (u64)(uintptr_t)path, &recipe_text);
    if (result < 0) { tool_complain_step(path, "recipe", result); return ZIX_EXIT_FAILED; }
    u32 length = recipe_text.length_bytes <= ABI_ZIX_TEXT_BYTES ? recipe_text.length_bytes : ABI_ZIX_TEXT_BYTES;
    if (length == 0) {
        tool_print(BASIN_FD_STDOUT, "recipe: none (an imported source)\n");
        return ZIX_EXIT_OK;
    }
    tool_print(BASIN_FD_STDOUT, "recipe:\n");
    if (tool_write_all(BASIN_FD_STDOUT, recipe_text.text, length) < 0) return ZIX_EXIT_FAILED;
    return ZIX_EXIT_OK;
}

// Every registered path, sorted (NTH), into list. The count, or -error (said).
static i64 list_all(void) {
    u32 count = 0;
    for (;;) {
        memset(&info_other, 0, sizeof info_other);
        i64 result = sys_zix_store(ABI_ZIX_STORE_NTH, count, &info_other);
        if (result == -E_NOENT) return count;
        if (result < 0) { tool_complain_step("store", "nth", result); return result; }
        if (count == ZIX_LIST_MAX) { tool_print(BASIN_FD_STDERR, "zix: store: more than %u paths\n", ZIX_LIST_MAX); return -E_2BIG; }
        snprintf(list[count++], ABI_ZIX_PATH_BYTES, "%.*s", ABI_ZIX_PATH_BYTES - 1, info_other.path);
    }
}

static bool refs_hold(const struct abi_zix_info *i, const char *path) {
    u32 count = i->refs_count <= ABI_ZIX_REFS_MAX ? i->refs_count : ABI_ZIX_REFS_MAX;
    for (u32 r = 0; r < count; r++) {
        if (strncmp(i->refs[r], path, ABI_ZIX_PATH_BYTES) == 0) return true;
    }
    return false;
}

// The registered paths whose references hold path (itself apart).
static int query_referrers(const char *path) {
    if (info_get(path, &info) < 0) return ZIX_EXIT_FAILED;
    i64 count = list_all();
    if (count < 0) return ZIX_EXIT_FAILED;
    for (i64 n = 0; n < count; n++) {
        if (strcmp(list[n], path) == 0) continue;
        if (info_get(list[n], &info_other) < 0) return ZIX_EXIT_FAILED;
        if (refs_hold(&info_other, path)) tool_print(BASIN_FD_STDOUT, "%s\n", list[n]);
    }
    return ZIX_EXIT_OK;
}

// path and all it reaches: a breadth-first walk over list (the queue and the seen set).
static int query_closure(const char *path) {
    u32 count = 1, next = 0;
    snprintf(list[0], ABI_ZIX_PATH_BYTES, "%s", path);
    while (next < count) {
        if (info_get(list[next], &info) < 0) return ZIX_EXIT_FAILED;
        tool_print(BASIN_FD_STDOUT, "%s\n", list[next++]);
        u32 refs = info.refs_count <= ABI_ZIX_REFS_MAX ? info.refs_count : ABI_ZIX_REFS_MAX;
        for (u32 r = 0; r < refs; r++) {
            bool seen = false;
            for (u32 s = 0; s < count && !seen; s++) seen = strncmp(list[s], info.refs[r], ABI_ZIX_PATH_BYTES) == 0;
            if (seen) continue;
            if (count == ZIX_LIST_MAX) { tool_print(BASIN_FD_STDERR, "zix: %s: closure over %u paths\n", path, ZIX_LIST_MAX); return ZIX_EXIT_FAILED; }
            snprintf(list[count++], ABI_ZIX_PATH_BYTES, "%.*s", ABI_ZIX_PATH_BYTES - 1, info.refs[r]);
        }
    }
    return ZIX_EXIT_OK;
}

static int command_query(int argc, char **argv) {
    help_check(argc, argv, usage_query);
    if (argc != 4) tool_usage_error(usage_query, "query: an option and one PATH expected");
    const char *option = argv[2], *path = argv[3];
    if (!is_store_path(path)) tool_usage_error(usage_query, "query: %s: not a store path (" ZIX_STORE_PREFIX "...)", path);
    if (strcmp(option, "--referrers") == 0) return query_referrers(path);
    if (strcmp(option, "--closure") == 0) return query_closure(path);
    if (strcmp(option, "--references") != 0) tool_usage_error(usage_query, "query: unknown option %s", option);
    if (info_get(path, &info) < 0) return ZIX_EXIT_FAILED;
    u32 refs = info.refs_count <= ABI_ZIX_REFS_MAX ? info.refs_count : ABI_ZIX_REFS_MAX;
    for (u32 r = 0; r < refs; r++) tool_print(BASIN_FD_STDOUT, "%.*s\n", ABI_ZIX_PATH_BYTES, info.refs[r]);
    return ZIX_EXIT_OK;
}

// ---- verify, check -------------------------------------------------------------------

// REPAIR + WAIT of one damaged path (root only). True when it was repaired.
static bool verify_repair(const char *path) {
    memset(&build_result, 0, sizeof build_result);
    i64 result = sys_zix_build(ABI_ZIX_BUILD_REPAIR, (u64)(uintptr_t)path, &build_result);
    if (result < 0) { complain_build(path, result, &build_result); return false; }
    if (build_result.status == ABI_ZIX_RUNNING) {
        result = build_wait(build_result.build_id);
        if (result < 0) { complain_build(path, result, &build_result); return false; }
    }
    if (build_result.status == ABI_ZIX_REGISTERED) {
        tool_print(BASIN_FD_STDOUT, "%s: repaired\n", path);
        return true;
    }
    if (build_result.status == ABI_ZIX_FAILED) build_failed_say(path);
    else tool_print(BASIN_FD_STDOUT, "%s: not repaired: the rebuild hashes differently\n", path);
    return false;
}

// VERIFY of one path (and its signature when sigs): true when it is sound, or repaired.
static bool verify_one(const char *path, bool repair, bool sigs) {
    memset(&info_other, 0, sizeof info_other);
    i64 result = sys_zix_store(ABI_ZIX_STORE_VERIFY, (u64)(uintptr_t)path, &info_other);
    bool sound = result == 0;
    if (result == -E_BADMSG) {
        char now[ZIX_HEX_BYTES] = "unreadable", registered[ZIX_HEX_BYTES] = "?";
        // The kernel zeroes the hash when the contents could not be read at all.
        if (!hash_is_zero(info_other.nar_hash)) hex_format(info_other.nar_hash, 32, now);
        if (sys_zix_store(ABI_ZIX_STORE_INFO, (u64)(uintptr_t)path, &info) == 0) hex_format(info.nar_hash, 32, registered);
        tool_print(BASIN_FD_STDOUT, "%s: damaged: contents %s%s, registered sha256:%s\n", path,
                   hash_is_zero(info_other.nar_hash) ? "" : "hash to sha256:", now, registered);
        if (repair) sound = verify_repair(path);
    } else if (result < 0) {
        tool_complain_step(path, "verify", result);
    }
    if (!sigs) return sound;
    result = sys_zix_store(ABI_ZIX_STORE_VERIFY_SIGNATURE, (u64)(uintptr_t)path, NULL);
    if (result == -E_BADMSG) tool_print(BASIN_FD_STDOUT, "%s: signature does not verify\n", path);
    else if (result < 0) tool_complain_step(path, "signature", result);
    return sound && result == 0;
}

static int command_verify(int argc, char **argv) {
    help_check(argc, argv, usage_verify);
    bool repair = false, sigs = false;
    int first = 2;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "--repair") == 0) repair = true;
        else if (strcmp(argv[first], "--sigs") == 0) sigs = true;
        else tool_usage_error(usage_verify, "verify: unknown option %s", argv[first]);
    }
    if (repair && sys_geteuid() != ABI_UID_ROOT) {
        tool_print(BASIN_FD_STDERR, "zix: verify --repair: E_PERM: root only\n");
        return ZIX_EXIT_FAILED;
    }
    i64 count = argc - first;
    if (count > (i64)ZIX_LIST_MAX) tool_usage_error(usage_verify, "verify: more than %u paths", ZIX_LIST_MAX);
    for (i64 n = 0; n < count; n++) snprintf(list[n], ABI_ZIX_PATH_BYTES, "%s", argv[first + n]);
    if (count == 0) count = list_all();
    if (count < 0) return ZIX_EXIT_FAILED;
    u32 bad = 0;
    for (i64 n = 0; n < count; n++) {
        if (!verify_one(list[n], repair, sigs)) bad++;
    }
    tool_print(BASIN_FD_STDOUT, "verified %ld paths: %u %s\n", (long)count, bad,
               repair ? "left damaged" : "damaged");
    return bad == 0 ? ZIX_EXIT_OK : ZIX_EXIT_FAILED;
}

static int command_check(int argc, char **argv) {
    help_check(argc, argv, usage_check);
    if (argc != 3) tool_usage_error(usage_check, "check: one RECIPE or PATH expected");
    char path[ABI_ZIX_PATH_BYTES];
    if (path_of(argv[2], path) < 0) return ZIX_EXIT_FAILED;
    memset(&build_result, 0, sizeof build_result);
    i64 result = sys_zix_build(ABI_ZIX_BUILD_CHECK, (u64)(uintptr_t)path, &build_result);
    if (result == -E_NOENT) {
        tool_print(BASIN_FD_STDERR, "zix: %s: E_NOENT: %s is not registered: build it first\n", argv[2], path);
        return ZIX_EXIT_FAILED;
    }
    if (result < 0) { complain_build(argv[2], result, &build_result); return ZIX_EXIT_FAILED; }
    tool_print(BASIN_FD_STDERR, "zix: %s: checking %s\n", argv[2], path);
    result = build_wait(build_result.build_id);
    if (result < 0) { complain_build(argv[2], result, &build_result); return ZIX_EXIT_FAILED; }
    char rebuilt[ZIX_HEX_BYTES], registered[ZIX_HEX_BYTES];
    hex_format(build_result.nar_hash, 32, rebuilt);
    hex_format(build_result.registered_hash, 32, registered);
    if (build_result.status == ABI_ZIX_SAME) {
        tool_print(BASIN_FD_STDOUT, "%s: same: sha256:%s\n", path, rebuilt);
        return ZIX_EXIT_OK;
    }
    if (build_result.status == ABI_ZIX_DIFFERENT) {
        tool_print(BASIN_FD_STDOUT, "%s: different: the rebuild hashes to sha256:%s, registered sha256:%s\n", path,
                   rebuilt, registered);
        return ZIX_EXIT_CHECK_DIFFERS;
    }
    build_failed_say(argv[2]);
    return ZIX_EXIT_BUILD_FAILED;
}

// ---- gc, roots -----------------------------------------------------------------------

static int command_gc(int argc, char **argv) {
    help_check(argc, argv, usage_gc);
    bool dry_run = argc == 3 && strcmp(argv[2], "--dry-run") == 0;
    if (argc > 3 || (argc == 3 && !dry_run)) tool_usage_error(usage_gc, "gc: only --dry-run is known");
    memset(&gc_result, 0, sizeof gc_result);
    i64 result = sys_zix_store(ABI_ZIX_STORE_GC, dry_run ? ABI_ZIX_GC_DRY_RUN : 0, &gc_result);
    if (result == -E_PERM) { tool_print(BASIN_FD_STDERR, "zix: gc: E_PERM: root only\n"); return ZIX_EXIT_FAILED; }
    if (result < 0) { tool_complain("gc", result); return ZIX_EXIT_FAILED; }
    u32 named = gc_result.freed_named <= ABI_ZIX_GC_FREED_NAMED_MAX ? gc_result.freed_named : ABI_ZIX_GC_FREED_NAMED_MAX;
    for (u32 i = 0; i < named; i++) {
        tool_print(BASIN_FD_STDOUT, "%s %.*s\n", dry_run ? "would free" : "freed", ABI_ZIX_PATH_BYTES,
                   gc_result.freed_paths[i]);
    }
    if (gc_result.freed > named) tool_print(BASIN_FD_STDOUT, "and %u more\n", gc_result.freed - named);
    tool_print(BASIN_FD_STDOUT, "%u roots, %u paths kept, %u %s (%lu bytes)\n", gc_result.roots, gc_result.kept,
               gc_result.freed, dry_run ? "would be freed" : "freed", (unsigned long)gc_result.freed_bytes);
    return ZIX_EXIT_OK;
}

// One link of /zix/roots: "NAME -> TARGET", and whether TARGET is registered.
static void roots_print(const char *name) {
    char link[TOOL_PATH_BYTES], target[TOOL_PATH_BYTES];
    if (tool_path_join(link, sizeof link, ZIX_ROOTS_DIR, name) < 0) { tool_complain(name, -E_NAMETOOLONG); return; }
    i64 length = sys_readlink(link, target, sizeof target - 1);
    if (length < 0) { tool_complain(link, length); return; }
    target[length] = '\0';
    memset(&info_other, 0, sizeof info_other);
    bool registered = sys_zix_store(ABI_ZIX_STORE_INFO, (u64)(uintptr_t)target, &info_other) == 0;
    tool_print(BASIN_FD_STDOUT, "%s -> %s%s\n", name, target, registered ? "" : " (not registered)");
}

static int command_roots(int argc, char **argv) {
    help_check(argc, argv, usage_roots);
    if (argc != 2) tool_usage_error(usage_roots, "roots: no operand expected");
    i64 fd = sys_open(ZIX_ROOTS_DIR, ABI_O_RDONLY | ABI_O_DIRECTORY, 0);
    if (fd == -E_NOENT) return ZIX_EXIT_OK; // no root was ever added
    if (fd < 0) { tool_complain(ZIX_ROOTS_DIR, fd); return ZIX_EXIT_FAILED; }
    struct abi_dirent entries[ZIX_DIRENTS_PER_READ];
    for (;;) {
        i64 count = sys_readdir(fd, entries, ZIX_DIRENTS_PER_READ);
        if (count < 0) { tool_complain_step(ZIX_ROOTS_DIR, "readdir", count); (void)sys_close(fd); return ZIX_EXIT_FAILED; }
        if (count == 0) break;
        for (i64 i = 0; i < count; i++) {
            const char *name = entries[i].name;
            if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
            roots_print(name);
        }
    }
    (void)sys_close(fd);
    return ZIX_EXIT_OK;
}

// A root's name: one path component, not "." or "..".
static bool root_name_valid(const char *name) {
    if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) return false;
    return strchr(name, '/') == NULL && strlen(name) <= ABI_NAME_LEN_MAX;
}

static int root_add(const char *link, const char *path) {
    if (!is_store_path(path)) tool_usage_error(usage_root, "root add: %s: not a store path", path);
    if (info_get(path, &info) < 0) return ZIX_EXIT_FAILED;
    i64 made = sys_mkdir(ZIX_ROOTS_DIR, ZIX_ROOTS_MODE);
    if (made < 0 && made != -E_EXIST) { tool_complain(ZIX_ROOTS_DIR, made); return ZIX_EXIT_FAILED; }
    i64 result = sys_symlink(path, link);
    if (result < 0) { tool_complain(link, result); return ZIX_EXIT_FAILED; }
    return ZIX_EXIT_OK;
}

static int root_remove(const char *link) {
    struct abi_stat st;
    i64 result = sys_lstat(link, &st);
    if (result == 0 && st.type != ABI_TYPE_SYMLINK) result = -E_INVAL;
    if (result == 0) result = sys_unlink(link);
    if (result < 0) { tool_complain(link, result); return ZIX_EXIT_FAILED; }
    return ZIX_EXIT_OK;
}

static int command_root(int argc, char **argv) {
    help_check(argc, argv, usage_root);
    bool add = argc == 5 && strcmp(argv[2], "add") == 0;
    bool remove = argc == 4 && strcmp(argv[2], "remove") == 0;
    if (!add && !remove) tool_usage_error(usage_root, "root: add NAME PATH or remove NAME expected");
    if (!root_name_valid(argv[3])) tool_usage_error(usage_root, "root: %s: not a name (one component)", argv[3]);
    if (sys_geteuid() != ABI_UID_ROOT) {
        tool_print(BASIN_FD_STDERR, "zix: root %s %s: E_PERM: root only\n", argv[2], argv[3]);
        return ZIX_EXIT_FAILED;
    }
    char link[TOOL_PATH_BYTES];
    if (tool_path_join(link, sizeof link, ZIX_ROOTS_DIR, argv[3]) < 0) return ZIX_EXIT_FAILED;
    return add ? root_add(link, argv[4]) : root_remove(link);
}

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
    {"build", command_build}, {"path", command_path},   {"show", command_show},
    {"query", command_query}, {"verify", command_verify}, {"check", command_check},
    {"gc", command_gc},       {"roots", command_roots}, {"root", command_root},
};

int main(int argc, char **argv) {
    if (argc < 2) tool_usage_error(usage, "a command expected");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        tool_print(BASIN_FD_STDOUT, "%s", usage);
        return ZIX_EXIT_OK;
    }
    for (u32 i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc, argv);
    }
    tool_usage_error(usage, "unknown command %s", argv[1]);
}
