// The recipe parser. The text is hostile (any user writes recipes): every refusal is a
// value naming the line and the field, nothing is read past length, and nothing a
// recipe says is trusted before it is checked against the bounds of zix.h.
#include "subsystems/zix/internal.h"

struct parse {
    struct zix_recipe *out;
    struct zix_error *error;
    bool has_name;
    bool has_builder;
    u32 arg_lines[ZIX_ARGS_MAX]; // where each argument was written (its $names are checked last)
};

// A slice of the text: never NUL-terminated, so it is copied before string use.
struct slice {
    const char *bytes;
    u32 length;
};

static bool is_space(char c) { return c == ' ' || c == '\t'; }

static struct slice trim(struct slice s) {
    if (s.length != 0) assert(s.bytes != NULL);
    while (s.length > 0 && is_space(s.bytes[0])) {
        s.bytes++;
        s.length--;
    }
    while (s.length > 0 && is_space(s.bytes[s.length - 1])) s.length--;
    return s;
}

// The first word of s (up to a space) in *word, the trimmed rest in *rest.
static void split_word(struct slice s, struct slice *word, struct slice *rest) {
    assert(word != NULL);
    assert(rest != NULL);
    u32 i = 0;
    while (i < s.length && !is_space(s.bytes[i])) i++;
    word->bytes = s.bytes;
    word->length = i;
    rest->bytes = s.bytes + i;
    rest->length = s.length - i;
    *rest = trim(*rest);
}

static bool slice_is(struct slice s, const char *word) {
    assert(word != NULL);
    u64 length = str_len_bounded(word, 64);
    return length == s.length && mem_equal(s.bytes, word, length);
}

// Copies s into a NUL-terminated buffer of capacity bytes (s fits: checked by callers).
static void slice_copy(char *destination, u32 capacity, struct slice s) {
    assert(destination != NULL);
    assert(s.length < capacity);
    mem_copy(destination, s.bytes, s.length);
    destination[s.length] = '\0';
}

static i64 refuse(struct parse *p, u32 line, const char *field, const char *message) {
    assert(p != NULL);
    zix_error_set(p->error, line, field, message);
    return -E_INVAL;
}

// A key nobody knows is named in the error, cut to the field's size.
static i64 refuse_key(struct parse *p, u32 line, struct slice key, const char *message) {
    assert(key.bytes != NULL);
    assert(key.length > 0); // a line's first word: the line is not blank
    char field[ZIX_VAR_NAME_LEN_MAX + 1];
    u32 length = key.length < ZIX_VAR_NAME_LEN_MAX ? key.length : ZIX_VAR_NAME_LEN_MAX;
    mem_copy(field, key.bytes, length);
    field[length] = '\0';
    return refuse(p, line, field, message);
}

static bool name_taken(const struct zix_recipe *r, const char *name) {
    assert(r != NULL);
    assert(name != NULL);
    for (u32 i = 0; i < r->inputs_count; i++) {
        if (str_equal(r->inputs[i].name, name)) return true;
    }
    for (u32 i = 0; i < r->vars_count; i++) {
        if (str_equal(r->vars[i].name, name)) return true;
    }
    return false;
}

// An input's or a variable's NAME into name: 0, or the refusal.
static i64 take_var_name(struct parse *p, u32 line, const char *field, struct slice s, char *name) {
    assert(p != NULL);
    assert(name != NULL);
    if (s.length == 0) return refuse(p, line, field, "missing NAME before '='");
    if (!zix_var_name_valid(s.bytes, s.length)) {
        return refuse(p, line, field, "NAME must be [a-z_][a-z0-9_]*, at most 31 bytes");
    }
    slice_copy(name, ZIX_VAR_NAME_LEN_MAX + 1, s);
    if (str_equal(name, "out") || str_equal(name, "tmp")) {
        return refuse(p, line, field, "NAME out and tmp are reserved");
    }
    if (name_taken(p->out, name)) return refuse(p, line, field, "NAME given twice");
    return 0;
}

