// Reading the initial archive: cpio "newc" (magic 070701), every field checked.
#pragma once

#include "kernel/lib/types.h"

#define CPIO_HEADER_SIZE_BYTES 110
#define CPIO_NAME_LEN_MAX 256

struct cpio_file {
    const u8 *data;
    u64 size_bytes;
    u32 mode;
};

struct cpio_entry {
    const char *name; // NUL-terminated, inside the archive
    struct cpio_file file;
};

// The entry at *offset, advancing *offset past it. Returns 0, -E_NOENT at the
// trailer, or -E_INVAL when the archive is malformed.
i64 cpio_next(const u8 *archive, u64 archive_size_bytes, u64 *offset, struct cpio_entry *entry);

// Finds `path` (leading '/' ignored) in the archive. Returns 0, -E_NOENT when the
// archive has no such file, or -E_INVAL when the archive is malformed.
i64 cpio_find(const u8 *archive, u64 archive_size_bytes, const char *path,
              struct cpio_file *file);
