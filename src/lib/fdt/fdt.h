// Flattened device tree (DTB) reader, written from the Devicetree Specification
// (v0.4, chapter 5: header, memory reservation block, structure block, strings
// block; format version 17). The firmware hands the kernel a blob it must not
// trust: every read is bounds-checked against the header's totalsize, and a
// malformed blob yields an fdt_error, never a crash. No allocation and no state
// beyond the caller's struct fdt, so it runs in the kernel on every target.
//
// Nodes are named by their offset in the structure block (the offset of their
// FDT_BEGIN_NODE token), as in the specification; the root is fdt_root().
#pragma once

#include "kernel/lib/types.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_VERSION 17u          // we need v17's size_dt_struct; later versions that
                                 // stay compatible with 17 are read too
#define FDT_HEADER_SIZE_BYTES 40u
#define FDT_SIZE_MAX (4u << 20)  // refuse blobs larger than 4 MiB
#define FDT_DEPTH_MAX 32u        // nesting deeper than this is refused
#define FDT_PATH_LEN_MAX 128u    // full node paths we build or resolve
#define FDT_STRING_LEN_MAX 4096u // caller-supplied names and paths
#define FDT_CELLS_MAX 2u         // #address-cells / #size-cells we can read into a u64
#define FDT_NODE_NONE 0xffffffffu

// Structure block tokens (big-endian u32 in the blob).
#define FDT_BEGIN_NODE 0x1u
#define FDT_END_NODE 0x2u
#define FDT_PROP 0x3u
#define FDT_NOP 0x4u
#define FDT_END 0x9u

enum fdt_error {
    FDT_OK = 0,
    FDT_ERR_TRUNCATED,     // a field or block runs past totalsize or the capacity
    FDT_ERR_BAD_MAGIC,
    FDT_ERR_BAD_VERSION,
    FDT_ERR_BAD_LAYOUT,    // misaligned or overlapping blocks, unterminated rsvmap
    FDT_ERR_BAD_TOKEN,     // unknown token, or tokens out of order
    FDT_ERR_BAD_NAME,      // node name unterminated inside the structure block
    FDT_ERR_BAD_STRING,    // property name offset outside, or unterminated in, strings
    FDT_ERR_BAD_PROPERTY,  // property value runs past the structure block
    FDT_ERR_TOO_DEEP,      // nesting beyond FDT_DEPTH_MAX
    FDT_ERR_NOT_FOUND,
    FDT_ERR_BAD_VALUE,     // a property has the wrong size or form for the read asked
    FDT_ERR_UNSUPPORTED,   // valid but beyond this reader (e.g. 3-cell addresses)
    FDT_ERR_NO_SPACE,      // the caller's buffer is too small
};

const char *fdt_error_name(enum fdt_error error);

// A validated blob. Only fdt_init writes it.
struct fdt {
    const u8 *blob;
    u32 size_bytes; // header totalsize
    u32 struct_offset;
    u32 struct_size_bytes;
    u32 strings_offset;
    u32 strings_size_bytes;
    u32 rsvmap_offset;
    u32 rsvmap_count; // entries before the terminating (0, 0) one
    u32 root;         // structure offset of the root node
    u32 boot_cpuid;
};

// Checks the header and walks the whole blob once, so that a blob that passes is
// well formed throughout. capacity_bytes is how much memory the caller knows is
// readable at blob (on hardware: FDT_SIZE_MAX, as the size is not known before).
enum fdt_error fdt_init(struct fdt *f, const void *blob, u64 capacity_bytes);

// ---- nodes -------------------------------------------------------------------
u32 fdt_root(const struct fdt *f);
// The node's name with its unit address ("serial@10000000"; "" for the root).
enum fdt_error fdt_node_name(const struct fdt *f, u32 node, const char **name);
// Every node in document order: the one after `node` (FDT_ERR_NOT_FOUND at the end).
enum fdt_error fdt_next_node(const struct fdt *f, u32 node, u32 *next);
enum fdt_error fdt_first_child(const struct fdt *f, u32 node, u32 *child);
enum fdt_error fdt_next_sibling(const struct fdt *f, u32 node, u32 *sibling);
enum fdt_error fdt_parent(const struct fdt *f, u32 node, u32 *parent);
// A child by name; a name without '@' also matches "name@unit" (first such child).
enum fdt_error fdt_subnode(const struct fdt *f, u32 parent, const char *name, u32 *child);
// Resolves "/a/b@1", an alias from /aliases ("serial0", "serial0/child"), and
// ignores a ":options" suffix as /chosen/stdout-path allows ("serial0:115200n8").
enum fdt_error fdt_find_path(const struct fdt *f, const char *path, u32 *node);
// Writes the node's absolute path ("/soc/serial@10000000") with its terminator.
enum fdt_error fdt_node_path(const struct fdt *f, u32 node, char *path, u32 capacity);
// The next node after `after` (FDT_NODE_NONE: from the start) whose compatible
// list contains `compatible`.
enum fdt_error fdt_find_compatible(const struct fdt *f, u32 after, const char *compatible,
                                   u32 *node);
enum fdt_error fdt_find_phandle(const struct fdt *f, u32 phandle, u32 *node);
// status absent, "okay" or "ok" (the specification's "okay"; "ok" is older usage).
bool fdt_node_enabled(const struct fdt *f, u32 node);

