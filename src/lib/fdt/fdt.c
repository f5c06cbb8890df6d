// Flattened device tree reader: header and block validation, token walking, node
// and property lookup, and the machine summary built on top (fdt_machine_read).
// Everything the blob says is untrusted: every offset and length is checked
// against the block it claims to lie in before it is used.
#include "lib/fdt/fdt.h"

#define FDT_TOKEN_SIZE_BYTES 4u
#define FDT_RSVMAP_ENTRY_SIZE_BYTES 16u

// ---- small freestanding helpers ---------------------------------------------------

static u32 fdt_be32(const u8 *bytes) {
    return ((u32)bytes[0] << 24) | ((u32)bytes[1] << 16) | ((u32)bytes[2] << 8) |
           (u32)bytes[3];
}

static u64 fdt_be64(const u8 *bytes) {
    return ((u64)fdt_be32(bytes) << 32) | (u64)fdt_be32(bytes + 4);
}

static u64 fdt_align4(u64 offset) {
    return (offset + 3u) & ~(u64)3u;
}

// Length of a string inside `capacity` bytes; `capacity` when it is unterminated.
static u32 fdt_bounded_length(const char *s, u32 capacity) {
    u32 length = 0;
    while (length < capacity && s[length] != '\0') length++;
    return length;
}

// Caller-supplied strings are the kernel's own: a missing terminator is a bug.
static u32 fdt_cstring_length(const char *s) {
    assert(s != NULL);
    u32 length = fdt_bounded_length(s, FDT_STRING_LEN_MAX);
    assert(length < FDT_STRING_LEN_MAX);
    return length;
}

static bool fdt_bytes_equal(const char *a, const char *b, u32 count) {
    for (u32 i = 0; i < count; i++) {
        if (a[i] != b[i]) return false;
    }
    return true;
}

// Does the terminated string `s` equal the `length` bytes at `name`?
static bool fdt_name_equal(const char *s, const char *name, u32 length) {
    return fdt_bounded_length(s, length + 1) == length && fdt_bytes_equal(s, name, length);
}

const char *fdt_error_name(enum fdt_error error) {
    switch (error) {
    case FDT_OK: return "ok";
    case FDT_ERR_TRUNCATED: return "truncated";
    case FDT_ERR_BAD_MAGIC: return "bad magic";
    case FDT_ERR_BAD_VERSION: return "bad version";
    case FDT_ERR_BAD_LAYOUT: return "bad layout";
    case FDT_ERR_BAD_TOKEN: return "bad token";
    case FDT_ERR_BAD_NAME: return "bad node name";
    case FDT_ERR_BAD_STRING: return "bad string offset";
    case FDT_ERR_BAD_PROPERTY: return "bad property length";
    case FDT_ERR_TOO_DEEP: return "nesting too deep";
    case FDT_ERR_NOT_FOUND: return "not found";
    case FDT_ERR_BAD_VALUE: return "bad value";
    case FDT_ERR_UNSUPPORTED: return "unsupported";
    case FDT_ERR_NO_SPACE: return "no space";
    }
    return "unknown error";
}

// ---- tokens ------------------------------------------------------------------------

struct fdt_token {
    u32 kind;
    u32 next; // structure offset of the following token
    const char *name; // BEGIN_NODE: node name; PROP: property name
    u32 name_length;
    const u8 *value; // PROP
    u32 value_size_bytes;
};

static enum fdt_error fdt_token_prop(const struct fdt *f, u32 cursor, struct fdt_token *t) {
    const u8 *structure = f->blob + f->struct_offset;
    if (f->struct_size_bytes - cursor < 8u) return FDT_ERR_TRUNCATED;
    u32 size_bytes = fdt_be32(structure + cursor);
    u32 name_offset = fdt_be32(structure + cursor + 4);
    u32 value_offset = cursor + 8u;
    if (size_bytes > f->struct_size_bytes - value_offset) return FDT_ERR_BAD_PROPERTY;
    if (name_offset >= f->strings_size_bytes) return FDT_ERR_BAD_STRING;
    const char *name = (const char *)(f->blob + f->strings_offset + name_offset);
    u32 name_capacity = f->strings_size_bytes - name_offset;
    u32 name_length = fdt_bounded_length(name, name_capacity);
    if (name_length == name_capacity) return FDT_ERR_BAD_STRING;
    u64 next = fdt_align4((u64)value_offset + size_bytes);
    if (next > f->struct_size_bytes) return FDT_ERR_BAD_PROPERTY;
    t->name = name;
    t->name_length = name_length;
    t->value = structure + value_offset;
    t->value_size_bytes = size_bytes;
    t->next = (u32)next;
    return FDT_OK;
}

