// The initial archive. A boot loader's initrd (U-Boot's booti, QEMU's -initrd)
// arrives as /chosen linux,initrd-start/-end and is preferred: it is how the board
// image ships the files, and how a user replaces them without rebuilding the
// kernel. The archive embedded in the image (hw/initrd_blob.S) is the fallback,
// so that a bare `-kernel Image` still boots. An initrd that is not in RAM or is
// not a cpio newc archive is reported and ignored rather than trusted.
#include "hw/hw.h"
#include "kernel/lib/mem.h"

#define CPIO_NEWC_MAGIC "070701"
#define CPIO_NEWC_MAGIC_BYTES 6u

extern const u8 hw_initrd_start[];
extern const u8 hw_initrd_end[];

static bool initrd_in_ram(const struct fdt_machine *m, u64 start, u64 end) {
    for (u32 i = 0; i < m->memory_count; i++) {
        u64 ram_end = m->memory[i].base + m->memory[i].size_bytes;
        if (m->memory[i].base <= start && end <= ram_end) return true;
    }
    return false;
}

// Checks before reading: the range must lie in RAM before its first bytes are read.
static bool initrd_usable(struct platform *p, const struct fdt_machine *m) {
    u64 start = m->initrd_start, end = m->initrd_end;
    if (end - start < CPIO_NEWC_MAGIC_BYTES || !initrd_in_ram(m, start, end)) {
        hw_log(p, "initrd 0x%llx..0x%llx from the device tree is empty or outside RAM; ignored",
               (unsigned long long)start, (unsigned long long)end);
        return false;
    }
    if (!mem_equal((const void *)(uintptr_t)start, CPIO_NEWC_MAGIC, CPIO_NEWC_MAGIC_BYTES)) {
        hw_log(p, "initrd at 0x%llx from the device tree is not a cpio newc archive; ignored",
               (unsigned long long)start);
        return false;
    }
    return true;
}

void hw_initrd_init(struct platform *p) {
    assert(p != NULL);
    const struct fdt_machine *m = &p->machine;
    u64 embedded_start = (u64)(uintptr_t)hw_initrd_start;
    u64 embedded_end = (u64)(uintptr_t)hw_initrd_end;
    assert(embedded_end >= embedded_start);
    p->initrd_from_dt = m->initrd_present && initrd_usable(p, m);
    if (p->initrd_from_dt) {
        p->initrd = (const u8 *)(uintptr_t)m->initrd_start;
        p->initrd_size_bytes = m->initrd_end - m->initrd_start;
    } else {
        p->initrd = hw_initrd_start;
        p->initrd_size_bytes = embedded_end - embedded_start;
    }
}

const u8 *platform_initrd(struct platform *p, u64 *size_bytes) {
    assert(p != NULL);
    assert(size_bytes != NULL);
    assert(p->initrd != NULL);
    *size_bytes = p->initrd_size_bytes;
    return p->initrd;
}
