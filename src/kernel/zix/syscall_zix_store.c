// zix_store(op, argument, out): the store's questions (INFO, NTH, RECIPE, VERIFY,
// VERIFY_SIGNATURE: anyone, they only read) and its garbage collector (GC: root).
// Contract in abi.h. Every argument is the caller's: a path is copied and checked to be
// a store path of this kernel's length before anything looks it up.
#include "kernel/zix/internal.h"

#include "kernel/lib/mem.h"
#include "kernel/proc/usercopy.h"
#include "kernel/proc/vm.h"
#include "kernel/syscall.h"

STATIC_ASSERT(ZIX_REFS_MAX == ABI_ZIX_REFS_MAX);
STATIC_ASSERT(ZIX_RECIPE_TEXT_BYTES_MAX == ABI_ZIX_TEXT_BYTES);
STATIC_ASSERT(ZIX_HASH_BYTES == sizeof(((struct abi_zix_info *)0)->nar_hash));
STATIC_ASSERT(ZIX_STORE_DIR_LEN + 1u + ABI_NAME_LEN_MAX < ABI_ZIX_PATH_BYTES);

// The caller's store path into path: 0, -E_FAULT, -E_NAMETOOLONG, or -E_INVAL when it
// is not "/zix/store/<hash part>-<name>" with a name this kernel's store can hold.
static i64 store_path_from_user(struct kernel *k, u32 slot, u64 va, char path[ABI_ZIX_PATH_BYTES]) {
    i64 length = copy_string_from_user(k, &k->procs[slot], path, ABI_ZIX_PATH_BYTES, va);
    if (length < 0) return length;
    assert((u64)length < ABI_ZIX_PATH_BYTES);
    u32 hash_offset = 0;
    u32 name_offset = 0;
    if (!zix_store_path_parse(path, &hash_offset, &name_offset)) return -E_INVAL;
    if ((u32)length - name_offset > ZIX_HOST_NAME_LEN_MAX) return -E_INVAL;
    assert(name_offset <= (u32)length);
    return 0;
}

// A registration as the ABI shows it.
static void info_of(const struct zix_registration *registration, struct abi_zix_info *out) {
    assert(registration->refs_count <= ABI_ZIX_REFS_MAX);
    mem_set(out, 0, sizeof *out);
    str_copy(out->path, sizeof out->path, registration->path);
    mem_copy(out->nar_hash, registration->nar_hash, sizeof out->nar_hash);
    mem_copy(out->recipe_hash, registration->recipe_hash, sizeof out->recipe_hash);
    out->nar_size_bytes = registration->nar_size_bytes;
    out->registered_ns = registration->registered_ns;
    out->flags = registration->signature_length > 0 ? ABI_ZIX_INFO_SIGNED : 0;
    out->refs_count = registration->refs_count;
    for (u32 i = 0; i < registration->refs_count; i++) {
        str_copy(out->refs[i], sizeof out->refs[i], registration->refs[i]);
    }
    assert(out->refs_count == registration->refs_count);
}

// The registration the argument names (a path, or for NTH an index) into
// k->zix.registration.
static i64 store_registration_of(struct kernel *k, u32 slot, u64 op, u64 argument) {
    assert(slot < PROCS_MAX);
    assert(op < ABI_ZIX_STORE_GC); // GC names no registration
    if (op != ABI_ZIX_STORE_NTH) {
        char path[ABI_ZIX_PATH_BYTES];
        i64 result = store_path_from_user(k, slot, argument, path);
        return result < 0 ? result : zix_store_lookup(k, path, &k->zix.registration);
    }
    i64 count = zix_store_list(k, k->zix.paths);
    if (count < 0) return count;
    if (argument >= (u64)count) return -E_NOENT;
    return zix_store_lookup(k, k->zix.paths[argument], &k->zix.registration);
}