static enum fdt_error fdt_token_read(const struct fdt *f, u32 offset, struct fdt_token *t) {
    assert(f->blob != NULL);
    assert(f->struct_size_bytes % FDT_TOKEN_SIZE_BYTES == 0);
    if (offset % FDT_TOKEN_SIZE_BYTES != 0) return FDT_ERR_BAD_TOKEN;
    if (offset >= f->struct_size_bytes) return FDT_ERR_TRUNCATED;
    const u8 *structure = f->blob + f->struct_offset;
    u32 cursor = offset + FDT_TOKEN_SIZE_BYTES;
    *t = (struct fdt_token){.kind = fdt_be32(structure + offset), .next = cursor};
    switch (t->kind) {
    case FDT_BEGIN_NODE: {
        const char *name = (const char *)(structure + cursor);
        u32 capacity = f->struct_size_bytes - cursor;
        u32 length = fdt_bounded_length(name, capacity);
        if (length == capacity) return FDT_ERR_BAD_NAME;
        u64 next = fdt_align4((u64)cursor + length + 1u);
        if (next > f->struct_size_bytes) return FDT_ERR_BAD_NAME;
        t->name = name;
        t->name_length = length;
        t->next = (u32)next;
        return FDT_OK;
    }
    case FDT_PROP: return fdt_token_prop(f, cursor, t);
    case FDT_END_NODE:
    case FDT_NOP:
    case FDT_END: return FDT_OK;
    default: return FDT_ERR_BAD_TOKEN;
    }
}

// The first token at or after `offset` that is not a NOP.
static enum fdt_error fdt_token_skip_nops(const struct fdt *f, u32 offset, struct fdt_token *t,
                                          u32 *token_offset) {
    for (;;) {
        enum fdt_error error = fdt_token_read(f, offset, t);
        if (error != FDT_OK) return error;
        if (t->kind != FDT_NOP) {
            *token_offset = offset;
            return FDT_OK;
        }
        offset = t->next;
    }
}

static enum fdt_error fdt_node_token(const struct fdt *f, u32 node, struct fdt_token *t) {
    assert(f != NULL);
    enum fdt_error error = fdt_token_read(f, node, t);
    if (error != FDT_OK) return error;
    return t->kind == FDT_BEGIN_NODE ? FDT_OK : FDT_ERR_BAD_TOKEN;
}

// ---- validation ----------------------------------------------------------------------

static enum fdt_error fdt_check_block(u32 offset, u32 size_bytes, u32 total_bytes) {
    if (offset < FDT_HEADER_SIZE_BYTES) return FDT_ERR_BAD_LAYOUT;
    if ((u64)offset + size_bytes > total_bytes) return FDT_ERR_TRUNCATED;
    return FDT_OK;
}

static enum fdt_error fdt_check_rsvmap(struct fdt *f) {
    if (f->rsvmap_offset % 8u != 0 || f->rsvmap_offset < FDT_HEADER_SIZE_BYTES) {
        return FDT_ERR_BAD_LAYOUT;
    }
    for (u32 index = 0;; index++) {
        u64 entry = (u64)f->rsvmap_offset + (u64)index * FDT_RSVMAP_ENTRY_SIZE_BYTES;
        if (entry + FDT_RSVMAP_ENTRY_SIZE_BYTES > f->size_bytes) return FDT_ERR_TRUNCATED;
        const u8 *bytes = f->blob + entry;
        if (fdt_be64(bytes) == 0 && fdt_be64(bytes + 8) == 0) {
            f->rsvmap_count = index;
            return FDT_OK;
        }
    }
}

