// replicatest: the graindb syscall (issue 14) end to end on one node, as init's replica
// phase runs it (init.replica=1): "replicatest root" as root, "replicatest xy" as xy, then
// "replicatest share" as xy. Replication may be off (one node): the keyspace still works.
// The boot number is the count of versions of "rt/boots" (root adds one at every boot):
//   boot 1, root: put, get (its value, hlc, node, uid, SHA-256), history order and
//     versions_count, as-of, E_NOENT, E_INVAL (empty, 48 bytes, bytes outside '!'..'~',
//     a value of 257 bytes, a bad op), E_FAULT (request and reply at bad addresses), root
//     writes xy's keys, status fields, the Merkle root moves with a put;
//   boot 1, xy: its own keys, E_PERM on root's (rt/, root/, xyz/, a leading "/"), reads
//     of root's keys are open;
//   boot 1, share: xy puts until -E_DQUOT, which must come at REPLICA_USER_VERSIONS_MAX
//     (2048) versions of xy's, then root still writes (its reserve);
//   later boots: every value and history of boot 1 survived the reboot, HLC stays above
//     what was written before, xy's share stays used up.
// One line per check; the exit status: the number of failures (reported).
#include <stdio.h>
#include <string.h>

#include "user/tests/lib/test.h"

BASIN_PROGRAM("replicatest");

#define CHECK(what, result, expected) (failures += !expect_result((what), (result), (expected)))
#define UNMAPPED_VA 0x10ull
#define KERNEL_RAM_VA 0x80200000ull // the kernel image on QEMU virt: mapped, not for U-mode
#define BAD_OP 99u
#define USER_VERSIONS_MAX 2048u     // REPLICA_USER_VERSIONS_MAX (subsystems/graindb/replica.h)
#define SHARE_TRIES_MAX (USER_VERSIONS_MAX + 16u)
#define XY_BOOT1_PUTS 4u            // xy's puts of boot 1 before the share test: xy/a twice, xy/keep, xy/tool
#define BOOTS_KEY "rt/boots"
#define KEEP_VALUE "kept across reboots"
// SHA-256("one"): a version's value hash is its value's SHA-256.
static const u8 one_sha256[32] = {0x76, 0x92, 0xc3, 0xad, 0x35, 0x40, 0xbb, 0x80, 0x3c, 0x02, 0x0b,
                                  0x3a, 0xee, 0x66, 0xcd, 0x88, 0x87, 0x12, 0x32, 0x34, 0xea, 0x0c,
                                  0x6e, 0x71, 0x43, 0xc0, 0xad, 0xd7, 0x3f, 0xf4, 0x31, 0xed};

static u32 failures;
static struct abi_graindb_request request;
static struct abi_graindb_reply reply;
static struct abi_graindb_status status;

static void truth(const char *what, bool holds) {
    say("%s: %s", what, holds ? "ok" : "FAIL");
    failures += !holds;
}

static void request_set(const char *key, const char *value) {
    memset(&request, 0, sizeof request);
    snprintf(request.key, sizeof request.key, "%s", key);
    if (value == NULL) return;
    request.value_bytes = (u32)strlen(value);
    memcpy(request.value, value, request.value_bytes);
}

static i64 call(u32 op) {
    memset(&reply, 0, sizeof reply);
    return sys_graindb(op, &request, &reply);
}

static i64 put(const char *key, const char *value) {
    request_set(key, value);
    return call(ABI_GRAINDB_PUT);
}

static i64 get(const char *key) {
    request_set(key, NULL);
    return call(ABI_GRAINDB_GET);
}

static i64 history(const char *key, u32 index) {
    request_set(key, NULL);
    request.index = index;
    return call(ABI_GRAINDB_HISTORY);
}

static i64 as_of(const char *key, u64 hlc) {
    request_set(key, NULL);
    request.as_of_hlc = hlc;
    return call(ABI_GRAINDB_GET_AS_OF);
}

static bool reply_value_is(const char *value) {
    u32 length = (u32)strlen(value);
    return reply.value_bytes == length && reply.version.value_bytes == length &&
           memcmp(reply.value, value, length) == 0;
}

static i64 status_take(void) {
    memset(&status, 0, sizeof status);
    return sys_graindb(ABI_GRAINDB_STATUS, NULL, &status);
}

// The boot number: how many versions "rt/boots" holds (root adds one per boot).
static u32 boots_seen(void) {
    i64 result = get(BOOTS_KEY);
    if (result == -E_NOENT) return 0;
    if (result < 0) { say("get(%s) = %s FAIL", BOOTS_KEY, error_name(result)); failures++; return 0; }
    return reply.versions_count;
}

