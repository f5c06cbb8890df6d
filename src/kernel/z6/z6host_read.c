// Reading /etc/z6 at boot: each service directory's files, sorted by name (the
// directory object keeps its entries sorted, never in creation order), handed to the
// parser one by one. Read errors refuse the service, as a malformed value would; the
// others still run.
#include "kernel/z6/internal.h"

#include "kernel/fs/fs.h"
#include "kernel/lib/format.h"
#include "kernel/lib/mem.h"
#include "kernel/users/accounts.h"

// Refuses a service from here (a read error, an unknown account): the parser keeps
// the first message, so this one is dropped when it already refused the service.
static void refuse(struct z6_parsed *parsed, const char *file, const char *what, i64 error) {
    assert(parsed != NULL);
    assert(what != NULL);
    if (parsed->refused) return;
    parsed->refused = true;
    format(parsed->message, sizeof parsed->message, "%s/%s: %s (error %lld)", parsed->directory, file,
           what, (long long)-error);
}

// The service directories under Z6_ROOT_PATH, in the order the listing gives (sorted).
static u32 list_services(struct kernel *k) {
    i64 count = fs_list_at(k, Z6_ROOT_PATH);
    if (count < 0) {
        if (count != -E_NOENT) klog(k, LOG_WARN, "z6: cannot list %s (error %lld)", Z6_ROOT_PATH, (long long)-count);
        if (count != -E_NOENT) k->z6.read_errors++;
        return 0;
    }
    u32 services = 0;
    for (u32 i = 0; i < (u32)count; i++) {
        const struct fs_dirent *entry = &k->fs.entries[i];
        if (entry->type != ABI_TYPE_DIRECTORY) continue;
        if (services == Z6_SERVICES_MAX) {
            klog(k, LOG_WARN, "z6: %s/%s ignored: %u services at most", Z6_ROOT_PATH, entry->name, Z6_SERVICES_MAX);
            continue;
        }
        z6_parse_begin(&k->z6.parsed[services++], Z6_ROOT_PATH, entry->name);
    }
    assert(services <= Z6_SERVICES_MAX);
    return services;
}

// The names of the service's files into k->z6.files; their count. Too many files, or
// one whose name is too long to be a setting, refuse the service.
static u32 list_files(struct kernel *k, struct z6_parsed *parsed) {
    assert(parsed != NULL);
    i64 count = fs_list_at(k, parsed->directory);
    if (count < 0) { refuse(parsed, "", "cannot list", count); k->z6.read_errors++; return 0; }
    if (count > Z6_FILES_MAX) { refuse(parsed, "", "too many files", -E_FBIG); return 0; }
    for (u32 i = 0; i < (u32)count; i++) {
        const char *name = k->fs.entries[i].name;
        if (!str_copy(k->z6.files[i], Z6_FILE_NAME_BYTES_MAX, name)) {
            z6_parse_file(parsed, k->z6.files[i], NULL, 0); // cut: unknown, as it should be
            return 0;
        }
    }
    assert(count <= Z6_FILES_MAX);
    return (u32)count;
}

// One setting file's bytes (run, finish and down are presence only: not read).
static void read_file(struct kernel *k, struct z6_parsed *parsed, const char *file) {
    assert(parsed != NULL);
    assert(file != NULL);
    bool presence = str_equal(file, "run") || str_equal(file, "finish") || str_equal(file, "down");
    if (presence) { z6_parse_file(parsed, file, NULL, 0); return; }
    char path[ABI_PATH_LEN_MAX];
    format(path, sizeof path, "%s/%s", parsed->directory, file);
    i64 length = accounts_read_file(k, path, k->z6.file_bytes, sizeof k->z6.file_bytes);
    for (u32 attempt = 1; attempt < Z6_READ_ATTEMPTS_MAX && length == -E_IO; attempt++) {
        length = accounts_read_file(k, path, k->z6.file_bytes, sizeof k->z6.file_bytes);
    }
    if (length < 0) { refuse(parsed, file, "cannot read", length); k->z6.read_errors++; return; }
    z6_parse_file(parsed, file, (const u8 *)k->z6.file_bytes, (u64)length);
}

// The account a service runs as (default root).
static void resolve_user(struct kernel *k, struct z6_parsed *parsed) {
    assert(parsed != NULL);
    assert(k->accounts.count <= ACCOUNTS_MAX);
    parsed->config.uid = ABI_UID_ROOT;
    if (parsed->user[0] == '\0' || parsed->refused) return;
    for (u32 i = 0; i < k->accounts.count; i++) {
        if (!str_equal(k->accounts.entries[i].name, parsed->user)) continue;
        parsed->config.uid = k->accounts.entries[i].uid;
        return;
    }
    parsed->refused = true;
    format(parsed->message, sizeof parsed->message, "%s/user:1: '%s' is no account", parsed->directory,
           parsed->user);
}

u32 z6host_read(struct kernel *k) {
    assert(k != NULL);
    u32 count = list_services(k);
    for (u32 i = 0; i < count; i++) {
        struct z6_parsed *parsed = &k->z6.parsed[i];
        u32 files = list_files(k, parsed);
        for (u32 f = 0; f < files && !parsed->refused; f++) read_file(k, parsed, k->z6.files[f]);
        z6_parse_end(parsed);
        resolve_user(k, parsed);
    }
    z6_parse_resolve(k->z6.parsed, count, k->z6.configs);
    assert(count <= Z6_SERVICES_MAX);
    return count;
}