static enum fdt_error fdt_check_header(struct fdt *f, u64 capacity_bytes) {
    if (capacity_bytes < FDT_HEADER_SIZE_BYTES) return FDT_ERR_TRUNCATED;
    const u8 *h = f->blob;
    if (fdt_be32(h) != FDT_MAGIC) return FDT_ERR_BAD_MAGIC;
    f->size_bytes = fdt_be32(h + 4);
    if (f->size_bytes < FDT_HEADER_SIZE_BYTES) return FDT_ERR_BAD_LAYOUT;
    if (f->size_bytes > capacity_bytes || f->size_bytes > FDT_SIZE_MAX) return FDT_ERR_TRUNCATED;
    f->struct_offset = fdt_be32(h + 8);
    f->strings_offset = fdt_be32(h + 12);
    f->rsvmap_offset = fdt_be32(h + 16);
    u32 version = fdt_be32(h + 20);
    u32 last_compatible_version = fdt_be32(h + 24);
    if (version < FDT_VERSION || last_compatible_version > FDT_VERSION) {
        return FDT_ERR_BAD_VERSION;
    }
    f->boot_cpuid = fdt_be32(h + 28);
    f->strings_size_bytes = fdt_be32(h + 32);
    f->struct_size_bytes = fdt_be32(h + 36);
    if (f->struct_offset % 4u != 0 || f->struct_size_bytes % 4u != 0) return FDT_ERR_BAD_LAYOUT;
    enum fdt_error error = fdt_check_block(f->struct_offset, f->struct_size_bytes, f->size_bytes);
    if (error != FDT_OK) return error;
    error = fdt_check_block(f->strings_offset, f->strings_size_bytes, f->size_bytes);
    if (error != FDT_OK) return error;
    return fdt_check_rsvmap(f);
}

// Walks every token once: names and properties in bounds, nodes balanced, properties
// only before a node's children (lookups rely on that), and exactly one root.
static enum fdt_error fdt_check_structure(struct fdt *f) {
    struct fdt_token t;
    u32 offset = 0;
    enum fdt_error error = fdt_token_skip_nops(f, 0, &t, &offset);
    if (error != FDT_OK) return error;
    if (t.kind != FDT_BEGIN_NODE) return FDT_ERR_BAD_TOKEN;
    f->root = offset;
    u32 depth = 0;
    bool children_started = false;
    for (;;) {
        error = fdt_token_read(f, offset, &t);
        if (error != FDT_OK) return error;
        if (t.kind == FDT_BEGIN_NODE) {
            if (depth == 0 && offset != f->root) return FDT_ERR_BAD_TOKEN;
            depth++;
            if (depth > FDT_DEPTH_MAX) return FDT_ERR_TOO_DEEP;
            children_started = false;
        } else if (t.kind == FDT_END_NODE) {
            if (depth == 0) return FDT_ERR_BAD_TOKEN;
            depth--;
            children_started = true;
        } else if (t.kind == FDT_PROP) {
            if (depth == 0 || children_started) return FDT_ERR_BAD_TOKEN;
        } else if (t.kind == FDT_END) {
            return depth == 0 ? FDT_OK : FDT_ERR_BAD_TOKEN;
        }
        offset = t.next;
    }
}

enum fdt_error fdt_init(struct fdt *f, const void *blob, u64 capacity_bytes) {
    assert(f != NULL);
    assert(blob != NULL);
    *f = (struct fdt){.blob = blob};
    enum fdt_error error = fdt_check_header(f, capacity_bytes);
    if (error == FDT_OK) error = fdt_check_structure(f);
    if (error != FDT_OK) *f = (struct fdt){0};
    return error;
}

// ---- nodes ------------------------------------------------------------------------------

u32 fdt_root(const struct fdt *f) {
    assert(f != NULL);
    assert(f->blob != NULL);
    return f->root;
}

enum fdt_error fdt_node_name(const struct fdt *f, u32 node, const char **name) {
    assert(name != NULL);
    struct fdt_token t;
    enum fdt_error error = fdt_node_token(f, node, &t);
    if (error != FDT_OK) return error;
    *name = t.name;
    return FDT_OK;
}

enum fdt_error fdt_next_node(const struct fdt *f, u32 node, u32 *next) {
    assert(next != NULL);
    struct fdt_token t;
    enum fdt_error error = fdt_node_token(f, node, &t);
    for (u32 offset = t.next; error == FDT_OK; offset = t.next) {
        error = fdt_token_read(f, offset, &t);
        if (error != FDT_OK) return error;
        if (t.kind == FDT_BEGIN_NODE) {
            *next = offset;
            return FDT_OK;
        }
        if (t.kind == FDT_END) return FDT_ERR_NOT_FOUND;
    }
    return error;
}

