// The seed file, /var/lib/random-seed (root's, 0600): carries entropy from one boot
// to the next, so that a machine whose platform sources are weak (timer jitter alone)
// still starts from everything it ever gathered. At boot it is mixed in and at once
// replaced by fresh output, before any process runs, so a seed is never used twice,
// even if the machine then crashes; shutdown and reboot replace it again. Its bytes
// stay in the kernel: they reach the DRBG only through a reseed, and what is written
// back is DRBG output, from which neither the state nor the old seed follows.
#include "kernel/random/random.h"

#include "kernel/bugs.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/trace_events.h"
#include "kernel/random/internal.h"
#include "kernel/observe.h"

#define RANDOM_DIRECTORY_MODE 0755
#define RANDOM_MODE_GROUP_OTHER 0077

// The simulator's invariant compares seeds by a digest; hardware, which keeps no
// trace, never computes anything from the seed's bytes beyond the DRBG.
static u64 seed_trace_digest(const u8 *bytes, u64 count) {
#if defined(BASIN_SIM)
    return bytes_digest(bytes, count);
#else
    (void)bytes;
    (void)count;
    return 0;
#endif
}

// Up to `capacity` bytes of the file, read as root whatever its mode. *exposed: its
// owner or mode let others read it (root changed it), so its bytes may be known.
static i64 seed_file_read(struct kernel *k, u8 *buffer, u32 capacity, u32 *length, bool *exposed) {
    assert(buffer != NULL);
    assert(length != NULL);
    assert(exposed != NULL);
    const struct cred root = cred_of_user(ABI_UID_ROOT);
    struct path path;
    struct fs_inode inode;
    i64 result = path_resolve("/", RANDOM_SEED_FILE_PATH, &path);
    if (result == 0) result = fs_lookup(k, &root, &path, &inode);
    if (result < 0) return result;
    if (inode.type != ABI_TYPE_FILE) return -E_ISDIR;
    *exposed = inode.uid != ABI_UID_ROOT || (inode.mode & RANDOM_MODE_GROUP_OTHER) != 0;
    u64 size_bytes = 0;
    result = fs_file_read_all(k, &inode, k->fs.program_buffer, sizeof k->fs.program_buffer, &size_bytes);
    if (result < 0) return result;
    if (size_bytes > capacity) size_bytes = capacity;
    mem_copy(buffer, k->fs.program_buffer, size_bytes);
    mem_set(k->fs.program_buffer, 0, size_bytes); // a seed passes through here
    *length = (u32)size_bytes;
    return 0;
}

// /var/lib, for a disk whose first boot predates it.
static i64 seed_directory_make(struct kernel *k) {
    const struct cred root = cred_of_user(ABI_UID_ROOT);
    struct path path;
    struct fs_inode inode;
    i64 result = path_resolve("/", RANDOM_SEED_FILE_DIRECTORY, &path);
    if (result == 0) result = fs_create(k, &root, &path, ABI_TYPE_DIRECTORY, RANDOM_DIRECTORY_MODE, &inode);
    return result == -E_EXIST ? 0 : result;
}

// The new seed goes to a file of its own, renamed over the seed file once it is
// whole: a write that fails (E_NOSPC on a full disk, E_IO) leaves the old seed file
// as it was, never opened with truncation and left empty for the next boot, and a
// crash leaves the old file or the new one.
static i64 seed_file_replace(struct kernel *k, const u8 *seed, u32 count) {
    assert(seed != NULL);
    assert(count == RANDOM_SEED_FILE_BYTES);
    i64 result = fs_write_file_as_root(k, RANDOM_SEED_FILE_NEW_PATH, RANDOM_SEED_FILE_MODE, seed, count);
    if (result < 0) return result;
    const struct cred root = cred_of_user(ABI_UID_ROOT);
    struct path from, to;
    result = path_resolve("/", RANDOM_SEED_FILE_NEW_PATH, &from);
    if (result == 0) result = path_resolve("/", RANDOM_SEED_FILE_PATH, &to);
    if (result == 0) result = fs_rename(k, &root, &from, &to);
    return result;
}

