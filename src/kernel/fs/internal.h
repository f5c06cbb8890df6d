// The filesystem's private calls: what only its own files (fs*.c, syscall_fs*.c)
// use. Other rooms use fs.h; tests may look inside.
#pragma once

#include "kernel/fs/fs.h"

// name's last component is an existing symbolic link: continues the walk through its
// target (relative targets from the link's directory), with the same limit, and with
// Linux's fs.protected_symlinks rule (see fs_walk.c).
i64 fs_walk_follow(struct kernel *k, const struct cred *cred, u32 flags, struct fs_name *name);
// The physical path of directory `inode`, from its parent links and their entries.
i64 fs_directory_path(struct kernel *k, u64 inode, struct path *out);
// Whether directory `ancestor` is `inode` or lies above it.
i64 fs_is_ancestor(struct kernel *k, u64 ancestor, u64 inode, bool *result);
// The target of symbolic link `link` into out (NUL-terminated). Its length or -error.
i64 fs_read_symlink(struct kernel *k, const struct fs_inode *link, char out[FS_SYMLINK_BYTES_MAX + 1]);
// Each takes names from fs_walk without FS_WALK_FOLLOW (Linux's filename_parentat and
// the lookup of the last component) and decides in Linux's order. Every call names
// whose credentials it acts with.
// A new inode named by `name` (FS_LAST_NAME, not existing): w on its directory.
// mode is final (the caller applied umask and type rules); owner cred's fsuid, group
// the directory's when it is setgid, else cred's egid. content: a symlink's target.
i64 fs_create_name(struct kernel *k, const struct cred *cred, struct fs_name *name, u32 type, u32 mode,
                   const char *content, struct fs_inode *out);
// mkdir/symlink's checks (Linux's filename_create): E_EXIST for ".", "..", "/" and an
// existing name, E_NOENT for "new/" when not a directory; then fs_create_name.
i64 fs_make(struct kernel *k, const struct cred *cred, struct fs_name *name, u32 type, u32 mode,
            const char *content, struct fs_inode *out);
// unlink (type FILE: anything but a directory) and rmdir (type DIRECTORY), with
// Linux's answers for ".", "..", "/" and trailing slashes.
i64 fs_unlink_name(struct kernel *k, const struct cred *cred, struct fs_name *name, u32 type);
// A new name for an existing non-directory (Linux's do_linkat after the lookups).
i64 fs_link_name(struct kernel *k, const struct cred *cred, const struct fs_name *old, struct fs_name *new_name);
i64 fs_rename_names(struct kernel *k, const struct cred *cred, struct fs_name *from, struct fs_name *to);
i64 fs_remove(struct kernel *k, const struct cred *cred, const struct path *path, u32 type);
// The open copy of inode, if any (its attributes are the current ones, its size the
// written one): NULL when it is not open.
struct fs_open_file *fs_open_copy(struct kernel *k, u64 inode);
// Overlays an open copy's attributes (not its size or chunks) onto inode.
void fs_inode_current(struct kernel *k, struct fs_inode *inode);
// Copies inode's attributes into its open copy, if any.
void fs_inode_attributes_to_open(struct kernel *k, const struct fs_inode *inode);
// Linux's should_remove_suid: the mode bits a change of content by cred removes (the
// set-user-ID bit, and set-group-ID with group x), 0 for root or a non-file.
u32 fs_privileges_removed(const struct cred *cred, const struct fs_inode *inode);
// Decodes directory `dir` into fs->entries (fs->entries_count).
i64 fs_read_directory(struct kernel *k, const struct fs_inode *dir);
// Index of name in fs->entries (sorted), or where it would be inserted.
u32 fs_entry_find(const struct fs *fs, const char *name, bool *found);
// The syscalls' durability promise: fsync (fs_file_sync) and a file's last close
// (fs_file_close) return 0 only once the file's bytes as of the call are committed. Each
// says so when it does with TRACE_FILE_SYNCED (inode, FNV-1a of those bytes, size),
// which the simulator holds to acknowledged_files_durable. A close that is not the
// file's last promises nothing and says nothing; neither does an exit's.
i64 fs_file_sync(struct kernel *k, u32 index);
i64 fs_file_close(struct kernel *k, u32 index);
// After a write (or truncation) through a descriptor: mtime and ctime are now, and a writer `cred` that is
// not root (NULL: the kernel itself, which removes nothing) removes the privilege
// bits (fs_privileges_removed), as Linux's file_remove_privs.
void fs_file_wrote(struct kernel *k, u32 index, const struct cred *cred);
// After a read through a descriptor: atime the relatime way (Linux's
// relatime_need_update), committed with the file.
void fs_file_accessed(struct kernel *k, u32 index);
// The bytes at offset: *bytes points at up to *available of them (to the end of their
// chunk or of the file; 0 at the end), valid until the next filesystem call.
i64 fs_file_peek(struct kernel *k, u32 index, u64 offset, const u8 **bytes, u64 *available);
void fs_usage_charge(struct kernel *k, u32 uid, i64 inodes, i64 bytes);
// Whether `actor` (a process's effective uid, the kernel: root) may add inodes and
// bytes charged to `owner`: 0, -E_DQUOT (beyond the owner's share) or -E_NOSPC (beyond
// what is left, root's reserve included for non-root actors). Root as actor is held
// only to the capacity, as Linux exempts CAP_SYS_RESOURCE from quotas.
i64 fs_usage_allow(struct kernel *k, u32 owner, u32 actor, u64 inodes, u64 bytes);
// An inode gone (its last name removed): its owner gets back its charge; call before
// its open copy is marked unlinked (the size charged is the one in memory).
void fs_usage_gone(struct kernel *k, const struct fs_inode *inode);
// A chown: the charge moves from before->uid to uid.
void fs_usage_move(struct kernel *k, const struct fs_inode *before, u32 uid);
// What an open file's in-memory size change charges its owner (no check).
void fs_usage_resize(struct kernel *k, const struct fs_inode *inode, u64 old_size_bytes, u64 new_size_bytes);
// Whether cred may make one more name in dir (decoded in fs->entries): -E_NOSPC
// beyond its share of a directory another user owns, or the non-root part.
i64 fs_usage_allow_entry(struct kernel *k, const struct cred *cred, const struct fs_inode *dir);
// At mount: no entry open, every buffer free.
void fs_files_reset(struct kernel *k);
// The buffer pool (fs_buffers.c): a buffer for uid to write into (taken back from
// another file when needed: written back first if dirty); the file's buffer; its
// return once the file is closed for good.
i64 fs_buffer_take(struct kernel *k, u32 uid, u32 *buffer_out);
u8 *fs_file_buffer(struct kernel *k, const struct fs_open_file *file);
void fs_buffer_give_back(struct kernel *k, struct fs_open_file *file);
// Internal to fs*.c.
i64 fs_read_inode(struct kernel *k, u64 inode, struct fs_inode *out);
i64 fs_delete_inode(struct kernel *k, u64 inode);
// Encodes fs->entries as dir's new content and stages both (inside an open batch).
i64 fs_stage_directory(struct kernel *k, struct fs_inode *dir);
// Open copies of inode never commit again (once its last name is gone).
void fs_mark_unlinked(struct kernel *k, u64 inode);
// Sticky and w checks for removing or replacing child in parent (Linux's may_delete
// without the type checks).
i64 fs_check_unlink_access(struct kernel *k, const struct cred *cred, const struct fs_inode *parent,
                           const struct fs_inode *child);
