// Memory: the RAM the kernel hands out as page frames, and the physical ranges
// every address space maps for the kernel. Both come from the device tree.
#include "hw/hw.h"

static u64 hw_align_up(u64 value, u64 alignment) {
    return (value + alignment - 1) & ~(alignment - 1);
}

// [*base, *end) loses whatever overlaps [start, stop): of the two pieces left
// around the obstacle, the larger one stays. The range only ever shrinks, so an
// obstacle cut away once never overlaps it again and one pass over all is enough.
static void hw_ram_avoid(u64 *base, u64 *end, u64 start, u64 stop) {
    if (stop <= *base || start >= *end) return;
    u64 below = start > *base ? start - *base : 0;
    u64 above_base = hw_align_up(stop, HW_PAGE_BYTES);
    u64 above = above_base < *end ? *end - above_base : 0;
    if (below >= above) {
        *end = *base + below;
    } else {
        *base = above_base;
    }
}

// The RAM after the kernel image in the memory range holding it, minus the device
// tree, an initrd the boot loader placed, and every reserved range.
void platform_ram_usable(struct platform *p, u64 *base_pa, u64 *size_bytes) {
    assert(p != NULL);
    assert(base_pa != NULL);
    assert(size_bytes != NULL);
    const struct fdt_machine *m = &p->machine;
    u64 base = hw_align_up(p->kernel_end_pa, HW_PAGE_BYTES), end = base;
    for (u32 i = 0; i < m->memory_count; i++) {
        u64 range_end = m->memory[i].base + m->memory[i].size_bytes;
        if (m->memory[i].base <= p->kernel_start_pa && p->kernel_start_pa < range_end) {
            end = range_end;
        }
    }
    hw_ram_avoid(&base, &end, p->dtb_pa, p->dtb_pa + p->fdt.size_bytes);
    if (m->initrd_present) hw_ram_avoid(&base, &end, m->initrd_start, m->initrd_end);
    for (u32 i = 0; i < m->reserved_count; i++) {
        hw_ram_avoid(&base, &end, m->reserved[i].base,
                     m->reserved[i].base + m->reserved[i].size_bytes);
    }
    assert(end > base);
    *base_pa = base;
    *size_bytes = (end - base) & ~(HW_PAGE_BYTES - 1);
}

void *platform_pa_to_ptr(struct platform *p, u64 pa) {
    assert(p != NULL);
    assert(pa != 0);
    return (void *)(uintptr_t)pa; // the kernel runs identity-mapped
}

static u32 hw_region_add(struct platform_region *regions, u32 count, u32 capacity, u64 base,
                         u64 size_bytes) {
    assert(count < capacity);
    u64 first = base & ~(HW_GIGAPAGE_BYTES - 1);
    u64 end = hw_align_up(base + size_bytes, HW_GIGAPAGE_BYTES);
    regions[count] = (struct platform_region){.base_pa = first, .size_bytes = end - first};
    return count + 1;
}

// The first gigabyte holds both boards' devices (UART, PLIC, CLINT, virtio, RTC);
// then every RAM range, and the console wherever it is.
u32 platform_kernel_regions(struct platform *p, struct platform_region *regions,
                            u32 regions_capacity) {
    assert(p != NULL);
    assert(regions != NULL);
    assert(regions_capacity >= 2);
    const struct fdt_machine *m = &p->machine;
    u32 count = hw_region_add(regions, 0, regions_capacity, 0, HW_GIGAPAGE_BYTES);
    for (u32 i = 0; i < m->memory_count && count < regions_capacity; i++) {
        count = hw_region_add(regions, count, regions_capacity, m->memory[i].base,
                              m->memory[i].size_bytes);
    }
    if (p->console == HW_CONSOLE_UART && p->uart.base >= HW_GIGAPAGE_BYTES &&
        count < regions_capacity) {
        count = hw_region_add(regions, count, regions_capacity, p->uart.base, HW_PAGE_BYTES);
    }
    return count;
}
