// The garbage collector's marking: what the roots reach through references. An explicit
// stack, not recursion: a chain of references as long as the store is deep costs no
// kernel stack. A path is marked when pushed, so each is pushed at most once and the
// stack never holds more than paths_count entries.
#include "subsystems/zix/internal.h"

static u32 push_if_new(u32 path, bool *live, u16 *stack, u32 depth, u32 paths_count) {
    assert(path < paths_count);
    if (!live[path]) assert(depth < paths_count);
    if (live[path]) return depth;
    live[path] = true;
    stack[depth] = (u16)path;
    return depth + 1;
}

u32 zix_gc_mark(u32 paths_count, const u32 *offsets, const u16 *targets, const bool *is_root,
                bool *live, u16 *stack) {
    assert(paths_count <= ZIX_GC_PATHS_MAX);
    assert(offsets != NULL);
    assert(is_root != NULL);
    assert(live != NULL);
    if (paths_count != 0) assert(stack != NULL);
    mem_set(live, 0, paths_count * sizeof(bool));
    u32 marked = 0;
    u32 depth = 0;
    for (u32 root = 0; root < paths_count; root++) {
        if (!is_root[root]) continue;
        depth = push_if_new(root, live, stack, depth, paths_count);
        while (depth > 0) {
            u32 path = stack[--depth];
            marked++;
            assert(offsets[path] <= offsets[path + 1]);
            for (u32 k = offsets[path]; k < offsets[path + 1]; k++) {
                assert(targets != NULL);
                depth = push_if_new(targets[k], live, stack, depth, paths_count);
            }
        }
    }
    return marked;
}
