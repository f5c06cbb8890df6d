// The filesystem: files and directories as a GrainDB keyspace.
//
// Keys: "ino/<16 hex digits>" -> the inode record (an object); "fs/ready" once the
// first boot has populated the tree. A file's bytes are content-addressed objects
// (chunks of FS_CHUNK_BYTES); a directory's entries (sorted by name) are one object
// named in its inode, or, when they outgrow one object, up to FS_DIR_CHUNKS_MAX
// objects in name order, each a self-contained run of entries that says its index
// (fs_record.c); a symbolic link's target is its one chunk. An inode record is
// a linked object (GrainDB keeps what it links to): its links are the hashes of its
// chunks, or of its directory's entries objects. A file has as many names (hard
// links) as its link count says; a directory has one, and a link count of 2 + its
// subdirectories, as on Linux.
// Inode numbers are reused: a new inode takes the next number below FS_INODES_MAX
// whose key is absent or deleted and that no open file or directory descriptor still
// names, so removing files gives their numbers (and, at GrainDB's next compaction,
// their keys and space) back. Every namespace change (create, mkdir, unlink, rmdir,
// rename) is one atomic, durable GrainDB batch. File data is buffered per open inode
// and committed by fsync and by the last close, as one batch (its changed chunks, the
// inode record, its ref): acknowledged means fsync (or close) returned 0.
#pragma once

#include "kernel/abi.h"
#include "kernel/cred/cred.h"
#include "kernel/fs/path.h"
#include "kernel/lib/types.h"
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
// Usage per owner (fs_usage.c): an inode costs its record, names and ref, plus its
// data in whole chunks; owners beyond the table's rows are counted together.
#define FS_INODE_COST_BYTES 2048u
#define FS_USAGE_UIDS_MAX 16u
#define FS_CAPACITY_SHARE_DIVISOR 8u // capacity: 7/8 of what a zone holds (fs_usage.c)
#define FS_FILE_BYTES_MAX ABI_FILE_SIZE_MAX
#define FS_CHUNK_BYTES 4096u // a file is stored as chunks of this size: an append rewrites one
#define FS_FILE_CHUNKS_MAX (FS_FILE_BYTES_MAX / FS_CHUNK_BYTES)
#define FS_DIR_ENTRIES_MAX 1024
#define FS_DIR_CHUNKS_MAX 4 // objects of one directory's entries (fs_record.c: enough for the longest names)
#define FS_KEY_LEN_MAX 24
// An inode record: the base fields (64 bytes), issue 9's semantics block (link
// count, atime, ctime: fs_record.c), then chunk_count hashes (its links) at the end.
#define FS_INODE_BASE_BYTES 64u
#define FS_INODE_SEMANTICS_BYTES 24u
#define FS_INODE_CHUNKS_OFFSET (FS_INODE_BASE_BYTES + FS_INODE_SEMANTICS_BYTES)
#define FS_INODE_RECORD_BYTES (FS_INODE_CHUNKS_OFFSET + FS_FILE_CHUNKS_MAX * GRAINDB_HASH_BYTES)
// Inode numbers in use at once, below the keys GrainDB holds: the rest is for the
// filesystem's other keys ("fs/ready") and for the records other rooms keep beside the
// inodes (FS_RECORD_KEYS_MAX: Zix's registrations, one key per registered store path).
#define FS_RECORD_KEYS_MAX 1024u
#define FS_INODES_MAX (GRAINDB_REFS_MAX - 16u - FS_RECORD_KEYS_MAX)
#define FS_LINKS_MAX 65000u               // names of one file (ext4's limit): then E_MLINK
#define FS_SYMLINKS_MAX ABI_SYMLINKS_MAX  // expansions in one walk: then E_LOOP
#define FS_SYMLINK_BYTES_MAX (PATH_LEN_MAX - 1) // a target, without a NUL
#define FS_WALK_TEXT_BYTES_MAX (4 * PATH_LEN_MAX) // a path with the targets spliced in
#define FS_ANCESTRY_STEPS_MAX 4096u       // parent links followed upwards (a bound, not a limit of depth)
#define FS_ATIME_STALE_NS (24ull * 3600 * 1000000000ull) // relatime: refresh at least daily