// The offset of the first token after the node's properties: a child or its end.
static enum fdt_error fdt_after_properties(const struct fdt *f, u32 node, struct fdt_token *t,
                                          u32 *offset) {
    enum fdt_error error = fdt_node_token(f, node, t);
    u32 cursor = t->next;
    while (error == FDT_OK) {
        error = fdt_token_read(f, cursor, t);
        if (error != FDT_OK) return error;
        if (t->kind != FDT_PROP && t->kind != FDT_NOP) {
            *offset = cursor;
            return FDT_OK;
        }
        cursor = t->next;
    }
    return error;
}

enum fdt_error fdt_first_child(const struct fdt *f, u32 node, u32 *child) {
    assert(child != NULL);
    struct fdt_token t;
    u32 offset = 0;
    enum fdt_error error = fdt_after_properties(f, node, &t, &offset);
    if (error != FDT_OK) return error;
    if (t.kind != FDT_BEGIN_NODE) return FDT_ERR_NOT_FOUND;
    *child = offset;
    return FDT_OK;
}

enum fdt_error fdt_next_sibling(const struct fdt *f, u32 node, u32 *sibling) {
    assert(sibling != NULL);
    struct fdt_token t;
    enum fdt_error error = fdt_node_token(f, node, &t);
    u32 offset = t.next;
    u32 depth = 1;
    while (error == FDT_OK && depth > 0) {
        error = fdt_token_read(f, offset, &t);
        if (error != FDT_OK) return error;
        if (t.kind == FDT_BEGIN_NODE) depth++;
        if (t.kind == FDT_END_NODE) depth--;
        if (t.kind == FDT_END) return FDT_ERR_BAD_TOKEN;
        offset = t.next;
    }
    if (error != FDT_OK) return error;
    error = fdt_token_skip_nops(f, offset, &t, &offset);
    if (error != FDT_OK) return error;
    if (t.kind != FDT_BEGIN_NODE) return FDT_ERR_NOT_FOUND;
    *sibling = offset;
    return FDT_OK;
}

// The chain root .. node (inclusive) of node offsets.
static enum fdt_error fdt_lineage(const struct fdt *f, u32 node, u32 chain[FDT_DEPTH_MAX],
                                  u32 *count) {
    assert(count != NULL);
    struct fdt_token t;
    u32 depth = 0;
    for (u32 offset = f->root;; offset = t.next) {
        enum fdt_error error = fdt_token_read(f, offset, &t);
        if (error != FDT_OK) return error;
        if (t.kind == FDT_BEGIN_NODE) {
            if (depth == FDT_DEPTH_MAX) return FDT_ERR_TOO_DEEP;
            chain[depth] = offset;
            depth++;
            if (offset == node) {
                *count = depth;
                return FDT_OK;
            }
        } else if (t.kind == FDT_END_NODE) {
            if (depth == 0) return FDT_ERR_BAD_TOKEN;
            depth--;
        } else if (t.kind == FDT_END) {
            return FDT_ERR_NOT_FOUND;
        }
    }
}

enum fdt_error fdt_parent(const struct fdt *f, u32 node, u32 *parent) {
    assert(parent != NULL);
    u32 chain[FDT_DEPTH_MAX];
    u32 count = 0;
    enum fdt_error error = fdt_lineage(f, node, chain, &count);
    if (error != FDT_OK) return error;
    if (count < 2) return FDT_ERR_NOT_FOUND;
    *parent = chain[count - 2];
    return FDT_OK;
}

// Matches "name@unit" exactly, or "name" against a child "name@unit".
static bool fdt_node_name_matches(const char *node_name, const char *name, u32 length) {
    if (fdt_name_equal(node_name, name, length)) return true;
    for (u32 i = 0; i < length; i++) {
        if (name[i] == '@') return false;
    }
    return fdt_bytes_equal(node_name, name, length) && node_name[length] == '@';
}

