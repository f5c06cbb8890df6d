// mkcpio: pack host files into a cpio "newc" archive (the initial archive the kernel
// reads its programs from). The output depends only on the arguments and the file
// contents: mtime 0, uid/gid 0, fixed modes, inode numbers in emission order, so the
// same programs give the same archive bytes on every machine.
//
//   mkcpio OUTPUT ARCHIVE_PATH=HOST_FILE...
//
// Parent directories of every archive path are emitted (once, mode 040755) before
// the first file inside them; files get mode 0100755. Exit 0 on success, 2 on bad
// usage or unreadable input, 1 when the output cannot be written.
#define _POSIX_C_SOURCE 200809L

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

#define ENTRIES_MAX 512              // files plus the directories they imply
#define ARCHIVE_PATH_LEN_MAX 255     // "/" + path must fit the kernel's 256-byte paths
#define FILE_SIZE_MAX (256u << 20)   // far above any program; newc's limit is 4 GiB
#define HEADER_LEN_BYTES 110         // "070701" + 13 fields of 8 hex digits
#define ALIGN_BYTES 4
#define MODE_FILE 0100755u
#define MODE_DIRECTORY 040755u
#define EXIT_USAGE 2
#define EXIT_OUTPUT 1

struct entry {
    char path[ARCHIVE_PATH_LEN_MAX + 1];
    const char *host_path; // NULL for a directory
    u8 *data;              // the file's contents, loaded before the output is opened
    u32 size_bytes;
};

struct archive {
    struct entry entries[ENTRIES_MAX];
    u32 count;
};

static void usage(FILE *to) {
    fprintf(to,
            "usage: mkcpio OUTPUT ARCHIVE_PATH=HOST_FILE...\n"
            "Write a deterministic cpio newc archive to OUTPUT holding each HOST_FILE as\n"
            "ARCHIVE_PATH (relative, e.g. bin/init), mode 0100755, mtime 0, uid/gid 0,\n"
            "inode numbers 1..N in order. Parent directories (mode 040755) are added\n"
            "before the first file inside them. Exit 2 on bad usage or unreadable input.\n");
}

static _Noreturn void die_usage(const char *what, const char *detail) {
    fprintf(stderr, "mkcpio: %s: %s\n", what, detail);
    exit(EXIT_USAGE);
}

// Relative, no empty, "." or ".." components: the kernel resolves "/" + path as is.
static void check_archive_path(const char *path, const char *argument) {
    size_t length = strlen(path);
    if (length == 0) die_usage(argument, "empty archive path");
    if (length > ARCHIVE_PATH_LEN_MAX) die_usage(argument, "archive path too long");
    if (path[0] == '/') die_usage(argument, "archive path must be relative");
    if (path[length - 1] == '/') die_usage(argument, "archive path ends with '/'");
    const char *component = path;
    while (*component != 0) {
        size_t part = strcspn(component, "/");
        if (part == 0) die_usage(argument, "empty path component");
        if ((part == 1 && component[0] == '.') ||
            (part == 2 && component[0] == '.' && component[1] == '.')) {
            die_usage(argument, "'.' and '..' are not allowed in archive paths");
        }
        component += part;
        if (*component == '/') component++;
    }
}

static struct entry *archive_find(struct archive *archive, const char *path, size_t length) {
    for (u32 i = 0; i < archive->count; i++) {
        struct entry *entry = &archive->entries[i];
        if (strlen(entry->path) == length && memcmp(entry->path, path, length) == 0) {
            return entry;
        }
    }
    return NULL;
}

static void archive_append(struct archive *archive, const char *path, size_t length,
                           const char *host_path, const char *argument) {
    assert(length <= ARCHIVE_PATH_LEN_MAX);
    if (archive->count == ENTRIES_MAX) die_usage(argument, "too many archive entries");
    struct entry *entry = &archive->entries[archive->count++];
    memcpy(entry->path, path, length);
    entry->path[length] = 0;
    entry->host_path = host_path;
}

