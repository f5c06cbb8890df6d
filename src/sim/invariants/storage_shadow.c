// The storage shadows' tables: objects by SHA-256 prefix and keys by XXH64 of their
// bytes, each an open-addressing table that doubles when three quarters full. The
// keys are hashes already, so their low bits pick the slot. Nothing iterates them, so
// their layout never reaches the trace.
#include <stdio.h>
#include <stdlib.h>

#include "sim/invariants/invariants.h"

#define STORAGE_TABLE_CAPACITY_MIN 1024u
#define STORAGE_TABLE_CAPACITY_MAX (1u << 30)

static _Noreturn void out_of_memory(void) {
    fprintf(stdout, "basin-sim: out of memory for the storage shadows\n");
    fflush(stdout);
    exit(2);
}

void storage_shadow_deinit(struct storage_shadow *shadow) {
    assert(shadow != NULL);
    free(shadow->objects);
    free(shadow->keys);
    shadow->objects = NULL;
    shadow->keys = NULL;
    shadow->objects_capacity = 0;
    shadow->objects_count = 0;
    shadow->keys_capacity = 0;
    shadow->keys_count = 0;
}

static u32 next_capacity(u32 capacity, u32 count) {
    assert(count <= capacity);
    if (capacity != 0 && (u64)(count + 1) * 4 <= (u64)capacity * 3) return capacity;
    if (capacity >= STORAGE_TABLE_CAPACITY_MAX) out_of_memory();
    return capacity == 0 ? STORAGE_TABLE_CAPACITY_MIN : capacity * 2;
}

static struct storage_object_entry *object_slot(struct storage_object_entry *table, u32 capacity,
                                                u64 hash_prefix) {
    assert(capacity != 0);
    assert((capacity & (capacity - 1)) == 0);
    u32 mask = capacity - 1;
    for (u32 i = (u32)hash_prefix & mask;; i = (i + 1) & mask) {
        if (!table[i].used || table[i].hash_prefix == hash_prefix) return &table[i];
    }
}

static void objects_grow(struct storage_shadow *shadow) {
    u32 capacity = next_capacity(shadow->objects_capacity, shadow->objects_count);
    if (capacity == shadow->objects_capacity) return;
    struct storage_object_entry *table = calloc(capacity, sizeof(*table));
    if (table == NULL) out_of_memory();
    for (u32 i = 0; i < shadow->objects_capacity; i++) {
        if (shadow->objects[i].used) *object_slot(table, capacity, shadow->objects[i].hash_prefix) = shadow->objects[i];
    }
    free(shadow->objects);
    shadow->objects = table;
    shadow->objects_capacity = capacity;
}

struct storage_object_entry *storage_object_find(struct storage_shadow *shadow, u64 hash_prefix) {
    assert(shadow != NULL);
    if (shadow->objects_capacity == 0) return NULL;
    struct storage_object_entry *entry = object_slot(shadow->objects, shadow->objects_capacity, hash_prefix);
    return entry->used ? entry : NULL;
}

struct storage_object_entry *storage_object_insert(struct storage_shadow *shadow, u64 hash_prefix) {
    assert(shadow != NULL);
    objects_grow(shadow);
    struct storage_object_entry *entry = object_slot(shadow->objects, shadow->objects_capacity, hash_prefix);
    if (!entry->used) {
        entry->used = 1;
        entry->hash_prefix = hash_prefix;
        shadow->objects_count++;
    }
    assert(shadow->objects_count < shadow->objects_capacity);
    return entry;
}

static struct storage_key_entry *key_slot(struct storage_key_entry *table, u32 capacity, u64 key_hash) {
    assert(capacity != 0);
    assert((capacity & (capacity - 1)) == 0);
    u32 mask = capacity - 1;
    for (u32 i = (u32)key_hash & mask;; i = (i + 1) & mask) {
        if (!table[i].used || table[i].key_hash == key_hash) return &table[i];
    }
}

static void keys_grow(struct storage_shadow *shadow) {
    u32 capacity = next_capacity(shadow->keys_capacity, shadow->keys_count);
    if (capacity == shadow->keys_capacity) return;
    struct storage_key_entry *table = calloc(capacity, sizeof(*table));
    if (table == NULL) out_of_memory();
    for (u32 i = 0; i < shadow->keys_capacity; i++) {
        if (shadow->keys[i].used) *key_slot(table, capacity, shadow->keys[i].key_hash) = shadow->keys[i];
    }
    free(shadow->keys);
    shadow->keys = table;
    shadow->keys_capacity = capacity;
}

struct storage_key_entry *storage_key_find_or_insert(struct storage_shadow *shadow, u64 key_hash) {
    assert(shadow != NULL);
    keys_grow(shadow);
    struct storage_key_entry *entry = key_slot(shadow->keys, shadow->keys_capacity, key_hash);
    if (!entry->used) {
        entry->used = 1;
        entry->key_hash = key_hash;
        entry->key_version = 0;
        shadow->keys_count++;
    }
    assert(shadow->keys_count < shadow->keys_capacity);
    return entry;
}
