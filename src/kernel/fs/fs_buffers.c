// The pool of whole-file buffers (fs.buffers). A file being written borrows one, and
// keeps it as a cache while nobody needs it; a writer that finds none free (or is at
// its share) takes one back: a clean one is simply dropped, a dirty one written back
// (committed) first, as a page cache does. Shares (limits.h): a non-root writer holds
// at most FS_BUFFERS_PER_USER_MAX buffers and never takes the last
// FS_BUFFERS_ROOT_RESERVE, so no user can keep root from writing /etc/shadow or the
// auth log.
#include "kernel/kernel.h"
#include "kernel/limits/limits.h"
#include "kernel/lib/mem.h"
#include "kernel/fs/internal.h"

void fs_files_reset(struct kernel *k) {
    assert(k != NULL);
    for (u32 b = 0; b < FS_BUFFERS_MAX; b++) k->fs.buffer_owners[b].file = FS_BUFFER_NONE;
    for (u32 i = 0; i < FS_OPEN_FILES_MAX; i++) k->fs.files[i].buffer = FS_BUFFER_NONE;
    assert(k->fs.buffer_owners[0].file == FS_BUFFER_NONE);
}

u8 *fs_file_buffer(struct kernel *k, const struct fs_open_file *file) {
    assert(file->buffer < FS_BUFFERS_MAX);
    assert(k->fs.buffer_owners[file->buffer].file == (u32)(file - k->fs.files));
    return k->fs.buffers[file->buffer];
}

void fs_buffer_give_back(struct kernel *k, struct fs_open_file *file) {
    if (file->dirty) assert(file->references == 0);
    if (file->buffer == FS_BUFFER_NONE) return;
    assert(k->fs.buffer_owners[file->buffer].file == (u32)(file - k->fs.files));
    k->fs.buffer_owners[file->buffer].file = FS_BUFFER_NONE;
    file->buffer = FS_BUFFER_NONE;
}

// Takes the buffer back from its file: written back first when dirty (0, or the
// commit's error: the file then keeps it, still dirty, and its next fsync or close
// tries again and reports what happens).
static i64 fs_buffer_reclaim(struct kernel *k, u32 buffer) {
    struct fs_buffer *owner = &k->fs.buffer_owners[buffer];
    assert(owner->file < FS_OPEN_FILES_MAX);
    struct fs_open_file *file = &k->fs.files[owner->file];
    assert(file->buffer == buffer);
    i64 result = file->dirty ? fs_file_commit(k, owner->file) : 0;
    if (result < 0) return result;
    // Committed, so nothing of the buffer is needed: the chunks hold the bytes.
    if (file->chunks_written != 0) return -E_AGAIN; // a failed commit the planted bug hid
    owner->file = FS_BUFFER_NONE;
    file->buffer = FS_BUFFER_NONE;
    return 0;
}

static u32 fs_buffers_of(const struct kernel *k, u32 uid) {
    u32 count = 0;
    for (u32 b = 0; b < FS_BUFFERS_MAX; b++) {
        const struct fs_buffer *owner = &k->fs.buffer_owners[b];
        if (owner->file != FS_BUFFER_NONE && owner->writer_uid == uid) count++;
    }
    assert(count <= FS_BUFFERS_MAX);
    return count;
}

enum fs_victims { VICTIMS_ANY, VICTIMS_OWN };

static bool fs_victim_allowed(const struct fs_buffer *owner, u32 uid, enum fs_victims victims) {
    if (owner->file == FS_BUFFER_NONE) return false;
    return victims == VICTIMS_ANY || owner->writer_uid == uid;
}

// The buffer to take back: the least recently used of those allowed, clean ones first
// (dropping them costs a reload at most, a dirty one costs a commit).
static u32 fs_buffer_victim(const struct kernel *k, u32 uid, enum fs_victims victims) {
    u32 best = FS_BUFFER_NONE;
    for (u32 b = 0; b < FS_BUFFERS_MAX; b++) {
        if (!fs_victim_allowed(&k->fs.buffer_owners[b], uid, victims)) continue;
        if (best == FS_BUFFER_NONE) { best = b; continue; }
        const struct fs_open_file *candidate = &k->fs.files[k->fs.buffer_owners[b].file];
        const struct fs_open_file *current = &k->fs.files[k->fs.buffer_owners[best].file];
        bool cheaper = !candidate->dirty && current->dirty;
        bool same_cost = candidate->dirty == current->dirty;
        if (cheaper || (same_cost && candidate->used_tick < current->used_tick)) best = b;
    }
    return best;
}

// A buffer for `uid` to write into: a free one while its share and root's reserve
// allow, else one taken back (which uses no more buffers in all): at its share one of
// its own, otherwise anyone's, least recently used and clean first.
i64 fs_buffer_take(struct kernel *k, u32 uid, u32 *buffer_out) {
    struct limits_use use = {.user = fs_buffers_of(k, uid)};
    for (u32 b = 0; b < FS_BUFFERS_MAX; b++) use.all += k->fs.buffer_owners[b].file != FS_BUFFER_NONE;
    bool room = limits_allow(uid, &use, 1, FS_BUFFERS_MAX, FS_BUFFERS_PER_USER_MAX, FS_BUFFERS_ROOT_RESERVE);
    u32 chosen = FS_BUFFER_NONE;
    for (u32 b = 0; room && b < FS_BUFFERS_MAX && chosen == FS_BUFFER_NONE; b++) {
        if (k->fs.buffer_owners[b].file == FS_BUFFER_NONE) chosen = b;
    }
    if (chosen == FS_BUFFER_NONE) {
        enum fs_victims victims = VICTIMS_ANY;
        if (uid != ABI_UID_ROOT && use.user >= FS_BUFFERS_PER_USER_MAX) victims = VICTIMS_OWN;
        chosen = fs_buffer_victim(k, uid, victims);
        if (chosen == FS_BUFFER_NONE) return -E_NOSPC;
        i64 result = fs_buffer_reclaim(k, chosen);
        if (result < 0) return result;
    }
    assert(k->fs.buffer_owners[chosen].file == FS_BUFFER_NONE);
    k->fs.buffer_owners[chosen].writer_uid = uid;
    *buffer_out = chosen;
    return 0;
}