static enum fdt_error fdt_subnode_n(const struct fdt *f, u32 parent, const char *name,
                                    u32 length, u32 *child) {
    u32 candidate = 0;
    enum fdt_error error = fdt_first_child(f, parent, &candidate);
    while (error == FDT_OK) {
        const char *candidate_name = NULL;
        error = fdt_node_name(f, candidate, &candidate_name);
        if (error != FDT_OK) return error;
        // A blob-supplied name shorter than `length` stops at its terminator.
        if (fdt_node_name_matches(candidate_name, name, length)) {
            *child = candidate;
            return FDT_OK;
        }
        error = fdt_next_sibling(f, candidate, &candidate);
    }
    return error;
}

enum fdt_error fdt_subnode(const struct fdt *f, u32 parent, const char *name, u32 *child) {
    assert(child != NULL);
    return fdt_subnode_n(f, parent, name, fdt_cstring_length(name), child);
}

// ---- properties ---------------------------------------------------------------------------

static enum fdt_error fdt_property_n(const struct fdt *f, u32 node, const char *name, u32 length,
                                     struct fdt_property *property) {
    assert(property != NULL);
    struct fdt_token t;
    enum fdt_error error = fdt_node_token(f, node, &t);
    u32 offset = t.next;
    while (error == FDT_OK) {
        error = fdt_token_read(f, offset, &t);
        if (error != FDT_OK) return error;
        if (t.kind == FDT_PROP) {
            if (t.name_length == length && fdt_bytes_equal(t.name, name, length)) {
                property->value = t.value;
                property->size_bytes = t.value_size_bytes;
                return FDT_OK;
            }
        } else if (t.kind != FDT_NOP) {
            return FDT_ERR_NOT_FOUND; // properties precede children (checked at init)
        }
        offset = t.next;
    }
    return error;
}

enum fdt_error fdt_property(const struct fdt *f, u32 node, const char *name,
                            struct fdt_property *property) {
    assert(f != NULL);
    return fdt_property_n(f, node, name, fdt_cstring_length(name), property);
}

bool fdt_property_present(const struct fdt *f, u32 node, const char *name) {
    struct fdt_property property;
    return fdt_property(f, node, name, &property) == FDT_OK;
}

enum fdt_error fdt_property_u32(const struct fdt *f, u32 node, const char *name, u32 *value) {
    assert(value != NULL);
    struct fdt_property property;
    enum fdt_error error = fdt_property(f, node, name, &property);
    if (error != FDT_OK) return error;
    if (property.size_bytes != 4u) return FDT_ERR_BAD_VALUE;
    *value = fdt_be32(property.value);
    return FDT_OK;
}

enum fdt_error fdt_property_u64(const struct fdt *f, u32 node, const char *name, u64 *value) {
    assert(value != NULL);
    struct fdt_property property;
    enum fdt_error error = fdt_property(f, node, name, &property);
    if (error != FDT_OK) return error;
    if (property.size_bytes == 4u) {
        *value = fdt_be32(property.value);
    } else if (property.size_bytes == 8u) {
        *value = fdt_be64(property.value);
    } else {
        return FDT_ERR_BAD_VALUE;
    }
    return FDT_OK;
}

enum fdt_error fdt_property_string(const struct fdt *f, u32 node, const char *name,
                                   const char **value) {
    assert(value != NULL);
    struct fdt_property property;
    enum fdt_error error = fdt_property(f, node, name, &property);
    if (error != FDT_OK) return error;
    const char *string = (const char *)property.value;
    u32 length = fdt_bounded_length(string, property.size_bytes);
    if (length == 0 || length == property.size_bytes) return FDT_ERR_BAD_VALUE;
    *value = string;
    return FDT_OK;
}

bool fdt_stringlist_contains(const struct fdt *f, u32 node, const char *name,
                             const char *string) {
    u32 length = fdt_cstring_length(string);
    struct fdt_property list;
    if (fdt_property(f, node, name, &list) != FDT_OK) return false;
    u32 offset = 0;
    while (offset < list.size_bytes) {
        const char *entry = (const char *)list.value + offset;
        u32 capacity = list.size_bytes - offset;
        u32 entry_length = fdt_bounded_length(entry, capacity);
        if (entry_length == capacity) return false; // unterminated: malformed list
        if (entry_length == length && fdt_bytes_equal(entry, string, length)) return true;
        offset += entry_length + 1u;
    }
    return false;
}

