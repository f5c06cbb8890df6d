// Recipes read with the caller's rights and their inputs resolved to store paths, with
// an explicit stack (k->zix.resolve, no recursion): a recipe input is resolved (its own
// inputs first) to the store path its canonical form gives; a path input must be
// registered; a source is read with the caller's rights, hashed canonically and, for
// START, imported into the store as root (sealed, registered with an empty recipe).
#include "kernel/zix/build_internal.h"
#include "kernel/bugs.h"

#include "kernel/fs/fs.h"
#include "kernel/fs/path.h"
#include "kernel/lib/endian.h"
#include "kernel/lib/format.h"
#include "kernel/lib/mem.h"
#include "kernel/observe.h"

#define ZIX_SOURCE_MODE 0444u
#define ZIX_SOURCE_EXECUTABLE_MODE 0555u
#define MODE_ANY_EXECUTE 0111u

// The file at text (from the caller's cwd), readable by the caller: its inode and its
// physical path.
static i64 resolve_walk(struct kernel *k, u32 caller_slot, const char *text, struct fs_inode *inode,
                        char physical[ABI_PATH_LEN_MAX]) {
    const struct proc *caller = &k->procs[caller_slot];
    struct fs_name name;
    i64 result = fs_walk(k, &caller->cred, caller->cwd_inode, text, FS_WALK_FOLLOW | FS_WALK_LOOKUP, &name);
    if (result < 0) return result;
    i64 formatted = path_format(&name.path, physical, ABI_PATH_LEN_MAX);
    if (formatted < 0) return formatted;
    *inode = name.inode;
    if (name.inode.type == ABI_TYPE_DIRECTORY) return -E_ISDIR; // physical and inode set
    if (name.inode.type != ABI_TYPE_FILE) return -E_INVAL;
    return cred_permission(&caller->cred, &name.inode, PERM_READ);
}

// FILE's folder joined with relative (or relative itself when absolute).
static i64 resolve_join(const char *file, const char *relative, char out[ABI_PATH_LEN_MAX]) {
    assert(file[0] == '/');
    if (relative[0] == '/') return str_copy(out, ABI_PATH_LEN_MAX, relative) ? 0 : -E_NAMETOOLONG;
    u64 slash = 0;
    for (u64 i = 0; file[i] != '\0'; i++) {
        if (file[i] == '/') slash = i;
    }
    u64 written = format(out, ABI_PATH_LEN_MAX, "%s", file);
    assert(written > slash);
    out[slash] = '\0';
    written = format(out + slash, ABI_PATH_LEN_MAX - slash, "/%s", relative);
    return slash + written + 1 < ABI_PATH_LEN_MAX ? 0 : -E_NAMETOOLONG;
}

// Reads and parses the recipe at text onto the stack. A bad recipe: -E_INVAL with
// missing "FILE:LINE: FIELD: message".
static i64 resolve_push(struct kernel *k, u32 caller_slot, const char *text, struct abi_zix_build *result) {
    assert(k->zix.resolve_depth < ZIX_RESOLVE_DEPTH_MAX);
    struct zix_resolve_frame *frame = &k->zix.resolve[k->zix.resolve_depth];
    mem_set(frame, 0, sizeof *frame);
    struct fs_inode inode;
    i64 done = resolve_walk(k, caller_slot, text, &inode, frame->file);
    if (done < 0) { str_copy(result->missing, sizeof result->missing, text); return done; }
    for (u32 i = 0; i < k->zix.resolve_depth; i++) { // a cycle: the file is on the stack
        if (!str_equal(k->zix.resolve[i].file, frame->file)) continue;
        str_copy(result->missing, sizeof result->missing, frame->file);
        return -E_LOOP;
    }
    u8 *text_bytes = k->fs.program_buffer; // scratch: nothing is being loaded now
    u64 size = 0;
    done = fs_file_read_all(k, &inode, text_bytes, ZIX_RECIPE_TEXT_BYTES_MAX, &size);
    if (done == -E_FBIG) {
        format(result->missing, sizeof result->missing, "%s:0: recipe: longer than %u bytes", frame->file,
               ZIX_RECIPE_TEXT_BYTES_MAX);
        return -E_INVAL;
    }
    if (done == 0) done = zix_recipe_parse((const char *)text_bytes, (u32)size, &frame->recipe, &k->zix.error);
    if (done == -E_INVAL) {
        format(result->missing, sizeof result->missing, "%s:%u: %s: %s", frame->file, k->zix.error.line,
               k->zix.error.field, k->zix.error.message);
    }
    if (done < 0) return done;
    if (!zix_name_valid(frame->recipe.name, ZIX_HOST_NAME_LEN_MAX)) {
        format(result->missing, sizeof result->missing, "%s:0: name: longer than %u or not a store name",
               frame->file, ZIX_HOST_NAME_LEN_MAX);
        return -E_INVAL;
    }
    k->zix.resolve_depth++;
    return 0;
}

