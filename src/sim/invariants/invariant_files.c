// acknowledged_files_durable: fsync, or a file's last close, returned 0 (the kernel
// says so with TRACE_FILE_SYNCED: the inode, the FNV-1a and size of its bytes as of the
// call). Defined at the syscall boundary, not on the filesystem's buffers:
// - at once (after the step): the database holds exactly those bytes under the inode.
//   A silent 0 after a failed fsync (data never committed) shows here without any
//   crash; a file removed meanwhile (unlinked while open) has nothing to hold;
// - after every mount (a crash, a reboot): each file acknowledged so far still holds
//   the acknowledged bytes, or a later version of its inode record (a later commit of
//   its data or attributes, acknowledged or one that survived anyway); or it is gone
//   once a namespace change that removes the inode (unlink, rename over it: told to the
//   simulator before it is made, observe.h) was begun: such changes are
//   durable when their syscall returns, and may survive a crash even when it failed
//   (so a later acknowledgement of the still open file does not take that away). When the
//   mount itself lost the acknowledging commit (mounted below it), the storage
//   invariants judge that loss (acknowledged_writes_survive, excused or not), not this.
// Reads go through GrainDB as the other storage checks do (an inspection: no fault, no
// trace), every object read is held to reads_return_written_bytes, and unreadable data
// is excused only where storage_unreadable_excused says.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/invariants/invariant_storage.h"
#include "kernel/lib/endian.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "sim/trace.h"

#define FILE_ACKS_CAPACITY_MIN 64u
#define FNV64_OFFSET 0xcbf29ce484222325ull
#define FNV64_PRIME 0x100000001b3ull

enum file_found { FILE_FOUND = 0, FILE_REMOVED, FILE_UNREADABLE };

struct file_version {
    u64 digest;
    u64 size_bytes;
    u64 commit_seq; // the commit that wrote its inode record
};

void files_deinit(struct file_acks *acks) {
    assert(acks != NULL);
    free(acks->entries);
    *acks = (struct file_acks){0};
}

// The entry of inode (live or not), or NULL. Linear: a node acknowledges hundreds of
// files in a run, not millions, and the order of entries is the order of first acks.
static struct file_ack *ack_find(struct file_acks *acks, u64 inode) {
    for (u32 i = 0; i < acks->count; i++) {
        if (acks->entries[i].inode == inode) return &acks->entries[i];
    }
    return NULL;
}

static struct file_ack *ack_insert(struct file_acks *acks, u64 inode) {
    struct file_ack *found = ack_find(acks, inode);
    if (found != NULL) return found;
    if (acks->count == acks->capacity) {
        u32 capacity = acks->capacity == 0 ? FILE_ACKS_CAPACITY_MIN : acks->capacity * 2;
        struct file_ack *entries = realloc(acks->entries, capacity * sizeof(*entries));
        if (entries == NULL) {
            fprintf(stdout, "basin-sim: out of memory for the file acknowledgements\n");
            exit(2);
        }
        acks->entries = entries;
        acks->capacity = capacity;
    }
    struct file_ack *entry = &acks->entries[acks->count++];
    *entry = (struct file_ack){.inode = inode};
    return entry;
}

void files_on_synced(struct platform *node, const struct trace_event *event) {
    assert(node != NULL);
    assert(event != NULL);
    assert(event->kind == TRACE_FILE_SYNCED);
    struct invariant_node_state *state = &node->invariants;
    // One syscall per step, and only fsync and close acknowledge.
    assert(state->files_pending_count < FILES_PENDING_MAX);
    const struct kernel *k = &node->kernel;
    u32 pid = k->current_slot < PROCS_MAX ? k->procs[k->current_slot].pid : 0;
    state->files_pending[state->files_pending_count++] =
        (struct file_pending){.pid = pid, .inode = event->a, .digest = event->b, .size_bytes = event->c};
}

