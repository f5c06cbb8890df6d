// See filedev.h.
#define _GNU_SOURCE
#include "tests/graindb/filedev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/abi.h"
#include "kernel/platform.h"

#define SECTOR BLOCK_SECTOR_SIZE_BYTES

_Noreturn void platform_panic(const char *file, u32 line, const char *what) {
    fprintf(stderr, "panic at %s:%u: %s\n", file, line, what);
    abort();
}

int filedev_open(struct platform *dev, const char *path, u64 sector_count, bool zero_fill) {
    memset(dev, 0, sizeof(*dev));
    dev->fd = open(path, O_RDWR | O_CREAT, 0644);
    if (dev->fd < 0) return -errno;
    dev->sector_count = sector_count;
    dev->sync = true;
    if (ftruncate(dev->fd, (off_t)(sector_count * SECTOR)) != 0) return -errno;
    if (zero_fill) {
        static char zeros[1 << 20];
        u64 total = sector_count * SECTOR;
        for (u64 at = 0; at < total; at += sizeof(zeros)) {
            u64 count = total - at < sizeof(zeros) ? total - at : sizeof(zeros);
            if (pwrite(dev->fd, zeros, count, (off_t)at) != (ssize_t)count) return -errno;
        }
        if (fsync(dev->fd) != 0) return -errno;
    }
    return 0;
}

void filedev_close(struct platform *dev) {
    if (dev->fd >= 0) close(dev->fd);
    dev->fd = -1;
}

void filedev_drop_cache(struct platform *dev) {
    (void)fdatasync(dev->fd);
    (void)posix_fadvise(dev->fd, 0, 0, POSIX_FADV_DONTNEED);
}

u64 platform_block_sector_count(struct platform *p) { return p->sector_count; }

i64 platform_block_read(struct platform *p, u64 sector, u8 *bytes, u32 sector_count) {
    if (sector > p->sector_count || sector_count > p->sector_count - sector) return -E_INVAL;
    p->reads++;
    size_t count = (size_t)sector_count * SECTOR;
    ssize_t done = pread(p->fd, bytes, count, (off_t)(sector * SECTOR));
    return done == (ssize_t)count ? 0 : -E_IO;
}

i64 platform_block_write(struct platform *p, u64 sector, const u8 *bytes, u32 sector_count) {
    if (sector > p->sector_count || sector_count > p->sector_count - sector) return -E_INVAL;
    p->writes++;
    size_t count = (size_t)sector_count * SECTOR;
    ssize_t done = pwrite(p->fd, bytes, count, (off_t)(sector * SECTOR));
    return done == (ssize_t)count ? 0 : -E_IO;
}

i64 platform_block_flush(struct platform *p) {
    p->flushes++;
    if (!p->sync) return 0;
    return fdatasync(p->fd) == 0 ? 0 : -E_IO;
}