// Adds the missing parent directories of path, then the file itself.
static void archive_add_file(struct archive *archive, const char *path, const char *host_path,
                             const char *argument) {
    assert(host_path != NULL);
    for (const char *slash = strchr(path, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
        size_t length = (size_t)(slash - path);
        struct entry *existing = archive_find(archive, path, length);
        if (existing == NULL) {
            archive_append(archive, path, length, NULL, argument);
        } else if (existing->host_path != NULL) {
            die_usage(argument, "a parent directory is already a file in the archive");
        }
    }
    if (archive_find(archive, path, strlen(path)) != NULL) {
        die_usage(argument, "archive path given twice (or already a directory)");
    }
    archive_append(archive, path, strlen(path), host_path, argument);
}

static void archive_parse(struct archive *archive, int argc, char **argv) {
    assert(argc >= 2);
    for (int i = 2; i < argc; i++) {
        char *equals = strchr(argv[i], '=');
        if (equals == NULL) die_usage(argv[i], "expected ARCHIVE_PATH=HOST_FILE");
        if (equals[1] == 0) die_usage(argv[i], "empty host file name");
        size_t length = (size_t)(equals - argv[i]);
        if (length > ARCHIVE_PATH_LEN_MAX) die_usage(argv[i], "archive path too long");
        char path[ARCHIVE_PATH_LEN_MAX + 1];
        memcpy(path, argv[i], length);
        path[length] = 0;
        check_archive_path(path, argv[i]);
        archive_add_file(archive, path, equals + 1, argv[i]);
    }
}

// Reads a whole regular file; dies naming the file if it cannot.
static u8 *read_host_file(const char *host_path, u32 *size_out) {
    struct stat info;
    if (stat(host_path, &info) != 0) die_usage(host_path, strerror(errno));
    if (!S_ISREG(info.st_mode)) die_usage(host_path, "not a regular file");
    if ((u64)info.st_size > FILE_SIZE_MAX) die_usage(host_path, "file too large");
    FILE *file = fopen(host_path, "rb");
    if (file == NULL) die_usage(host_path, strerror(errno));
    u32 size = (u32)info.st_size;
    u8 *data = malloc(size == 0 ? 1 : size);
    if (data == NULL) die_usage(host_path, "out of memory");
    size_t got = fread(data, 1, size, file);
    bool failed = ferror(file) != 0 || got != size || fgetc(file) != EOF;
    fclose(file);
    if (failed) die_usage(host_path, "read failed or file changed while reading");
    *size_out = size;
    return data;
}

static bool write_padding(FILE *out, u64 written_bytes) {
    static const u8 zeros[ALIGN_BYTES] = {0};
    u64 pad = (ALIGN_BYTES - written_bytes % ALIGN_BYTES) % ALIGN_BYTES;
    return fwrite(zeros, 1, pad, out) == pad;
}

// One header + name (padded so the data starts 4-aligned) + data (padded).
static bool write_member(FILE *out, u32 inode, u32 mode, u32 nlink, const char *name,
                         const u8 *data, u32 size) {
    u32 name_size = (u32)strlen(name) + 1;
    char header[HEADER_LEN_BYTES + 1];
    int length = snprintf(header, sizeof(header),
                          "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
                          inode, mode, 0u, 0u, nlink, 0u, size, 0u, 0u, 0u, 0u, name_size, 0u);
    assert(length == HEADER_LEN_BYTES);
    if (fwrite(header, 1, HEADER_LEN_BYTES, out) != HEADER_LEN_BYTES) return false;
    if (fwrite(name, 1, name_size, out) != name_size) return false;
    if (!write_padding(out, (u64)HEADER_LEN_BYTES + name_size)) return false;
    if (size > 0 && fwrite(data, 1, size, out) != size) return false;
    return write_padding(out, size);
}

// All input is read before the output is opened: an unreadable file then leaves
// no partial output behind.
static void archive_load(struct archive *archive) {
    for (u32 i = 0; i < archive->count; i++) {
        struct entry *entry = &archive->entries[i];
        if (entry->host_path != NULL) {
            entry->data = read_host_file(entry->host_path, &entry->size_bytes);
        }
    }
}

static bool write_archive(FILE *out, const struct archive *archive) {
    for (u32 i = 0; i < archive->count; i++) {
        const struct entry *entry = &archive->entries[i];
        bool directory = entry->host_path == NULL;
        assert(directory == (entry->data == NULL));
        bool ok = write_member(out, i + 1, directory ? MODE_DIRECTORY : MODE_FILE,
                               directory ? 2 : 1, entry->path, entry->data, entry->size_bytes);
        if (!ok) return false;
    }
    return write_member(out, 0, 0, 1, "TRAILER!!!", NULL, 0);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    }
    if (argc < 3) {
        usage(stderr);
        return EXIT_USAGE;
    }
    static struct archive archive;
    archive_parse(&archive, argc, argv);
    assert(archive.count >= 1);
    archive_load(&archive);

    // Write beside the target and rename, so a failed run never leaves a half archive
    // that make would take as up to date.
    const char *output = argv[1];
    size_t temp_size = strlen(output) + sizeof(".tmp");
    char *temp = malloc(temp_size);
    if (temp == NULL) die_usage(output, "out of memory");
    snprintf(temp, temp_size, "%s.tmp", output);
    FILE *out = fopen(temp, "wb");
    if (out == NULL) {
        fprintf(stderr, "mkcpio: %s: %s\n", temp, strerror(errno));
        return EXIT_OUTPUT;
    }
    bool ok = write_archive(out, &archive);
    ok = (fclose(out) == 0) && ok;
    if (!ok || rename(temp, output) != 0) {
        fprintf(stderr, "mkcpio: %s: write failed: %s\n", output, strerror(errno));
        remove(temp);
        return EXIT_OUTPUT;
    }
    free(temp);
    return 0;
}
