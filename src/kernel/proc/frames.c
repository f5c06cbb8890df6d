#include "kernel/proc/frames.h"

#include "kernel/bugs.h"
#include "kernel/lib/mem.h"
#include "kernel/proc/internal.h"

void frames_init(struct kernel *k) {
    assert(k != NULL);
    assert(k->platform != NULL);
    u64 base_pa = 0;
    u64 size_bytes = 0;
    platform_ram_usable(k->platform, &base_pa, &size_bytes);
    // Round the start up and the end down to whole frames.
    u64 aligned_base_pa = (base_pa + PAGE_SIZE_BYTES - 1) & ~(PAGE_SIZE_BYTES - 1);
    u64 end_pa = (base_pa + size_bytes) & ~(PAGE_SIZE_BYTES - 1);
    assert(end_pa > aligned_base_pa);
    u64 count = (end_pa - aligned_base_pa) / PAGE_SIZE_BYTES;
    assert(count < FRAME_INDEX_NONE); // 16 TiB of RAM
    u32 table_frames = (u32)((count + PAGE_SIZE_BYTES - 1) / PAGE_SIZE_BYTES);
    assert(count > table_frames);
    struct frame_table *frames = &k->frames;
    frames->base_pa = aligned_base_pa;
    frames->count = (u32)count;
    frames->table_frames = table_frames;
    frames->owner = platform_pa_to_ptr(k->platform, aligned_base_pa);
    mem_set(frames->owner, FRAME_FREE, count);
    for (u32 i = 0; i < table_frames; i++) frames->owner[i] = FRAME_OWNER_KERNEL;
    frames->free_count = (u32)count - table_frames;
    frames->kernel_frames = table_frames;
    frames->search_from = table_frames;
}

u32 frame_index(const struct kernel *k, u64 pa) {
    assert(k != NULL);
    if (pa < k->frames.base_pa) return FRAME_INDEX_NONE;
    u64 index = (pa - k->frames.base_pa) / PAGE_SIZE_BYTES;
    if (index >= k->frames.count) return FRAME_INDEX_NONE;
    return (u32)index;
}

u64 frame_alloc(struct kernel *k, u8 owner) {
    assert(owner != FRAME_FREE);
    struct frame_table *frames = &k->frames;
    if (frames->free_count == 0) return 0;
    // A process's frames come out of its user's share (limits.h): no user can take the
    // memory root needs to log in.
    if (owner != FRAME_OWNER_KERNEL && !limits_allow_frames(k, (u32)owner - 1, 1)) return 0;
    // Next-fit from a rotating index: deterministic, and freed frames are not
    // reused at once, which makes use-after-free show up in the invariants.
    for (u32 tried = 0; tried < frames->count; tried++) {
        u32 index = (frames->search_from + tried) % frames->count;
        if (frames->owner[index] != FRAME_FREE) continue;
        bool leak = planted_bug(k, BUG_FRAME_DOUBLE_ALLOC) && index % 16 == 7;
        if (!leak) {
            frames->owner[index] = owner;
            frames->free_count--;
            if (owner == FRAME_OWNER_KERNEL) frames->kernel_frames++;
        }
        frames->search_from = (index + 1) % frames->count;
        u64 pa = frames->base_pa + (u64)index * PAGE_SIZE_BYTES;
        mem_set(platform_pa_to_ptr(k->platform, pa), 0, PAGE_SIZE_BYTES);
        return pa;
    }
    assert(false); // free_count said a frame was free
    return 0;
}

void frame_free(struct kernel *k, u64 pa, u8 owner) {
    u32 index = frame_index(k, pa);
    assert(index != FRAME_INDEX_NONE);
    assert(owner != FRAME_FREE);
    assert(k->frames.owner[index] == owner);
    k->frames.owner[index] = FRAME_FREE;
    k->frames.free_count++;
    if (owner == FRAME_OWNER_KERNEL) k->frames.kernel_frames--;
    assert(k->frames.free_count <= k->frames.count);
}
