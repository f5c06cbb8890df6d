// Unit tests of zix's recipe parser, canonical form, store paths and substitution
// (src/subsystems/zix/zix_recipe.c, zix_canonical.c, zix_substitute.c): every refusal
// names its line and field; the canonical form round-trips byte for byte; the store
// path ignores the order of input and var lines and changes with anything that
// matters; and a fuzzer (fixed seed) feeds random and mutated recipes, the text placed
// just before an unreadable page so that a read past length would crash the test.
#define _DEFAULT_SOURCE // MAP_ANONYMOUS
#include <sys/mman.h>

#include "tests/zix/zix_test.h"

#define DEP "/zix/store/0123456789abcdfghijklmnpqrsvwxyz-dep"
#define LIB "/zix/store/zyxwvsrqpnmlkjihgfdcba9876543210-lib"
#define SRC "/zix/store/00000000000000000000000000000000-hello.txt"

static const char *valid =
    "# hello, the example\n"
    "name = hello-1.0\n"
    "builder = /bin/sh\n"
    "\n"
    "arg = -c\n"
    "arg = echo $greeting > $out/hello; cat ${src} $$HOME $tmp\n"
    "input src = source hello.txt\n"
    "   input  dep=path " DEP "  \n"
    "input lib = recipe ../lib/lib.zix\n"
    "var greeting = hi there\n"
    "var a_2 = x = y\n";

static struct zix_recipe recipe;
static struct zix_recipe again;
static struct zix_error error;

// The text at the very end of a readable page: one byte further is a fault.
static char *guarded;
static i64 parse_guarded(const void *text, u32 length, struct zix_recipe *out) {
    assert(length <= 8192);
    char *at = guarded + 8192 - length;
    memcpy(at, text, length);
    return zix_recipe_parse(at, length, out, &error);
}

static i64 parse(const char *text) { return parse_guarded(text, (u32)strlen(text), &recipe); }

// Resolves recipe and source inputs as the kernel would, to fixed store paths.
static void resolve(struct zix_recipe *r) {
    for (u32 i = 0; i < r->inputs_count; i++) {
        if (r->inputs[i].kind == ZIX_INPUT_SOURCE) strcpy(r->inputs[i].store_path, SRC);
        if (r->inputs[i].kind == ZIX_INPUT_RECIPE) strcpy(r->inputs[i].store_path, LIB);
    }
}

static void test_valid(void) {
    UNIT_CHECK("the example parses", parse(valid) == 0);
    UNIT_CHECK("name and builder", strcmp(recipe.name, "hello-1.0") == 0 && strcmp(recipe.builder, "/bin/sh") == 0);
    UNIT_CHECK("arguments in order, trimmed", recipe.args_count == 2 && strcmp(recipe.args[0], "-c") == 0 &&
               strcmp(recipe.args[1], "echo $greeting > $out/hello; cat ${src} $$HOME $tmp") == 0);
    UNIT_CHECK("three inputs as written", recipe.inputs_count == 3 && recipe.inputs[0].kind == ZIX_INPUT_SOURCE &&
               strcmp(recipe.inputs[0].value, "hello.txt") == 0 && recipe.inputs[1].kind == ZIX_INPUT_PATH &&
               strcmp(recipe.inputs[1].name, "dep") == 0 && recipe.inputs[2].kind == ZIX_INPUT_RECIPE);
    UNIT_CHECK("input lines", recipe.inputs[0].line == 7 && recipe.inputs[1].line == 8 && recipe.inputs[2].line == 9);
    UNIT_CHECK("a path input's store path is its value", strcmp(recipe.inputs[1].store_path, DEP) == 0 &&
               recipe.inputs[0].store_path[0] == '\0');
    UNIT_CHECK("variables, '=' inside a value", recipe.vars_count == 2 && strcmp(recipe.vars[0].value, "hi there") == 0 &&
               strcmp(recipe.vars[1].name, "a_2") == 0 && strcmp(recipe.vars[1].value, "x = y") == 0);
    UNIT_CHECK("no trailing newline, tabs", parse("name\t=\tx\nbuilder = /b") == 0 && strcmp(recipe.builder, "/b") == 0);
}

struct refusal {
    const char *text;
    u32 line;
    const char *field;
    const char *message; // a part of it
};