void files_on_change(struct platform *node, const struct fs_change *change) {
    assert(node != NULL);
    assert(change != NULL);
    bool removes = change->op == FS_CHANGE_REMOVE || change->op == FS_CHANGE_RENAME_TO;
    if (!removes || change->target == NULL) return;
    struct file_ack *entry = ack_find(&node->file_acks, change->target->inode);
    if (entry != NULL) entry->removal_begun = true;
}

// Object `hash` (named by commit_seq's version) into scratch->object; false when unreadable.
static bool read_object(struct sim *sim, struct platform *node, struct storage_scratch *scratch,
                        const u8 hash[GRAINDB_HASH_BYTES], u32 *size) {
    i64 result = graindb_get(&node->kernel.fs.db, hash, scratch->object, GRAINDB_OBJECT_BYTES_MAX, size);
    if (result < 0) return false;
    storage_check_read(sim, node, load_u64_le(hash), bytes_digest(scratch->object, *size), *size,
                       "acknowledged file check");
    return true;
}

static u64 fnv_continue(u64 hash, const u8 *bytes, u64 count) {
    for (u64 i = 0; i < count; i++) {
        hash ^= bytes[i];
        hash *= FNV64_PRIME;
    }
    return hash;
}

// The inode's current version in the database: its record, then its chunks' bytes.
static enum file_found file_read(struct sim *sim, struct platform *node, struct storage_scratch *scratch,
                                 u64 inode, struct file_version *out) {
    struct graindb *db = &node->kernel.fs.db;
    u8 key[FS_KEY_LEN_MAX];
    u32 key_len = 0;
    fs_inode_key(inode, key, &key_len);
    struct graindb_ref_info info;
    i64 result = graindb_ref_get(db, key, key_len, &info);
    if (result == -E_NOENT || (result == 0 && info.deleted)) return FILE_REMOVED;
    if (result < 0) return FILE_UNREADABLE;
    *out = (struct file_version){.digest = FNV64_OFFSET, .commit_seq = info.commit_seq};
    u32 size = 0;
    struct fs_inode record;
    if (!read_object(sim, node, scratch, info.object_hash, &size)) return FILE_UNREADABLE;
    if (fs_inode_decode(scratch->object, size, &record) < 0) {
        storage_violation(sim, node, INV_ACKNOWLEDGED_FILES_DURABLE,
                          "inode %" PRIu64 "'s record (commit %" PRIu64 ") does not decode", inode, info.commit_seq);
    }
    for (u32 c = 0; c < record.chunk_count; c++) {
        if (!read_object(sim, node, scratch, record.chunks[c], &size)) return FILE_UNREADABLE;
        out->digest = fnv_continue(out->digest, scratch->object, size);
        out->size_bytes += size;
    }
    return FILE_FOUND;
}

static void unreadable(struct sim *sim, struct platform *node, u64 inode, u64 commit_seq, const char *when) {
    if (storage_unreadable_excused(node, commit_seq)) return;
    storage_violation(sim, node, INV_ACKNOWLEDGED_FILES_DURABLE,
                      "inode %" PRIu64 ", acknowledged by fsync or its last close, is unreadable %s", inode, when);
}

