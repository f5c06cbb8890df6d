// The kernel's device-tree reader against the two real device trees in tests/fixtures
// (QEMU virt and the Framework 13's JH7110 board) and against malformed
// blobs, which must give an error value and never read outside the buffer (run it
// under AddressSanitizer: every blob here lives in a buffer of exactly its size).
//
// Fixtures come from argv[1], else $BASIN_FIXTURES, else tests/fixtures (the path
// from the repository root, where tests run: a clone of the repository alone has them).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fdt/fdt.h"

#if defined(FDT_TEST_STANDALONE)
// Built by hand without the simulator's objects: assert() needs a platform_panic.
_Noreturn void platform_panic(const char *file, u32 line, const char *what) {
    fprintf(stderr, "panic at %s:%u: %s\n", file, (unsigned)line, what);
    exit(1);
}
#endif

#define FIXTURE_SIZE_MAX (1u << 20)
#define BUILDER_SIZE_MAX 16384u

static int failures = 0;
static char reason[256];

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            snprintf(reason, sizeof(reason), "%s:%d: %s", __FILE__, __LINE__, #cond);   \
            return false;                                                               \
        }                                                                               \
    } while (0)

#define CHECK_OK(expr)                                                                  \
    do {                                                                                \
        enum fdt_error check_error_ = (expr);                                           \
        if (check_error_ != FDT_OK) {                                                   \
            snprintf(reason, sizeof(reason), "%s:%d: %s -> %s", __FILE__, __LINE__,     \
                     #expr, fdt_error_name(check_error_));                              \
            return false;                                                               \
        }                                                                               \
    } while (0)

static void report(const char *name, bool passed) {
    if (passed) {
        printf("ok %s\n", name);
    } else {
        printf("not ok %s - %s\n", name, reason);
        failures++;
    }
}

// ---- fixtures ------------------------------------------------------------------------

struct blob {
    u8 *bytes; // malloc'd with exactly size_bytes, so ASan sees any overrun
    u64 size_bytes;
};

static struct blob blob_load(const char *folder, const char *name) {
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", folder, name);
    struct blob blob = {0};
    FILE *file = fopen(path, "rb");
    if (file == NULL) return blob;
    u8 *buffer = malloc(FIXTURE_SIZE_MAX);
    size_t size = buffer ? fread(buffer, 1, FIXTURE_SIZE_MAX, file) : 0;
    fclose(file);
    if (size > 0 && size < FIXTURE_SIZE_MAX) {
        blob.bytes = malloc(size);
        memcpy(blob.bytes, buffer, size);
        blob.size_bytes = size;
    }
    free(buffer);
    return blob;
}

static struct blob blob_copy(struct blob source, u64 size_bytes) {
    struct blob blob = {.bytes = malloc(size_bytes ? size_bytes : 1), .size_bytes = size_bytes};
    memcpy(blob.bytes, source.bytes, size_bytes < source.size_bytes ? size_bytes : source.size_bytes);
    return blob;
}

static u32 get_be32(const u8 *p) {
    return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3];
}

static void put_be32(u8 *p, u32 value) {
    p[0] = (u8)(value >> 24);
    p[1] = (u8)(value >> 16);
    p[2] = (u8)(value >> 8);
    p[3] = (u8)value;
}

// ---- a tiny blob builder, for malformed trees the fixtures cannot give ----------------

struct builder {
    u8 structure[BUILDER_SIZE_MAX];
    u32 structure_size;
    char strings[BUILDER_SIZE_MAX];
    u32 strings_size;
};

static void builder_u32(struct builder *b, u32 value) {
    put_be32(b->structure + b->structure_size, value);
    b->structure_size += 4;
}

static void builder_begin(struct builder *b, const char *name) {
    builder_u32(b, FDT_BEGIN_NODE);
    u32 length = (u32)strlen(name) + 1;
    memcpy(b->structure + b->structure_size, name, length);
    b->structure_size += (length + 3u) & ~3u;
}

static void builder_prop(struct builder *b, const char *name, const void *value, u32 size) {
    builder_u32(b, FDT_PROP);
    builder_u32(b, size);
    builder_u32(b, b->strings_size);
    memcpy(b->strings + b->strings_size, name, strlen(name) + 1);
    b->strings_size += (u32)strlen(name) + 1;
    memcpy(b->structure + b->structure_size, value, size);
    b->structure_size += (size + 3u) & ~3u;
}

static void builder_prop_u32(struct builder *b, const char *name, u32 value) {
    u8 cell[4];
    put_be32(cell, value);
    builder_prop(b, name, cell, 4);
}

