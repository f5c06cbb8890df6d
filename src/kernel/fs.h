// The filesystem: files and directories as a GrainDB keyspace.
//
// Keys: "ino/<16 hex digits>" -> the inode record (an object); "fs/ready" once the
// first boot has populated the tree. A file's bytes are content-addressed objects
// (chunks); a directory's entries are one object (sorted by name) named in its inode.
// Inode numbers are never reused: the next is one past the highest key ever written.
// Every namespace change (create, mkdir, unlink, rmdir, rename) is one atomic,
// durable GrainDB batch. File data is buffered per open inode and committed by
// fsync and by the last close: acknowledged means fsync (or close) returned 0. A file
// larger than one object is stored as chunks, each in a batch of its own, then the
// inode record that names them in the last batch: the switch stays atomic.
#pragma once

#include "abi.h"
#include "cred.h"
#include "path.h"
#include "types.h"
#include "subsystems/graindb/graindb.h"

#define FS_ROOT_INODE 1ull
#define FS_MODE_EXECUTE_ANY 0111 // any of the owner, group and other x bits
// Open files: a table of open inodes (metadata only), and a smaller pool of whole-file
// buffers that hold the data being written (and cache what was read), lent to open
// files and taken back under pressure: a clean buffer is simply dropped, a dirty one
// written back (committed) first. Users hold at most a share of each (limits.h).
#define FS_OPEN_FILES_MAX 128            // open inodes, machine-wide
#define FS_BUFFERS_MAX 16                // whole-file buffers, machine-wide
#define FS_BUFFERS_PER_USER_MAX 8        // buffers one non-root user's writes may hold
#define FS_BUFFERS_ROOT_RESERVE 4        // buffers only root's writes may take
#define FS_BUFFER_NONE UINT32_MAX
// Inode numbers are reused once free, below this bound (the key space cannot run out).
#define FS_INODES_MAX (GRAINDB_REFS_MAX - 256)
// Usage per owner (fs_usage.c): an inode costs its record, names and ref, plus its
// data in whole chunks; owners beyond the table's rows are counted together.
#define FS_INODE_COST_BYTES 2048u
#define FS_USAGE_UIDS_MAX 16u
#define FS_FILE_BYTES_MAX ABI_FILE_SIZE_MAX
#define FS_CHUNK_BYTES GRAINDB_OBJECT_BYTES_MAX // a file is stored as chunks of this size
#define FS_FILE_CHUNKS_MAX (FS_FILE_BYTES_MAX / FS_CHUNK_BYTES)
#define FS_DIR_ENTRIES_MAX 256
#define FS_KEY_LEN_MAX 24
#define FS_INODE_RECORD_BYTES (64 + FS_FILE_CHUNKS_MAX * GRAINDB_HASH_BYTES)

STATIC_ASSERT(FS_FILE_BYTES_MAX % FS_CHUNK_BYTES == 0);

struct kernel;

// FS_INIT_FROM_ARCHIVE: mounted, but spawn reads the initial archive (boot fallback).
enum fs_state { FS_NO_DISK = 0, FS_MOUNTED, FS_REFUSED, FS_INIT_FROM_ARCHIVE };

struct fs_inode {
    u64 inode;
    u64 parent;      // directories: the parent's inode (the root is its own parent)
    u64 size_bytes;
    u64 mtime_ns;
    u64 version;     // commit that wrote this inode record (filled when read)
    u32 type;        // ABI_TYPE_*
    u32 mode;
    u32 uid;
    u32 gid;
    u32 chunk_count; // objects holding the bytes (a directory: its entries, 0 or 1)
    u8 chunks[FS_FILE_CHUNKS_MAX][GRAINDB_HASH_BYTES];
};

struct fs_dirent {
    u64 inode;
    u32 type;
    u32 maker_uid;   // who made this name (its share of a directory it does not own)
    u32 name_len;
    char name[NAME_LEN_MAX + 1];
};

// One open inode, shared by every descriptor that has it open. Its data is in its
// buffer when it has one (always when dirty), else in the chunks meta names.
struct fs_open_file {
    u32 references;  // descriptors pointing here; 0: free
    u32 opener_uid;  // whose share of the table this entry counts against
    u32 buffer;      // index into fs.buffers, FS_BUFFER_NONE when it has none
    bool dirty;      // data differs from the last commit (then it has a buffer)
    bool unlinked;   // removed while open: never committed again
    u64 generation;  // grows at every change of data or meta in memory (the
                     // simulator compares it around denied syscalls)
    u64 used_tick;   // when its buffer was last used: the oldest is lent first
    u64 committed_size_bytes; // as of the last commit (usage goes back to it if dropped)
    struct fs_inode meta; // size_bytes includes what is written but not committed
};

