// Kernel parsers that take bytes from outside: the cpio archive reader and the
// message formatter. Malformed input must give an error, never a crash.
#include <string.h>

#include "kernel/abi.h"
#include "kernel/lib/cpio.h"
#include "kernel/lib/format.h"
#include "kernel/fs/path.h"
#include "tests/unit/unit.h"

#define ARCHIVE_MAX 4096

// Appends one newc entry (the same layout tools/mkcpio.c writes).
static size_t put_entry(unsigned char *a, size_t at, const char *name, const char *data, unsigned mode) {
    size_t name_size = strlen(name) + 1, data_size = strlen(data);
    at += (size_t)sprintf((char *)a + at, "070701%08x%08x%08x%08x%08x%08x%08zx%08x%08x%08x%08x%08zx%08x",
                          1u, mode, 0u, 0u, 1u, 0u, data_size, 0u, 0u, 0u, 0u, name_size, 0u);
    memcpy(a + at, name, name_size);
    at += name_size;
    while (at % 4) a[at++] = 0;
    memcpy(a + at, data, data_size);
    at += data_size;
    while (at % 4) a[at++] = 0;
    return at;
}

static size_t sample_archive(unsigned char *a) {
    memset(a, 0, ARCHIVE_MAX);
    size_t at = put_entry(a, 0, "bin", "", 040755);
    at = put_entry(a, at, "bin/init", "INIT-BYTES", 0100755);
    at = put_entry(a, at, "bin/hello", "hi", 0100755);
    return put_entry(a, at, "TRAILER!!!", "", 0);
}

static void test_cpio(void) {
    unsigned char a[ARCHIVE_MAX];
    size_t size = sample_archive(a);
    struct cpio_file file;
    UNIT_CHECK("cpio finds /bin/init", cpio_find(a, size, "/bin/init", &file) == 0 &&
               file.size_bytes == 10 && memcmp(file.data, "INIT-BYTES", 10) == 0);
    UNIT_CHECK("cpio finds bin/hello without leading slash",
               cpio_find(a, size, "bin/hello", &file) == 0 && file.size_bytes == 2);
    UNIT_CHECK("cpio missing file is E_NOENT", cpio_find(a, size, "/bin/nope", &file) == -E_NOENT);
    UNIT_CHECK("cpio prefix of a name is not a match", cpio_find(a, size, "/bin/hell", &file) == -E_NOENT);
    UNIT_CHECK("cpio empty archive is E_NOENT", cpio_find(a, 0, "/bin/init", &file) == -E_NOENT);
    int truncated_ok = 1;
    for (size_t cut = 1; cut < size - 120; cut++) { // every truncation before the trailer
        int r = (int)cpio_find(a, cut, "/bin/hello", &file);
        // Found is fine only when the whole file lies inside the cut.
        bool inside = r == 0 && file.data + file.size_bytes <= a + cut;
        if (r != -E_INVAL && r != -E_NOENT && !inside) truncated_ok = 0;
    }
    UNIT_CHECK("cpio truncated archives are errors at every length", truncated_ok);
    unsigned char bad[ARCHIVE_MAX];
    memcpy(bad, a, size);
    bad[3] = '9';
    UNIT_CHECK("cpio bad magic is E_INVAL", cpio_find(bad, size, "/bin/init", &file) == -E_INVAL);
    memcpy(bad, a, size);
    bad[6 + 6 * 8] = 'z'; // filesize field of the first entry
    UNIT_CHECK("cpio non-hex field is E_INVAL", cpio_find(bad, size, "/bin/init", &file) == -E_INVAL);
    memcpy(bad, a, size);
    memcpy(bad + 6 + 6 * 8, "7fffffff", 8); // file size past the end
    UNIT_CHECK("cpio file size past the end is E_INVAL", cpio_find(bad, size, "/bin/init", &file) == -E_INVAL);
    memcpy(bad, a, size);
    memcpy(bad + 6 + 11 * 8, "00000000", 8); // name size zero
    UNIT_CHECK("cpio zero name size is E_INVAL", cpio_find(bad, size, "/bin/init", &file) == -E_INVAL);
}

