// graindb: the replicated keyspace's command line (issue 14), over the graindb syscall
// (kernel/abi.h; the model in src/subsystems/graindb/replica.h and the README).
//   graindb put KEY VALUE                 writes a new version (durable on this node)
//   graindb get [-v] KEY [--as-of HLC]    the current value (or the newest as of HLC)
//   graindb history KEY                   every version, current first
//   graindb status                        this node, its keyspace and its peers
//   graindb wait KEY VALUE [--timeout-ms N]   until KEY's current value is VALUE
//   graindb wait-keys N [--timeout-ms N]      until this node holds N keys
//   graindb fill PREFIX COUNT             puts PREFIX0..PREFIX<COUNT-1> = v0..v<COUNT-1>
// Output: the data on fd 1; errors on fd 2, naming the command, the input and the error
// ("graindb: put xy/a: permission denied (E_PERM)"). Exit: 0 done, 1 failed (not found,
// refused, timed out), 2 bad usage.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/lib/tool.h"

BASIN_PROGRAM("graindb");

#define GRAINDB_EXIT_OK 0
#define GRAINDB_EXIT_FAILED 1
#define GRAINDB_EXIT_USAGE 2
#define GRAINDB_WAIT_TIMEOUT_MS_DEFAULT 30000ull
#define GRAINDB_WAIT_TIMEOUT_MS_MAX 86400000ull // a day
#define GRAINDB_POLL_NS 20000000ull             // 20 ms between polls
#define GRAINDB_NS_PER_MS 1000000ull
#define GRAINDB_FILL_COUNT_MAX 100000ull
#define GRAINDB_HLC_COUNTER_BITS 16u
#define GRAINDB_HASH_BYTES 32u
#define GRAINDB_HASH_SHOWN_BYTES 8u // 16 hex digits, like the Merkle root
#define GRAINDB_VALUE_TEXT_BYTES (4u * ABI_GRAINDB_VALUE_BYTES_MAX + 1u)

static const char usage[] =
    "usage: graindb put KEY VALUE\n"
    "       graindb get [-v] KEY [--as-of HLC]\n"
    "       graindb history KEY\n"
    "       graindb status\n"
    "       graindb wait KEY VALUE [--timeout-ms N]\n"
    "       graindb wait-keys N [--timeout-ms N]\n"
    "       graindb fill PREFIX COUNT\n"
    "GrainDB's replicated keyspace: every put is a new version stamped with a hybrid\n"
    "logical clock (HLC) and this node's id; the current value is the version with the\n"
    "highest (hlc, node); every version stays in the history. A key is its first\n"
    "component's user's (\"xy/notes\" is xy's), every other key root's; reads are open.\n"
    "graindb CMD --help says more. Exit: 0 done, 1 failed, 2 usage.\n";
static const char usage_put[] =
    "usage: graindb put KEY VALUE\n"
    "Writes VALUE (at most 256 bytes) as a new version of KEY (1..47 bytes '!'..'~');\n"
    "returns once it is durable on this node, and prints its hlc and node.\n";
static const char usage_get[] =
    "usage: graindb get [-v|--verbose] KEY [--as-of HLC]\n"
    "Prints KEY's current value, or with --as-of the newest version with hlc <= HLC.\n"
    "-v: also its hlc, node, uid, size and value hash.\n";
static const char usage_history[] =
    "usage: graindb history KEY\n"
    "Every version of KEY held on this node, current first, one a line:\n"
    "hlc node uid size hash value.\n";
static const char usage_status[] =
    "usage: graindb status\n"
    "This node's id, the cluster size, keys, versions, HLC, Merkle root, rejected\n"
    "datagrams and objects, repaired objects, and per peer the last contact and the\n"
    "datagrams sent and received.\n";
static const char usage_wait[] =
    "usage: graindb wait KEY VALUE [--timeout-ms N]\n"
    "Polls every 20 ms until KEY's current value on this node is VALUE (exit 0), or\n"
    "N ms passed (default 30000; exit 1).\n";
static const char usage_wait_keys[] =
    "usage: graindb wait-keys N [--timeout-ms N]\n"
    "Polls every 20 ms until this node holds at least N keys (exit 0), or the timeout\n"
    "passed (default 30000 ms; exit 1).\n";
