// Zix's engine: what a content-addressed build store computes, apart from any kernel.
//
// A recipe (text, below) names a builder, its arguments, its inputs and its variables.
// Its canonical form (every input resolved to a store path, fields in one order) is
// hashed with SHA-256; the first 160 bits of that hash, in Nix's base32, and the name
// give the store path "/zix/store/<32 chars>-<name>", so the same inputs always give
// the same path. A built output is serialized canonically (like Nix's NAR: sorted
// entries, the executable bit, bytes, symbolic link targets; no owners, no times) and
// hashed; its references are the hash parts of candidate store paths found in those
// bytes. A registration record keeps path, content hash, size, references, the
// canonical recipe and a signature; the GC marks what roots reach through references.
// Nothing here reads a clock, a disk or the kernel: the kernel (kernel/zix) feeds it.
//
// Recipe text: one "key = value" per line; '#' starts a comment line; blank lines are
// skipped; spaces around key and value are trimmed.
//   name = hello                      required, once: Nix's rules (ZIX_NAME_CHARS, at
//                                     most ZIX_NAME_LEN_MAX, not starting with '.'); the
//                                     kernel may allow fewer (its names are shorter)
//   builder = /bin/sh                 required, once: an absolute program path
//   arg = $src                        0..ZIX_ARGS_MAX, in order
//   input NAME = recipe FILE          another recipe (FILE relative to this one's folder)
//   input NAME = path /zix/store/...  a store path
//   input NAME = source FILE          a file or directory, imported by content
//   var NAME = VALUE                  a variable
// NAME: [a-z_][a-z0-9_]*, at most ZIX_VAR_NAME_LEN_MAX, unique among inputs and
// variables, never "out" or "tmp". Grain Basin has no process environment, so inputs,
// variables, $out (the output path) and $tmp (the private temporary directory) are
// substituted into the builder's arguments ("$name" or "${name}", "$$" is '$') when the
// builder is spawned. The canonical form hashes the arguments unsubstituted.
#pragma once

#include "kernel/lib/types.h"

#define ZIX_HASH_BYTES 32u
#define ZIX_PATH_HASH_CHARS 32u         // Nix's: 160 bits in base32
#define ZIX_STORE_DIR "/zix/store"
#define ZIX_STORE_DIR_LEN 10u
#define ZIX_NAME_LEN_MAX 211u           // Nix's rule for a store path's name
#define ZIX_NAME_CHARS "A-Za-z0-9+-._?="
#define ZIX_VAR_NAME_LEN_MAX 31u
#define ZIX_VALUE_LEN_MAX 127u          // an argument, a variable's value, an input's file
#define ZIX_ARGS_MAX 8u
#define ZIX_INPUTS_MAX 16u
#define ZIX_VARS_MAX 8u
#define ZIX_RECIPE_TEXT_BYTES_MAX 4096u // a recipe file, and a canonical form
#define ZIX_STORE_PATH_LEN_MAX (ZIX_STORE_DIR_LEN + 1u + ZIX_PATH_HASH_CHARS + 1u + ZIX_NAME_LEN_MAX)
#define ZIX_REFS_MAX 32u                // references of one path (candidates scanned for)
#define ZIX_ERROR_BYTES 96u
#define ZIX_NAR_DEPTH_MAX 16u           // directories nested in one output
#define ZIX_NAR_TARGET_LEN_MAX 1024u    // (appended) a symbolic link's target fed to the NAR
#define ZIX_SIGNATURE_BYTES_MAX 72u     // ECDSA P-256 (raw: 64)
#define ZIX_RECORD_BYTES_MAX 16384u     // one encoded registration
#define ZIX_FINGERPRINT_BYTES_MAX (64u + ZIX_STORE_PATH_LEN_MAX * (1u + ZIX_REFS_MAX))

// ---- recipes ------------------------------------------------------------------------
enum zix_input_kind { ZIX_INPUT_RECIPE = 1, ZIX_INPUT_PATH = 2, ZIX_INPUT_SOURCE = 3 };

