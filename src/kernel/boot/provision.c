// The first boot: the standard tree, the initial archive's files and the files of
// /etc, written as root through the filesystem's public calls. Every step leaves
// what an earlier, interrupted attempt finished, so a boot that finds the ready mark
// missing runs it again (fs_mount).
#include "kernel/boot/boot.h"

#include "kernel/cred/cred.h"
#include "kernel/fs/fs.h"
#include "kernel/kernel.h"
#include "kernel/lib/cpio.h"
#include "kernel/lib/mem.h"
#include "kernel/limits/limits.h"
#include "kernel/boot/internal.h"

#define PROVISION_DIRECTORY_MODE 0755
#define PROVISION_FILE_MODE 0644
#define PROVISION_PROGRAM_MODE 0755
#define CPIO_MODE_TYPE_MASK 0170000
#define CPIO_MODE_REGULAR 0100000
#define CPIO_MODE_DIRECTORY 0040000

#define PROVISION_PRIVATE_DIRECTORY_MODE 0700
#define PROVISION_SHARED_DIRECTORY_MODE 01777 // sticky: only owners remove their names
#define PROVISION_ZIX_TMP_MODE 0711 // a build finds its own directory, never lists the others

struct standard_directory {
    char path[24];
    u32 mode;
    u32 uid; // group: the user's primary group
};

static const struct standard_directory standard_tree[] = {
    {"/bin", PROVISION_DIRECTORY_MODE, ABI_UID_ROOT},
    {"/sbin", PROVISION_DIRECTORY_MODE, ABI_UID_ROOT},
    {"/usr", PROVISION_DIRECTORY_MODE, ABI_UID_ROOT},
    {"/usr/bin", PROVISION_DIRECTORY_MODE, ABI_UID_ROOT},
    {"/usr/lib", PROVISION_DIRECTORY_MODE, ABI_UID_ROOT},
    {"/usr/local", PROVISION_DIRECTORY_MODE, ABI_UID_ROOT},
    {"/etc", PROVISION_DIRECTORY_MODE, ABI_UID_ROOT},
    {"/root", PROVISION_PRIVATE_DIRECTORY_MODE, ABI_UID_ROOT},
    {"/home", PROVISION_DIRECTORY_MODE, ABI_UID_ROOT},
    {"/home/xy", PROVISION_DIRECTORY_MODE, ABI_UID_USER},
    {"/var", PROVISION_DIRECTORY_MODE, ABI_UID_ROOT},
    {"/var/lib", PROVISION_DIRECTORY_MODE, ABI_UID_ROOT},
    {"/var/log", PROVISION_DIRECTORY_MODE, ABI_UID_ROOT},
    {"/var/cache", PROVISION_DIRECTORY_MODE, ABI_UID_ROOT},
    {"/tmp", PROVISION_SHARED_DIRECTORY_MODE, ABI_UID_ROOT},
    {"/zix", PROVISION_DIRECTORY_MODE, ABI_UID_ROOT},
    {"/zix/store", PROVISION_DIRECTORY_MODE, ABI_UID_ROOT},
    {"/zix/roots", PROVISION_DIRECTORY_MODE, ABI_UID_ROOT},   // the GC's roots: root's links
    {"/zix/check", PROVISION_DIRECTORY_MODE, ABI_UID_ROOT},   // rebuilds of check and repair
    {"/zix/tmp", PROVISION_ZIX_TMP_MODE, ABI_UID_ROOT},       // builds' own directories: no listing
    {"/var/log/zix", PROVISION_DIRECTORY_MODE, ABI_UID_ROOT}, // builders' output
    {"/etc/zix", PROVISION_PRIVATE_DIRECTORY_MODE, ABI_UID_ROOT}, // the signing key
};

// A standard directory, created by root and then given to its owner (also when
// resuming an interrupted first boot: the attributes are written again).
static i64 provision_directory(struct kernel *k, const struct standard_directory *directory) {
    struct fs_inode inode;
    i64 result = fs_create_at(k, directory->path, ABI_TYPE_DIRECTORY, directory->mode, &inode);
    if (result == -E_EXIST) result = fs_lookup_at(k, directory->path, &inode);
    if (result < 0) return result;
    u32 gid = cred_primary_gid(directory->uid);
    if (inode.uid == directory->uid && inode.gid == gid && inode.mode == directory->mode) return 0;
    return fs_give_as_root(k, directory->path, &inode, directory->uid, gid, directory->mode);
}

// A directory of the archive that the standard tree lacks (such as /test, where the
// test programs live): created by root, mode 0755. One that exists is left as it is.
static i64 provision_archive_directory(struct kernel *k, const char *absolute) {
    assert(absolute[0] == '/');
    struct fs_inode inode;
    i64 result = fs_create_at(k, absolute, ABI_TYPE_DIRECTORY, PROVISION_DIRECTORY_MODE, &inode);
    if (result == -E_EXIST) result = fs_lookup_at(k, absolute, &inode);
    if (result < 0) return result;
    return inode.type == ABI_TYPE_DIRECTORY ? 0 : -E_NOTDIR;
}

// Every directory of the archive becomes /<its name> (the archive lists a directory
// before what it holds), and every regular file /<its name>, owned by root.
static i64 provision_archive(struct kernel *k, u32 *imported) {
    assert(imported != NULL);
    u64 offset = 0;
    struct cpio_entry entry;
    while (cpio_next(k->initrd, k->initrd_size_bytes, &offset, &entry) == 0) {
        u32 type = entry.file.mode & CPIO_MODE_TYPE_MASK;
        if (type != CPIO_MODE_REGULAR && type != CPIO_MODE_DIRECTORY) continue;
        char absolute[PATH_LEN_MAX];
        absolute[0] = '/';
        if (!str_copy(absolute + 1, sizeof absolute - 1, entry.name)) return -E_NAMETOOLONG;
        if (type == CPIO_MODE_DIRECTORY) {
            i64 made = provision_archive_directory(k, absolute);
            if (made < 0) return made;
            continue;
        }
        u32 mode = (entry.file.mode & FS_MODE_EXECUTE_ANY) ? PROVISION_PROGRAM_MODE : PROVISION_FILE_MODE;
        i64 result = fs_write_file_as_root(k, absolute, mode, entry.file.data, entry.file.size_bytes);
        if (result < 0) return result;
        (*imported)++;
    }
    return 0;
}

// The limits' defaults, with what each limits (limits_default_text).
static i64 provision_limits(struct kernel *k) {
    char text[LIMITS_CONF_BYTES_MAX];
    u64 length = limits_default_text(text);
    assert(length < sizeof text);
    return fs_write_file_as_root(k, LIMITS_CONF_PATH, LIMITS_CONF_MODE, (const u8 *)text, length);
}

i64 provision_first_boot(struct kernel *k) {
    i64 result = fs_make_root(k);
    for (u32 i = 0; i < ARRAY_COUNT(standard_tree) && result == 0; i++) {
        result = provision_directory(k, &standard_tree[i]);
    }
    u32 imported = 0;
    if (result == 0) result = provision_archive(k, &imported);
    if (result == 0) result = provision_accounts(k);
    if (result == 0) result = provision_limits(k);
    if (result == 0) result = provision_z6(k);
    if (result == 0) result = fs_mark_ready(k);
    if (result == 0) {
        klog(k, LOG_INFO, "filesystem: first boot: created %u directories, imported %u files",
             (u32)ARRAY_COUNT(standard_tree), imported);
    }
    return result;
}
