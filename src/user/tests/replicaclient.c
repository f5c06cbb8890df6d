// replicaclient: the simulator's workload of the replicated keyspace (issue 14).
//   replicaclient root | xy     a client, forever (z6.set=replica provisions one of each
//                               on every node: kernel/boot/provision_z6.c): random puts
//                               (root: keys under "r<node>/" and "shared/"; xy: under
//                               "xy/"; 8 keys each, so keys get concurrent versions from
//                               several nodes), gets, histories and as-of reads.
//   replicaclient fill PREFIX COUNT   puts PREFIX0..PREFIX<COUNT-1> (values v<i>), says
//                               how long it took, exits 0 (the convergence bench).
// What must hold on one node whatever the network does, each checked and reported
// (report_check, so a wrong answer fails the seed through workload_checks_pass):
//   - after an acknowledged put of version V, a get on this node returns V (with our
//     value) or a version with a higher (hlc, node);
//   - V is in the key's history;
//   - get-as-of(V.hlc) returns a version with hlc <= V.hlc (here: exactly V.hlc, since V
//     qualifies and the newest one that does wins);
//   - a key's current version never goes back between two gets of one process;
//   - each acknowledged put's hlc is above the process's previous one (the node's HLC
//     never goes back, whatever realtime does);
//   - the first and the last version a process acknowledged for a key stay held;
//   - xy's put of a root key is -E_PERM.
// Errors a correct kernel may give under faults (E_IO, E_BADMSG, E_NOSPC, E_DQUOT for
// xy's share) are counted, not failures; a damaged disk excuses a lost version.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/lib/basin.h"

BASIN_PROGRAM("replicaclient");

#define MS 1000000ull
#define PAUSE_MIN_MS 20u
#define PAUSE_SPREAD_MS 180u
#define KEYS_PER_SPACE 8u
#define HISTORY_SCAN_MAX 256u   // versions above ours looked through before giving up
#define SAY_EVERY_OPS 500u
#define REPORT_EVERY_OPS 20u   // a passing verdict now and then: the summary counts the clients
#define FILL_COUNT_MAX 100000u
#define LOST_EXCUSES (ABI_REPORT_EXCUSE_DISK_ERRORS | ABI_REPORT_EXCUSE_DATA_LOST | ABI_REPORT_EXCUSE_POWER_LOSS)

static struct abi_graindb_request request;
static struct abi_graindb_reply reply;
static struct abi_graindb_status status;
static bool as_root;
static u32 node;
static u64 ops;
static u64 refusals; // environmental errors and xy's share
static u64 last_put_hlc; // this process's last acknowledged put: the node's HLC only grows