static const char usage_fill[] =
    "usage: graindb fill PREFIX COUNT\n"
    "Puts the keys PREFIX0 .. PREFIX<COUNT-1> with the values v0 .. v<COUNT-1> and\n"
    "prints how many and how long it took (monotonic clock).\n";

// Kept out of the stack: each is most of a kilobyte.
static struct abi_graindb_request request;
static struct abi_graindb_reply reply;
static struct abi_graindb_status status;
static char value_text[GRAINDB_VALUE_TEXT_BYTES];
static char history_line[GRAINDB_VALUE_TEXT_BYTES + 128]; // hlc node uid size hash, then the value

// "--help" anywhere among a command's words prints its usage and exits 0.
static void help_check(int argc, char **argv, const char *command_usage) {
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            tool_print(BASIN_FD_STDOUT, "%s", command_usage);
            basin_exit(GRAINDB_EXIT_OK);
        }
    }
}

// What an error means to a user of the keyspace, and its name.
static const char *error_meaning(i64 error) {
    switch (error) {
    case -E_PERM: return "permission denied";
    case -E_NOENT: return "not found";
    case -E_INVAL: return "invalid key or value";
    case -E_DQUOT: return "share of versions used up";
    case -E_NOSPC: return "no room for a version";
    case -E_NODEV: return "no filesystem";
    case -E_IO: return "disk error";
    case -E_BADMSG: return "damaged value";
    case -E_FAULT: return "bad address";
    case -E_NOSYS: return "no graindb syscall";
    default: return "failed";
    }
}

static int complain(const char *command, const char *input, i64 error) {
    tool_print(BASIN_FD_STDERR, "graindb: %s %s: %s (%s)\n", command, input, error_meaning(error), error_name(error));
    return GRAINDB_EXIT_FAILED;
}

// A decimal u64 at most max; false for anything else.
static bool parse_u64(const char *text, u64 max, u64 *out) {
    if (text[0] < '0' || text[0] > '9') return false;
    char *end = NULL;
    unsigned long long value = strtoull(text, &end, 10);
    if (*end != '\0' || value > max) return false;
    *out = (u64)value;
    return true;
}

// The request's key, refused by the tool when it cannot fit (the kernel judges the rest).
static bool request_key(const char *key) {
    memset(&request, 0, sizeof request);
    u64 length = strlen(key);
    if (length >= ABI_GRAINDB_KEY_BYTES_MAX) return false;
    memcpy(request.key, key, length + 1);
    return true;
}

static void hash_format(const u8 *hash, u32 count, char *out) {
    basin_assert(count <= GRAINDB_HASH_BYTES);
    static const char digits[] = "0123456789abcdef";
    for (u32 i = 0; i < count; i++) {
        out[2 * i] = digits[hash[i] >> 4];
        out[2 * i + 1] = digits[hash[i] & 15];
    }
    out[2 * count] = '\0';
}

// The value on one line: printable bytes as they are, others (and '\\') as \xNN.
static const char *value_format(const u8 *value, u32 length) {
    basin_assert(length <= ABI_GRAINDB_VALUE_BYTES_MAX);
    u32 used = 0;
    for (u32 i = 0; i < length; i++) {
        u8 byte = value[i];
        if (byte >= ' ' && byte <= '~' && byte != '\\') value_text[used++] = (char)byte;
        else used += (u32)snprintf(value_text + used, sizeof value_text - used, "\\x%02x", byte);
    }
    basin_assert(used < sizeof value_text);
    value_text[used] = '\0';
    return value_text;
}

// "hlc=H (P ms + C) node=N uid=U size=S hash=X"
static void version_print(const struct abi_graindb_version *v) {
    char hash[2 * GRAINDB_HASH_BYTES + 1];
    hash_format(v->value_hash, GRAINDB_HASH_BYTES, hash);
    tool_print(BASIN_FD_STDOUT, "hlc=%lu (%lu ms + %lu) node=%u uid=%u size=%u hash=%s\n", (unsigned long)v->hlc,
               (unsigned long)(v->hlc >> GRAINDB_HLC_COUNTER_BITS),
               (unsigned long)(v->hlc & ((1ull << GRAINDB_HLC_COUNTER_BITS) - 1)), v->node, v->uid,
               v->value_bytes, hash);
}