// ---- root, boot 1 -------------------------------------------------------------------------

static void root_put_get(void) {
    CHECK("root: put(rt/a, one)", put("rt/a", "one"), 0);
    struct abi_graindb_version written = reply.version;
    truth("root: put's reply: node 0, uid 0, 3 bytes, hlc > 0",
          written.node == 0 && written.uid == 0 && written.value_bytes == 3 && written.hlc > 0);
    truth("root: put's reply: the value hash is SHA-256(one)", memcmp(written.value_hash, one_sha256, 32) == 0);
    CHECK("root: get(rt/a)", get("rt/a"), 0);
    truth("root: get(rt/a) returns the version written, with its value",
          reply.version.hlc == written.hlc && reply.version.node == 0 && reply_value_is("one") &&
              memcmp(reply.version.value_hash, one_sha256, 32) == 0 && reply.versions_count == 1);
    CHECK("root: put(rt/a, one) again", put("rt/a", "one"), 0);
    truth("root: the same value twice is two versions, one hash", reply.version.hlc > written.hlc &&
          memcmp(reply.version.value_hash, one_sha256, 32) == 0);
    CHECK("root: get(rt/a) after the second put", get("rt/a"), 0);
    truth("root: rt/a holds 2 versions", reply.versions_count == 2);
    CHECK("root: put(xy/fromroot) (root writes everywhere)", put("xy/fromroot", "root's"), 0);
    CHECK("root: put(rt/keep)", put("rt/keep", KEEP_VALUE), 0);
    CHECK("root: get(rt/none)", get("rt/none"), -E_NOENT);
    CHECK("root: history(rt/none, 0)", history("rt/none", 0), -E_NOENT);
    CHECK("root: as-of(rt/none, max)", as_of("rt/none", ~0ull), -E_NOENT);
}

static void root_history(void) {
    static const char *const values[] = {"h1", "h2", "h3"};
    u64 hlcs[3] = {0};
    for (u32 i = 0; i < 3; i++) {
        CHECK("root: put(rt/h)", put("rt/h", values[i]), 0);
        hlcs[i] = reply.version.hlc;
    }
    truth("root: each put's hlc is above the last", hlcs[1] > hlcs[0] && hlcs[2] > hlcs[1]);
    for (u32 index = 0; index < 3; index++) {
        char what[48];
        snprintf(what, sizeof what, "root: history(rt/h, %u)", index);
        CHECK(what, history("rt/h", index), 0);
        truth("root: history is current first, then older; versions_count 3",
              reply.version.hlc == hlcs[2 - index] && reply_value_is(values[2 - index]) && reply.versions_count == 3);
    }
    CHECK("root: history(rt/h, 3)", history("rt/h", 3), -E_NOENT);
    CHECK("root: history(rt/h, 2^32-1)", history("rt/h", 0xffffffffu), -E_NOENT);
    CHECK("root: as-of(rt/h, hlc of h2)", as_of("rt/h", hlcs[1]), 0);
    truth("root: as-of(hlc of h2) is h2", reply.version.hlc == hlcs[1] && reply_value_is("h2"));
    CHECK("root: as-of(rt/h, hlc of h2 - 1)", as_of("rt/h", hlcs[1] - 1), 0);
    truth("root: as-of(hlc of h2 - 1) is h1", reply.version.hlc == hlcs[0] && reply_value_is("h1"));
    CHECK("root: as-of(rt/h, hlc of h1 - 1)", as_of("rt/h", hlcs[0] - 1), -E_NOENT);
    CHECK("root: as-of(rt/h, max)", as_of("rt/h", ~0ull), 0);
    truth("root: as-of(max) is the current version h3", reply.version.hlc == hlcs[2] && reply_value_is("h3"));
    CHECK("root: get(rt/h)", get("rt/h"), 0);
    truth("root: get(rt/h) is h3", reply.version.hlc == hlcs[2] && reply_value_is("h3"));
}