STATIC_ASSERT(FS_FILE_BYTES_MAX % FS_CHUNK_BYTES == 0);
STATIC_ASSERT(FS_CHUNK_BYTES <= GRAINDB_OBJECT_BYTES_MAX);
STATIC_ASSERT(FS_FILE_CHUNKS_MAX <= 32u); // chunks_written is a u32 mask
STATIC_ASSERT(FS_DIR_CHUNKS_MAX <= FS_FILE_CHUNKS_MAX); // a directory's objects are its inode's chunks
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
    u64 mtime_ns;    // content changed (realtime)
    u64 atime_ns;    // content read (relatime)
    u64 ctime_ns;    // inode changed: attributes, links, content
    u64 version;     // commit that wrote this inode record (filled when read)
    u32 type;        // ABI_TYPE_*
    u32 mode;
    u32 uid;
    u32 gid;
    u32 nlink;       // names (a directory: 2 + subdirectories); never 0 on disk
    u32 chunk_count; // objects holding the bytes (a directory: its entries, 0..FS_DIR_CHUNKS_MAX)
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
    bool times_dirty; // only atime differs: committed lazily, best effort
    bool unsynced;   // written since its bytes were last said durable (TRACE_FILE_SYNCED)
    bool unlinked;   // removed while open: never committed again
    bool write_opened; // opened through fs_file_open_write (the door): fs_file_write asserts it
    // Grows at every change of data or meta in memory, and never repeats for the slot.
    // Only the simulator reads it (denied_syscall_changes_nothing compares it around a
    // refused syscall), yet it lives here: it is the one witness of a change the
    // simulator could not derive from outside without hashing every open buffer at
    // every schedule (a rewrite of the same bytes, a close and reopen in the same slot,
    // an atime commit), and on hardware it costs an increment.
    u64 generation;
    u64 used_tick;   // when its buffer was last used: the oldest is lent first
    // Chunks whose bytes changed since the last load or commit (bit c: chunk c), and
    // the size then: the other chunks keep their hashes and are neither hashed nor
    // stored again. Every change of the buffer goes through fs_file_write. The usage
    // of its owner goes back to the committed size if the growth is dropped.
    u32 chunks_written;
    u64 committed_size_bytes;
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
    u64 inode_next;    // where the search for a free inode number starts
    u64 commits;       // namespace and data commits since boot
    u64 compactions_seen; // GrainDB's generation as last reported (fs_commit)
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

// A change about to be made to the filesystem, and on whose authority: shown to the
// observer (observe.h; the simulator's reference model of the permission rules,
// invariant non_root_never_writes_etc_or_others) after the kernel's checks passed and
// before anything is changed. Emitted only by the filesystem's doors, so no write path
// can skip it: fs_change_begin (every namespace and attribute batch) and
// fs_file_open_write (every change of a file's content). Hardware compiles it away.
enum fs_change_op {
    FS_CHANGE_OPEN_WRITE = 1, // a file opened for writing (and maybe truncated)
    FS_CHANGE_CREATE,         // a new name in dir
    FS_CHANGE_REMOVE,         // target's name leaves dir
    FS_CHANGE_RENAME_FROM,    // target's name leaves dir (the source of a rename)
    FS_CHANGE_RENAME_TO,      // a name in dir made or replaced (target: the one replaced)
    FS_CHANGE_CHMOD,
    FS_CHANGE_CHOWN,          // uid, gid: the ids asked for (ABI_ID_UNCHANGED: kept)
    FS_CHANGE_LINK,           // a new name in dir for the existing target
    FS_CHANGE_UTIMES,         // target's times: `now` set both to now, else explicit
};
struct fs_change {
    enum fs_change_op op;
    const struct cred *cred;        // a process's own cred, or the kernel's root cred
    const struct path *path;        // the name: its physical path (absolute, normalized,
                                    // symbolic links resolved)
    const struct fs_inode *dir;     // its directory (NULL for OPEN_WRITE, CHMOD, CHOWN,
                                    // UTIMES)
    const struct fs_inode *target;  // the inode named (NULL when there is none yet);
                                    // for attributes, as it was before the change
    u32 uid, gid;                   // CHOWN
    bool now;                       // UTIMES
};
#define FS_CHANGES_PER_BATCH_MAX 2 // a rename: the name that goes, the name that comes

// The door of every namespace and attribute change: shows the observer each change the
// batch will make, then opens the GrainDB batch (which the caller stages, then commits
// with fs_commit or aborts). Call it after the checks passed and before anything is
// staged. In fs*.c, graindb_batch_begin is called only here and for what needs no
// authority of its own: a file's data and times (opened through fs_file_open_write),
// and the first boot's root and ready mark.
i64 fs_change_begin(struct kernel *k, const struct fs_change *changes, u32 count);