bool fdt_node_enabled(const struct fdt *f, u32 node) {
    struct fdt_property status;
    enum fdt_error error = fdt_property(f, node, "status", &status);
    if (error == FDT_ERR_NOT_FOUND) return true;
    if (error != FDT_OK) return false;
    const char *value = (const char *)status.value;
    if (status.size_bytes == sizeof("okay")) return fdt_bytes_equal(value, "okay", sizeof("okay"));
    if (status.size_bytes == sizeof("ok")) return fdt_bytes_equal(value, "ok", sizeof("ok"));
    return false;
}

// ---- paths --------------------------------------------------------------------------------

// Follows the '/'-separated components of `path` (not terminated) down from `node`.
static enum fdt_error fdt_walk_path(const struct fdt *f, u32 node, const char *path, u32 length,
                                    u32 *found) {
    assert(found != NULL);
    u32 start = 0;
    while (start < length) {
        u32 end = start;
        while (end < length && path[end] != '/') end++;
        if (end > start) {
            enum fdt_error error = fdt_subnode_n(f, node, path + start, end - start, &node);
            if (error != FDT_OK) return error;
        }
        start = end + 1u;
    }
    *found = node;
    return FDT_OK;
}

enum fdt_error fdt_find_path(const struct fdt *f, const char *path, u32 *node) {
    assert(f != NULL);
    assert(node != NULL);
    assert(path != NULL);
    // The path may come from the blob (stdout-path): too long is an error, not a bug.
    u32 total = fdt_bounded_length(path, FDT_STRING_LEN_MAX);
    if (total == FDT_STRING_LEN_MAX) return FDT_ERR_UNSUPPORTED;
    u32 length = 0; // the path proper ends at ':' (stdout-path options) or the end
    while (length < total && path[length] != ':') length++;
    if (length == 0) return FDT_ERR_NOT_FOUND;
    if (path[0] == '/') return fdt_walk_path(f, f->root, path, length, node);
    u32 alias_length = 0;
    while (alias_length < length && path[alias_length] != '/') alias_length++;
    u32 aliases = 0;
    enum fdt_error error = fdt_subnode(f, f->root, "aliases", &aliases);
    if (error != FDT_OK) return error;
    struct fdt_property target;
    error = fdt_property_n(f, aliases, path, alias_length, &target);
    if (error != FDT_OK) return error;
    // An alias names an absolute path (spec 3.3), so aliases never chain.
    const char *target_path = (const char *)target.value;
    u32 target_length = fdt_bounded_length(target_path, target.size_bytes);
    if (target_length == target.size_bytes || target_length == 0 || target_path[0] != '/') {
        return FDT_ERR_BAD_VALUE;
    }
    u32 base = 0;
    error = fdt_walk_path(f, f->root, target_path, target_length, &base);
    if (error != FDT_OK) return error;
    return fdt_walk_path(f, base, path + alias_length, length - alias_length, node);
}

enum fdt_error fdt_node_path(const struct fdt *f, u32 node, char *path, u32 capacity) {
    assert(path != NULL);
    assert(capacity > 0);
    u32 chain[FDT_DEPTH_MAX];
    u32 count = 0;
    enum fdt_error error = fdt_lineage(f, node, chain, &count);
    if (error != FDT_OK) return error;
    u32 used = 0;
    for (u32 level = 1; level < count; level++) {
        const char *name = NULL;
        error = fdt_node_name(f, chain[level], &name);
        if (error != FDT_OK) return error;
        u32 length = fdt_bounded_length(name, f->struct_size_bytes); // terminated: checked
        if ((u64)used + 1u + length >= capacity) return FDT_ERR_NO_SPACE;
        path[used++] = '/';
        for (u32 i = 0; i < length; i++) path[used++] = name[i];
    }
    if (count == 1) {
        if (capacity < 2u) return FDT_ERR_NO_SPACE;
        path[used++] = '/';
    }
    path[used] = '\0';
    return FDT_OK;
}

enum fdt_error fdt_find_compatible(const struct fdt *f, u32 after, const char *compatible,
                                   u32 *node) {
    assert(f != NULL);
    assert(node != NULL);
    u32 candidate = f->root;
    enum fdt_error error = FDT_OK;
    if (after != FDT_NODE_NONE) error = fdt_next_node(f, after, &candidate);
    while (error == FDT_OK) {
        if (fdt_stringlist_contains(f, candidate, "compatible", compatible)) {
            *node = candidate;
            return FDT_OK;
        }
        error = fdt_next_node(f, candidate, &candidate);
    }
    return error;
}