static const struct refusal refusals[] = {
    {"builder = /b\n", 0, "name", "missing"},
    {"name = x\n", 0, "builder", "missing"},
    {"name = x\nname = y\nbuilder = /b\n", 2, "name", "twice"},
    {"name = x\nbuilder = /b\nbuilder = /c\n", 3, "builder", "twice"},
    {"name = x\nbuilder = b\n", 2, "builder", "absolute"},
    {"name = .x\nbuilder = /b\n", 1, "name", "A-Za-z"},
    {"name = a/b\nbuilder = /b\n", 1, "name", "A-Za-z"},
    {"name = x\nbuilder = /b\ncolor = red\n", 3, "color", "unknown key"},
    {"name = x\nbuilder = /b\nname\n", 3, "name", "missing '='"},
    {"name = x\nbuilder = /b\n= y\n", 3, "line", "no key"},
    {"name = x\nbuilder = /b\narg =   \n", 3, "arg", "empty"},
    {"name = x\nbuilder = /b\nvar v =\n", 3, "var", "empty"},
    {"name = x\nbuilder = /b\nname x = y\n", 3, "name", "a word between"},
    {"name = x\nbuilder = /b\nvar = y\n", 3, "var", "missing NAME"},
    {"name = x\nbuilder = /b\nvar Big = y\n", 3, "var", "NAME must be"},
    {"name = x\nbuilder = /b\nvar 1a = y\n", 3, "var", "NAME must be"},
    {"name = x\nbuilder = /b\nvar a b = y\n", 3, "var", "NAME must be"},
    {"name = x\nbuilder = /b\nvar out = y\n", 3, "var", "reserved"},
    {"name = x\nbuilder = /b\ninput tmp = path " DEP "\n", 3, "input", "reserved"},
    {"name = x\nbuilder = /b\nvar v = 1\nvar v = 2\n", 4, "var", "twice"},
    {"name = x\nbuilder = /b\ninput v = path " DEP "\nvar v = 2\n", 4, "var", "twice"},
    {"name = x\nbuilder = /b\nvar v = 2\ninput v = path " DEP "\n", 4, "input", "twice"},
    {"name = x\nbuilder = /b\ninput i = path " DEP "\ninput i = source f\n", 4, "input", "twice"},
    {"name = x\nbuilder = /b\ninput i = url http://x\n", 3, "input", "recipe, path or source"},
    {"name = x\nbuilder = /b\ninput i = recipe\n", 3, "input", "missing the file"},
    {"name = x\nbuilder = /b\ninput i = path /zix/store/abc-x\n", 3, "input", "not a store path"},
    {"name = x\nbuilder = /b\ninput i = path " DEP "/bin\n", 3, "input", "not a store path"},
    {"name = x\nbuilder = /b\ninput i = path /nix/store/0123456789abcdfghijklmnpqrsvwxyz-dep\n", 3, "input", "not a store path"},
    {"name = x\nbuilder = /b\narg = $nope\n", 3, "arg", "no input or variable named nope"},
    {"name = x\nbuilder = /b\narg = ${src\ninput src = source f\n", 3, "arg", "'}'"},
    {"name = x\nbuilder = /b\narg = cost $5\n", 3, "arg", "not followed by a NAME"},
    {"name = x\nbuilder = /b\narg = end $\n", 3, "arg", "not followed by a NAME"},
    {"name = x\nbuilder = /b\narg = a\rb\n", 3, "line", "control"},
    {"name = x\nbuilder = /b\narg = a\x7f\n", 3, "line", "control"},
};

static void test_refusals(void) {
    char name[128];
    for (u32 i = 0; i < ARRAY_COUNT(refusals); i++) {
        const struct refusal *r = &refusals[i];
        i64 result = parse(r->text);
        snprintf(name, sizeof(name), "refused %u: line %u, %s: %s", i, r->line, r->field, r->message);
        UNIT_CHECK(name, result == -E_INVAL && error.line == r->line && strcmp(error.field, r->field) == 0 &&
                   strstr(error.message, r->message) != NULL);
        if (result != -E_INVAL || strstr(error.message, r->message) == NULL) {
            printf("#   got %lld line %u field '%s' message '%s'\n", (long long)result, error.line, error.field, error.message);
        }
    }
}