// Fills a blank (or half-filled: an interrupted first boot) filesystem, from the
// root directory (fs_make_root) to the ready mark (fs_mark_ready). Passed in by the
// level above (kernel/boot/provision.c), so the filesystem needs no accounts.
typedef i64 fs_populate_fn(struct kernel *k);
// Opens (or, on a blank disk, formats and has `populate` fill) the filesystem.
void fs_mount(struct kernel *k, fs_populate_fn *populate);
// The first boot's steps (fs.c): the root directory; the mark that the population is
// complete (a boot that finds it missing completes it); a lookup and a create as
// root from an absolute path (existing names are not an error to the caller: resuming).
i64 fs_make_root(struct kernel *k);
i64 fs_mark_ready(struct kernel *k);
i64 fs_lookup_at(struct kernel *k, const char *absolute, struct fs_inode *out);
i64 fs_create_at(struct kernel *k, const char *absolute, u32 type, u32 mode, struct fs_inode *out);
// The entries of a directory, as root, into k->fs.entries (sorted by name, as stored):
// their count, or -error (-E_NOTDIR when it is not a directory).
i64 fs_list_at(struct kernel *k, const char *absolute);
// -E_NODEV without a disk, -E_IO when the disk was refused, 0 when usable.
i64 fs_usable(const struct kernel *k);
// Like fs_usable, but a failed (read-only) database still reads.
i64 fs_readable(const struct kernel *k);

// ---- the path walk (fs_walk.c) ---------------------------------------------------
// What the last component of a path is: a name, ".", "..", or none ("/").
enum fs_last { FS_LAST_NAME = 0, FS_LAST_DOT, FS_LAST_DOTDOT, FS_LAST_ROOT };

// Where a walk ended: the directory its last component was looked up in, that
// component, and what it names. Looking a component up needs x on its directory
// (also for "." and ".."), as Linux's may_lookup asks.
struct fs_name {
    enum fs_last last;
    bool trailing_slash;     // the last component was followed by '/'
    bool exists;             // FS_LAST_NAME: the name is in dir; the others: always
    u32 links;               // symbolic links expanded so far (E_LOOP past FS_SYMLINKS_MAX)
    struct fs_inode dir;     // the directory the last component was looked up in
    struct fs_inode inode;   // what the path names, when it exists (not followed
                             // unless the walk was asked to)
    char name[NAME_LEN_MAX + 1]; // FS_LAST_NAME: the component
    struct path path;        // the physical path of what it names (dir's and name)
};

#define FS_WALK_FOLLOW 1u // a symbolic link as the last component is followed
#define FS_WALK_LOOKUP 2u // the name must exist; a trailing slash follows a link and
                          // needs a directory (Linux's lookup_last), else E_NOTDIR

// Walks text from the root (absolute) or from directory cwd_inode (0: the cwd was
// removed: E_NOENT). Errors: E_NOENT (empty, or a missing component), E_NOTDIR,
// E_ACCES (no x on a directory looked in), E_LOOP, E_NAMETOOLONG (text of
// PATH_LEN_MAX bytes or more, a name over NAME_LEN_MAX, a physical path deeper than
// PATH_COMPONENTS_MAX), or the disk's error.
i64 fs_walk(struct kernel *k, const struct cred *cred, u64 cwd_inode, const char *text, u32 flags,
            struct fs_name *out);

// ---- names (fs_namespace.c, fs_rename.c; the rest in internal.h) ------------------
// Kernel-internal callers with absolute normalized paths (struct path): the same
// walk from the root. fs_lookup follows a last symbolic link.
i64 fs_lookup(struct kernel *k, const struct cred *cred, const struct path *path, struct fs_inode *out);
// The new inode belongs to cred's effective uid and gid; mode is used as given.
i64 fs_create(struct kernel *k, const struct cred *cred, const struct path *path, u32 type, u32 mode,
              struct fs_inode *out);
i64 fs_rename(struct kernel *k, const struct cred *cred, const struct path *from, const struct path *to);
// Removes the non-directory at absolute, as root (a log's oldest archive).
i64 fs_remove_at(struct kernel *k, const char *absolute);
// Whether owner's share (and what is left to users, root's reserve kept) allows inodes
// and bytes more for a file the kernel makes on owner's behalf: 0, -E_DQUOT, -E_NOSPC.
i64 fs_usage_allow_owner(struct kernel *k, u32 owner, u64 inodes, u64 bytes);
// Creates (or rewrites) a whole file owned by root: the first boot's files.
i64 fs_write_file_as_root(struct kernel *k, const char *absolute, u32 mode, const u8 *bytes, u64 count);

