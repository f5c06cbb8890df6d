#include "kernel/proc/usercopy.h"

#include "kernel/lib/mem.h"
#include "kernel/proc/vm.h"
#include "kernel/proc/internal.h"

// Kernel pointer to the byte at user va, or NULL if the page lacks `pte_need`.
static u8 *user_byte(struct kernel *k, const struct proc *proc_, u64 va, u64 pte_need) {
    assert(proc_->root_table_pa != 0);
    u64 pte = vm_lookup(k, proc_->root_table_pa, va & ~(PAGE_SIZE_BYTES - 1));
    if (pte == 0 || (pte & PTE_U) == 0 || (pte & pte_need) != pte_need) return NULL;
    // vm_lookup answers only for user addresses, and a user page is never the kernel's.
    assert((pte & PTE_V) != 0);
    u8 *page = platform_pa_to_ptr(k->platform, pte_pa(pte));
    return page + (va & (PAGE_SIZE_BYTES - 1));
}

bool user_range_ok(struct kernel *k, const struct proc *proc_, u64 va, u64 size_bytes,
                   u64 pte_need) {
    assert(pte_need != 0);
    assert((pte_need & ~(u64)(PTE_R | PTE_W)) == 0); // only read and write are asked for
    assert(proc_ != NULL);
    if (size_bytes == 0) return true;
    if (va + size_bytes < va) return false; // wraps around
    u64 page_va = va & ~(PAGE_SIZE_BYTES - 1);
    for (; page_va < va + size_bytes; page_va += PAGE_SIZE_BYTES) {
        if (user_byte(k, proc_, page_va, pte_need) == NULL) return false;
    }
    return true;
}

// Copies in page-sized pieces; validates the whole range first so that a fault
// leaves the destination untouched.
static i64 copy_user(struct kernel *k, const struct proc *proc_, u64 va, u8 *kernel_bytes,
                     u64 size_bytes, bool to_user) {
    if (size_bytes != 0) assert(kernel_bytes != NULL);
    u64 need = to_user ? (PTE_R | PTE_W) : PTE_R;
    if (!user_range_ok(k, proc_, va, size_bytes, need)) return -E_FAULT;
    u64 done = 0;
    while (done < size_bytes) {
        u64 at = va + done;
        u64 in_page = PAGE_SIZE_BYTES - (at & (PAGE_SIZE_BYTES - 1));
        u64 chunk = size_bytes - done < in_page ? size_bytes - done : in_page;
        u8 *user = user_byte(k, proc_, at, need);
        assert(user != NULL);
        if (to_user) mem_copy(user, kernel_bytes + done, chunk);
        else mem_copy(kernel_bytes + done, user, chunk);
        done += chunk;
    }
    assert(done == size_bytes); // all of it, and not a byte beyond the request
    return 0;
}

i64 copy_from_user(struct kernel *k, const struct proc *proc_, void *destination,
                   u64 source_va, u64 size_bytes) {
    assert(k != NULL);
    assert(proc_ != NULL);
    return copy_user(k, proc_, source_va, destination, size_bytes, false);
}

i64 copy_to_user(struct kernel *k, const struct proc *proc_, u64 destination_va,
                 const void *source, u64 size_bytes) {
    assert(k != NULL);
    assert(proc_ != NULL);
    // copy_user only reads the kernel buffer in this direction.
    return copy_user(k, proc_, destination_va, (u8 *)(uintptr_t)source, size_bytes, true);
}

i64 copy_string_from_user(struct kernel *k, const struct proc *proc_, char *destination,
                          u64 capacity, u64 source_va) {
    assert(destination != NULL);
    assert(capacity > 0);
    for (u64 i = 0; i < capacity; i++) {
        u8 *byte = user_byte(k, proc_, source_va + i, PTE_R);
        if (byte == NULL || source_va + i < source_va) return -E_FAULT;
        destination[i] = (char)*byte;
        if (*byte != '\0') continue;
        assert(i < capacity); // the length returned leaves room for the NUL it ends with
        return (i64)i;
    }

    destination[capacity - 1] = '\0';
    return -E_NAMETOOLONG;
}
