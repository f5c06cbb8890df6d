#include "kernel/fs/path.h"

#include "kernel/lib/mem.h"

// Applies one component: "." stays, ".." climbs (never above the root), else appends.
static i64 path_apply(struct path *out, const char *name, u64 length) {
    assert(length > 0);
    if (length == 1 && name[0] == '.') return 0;
    if (length == 2 && name[0] == '.' && name[1] == '.') {
        if (out->count > 0) out->count--;
        return 0;
    }
    if (length > NAME_LEN_MAX) return -E_NAMETOOLONG;
    if (out->count >= PATH_COMPONENTS_MAX) return -E_INVAL;
    mem_copy(out->names[out->count], name, length);
    out->names[out->count][length] = '\0';
    out->count++;
    return 0;
}

static i64 path_apply_all(struct path *out, const char *s) {
    u64 at = 0;
    while (s[at] != '\0') {
        while (s[at] == '/') at++;
        u64 length = 0;
        while (s[at + length] != '\0' && s[at + length] != '/') length++;
        if (length == 0) break;
        i64 result = path_apply(out, s + at, length);
        if (result < 0) return result;
        at += length;
    }
    return 0;
}

i64 path_resolve(const char *cwd, const char *path, struct path *out) {
    assert(cwd != NULL);
    assert(path != NULL);
    assert(out != NULL);
    assert(cwd[0] == '/');
    out->count = 0;
    u64 length = str_len_bounded(path, PATH_LEN_MAX);
    if (length >= PATH_LEN_MAX) return -E_NAMETOOLONG;
    if (length == 0) return -E_NOENT;
    if (path[0] != '/') {
        i64 result = path_apply_all(out, cwd);
        if (result < 0) return result;
    }
    return path_apply_all(out, path);
}

i64 path_format(const struct path *path, char *buffer, u64 capacity) {
    assert(path != NULL);
    assert(buffer != NULL);
    assert(capacity > 1);
    u64 at = 0;
    for (u32 i = 0; i < path->count; i++) {
        u64 length = str_len_bounded(path->names[i], NAME_LEN_MAX + 1);
        if (at + 1 + length + 1 > capacity) return -E_NAMETOOLONG;
        buffer[at++] = '/';
        mem_copy(buffer + at, path->names[i], length);
        at += length;
    }
    if (at == 0) buffer[at++] = '/';
    buffer[at] = '\0';
    return (i64)at;
}
