// The replicated keyspace's boot (boot arguments, the engine's planted bugs, the log
// loaded from GrainDB) and what every part of the room reports (observations, traces).
#include "kernel/replica/internal.h"

#include "kernel/bugs.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/mem.h"
#include "kernel/lib/xxhash_inline.h"
#include "kernel/observe.h"
#include "kernel/proc/clock.h"
#include "kernel/trace_events.h"

#define NODES_ARG "replica.nodes="
#define NODE_ARG "replica.node="
#define ARG_DIGITS_MAX 3u
#define ARG_ABSENT (-1)
#define ARG_BAD (-2)

void replica_host_observe(struct kernel *k, const struct replica_observation *observation) {
    assert(observation != NULL);
    assert(observation->kind >= REPLICA_OBSERVE_PUT_INVOKE);
    observe_replica(k->platform, observation);
}

u64 replica_host_key_hash(const struct replica_version *version) {
    assert(version != NULL);
    assert(version->key_len <= REPLICA_KEY_BYTES_MAX);
    return (u64)XXH3_64bits(version->key, version->key_len);
}

void replica_host_note_added(struct kernel *k, const struct replica_version *version, bool from_peer) {
    assert(version != NULL);
    assert(version->node < REPLICA_NODES_MAX);
    replica_host_observe(k, &(struct replica_observation){.kind = REPLICA_OBSERVE_ADDED, .from_peer = from_peer,
                                                     .version = *version});
    observe_trace(k->platform, TRACE_REPLICA_ADDED, replica_host_key_hash(version), version->hlc,
                  (u64)version->node << 8 | (from_peer ? 2u : 1u));
}

// The value of the boot argument `prefix` (a whole word): 0..999, ARG_ABSENT, or
// ARG_BAD (then its text is in bad, for the warning).
static i64 boot_arg(const struct kernel *k, const char *prefix, char bad[BOOTARGS_LEN_MAX]) {
    u64 prefix_len = str_len_bounded(prefix, BOOTARGS_LEN_MAX);
    assert(prefix_len > 0);
    i64 found = ARG_ABSENT;
    for (const char *s = k->bootargs; *s != '\0'; s++) {
        if ((s != k->bootargs && s[-1] != ' ') || !str_starts_with(s, prefix)) continue;
        const char *text = s + prefix_len;
        u32 length = 0;
        i64 value = 0;
        while (text[length] != '\0' && text[length] != ' ') {
            char c = text[length++];
            bool digit = c >= '0' && c <= '9' && length <= ARG_DIGITS_MAX; // never overflows
            value = digit && value >= 0 ? value * 10 + (c - '0') : ARG_BAD;
        }
        if (length == 0 || length > ARG_DIGITS_MAX) value = ARG_BAD;
        if (value == ARG_BAD) {
            u32 shown = length < BOOTARGS_LEN_MAX - 1 ? length : BOOTARGS_LEN_MAX - 1;
            mem_copy(bad, text, shown);
            bad[shown] = '\0';
        }
        found = value; // the last one counts, as a later word overrides an earlier one
    }
    return found;
}

static void bad_arg_warn(struct kernel *k, const char *prefix, i64 value, const char *bad, i64 min, i64 max) {
    if (value == ARG_BAD) {
        klog(k, LOG_WARN, "replica: bad boot argument %s%s (allowed: %lld..%lld): replication off", prefix,
             bad, (long long)min, (long long)max);
    } else if (value == ARG_ABSENT) {
        klog(k, LOG_WARN, "replica: boot argument %s is missing: replication off", prefix);
    } else {
        klog(k, LOG_WARN, "replica: bad boot argument %s%lld (allowed: %lld..%lld): replication off",
             prefix, (long long)value, (long long)min, (long long)max);
    }
}

// replica.nodes= and replica.node= into nodes and node; bad values (or a node outside
// the cluster) are warned about and leave replication off (1 node, node 0).
static void boot_args_read(struct kernel *k, u32 *nodes, u32 *node) {
    char bad[BOOTARGS_LEN_MAX];
    *nodes = 1;
    *node = 0;
    i64 nodes_arg = boot_arg(k, NODES_ARG, bad);
    if (nodes_arg == ARG_BAD || nodes_arg == 0 || nodes_arg > (i64)REPLICA_NODES_MAX) {
        bad_arg_warn(k, NODES_ARG, nodes_arg, bad, 1, REPLICA_NODES_MAX);
        return;
    }
    if (nodes_arg == ARG_ABSENT || nodes_arg == 1) return;
    i64 node_arg = boot_arg(k, NODE_ARG, bad);
    if (node_arg < 0 || node_arg >= nodes_arg) {
        bad_arg_warn(k, NODE_ARG, node_arg, bad, 0, nodes_arg - 1);
        return;
    }
    *nodes = (u32)nodes_arg;
    *node = (u32)node_arg;
}

// The kernel's planted bugs whose sites are in the engine, as the engine's bits.
static u64 planted_mask_of(struct kernel *k) {
    static const u32 map[][2] = {
        {BUG_REPLICA_CURRENT_LAST_ARRIVED, REPLICA_BUG_CURRENT_LAST_ARRIVED},
        {BUG_REPLICA_SYNC_SKIPS_LEAVES, REPLICA_BUG_SYNC_SKIPS_LEAVES},
        {BUG_REPLICA_HISTORY_DROPS_OLDER, REPLICA_BUG_HISTORY_DROPS_OLDER},
        {BUG_REPLICA_HLC_PHYSICAL_ONLY, REPLICA_BUG_HLC_PHYSICAL_ONLY},
        {BUG_REPLICA_HLC_IGNORES_REMOTE, REPLICA_BUG_HLC_IGNORES_REMOTE},
    };
    u64 mask = 0;
    for (u32 i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (planted_bug(k, map[i][0])) mask |= 1ull << map[i][1];
    }
    return mask;
}

void replica_host_boot(struct kernel *k) {
    assert(k != NULL);
    struct replica_host *h = &k->replica;
    u32 nodes = 1;
    u32 node = 0;
    boot_args_read(k, &nodes, &node);
    assert(node < nodes);
    h->enabled = k->fs.state == FS_MOUNTED;
    if (!h->enabled) return; // no filesystem: the syscall answers -E_NODEV
    replica_init(&h->engine, node, nodes);
    h->engine.planted_mask = planted_mask_of(k);
    h->networked = nodes >= 2 && platform_net_present(k->platform);
    if (nodes >= 2 && !h->networked) klog(k, LOG_WARN, "replica: %u nodes but no network device", nodes);
    u32 loaded = replica_host_load_log(k);
    h->loaded = true;
    if (h->networked) h->next_sync_ns = kernel_monotonic_ns(k) + REPLICA_SYNC_INTERVAL_NS;
    // A machine that never asked for the keyspace and holds none of it boots as before
    // issue 14 (the same trace): nothing of it happened.
    char unused[BOOTARGS_LEN_MAX];
    bool asked = boot_arg(k, NODES_ARG, unused) != ARG_ABSENT;
    if (asked || loaded > 0) {
        observe_trace(k->platform, TRACE_REPLICA_BOOT, loaded, h->engine.hlc_last, (u64)node << 8 | nodes);
    }
    if (nodes >= 2) klog(k, LOG_INFO, "replica: node %u of %u, %u versions loaded", node, nodes, loaded);
}