// Header, an empty reservation map, the structure block, then the strings.
static struct blob builder_finish(const struct builder *b) {
    u32 rsvmap = 40, structure = 56;
    u32 strings = structure + b->structure_size;
    u32 total = strings + b->strings_size;
    struct blob blob = {.bytes = calloc(1, total), .size_bytes = total};
    u32 header[10] = {FDT_MAGIC, total, structure, strings, rsvmap, 17, 16, 0,
                      b->strings_size, b->structure_size};
    for (u32 i = 0; i < 10; i++) put_be32(blob.bytes + 4 * i, header[i]);
    memcpy(blob.bytes + structure, b->structure, b->structure_size);
    memcpy(blob.bytes + strings, b->strings, b->strings_size);
    return blob;
}

// A small valid tree with a bus that translates addresses.
static struct blob builder_sample(void) {
    static struct builder b;
    memset(&b, 0, sizeof(b));
    builder_begin(&b, "");
    builder_prop_u32(&b, "#address-cells", 1);
    builder_prop_u32(&b, "#size-cells", 1);
    builder_prop(&b, "model", "tiny", 5);
    builder_begin(&b, "memory@1000");
    builder_prop(&b, "device_type", "memory", 7);
    u8 reg[8];
    put_be32(reg, 0x1000);
    put_be32(reg + 4, 0x2000);
    builder_prop(&b, "reg", reg, 8);
    builder_u32(&b, FDT_END_NODE);
    builder_begin(&b, "bus@40000000");
    builder_prop_u32(&b, "#address-cells", 1);
    builder_prop_u32(&b, "#size-cells", 1);
    u8 ranges[12];
    put_be32(ranges, 0x0);
    put_be32(ranges + 4, 0x40000000);
    put_be32(ranges + 8, 0x10000);
    builder_prop(&b, "ranges", ranges, 12);
    builder_u32(&b, FDT_NOP);
    builder_begin(&b, "dev@100");
    put_be32(reg, 0x100);
    put_be32(reg + 4, 0x10);
    builder_prop(&b, "reg", reg, 8);
    builder_prop(&b, "compatible", "acme,one\0acme,two", 18);
    builder_u32(&b, FDT_END_NODE);
    builder_u32(&b, FDT_END_NODE);
    builder_u32(&b, FDT_END_NODE);
    builder_u32(&b, FDT_END);
    return builder_finish(&b);
}

// ---- fixture tests: QEMU virt -----------------------------------------------------------

static bool test_qemu_machine(struct blob blob) {
    CHECK(blob.bytes != NULL);
    struct fdt f;
    CHECK_OK(fdt_init(&f, blob.bytes, blob.size_bytes));
    struct fdt_machine m;
    CHECK_OK(fdt_machine_read(&f, &m));
    CHECK(strcmp(m.model, "riscv-virtio,qemu") == 0);
    CHECK(m.memory_count == 1);
    CHECK(m.memory[0].base == 0x80000000ull && m.memory[0].size_bytes == 128ull << 20);
    CHECK(m.timebase_hz == 10000000ull);
    CHECK(m.harts_count == 1 && m.harts[0].id == 0 && m.harts[0].usable);
    CHECK(m.plic_present && m.plic_base == 0xc000000ull && m.plic_size_bytes == 0x600000ull);
    CHECK(m.harts[0].plic_s_context == 2 * 0 + 1);
    CHECK(m.rtc_present && m.rtc_base == 0x101000ull);
    CHECK(!m.initrd_present && strcmp(m.bootargs, "") == 0);
    CHECK(m.entries_dropped == 0);
    return true;
}

static bool test_qemu_console(struct blob blob) {
    struct fdt f;
    CHECK_OK(fdt_init(&f, blob.bytes, blob.size_bytes));
    struct fdt_machine m;
    CHECK_OK(fdt_machine_read(&f, &m));
    const struct fdt_console *c = &m.console;
    CHECK(c->present);
    CHECK(strcmp(c->path, "/soc/serial@10000000") == 0);
    CHECK(strcmp(c->compatible, "ns16550a") == 0 && c->kind == FDT_UART_NS16550A);
    CHECK(c->base == 0x10000000ull && c->size_bytes == 0x100);
    CHECK(c->reg_shift == 0 && c->reg_io_width_bytes == 1);
    CHECK(c->clock_frequency_hz == 3686400);
    CHECK(strcmp(c->options, "") == 0);
    return true;
}

