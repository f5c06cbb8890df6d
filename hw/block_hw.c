// Block device on hardware. Until the virtio-blk and RAM-disk drivers land, the
// machine reports no disk: the kernel then runs from the initial archive alone.
#include "kernel/platform.h"
#include "kernel/abi.h"

u64 platform_block_sector_count(struct platform *p) {
    (void)p;
    return 0;
}

i64 platform_block_read(struct platform *p, u64 sector, u8 *bytes, u32 sector_count) {
    (void)p, (void)sector, (void)bytes, (void)sector_count;
    return -E_NODEV;
}

i64 platform_block_write(struct platform *p, u64 sector, const u8 *bytes, u32 sector_count) {
    (void)p, (void)sector, (void)bytes, (void)sector_count;
    return -E_NODEV;
}

i64 platform_block_flush(struct platform *p) {
    (void)p;
    return -E_NODEV;
}