static void root_invalid(void) {
    CHECK("root: put(empty key)", put("", "x"), -E_INVAL);
    CHECK("root: get(empty key)", get(""), -E_INVAL);
    char longest[ABI_GRAINDB_KEY_BYTES_MAX];
    memset(longest, 'k', sizeof longest - 1);
    memcpy(longest, "rt/", 3);
    longest[sizeof longest - 1] = '\0';
    CHECK("root: put(a key of 47 bytes)", put(longest, "x"), 0);
    request_set("rt/x", "x");
    memset(request.key, 'k', sizeof request.key); // 48 bytes and no NUL
    CHECK("root: put(a key of 48 bytes, no NUL)", call(ABI_GRAINDB_PUT), -E_INVAL);
    CHECK("root: get(a key of 48 bytes, no NUL)", call(ABI_GRAINDB_GET), -E_INVAL);
    CHECK("root: put(a key with a space)", put("rt/a b", "x"), -E_INVAL);
    CHECK("root: put(a key with a tab)", put("rt/a\tb", "x"), -E_INVAL);
    CHECK("root: put(a key with DEL)", put("rt/a\x7f", "x"), -E_INVAL);
    CHECK("root: put(a key with a byte above 127)", put("rt/a\xc3\xa9", "x"), -E_INVAL);
    request_set("rt/big", NULL);
    request.value_bytes = ABI_GRAINDB_VALUE_BYTES_MAX + 1;
    CHECK("root: put(a value of 257 bytes)", call(ABI_GRAINDB_PUT), -E_INVAL);
    request.value_bytes = 0xffffffffu;
    CHECK("root: put(a value of 2^32-1 bytes)", call(ABI_GRAINDB_PUT), -E_INVAL);
    CHECK("root: get(rt/big) after the refusals", get("rt/big"), -E_NOENT);
    request_set("rt/big", NULL);
    memset(request.value, 'b', ABI_GRAINDB_VALUE_BYTES_MAX);
    request.value_bytes = ABI_GRAINDB_VALUE_BYTES_MAX;
    CHECK("root: put(a value of 256 bytes)", call(ABI_GRAINDB_PUT), 0);
    CHECK("root: get(rt/big)", get("rt/big"), 0);
    truth("root: rt/big reads back 256 bytes", reply.value_bytes == ABI_GRAINDB_VALUE_BYTES_MAX &&
          reply.value[0] == 'b' && reply.value[ABI_GRAINDB_VALUE_BYTES_MAX - 1] == 'b');
    CHECK("root: put(rt/empty, an empty value)", put("rt/empty", ""), 0);
    request_set("rt/a", NULL);
    CHECK("root: graindb(op 99)", call(BAD_OP), -E_INVAL);
}

static void root_faults(void) {
    const struct abi_graindb_request *unmapped = (const struct abi_graindb_request *)UNMAPPED_VA;
    const struct abi_graindb_request *kernel = (const struct abi_graindb_request *)KERNEL_RAM_VA;
    // The stack's last bytes: a request there runs off the top of the mappings.
    const struct abi_graindb_request *stack_end = (const struct abi_graindb_request *)(ABI_USER_STACK_TOP_VA - 8);
    void *text = (void *)(uintptr_t)&root_faults; // readable, not writable
    CHECK("root: put(request NULL)", sys_graindb(ABI_GRAINDB_PUT, NULL, &reply), -E_FAULT);
    CHECK("root: put(request 0x10)", sys_graindb(ABI_GRAINDB_PUT, unmapped, &reply), -E_FAULT);
    CHECK("root: put(request in kernel memory)", sys_graindb(ABI_GRAINDB_PUT, kernel, &reply), -E_FAULT);
    CHECK("root: get(request across the stack's end)", sys_graindb(ABI_GRAINDB_GET, stack_end, &reply), -E_FAULT);
    request_set("rt/a", NULL);
    CHECK("root: get(reply NULL)", sys_graindb(ABI_GRAINDB_GET, &request, NULL), -E_FAULT);
    CHECK("root: get(reply into text)", sys_graindb(ABI_GRAINDB_GET, &request, text), -E_FAULT);
    CHECK("root: history(reply in kernel memory)", sys_graindb(ABI_GRAINDB_HISTORY, &request, (void *)KERNEL_RAM_VA),
          -E_FAULT);
    CHECK("root: status(out NULL)", sys_graindb(ABI_GRAINDB_STATUS, NULL, NULL), -E_FAULT);
    CHECK("root: status(out into text)", sys_graindb(ABI_GRAINDB_STATUS, NULL, text), -E_FAULT);
    request_set("rt/faulted", "x");
    CHECK("root: put(reply 0x10)", sys_graindb(ABI_GRAINDB_PUT, &request, (void *)UNMAPPED_VA), -E_FAULT);
}