static bool test_qemu_virtio(struct blob blob) {
    struct fdt f;
    CHECK_OK(fdt_init(&f, blob.bytes, blob.size_bytes));
    struct fdt_machine m;
    CHECK_OK(fdt_machine_read(&f, &m));
    CHECK(m.virtio_count == 8);
    for (u32 i = 0; i < 8; i++) {
        CHECK(m.virtio[i].base == 0x10001000ull + 0x1000ull * i);
        CHECK(m.virtio[i].size_bytes == 0x1000);
        CHECK(m.virtio[i].irq == i + 1);
    }
    return true;
}

// ---- fixture tests: Framework 13 (JH7110) -------------------------------------------------

static bool test_jh7110_machine(struct blob blob) {
    CHECK(blob.bytes != NULL);
    struct fdt f;
    CHECK_OK(fdt_init(&f, blob.bytes, blob.size_bytes));
    struct fdt_machine m;
    CHECK_OK(fdt_machine_read(&f, &m));
    CHECK(strcmp(m.model, "DeepComputing FML13V01") == 0);
    CHECK(m.memory_count == 1 && m.memory[0].base == 0x40000000ull);
    CHECK(m.memory[0].size_bytes == 4ull << 30); // the placeholder U-Boot overwrites
    CHECK(m.timebase_hz == 4000000ull);
    CHECK(m.virtio_count == 0);
    CHECK(!m.rtc_present);
    CHECK(m.plic_present && m.plic_base == 0xc000000ull);
    CHECK(m.entries_dropped == 0);
    return true;
}

static bool test_jh7110_harts(struct blob blob) {
    struct fdt f;
    CHECK_OK(fdt_init(&f, blob.bytes, blob.size_bytes));
    struct fdt_machine m;
    CHECK_OK(fdt_machine_read(&f, &m));
    CHECK(m.harts_count == 5);
    // Hart 0 is the S7 monitor core: disabled and without an MMU.
    CHECK(m.harts[0].id == 0 && !m.harts[0].enabled && !m.harts[0].mmu && !m.harts[0].usable);
    CHECK(m.harts[0].plic_s_context == FDT_PLIC_CONTEXT_NONE);
    for (u32 h = 1; h <= 4; h++) {
        CHECK(m.harts[h].id == h && m.harts[h].enabled && m.harts[h].mmu && m.harts[h].usable);
        CHECK(m.harts[h].plic_s_context == 2 * h);
    }
    return true;
}

static bool test_jh7110_console(struct blob blob) {
    struct fdt f;
    CHECK_OK(fdt_init(&f, blob.bytes, blob.size_bytes));
    struct fdt_machine m;
    CHECK_OK(fdt_machine_read(&f, &m));
    const struct fdt_console *c = &m.console;
    CHECK(c->present);
    CHECK(strcmp(c->path, "/soc/serial@10000000") == 0);
    CHECK(strcmp(c->options, "115200n8") == 0);
    CHECK(c->kind == FDT_UART_DW_APB);
    CHECK(strcmp(c->compatible, "starfive,jh7110-uart") == 0);
    CHECK(c->base == 0x10000000ull && c->size_bytes == 0x10000);
    CHECK(c->reg_shift == 2 && c->reg_io_width_bytes == 4);
    CHECK(c->clock_frequency_hz == 0); // set by firmware (24 MHz); not in the tree
    u32 node = 0;
    CHECK_OK(fdt_find_path(&f, "serial0:115200n8", &node));
    CHECK(fdt_stringlist_contains(&f, node, "compatible", "snps,dw-apb-uart"));
    return true;
}

// ---- issue 4: what the boot code reads from each board's tree, in one table ----------------

struct board_facts {
    const char *name;
    u64 memory_base;
    const char *console_path;
    const char *console_driver; // the compatible hw/console_hw.c drives it as
    enum fdt_uart_kind console_kind;
    u32 register_stride_bytes;  // 1 << reg-shift
    u32 register_width_bytes;   // reg-io-width
    u64 timebase_hz;
    u32 usable_harts[FDT_HARTS_MAX];
    u32 usable_harts_count;
    u32 virtio_count;
};

static const struct board_facts qemu_facts = {
    "qemu-virt", 0x80000000ull, "/soc/serial@10000000", "ns16550a", FDT_UART_NS16550A,
    1, 1, 10000000ull, {0}, 1, 8,
};
static const struct board_facts jh7110_facts = {
    "jh7110", 0x40000000ull, "/soc/serial@10000000", "snps,dw-apb-uart", FDT_UART_DW_APB,
    4, 4, 4000000ull, {1, 2, 3, 4}, 4, 0,
};