i64 fs_directory_is_empty(struct kernel *k, const struct fs_inode *dir, bool *empty);
void fs_entry_remove(struct fs *fs, u32 at);
// maker_uid: who makes the name (a user's share of a directory it does not own).
i64 fs_entry_insert(struct fs *fs, u32 at, u64 inode, u32 type, u32 maker_uid, const char *name);
// Processes whose cwd was `inode` (a directory removed) lose it.
void fs_forget_cwd(struct kernel *k, u64 inode);
// A free inode number (fs_inodes.c); -E_NOSPC when every usable number is taken.
i64 fs_inode_allocate(struct kernel *k, u64 *inode_out);
// The number was taken (its create committed): the next search starts after it.
void fs_inode_allocated(struct kernel *k, u64 inode);
i64 fs_stage_inode(struct kernel *k, const struct fs_inode *inode);
i64 fs_commit(struct kernel *k);
// Ends a batch that failed before its commit (result < 0). A log zone without room
// (-E_NOSPC while staging) is traced: the disk is full, as for a commit that failed so.
void fs_batch_abort(struct kernel *k, i64 result);
i64 fs_put_object(struct kernel *k, const u8 *bytes, u32 size_bytes, u8 hash[GRAINDB_HASH_BYTES]);
i64 fs_put_object_linked(struct kernel *k, const u8 *bytes, u32 size_bytes, u32 links_offset, u32 links_count,
                         u8 hash[GRAINDB_HASH_BYTES]);
i64 fs_get_object(struct kernel *k, const u8 hash[GRAINDB_HASH_BYTES], u8 *buffer, u32 capacity,
                  u32 *size_out);
u32 fs_inode_encode(const struct fs_inode *in, u8 out[FS_INODE_RECORD_BYTES]); // returns its size
// Object `index` of fs->entries' encoding, from entry *first on, into object_buffer:
// its size; *first moves past the entries it holds (fs_record.c).
i64 fs_directory_encode_chunk(struct fs *fs, u32 index, u32 *first);
i64 fs_directory_count(const u8 *bytes, u32 size_bytes);
u64 fs_inode_from_key(const u8 *key, u32 key_len);