enum fdt_error fdt_find_phandle(const struct fdt *f, u32 phandle, u32 *node) {
    assert(f != NULL);
    assert(node != NULL);
    if (phandle == 0 || phandle == 0xffffffffu) return FDT_ERR_NOT_FOUND; // reserved values
    u32 candidate = f->root;
    enum fdt_error error = FDT_OK;
    while (error == FDT_OK) {
        u32 value = 0;
        enum fdt_error read = fdt_property_u32(f, candidate, "phandle", &value);
        if (read == FDT_ERR_NOT_FOUND) read = fdt_property_u32(f, candidate, "linux,phandle", &value);
        if (read == FDT_OK && value == phandle) {
            *node = candidate;
            return FDT_OK;
        }
        error = fdt_next_node(f, candidate, &candidate);
    }
    return error;
}

// ---- cells, reg and ranges ---------------------------------------------------------------

static enum fdt_error fdt_cells(const struct fdt *f, u32 node, const char *name, u32 absent,
                                u32 *cells) {
    assert(cells != NULL);
    enum fdt_error error = fdt_property_u32(f, node, name, cells);
    if (error == FDT_ERR_NOT_FOUND) {
        *cells = absent;
        return FDT_OK;
    }
    return error;
}

// The specification's defaults when the properties are absent: 2 and 1.
enum fdt_error fdt_address_cells(const struct fdt *f, u32 node, u32 *cells) {
    return fdt_cells(f, node, "#address-cells", 2u, cells);
}

enum fdt_error fdt_size_cells(const struct fdt *f, u32 node, u32 *cells) {
    return fdt_cells(f, node, "#size-cells", 1u, cells);
}

static u64 fdt_cells_read(const u8 *value, u32 cells) {
    assert(cells <= FDT_CELLS_MAX);
    u64 result = 0;
    for (u32 i = 0; i < cells; i++) result = (result << 32) | fdt_be32(value + 4u * i);
    return result;
}

struct fdt_reg_layout {
    u32 address_cells;
    u32 size_cells;
    u32 entry_bytes;
    u32 count;
};

// How `parent` lays out the reg of `node`, and how many entries it has.
static enum fdt_error fdt_reg_layout(const struct fdt *f, u32 node, u32 parent,
                                     struct fdt_property *reg, struct fdt_reg_layout *layout) {
    enum fdt_error error = fdt_address_cells(f, parent, &layout->address_cells);
    if (error == FDT_OK) error = fdt_size_cells(f, parent, &layout->size_cells);
    if (error != FDT_OK) return error;
    if (layout->address_cells == 0 || layout->address_cells > FDT_CELLS_MAX ||
        layout->size_cells > FDT_CELLS_MAX) {
        return FDT_ERR_UNSUPPORTED;
    }
    error = fdt_property(f, node, "reg", reg);
    if (error != FDT_OK) return error;
    layout->entry_bytes = 4u * (layout->address_cells + layout->size_cells);
    if (reg->size_bytes % layout->entry_bytes != 0) return FDT_ERR_BAD_VALUE;
    layout->count = reg->size_bytes / layout->entry_bytes;
    return FDT_OK;
}

// A reg entry as the parent bus sees it, without translation.
static enum fdt_error fdt_reg_raw(const struct fdt *f, u32 node, u32 parent, u32 index,
                                  u64 *base, u64 *size_bytes) {
    assert(base != NULL);
    assert(size_bytes != NULL);
    struct fdt_property reg;
    struct fdt_reg_layout layout;
    enum fdt_error error = fdt_reg_layout(f, node, parent, &reg, &layout);
    if (error != FDT_OK) return error;
    if (index >= layout.count) return FDT_ERR_NOT_FOUND;
    const u8 *entry = reg.value + (u64)index * layout.entry_bytes;
    *base = fdt_cells_read(entry, layout.address_cells);
    *size_bytes = fdt_cells_read(entry + 4u * layout.address_cells, layout.size_cells);
    return FDT_OK;
}

