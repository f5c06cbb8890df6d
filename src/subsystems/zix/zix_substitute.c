// $name, ${name} and $$ in a builder's arguments. Grain Basin has no environment, so
// this is how a builder learns its inputs' store paths, its variables, $out and $tmp.
#include "subsystems/zix/internal.h"

struct substitution {
    const struct zix_recipe *recipe;
    const char *out_path;  // NULL: only checking (out and tmp are known, their values empty)
    const char *tmp_path;
    char *result;          // NULL: only checking
    u32 capacity;
    u32 length;
    struct zix_error *error;
};

static bool name_is(const char *name, u32 length, const char *word) {
    assert(name != NULL);
    assert(word != NULL);
    return str_len_bounded(word, ZIX_VAR_NAME_LEN_MAX + 1) == length && mem_equal(name, word, length);
}

// The value of name, or NULL when nothing has that name.
static const char *lookup(const struct substitution *s, const char *name, u32 length) {
    assert(s != NULL);
    assert(name != NULL);
    const struct zix_recipe *r = s->recipe;
    if (name_is(name, length, "out")) return s->out_path != NULL ? s->out_path : "";
    if (name_is(name, length, "tmp")) return s->tmp_path != NULL ? s->tmp_path : "";
    for (u32 i = 0; i < r->inputs_count && i < ZIX_INPUTS_MAX; i++) {
        if (name_is(name, length, r->inputs[i].name)) return r->inputs[i].store_path;
    }
    for (u32 i = 0; i < r->vars_count && i < ZIX_VARS_MAX; i++) {
        if (name_is(name, length, r->vars[i].name)) return r->vars[i].value;
    }
    return NULL;
}

static i64 emit(struct substitution *s, const char *text, u32 count) {
    assert(s != NULL);
    assert(text != NULL);
    if (s->result == NULL) return 0;
    if (!zix_append(s->result, s->capacity, &s->length, text, count)) return -E_2BIG;
    return 0;
}

static i64 refuse(struct substitution *s, const char *message) {
    assert(s != NULL);
    assert(message != NULL);
    zix_error_set(s->error, 0, "arg", message);
    return -E_INVAL;
}

// After a '$' at argument[*at]: emits what it stands for and moves *at past it.
static i64 dollar(struct substitution *s, const char *argument, u32 length, u32 *at) {
    assert(at != NULL);
    assert(*at <= length);
    if (*at < length && argument[*at] == '$') {
        (*at)++;
        return emit(s, "$", 1);
    }
    bool braced = *at < length && argument[*at] == '{';
    u32 start = *at + (braced ? 1 : 0);
    u32 end = start;
    while (end < length && zix_var_name_valid(argument + start, end - start + 1)) end++;
    if (end == start) return refuse(s, "a '$' not followed by a NAME, '{NAME}' or '$'");
    if (braced && (end == length || argument[end] != '}')) return refuse(s, "a '${' without its '}'");
    *at = end + (braced ? 1 : 0);
    const char *value = lookup(s, argument + start, end - start);
    if (value == NULL) {
        char message[ZIX_ERROR_BYTES];
        u32 used = 0;
        zix_append(message, sizeof(message), &used, "no input or variable named ", 27);
        zix_append(message, sizeof(message), &used, argument + start, end - start);
        message[used] = '\0';
        return refuse(s, message);
    }
    // Only an input the caller has not resolved is empty (a variable never is).
    if (s->result != NULL && value[0] == '\0') return refuse(s, "an input without its store path");
    return emit(s, value, (u32)str_len_bounded(value, ZIX_STORE_PATH_LEN_MAX + 1));
}

static i64 substitute(struct substitution *s, const char *argument) {
    assert(s != NULL);
    assert(argument != NULL);
    u64 length = str_len_bounded(argument, ZIX_VALUE_LEN_MAX + 1);
    if (length > ZIX_VALUE_LEN_MAX) return refuse(s, "longer than 127 bytes");
    u32 at = 0;
    while (at < length) {
        u32 plain = at;
        while (plain < length && argument[plain] != '$') plain++;
        i64 result = emit(s, argument + at, plain - at);
        if (result != 0) return result;
        at = plain;
        if (at == length) break;
        at++;
        result = dollar(s, argument, (u32)length, &at);
        if (result != 0) return result;
    }
    if (s->result == NULL) return 0;
    if (s->length == s->capacity) return -E_2BIG; // no room for the NUL
    s->result[s->length] = '\0';
    return s->length;
}

i64 zix_substitute(const struct zix_recipe *recipe, const char *out_path, const char *tmp_path,
                   const char *argument, char *result, u32 capacity, struct zix_error *error) {
    assert(recipe != NULL);
    assert(out_path != NULL);
    assert(tmp_path != NULL);
    assert(result != NULL);
    assert(error != NULL);
    struct substitution s = {recipe, out_path, tmp_path, result, capacity, 0, error};
    return substitute(&s, argument);
}

i64 zix_substitute_check(const struct zix_recipe *recipe, const char *argument, struct zix_error *error) {
    assert(recipe != NULL);
    assert(error != NULL);
    struct substitution s = {recipe, NULL, NULL, NULL, 0, 0, error};
    return substitute(&s, argument);
}
