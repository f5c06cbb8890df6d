// TEMPORARY (deleted at the merge of i13-zixengine): the engine's entry points, so the
// kernel side links before the engine lands.
#include "subsystems/zix/zix.h"

#include "kernel/abi.h"

i64 zix_recipe_parse(const char *text, u32 length, struct zix_recipe *out, struct zix_error *error) { return -E_NOSYS; }
bool zix_name_valid(const char *name, u32 length_max) { return false; }
i64 zix_recipe_canonical(const struct zix_recipe *recipe, char *out, u32 capacity) { return -E_NOSYS; }
i64 zix_recipe_store_path(const struct zix_recipe *recipe, u8 recipe_hash[ZIX_HASH_BYTES],
                          char path[ZIX_STORE_PATH_LEN_MAX + 1]) { return -E_NOSYS; }
void zix_source_store_path(const u8 nar_hash[ZIX_HASH_BYTES], const char *name, char path[ZIX_STORE_PATH_LEN_MAX + 1]) { path[0] = '\0'; }
i64 zix_substitute(const struct zix_recipe *recipe, const char *out_path, const char *tmp_path,
                   const char *argument, char *result, u32 capacity, struct zix_error *error) { return -E_NOSYS; }
bool zix_store_path_parse(const char *path, u32 *hash_part_offset, u32 *name_offset) { return false; }
void zix_nar_begin(struct zix_nar *nar, const char candidates[][ZIX_PATH_HASH_CHARS + 1], u32 candidates_count) {}
void zix_nar_file_begin(struct zix_nar *nar, bool executable, u64 size_bytes) {}
void zix_nar_file_bytes(struct zix_nar *nar, const u8 *bytes, u64 count) {}
void zix_nar_end(struct zix_nar *nar, u8 hash[ZIX_HASH_BYTES], u64 *size_bytes) {}
void zix_nar_directory_begin(struct zix_nar *nar) {}
void zix_nar_entry(struct zix_nar *nar, const char *name) {}
void zix_nar_directory_end(struct zix_nar *nar) {}
void zix_nar_symlink(struct zix_nar *nar, const char *target) {}
i64 zix_registration_encode(const struct zix_registration *registration, u8 *out, u32 capacity) { return -E_NOSYS; }
i64 zix_registration_decode(const u8 *bytes, u32 length, struct zix_registration *out) { return -E_BADMSG; }
i64 zix_fingerprint(const struct zix_registration *registration, char *out, u32 capacity) { return -E_NOSYS; }
u32 zix_gc_mark(u32 paths_count, const u32 *offsets, const u16 *targets, const bool *is_root, bool *live, u16 *stack) { return 0; }
void zix_base32_hash_part(const u8 hash[ZIX_HASH_BYTES], char out[ZIX_PATH_HASH_CHARS + 1]) { out[0] = '\0'; }