// ---- put, get, history -------------------------------------------------------------------

static i64 put(const char *key, const char *value) {
    u64 length = strlen(value);
    if (!request_key(key) || length > ABI_GRAINDB_VALUE_BYTES_MAX) return -E_INVAL;
    memcpy(request.value, value, length);
    request.value_bytes = (u32)length;
    memset(&reply, 0, sizeof reply);
    return sys_graindb(ABI_GRAINDB_PUT, &request, &reply);
}

static int command_put(int argc, char **argv) {
    help_check(argc, argv, usage_put);
    if (argc != 4) tool_usage_error(usage_put, "put: KEY and VALUE expected");
    i64 result = put(argv[2], argv[3]);
    if (result < 0) return complain("put", argv[2], result);
    tool_print(BASIN_FD_STDOUT, "%s: hlc=%lu node=%u\n", argv[2], (unsigned long)reply.version.hlc,
               reply.version.node);
    return GRAINDB_EXIT_OK;
}

// get's operands: KEY, and optionally --as-of HLC, and -v/--verbose anywhere.
static int command_get(int argc, char **argv) {
    help_check(argc, argv, usage_get);
    const char *key = NULL, *as_of = NULL;
    bool verbose = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) verbose = true;
        else if (strcmp(argv[i], "--as-of") == 0 && i + 1 < argc) as_of = argv[++i];
        else if (argv[i][0] == '-') tool_usage_error(usage_get, "get: unknown option %s", argv[i]);
        else if (key == NULL) key = argv[i];
        else tool_usage_error(usage_get, "get: one KEY expected");
    }
    if (key == NULL) tool_usage_error(usage_get, "get: KEY expected");
    u64 hlc = 0;
    if (as_of != NULL && !parse_u64(as_of, ~0ull, &hlc)) tool_usage_error(usage_get, "get: --as-of %s: not an HLC", as_of);
    if (!request_key(key)) return complain("get", key, -E_INVAL);
    request.as_of_hlc = hlc;
    memset(&reply, 0, sizeof reply);
    i64 result = sys_graindb(as_of != NULL ? ABI_GRAINDB_GET_AS_OF : ABI_GRAINDB_GET, &request, &reply);
    if (result < 0) return complain("get", key, result);
    u32 length = reply.value_bytes <= ABI_GRAINDB_VALUE_BYTES_MAX ? reply.value_bytes : ABI_GRAINDB_VALUE_BYTES_MAX;
    if (verbose) version_print(&reply.version);
    i64 written = tool_write_all(BASIN_FD_STDOUT, reply.value, length);
    if (written >= 0) written = tool_write_all(BASIN_FD_STDOUT, "\n", 1);
    return written < 0 ? GRAINDB_EXIT_FAILED : GRAINDB_EXIT_OK;
}

static int command_history(int argc, char **argv) {
    help_check(argc, argv, usage_history);
    if (argc != 3) tool_usage_error(usage_history, "history: one KEY expected");
    const char *key = argv[2];
    if (!request_key(key)) return complain("history", key, -E_INVAL);
    u32 count = 1;
    for (u32 index = 0; index < count; index++) {
        request.index = index;
        memset(&reply, 0, sizeof reply);
        i64 result = sys_graindb(ABI_GRAINDB_HISTORY, &request, &reply);
        if (result == -E_NOENT && index > 0) break; // versions arrived or went meanwhile
        if (result < 0) return complain("history", key, result);
        count = reply.versions_count;
        char hash[2 * GRAINDB_HASH_SHOWN_BYTES + 1];
        hash_format(reply.version.value_hash, GRAINDB_HASH_SHOWN_BYTES, hash);
        u32 length = reply.value_bytes <= ABI_GRAINDB_VALUE_BYTES_MAX ? reply.value_bytes : ABI_GRAINDB_VALUE_BYTES_MAX;
        // One write per line (escaped, the value may be longer than one tool_print).
        int used = snprintf(history_line, sizeof history_line, "%lu %u %u %u %s %s\n", (unsigned long)reply.version.hlc,
                            reply.version.node, reply.version.uid, reply.version.value_bytes, hash,
                            value_format(reply.value, length));
        basin_assert(used > 0);
        basin_assert((u32)used < sizeof history_line);
        if (tool_write_all(BASIN_FD_STDOUT, history_line, (u64)used) < 0) return GRAINDB_EXIT_FAILED;
    }
    return GRAINDB_EXIT_OK;
}