static bool test_board_facts(struct blob blob, const struct board_facts *want) {
    struct fdt f;
    CHECK_OK(fdt_init(&f, blob.bytes, blob.size_bytes));
    struct fdt_machine m;
    CHECK_OK(fdt_machine_read(&f, &m));
    CHECK(m.memory_count >= 1 && m.memory[0].base == want->memory_base);
    const struct fdt_console *c = &m.console;
    CHECK(c->present && strcmp(c->path, want->console_path) == 0);
    u32 node = 0;
    CHECK_OK(fdt_find_path(&f, c->path, &node));
    CHECK(fdt_stringlist_contains(&f, node, "compatible", want->console_driver));
    CHECK(c->kind == want->console_kind);
    CHECK((1u << c->reg_shift) == want->register_stride_bytes);
    CHECK(c->reg_io_width_bytes == want->register_width_bytes);
    CHECK(m.timebase_hz == want->timebase_hz);
    u32 usable = 0;
    for (u32 i = 0; i < m.harts_count; i++) {
        if (!m.harts[i].usable) continue;
        CHECK(usable < want->usable_harts_count);
        CHECK(m.harts[i].id == want->usable_harts[usable]);
        usable++;
    }
    CHECK(usable == want->usable_harts_count);
    CHECK(m.virtio_count == want->virtio_count);
    CHECK(!m.initrd_present); // only a boot loader adds one
    return true;
}

// The two helpers fdt_machine.c reads with: cpu reg is a hart id, not an address.
static bool test_untranslated_and_cells(struct blob qemu, struct blob jh7110) {
    struct fdt f;
    CHECK_OK(fdt_init(&f, jh7110.bytes, jh7110.size_bytes));
    u32 node = 0;
    u64 base = 0, size_bytes = 0;
    CHECK_OK(fdt_find_path(&f, "/cpus/cpu@3", &node));
    CHECK_OK(fdt_reg_untranslated(&f, node, 0, &base, &size_bytes));
    CHECK(base == 3 && size_bytes == 0);
    CHECK(fdt_reg_untranslated(&f, node, 1, &base, &size_bytes) == FDT_ERR_NOT_FOUND);
    CHECK(fdt_reg_untranslated(&f, fdt_root(&f), 0, &base, &size_bytes) == FDT_ERR_UNSUPPORTED);
    CHECK_OK(fdt_init(&f, qemu.bytes, qemu.size_bytes));
    struct fdt_property interrupts;
    CHECK_OK(fdt_find_path(&f, "/soc/virtio_mmio@10008000", &node));
    CHECK_OK(fdt_property(&f, node, "interrupts", &interrupts));
    CHECK(interrupts.size_bytes == 4 && fdt_property_cell(&interrupts, 0) == 8);
    return true;
}

// ---- the generic API on the fixtures ---------------------------------------------------------

static bool test_paths(struct blob qemu, struct blob jh7110) {
    struct fdt f;
    CHECK_OK(fdt_init(&f, jh7110.bytes, jh7110.size_bytes));
    u32 by_alias = 0, by_path = 0, soc = 0, parent = 0, node = 0;
    CHECK_OK(fdt_find_path(&f, "serial0", &by_alias));
    CHECK_OK(fdt_find_path(&f, "/soc/serial@10000000", &by_path));
    CHECK(by_alias == by_path);
    CHECK_OK(fdt_find_path(&f, "/soc", &soc));
    CHECK_OK(fdt_parent(&f, by_path, &parent));
    CHECK(parent == soc);
    CHECK(fdt_find_path(&f, "/soc/serial@1", &node) == FDT_ERR_NOT_FOUND);
    CHECK(fdt_find_path(&f, "serial9", &node) == FDT_ERR_NOT_FOUND);
    CHECK(fdt_find_path(&f, "", &node) == FDT_ERR_NOT_FOUND);
    CHECK_OK(fdt_find_path(&f, "/cpus/cpu", &node)); // no unit address: first match
    char path[FDT_PATH_LEN_MAX];
    CHECK_OK(fdt_node_path(&f, node, path, sizeof(path)));
    CHECK(strcmp(path, "/cpus/cpu@0") == 0);
    CHECK(fdt_node_path(&f, node, path, 8) == FDT_ERR_NO_SPACE);
    CHECK_OK(fdt_node_path(&f, fdt_root(&f), path, sizeof(path)));
    CHECK(strcmp(path, "/") == 0);
    CHECK(fdt_parent(&f, fdt_root(&f), &parent) == FDT_ERR_NOT_FOUND);
    // Translation through a bus with a non-empty ranges property.
    u64 base = 0, size_bytes = 0;
    CHECK_OK(fdt_find_path(&f, "/soc/usb@10100000/usb@0", &node));
    CHECK(fdt_reg_count(&f, node) == 3);
    CHECK_OK(fdt_reg(&f, node, 1, &base, &size_bytes));
    CHECK(base == 0x10110000ull && size_bytes == 0x10000);
    CHECK(fdt_reg(&f, node, 3, &base, &size_bytes) == FDT_ERR_NOT_FOUND);
    CHECK_OK(fdt_init(&f, qemu.bytes, qemu.size_bytes));
    CHECK_OK(fdt_find_path(&f, "/chosen", &node));
    CHECK(fdt_find_path(&f, "serial0", &node) == FDT_ERR_NOT_FOUND); // no /aliases
    return true;
}