static u32 random_below(u32 bound) {
    u32 value = 0;
    if (sys_getrandom(&value, sizeof value, 0) != (i64)sizeof value) fail("getrandom failed");
    return value % bound;
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

// (hlc, node) order: the model's order of versions.
static int version_compare(const struct abi_graindb_version *a, const struct abi_graindb_version *b) {
    if (a->hlc != b->hlc) return a->hlc < b->hlc ? -1 : 1;
    if (a->node != b->node) return a->node < b->node ? -1 : 1;
    return 0;
}

// An error a correct kernel may answer on this machine: disk trouble or a full share.
static bool environmental(i64 error) {
    return error == -E_IO || error == -E_BADMSG || error == -E_NOSPC || error == -E_DQUOT || error == -E_NOMEM;
}

// One check's verdict. Only failures are reported: the kernel logs every report.
static void verdict(const char *name, bool holds, u32 excuses, const char *key) {
    if (holds) return;
    say("FAIL: %s: %s", name, key);
    report_check(name, 1, excuses);
}

#define SPACES_COUNT 3u // r<node>/, shared/, xy/
// The last version this process had acknowledged for each key (.hlc 0: none yet), and
// the first one (an older version must stay in the history however many follow).
static struct abi_graindb_version acked[SPACES_COUNT][KEYS_PER_SPACE];
static struct abi_graindb_version acked_first[SPACES_COUNT][KEYS_PER_SPACE];

// A random key of this client's spaces; *slot and *first point at its acked versions.
static void key_pick(char *key, u64 capacity, struct abi_graindb_version **slot,
                     struct abi_graindb_version **first) {
    u32 index = random_below(KEYS_PER_SPACE);
    u32 space = !as_root ? 2u : random_below(2);
    if (space == 2) snprintf(key, capacity, "xy/k%u", index);
    else if (space == 0) snprintf(key, capacity, "r%u/k%u", node, index);
    else snprintf(key, capacity, "shared/k%u", index);
    *slot = &acked[space][index];
    *first = &acked_first[space][index];
}

// Is `written` in key's history? Scans from the current version down while versions are
// above it. false with *unsure when the scan ran out (many newer versions arrived).
static bool history_holds(const char *key, const struct abi_graindb_version *written, bool *unsure) {
    request_set(key, NULL);
    *unsure = false;
    for (u32 index = 0; index < HISTORY_SCAN_MAX; index++) {
        request.index = index;
        i64 result = call(ABI_GRAINDB_HISTORY);
        if (result < 0) { *unsure = environmental(result); return false; }
        int order = version_compare(&reply.version, written);
        if (order == 0) return true;
        if (order < 0) return false; // below ours: ours is not there
    }
    *unsure = true;
    return false;
}

// The checks after an acknowledged put of `written` with `value`.
static void after_put(const char *key, const struct abi_graindb_version *written, const char *value) {
    request_set(key, NULL);
    i64 result = call(ABI_GRAINDB_GET);
    int order = result == 0 ? version_compare(&reply.version, written) : -1;
    bool ours = order == 0 && reply.value_bytes == strlen(value) && memcmp(reply.value, value, reply.value_bytes) == 0;
    bool holds = (result == 0 && (order > 0 || ours)) || environmental(result);
    verdict("replica-get-after-put", holds, LOST_EXCUSES, key);
    bool unsure = false;
    holds = history_holds(key, written, &unsure) || unsure;
    verdict("replica-history-holds-put", holds, LOST_EXCUSES, key);
    request_set(key, NULL);
    request.as_of_hlc = written->hlc;
    result = call(ABI_GRAINDB_GET_AS_OF);
    holds = (result == 0 && reply.version.hlc == written->hlc) || environmental(result);
    verdict("replica-as-of-put", holds, LOST_EXCUSES, key);
}

static void do_put(void) {
    char key[ABI_GRAINDB_KEY_BYTES_MAX], value[48];
    struct abi_graindb_version *slot = NULL, *first = NULL;
    key_pick(key, sizeof key, &slot, &first);
    snprintf(value, sizeof value, "n%u-p%ld-o%lu", node, (long)sys_getpid(), (unsigned long)ops);
    request_set(key, value);
    i64 result = call(ABI_GRAINDB_PUT);
    if (result < 0) {
        refusals++;
        verdict("replica-put-answer", environmental(result), 0, key);
        return;
    }
    struct abi_graindb_version written = reply.version;
    verdict("replica-put-reply", written.node == node && written.uid == (as_root ? 0u : ABI_UID_USER), 0, key);
    verdict("replica-put-hlc-grows", written.hlc > last_put_hlc, 0, key);
    last_put_hlc = written.hlc;
    after_put(key, &written, value);
    *slot = written;
    if (first->hlc == 0) *first = written;
}

// Two gets of one key in a row: the second's current version is not below the first's.
// And the version this process last acknowledged for the key is still in its history.
static void do_reads(void) {
    char key[ABI_GRAINDB_KEY_BYTES_MAX];
    struct abi_graindb_version *slot = NULL, *oldest = NULL;
    key_pick(key, sizeof key, &slot, &oldest);
    if (slot->hlc != 0) {
        bool unsure = false;
        bool holds = history_holds(key, slot, &unsure) || unsure;
        verdict("replica-acked-version-kept", holds, LOST_EXCUSES, key);
    }
    if (oldest->hlc != 0) {
        // The newest version as of the oldest's hlc: the oldest itself, or one with that
        // hlc from a higher node. Never none, never older.
        request_set(key, NULL);
        request.as_of_hlc = oldest->hlc;
        i64 result = call(ABI_GRAINDB_GET_AS_OF);
        bool holds = result == 0 ? reply.version.hlc == oldest->hlc && reply.version.node >= oldest->node
                                 : environmental(result);
        verdict("replica-first-acked-version-kept", holds, LOST_EXCUSES, key);
    }
    request_set(key, NULL);
    i64 first = call(ABI_GRAINDB_GET);
    struct abi_graindb_version before = reply.version;
    u32 count_before = reply.versions_count;
    i64 second = call(ABI_GRAINDB_GET);
    if (first == 0 && second == 0) {
        bool holds = version_compare(&reply.version, &before) >= 0 && reply.versions_count >= count_before;
        verdict("replica-current-never-goes-back", holds, LOST_EXCUSES, key);
    } else {
        bool holds = (first == 0 || first == -E_NOENT || environmental(first)) &&
                     (second == 0 || environmental(second) || (first == -E_NOENT && second == -E_NOENT));
        verdict("replica-read-answer", holds, LOST_EXCUSES, key);
    }
    if (first != 0) return;
    // Versions only accumulate: an index below an earlier count is still there.
    request.index = random_below(count_before);
    i64 result = call(ABI_GRAINDB_HISTORY);
    bool holds = result == 0 ? reply.versions_count >= count_before : environmental(result);
    verdict("replica-history-index-held", holds, LOST_EXCUSES, key);
}

// xy may not write root's keys: refused, whatever else happens.
static void do_forbidden(void) {
    char key[ABI_GRAINDB_KEY_BYTES_MAX];
    snprintf(key, sizeof key, random_below(2) == 0 ? "shared/k%u" : "r%u/k0", node);
    request_set(key, "forged");
    i64 result = call(ABI_GRAINDB_PUT);
    verdict("replica-xy-put-root-key-refused", result == -E_PERM, 0, key);
}

static _Noreturn void client(void) {
    memset(&status, 0, sizeof status);
    i64 result = sys_graindb(ABI_GRAINDB_STATUS, NULL, &status);
    if (result < 0) fail("status = %s", error_name(result));
    node = status.node;
    say("%s client on node %u of %u", as_root ? "root" : "xy", node, status.nodes);
    for (;;) {
        u32 op = random_below(10);
        if (op < 5) do_put();
        else if (op < 9 || as_root) do_reads();
        else do_forbidden();
        ops++;
        if (ops % REPORT_EVERY_OPS == 0) report_check(as_root ? "replicaclient root" : "replicaclient xy", 0, 0);
        if (ops % SAY_EVERY_OPS == 0) note("%lu ops, %lu refused", (unsigned long)ops, (unsigned long)refusals);
        sys_sleep_until(monotonic_ns() + (PAUSE_MIN_MS + random_below(PAUSE_SPREAD_MS)) * MS);
    }
}

// The bench: COUNT keys, one put each; exit 1 at the first refusal.
static int fill(const char *prefix, const char *count_text) {
    char *end = NULL;
    unsigned long count = strtoul(count_text, &end, 10);
    if (*end != '\0' || count == 0 || count > FILL_COUNT_MAX) fail("usage: replicaclient fill PREFIX COUNT (1..100000)");
    u64 start_ns = monotonic_ns();
    for (unsigned long i = 0; i < count; i++) {
        char key[ABI_GRAINDB_KEY_BYTES_MAX + 24], value[24];
        snprintf(key, sizeof key, "%s%lu", prefix, i);
        snprintf(value, sizeof value, "v%lu", i);
        if (strlen(key) >= ABI_GRAINDB_KEY_BYTES_MAX) fail("fill: key %s too long", key);
        request_set(key, value);
        i64 result = call(ABI_GRAINDB_PUT);
        if (result < 0) fail("fill: put %s = %s after %lu keys", key, error_name(result), i);
    }
    u64 took_ms = (monotonic_ns() - start_ns) / MS;
    say("fill %s: %lu keys", prefix, count);
    note("fill %s: %lu keys in %lu ms", prefix, count, (unsigned long)took_ms);
    return 0;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "fill") == 0 && argc == 4) return fill(argv[2], argv[3]);
    if (strcmp(mode, "root") == 0 || strcmp(mode, "xy") == 0) {
        as_root = strcmp(mode, "root") == 0;
        client();
    }
    fail("usage: replicaclient root|xy | replicaclient fill PREFIX COUNT");
}
