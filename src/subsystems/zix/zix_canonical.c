// The canonical form of a recipe, the store paths it and imported sources give, and the
// substitution of $names into a builder's arguments.
#include "subsystems/zix/internal.h"

void zix_error_set(struct zix_error *error, u32 line, const char *field, const char *message) {
    assert(error != NULL);
    assert(field != NULL);
    assert(message != NULL);
    error->line = line;
    str_copy(error->field, sizeof(error->field), field);
    str_copy(error->message, sizeof(error->message), message);
}

bool zix_append(char *out, u32 capacity, u32 *length, const char *text, u32 count) {
    assert(length != NULL);
    assert(*length <= capacity);
    if (count > capacity - *length) return false;
    if (out != NULL) mem_copy(out + *length, text, count);
    *length += count;
    return true;
}

bool zix_var_name_valid(const char *name, u32 length) {
    if (length != 0) assert(name != NULL);
    if (length == 0 || length > ZIX_VAR_NAME_LEN_MAX) return false;
    if (!(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z'))) return false;
    for (u32 i = 1; i < length; i++) {
        char c = name[i];
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
    }
    return true;
}

// ---- the canonical form ---------------------------------------------------------------
// Written to a buffer, or streamed into SHA-256, or both; bounded by capacity and by
// ZIX_RECIPE_TEXT_BYTES_MAX (a canonical form is itself a recipe the parser takes).
struct writer {
    char *out;
    u32 capacity;
    u32 length;
    bool overflow;
    struct zix_sha256 *hash;
};

static void put(struct writer *w, const char *text) {
    assert(w != NULL);
    assert(text != NULL);
    u32 count = (u32)str_len_bounded(text, ZIX_RECIPE_TEXT_BYTES_MAX + 1);
    if (w->overflow || !zix_append(w->out, w->capacity, &w->length, text, count)) {
        w->overflow = true;
        return;
    }
    if (w->hash != NULL) zix_sha256_update(w->hash, text, count);
}

static void put_line(struct writer *w, const char *key, const char *name, const char *kind,
                     const char *value) {
    assert(kind != NULL);
    assert(value != NULL);
    put(w, key);
    if (name != NULL) {
        put(w, " ");
        put(w, name);
    }
    put(w, " = ");
    put(w, kind);
    put(w, value);
    put(w, "\n");
}

// Unsigned byte order, as the NAR orders entries.
static i32 name_compare(const char *a, const char *b) {
    assert(a != NULL);
    assert(b != NULL);
    u32 i = 0;
    while (a[i] != '\0' && a[i] == b[i]) i++;
    return (i32)(u8)a[i] - (i32)(u8)b[i];
}

// Insertion sort of order[0..count) by the names at stride bytes: at most 16 names.
static void sort_names(u8 *order, u32 count, const char *first_name, u32 stride) {
    assert(order != NULL);
    assert(count <= 255);
    for (u32 i = 0; i < count; i++) order[i] = (u8)i;
    for (u32 i = 1; i < count; i++) {
        u8 moving = order[i];
        u32 j = i;
        while (j > 0 && name_compare(first_name + (u64)order[j - 1] * stride,
                                     first_name + (u64)moving * stride) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = moving;
    }
}

static i64 write_canonical(const struct zix_recipe *r, struct writer *w) {
    assert(r != NULL);
    assert(w != NULL);
    if (r->args_count > ZIX_ARGS_MAX || r->inputs_count > ZIX_INPUTS_MAX) return -E_INVAL;
    if (r->vars_count > ZIX_VARS_MAX) return -E_INVAL;
    for (u32 i = 0; i < r->inputs_count; i++) {
        if (!zix_store_path_parse(r->inputs[i].store_path, NULL, NULL)) return -E_INVAL;
    }
    u8 inputs[ZIX_INPUTS_MAX];
    u8 vars[ZIX_VARS_MAX];
    sort_names(inputs, r->inputs_count, r->inputs[0].name, sizeof(r->inputs[0]));
    sort_names(vars, r->vars_count, r->vars[0].name, sizeof(r->vars[0]));
    put_line(w, "name", NULL, "", r->name);
    put_line(w, "builder", NULL, "", r->builder);
    for (u32 i = 0; i < r->args_count; i++) put_line(w, "arg", NULL, "", r->args[i]);
    for (u32 i = 0; i < r->inputs_count; i++) {
        const struct zix_input *input = &r->inputs[inputs[i]];
        put_line(w, "input", input->name, "path ", input->store_path);
    }
    for (u32 i = 0; i < r->vars_count; i++) {
        put_line(w, "var", r->vars[vars[i]].name, "", r->vars[vars[i]].value);
    }
    if (w->overflow) return -E_2BIG;
    if (w->out != NULL && w->length < w->capacity) w->out[w->length] = '\0';
    return w->length;
}

i64 zix_recipe_canonical(const struct zix_recipe *recipe, char *out, u32 capacity) {
    assert(recipe != NULL);
    assert(out != NULL);
    u32 bound = capacity < ZIX_RECIPE_TEXT_BYTES_MAX ? capacity : ZIX_RECIPE_TEXT_BYTES_MAX;
    struct writer w = {.out = out, .capacity = bound};
    return write_canonical(recipe, &w);
}

static void store_path_from_hash(const u8 hash[ZIX_HASH_BYTES], const char *name,
                                 char path[ZIX_STORE_PATH_LEN_MAX + 1]) {
    assert(zix_name_valid(name, ZIX_NAME_LEN_MAX));
    char part[ZIX_PATH_HASH_CHARS + 1];
    zix_base32_hash_part(hash, part);
    u32 length = 0;
    zix_append(path, ZIX_STORE_PATH_LEN_MAX, &length, ZIX_STORE_DIR "/", ZIX_STORE_DIR_LEN + 1);
    zix_append(path, ZIX_STORE_PATH_LEN_MAX, &length, part, ZIX_PATH_HASH_CHARS);
    zix_append(path, ZIX_STORE_PATH_LEN_MAX, &length, "-", 1);
    bool fits = zix_append(path, ZIX_STORE_PATH_LEN_MAX, &length, name,
                           (u32)str_len_bounded(name, ZIX_NAME_LEN_MAX));
    assert(fits);
    path[length] = '\0';
}

i64 zix_recipe_store_path(const struct zix_recipe *recipe, u8 recipe_hash[ZIX_HASH_BYTES],
                          char path[ZIX_STORE_PATH_LEN_MAX + 1]) {
    assert(recipe != NULL);
    assert(recipe_hash != NULL);
    assert(path != NULL);
    if (!zix_name_valid(recipe->name, ZIX_NAME_LEN_MAX)) return -E_INVAL;
    struct zix_sha256 hash;
    zix_sha256_init(&hash);
    struct writer w = {.out = NULL, .capacity = ZIX_RECIPE_TEXT_BYTES_MAX, .hash = &hash};
    i64 result = write_canonical(recipe, &w);
    if (result < 0) return result;
    zix_sha256_out(&hash, recipe_hash);
    store_path_from_hash(recipe_hash, recipe->name, path);
    return 0;
}

// Nix's fingerprint of a fixed-output source, with our store: a function of the
// content's hash and the name alone, apart from any recipe's canonical form (which
// starts "name = ", never "source:").
void zix_source_store_path(const u8 nar_hash[ZIX_HASH_BYTES], const char *name,
                           char path[ZIX_STORE_PATH_LEN_MAX + 1]) {
    assert(nar_hash != NULL);
    assert(path != NULL);
    static const char hex[] = "0123456789abcdef";
    char digits[2 * ZIX_HASH_BYTES];
    for (u32 i = 0; i < ZIX_HASH_BYTES; i++) {
        digits[2 * i] = hex[nar_hash[i] >> 4];
        digits[2 * i + 1] = hex[nar_hash[i] & 0xf];
    }
    struct zix_sha256 context;
    zix_sha256_init(&context);
    zix_sha256_update(&context, "source:sha256:", 14);
    zix_sha256_update(&context, digits, sizeof(digits));
    zix_sha256_update(&context, ":" ZIX_STORE_DIR ":", ZIX_STORE_DIR_LEN + 2);
    zix_sha256_update(&context, name, str_len_bounded(name, ZIX_NAME_LEN_MAX));
    u8 hash[ZIX_HASH_BYTES];
    zix_sha256_out(&context, hash);
    store_path_from_hash(hash, name, path);
}