// Inodes and bytes charged to one owner (fs_usage.c).
struct fs_usage {
    u32 uid;
    u64 inodes;
    u64 bytes;
};

// A whole-file buffer, lent to one open file at a time.
struct fs_buffer {
    u32 file;        // index into fs.files, FS_BUFFER_NONE when free
    u32 writer_uid;  // whose share it counts against (the writer that took it)
};

struct fs {
    enum fs_state state;
    i64 mount_error;   // why it is not mounted
    u64 inode_next;
    u64 commits;       // namespace and data commits since boot
    u64 tick;          // counts buffer uses, for choosing which buffer to take back
    bool usage_valid;  // usage[] counted from the disk since the mount
    u32 usage_count;
    struct fs_usage usage[FS_USAGE_UIDS_MAX];
    struct fs_open_file files[FS_OPEN_FILES_MAX];
    struct fs_buffer buffer_owners[FS_BUFFERS_MAX];
    u8 buffers[FS_BUFFERS_MAX][FS_FILE_BYTES_MAX];
    struct fs_dirent entries[FS_DIR_ENTRIES_MAX]; // scratch: one decoded directory
    u32 entries_count;
    u8 object_buffer[GRAINDB_OBJECT_BYTES_MAX];   // scratch: one encoded object
    u8 chunk_buffer[FS_CHUNK_BYTES];              // scratch: one chunk read from disk
    u8 program_buffer[FS_FILE_BYTES_MAX];         // scratch: a program being loaded
    struct graindb db;
};

// A change about to be made to the filesystem, and on whose authority: told to the
// simulator's reference model of the permission rules (invariant
// non_root_never_writes_etc_or_others) after the kernel's checks passed and before
// anything is changed. Hardware builds compile the call away.
enum fs_change_op {
    FS_CHANGE_OPEN_WRITE = 1, // a file opened for writing (and maybe truncated)
    FS_CHANGE_CREATE,         // a new name in dir
    FS_CHANGE_REMOVE,         // target's name leaves dir
    FS_CHANGE_RENAME_FROM,    // target's name leaves dir (the source of a rename)
    FS_CHANGE_RENAME_TO,      // a name in dir made or replaced (target: the one replaced)
    FS_CHANGE_CHMOD,
    FS_CHANGE_CHOWN,
};
struct fs_change {
    enum fs_change_op op;
    const struct cred *cred;        // a process's own cred, or the kernel's root cred
    const struct path *path;        // the name (absolute, normalized components)
    const struct fs_inode *dir;     // its directory (NULL for OPEN_WRITE, CHMOD, CHOWN)
    const struct fs_inode *target;  // the inode named (NULL when there is none yet)
};
// Variadic: a compound literal argument holds commas.
#if defined(BASIN_SIM)
#define fs_audit_change(k, ...) platform_audit_fs_change((k)->platform, __VA_ARGS__)
#else
#define fs_audit_change(k, ...) ((void)(k))
#endif

// Opens (or, on a blank disk, formats and populates) the filesystem.
void fs_mount(struct kernel *k);
// -E_NODEV without a disk, -E_IO when the disk was refused, 0 when usable.
i64 fs_usable(const struct kernel *k);
// Like fs_usable, but a failed (read-only) database still reads.
i64 fs_readable(const struct kernel *k);

// Every call names whose credentials it acts with: each directory walked needs x,
// changing a name needs w and x on its directory (and the sticky bit's ownership).
i64 fs_lookup(struct kernel *k, const struct cred *cred, const struct path *path, struct fs_inode *out);
// The new inode belongs to cred's effective uid and gid.
i64 fs_create(struct kernel *k, const struct cred *cred, const struct path *path, u32 type, u32 mode,
              struct fs_inode *out);
i64 fs_remove(struct kernel *k, const struct cred *cred, const struct path *path, u32 type);
i64 fs_rename(struct kernel *k, const struct cred *cred, const struct path *from, const struct path *to);
// Creates (or rewrites) a whole file owned by root: the first boot's files.
i64 fs_write_file_as_root(struct kernel *k, const char *absolute, u32 mode, const u8 *bytes, u64 count);
// Writes inode's mode, uid and gid (one atomic batch), and into open copies of it.
i64 fs_change_attributes(struct kernel *k, const struct fs_inode *inode);
// Decodes directory `dir` into fs->entries (fs->entries_count).
i64 fs_read_directory(struct kernel *k, const struct fs_inode *dir);
// Index of name in fs->entries (sorted), or where it would be inserted.
u32 fs_entry_find(const struct fs *fs, const char *name, bool *found);