static bool test_properties(struct blob qemu) {
    struct fdt f;
    CHECK_OK(fdt_init(&f, qemu.bytes, qemu.size_bytes));
    u32 node = 0, value = 0;
    u64 wide = 0;
    const char *string = NULL;
    CHECK_OK(fdt_find_path(&f, "/soc/test@100000", &node));
    CHECK(fdt_stringlist_contains(&f, node, "compatible", "sifive,test0"));
    CHECK(fdt_stringlist_contains(&f, node, "compatible", "syscon"));
    CHECK(!fdt_stringlist_contains(&f, node, "compatible", "sifive,test"));
    CHECK_OK(fdt_property_string(&f, node, "compatible", &string));
    CHECK(strcmp(string, "sifive,test1") == 0);
    CHECK_OK(fdt_property_u32(&f, node, "phandle", &value));
    CHECK(value == 4);
    u32 by_phandle = 0;
    CHECK_OK(fdt_find_phandle(&f, 4, &by_phandle));
    CHECK(by_phandle == node);
    CHECK(fdt_property_u32(&f, node, "reg", &value) == FDT_ERR_BAD_VALUE); // 16 bytes
    CHECK(fdt_property_u32(&f, node, "absent", &value) == FDT_ERR_NOT_FOUND);
    CHECK(fdt_node_enabled(&f, node));
    CHECK_OK(fdt_find_path(&f, "/cpus", &node));
    CHECK_OK(fdt_property_u64(&f, node, "timebase-frequency", &wide));
    CHECK(wide == 10000000ull);
    CHECK_OK(fdt_address_cells(&f, node, &value));
    CHECK(value == 1);
    CHECK_OK(fdt_size_cells(&f, node, &value));
    CHECK(value == 0);
    CHECK(fdt_property_present(&f, fdt_root(&f), "compatible"));
    return true;
}

// Document order and child/sibling order agree and visit every node once.
static u32 count_subtree(const struct fdt *f, u32 node) {
    u32 count = 1, child = 0;
    enum fdt_error error = fdt_first_child(f, node, &child);
    while (error == FDT_OK) {
        count += count_subtree(f, child);
        error = fdt_next_sibling(f, child, &child);
    }
    return count;
}

static bool test_iteration(struct blob blob) {
    struct fdt f;
    CHECK_OK(fdt_init(&f, blob.bytes, blob.size_bytes));
    u32 linear = 1, node = fdt_root(&f);
    while (fdt_next_node(&f, node, &node) == FDT_OK) linear++;
    CHECK(linear == count_subtree(&f, fdt_root(&f)));
    CHECK(linear == 30); // as dtc -O dts shows them
    u32 found = 0, virtio = FDT_NODE_NONE;
    while (fdt_find_compatible(&f, virtio, "virtio,mmio", &virtio) == FDT_OK) found++;
    CHECK(found == 8);
    return true;
}

// ---- malformed blobs --------------------------------------------------------------------------

static bool test_builder_sample(void) {
    struct blob blob = builder_sample();
    struct fdt f;
    CHECK_OK(fdt_init(&f, blob.bytes, blob.size_bytes));
    u32 node = 0;
    u64 base = 0, size_bytes = 0;
    CHECK_OK(fdt_find_compatible(&f, FDT_NODE_NONE, "acme,two", &node));
    CHECK_OK(fdt_reg(&f, node, 0, &base, &size_bytes));
    CHECK(base == 0x40000100ull && size_bytes == 0x10);
    CHECK_OK(fdt_find_path(&f, "/memory", &node));
    CHECK_OK(fdt_reg(&f, node, 0, &base, &size_bytes));
    CHECK(base == 0x1000 && size_bytes == 0x2000);
    // No /cpus: a machine summary needs a timebase, so it must say so.
    struct fdt_machine m;
    CHECK(fdt_machine_read(&f, &m) == FDT_ERR_NOT_FOUND);
    free(blob.bytes);
    return true;
}