// Fresh DRBG output into the file (root's 0600), durable when this returns 0 (the
// new file's last close and the rename are commits).
static i64 seed_file_write(struct kernel *k) {
    u8 seed[RANDOM_SEED_FILE_BYTES];
    random_bytes(k, seed, sizeof seed);
    u64 digest = seed_trace_digest(seed, sizeof seed);
    i64 result = seed_file_replace(k, seed, sizeof seed);
    if (result == -E_NOENT) {
        result = seed_directory_make(k);
        if (result == 0) result = seed_file_replace(k, seed, sizeof seed);
    }
    mem_set(seed, 0, sizeof seed);
    observe_trace(k->platform, TRACE_RANDOM_SEED_FILE, RANDOM_SEED_FILE_WRITTEN, digest, (u64)result);
    assert(result <= 0);
    return result;
}

static void seed_file_mix(struct kernel *k, const u8 *bytes, u32 length, bool exposed) {
    assert(length <= RANDOM_SEED_FILE_MIX_BYTES_MAX);
    random_reseed(k, RANDOM_RESEED_CAUSE_SEED_FILE, bytes, length);
    k->random.seed_file_mixed = true;
    observe_trace(k->platform, TRACE_RANDOM_SEED_FILE, RANDOM_SEED_FILE_MIXED,
                  seed_trace_digest(bytes, length), length);
    klog(k, LOG_INFO, "random: mixed in %s (%u bytes)", RANDOM_SEED_FILE_PATH, length);
    if (exposed) {
        klog(k, LOG_WARN, "random: %s was readable by others (owner or mode changed); "
                          "rewritten as root's 0600", RANDOM_SEED_FILE_PATH);
    }
}

void random_seed_file_load(struct kernel *k) {
    assert(k != NULL);
    assert(k->random.instantiated);
    assert(!k->random.seed_file_mixed);
    i64 usable = fs_usable(k);
    if (usable < 0) {
        // Without a disk there is nothing to carry over: not a fault. A refused or
        // failed disk is one, but the platform's entropy still seeds everything.
        klog(k, usable == -E_NODEV ? LOG_INFO : LOG_WARN,
             "random: no seed file (filesystem unusable, error %lld): platform entropy only",
             (long long)-usable);
        return;
    }
    u8 bytes[RANDOM_SEED_FILE_MIX_BYTES_MAX];
    u32 length = 0;
    bool exposed = false;
    i64 result = seed_file_read(k, bytes, sizeof bytes, &length, &exposed);
    if (result == 0 && length < RANDOM_SEED_FILE_BYTES) {
        // Every seed written is whole (a rename puts it in place), so a shorter file
        // is damage or root's: too little to count as a seed, and two empty files
        // would be "the same seed" twice. Not mixed in, not counted; replaced.
        klog(k, LOG_WARN, "random: %s holds only %u bytes (a seed has %u): not mixed in, "
                          "writing a new one", RANDOM_SEED_FILE_PATH, length, RANDOM_SEED_FILE_BYTES);
        result = -E_INVAL;
    } else if (result == 0) {
        seed_file_mix(k, bytes, length, exposed);
    } else if (result == -E_NOENT) {
        klog(k, LOG_WARN, "random: no %s yet (a first boot?): writing one", RANDOM_SEED_FILE_PATH);
    } else {
        klog(k, LOG_WARN, "random: cannot read %s (error %lld): writing a new one",
             RANDOM_SEED_FILE_PATH, (long long)-result);
    }
    mem_set(bytes, 0, sizeof bytes);
    if (result == 0 && planted_bug(k, BUG_RANDOM_SEED_FILE_KEPT)) return;
    i64 written = seed_file_write(k);
    if (written < 0) {
        klog(k, LOG_WARN, "random: cannot rewrite %s (error %lld): the next boot may mix in "
                          "the same seed again", RANDOM_SEED_FILE_PATH, (long long)-written);
    }
}

void random_seed_file_save(struct kernel *k) {
    assert(k != NULL);
    assert(k->random.instantiated);
    if (fs_usable(k) < 0) return; // said at boot; a failed disk takes no more writes
    // Fresh platform bytes first: the next boot starts from all this one gathered.
    random_reseed(k, RANDOM_RESEED_CAUSE_SHUTDOWN, NULL, 0);
    i64 written = seed_file_write(k);
    if (written < 0) {
        klog(k, LOG_WARN, "random: cannot write %s at shutdown (error %lld): the next boot "
                          "mixes in the one written at boot", RANDOM_SEED_FILE_PATH, (long long)-written);
    }
}