// VERIFY: the contents hashed now, against the registration. Unreadable contents (a
// damaged block, a tree removed) are -E_BADMSG as a mismatch is.
static i64 store_verify(struct kernel *k, struct abi_zix_info *info) {
    const struct zix_registration *registration = &k->zix.registration;
    assert(info != NULL);
    assert(registration->path[0] == '/'); // looked up and decoded: a store path
    u8 hash[ZIX_HASH_BYTES];
    u64 size_bytes = 0;
    i64 result = zix_tree_hash(k, registration->path, NULL, 0, NULL, NULL, hash, &size_bytes, NULL);
    if (result < 0) {
        mem_set(info->nar_hash, 0, sizeof info->nar_hash);
        info->nar_size_bytes = 0;
        return -E_BADMSG;
    }
    bool same = mem_equal(hash, registration->nar_hash, sizeof hash) && size_bytes == registration->nar_size_bytes;
    mem_copy(info->nar_hash, hash, sizeof info->nar_hash);
    info->nar_size_bytes = size_bytes;
    return same ? 0 : -E_BADMSG;
}

// The signature check's one call site: helper zixsign provides it (ECDSA P-256 over
// zix_fingerprint, under the machine's key in /etc/zix). Until then: not implemented.
static i64 zix_store_signature_check(struct kernel *k, const struct zix_registration *registration) {
    assert(k != NULL);
    assert(registration != NULL);
    return -E_NOSYS;
}

static i64 store_gc(struct kernel *k, u32 slot, u64 flags, u64 out_va) {
    assert(slot < PROCS_MAX);
    assert(k->procs[slot].state == PROC_RUNNABLE);
    if (k->procs[slot].cred.euid != ABI_UID_ROOT) return -E_PERM;
    if (flags != 0 && flags != ABI_ZIX_GC_DRY_RUN) return -E_INVAL;
    struct abi_zix_gc *gc = &k->zix.store.reply.gc;
    // The reply's memory is checked first: a collection is never done for a caller
    // that could not be told what it freed.
    if (!user_range_ok(k, &k->procs[slot], out_va, sizeof *gc, PTE_R | PTE_W)) return -E_FAULT;
    i64 result = zix_gc_run(k, flags == ABI_ZIX_GC_DRY_RUN, gc);
    i64 copied = copy_to_user(k, &k->procs[slot], out_va, gc, sizeof *gc);
    return result < 0 ? result : copied;
}

static i64 store_text(struct kernel *k, u32 slot, u64 out_va) {
    assert(slot < PROCS_MAX);
    const struct zix_registration *registration = &k->zix.registration;
    struct abi_zix_text *text = &k->zix.store.reply.text;
    assert(registration->recipe_length <= sizeof text->text);
    mem_set(text, 0, sizeof *text);
    text->length_bytes = registration->recipe_length;
    mem_copy(text->text, registration->recipe, registration->recipe_length);
    return copy_to_user(k, &k->procs[slot], out_va, text, sizeof *text);
}

i64 sys_zix_store(struct kernel *k, u32 slot, const u64 *args) {
    assert(slot < PROCS_MAX);
    assert(k->procs[slot].state == PROC_RUNNABLE);
    u64 op = args[0];
    if (op > ABI_ZIX_STORE_GC) return -E_INVAL;
    i64 result = fs_readable(k);
    if (result < 0) return result;
    if (op == ABI_ZIX_STORE_GC) return store_gc(k, slot, args[1], args[2]);
    result = store_registration_of(k, slot, op, args[1]);
    if (result < 0) return result;
    if (op == ABI_ZIX_STORE_VERIFY_SIGNATURE) return zix_store_signature_check(k, &k->zix.registration);
    if (op == ABI_ZIX_STORE_RECIPE) return store_text(k, slot, args[2]);
    struct abi_zix_info *info = &k->zix.store.reply.info;
    info_of(&k->zix.registration, info);
    i64 verdict = op == ABI_ZIX_STORE_VERIFY ? store_verify(k, info) : 0;
    i64 copied = copy_to_user(k, &k->procs[slot], args[2], info, sizeof *info);
    return copied < 0 ? copied : verdict;
}
