#include "kernel/lib/cpio.h"

#include "kernel/abi.h"
#include "kernel/lib/mem.h"

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

i64 cpio_next(const u8 *archive, u64 archive_size_bytes, u64 *offset, struct cpio_entry *entry) {
    assert(offset != NULL);
    assert(entry != NULL);
    if (archive_size_bytes != 0) assert(archive != NULL);
    u64 at = *offset;
    if (archive_size_bytes == 0 && at == 0) return -E_NOENT;
    if (at > archive_size_bytes || archive_size_bytes - at < CPIO_HEADER_SIZE_BYTES) return -E_INVAL;
    const u8 *header = archive + at;
    if (!mem_equal(header, "070701", 6)) return -E_INVAL;
    u32 mode = 0, file_size = 0, name_size = 0;
    if (!cpio_field(header, CPIO_FIELD_MODE, &mode) ||
        !cpio_field(header, CPIO_FIELD_FILESIZE, &file_size) ||
        !cpio_field(header, CPIO_FIELD_NAMESIZE, &name_size)) {
        return -E_INVAL;
    }
    u64 name_at = at + CPIO_HEADER_SIZE_BYTES;
    if (name_size == 0 || name_size > CPIO_NAME_LEN_MAX) return -E_INVAL;
    if (name_at + name_size > archive_size_bytes) return -E_INVAL;
    const u8 *name = archive + name_at;
    if (name[name_size - 1] != '\0') return -E_INVAL;
    u64 data_at = align4(name_at + name_size);
    if (data_at + file_size > archive_size_bytes) return -E_INVAL;
    if (cpio_name_is(name, name_size, "TRAILER!!!")) return -E_NOENT;
    entry->name = (const char *)name;
    entry->file = (struct cpio_file){.data = archive + data_at, .size_bytes = file_size, .mode = mode};
    *offset = align4(data_at + file_size);
    return 0;
}

i64 cpio_find(const u8 *archive, u64 archive_size_bytes, const char *path,
              struct cpio_file *file) {
    assert(path != NULL);
    assert(file != NULL);
    u64 offset = 0;
    struct cpio_entry entry;
    i64 result;
    while ((result = cpio_next(archive, archive_size_bytes, &offset, &entry)) == 0) {
        u32 name_size = (u32)str_len_bounded(entry.name, CPIO_NAME_LEN_MAX) + 1;
        if (cpio_name_is((const u8 *)entry.name, name_size, path)) {
            *file = entry.file;
            return 0;
        }
    }
    return result;
}
