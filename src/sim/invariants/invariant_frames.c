// frame_ownership: walk every live process's Sv39 table in the node's RAM and
// compare what is reachable with the kernel's frame table.
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/kernel.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/node.h"

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_PPN_MASK ((1ull << 44) - 1)
#define PTE_PPN_SHIFT 10
#define SV39_ENTRIES 512u
#define SV39_LEVEL_ROOT 2u

struct frame_walk {
    struct platform *node;
    const struct kernel *k;
    u8 seen[SIM_FRAMES_MAX / 8];
    u32 reached[PROCS_MAX];
    char *detail;
    u32 capacity;
};

__attribute__((format(printf, 2, 3))) static bool walk_fail(struct frame_walk *w,
                                                           const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(w->detail, w->capacity, format, args);
    va_end(args);
    return false;
}

// Counts one frame reached from slot's table: it must be in the frame table, owned by
// the slot, and reached for the first time.
static bool claim(struct frame_walk *w, u32 slot, u64 pa, const char *what) {
    const struct frame_table *frames = &w->k->frames;
    u32 pid = w->k->procs[slot].pid;
    if (pa < frames->base_pa || (pa - frames->base_pa) % PAGE_SIZE_BYTES != 0 ||
        (pa - frames->base_pa) / PAGE_SIZE_BYTES >= frames->count) {
        return walk_fail(w, "pid %u reaches %s pa 0x%" PRIx64 " outside the frame table", pid,
                         what, pa);
    }
    u32 index = (u32)((pa - frames->base_pa) / PAGE_SIZE_BYTES);
    u8 owner = frames->owner[index];
    if (owner == FRAME_FREE) {
        return walk_fail(w, "pid %u reaches free frame %u (%s, pa 0x%" PRIx64 ")", pid, index,
                         what, pa);
    }
    if (owner != slot + 1) {
        return walk_fail(w, "pid %u (slot %u) reaches frame %u (%s) owned by %u", pid, slot, index,
                         what, owner);
    }
    if (w->seen[index / 8] & (1u << (index % 8))) {
        return walk_fail(w, "frame %u (%s, pa 0x%" PRIx64 ") reached twice, again from pid %u",
                         index, what, pa, pid);
    }
    w->seen[index / 8] |= (u8)(1u << (index % 8));
    w->reached[slot]++;
    return true;
}

static bool kernel_root_entry(const struct kernel *k, u32 index, u64 pte, bool *matches) {
    for (u32 i = 0; i < k->kernel_root_entries_count && i < KERNEL_ROOT_ENTRIES_MAX; i++) {
        if (k->kernel_root_index[i] == index) {
            *matches = k->kernel_root_pte[i] == pte;
            return true;
        }
    }
    return false;
}

static bool walk_table(struct frame_walk *w, u32 slot, u64 table_pa, u32 level) {
    if (!claim(w, slot, table_pa, "page table")) return false;
    const u8 *table = node_pa_to_ptr(w->node, table_pa, PAGE_SIZE_BYTES);
    if (table == NULL) return walk_fail(w, "table pa 0x%" PRIx64 " outside RAM", table_pa);
    for (u32 index = 0; index < SV39_ENTRIES; index++) {
        u64 pte;
        memcpy(&pte, table + index * sizeof(u64), sizeof(pte)); // written natively by the kernel
        if ((pte & PTE_V) == 0) continue;
        bool leaf = (pte & (PTE_R | PTE_W | PTE_X)) != 0;
        u64 pa = ((pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) * PAGE_SIZE_BYTES;
        bool matches = false;
        if (level == SV39_LEVEL_ROOT && kernel_root_entry(w->k, index, pte, &matches)) {
            if (matches) continue; // the kernel's shared gigapage: not a frame
            return walk_fail(w, "pid %u root entry %u differs from the kernel's gigapage entry",
                             w->k->procs[slot].pid, index);
        }
        if (leaf && level != 0) {
            return walk_fail(w, "pid %u has a level-%u leaf at entry %u (pte 0x%" PRIx64 ")",
                             w->k->procs[slot].pid, level, index, pte);
        }
        if (leaf) {
            if (!claim(w, slot, pa, "user page")) return false;
        } else {
            if (level == 0) return walk_fail(w, "pointer pte at level 0, entry %u", index);
            if (!walk_table(w, slot, pa, level - 1)) return false;
        }
    }
    return true;
}

static bool owners_match(struct frame_walk *w) {
    const struct kernel *k = w->k;
    u32 owned[PROCS_MAX + 1] = {0};
    u32 free_count = 0;
    for (u32 index = 0; index < k->frames.count; index++) {
        u8 owner = k->frames.owner[index];
        if (owner == FRAME_FREE) free_count++;
        else if (owner >= 1 && owner <= PROCS_MAX) owned[owner]++;
        else if (owner != FRAME_OWNER_KERNEL) return walk_fail(w, "frame %u has owner %u", index, owner);
    }
    if (free_count != k->frames.free_count) {
        return walk_fail(w, "free_count %u but %u frames are FRAME_FREE", k->frames.free_count,
                         free_count);
    }
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        const struct proc *proc = &k->procs[slot];
        u32 expected = proc->state == PROC_FREE ? 0 : proc->frames_owned;
        if (proc->state != PROC_FREE && w->reached[slot] != proc->frames_owned) {
            return walk_fail(w, "pid %u: frames_owned %u but %u frames reachable", proc->pid,
                             proc->frames_owned, w->reached[slot]);
        }
        if (owned[slot + 1] != expected) {
            return walk_fail(w, "slot %u (pid %u, state %u): %u frames owned in the table, %u expected",
                             slot, proc->pid, (u32)proc->state, owned[slot + 1], expected);
        }
    }
    return true;
}

bool invariant_frame_ownership(struct platform *node, const struct kernel *k, char *detail,
                               u32 capacity) {
    assert(node != NULL);
    assert(k != NULL);
    assert(detail != NULL);
    STATIC_ASSERT(SIM_FRAMES_MAX % 8 == 0);
    struct frame_walk w;
    memset(&w, 0, sizeof(w));
    w.node = node;
    w.k = k;
    w.detail = detail;
    w.capacity = capacity;
    if (k->frames.count > SIM_FRAMES_MAX) return walk_fail(&w, "frame count %u", k->frames.count);
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        const struct proc *proc = &k->procs[slot];
        if (proc->state == PROC_FREE || proc->root_table_pa == 0) continue;
        if (!walk_table(&w, slot, proc->root_table_pa, SV39_LEVEL_ROOT)) return false;
    }
    return owners_match(&w);
}