struct zix_input {
    u32 kind;                               // enum zix_input_kind
    char name[ZIX_VAR_NAME_LEN_MAX + 1];
    char value[ZIX_VALUE_LEN_MAX + 1];      // the file or the path, as written
    u32 line;                               // where it was written (errors name it)
    // Filled by the caller before the canonical form is made: the store path this input
    // is (a recipe's output, a path as written, a source's import).
    char store_path[ZIX_STORE_PATH_LEN_MAX + 1];
};

struct zix_var {
    char name[ZIX_VAR_NAME_LEN_MAX + 1];
    char value[ZIX_VALUE_LEN_MAX + 1];
};

struct zix_recipe {
    char name[ZIX_NAME_LEN_MAX + 1];
    char builder[ZIX_VALUE_LEN_MAX + 1];
    u32 args_count;
    char args[ZIX_ARGS_MAX][ZIX_VALUE_LEN_MAX + 1];
    u32 inputs_count;
    struct zix_input inputs[ZIX_INPUTS_MAX]; // as written; the canonical form sorts by name
    u32 vars_count;
    struct zix_var vars[ZIX_VARS_MAX];
};

// Why a recipe was refused: the line (0: the whole file, e.g. a missing "name"), the
// field ("name", "builder", "arg", "input", "var", or the unknown key) and why.
struct zix_error {
    u32 line;
    char field[ZIX_VAR_NAME_LEN_MAX + 1];
    char message[ZIX_ERROR_BYTES];
};

// 0, or -E_INVAL with error filled. Never reads past length; text need not end in NUL.
i64 zix_recipe_parse(const char *text, u32 length, struct zix_recipe *out, struct zix_error *error);
// Nix's name rule, with a tighter length bound the caller may give (<= ZIX_NAME_LEN_MAX):
// true when name is valid.
bool zix_name_valid(const char *name, u32 length_max);
// The canonical form: a recipe text (parseable by zix_recipe_parse, giving itself again)
// with every input as "path" (its store_path, which must be set), inputs sorted by name,
// variables sorted by name, arguments in order. Its length, or -E_2BIG past capacity.
i64 zix_recipe_canonical(const struct zix_recipe *recipe, char *out, u32 capacity);
// SHA-256 of the canonical form, and the store path it gives (NUL-terminated).
i64 zix_recipe_store_path(const struct zix_recipe *recipe, u8 recipe_hash[ZIX_HASH_BYTES],
                          char path[ZIX_STORE_PATH_LEN_MAX + 1]);
// The store path of an imported source: a function of its content hash and name alone.
void zix_source_store_path(const u8 nar_hash[ZIX_HASH_BYTES], const char *name,
                           char path[ZIX_STORE_PATH_LEN_MAX + 1]);
// Substitutes $name, ${name} and $$ in one argument from the recipe's inputs
// (store_path), variables, "out" and "tmp". -E_INVAL for an unknown name (error names it),
// -E_2BIG past capacity; else the length.
i64 zix_substitute(const struct zix_recipe *recipe, const char *out_path, const char *tmp_path,
                   const char *argument, char *result, u32 capacity, struct zix_error *error);

// ---- store paths ----------------------------------------------------------------------
// Nix's base32 ("0123456789abcdfghijklmnpqrsvwxyz", Nix's digit order) of the first
// 20 bytes of hash: exactly ZIX_PATH_HASH_CHARS characters, then a NUL.
void zix_base32_hash_part(const u8 hash[ZIX_HASH_BYTES], char out[ZIX_PATH_HASH_CHARS + 1]);
// "/zix/store/<32 base32 chars>-<valid name>" with nothing after: true, and where the
// hash part and the name start (offsets into path).
bool zix_store_path_parse(const char *path, u32 *hash_part_offset, u32 *name_offset);

