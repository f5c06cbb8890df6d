// Syscalls that prove who a user is: changing a password. (Issue 5, in progress.)
#include "syscall.h"

i64 sys_passwd(struct kernel *k, u32 slot, const u64 *args) {
    assert(k != NULL && slot < PROCS_MAX && args != NULL);
    return -E_NOSYS;
}