// Maps an address on `bus` into the address space of `bus_parent` through the
// bus's ranges: empty means identity; absent means the bus is not memory-mapped.
static enum fdt_error fdt_translate(const struct fdt *f, u32 bus, u32 bus_parent, u64 *address) {
    assert(address != NULL);
    struct fdt_property ranges;
    enum fdt_error error = fdt_property(f, bus, "ranges", &ranges);
    if (error == FDT_ERR_NOT_FOUND) return FDT_ERR_UNSUPPORTED;
    if (error != FDT_OK || ranges.size_bytes == 0) return error;
    u32 child_cells = 0, parent_cells = 0, size_cells = 0;
    error = fdt_address_cells(f, bus, &child_cells);
    if (error == FDT_OK) error = fdt_address_cells(f, bus_parent, &parent_cells);
    if (error == FDT_OK) error = fdt_size_cells(f, bus, &size_cells);
    if (error != FDT_OK) return error;
    if (child_cells == 0 || child_cells > FDT_CELLS_MAX || parent_cells == 0 ||
        parent_cells > FDT_CELLS_MAX || size_cells == 0 || size_cells > FDT_CELLS_MAX) {
        return FDT_ERR_UNSUPPORTED;
    }
    u32 entry_bytes = 4u * (child_cells + parent_cells + size_cells);
    if (ranges.size_bytes % entry_bytes != 0) return FDT_ERR_BAD_VALUE;
    for (u32 offset = 0; offset < ranges.size_bytes; offset += entry_bytes) {
        const u8 *entry = ranges.value + offset;
        u64 child_base = fdt_cells_read(entry, child_cells);
        u64 parent_base = fdt_cells_read(entry + 4u * child_cells, parent_cells);
        u64 length = fdt_cells_read(entry + 4u * (child_cells + parent_cells), size_cells);
        if (*address >= child_base && *address - child_base < length) {
            u64 translated = parent_base + (*address - child_base);
            if (translated < parent_base) return FDT_ERR_BAD_VALUE;
            *address = translated;
            return FDT_OK;
        }
    }
    return FDT_ERR_NOT_FOUND;
}

enum fdt_error fdt_reg(const struct fdt *f, u32 node, u32 index, u64 *base, u64 *size_bytes) {
    assert(f != NULL);
    u32 chain[FDT_DEPTH_MAX];
    u32 count = 0;
    enum fdt_error error = fdt_lineage(f, node, chain, &count);
    if (error != FDT_OK) return error;
    if (count < 2) return FDT_ERR_UNSUPPORTED; // the root is nobody's child
    error = fdt_reg_raw(f, node, chain[count - 2], index, base, size_bytes);
    for (u32 level = count - 2; level > 0 && error == FDT_OK; level--) {
        error = fdt_translate(f, chain[level], chain[level - 1], base);
    }
    return error;
}

u32 fdt_reg_count(const struct fdt *f, u32 node) {
    u32 parent = 0;
    if (fdt_parent(f, node, &parent) != FDT_OK) return 0;
    struct fdt_property reg;
    struct fdt_reg_layout layout;
    if (fdt_reg_layout(f, node, parent, &reg, &layout) != FDT_OK) return 0;
    return layout.count;
}

enum fdt_error fdt_reserved_entry(const struct fdt *f, u32 index, u64 *base, u64 *size_bytes) {
    assert(f != NULL);
    assert(base != NULL);
    assert(size_bytes != NULL);
    if (index >= f->rsvmap_count) return FDT_ERR_NOT_FOUND;
    // fdt_init checked that every entry up to the terminator lies inside the blob.
    const u8 *entry = f->blob + f->rsvmap_offset + (u64)index * FDT_RSVMAP_ENTRY_SIZE_BYTES;
    *base = fdt_be64(entry);
    *size_bytes = fdt_be64(entry + 8);
    return FDT_OK;
}

enum fdt_error fdt_reg_untranslated(const struct fdt *f, u32 node, u32 index, u64 *base,
                                    u64 *size_bytes) {
    assert(f != NULL);
    u32 parent = 0;
    enum fdt_error error = fdt_parent(f, node, &parent);
    if (error != FDT_OK) return error == FDT_ERR_NOT_FOUND ? FDT_ERR_UNSUPPORTED : error;
    return fdt_reg_raw(f, node, parent, index, base, size_bytes);
}

u32 fdt_property_cell(const struct fdt_property *property, u32 index) {
    assert(property != NULL);
    assert(property->value != NULL);
    assert(index < property->size_bytes / 4u);
    return fdt_be32(property->value + 4u * index);
}