static i64 take_input(struct parse *p, u32 line, struct slice name, struct slice value) {
    assert(value.length > 0);
    struct zix_recipe *r = p->out;
    assert(r->inputs_count <= ZIX_INPUTS_MAX);
    if (r->inputs_count == ZIX_INPUTS_MAX) return refuse(p, line, "input", "more than 16 inputs");
    struct zix_input *input = &r->inputs[r->inputs_count];
    i64 result = take_var_name(p, line, "input", name, input->name);
    if (result != 0) return result;
    struct slice kind, rest;
    split_word(value, &kind, &rest);
    if (slice_is(kind, "recipe")) input->kind = ZIX_INPUT_RECIPE;
    else if (slice_is(kind, "path")) input->kind = ZIX_INPUT_PATH;
    else if (slice_is(kind, "source")) input->kind = ZIX_INPUT_SOURCE;
    else return refuse(p, line, "input", "the kind must be recipe, path or source");
    if (rest.length == 0) return refuse(p, line, "input", "missing the file or path after the kind");
    if (rest.length > ZIX_VALUE_LEN_MAX) return refuse(p, line, "input", "value longer than 127 bytes");
    slice_copy(input->value, sizeof(input->value), rest);
    if (input->kind == ZIX_INPUT_PATH) {
        if (!zix_store_path_parse(input->value, NULL, NULL)) {
            return refuse(p, line, "input", "not a store path /zix/store/<hash>-<name>");
        }
        mem_copy(input->store_path, input->value, rest.length + 1);
    }
    input->line = line;
    r->inputs_count++;
    return 0;
}

static i64 take_var(struct parse *p, u32 line, struct slice name, struct slice value) {
    assert(value.length > 0);
    struct zix_recipe *r = p->out;
    assert(r->vars_count <= ZIX_VARS_MAX);
    if (r->vars_count == ZIX_VARS_MAX) return refuse(p, line, "var", "more than 8 variables");
    struct zix_var *var = &r->vars[r->vars_count];
    i64 result = take_var_name(p, line, "var", name, var->name);
    if (result != 0) return result;
    if (value.length > ZIX_VALUE_LEN_MAX) return refuse(p, line, "var", "value longer than 127 bytes");
    slice_copy(var->value, sizeof(var->value), value);
    r->vars_count++;
    return 0;
}

static i64 take_name(struct parse *p, u32 line, struct slice value) {
    assert(p != NULL);
    assert(value.length > 0);
    if (p->has_name) return refuse(p, line, "name", "given twice");
    if (value.length > ZIX_NAME_LEN_MAX) return refuse(p, line, "name", "longer than 211 bytes");
    slice_copy(p->out->name, sizeof(p->out->name), value);
    if (!zix_name_valid(p->out->name, ZIX_NAME_LEN_MAX)) {
        return refuse(p, line, "name", "only A-Za-z0-9+-._?= and not starting with '.'");
    }
    p->has_name = true;
    return 0;
}

static i64 take_builder(struct parse *p, u32 line, struct slice value) {
    assert(p != NULL);
    assert(value.length > 0);
    if (p->has_builder) return refuse(p, line, "builder", "given twice");
    if (value.length > ZIX_VALUE_LEN_MAX) return refuse(p, line, "builder", "longer than 127 bytes");
    if (value.bytes[0] != '/') return refuse(p, line, "builder", "not an absolute path");
    slice_copy(p->out->builder, sizeof(p->out->builder), value);
    p->has_builder = true;
    return 0;
}

static i64 take_arg(struct parse *p, u32 line, struct slice value) {
    assert(value.length > 0);
    struct zix_recipe *r = p->out;
    assert(r->args_count <= ZIX_ARGS_MAX);
    if (r->args_count == ZIX_ARGS_MAX) return refuse(p, line, "arg", "more than 8 arguments");
    if (value.length > ZIX_VALUE_LEN_MAX) return refuse(p, line, "arg", "longer than 127 bytes");
    slice_copy(r->args[r->args_count], ZIX_VALUE_LEN_MAX + 1, value);
    p->arg_lines[r->args_count] = line;
    r->args_count++;
    return 0;
}