// ---- attributes (fs_attr.c) -------------------------------------------------------
// Writes inode's attributes (mode, uid, gid, link count, times; one atomic batch) and
// copies them into an open copy of it. Its content fields must be the committed ones.
// change: on whose authority (CHMOD, CHOWN or UTIMES; its target the inode as it was),
// shown to the observer through fs_change_begin.
i64 fs_change_attributes(struct kernel *k, const struct fs_change *change, const struct fs_inode *inode);
// The kernel, as root, gives inode (at absolute) its owner, group and mode: one
// attribute change, shown to the observer as a chown on the kernel's authority.
i64 fs_give_as_root(struct kernel *k, const char *absolute, struct fs_inode *inode, u32 uid, u32 gid, u32 mode);
// 0 when cred may access inode for every bit of `want` (PERM_*), else -E_ACCES.
// One class decides: the owner's bits, else the group's when cred_in_group, else
// the others'. Root bypasses read and write, and execute needs at least one x bit
// (directories are always searchable by root). In fs_permission.c.
i64 cred_permission(const struct cred *cred, const struct fs_inode *inode, u32 want);

// Open files: an index into fs->files. A new entry counts against `uid`'s share of the
// table (the opener's real uid; the kernel opens as root): -E_NFILE beyond it.
// truncate: to size 0 (the caller then calls fs_file_wrote); only fs_file_open_write
// truncates (and the planted bug open-truncates-before-check, whose defect is exactly a
// truncation nobody checked).
i64 fs_file_open(struct kernel *k, const struct fs_inode *inode, bool truncate, u32 uid);
// The door of every change to a file's content: opens change->target for writing on
// change's authority (FS_CHANGE_OPEN_WRITE), showing the observer first; or the file
// the caller has just created (FS_CHANGE_CREATE, already shown by fs_change_begin, and
// then opened whatever its mode says, as Unix does). fs_file_write asserts that its
// file was opened here.
i64 fs_file_open_write(struct kernel *k, const struct fs_change *change, bool truncate, u32 uid);
void fs_file_hold(struct kernel *k, u32 index);
i64 fs_file_commit(struct kernel *k, u32 index);
i64 fs_file_release(struct kernel *k, u32 index); // commits on the last release
// Writes at offset (a hole reads as zeros) as `uid` (whose share of the buffers a
// buffer it needs counts against, and of the disk its growth); mtime and ctime are now.
i64 fs_file_write(struct kernel *k, u32 index, u32 uid, u64 offset, const u8 *bytes, u64 count);
// Copies the whole file into out: the open file's latest bytes when the inode is open,
// else the committed ones. -E_FBIG when it does not fit capacity.
i64 fs_file_read_all(struct kernel *k, const struct fs_inode *inode, u8 *out, u64 capacity,
                     u64 *size_bytes);
// Usage and shares (fs_usage.c). The cost charged for an inode of that type and size.
u64 fs_cost_bytes(u32 type, u64 size_bytes);
struct fs_usage fs_usage_of(struct kernel *k, u32 uid);
u64 fs_capacity_bytes(const struct kernel *k);
// Counts usage from the disk (once per mount, at its first need): 0, or the error of
// an inode that cannot be read (the count is then tried again at the next need).
i64 fs_usage_ensure(struct kernel *k);

// The open entry of inode (not unlinked), FS_OPEN_FILES_MAX when it is not open.
u32 fs_file_find(const struct kernel *k, u64 inode);

// The records' encoding (fs_record.c), which the simulator's storage invariants read too.
void fs_inode_key(u64 inode, u8 key[FS_KEY_LEN_MAX], u32 *key_len);
i64 fs_inode_decode(const u8 *bytes, u32 size_bytes, struct fs_inode *out);
i64 fs_directory_decode(struct fs *fs, const u8 *bytes, u32 size_bytes); // -> fs->entries

// ---- records beside the inodes, and the kernel's own tree work (issue 13, Zix) ----
// A record another room keeps in the filesystem's GrainDB (Zix's registrations, keys
// outside "ino/") is no change of the filesystem: no name, no inode, nothing for the
// observer's permission model. Its writer opens the batch with graindb_batch_begin,
// stages, and ends it with these, so the commit is traced and a compaction reported as
// the filesystem's own commits are (the simulator's durability shadow follows every
// commit of this database).
i64 fs_record_commit(struct kernel *k);
void fs_record_abort(struct kernel *k, i64 result);
// As root, never following a last symbolic link: what absolute names; the target of the
// symbolic link at absolute (NUL-terminated; its length); removing the empty directory
// at absolute.
i64 fs_lookup_link_at(struct kernel *k, const char *absolute, struct fs_inode *out);
i64 fs_read_symlink_at(struct kernel *k, const char *absolute, char out[FS_SYMLINK_BYTES_MAX + 1]);
i64 fs_remove_directory_at(struct kernel *k, const char *absolute);
// Object `index` of a directory stored in `chunks` objects (its inode's chunk_count),
// appended to fs->entries (start with entries_count 0 and index 0): -E_BADMSG (and no
// entries) unless it is that object, in that form, with names after those before it.
i64 fs_directory_decode_chunk(struct fs *fs, const u8 *bytes, u32 size_bytes, u32 index, u32 chunks);