static void root_status(u64 last_hlc) {
    CHECK("root: status", status_take(), 0);
    say("status: node %u, nodes %u, keys %u, versions %u", status.node, status.nodes, status.keys, status.versions);
    truth("root: status: node 0 of 1 (replication off)", status.node == 0 && status.nodes == 1);
    truth("root: status: at least the 8 keys and 11 versions of this test",
          status.keys >= 8 && status.versions >= 11);
    truth("root: status: hlc at least the last put's", status.hlc >= last_hlc);
    truth("root: status: the monotonic clock and a Merkle root", status.monotonic_ns > 0 && status.merkle_root != 0);
    truth("root: status: nothing rejected or repaired",
          status.datagrams_rejected == 0 && status.objects_rejected == 0 && status.objects_repaired == 0);
    bool quiet = true;
    for (u32 i = 0; i < ABI_GRAINDB_NODES_MAX; i++) {
        const struct abi_graindb_peer *peer = &status.peers[i];
        quiet = quiet && peer->last_contact_ns == 0 && peer->datagrams_sent == 0 && peer->datagrams_received == 0;
    }
    truth("root: status: no peer heard or sent to", quiet);
    u64 root_before = status.merkle_root;
    u32 versions_before = status.versions;
    CHECK("root: put(rt/moves)", put("rt/moves", "m"), 0);
    CHECK("root: status again", status_take(), 0);
    truth("root: a put moves the Merkle root and adds one version",
          status.merkle_root != root_before && status.versions == versions_before + 1);
}

// ---- xy, boot 1 ---------------------------------------------------------------------------

static void xy_checks(void) {
    CHECK("xy: put(xy/a, mine)", put("xy/a", "mine"), 0);
    truth("xy: its version: uid 1000, node 0", reply.version.uid == ABI_UID_USER && reply.version.node == 0);
    CHECK("xy: put(xy/a, again)", put("xy/a", "again"), 0);
    CHECK("xy: put(xy/keep)", put("xy/keep", KEEP_VALUE), 0);
    CHECK("xy: put(rt/x) (root's)", put("rt/x", "x"), -E_PERM);
    CHECK("xy: put(root/x) (root's user)", put("root/x", "x"), -E_PERM);
    CHECK("xy: put(xyz/a) (names no user: root's)", put("xyz/a", "x"), -E_PERM);
    CHECK("xy: put(/xy/a) (an empty first component: root's)", put("/xy/a", "x"), -E_PERM);
    CHECK("xy: put(rt/a) (root's key that exists)", put("rt/a", "stolen"), -E_PERM);
    CHECK("xy: get(rt/x) after the refusal", get("rt/x"), -E_NOENT);
    CHECK("xy: get(rt/a) (reads are open)", get("rt/a"), 0);
    truth("xy: rt/a is still root's one", reply_value_is("one") && reply.version.uid == 0);
    CHECK("xy: get(xy/fromroot)", get("xy/fromroot"), 0);
    truth("xy: root's version in xy's space: uid 0", reply.version.uid == 0 && reply_value_is("root's"));
    CHECK("xy: history(rt/h, 2)", history("rt/h", 2), 0);
    CHECK("xy: status", status_take(), 0);
    CHECK("xy: put(empty key)", put("", "x"), -E_INVAL);
    CHECK("xy: put(request 0x10)", sys_graindb(ABI_GRAINDB_PUT, (const void *)UNMAPPED_VA, &reply), -E_FAULT);
}

// xy fills its share: -E_DQUOT after USER_VERSIONS_MAX versions of xy's in all.
static void xy_share(void) {
    u32 accepted = 0;
    i64 result = 0;
    for (u32 i = 0; i < SHARE_TRIES_MAX; i++) {
        char key[32];
        snprintf(key, sizeof key, "xy/q%u", i % 64u); // few keys, many versions
        result = put(key, "q");
        if (result != 0) break;
        accepted++;
    }
    say("xy's share: %u puts accepted before %s", accepted, error_name(result));
    CHECK("xy: the put past the share", result, -E_DQUOT);
    truth("xy: the share is 2048 versions (4 of boot 1 before)", accepted + XY_BOOT1_PUTS == USER_VERSIONS_MAX);
    CHECK("xy: put(another key) past the share", put("xy/other", "x"), -E_DQUOT);
    CHECK("xy: get(xy/q0) (reads go on)", get("xy/q0"), 0);
}

// ---- /bin/graindb, through the shell ------------------------------------------------------

static i64 run_sh(const char *line) {
    const char *const argv[] = {"sh", "-c", line, NULL};
    i64 pid = sys_spawn("/bin/sh", argv, (u64)sys_geteuid());
    if (pid < 0) return pid;
    struct abi_wait_status wait_status;
    i64 reaped = sys_wait(pid, &wait_status, 0);
    if (reaped != pid) return reaped < 0 ? reaped : -E_CHILD;
    return wait_status.cause == ABI_EXIT_NORMAL ? wait_status.exit_code : 128 + (i64)wait_status.cause;
}

#define RUN(line, expected) CHECK("sh -c '" line "'", run_sh(line), expected)

