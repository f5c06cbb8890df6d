#include "cpio.h"

#include "abi.h"
#include "mem.h"

#define CPIO_FIELD_DIGITS 8
#define CPIO_FIELD_MODE 1
#define CPIO_FIELD_FILESIZE 6
#define CPIO_FIELD_NAMESIZE 11

static u64 align4(u64 n) { return (n + 3) & ~3ull; }

// Field i of a newc header: 8 hex digits after the 6-byte magic.
static bool cpio_field(const u8 *header, u32 field, u32 *value) {
    assert(field < 13);
    u32 result = 0;
    for (u32 i = 0; i < CPIO_FIELD_DIGITS; i++) {
        u8 c = header[6 + field * CPIO_FIELD_DIGITS + i];
        u32 digit;
        if (c >= '0' && c <= '9') digit = c - '0';
        else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
        else return false;
        result = result << 4 | digit;
    }
    *value = result;
    return true;
}

// Compares the archive's name (name_size bytes including NUL) with path.
static bool cpio_name_is(const u8 *name, u32 name_size, const char *path) {
    while (*path == '/') path++;
    u64 path_len = str_len_bounded(path, CPIO_NAME_LEN_MAX);
    return name_size == path_len + 1 && mem_equal(name, path, path_len);
}

i64 cpio_find(const u8 *archive, u64 archive_size_bytes, const char *path,
              struct cpio_file *file) {
    assert(path != NULL && file != NULL);
    assert(archive != NULL || archive_size_bytes == 0);
    u64 offset = 0;
    while (offset + CPIO_HEADER_SIZE_BYTES <= archive_size_bytes) {
        const u8 *header = archive + offset;
        if (!mem_equal(header, "070701", 6)) return -E_INVAL;
        u32 mode = 0, file_size = 0, name_size = 0;
        if (!cpio_field(header, CPIO_FIELD_MODE, &mode) ||
            !cpio_field(header, CPIO_FIELD_FILESIZE, &file_size) ||
            !cpio_field(header, CPIO_FIELD_NAMESIZE, &name_size)) {
            return -E_INVAL;
        }
        u64 name_at = offset + CPIO_HEADER_SIZE_BYTES;
        if (name_size == 0 || name_size > CPIO_NAME_LEN_MAX) return -E_INVAL;
        if (name_at + name_size > archive_size_bytes) return -E_INVAL;
        const u8 *name = archive + name_at;
        if (name[name_size - 1] != '\0') return -E_INVAL;
        u64 data_at = align4(name_at + name_size);
        if (data_at + file_size > archive_size_bytes) return -E_INVAL;
        if (cpio_name_is(name, name_size, "TRAILER!!!")) return -E_NOENT;
        if (cpio_name_is(name, name_size, path)) {
            file->data = archive + data_at;
            file->size_bytes = file_size;
            file->mode = mode;
            return 0;
        }
        offset = align4(data_at + file_size);
    }
    return archive_size_bytes == 0 ? -E_NOENT : -E_INVAL; // no trailer: truncated
}