// A synthetic machine: the summary on a tree that is not one of the fixtures, with a
// stdout-path too long to resolve (the console is then absent, not a crash).
static bool test_builder_machine(void) {
    static struct builder b;
    static char long_path[5000];
    memset(&b, 0, sizeof(b));
    memset(long_path, 'a', sizeof(long_path) - 1);
    builder_begin(&b, "");
    builder_prop_u32(&b, "#address-cells", 1);
    builder_prop_u32(&b, "#size-cells", 1);
    builder_begin(&b, "chosen");
    builder_prop(&b, "stdout-path", long_path, sizeof(long_path));
    builder_prop(&b, "bootargs", "loglevel=debug", 15);
    builder_prop_u32(&b, "linux,initrd-start", 0x2000);
    builder_prop_u32(&b, "linux,initrd-end", 0x2800);
    builder_u32(&b, FDT_END_NODE);
    builder_begin(&b, "memory@0");
    builder_prop(&b, "device_type", "memory", 7);
    u8 reg[16];
    put_be32(reg, 0x0);
    put_be32(reg + 4, 0x1000);
    put_be32(reg + 8, 0x8000);
    put_be32(reg + 12, 0x4000);
    builder_prop(&b, "reg", reg, 16);
    builder_u32(&b, FDT_END_NODE);
    builder_begin(&b, "cpus");
    builder_prop_u32(&b, "#address-cells", 1);
    builder_prop_u32(&b, "#size-cells", 0);
    u8 timebase[8] = {0, 0, 0, 0, 0, 0x0f, 0x42, 0x40}; // two cells: 1 MHz
    builder_prop(&b, "timebase-frequency", timebase, 8);
    builder_begin(&b, "cpu@3");
    builder_prop(&b, "device_type", "cpu", 4);
    builder_prop_u32(&b, "reg", 3);
    builder_prop(&b, "mmu-type", "riscv,none", 11);
    builder_u32(&b, FDT_END_NODE);
    builder_u32(&b, FDT_END_NODE);
    builder_u32(&b, FDT_END_NODE);
    builder_u32(&b, FDT_END);
    struct blob blob = builder_finish(&b);
    struct fdt f;
    struct fdt_machine m;
    CHECK_OK(fdt_init(&f, blob.bytes, blob.size_bytes));
    CHECK_OK(fdt_machine_read(&f, &m));
    CHECK(!m.console.present && m.console.kind == FDT_UART_NONE);
    CHECK(strcmp(m.bootargs, "loglevel=debug") == 0);
    CHECK(m.initrd_present && m.initrd_start == 0x2000 && m.initrd_end == 0x2800);
    CHECK(m.memory_count == 2 && m.memory[1].base == 0x8000 && m.memory[1].size_bytes == 0x4000);
    CHECK(m.timebase_hz == 1000000);
    CHECK(m.harts_count == 1 && m.harts[0].id == 3 && m.harts[0].enabled && !m.harts[0].usable);
    CHECK(!m.plic_present && m.virtio_count == 0 && strcmp(m.model, "") == 0);
    u32 node = 0;
    CHECK(fdt_find_path(&f, long_path, &node) == FDT_ERR_UNSUPPORTED);
    free(blob.bytes);
    return true;
}

static enum fdt_error init_copy(struct blob blob) {
    struct fdt f;
    struct blob copy = blob_copy(blob, blob.size_bytes);
    enum fdt_error error = fdt_init(&f, copy.bytes, copy.size_bytes);
    free(copy.bytes);
    return error;
}

static bool test_malformed_header(struct blob qemu) {
    struct fdt f;
    u32 total = get_be32(qemu.bytes + 4);
    CHECK(total == qemu.size_bytes);
    struct blob shorter = blob_copy(qemu, qemu.size_bytes - 1);
    CHECK(fdt_init(&f, shorter.bytes, shorter.size_bytes) == FDT_ERR_TRUNCATED);
    CHECK(fdt_init(&f, shorter.bytes, 20) == FDT_ERR_TRUNCATED);
    free(shorter.bytes);
    struct blob bad = blob_copy(qemu, qemu.size_bytes);
    bad.bytes[0] ^= 0x01;
    CHECK(fdt_init(&f, bad.bytes, bad.size_bytes) == FDT_ERR_BAD_MAGIC);
    bad.bytes[0] ^= 0x01;
    put_be32(bad.bytes + 24, 18); // last_comp_version newer than we read
    CHECK(fdt_init(&f, bad.bytes, bad.size_bytes) == FDT_ERR_BAD_VERSION);
    put_be32(bad.bytes + 24, 16);
    put_be32(bad.bytes + 36, (total + 3u) & ~3u); // struct block runs past totalsize
    CHECK(fdt_init(&f, bad.bytes, bad.size_bytes) == FDT_ERR_TRUNCATED);
    put_be32(bad.bytes + 36, get_be32(qemu.bytes + 36));
    put_be32(bad.bytes + 16, 41); // reservation map misaligned
    CHECK(fdt_init(&f, bad.bytes, bad.size_bytes) == FDT_ERR_BAD_LAYOUT);
    free(bad.bytes);
    return true;
}

