#include "kernel/proc/vm.h"

#include "kernel/proc/frames.h"
#include "kernel/lib/mem.h"
#include "kernel/proc/internal.h"

static u64 *table_at(struct kernel *k, u64 table_pa) {
    assert(table_pa != 0);
    assert(table_pa % PAGE_SIZE_BYTES == 0);
    return (u64 *)platform_pa_to_ptr(k->platform, table_pa);
}

static u32 vpn_index(u64 va, u32 level) {
    assert(level < SV39_LEVELS);
    return (u32)((va >> (12 + 9 * level)) & (SV39_ENTRIES_PER_TABLE - 1));
}

static bool user_va_valid(u64 va) {
    return va >= ABI_USER_VA_BASE && va < ABI_USER_VA_END;
}

u64 vm_satp(u64 root_pa) {
    assert(root_pa % PAGE_SIZE_BYTES == 0);
    return SATP_MODE_SV39 | (root_pa >> 12);
}

void vm_kernel_entries_init(struct kernel *k) {
    struct platform_region regions[PLATFORM_REGIONS_MAX];
    u32 count = platform_kernel_regions(k->platform, regions, PLATFORM_REGIONS_MAX);
    assert(count <= PLATFORM_REGIONS_MAX);
    k->kernel_root_entries_count = 0;
    for (u32 r = 0; r < count; r++) {
        u64 first = regions[r].base_pa / GIGAPAGE_SIZE_BYTES;
        u64 last = (regions[r].base_pa + regions[r].size_bytes - 1) / GIGAPAGE_SIZE_BYTES;
        for (u64 gigapage = first; gigapage <= last; gigapage++) {
            // Identity mapping: the index must be in the lower half and never
            // collide with the user gigapage.
            assert(gigapage < SV39_ENTRIES_PER_TABLE / 2);
            assert(gigapage != ABI_USER_VA_BASE / GIGAPAGE_SIZE_BYTES);
            bool seen = false;
            for (u32 i = 0; i < k->kernel_root_entries_count; i++) {
                seen = seen || k->kernel_root_index[i] == gigapage;
            }
            if (seen) continue;
            u32 n = k->kernel_root_entries_count++;
            assert(n < KERNEL_ROOT_ENTRIES_MAX);
            k->kernel_root_index[n] = (u16)gigapage;
            k->kernel_root_pte[n] = ((gigapage * GIGAPAGE_SIZE_BYTES) >> 12 << PTE_PPN_SHIFT) |
                                    PTE_V | PTE_R | PTE_W | PTE_X | PTE_G | PTE_A | PTE_D;
        }
    }
}

u64 vm_create(struct kernel *k, u8 owner) {
    assert(owner != FRAME_FREE);
    assert(k->kernel_root_entries_count <= KERNEL_ROOT_ENTRIES_MAX);
    u64 root_pa = frame_alloc(k, owner);
    if (root_pa == 0) return 0;
    u64 *root = table_at(k, root_pa);
    for (u32 i = 0; i < k->kernel_root_entries_count; i++) {
        root[k->kernel_root_index[i]] = k->kernel_root_pte[i];
    }
    return root_pa;
}

// The level-0 table covering va, created on demand when `create` is set.
static u64 *leaf_table(struct kernel *k, u64 root_pa, u64 va, bool create, u8 owner,
                       u32 *frames_owned, i64 *error) {
    assert(frames_owned != NULL);
    assert(error != NULL);
    u64 table_pa = root_pa;
    for (u32 level = SV39_LEVELS - 1; level > 0; level--) {
        u64 *table = table_at(k, table_pa);
        u64 *entry = &table[vpn_index(va, level)];
        if ((*entry & PTE_V) == 0) {
            if (!create) return NULL;
            u64 next_pa = frame_alloc(k, owner);
            if (next_pa == 0) { *error = -E_NOMEM; return NULL; }
            (*frames_owned)++;
            *entry = (next_pa >> 12 << PTE_PPN_SHIFT) | PTE_V;
        }
        assert((*entry & (PTE_R | PTE_W | PTE_X)) == 0); // no user superpages
        table_pa = pte_pa(*entry);
    }
    return table_at(k, table_pa);
}

i64 vm_map_page(struct kernel *k, u64 root_pa, u64 va, u64 pa, u64 pte_flags, u8 owner,
                u32 *frames_owned) {
    assert(user_va_valid(va));
    assert(va % PAGE_SIZE_BYTES == 0);
    assert(pa % PAGE_SIZE_BYTES == 0);
    assert((pte_flags & ~PTE_FLAGS_MASK) == 0);
    i64 error = 0;
    assert(frames_owned != NULL);
    u64 *table = leaf_table(k, root_pa, va, true, owner, frames_owned, &error);
    if (table == NULL) return error;
    u64 *entry = &table[vpn_index(va, 0)];
    assert((*entry & PTE_V) == 0);
    *entry = (pa >> 12 << PTE_PPN_SHIFT) | pte_flags | PTE_V;
    return 0;
}

u64 vm_lookup(struct kernel *k, u64 root_pa, u64 va) {
    assert(root_pa != 0);
    if (!user_va_valid(va)) return 0;
    i64 error = 0;
    u32 unused_count = 0;
    u64 *table = leaf_table(k, root_pa, va, false, FRAME_FREE, &unused_count, &error);
    if (table == NULL) return 0;
    u64 entry = table[vpn_index(va, 0)];
    return (entry & PTE_V) ? entry : 0;
}

// Frees the subtree below a valid non-leaf entry at `level` (> 0).
static void destroy_table(struct kernel *k, u64 table_pa, u32 level, u8 owner) {
    assert(level < SV39_LEVELS);
    u64 *table = table_at(k, table_pa);
    for (u32 i = 0; i < SV39_ENTRIES_PER_TABLE; i++) {
        u64 entry = table[i];
        if ((entry & PTE_V) == 0) continue;
        if (level > 0) {
            destroy_table(k, pte_pa(entry), level - 1, owner);
        } else {
            assert(entry & PTE_U);
            frame_free(k, pte_pa(entry), owner);
        }
        table[i] = 0;
    }
    frame_free(k, table_pa, owner);
}

void vm_destroy(struct kernel *k, u64 root_pa, u8 owner) {
    assert(root_pa != 0);
    assert(owner != FRAME_FREE);
    u64 *root
 = table_at(k, root_pa);
    for (u32 i = 0; i < SV39_ENTRIES_PER_TABLE; i++) {
        u64 entry = root[i];
        // Skip empty slots and the kernel's gigapage leaves (R/W/X set).
        if ((entry & PTE_V) == 0 || (entry & (PTE_R | PTE_W | PTE_X)) != 0) continue;
        destroy_table(k, pte_pa(entry), SV39_LEVELS - 2, owner);
        root[i] = 0;
    }
    frame_free(k, root_pa, owner);
}
