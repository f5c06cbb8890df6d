// The filesystem: files and directories as a GrainDB keyspace.
//
// Keys: "ino/<16 hex digits>" -> the inode record (an object); "fs/ready" once the
// first boot has populated the tree. A file's bytes are content-addressed objects
// (chunks of FS_CHUNK_BYTES); a directory's entries are one object (sorted by name)
// named in its inode. An inode record is a linked object (GrainDB keeps what it links
// to): its links are the hashes of its chunks, or of its directory's entries object.
// Inode numbers are reused: a new inode takes the next number below FS_INODES_MAX
// whose key is absent or deleted and that no open file or directory descriptor still
// names, so removing files gives their numbers (and, at GrainDB's next compaction,
// their keys and space) back. Every namespace change (create, mkdir, unlink, rmdir,
// rename) is one atomic, durable GrainDB batch. File data is buffered per open inode
// and committed by fsync and by the last close, as one batch (its changed chunks, the
// inode record, its ref): acknowledged means fsync (or close) returned 0.
#pragma once

#include "abi.h"
#include "cred.h"
#include "path.h"
#include "types.h"
#include "subsystems/graindb/graindb.h"

#define FS_ROOT_INODE 1ull
#define FS_MODE_EXECUTE_ANY 0111 // any of the owner, group and other x bits
#define FS_OPEN_FILES_MAX 8              // open files of processes, machine-wide
#define FS_OPEN_FILES_MAX_ALL (FS_OPEN_FILES_MAX + 1) // one more, kept for spawn
#define FS_FILE_BYTES_MAX ABI_FILE_SIZE_MAX
#define FS_CHUNK_BYTES 4096u // a file is stored as chunks of this size: an append rewrites one
#define FS_FILE_CHUNKS_MAX (FS_FILE_BYTES_MAX / FS_CHUNK_BYTES)
#define FS_DIR_ENTRIES_MAX 256
#define FS_KEY_LEN_MAX 24
// An inode record: fixed fields, then chunk_count hashes (its links) at the end.
#define FS_INODE_CHUNKS_OFFSET 64u
#define FS_INODE_RECORD_BYTES (FS_INODE_CHUNKS_OFFSET + FS_FILE_CHUNKS_MAX * GRAINDB_HASH_BYTES)
// Inode numbers in use at once, below the keys GrainDB holds: the rest is for the
// filesystem's other keys ("fs/ready").
#define FS_INODES_MAX (GRAINDB_REFS_MAX - 16u)

STATIC_ASSERT(FS_FILE_BYTES_MAX % FS_CHUNK_BYTES == 0);
STATIC_ASSERT(FS_CHUNK_BYTES <= GRAINDB_OBJECT_BYTES_MAX);
STATIC_ASSERT(FS_FILE_CHUNKS_MAX <= 32u); // chunks_written is a u32 mask
// A whole file's commit is one batch: its chunks, its inode record, the ref.
STATIC_ASSERT(FS_FILE_CHUNKS_MAX + 1 <= GRAINDB_BATCH_OBJECTS_MAX);
STATIC_ASSERT(FS_FILE_BYTES_MAX + FS_FILE_CHUNKS_MAX * 128u + FS_INODE_RECORD_BYTES + 1024u <=
              GRAINDB_BATCH_BYTES_MAX);

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
    u32 name_len;
    char name[NAME_LEN_MAX + 1];
};

// One open inode, shared by every descriptor that has it open.
struct fs_open_file {
    u32 references;  // descriptors pointing here; 0: free
    bool dirty;      // data differs from the last commit
    bool unlinked;   // removed while open: never committed again
    u64 generation;  // grows at every change of data or meta in memory (the
                     // simulator compares it around denied syscalls)
    // Chunks whose bytes changed since the last load or commit (bit c: chunk c), and
    // the size then: the other chunks keep their hashes and are neither hashed nor
    // stored again. Every change of data[] goes through fs_file_write.
    u32 chunks_written;
    u64 committed_size_bytes;
    struct fs_inode meta;
    u8 data[FS_FILE_BYTES_MAX];
};

struct fs {
    enum fs_state state;
    i64 mount_error;   // why it is not mounted
    u64 inode_next;    // where the search for a free inode number starts
    u64 commits;       // namespace and data commits since boot
    u64 compactions_seen; // GrainDB's generation as last reported (fs_commit)
    struct fs_open_file files[FS_OPEN_FILES_MAX_ALL];
    struct fs_dirent entries[FS_DIR_ENTRIES_MAX]; // scratch: one decoded directory
    u32 entries_count;
    u8 object_buffer[GRAINDB_OBJECT_BYTES_MAX];   // scratch: one encoded object
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

// Open files: an index into fs->files. `for_spawn` may use the slot kept for loading
// programs, so no process can stop others from spawning by holding files open.
i64 fs_file_open(struct kernel *k, const struct fs_inode *inode, bool truncate, bool for_spawn);
void fs_file_hold(struct kernel *k, u32 index);
i64 fs_file_commit(struct kernel *k, u32 index);
i64 fs_file_release(struct kernel *k, u32 index); // commits on the last release
i64 fs_file_write(struct kernel *k, u32 index, u64 offset, const u8 *bytes, u64 count);

// Internal to fs*.c.
i64 fs_read_inode(struct kernel *k, u64 inode, struct fs_inode *out);
// A free inode number (fs_inodes.c); -E_NOSPC when every usable number is taken.
i64 fs_inode_allocate(struct kernel *k, u64 *inode_out);
// The number was taken (its create committed): the next search starts after it.
void fs_inode_allocated(struct kernel *k, u64 inode);
i64 fs_stage_inode(struct kernel *k, const struct fs_inode *inode);
i64 fs_commit(struct kernel *k);
i64 fs_put_object(struct kernel *k, const u8 *bytes, u32 size_bytes, u8 hash[GRAINDB_HASH_BYTES]);
i64 fs_put_object_linked(struct kernel *k, const u8 *bytes, u32 size_bytes, u32 links_offset, u32 links_count,
                         u8 hash[GRAINDB_HASH_BYTES]);
i64 fs_get_object(struct kernel *k, const u8 hash[GRAINDB_HASH_BYTES], u8 *buffer, u32 capacity,
                  u32 *size_out);
void fs_inode_key(u64 inode, u8 key[FS_KEY_LEN_MAX], u32 *key_len);
u32 fs_inode_encode(const struct fs_inode *in, u8 out[FS_INODE_RECORD_BYTES]); // returns its size
i64 fs_inode_decode(const u8 *bytes, u32 size_bytes, struct fs_inode *out);
i64 fs_directory_encode(struct fs *fs);                       // fs->entries -> object_buffer
i64 fs_directory_decode(struct fs *fs, const u8 *bytes, u32 size_bytes); // -> fs->entries
i64 fs_directory_count(const u8 *bytes, u32 size_bytes);
u64 fs_inode_from_key(const u8 *key, u32 key_len);