static void test_format(void) {
    char out[64];
    format(out, sizeof out, "%d|%u|%x|%lld|%llx|%s|%c|%%", -42, 42u, 0xbeefu, (long long)INT64_MIN,
           0xfedcba9876543210ull, "str", 'z');
    UNIT_CHECK("format conversions", strcmp(out, "-42|42|beef|-9223372036854775808|fedcba9876543210|str|z|%") == 0);
    format(out, sizeof out, "[%5llu.%06llu] %08x", 12ull, 345ull, 0xabu);
    UNIT_CHECK("format width and zero padding", strcmp(out, "[   12.000345] 000000ab") == 0);
    u64 n = format(out, 8, "%s", "0123456789");
    UNIT_CHECK("format truncates and terminates", n == 7 && strcmp(out, "0123456") == 0);
    const char *volatile nothing = NULL;
    format(out, sizeof out, "%s", nothing);
    UNIT_CHECK("format NULL string", strcmp(out, "(null)") == 0);
}

// Resolves and formats back, or returns the error as text.
static const char *resolved(const char *cwd, const char *path, char *out, size_t capacity) {
    struct path p;
    i64 result = path_resolve(cwd, path, &p);
    if (result < 0) { snprintf(out, capacity, "error %lld", (long long)-result); return out; }
    if (path_format(&p, out, capacity) < 0) snprintf(out, capacity, "format error");
    return out;
}

static void test_path(void) {
    char out[ABI_PATH_LEN_MAX + 8];
    UNIT_CHECK("path absolute", strcmp(resolved("/home", "/etc/passwd", out, sizeof out), "/etc/passwd") == 0);
    UNIT_CHECK("path relative to cwd", strcmp(resolved("/home/xy", "notes/a", out, sizeof out), "/home/xy/notes/a") == 0);
    UNIT_CHECK("path dot", strcmp(resolved("/home/xy", "./a/./b", out, sizeof out), "/home/xy/a/b") == 0);
    UNIT_CHECK("path dotdot", strcmp(resolved("/home/xy", "../root/x", out, sizeof out), "/home/root/x") == 0);
    UNIT_CHECK("path dotdot stops at the root", strcmp(resolved("/", "../../..", out, sizeof out), "/") == 0);
    UNIT_CHECK("path repeated slashes", strcmp(resolved("/", "//usr///bin//", out, sizeof out), "/usr/bin") == 0);
    UNIT_CHECK("path empty is E_NOENT", strcmp(resolved("/", "", out, sizeof out), "error 2") == 0);
    char long_path[ABI_PATH_LEN_MAX + 1];
    memset(long_path, 'a', sizeof long_path - 1);
    long_path[0] = '/';
    long_path[ABI_PATH_LEN_MAX] = '\0';
    UNIT_CHECK("path of PATH_LEN_MAX bytes is E_NAMETOOLONG",
               strcmp(resolved("/", long_path, out, sizeof out), "error 36") == 0);
    long_path[ABI_PATH_LEN_MAX - 1] = '\0'; // 255 bytes, but one name of 254 > NAME_LEN_MAX
    UNIT_CHECK("path with a name longer than NAME_LEN_MAX is E_NAMETOOLONG",
               strcmp(resolved("/", long_path, out, sizeof out), "error 36") == 0);
    UNIT_CHECK("path of 255 bytes in short names is fine",
               strncmp(resolved("/", "/aa/bb/cc", out, sizeof out), "/aa/bb/cc", 9) == 0);
    char deep[ABI_PATH_LEN_MAX];
    size_t at = 0;
    for (u32 i = 0; i < PATH_COMPONENTS_MAX + 1; i++) { deep[at++] = '/'; deep[at++] = 'd'; }
    deep[at] = '\0';
    UNIT_CHECK("path deeper than PATH_COMPONENTS_MAX is E_INVAL", strcmp(resolved("/", deep, out, sizeof out), "error 22") == 0);
}

int main(void) {
    test_cpio();
    test_format();
    test_path();
    UNIT_EXIT();
}