// Offset (in the blob) of the first FDT_PROP token of the root node.
static u32 first_prop(struct blob blob) {
    u32 structure = get_be32(blob.bytes + 8);
    u32 offset = structure + 4;                 // past the root's BEGIN_NODE
    while (blob.bytes[offset] != 0) offset++;   // root name
    offset = (offset + 1 + 3) & ~3u;
    return offset;
}

static bool test_malformed_strings(struct blob qemu) {
    struct blob bad = blob_copy(qemu, qemu.size_bytes);
    u32 prop = first_prop(bad);
    CHECK(get_be32(bad.bytes + prop) == FDT_PROP);
    u32 strings_size = get_be32(qemu.bytes + 32);
    put_be32(bad.bytes + prop + 8, strings_size); // name offset one past the block
    CHECK(init_copy(bad) == FDT_ERR_BAD_STRING);
    put_be32(bad.bytes + prop + 8, 0xfffffffcu);
    CHECK(init_copy(bad) == FDT_ERR_BAD_STRING);
    free(bad.bytes);
    // A strings block one byte short: its last name loses its terminator.
    bad = blob_copy(qemu, qemu.size_bytes);
    put_be32(bad.bytes + 32, strings_size - 1);
    CHECK(init_copy(bad) == FDT_ERR_BAD_STRING);
    free(bad.bytes);
    return true;
}

static bool test_malformed_property(struct blob qemu) {
    struct blob bad = blob_copy(qemu, qemu.size_bytes);
    u32 prop = first_prop(bad);
    u32 struct_size = get_be32(qemu.bytes + 36);
    put_be32(bad.bytes + prop + 4, struct_size); // value past the structure block
    CHECK(init_copy(bad) == FDT_ERR_BAD_PROPERTY);
    put_be32(bad.bytes + prop + 4, 0xfffffff0u); // and one that would wrap around
    CHECK(init_copy(bad) == FDT_ERR_BAD_PROPERTY);
    put_be32(bad.bytes + prop, 7); // not a token
    CHECK(init_copy(bad) == FDT_ERR_BAD_TOKEN);
    free(bad.bytes);
    return true;
}

static bool test_malformed_structure(void) {
    static struct builder b;
    // A node name that runs to the end of the structure block.
    memset(&b, 0, sizeof(b));
    builder_u32(&b, FDT_BEGIN_NODE);
    memcpy(b.structure + b.structure_size, "abcdefgh", 8);
    b.structure_size += 8;
    struct blob blob = builder_finish(&b);
    CHECK(init_copy(blob) == FDT_ERR_BAD_NAME);
    free(blob.bytes);
    // END while a node is open.
    memset(&b, 0, sizeof(b));
    builder_begin(&b, "");
    builder_u32(&b, FDT_END);
    blob = builder_finish(&b);
    CHECK(init_copy(blob) == FDT_ERR_BAD_TOKEN);
    free(blob.bytes);
    // No END at all: the walk runs out of structure block.
    memset(&b, 0, sizeof(b));
    builder_begin(&b, "");
    builder_u32(&b, FDT_END_NODE);
    blob = builder_finish(&b);
    CHECK(init_copy(blob) == FDT_ERR_TRUNCATED);
    free(blob.bytes);
    // A property after a child node, and nesting beyond FDT_DEPTH_MAX.
    memset(&b, 0, sizeof(b));
    builder_begin(&b, "");
    builder_begin(&b, "child");
    builder_u32(&b, FDT_END_NODE);
    builder_prop_u32(&b, "late", 1);
    builder_u32(&b, FDT_END_NODE);
    builder_u32(&b, FDT_END);
    blob = builder_finish(&b);
    CHECK(init_copy(blob) == FDT_ERR_BAD_TOKEN);
    free(blob.bytes);
    memset(&b, 0, sizeof(b));
    for (u32 i = 0; i <= FDT_DEPTH_MAX; i++) builder_begin(&b, "n");
    for (u32 i = 0; i <= FDT_DEPTH_MAX; i++) builder_u32(&b, FDT_END_NODE);
    builder_u32(&b, FDT_END);
    blob = builder_finish(&b);
    CHECK(init_copy(blob) == FDT_ERR_TOO_DEEP);
    free(blob.bytes);
    return true;
}