// A source's import: written as root at its store path, sealed, registered (an empty
// recipe). Registered already: nothing to do.
static i64 resolve_import(struct kernel *k, u32 caller_slot, const struct zix_input *input, const u8 hash[ZIX_HASH_BYTES],
                          u64 nar_size_bytes, u64 size_bytes, bool executable) {
    struct zix_registration *registration = &k->zix.registration;
    i64 done = zix_store_lookup(k, input->store_path, registration);
    if (done != -E_NOENT) return done;
    done = zix_tree_remove(k, input->store_path); // a leftover of an import cut short
    u32 mode = executable ? ZIX_SOURCE_EXECUTABLE_MODE : ZIX_SOURCE_MODE;
    if (done == 0) done = fs_write_file_as_root(k, input->store_path, mode, k->fs.program_buffer, size_bytes);
    if (done == 0) done = zix_tree_seal(k, input->store_path);
    if (done < 0) return done;
    mem_set(registration, 0, sizeof *registration);
    str_copy(registration->path, sizeof registration->path, input->store_path);
    mem_copy(registration->nar_hash, hash, ZIX_HASH_BYTES);
    registration->nar_size_bytes = nar_size_bytes;
    registration->registered_ns = platform_realtime_ns(k->platform);
    registration->builder_uid = k->procs[caller_slot].cred.ruid;
    done = zix_store_register(k, registration);
    if (done < 0) { (void)zix_tree_remove(k, input->store_path); return done; }
    observe_trace(k->platform, TRACE_ZIX_REGISTERED, bytes_digest(input->store_path, str_len_bounded(input->store_path, sizeof input->store_path)),
                  load_u64_le(hash), 0);
    return 0;
}

// A source input (relative to its recipe's folder), named by its last component: a
// file is read with the caller's rights and hashed canonically (one file node); a
// directory is copied and hashed by zix_source_directory.
static i64 resolve_source(struct kernel *k, u32 caller_slot, const char *recipe_file, struct zix_input *input, bool import,
                          struct abi_zix_build *result) {
    char path[ABI_PATH_LEN_MAX], physical[ABI_PATH_LEN_MAX];
    struct fs_inode inode;
    i64 done = resolve_join(recipe_file, input->value, path);
    if (done == 0) done = resolve_walk(k, caller_slot, path, &inode, physical);
    bool directory = done == -E_ISDIR;
    const char *name = physical;
    for (const char *c = physical; *c != '\0' && (done == 0 || directory); c++) {
        if (*c == '/') name = c + 1;
    }
    if ((done == 0 || directory) && !zix_name_valid(name, ZIX_HOST_NAME_LEN_MAX)) {
        format(result->missing, sizeof result->missing, "%s:%u: input: %s is not a store name", recipe_file, input->line, name);
        return -E_INVAL;
    }
    if (directory) done = zix_source_directory(k, caller_slot, physical, name, import, input->store_path);
    if (directory || done < 0) {
        if (done < 0) str_copy(result->missing, sizeof result->missing, path);
        return done;
    }
    u64 size = 0;
    done = fs_file_read_all(k, &inode, k->fs.program_buffer, sizeof k->fs.program_buffer, &size);
    if (done < 0) { str_copy(result->missing, sizeof result->missing, path); return done; }
    bool executable = (inode.mode & MODE_ANY_EXECUTE) != 0;
    u8 hash[ZIX_HASH_BYTES];
    u64 nar_size_bytes = 0;
    zix_nar_begin(&k->zix.nar, NULL, 0);
    zix_nar_file_begin(&k->zix.nar, executable, size);
    zix_nar_file_bytes(&k->zix.nar, k->fs.program_buffer, size);
    zix_nar_end(&k->zix.nar, hash, &nar_size_bytes);
    zix_source_store_path(hash, name, input->store_path);
    if (!import) return 0;
    return resolve_import(k, caller_slot, input, hash, nar_size_bytes, size, executable);
}