// ---- properties --------------------------------------------------------------
struct fdt_property {
    const u8 *value; // points into the blob; not aligned
    u32 size_bytes;
};
enum fdt_error fdt_property(const struct fdt *f, u32 node, const char *name,
                            struct fdt_property *property);
bool fdt_property_present(const struct fdt *f, u32 node, const char *name);
enum fdt_error fdt_property_u32(const struct fdt *f, u32 node, const char *name, u32 *value);
// One or two cells (timebase-frequency and linux,initrd-start come in either size).
enum fdt_error fdt_property_u64(const struct fdt *f, u32 node, const char *name, u64 *value);
// A non-empty string terminated inside the property.
enum fdt_error fdt_property_string(const struct fdt *f, u32 node, const char *name,
                                   const char **value);
bool fdt_stringlist_contains(const struct fdt *f, u32 node, const char *name,
                             const char *string);
// #address-cells / #size-cells a node gives its children (2 and 1 when absent).
enum fdt_error fdt_address_cells(const struct fdt *f, u32 node, u32 *cells);
enum fdt_error fdt_size_cells(const struct fdt *f, u32 node, u32 *cells);
// Entry `index` of the node's reg, read with its parent's cell counts and
// translated through every ancestor bus's `ranges` to a CPU physical address.
enum fdt_error fdt_reg(const struct fdt *f, u32 node, u32 index, u64 *base, u64 *size_bytes);
u32 fdt_reg_count(const struct fdt *f, u32 node);
// Entry `index` of reg as the parent sees it, not translated: for nodes whose reg
// is not a memory address (a cpu node's reg is its hart id).
enum fdt_error fdt_reg_untranslated(const struct fdt *f, u32 node, u32 index, u64 *base,
                                    u64 *size_bytes);
// Cell `index` (big-endian u32) of a property the caller has checked is that long.
u32 fdt_property_cell(const struct fdt_property *property, u32 index);

// ---- memory reservation block --------------------------------------------------
enum fdt_error fdt_reserved_entry(const struct fdt *f, u32 index, u64 *base, u64 *size_bytes);

// ---- the machine in one summary (fdt_machine.c) ---------------------------------
#define FDT_MEMORY_RANGES_MAX 8
#define FDT_RESERVED_RANGES_MAX 16
#define FDT_HARTS_MAX 16
#define FDT_VIRTIO_SLOTS_MAX 16
#define FDT_PLIC_CONTEXT_NONE 0xffffffffu
#define FDT_IRQ_S_EXTERNAL 9u // hart-local interrupt number of the S-mode external irq

struct fdt_range {
    u64 base;
    u64 size_bytes;
};

enum fdt_uart_kind {
    FDT_UART_NONE = 0,    // no console node, or one we have no driver for
    FDT_UART_NS16550A,    // "ns16550a" and kin: byte registers
    FDT_UART_DW_APB,      // "snps,dw-apb-uart": a 16550 with reg-shift/reg-io-width
};

struct fdt_console {
    bool present; // /chosen/stdout-path resolved to a node
    enum fdt_uart_kind kind;
    char path[FDT_PATH_LEN_MAX];
    const char *compatible; // first entry of its compatible list ("" when absent)
    const char *options;    // what followed ':' in stdout-path ("" when none)
    u64 base;
    u64 size_bytes;
    u32 reg_shift;          // register i is at base + (i << reg_shift); 0 when absent
    u32 reg_io_width_bytes; // 1 when absent
    u32 clock_frequency_hz; // 0 when absent (firmware set the divisor)
};

struct fdt_hart {
    u32 id;       // reg of the cpu node: the hart id SBI uses
    bool enabled; // status is not "disabled" or "fail"
    bool mmu;     // mmu-type present and not "riscv,none"
    bool usable;  // enabled and mmu: may run this kernel
    u32 plic_s_context; // PLIC context of its S-mode external irq, or NONE
    u32 node;     // its cpu node, for properties read elsewhere (riscv,isa)
};

struct fdt_virtio_slot {
    u64 base;
    u64 size_bytes;
    u32 irq;
};

// Its strings point into the blob, which must outlive the summary (on hardware the
// device tree stays where the firmware put it, outside the usable RAM).
struct fdt_machine {
    const char *model; // "" when absent
    struct fdt_range memory[FDT_MEMORY_RANGES_MAX];
    u32 memory_count;
    struct fdt_range reserved[FDT_RESERVED_RANGES_MAX]; // rsvmap and /reserved-memory
    u32 reserved_count;
    struct fdt_console console;
    u64 timebase_hz;
    struct fdt_hart harts[FDT_HARTS_MAX];
    u32 harts_count;
    struct fdt_virtio_slot virtio[FDT_VIRTIO_SLOTS_MAX]; // sorted by base
    u32 virtio_count;
    bool plic_present;
    u64 plic_base;
    u64 plic_size_bytes;
    const char *bootargs; // "" when absent
    bool initrd_present;
    u64 initrd_start;
    u64 initrd_end;
    bool rtc_present; // google,goldfish-rtc
    u64 rtc_base;
    // Entries beyond a table's _MAX are not silently lost: they are counted here.
    u32 entries_dropped;
};

// Fills the summary. Fails only for what a kernel cannot boot without being told:
// no /cpus timebase or no memory; a missing console or PLIC is reported as absent.
enum fdt_error fdt_machine_read(const struct fdt *f, struct fdt_machine *machine);
