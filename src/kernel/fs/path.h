// Paths as lists of names: the physical path the walk (fs_walk.c) keeps of where it
// is, and lexical resolution for the kernel's own absolute paths ("/etc/passwd"),
// which contain no "." or ".." to be misread. User paths are never resolved
// lexically: fs_walk follows them component by component.
#pragma once

#include "kernel/abi.h"
#include "kernel/lib/types.h"

#define PATH_LEN_MAX ABI_PATH_LEN_MAX     // with the NUL
#define PATH_COMPONENTS_MAX 32
#define NAME_LEN_MAX ABI_NAME_LEN_MAX

struct path {
    u32 count;                              // 0: the root itself
    char names[PATH_COMPONENTS_MAX][NAME_LEN_MAX + 1];
};

// Joins cwd (absolute, normalized) and path into components. Errors: -E_NOENT for
// an empty path, -E_NAMETOOLONG for a path of PATH_LEN_MAX bytes or more or a name
// longer than NAME_LEN_MAX, -E_INVAL for more than PATH_COMPONENTS_MAX components.
i64 path_resolve(const char *cwd, const char *path, struct path *out);
// Writes "/a/b" (or "/") into buffer. Returns the length or -E_NAMETOOLONG.
i64 path_format(const struct path *path, char *buffer, u64 capacity);