// A path input: a registered store path.
static i64 resolve_path(struct kernel *k, const char *recipe_file, struct zix_input *input, struct abi_zix_build *result) {
    u32 hash_at = 0, name_at = 0;
    if (!zix_store_path_parse(input->value, &hash_at, &name_at)) {
        format(result->missing, sizeof result->missing, "%s:%u: input: not a store path", recipe_file, input->line);
        return -E_INVAL;
    }
    i64 done = zix_store_lookup(k, input->value, &k->zix.registration);
    if (done == -E_NOENT && planted_bug(k, BUG_ZIX_PATH_INPUT_UNCHECKED)) done = 0;
    if (done < 0) { str_copy(result->missing, sizeof result->missing, input->value); return done; }
    str_copy(input->store_path, sizeof input->store_path, input->value);
    return 0;
}

// A recipe input: its file read onto the stack (resolved before its parent goes on).
static i64 resolve_recipe_input(struct kernel *k, u32 caller_slot, u32 *visits, struct abi_zix_build *result) {
    const struct zix_resolve_frame *top = &k->zix.resolve[k->zix.resolve_depth - 1];
    const struct zix_input *input = &top->recipe.inputs[top->next_input];
    if (k->zix.resolve_depth == ZIX_RESOLVE_DEPTH_MAX || *visits == ZIX_RESOLVE_VISITS_MAX) {
        format(result->missing, sizeof result->missing, "%s:%u: input: more than %u recipes deep or %u in all",
               top->file, input->line, ZIX_RESOLVE_DEPTH_MAX, ZIX_RESOLVE_VISITS_MAX);
        return -E_INVAL;
    }
    (*visits)++;
    char path[ABI_PATH_LEN_MAX];
    i64 done = resolve_join(top->file, input->value, path);
    if (done < 0) { str_copy(result->missing, sizeof result->missing, input->value); return done; }
    return resolve_push(k, caller_slot, path, result);
}

// The top recipe is resolved (its store path given): its parent's input is that path.
// START needs it registered: else -E_AGAIN naming its file (zix builds it first).
static i64 resolve_pop(struct kernel *k, bool import, const char *store_path, struct abi_zix_build *result) {
    assert(k->zix.resolve_depth > 1);
    const struct zix_resolve_frame *top = &k->zix.resolve[k->zix.resolve_depth - 1];
    if (import) {
        i64 done = zix_store_lookup(k, store_path, &k->zix.registration);
        if (done == -E_NOENT) done = -E_AGAIN;
        if (done < 0) { str_copy(result->missing, sizeof result->missing, top->file); return done; }
    }
    k->zix.resolve_depth--;
    struct zix_resolve_frame *parent = &k->zix.resolve[k->zix.resolve_depth - 1];
    str_copy(parent->recipe.inputs[parent->next_input].store_path, ZIX_STORE_PATH_LEN_MAX + 1, store_path);
    parent->next_input++;
    return 0;
}

i64 zix_resolve(struct kernel *k, u32 caller_slot, const char *file, bool import, u8 recipe_hash[ZIX_HASH_BYTES],
                char store_path[ZIX_STORE_PATH_LEN_MAX + 1], struct abi_zix_build *result) {
    assert(caller_slot < PROCS_MAX);
    assert(file != NULL);
    k->zix.resolve_depth = 0;
    u32 visits = 1;
    i64 done = resolve_push(k, caller_slot, file, result);
    while (done == 0) {
        struct zix_resolve_frame *top = &k->zix.resolve[k->zix.resolve_depth - 1];
        assert(top->next_input <= top->recipe.inputs_count);
        if (top->next_input == top->recipe.inputs_count) {
            done = zix_recipe_store_path(&top->recipe, recipe_hash, store_path);
            if (done >= 0 && planted_bug(k, BUG_ZIX_PATH_CLOCK)) store_path[ZIX_STORE_DIR_LEN + 1] = "0123456789abcdfghijklmnpqrsvwxyz"[platform_realtime_ns(k->platform) / 1000000000ull % 32u];
            if (done < 0 || k->zix.resolve_depth == 1) break;
            done = resolve_pop(k, import, store_path, result);
            continue;
        }
        struct zix_input *input = &top->recipe.inputs[top->next_input];
        if (input->kind == ZIX_INPUT_RECIPE) { done = resolve_recipe_input(k, caller_slot, &visits, result); continue; }
        if (input->kind == ZIX_INPUT_PATH) done = resolve_path(k, top->file, input, result);
        else done = resolve_source(k, caller_slot, top->file, input, import, result);
        if (done == 0) top->next_input++;
    }
    return done;
}