// Whatever a blob says, reading it must stay inside it. Under ASan any overrun of
// the exact-size copies below aborts the test.
static void exercise(const u8 *bytes, u64 size_bytes) {
    struct fdt f;
    if (fdt_init(&f, bytes, size_bytes) != FDT_OK) return;
    struct fdt_machine m;
    (void)fdt_machine_read(&f, &m);
    u32 node = fdt_root(&f);
    char path[FDT_PATH_LEN_MAX];
    while (fdt_next_node(&f, node, &node) == FDT_OK) {
        u64 base = 0, size = 0;
        (void)fdt_reg(&f, node, 0, &base, &size);
        (void)fdt_node_path(&f, node, path, sizeof(path));
    }
    (void)fdt_find_path(&f, "serial0:115200", &node);
}

static bool test_mutations(struct blob qemu) {
    struct blob sample = builder_sample();
    for (u64 size = 0; size < sample.size_bytes; size++) {
        // Cut short, and with totalsize claiming only what is left, so that the
        // walk gets past the header and meets the cut inside a block.
        struct blob cut = blob_copy(sample, size);
        if (size >= 8) put_be32(cut.bytes + 4, (u32)size);
        exercise(cut.bytes, size);
        free(cut.bytes);
    }
    u32 state = 12345u; // a fixed LCG: the same mutations every run
    struct blob sources[2] = {sample, qemu};
    for (u32 round = 0; round < 4000; round++) {
        struct blob source = sources[round % 2];
        struct blob mutant = blob_copy(source, source.size_bytes);
        for (u32 k = 0; k < 1 + round % 3; k++) {
            state = state * 1103515245u + 12345u;
            u32 at = (state >> 8) % (u32)(round % 4 == 0 ? 64 : source.size_bytes);
            state = state * 1103515245u + 12345u;
            mutant.bytes[at] = (u8)(state >> 16);
        }
        exercise(mutant.bytes, mutant.size_bytes);
        free(mutant.bytes);
    }
    free(sample.bytes);
    return true;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0); // lines survive a sanitizer's exit
    const char *folder = argc > 1 ? argv[1] : getenv("BASIN_FIXTURES");
    if (folder == NULL) folder = "tests/fixtures";
    struct blob qemu = blob_load(folder, "qemu-virt.dtb");
    struct blob jh7110 = blob_load(folder, "jh7110-deepcomputing-fml13v01.dtb");
    if (qemu.bytes == NULL || jh7110.bytes == NULL) {
        printf("not ok fdt_fixtures - cannot read the fixtures in %s\n", folder);
        return 1;
    }
    report("fdt_qemu_machine", test_qemu_machine(qemu));
    report("fdt_qemu_console", test_qemu_console(qemu));
    report("fdt_qemu_virtio", test_qemu_virtio(qemu));
    report("fdt_jh7110_machine", test_jh7110_machine(jh7110));
    report("fdt_jh7110_harts", test_jh7110_harts(jh7110));
    report("fdt_jh7110_console", test_jh7110_console(jh7110));
    report("fdt_board_facts_qemu_virt", test_board_facts(qemu, &qemu_facts));
    report("fdt_board_facts_jh7110", test_board_facts(jh7110, &jh7110_facts));
    report("fdt_reg_untranslated_and_cells", test_untranslated_and_cells(qemu, jh7110));
    report("fdt_paths", test_paths(qemu, jh7110));
    report("fdt_properties", test_properties(qemu));
    report("fdt_iteration", test_iteration(qemu));
    report("fdt_builder_sample", test_builder_sample());
    report("fdt_builder_machine", test_builder_machine());
    report("fdt_malformed_header", test_malformed_header(qemu));
    report("fdt_malformed_strings", test_malformed_strings(qemu));
    report("fdt_malformed_property", test_malformed_property(qemu));
    report("fdt_malformed_structure", test_malformed_structure());
    report("fdt_mutations", test_mutations(qemu));
    free(qemu.bytes);
    free(jh7110.bytes);
    return failures == 0 ? 0 : 1;
}