// Right after fsync or a last close returned 0.
static void check_pending(struct sim *sim, struct platform *node, struct storage_scratch *scratch,
                          const struct file_pending *ack) {
    sim->invariant_checks[INV_ACKNOWLEDGED_FILES_DURABLE]++;
    struct file_version found;
    enum file_found kind = file_read(sim, node, scratch, ack->inode, &found);
    struct file_ack *entry = ack_insert(&node->file_acks, ack->inode);
    if (kind == FILE_REMOVED) { // removed while open: nothing left to keep
        entry->removal_begun = true;
        return;
    }
    if (kind == FILE_UNREADABLE) { unreadable(sim, node, ack->inode, graindb_commit_seq(&node->kernel.fs.db), "right after"); return; }
    if (found.digest != ack->digest || found.size_bytes != ack->size_bytes) {
        storage_violation(sim, node, INV_ACKNOWLEDGED_FILES_DURABLE,
                          "fsync or last close by pid %u returned 0 for inode %" PRIu64 " (%" PRIu64
                          " bytes, fnv %016" PRIx64 "), but the database holds %" PRIu64 " bytes (fnv %016" PRIx64
                          ", record of commit %" PRIu64 ")",
                          ack->pid, ack->inode, ack->size_bytes, ack->digest, found.size_bytes, found.digest,
                          found.commit_seq);
    }
    entry->digest = ack->digest;
    entry->size_bytes = ack->size_bytes;
    entry->commit_seq = found.commit_seq;
    entry->acked = true;
}

// After a mount: every live acknowledgement still holds (or a later version does).
static void check_after_mount(struct sim *sim, struct platform *node, struct storage_scratch *scratch) {
    u64 mounted_seq = graindb_commit_seq(&node->kernel.fs.db);
    for (u32 i = 0; i < node->file_acks.count; i++) {
        const struct file_ack *entry = &node->file_acks.entries[i];
        if (!entry->acked || mounted_seq < entry->commit_seq) continue; // a lost commit: the storage checks judge it
        sim->invariant_checks[INV_ACKNOWLEDGED_FILES_DURABLE]++;
        struct file_version found;
        enum file_found kind = file_read(sim, node, scratch, entry->inode, &found);
        if (kind == FILE_UNREADABLE) { unreadable(sim, node, entry->inode, entry->commit_seq, "after the mount"); continue; }
        if (kind == FILE_REMOVED) {
            if (entry->removal_begun) continue;
            storage_violation(sim, node, INV_ACKNOWLEDGED_FILES_DURABLE,
                              "inode %" PRIu64 ", acknowledged with %" PRIu64 " bytes (fnv %016" PRIx64 ", commit %" PRIu64
                              "), is gone after the mount at commit %" PRIu64 ", and no unlink or rename removed it",
                              entry->inode, entry->size_bytes, entry->digest, entry->commit_seq, mounted_seq);
        }
        bool older = found.commit_seq < entry->commit_seq;
        bool changed = found.commit_seq == entry->commit_seq &&
                       (found.digest != entry->digest || found.size_bytes != entry->size_bytes);
        if (!older && !changed) continue;
        storage_violation(sim, node, INV_ACKNOWLEDGED_FILES_DURABLE,
                          "inode %" PRIu64 ", acknowledged with %" PRIu64 " bytes (fnv %016" PRIx64 ", commit %" PRIu64
                          "), after the mount at commit %" PRIu64 " holds %" PRIu64 " bytes (fnv %016" PRIx64
                          ", record of commit %" PRIu64 ")",
                          entry->inode, entry->size_bytes, entry->digest, entry->commit_seq, mounted_seq,
                          found.size_bytes, found.digest, found.commit_seq);
    }
}

static bool inspectable(const struct kernel *k) {
    return k->fs.state == FS_MOUNTED && k->fs.db.open && !k->fs.db.batch_open;
}

void files_after_step(struct sim *sim, struct platform *node) {
    assert(sim != NULL);
    assert(node != NULL);
    struct invariant_node_state *state = &node->invariants;
    if (state->files_pending_count == 0 && !state->files_mount_pending) return;
    if (!inspectable(&node->kernel)) {
        sim->files_unchecked += state->files_pending_count;
    } else {
        struct storage_scratch *scratch = storage_inspection_begin(sim, node, false);
        for (u32 i = 0; i < state->files_pending_count; i++) check_pending(sim, node, scratch, &state->files_pending[i]);
        if (state->files_mount_pending) check_after_mount(sim, node, scratch);
        storage_inspection_end(node, scratch);
    }
    state->files_pending_count = 0;
    state->files_mount_pending = false;
}