// The tool's output goes to the console, where tests/t_replica.sh reads it.
static void root_tool(void) {
    RUN("graindb put rt/tool hello", 0);
    RUN("graindb get rt/tool", 0);
    RUN("graindb put rt/tool world", 0);
    RUN("graindb history rt/tool", 0);
    RUN("graindb get -v rt/tool", 0);
    RUN("graindb get rt/missing", 1);
    RUN("graindb get rt/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1);
    RUN("graindb wait rt/tool world --timeout-ms 100", 0);
    RUN("graindb wait rt/tool hello --timeout-ms 100", 1);
    RUN("graindb wait-keys 1 --timeout-ms 100", 0);
    RUN("graindb wait-keys 100000 --timeout-ms 60", 1);
    RUN("graindb fill tf/ 5", 0);
    RUN("graindb get tf/4", 0);
    RUN("graindb status", 0);
    RUN("graindb bogus", 2);
    RUN("graindb put onlykey", 2);
    RUN("graindb get rt/tool --as-of banana", 2);
    RUN("graindb wait rt/tool world --timeout-ms x", 2);
    RUN("graindb --help", 0);
    RUN("graindb put --help", 0);
}

static void xy_tool(void) {
    RUN("graindb put rt/x nope", 1);
    RUN("graindb put xy/tool mine", 0);
    RUN("graindb get rt/tool", 0);
}

// ---- later boots ----------------------------------------------------------------------------

static void root_survived(u32 boot, u64 boot_hlc) {
    say("boot %u: checking what boot 1 wrote", boot);
    CHECK("root: get(rt/keep) after the reboot", get("rt/keep"), 0);
    truth("root: rt/keep kept its value", reply_value_is(KEEP_VALUE));
    CHECK("root: get(rt/h) after the reboot", get("rt/h"), 0);
    truth("root: rt/h: h3 current, 3 versions", reply_value_is("h3") && reply.versions_count == 3);
    CHECK("root: history(rt/h, 2) after the reboot", history("rt/h", 2), 0);
    truth("root: rt/h's oldest is h1", reply_value_is("h1"));
    CHECK("root: history(rt/boots, 1)", history(BOOTS_KEY, 1), 0);
    truth("root: this boot's hlc is above the last boot's", boot_hlc > reply.version.hlc);
    CHECK("root: get(rt/big) after the reboot", get("rt/big"), 0);
    truth("root: rt/big: 256 bytes", reply.value_bytes == ABI_GRAINDB_VALUE_BYTES_MAX);
}

static void xy_survived(void) {
    CHECK("xy: get(xy/keep) after the reboot", get("xy/keep"), 0);
    truth("xy: xy/keep kept its value and uid", reply_value_is(KEEP_VALUE) && reply.version.uid == ABI_UID_USER);
    CHECK("xy: get(xy/a) after the reboot", get("xy/a"), 0);
    truth("xy: xy/a: again, 2 versions", reply_value_is("again") && reply.versions_count == 2);
    CHECK("xy: put(xy/after) (the share stays used up)", put("xy/after", "x"), -E_DQUOT);
}

static void run(const char *mode) {
    bool as_root = strcmp(mode, "root") == 0;
    u32 boot = boots_seen() + (as_root ? 1 : 0);
    char value[16];
    snprintf(value, sizeof value, "boot%u", boot);
    if (as_root) CHECK("root: put(rt/boots)", put(BOOTS_KEY, value), 0);
    u64 boot_hlc = reply.version.hlc;
    say("%s: boot %u", mode, boot);
    if (boot > 1) {
        if (as_root) root_survived(boot, boot_hlc);
        else if (strcmp(mode, "xy") == 0) xy_survived();
        return;
    }
    if (as_root) {
        root_put_get();
        root_history();
        root_invalid();
        root_faults();
        root_status(boot_hlc);
        root_tool();
    } else if (strcmp(mode, "xy") == 0) {
        xy_checks();
        xy_tool();
    } else {
        xy_share();
        if (status_take() == 0) say("status after the share: keys %u, versions %u", status.keys, status.versions);
    }
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "root") != 0 && strcmp(mode, "xy") != 0 && strcmp(mode, "share") != 0) {
        say("usage: replicatest root|xy|share");
        return 2;
    }
    run(mode);
    say("replicatest %s: %u failures", mode, failures);
    char name[32];
    snprintf(name, sizeof name, "replicatest %s", mode);
    // Injected faults (a failing disk, a power loss, a crash) may explain failures, as in
    // the other workloads; without them every check must pass.
    report_check(name, failures, ABI_REPORT_EXCUSES_ALL);
    return (int)failures;
}