// "key = value", both trimmed and the value not empty.
static i64 take_pair(struct parse *p, u32 line, struct slice key, struct slice value) {
    assert(line > 0);
    assert(key.length > 0);
    struct slice word, rest;
    split_word(key, &word, &rest);
    bool named = slice_is(word, "input") || slice_is(word, "var");
    bool plain = slice_is(word, "name") || slice_is(word, "builder") || slice_is(word, "arg");
    if (!named && !plain) return refuse_key(p, line, word, "unknown key");
    if (plain && rest.length != 0) return refuse_key(p, line, word, "a word between the key and '='");
    if (value.length == 0) return refuse_key(p, line, word, "empty value");
    if (slice_is(word, "input")) return take_input(p, line, rest, value);
    if (slice_is(word, "var")) return take_var(p, line, rest, value);
    if (slice_is(word, "name")) return take_name(p, line, value);
    if (slice_is(word, "builder")) return take_builder(p, line, value);
    return take_arg(p, line, value);
}

static i64 take_line(struct parse *p, u32 line, struct slice s) {
    assert(p != NULL);
    assert(line > 0);
    if (s.length > ZIX_LINE_BYTES_MAX) return refuse(p, line, "line", "longer than 512 bytes");
    for (u32 i = 0; i < s.length; i++) {
        u8 c = (u8)s.bytes[i];
        if (c == 0) return refuse(p, line, "line", "a NUL byte");
        if ((c < 0x20 && c != '\t') || c == 0x7f) return refuse(p, line, "line", "a control character");
    }
    s = trim(s);
    if (s.length == 0 || s.bytes[0] == '#') return 0;
    u32 equals = 0;
    while (equals < s.length && s.bytes[equals] != '=') equals++;
    struct slice key = {s.bytes, equals};
    key = trim(key);
    if (equals == s.length) {
        struct slice word, rest;
        split_word(key, &word, &rest);
        return refuse_key(p, line, word, "missing '='");
    }
    struct slice value = {s.bytes + equals + 1, s.length - equals - 1};
    if (key.length == 0) return refuse(p, line, "line", "no key before '='");
    return take_pair(p, line, key, trim(value));
}

// What only the whole text can say: the required keys, and that every argument's
// $names are inputs, variables, out or tmp.
static i64 finish(struct parse *p) {
    assert(p != NULL);
    if (!p->has_name) return refuse(p, 0, "name", "missing (a recipe needs a name)");
    if (!p->has_builder) return refuse(p, 0, "builder", "missing (a recipe needs a builder)");
    for (u32 i = 0; i < p->out->args_count; i++) {
        i64 result = zix_substitute_check(p->out, p->out->args[i], p->error);
        if (result != 0) {
            p->error->line = p->arg_lines[i];
            return result;
        }
    }
    return 0;
}

i64 zix_recipe_parse(const char *text, u32 length, struct zix_recipe *out, struct zix_error *error) {
    assert(out != NULL);
    assert(error != NULL);
    if (length != 0) assert(text != NULL);
    mem_set(out, 0, sizeof(*out));
    mem_set(error, 0, sizeof(*error));
    struct parse p = {.out = out, .error = error};
    if (length > ZIX_RECIPE_TEXT_BYTES_MAX) return refuse(&p, 0, "recipe", "longer than 4096 bytes");
    u32 line = 0;
    u32 at = 0;
    while (at < length) {
        line++;
        u32 end = at;
        while (end < length && text[end] != '\n') end++;
        struct slice s = {text + at, end - at};
        i64 result = take_line(&p, line, s);
        if (result != 0) return result;
        at = end + 1;
    }
    return finish(&p);
}