// Refusals of bounds: built, since their texts are long.
static void test_bounds(void) {
    static char text[8192];
    char value[300];
    memset(value, 'v', sizeof(value));
    int n = snprintf(text, sizeof(text), "name = x\nbuilder = /b\narg = %.127s\n", value);
    UNIT_CHECK("an argument of 127 bytes is taken", parse(text) == 0 && strlen(recipe.args[0]) == 127);
    snprintf(text, sizeof(text), "name = x\nbuilder = /b\narg = %.128s\n", value);
    UNIT_CHECK("128 bytes: refused", parse(text) == -E_INVAL && error.line == 3 && strstr(error.message, "127"));
    snprintf(text, sizeof(text), "name = x\nbuilder = /b\nvar v = %.128s\n", value);
    UNIT_CHECK("a variable of 128 bytes: refused", parse(text) == -E_INVAL && strcmp(error.field, "var") == 0);
    snprintf(text, sizeof(text), "name = x\nbuilder = /%.127s\n", value);
    UNIT_CHECK("a builder of 128 bytes: refused", parse(text) == -E_INVAL && strcmp(error.field, "builder") == 0);
    snprintf(text, sizeof(text), "name = %.211s\nbuilder = /b\n", value);
    UNIT_CHECK("a name of 211 bytes is taken", parse(text) == 0);
    snprintf(text, sizeof(text), "name = %.212s\nbuilder = /b\n", value);
    UNIT_CHECK("212 bytes: refused", parse(text) == -E_INVAL && error.line == 1 && strcmp(error.field, "name") == 0);
    snprintf(text, sizeof(text), "name = x\nbuilder = /b\nvar %.31s = 1\n", value);
    UNIT_CHECK("a NAME of 31 bytes is taken", parse(text) == 0);
    snprintf(text, sizeof(text), "name = x\nbuilder = /b\nvar %.32s = 1\n", value);
    UNIT_CHECK("32 bytes: refused", parse(text) == -E_INVAL && strstr(error.message, "31"));
    n = snprintf(text, sizeof(text), "name = x\nbuilder = /b\n#%.290s%.290s\n", value, value);
    UNIT_CHECK("a line of 581 bytes: refused", n > 0 && parse(text) == -E_INVAL && error.line == 3 &&
               strcmp(error.field, "line") == 0);
    n = snprintf(text, sizeof(text), "name = x\nbuilder = /b\n");
    for (u32 i = 0; i < ZIX_ARGS_MAX + 1; i++) n += snprintf(text + n, sizeof(text) - n, "arg = %u\n", i);
    UNIT_CHECK("9 arguments: refused at the 9th", parse(text) == -E_INVAL && error.line == 3 + ZIX_ARGS_MAX);
    n = snprintf(text, sizeof(text), "name = x\nbuilder = /b\n");
    for (u32 i = 0; i < ZIX_INPUTS_MAX + 1; i++) n += snprintf(text + n, sizeof(text) - n, "input i%u = source f\n", i);
    UNIT_CHECK("17 inputs: refused at the 17th", parse(text) == -E_INVAL && error.line == 3 + ZIX_INPUTS_MAX);
    n = snprintf(text, sizeof(text), "name = x\nbuilder = /b\n");
    for (u32 i = 0; i < ZIX_VARS_MAX + 1; i++) n += snprintf(text + n, sizeof(text) - n, "var v%u = 1\n", i);
    UNIT_CHECK("9 variables: refused at the 9th", parse(text) == -E_INVAL && error.line == 3 + ZIX_VARS_MAX);
    memset(text, '\n', 4097);
    memcpy(text, "name = x\nbuilder = /b\n", 22);
    UNIT_CHECK("4096 bytes are taken", parse_guarded(text, 4096, &recipe) == 0);
    UNIT_CHECK("4097 bytes: refused", parse_guarded(text, 4097, &recipe) == -E_INVAL && error.line == 0);
    UNIT_CHECK("a NUL byte: refused", parse_guarded("name = x\nbuilder = /b\0c\n", 24, &recipe) == -E_INVAL &&
               error.line == 2 && strstr(error.message, "NUL"));
    UNIT_CHECK("length 0: refused, not read", parse_guarded("", 0, &recipe) == -E_INVAL && error.line == 0);
    UNIT_CHECK("text NULL with length 0", zix_recipe_parse(NULL, 0, &recipe, &error) == -E_INVAL);
}

static char canonical[ZIX_RECIPE_TEXT_BYTES_MAX];
static char canonical_again[ZIX_RECIPE_TEXT_BYTES_MAX];

// parse(canonical(r)) gives r's canonical form again, byte for byte.
static bool round_trips(struct zix_recipe *r) {
    i64 length = zix_recipe_canonical(r, canonical, sizeof(canonical));
    if (length <= 0) return false;
    if (zix_recipe_parse(canonical, (u32)length, &again, &error) != 0) return false;
    i64 length_again = zix_recipe_canonical(&again, canonical_again, sizeof(canonical_again));
    return length_again == length && memcmp(canonical, canonical_again, (size_t)length) == 0;
}