// ---- canonical serialization of an output (NAR-like), with reference scanning ----------
// The caller walks the output tree in sorted order and feeds it: nodes are a file
// (executable or not, then its bytes in any number of pieces), a symbolic link, or a
// directory (its entries, each a name then one node, in strictly increasing byte order
// of names: the engine asserts it). Every byte fed (names, contents, targets) is also
// scanned for the hash parts of the candidates given to zix_nar_begin.
struct zix_nar {
    u64 sha256_state[14];  // BearSSL's br_sha256_context, kept opaque (zix_nar.c asserts the size)
    u64 size_bytes;        // bytes of the serialization so far
    u64 file_bytes_left;   // of the file being fed
    u32 depth;
    bool in_file;
    char last_name[ZIX_NAR_DEPTH_MAX][ZIX_VALUE_LEN_MAX + 1]; // order check per directory
    u32 candidates_count;
    char candidates[ZIX_REFS_MAX][ZIX_PATH_HASH_CHARS + 1];   // hash parts to find
    bool found[ZIX_REFS_MAX];
    char window[ZIX_PATH_HASH_CHARS];                         // the last bytes scanned
    u32 window_fill;
    // (appended by the engine) what may come next: a node (after begin and after an
    // entry), and whether the root node is complete (then only zix_nar_end).
    bool expect_node;
    bool root_done;
};
void zix_nar_begin(struct zix_nar *nar, const char candidates[][ZIX_PATH_HASH_CHARS + 1],
                   u32 candidates_count);
void zix_nar_directory_begin(struct zix_nar *nar);
void zix_nar_entry(struct zix_nar *nar, const char *name);  // then exactly one node
void zix_nar_directory_end(struct zix_nar *nar);
void zix_nar_file_begin(struct zix_nar *nar, bool executable, u64 size_bytes);
void zix_nar_file_bytes(struct zix_nar *nar, const u8 *bytes, u64 count); // until size_bytes fed
void zix_nar_symlink(struct zix_nar *nar, const char *target);
void zix_nar_end(struct zix_nar *nar, u8 hash[ZIX_HASH_BYTES], u64 *size_bytes);
// (appended) Whether name may be the next entry of the open directory: 1..ZIX_VALUE_LEN_MAX
// bytes, strictly after the previous entry's name in unsigned byte order. zix_nar_entry
// asserts it; a caller feeding names it did not order itself (a builder's, rewritten)
// checks first and refuses the output instead.
bool zix_nar_entry_valid(const struct zix_nar *nar, const char *name);

// ---- registration records -------------------------------------------------------------
struct zix_registration {
    char path[ZIX_STORE_PATH_LEN_MAX + 1];
    u8 nar_hash[ZIX_HASH_BYTES];
    u64 nar_size_bytes;
    u8 recipe_hash[ZIX_HASH_BYTES];    // zero for an imported source
    u64 registered_ns;                 // realtime when registered (not in the fingerprint)
    u32 builder_uid;                   // whose build registered it (the caller's real uid)
    u32 refs_count;
    char refs[ZIX_REFS_MAX][ZIX_STORE_PATH_LEN_MAX + 1]; // sorted, unique; may hold path itself
    u32 recipe_length;
    char recipe[ZIX_RECIPE_TEXT_BYTES_MAX];              // the canonical recipe (empty: a source)
    u32 signature_length;              // 0: unsigned
    u8 signature[ZIX_SIGNATURE_BYTES_MAX];
};
// A versioned, checksummed encoding. encode: its length, or -E_2BIG. decode: 0, or
// -E_BADMSG for anything malformed (bad magic, version, checksum, lengths, a path or a
// reference that is not a store path, refs unsorted); never reads past length.
i64 zix_registration_encode(const struct zix_registration *registration, u8 *out, u32 capacity);
i64 zix_registration_decode(const u8 *bytes, u32 length, struct zix_registration *out);
// What is signed (Nix's fingerprint): "1;<path>;sha256:<64 hex>;<nar size>;<refs joined
// by ','>". Its length (without a NUL, which is written), or -E_2BIG.
i64 zix_fingerprint(const struct zix_registration *registration, char *out, u32 capacity);

// ---- the garbage collector's marking ----------------------------------------------------
// Paths are indexes 0..paths_count-1; path i references targets[offsets[i] ..
// offsets[i+1]-1] (indexes; a reference to itself is allowed). live[i] is set for every
// path a root reaches (roots included); stack is scratch of paths_count entries. Returns
// how many are live. Iterative: no recursion, any depth.
#define ZIX_GC_PATHS_MAX 1024u
u32 zix_gc_mark(u32 paths_count, const u32 *offsets, const u16 *targets, const bool *is_root,
                bool *live, u16 *stack);
