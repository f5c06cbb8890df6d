// The owner/group/other permission check on inodes: the filesystem's, so that
// credentials (kernel/cred) stay below the filesystem and need none of its types.
#include "kernel/fs/fs.h"

#include "kernel/abi.h"

i64 cred_permission(const struct cred *cred, const struct fs_inode *inode, u32 want) {
    assert(cred != NULL);
    assert(inode != NULL);
    assert(want != 0);
    assert((want & ~(PERM_READ | PERM_WRITE | PERM_EXECUTE)) == 0);
    if (cred->euid == ABI_UID_ROOT) {
        if ((want & PERM_EXECUTE) == 0 || inode->type == ABI_TYPE_DIRECTORY) return 0;
        return (inode->mode & FS_MODE_EXECUTE_ANY) != 0 ? 0 : -E_ACCES;
    }
    // One class only, as Unix does: an owner denied by the owner bits is denied even
    // if the group or other bits would allow it.
    u32 shift = 0; // other
    if (cred->euid == inode->uid) shift = 6;
    else if (cred_in_group(cred, inode->gid)) shift = 3;
    assert(shift <= 6);
    u32 granted = (inode->mode >> shift) & 7u;
    return (granted & want) == want ? 0 : -E_ACCES;
}