static void test_canonical(void) {
    parse(valid);
    char early[64];
    UNIT_CHECK("canonical: an unresolved input is refused", zix_recipe_canonical(&recipe, early, sizeof(early)) == -E_INVAL);
    resolve(&recipe);
    i64 length = zix_recipe_canonical(&recipe, canonical, sizeof(canonical));
    const char *expected =
        "name = hello-1.0\nbuilder = /bin/sh\narg = -c\n"
        "arg = echo $greeting > $out/hello; cat ${src} $$HOME $tmp\n"
        "input dep = path " DEP "\ninput lib = path " LIB "\ninput src = path " SRC "\n"
        "var a_2 = x = y\nvar greeting = hi there\n";
    UNIT_CHECK("canonical: inputs as paths sorted by name, variables sorted", length == (i64)strlen(expected) &&
               strcmp(canonical, expected) == 0);
    UNIT_CHECK("canonical round-trips byte for byte", round_trips(&recipe));
    UNIT_CHECK("canonical: capacity one short is -E_2BIG", zix_recipe_canonical(&recipe, canonical_again, (u32)length - 1) == -E_2BIG);
    UNIT_CHECK("canonical: exact capacity fits", zix_recipe_canonical(&recipe, canonical, (u32)length) == length);
}

static void store_path_of(const char *text, char path[ZIX_STORE_PATH_LEN_MAX + 1]) {
    u8 hash[ZIX_HASH_BYTES];
    path[0] = '\0';
    if (parse(text) != 0) return;
    resolve(&recipe);
    if (zix_recipe_store_path(&recipe, hash, path) != 0) path[0] = '\0';
}

static const char *changes[][2] = {
    {"name = hello-1.0", "name = hello-1.1"},
    {"builder = /bin/sh", "builder = /bin/bash"},
    {"arg = -c", "arg = -e"},
    {"arg = -c\narg", "arg"},
    {"var greeting = hi there", "var greeting = hi  there"},
    {"var a_2 = x = y", "var a_3 = x = y"},
    {"path " DEP, "path /zix/store/1123456789abcdfghijklmnpqrsvwxyz-dep"},
    {"dep=path", "dep2=path"},
};

static void test_store_paths(void) {
    char first[ZIX_STORE_PATH_LEN_MAX + 1], other[ZIX_STORE_PATH_LEN_MAX + 1];
    store_path_of(valid, first);
    UNIT_CHECK("a store path is made", zix_store_path_parse(first, NULL, NULL) && strstr(first, "-hello-1.0") != NULL);
    const char *permuted =
        "var a_2=x = y\ninput lib = recipe ../lib/lib.zix\n# comment\ninput dep = path " DEP "\n"
        "var greeting =   hi there\nname = hello-1.0\narg = -c\ninput src = source hello.txt\n"
        "builder = /bin/sh\narg = echo $greeting > $out/hello; cat ${src} $$HOME $tmp\n";
    store_path_of(permuted, other);
    UNIT_CHECK("input and var lines in another order: the same store path", strcmp(first, other) == 0);
    char text[1024], name[96];
    for (u32 i = 0; i < ARRAY_COUNT(changes); i++) {
        const char *at = strstr(valid, changes[i][0]);
        assert(at != NULL);
        snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - valid), valid, changes[i][1], at + strlen(changes[i][0]));
        store_path_of(text, other);
        snprintf(name, sizeof(name), "changed '%s': another store path", changes[i][0]);
        for (char *c = name; *c != '\0'; c++) *c = *c == '\n' ? '|' : *c; // one result line each
        UNIT_CHECK(name, other[0] != '\0' && strcmp(first, other) != 0);
    }
    parse(valid);
    resolve(&recipe);
    strcpy(recipe.inputs[0].store_path, "/zix/store/11111111111111111111111111111111-hello.txt");
    u8 hash[ZIX_HASH_BYTES];
    UNIT_CHECK("a source input's content changes it", zix_recipe_store_path(&recipe, hash, other) == 0 &&
               strcmp(first, other) != 0);
    recipe.inputs[0].store_path[0] = '\0';
    UNIT_CHECK("an unresolved input: -E_INVAL", zix_recipe_store_path(&recipe, hash, other) == -E_INVAL);
}

