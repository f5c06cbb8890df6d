// A block device over a host file (pread/pwrite, fdatasync for flush), for the host
// benchmark and a host test. Implements platform_block_* for struct platform.
#pragma once

#include <stdbool.h>

#include "kernel/lib/types.h"

struct platform {
    int fd;
    u64 sector_count;
    bool sync;          // flush = fdatasync (false only to build big logs quickly)
    u64 reads, writes, flushes;
};

// Opens (creating if needed) `path` with `sector_count` sectors. zero_fill writes zeros
// over the whole file first, so later flushes need no allocation metadata (a real disk
// is allocated once too). Returns 0 or -errno.
int filedev_open(struct platform *dev, const char *path, u64 sector_count, bool zero_fill);
void filedev_close(struct platform *dev);
// Drops the file's pages from the host page cache (cold reads).
void filedev_drop_cache(struct platform *dev);