// Open files: an index into fs->files. A new entry counts against `uid`'s share of the
// table (the opener's real uid; the kernel opens as root): -E_NFILE beyond it.
i64 fs_file_open(struct kernel *k, const struct fs_inode *inode, bool truncate, u32 uid);
void fs_file_hold(struct kernel *k, u32 index);
i64 fs_file_commit(struct kernel *k, u32 index);
i64 fs_file_release(struct kernel *k, u32 index); // commits on the last release
// Writes as `uid` (whose share of the buffers a buffer it needs counts against).
i64 fs_file_write(struct kernel *k, u32 index, u32 uid, u64 offset, const u8 *bytes, u64 count);
// The bytes at offset: *bytes points at up to *available of them (to the end of their
// chunk or of the file; 0 at the end), valid until the next filesystem call.
i64 fs_file_peek(struct kernel *k, u32 index, u64 offset, const u8 **bytes, u64 *available);
// Copies the whole file into out: the open file's latest bytes when the inode is open,
// else the committed ones. -E_FBIG when it does not fit capacity.
i64 fs_file_read_all(struct kernel *k, const struct fs_inode *inode, u8 *out, u64 capacity,
                     u64 *size_bytes);
// Usage and shares (fs_usage.c). The cost charged for an inode of that type and size.
u64 fs_cost_bytes(u32 type, u64 size_bytes);
void fs_usage_charge(struct kernel *k, u32 uid, i64 inodes, i64 bytes);
struct fs_usage fs_usage_of(struct kernel *k, u32 uid);
u64 fs_capacity_bytes(const struct kernel *k);
// Whether `actor` (a process's effective uid, the kernel: root) may add inodes and
// bytes charged to `owner`: 0, -E_DQUOT (beyond the owner's share) or -E_NOSPC (beyond
// what is left, root's reserve included for non-root actors). Root as actor is held
// only to the capacity, as Linux exempts CAP_SYS_RESOURCE from quotas.
i64 fs_usage_allow(struct kernel *k, u32 owner, u32 actor, u64 inodes, u64 bytes);
// Counts usage from the disk (once per mount, at its first need): 0, or the error of
// an inode that cannot be read (the count is then tried again at the next need).
i64 fs_usage_ensure(struct kernel *k);
// What an open file's in-memory size change charges its owner (no check).
void fs_usage_resize(struct kernel *k, const struct fs_inode *inode, u64 old_size_bytes, u64 new_size_bytes);
// Whether cred may make one more name in dir (decoded in fs->entries): -E_NOSPC
// beyond its share of a directory another user owns, or the non-root part.
i64 fs_usage_allow_entry(struct kernel *k, const struct cred *cred, const struct fs_inode *dir);

// At mount: no entry open, every buffer free.
void fs_files_reset(struct kernel *k);
// The open entry of inode (not unlinked), FS_OPEN_FILES_MAX when it is not open.
u32 fs_file_find(const struct kernel *k, u64 inode);

// Internal to fs*.c.
i64 fs_read_inode(struct kernel *k, u64 inode, struct fs_inode *out);
i64 fs_stage_inode(struct kernel *k, const struct fs_inode *inode);
i64 fs_commit(struct kernel *k);
i64 fs_put_object(struct kernel *k, const u8 *bytes, u32 size_bytes, u8 hash[GRAINDB_HASH_BYTES]);
i64 fs_get_object(struct kernel *k, const u8 hash[GRAINDB_HASH_BYTES], u8 *buffer, u32 capacity,
                  u32 *size_out);
void fs_inode_key(u64 inode, u8 key[FS_KEY_LEN_MAX], u32 *key_len);
u32 fs_inode_encode(const struct fs_inode *in, u8 out[FS_INODE_RECORD_BYTES]);
i64 fs_inode_decode(const u8 *bytes, u32 size_bytes, struct fs_inode *out);
i64 fs_directory_encode(struct fs *fs);                       // fs->entries -> object_buffer
i64 fs_directory_decode(struct fs *fs, const u8 *bytes, u32 size_bytes); // -> fs->entries
i64 fs_directory_count(const u8 *bytes, u32 size_bytes);
u64 fs_inode_from_key(const u8 *key, u32 key_len);