static void test_substitute(void) {
    char result[512];
    parse(valid);
    resolve(&recipe);
    i64 n = zix_substitute(&recipe, "/zix/store/x-out", "/tmp/b1", recipe.args[1], result, sizeof(result), &error);
    const char *expected = "echo hi there > /zix/store/x-out/hello; cat " SRC " $HOME /tmp/b1";
    UNIT_CHECK("substitution: $name, ${name}, $$, out, tmp", n == (i64)strlen(expected) && strcmp(result, expected) == 0);
    UNIT_CHECK("substitution: capacity exact", zix_substitute(&recipe, "/o", "/t", "${dep}", result, strlen(DEP) + 1, &error) ==
               (i64)strlen(DEP));
    UNIT_CHECK("substitution: one short: -E_2BIG", zix_substitute(&recipe, "/o", "/t", "${dep}", result, strlen(DEP), &error) ==
               -E_2BIG);
    UNIT_CHECK("substitution: an unknown name named", zix_substitute(&recipe, "/o", "/t", "$depx", result, sizeof(result),
               &error) == -E_INVAL && strstr(error.message, "depx") != NULL);
    UNIT_CHECK("substitution: $dep_ is not $dep", zix_substitute(&recipe, "/o", "/t", "$dep_", result, sizeof(result), &error) ==
               -E_INVAL);
    UNIT_CHECK("substitution: $dep/bin", zix_substitute(&recipe, "/o", "/t", "$dep/bin", result, sizeof(result), &error) > 0 &&
               strcmp(result, DEP "/bin") == 0);
    recipe.inputs[0].store_path[0] = '\0';
    UNIT_CHECK("substitution: an unresolved input is refused", zix_substitute(&recipe, "/o", "/t", "$src", result,
               sizeof(result), &error) == -E_INVAL);
}

// One random mutation of text (of *length bytes, room for 64 more).
static void mutate(char *text, u32 *length) {
    static const char alphabet[] = "=$#{}\n\t ainputvarsourcepathrecipe/zix/store-_.\0\r\x7f\xff";
    u32 at = test_below(*length + 1);
    switch (test_below(5)) {
    case 0: if (at < *length) text[at] = alphabet[test_below(sizeof(alphabet) - 1)]; break;
    case 1: if (at < *length) text[at] = (char)test_random(); break;
    case 2:
        memmove(text + at + 1, text + at, *length - at);
        text[at] = alphabet[test_below(sizeof(alphabet) - 1)];
        (*length)++;
        break;
    case 3: if (at < *length) { memmove(text + at, text + at + 1, *length - at - 1); (*length)--; } break;
    default: *length = at; break;
    }
}

// Whatever the text, the parser answers 0 or -E_INVAL with a named field; a recipe it
// takes round-trips through its canonical form.
static void test_fuzz(void) {
    static char text[8192];
    u32 failures = 0, taken = 0;
    for (u32 i = 0; i < 100000; i++) {
        u32 length;
        if (i % 4 == 0) {
            length = test_below(700);
            for (u32 k = 0; k < length; k++) text[k] = (i % 8 == 0) ? (char)test_random() : "ab=$ \n#/"[test_below(8)];
        } else {
            length = (u32)strlen(valid);
            memcpy(text, valid, length);
            u32 mutations = 1 + test_below(6);
            for (u32 m = 0; m < mutations && length < 8000; m++) mutate(text, &length);
        }
        i64 result = parse_guarded(text, length, &recipe);
        if (result == 0) {
            taken++;
            resolve(&recipe);
            if (!round_trips(&recipe)) failures++;
        } else if (result != -E_INVAL || error.field[0] == '\0' || error.message[0] == '\0') {
            failures++;
        } else {
            u32 lines = 1;
            for (u32 k = 0; k + 1 < length; k++) lines += text[k] == '\n';
            if (error.line > lines) failures++; // the line named is one of the text's
        }
    }
    UNIT_CHECK("fuzz: 100000 random and mutated recipes, no crash, each answered", failures == 0);
    UNIT_CHECK("fuzz: some mutated recipes were still taken", taken > 100);
    printf("# fuzz: %u taken\n", taken);
}

int main(void) {
    guarded = mmap(NULL, 8192 + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert(guarded != MAP_FAILED);
    mprotect(guarded + 8192, 4096, PROT_NONE);
    test_valid();
    test_refusals();
    test_bounds();
    test_canonical();
    test_store_paths();
    test_substitute();
    test_fuzz();
    UNIT_EXIT();
}