// ---- status ---------------------------------------------------------------------------------

static void peer_print(u32 node, const struct abi_graindb_peer *peer, u64 now_ns) {
    char contact[48];
    if (peer->last_contact_ns == 0) snprintf(contact, sizeof contact, "never");
    else if (peer->last_contact_ns > now_ns) snprintf(contact, sizeof contact, "0 ms ago");
    else snprintf(contact, sizeof contact, "%lu ms ago", (unsigned long)((now_ns - peer->last_contact_ns) / GRAINDB_NS_PER_MS));
    tool_print(BASIN_FD_STDOUT, "peer %u: last contact %s, %lu datagrams sent, %lu received\n", node, contact,
               (unsigned long)peer->datagrams_sent, (unsigned long)peer->datagrams_received);
}

static int command_status(int argc, char **argv) {
    help_check(argc, argv, usage_status);
    if (argc != 2) tool_usage_error(usage_status, "status: no operand expected");
    memset(&status, 0, sizeof status);
    i64 result = sys_graindb(ABI_GRAINDB_STATUS, NULL, &status);
    if (result < 0) return complain("status", "", result);
    tool_print(BASIN_FD_STDOUT, "node %u of %u%s\n", status.node, status.nodes,
               status.nodes <= 1 ? " (replication off)" : "");
    tool_print(BASIN_FD_STDOUT, "keys %u, versions %u\n", status.keys, status.versions);
    tool_print(BASIN_FD_STDOUT, "hlc %lu (%lu ms + %lu)\n", (unsigned long)status.hlc,
               (unsigned long)(status.hlc >> GRAINDB_HLC_COUNTER_BITS),
               (unsigned long)(status.hlc & ((1ull << GRAINDB_HLC_COUNTER_BITS) - 1)));
    tool_print(BASIN_FD_STDOUT, "merkle root %016lx\n", (unsigned long)status.merkle_root);
    tool_print(BASIN_FD_STDOUT, "rejected: %lu datagrams, %lu objects; repaired: %lu objects\n",
               (unsigned long)status.datagrams_rejected, (unsigned long)status.objects_rejected,
               (unsigned long)status.objects_repaired);
    u32 nodes = status.nodes <= ABI_GRAINDB_NODES_MAX ? status.nodes : ABI_GRAINDB_NODES_MAX;
    for (u32 node = 0; node < nodes; node++) {
        if (node != status.node) peer_print(node, &status.peers[node], status.monotonic_ns);
    }
    return GRAINDB_EXIT_OK;
}

// ---- wait, wait-keys, fill ------------------------------------------------------------------

// The --timeout-ms N at argv[at] (if any): the deadline on the monotonic clock.
static u64 wait_deadline(int argc, char **argv, int at, const char *command_usage) {
    u64 timeout_ms = GRAINDB_WAIT_TIMEOUT_MS_DEFAULT;
    if (argc == at + 2 && strcmp(argv[at], "--timeout-ms") == 0) {
        if (!parse_u64(argv[at + 1], GRAINDB_WAIT_TIMEOUT_MS_MAX, &timeout_ms)) {
            tool_usage_error(command_usage, "--timeout-ms %s: not a number of ms", argv[at + 1]);
        }
    } else if (argc != at) {
        tool_usage_error(command_usage, "unexpected %s", argv[at]);
    }
    return monotonic_ns() + timeout_ms * GRAINDB_NS_PER_MS;
}

static bool value_is(const char *value) {
    u64 length = strlen(value);
    return reply.value_bytes == length && memcmp(reply.value, value, length) == 0;
}

