// TEMPORARY (deleted at the merge of i13-zixstore): the store's primitives, so the
// build side links before the store side lands.
#include "kernel/zix/internal.h"

#include "kernel/syscall.h"

i64 zix_store_lookup(struct kernel *k, const char *store_path, struct zix_registration *out) { return -E_NOENT; }
i64 zix_store_register(struct kernel *k, const struct zix_registration *registration) { return -E_NOSYS; }
i64 zix_store_unregister(struct kernel *k, const char *store_path) { return -E_NOSYS; }
i64 zix_store_list(struct kernel *k, char (*out)[ZIX_STORE_PATH_LEN_MAX + 1]) { return 0; }
void zix_store_remove_leftovers(struct kernel *k) {}
i64 zix_tree_hash(struct kernel *k, const char *absolute, const char (*candidates)[ZIX_STORE_PATH_LEN_MAX + 1],
                  u32 candidates_count, const char *rewrite_from, const char *rewrite_to,
                  u8 nar_hash[ZIX_HASH_BYTES], u64 *nar_size_bytes, bool *found) { return -E_NOSYS; }
i64 zix_tree_seal(struct kernel *k, const char *absolute) { return -E_NOSYS; }
i64 zix_tree_remove(struct kernel *k, const char *absolute) { return 0; }
i64 zix_tree_make_directory(struct kernel *k, const char *absolute, u32 uid, u32 mode) { return -E_NOSYS; }
i64 sys_zix_store(struct kernel *k, u32 slot, const u64 *args) { return -E_NOSYS; }