static int command_wait(int argc, char **argv) {
    help_check(argc, argv, usage_wait);
    if (argc < 4) tool_usage_error(usage_wait, "wait: KEY and VALUE expected");
    u64 deadline_ns = wait_deadline(argc, argv, 4, usage_wait);
    const char *key = argv[2], *value = argv[3];
    if (!request_key(key) || strlen(value) > ABI_GRAINDB_VALUE_BYTES_MAX) return complain("wait", key, -E_INVAL);
    i64 result = 0;
    for (;;) {
        memset(&reply, 0, sizeof reply);
        result = sys_graindb(ABI_GRAINDB_GET, &request, &reply);
        if (result == 0 && value_is(value)) return GRAINDB_EXIT_OK;
        if (result < 0 && result != -E_NOENT && result != -E_BADMSG && result != -E_IO) break; // never better
        if (monotonic_ns() >= deadline_ns) {
            tool_print(BASIN_FD_STDERR, "graindb: wait %s: timed out (%s)\n", key,
                       result == 0 ? "another value is current" : error_name(result));
            return GRAINDB_EXIT_FAILED;
        }
        (void)sys_sleep_until(monotonic_ns() + GRAINDB_POLL_NS);
    }
    return complain("wait", key, result);
}

static int command_wait_keys(int argc, char **argv) {
    help_check(argc, argv, usage_wait_keys);
    u64 wanted = 0;
    if (argc < 3 || !parse_u64(argv[2], ~0u, &wanted)) tool_usage_error(usage_wait_keys, "wait-keys: a count N expected");
    u64 deadline_ns = wait_deadline(argc, argv, 3, usage_wait_keys);
    for (;;) {
        memset(&status, 0, sizeof status);
        i64 result = sys_graindb(ABI_GRAINDB_STATUS, NULL, &status);
        if (result < 0) return complain("wait-keys", argv[2], result);
        if (status.keys >= wanted) return GRAINDB_EXIT_OK;
        if (monotonic_ns() >= deadline_ns) {
            tool_print(BASIN_FD_STDERR, "graindb: wait-keys %s: timed out (%u keys)\n", argv[2], status.keys);
            return GRAINDB_EXIT_FAILED;
        }
        (void)sys_sleep_until(monotonic_ns() + GRAINDB_POLL_NS);
    }
}

static int command_fill(int argc, char **argv) {
    help_check(argc, argv, usage_fill);
    u64 count = 0;
    if (argc != 4) tool_usage_error(usage_fill, "fill: PREFIX and COUNT expected");
    if (!parse_u64(argv[3], GRAINDB_FILL_COUNT_MAX, &count)) tool_usage_error(usage_fill, "fill: COUNT %s: 0..100000", argv[3]);
    u64 start_ns = monotonic_ns();
    for (u64 i = 0; i < count; i++) {
        char key[ABI_GRAINDB_KEY_BYTES_MAX + 24], value[24];
        snprintf(key, sizeof key, "%s%lu", argv[2], (unsigned long)i);
        snprintf(value, sizeof value, "v%lu", (unsigned long)i);
        i64 result = put(key, value);
        if (result < 0) {
            tool_print(BASIN_FD_STDOUT, "filled %lu keys\n", (unsigned long)i);
            return complain("fill", key, result);
        }
    }
    u64 took_ms = (monotonic_ns() - start_ns) / GRAINDB_NS_PER_MS;
    tool_print(BASIN_FD_STDOUT, "filled %lu keys in %lu ms\n", (unsigned long)count, (unsigned long)took_ms);
    return GRAINDB_EXIT_OK;
}

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
    {"put", command_put},     {"get", command_get},         {"history", command_history},
    {"status", command_status}, {"wait", command_wait},     {"wait-keys", command_wait_keys},
    {"fill", command_fill},
};

int main(int argc, char **argv) {
    if (argc < 2) tool_usage_error(usage, "a command expected");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        tool_print(BASIN_FD_STDOUT, "%s", usage);
        return GRAINDB_EXIT_OK;
    }
    for (u32 i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc, argv);
    }
    tool_usage_error(usage, "unknown command %s", argv[1]);
}
