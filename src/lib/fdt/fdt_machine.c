// The machine summary (fdt_machine_read): what a kernel needs to know about the
// board, read from a validated blob with the generic reader in fdt.c. Memory,
// reserved ranges, harts (and which may run us), the PLIC and its contexts, the
// console /chosen/stdout-path names, virtio-mmio slots, the initrd and bootargs.
#include "lib/fdt/fdt.h"

static const char *fdt_string_or_empty(const struct fdt *f, u32 node, const char *name) {
    const char *value = "";
    if (fdt_property_string(f, node, name, &value) != FDT_OK) value = "";
    return value;
}

static void fdt_range_add(struct fdt_machine *m, struct fdt_range *table, u32 *count,
                          u32 capacity, u64 base, u64 size_bytes) {
    assert(*count <= capacity);
    if (*count == capacity) {
        m->entries_dropped++;
        return;
    }
    table[*count] = (struct fdt_range){.base = base, .size_bytes = size_bytes};
    *count += 1;
}

// Every reg range of a node, translated, into one of the machine's range tables.
static enum fdt_error fdt_ranges_add(const struct fdt *f, struct fdt_machine *m, u32 node,
                                     struct fdt_range *table, u32 *count, u32 capacity) {
    u32 entries = fdt_reg_count(f, node);
    for (u32 index = 0; index < entries; index++) {
        u64 base = 0, size_bytes = 0;
        enum fdt_error error = fdt_reg(f, node, index, &base, &size_bytes);
        if (error != FDT_OK) return error;
        if (size_bytes > 0) fdt_range_add(m, table, count, capacity, base, size_bytes);
    }
    return FDT_OK;
}

// Memory nodes are children of the root with device_type "memory" (spec 3.4).
static enum fdt_error fdt_machine_memory(const struct fdt *f, struct fdt_machine *m) {
    u32 node = 0;
    enum fdt_error error = fdt_first_child(f, f->root, &node);
    while (error == FDT_OK) {
        if (fdt_stringlist_contains(f, node, "device_type", "memory") &&
            fdt_node_enabled(f, node)) {
            error = fdt_ranges_add(f, m, node, m->memory, &m->memory_count,
                                   FDT_MEMORY_RANGES_MAX);
            if (error != FDT_OK) return error;
        }
        error = fdt_next_sibling(f, node, &node);
    }
    if (error != FDT_ERR_NOT_FOUND) return error;
    return m->memory_count > 0 ? FDT_OK : FDT_ERR_NOT_FOUND;
}

// The reservation block and /reserved-memory's statically placed children. Children
// with only a size (placed by the OS) are not ours to avoid: nothing placed them yet.
static enum fdt_error fdt_machine_reserved(const struct fdt *f, struct fdt_machine *m) {
    for (u32 index = 0; index < f->rsvmap_count; index++) {
        u64 base = 0, size_bytes = 0;
        enum fdt_error error = fdt_reserved_entry(f, index, &base, &size_bytes);
        if (error != FDT_OK) return error;
        fdt_range_add(m, m->reserved, &m->reserved_count, FDT_RESERVED_RANGES_MAX, base,
                      size_bytes);
    }
    u32 parent = 0, node = 0;
    enum fdt_error error = fdt_subnode(f, f->root, "reserved-memory", &parent);
    if (error == FDT_ERR_NOT_FOUND) return FDT_OK;
    if (error == FDT_OK) error = fdt_first_child(f, parent, &node);
    while (error == FDT_OK) {
        error = fdt_ranges_add(f, m, node, m->reserved, &m->reserved_count,
                               FDT_RESERVED_RANGES_MAX);
        if (error != FDT_OK) return error;
        error = fdt_next_sibling(f, node, &node);
    }
    return error == FDT_ERR_NOT_FOUND ? FDT_OK : error;
}

// A cpu node's hart id: its reg, read with /cpus's cells (not a memory address).
static enum fdt_error fdt_hart_id(const struct fdt *f, u32 cpu, u32 *id) {
    assert(id != NULL);
    u64 reg = 0, size_bytes = 0;
    enum fdt_error error = fdt_reg_untranslated(f, cpu, 0, &reg, &size_bytes);
    if (error != FDT_OK) return error;
    if (reg > 0xffffffffu) return FDT_ERR_UNSUPPORTED;
    *id = (u32)reg;
    return FDT_OK;
}

static enum fdt_error fdt_machine_hart(const struct fdt *f, struct fdt_machine *m, u32 cpu) {
    u32 id = 0;
    enum fdt_error error = fdt_hart_id(f, cpu, &id);
    if (error != FDT_OK) return error;
    if (m->harts_count == FDT_HARTS_MAX) {
        m->entries_dropped++;
        return FDT_OK;
    }
    const char *mmu_type = fdt_string_or_empty(f, cpu, "mmu-type");
    struct fdt_hart *hart = &m->harts[m->harts_count];
    hart->id = id;
    hart->enabled = fdt_node_enabled(f, cpu);
    hart->mmu = mmu_type[0] != '\0' && !fdt_stringlist_contains(f, cpu, "mmu-type", "riscv,none");
    hart->usable = hart->enabled && hart->mmu;
    hart->plic_s_context = FDT_PLIC_CONTEXT_NONE;
    hart->node = cpu;
    m->harts_count++;
    return FDT_OK;
}

static enum fdt_error fdt_machine_cpus(const struct fdt *f, struct fdt_machine *m) {
    u32 cpus = 0, cpu = 0;
    enum fdt_error error = fdt_subnode(f, f->root, "cpus", &cpus);
    if (error != FDT_OK) return error;
    enum fdt_error timebase = fdt_property_u64(f, cpus, "timebase-frequency", &m->timebase_hz);
    error = fdt_first_child(f, cpus, &cpu);
    while (error == FDT_OK) {
        if (fdt_stringlist_contains(f, cpu, "device_type", "cpu")) {
            error = fdt_machine_hart(f, m, cpu);
            if (error != FDT_OK) return error;
            // The specification also allows the timebase on each cpu node.
            if (timebase == FDT_ERR_NOT_FOUND) {
                timebase = fdt_property_u64(f, cpu, "timebase-frequency", &m->timebase_hz);
            }
        }
        error = fdt_next_sibling(f, cpu, &cpu);
    }
    if (error != FDT_ERR_NOT_FOUND) return error;
    if (timebase != FDT_OK) return timebase;
    return m->timebase_hz > 0 ? FDT_OK : FDT_ERR_BAD_VALUE;
}

// Context `context` of the PLIC delivers hart-local interrupt `irq` to the hart
// whose cpu node holds the interrupt controller `intc`.
static enum fdt_error fdt_plic_context(const struct fdt *f, struct fdt_machine *m, u32 intc,
                                       u32 irq, u32 context) {
    if (irq != FDT_IRQ_S_EXTERNAL) return FDT_OK; // M-mode contexts, or -1 from OpenSBI
    u32 cpu = 0, id = 0;
    enum fdt_error error = fdt_parent(f, intc, &cpu);
    if (error == FDT_OK) error = fdt_hart_id(f, cpu, &id);
    if (error != FDT_OK) return error;
    for (u32 i = 0; i < m->harts_count; i++) {
        if (m->harts[i].id == id) m->harts[i].plic_s_context = context;
    }
    return FDT_OK;
}

// interrupts-extended: one (phandle, specifier...) group per PLIC context, in order.
static enum fdt_error fdt_plic_contexts(const struct fdt *f, struct fdt_machine *m, u32 plic) {
    struct fdt_property list;
    enum fdt_error error = fdt_property(f, plic, "interrupts-extended", &list);
    if (error == FDT_ERR_NOT_FOUND) return FDT_OK;
    if (error != FDT_OK) return error;
    if (list.size_bytes % 4u != 0) return FDT_ERR_BAD_VALUE;
    u32 cells = list.size_bytes / 4u;
    u32 context = 0;
    for (u32 i = 0; i < cells; context++) {
        u32 intc = 0, specifier_cells = 0;
        error = fdt_find_phandle(f, fdt_property_cell(&list, i), &intc);
        if (error == FDT_OK) error = fdt_property_u32(f, intc, "#interrupt-cells", &specifier_cells);
        if (error != FDT_OK) return error;
        if (specifier_cells == 0 || specifier_cells >= cells - i) return FDT_ERR_BAD_VALUE;
        error = fdt_plic_context(f, m, intc, fdt_property_cell(&list, i + 1u), context);
        if (error != FDT_OK) return error;
        i += 1u + specifier_cells;
    }
    return FDT_OK;
}

static enum fdt_error fdt_machine_plic(const struct fdt *f, struct fdt_machine *m) {
    u32 plic = 0;
    enum fdt_error error = fdt_find_compatible(f, FDT_NODE_NONE, "riscv,plic0", &plic);
    if (error == FDT_ERR_NOT_FOUND) {
        error = fdt_find_compatible(f, FDT_NODE_NONE, "sifive,plic-1.0.0", &plic);
    }
    if (error == FDT_ERR_NOT_FOUND) return FDT_OK;
    if (error == FDT_OK) error = fdt_reg(f, plic, 0, &m->plic_base, &m->plic_size_bytes);
    if (error != FDT_OK) return error;
    m->plic_present = true;
    return fdt_plic_contexts(f, m, plic);
}

static enum fdt_error fdt_u32_or(const struct fdt *f, u32 node, const char *name, u32 absent,
                                 u32 *value) {
    enum fdt_error error = fdt_property_u32(f, node, name, value);
    if (error != FDT_ERR_NOT_FOUND) return error;
    *value = absent;
    return FDT_OK;
}

static void fdt_console_kind(const struct fdt *f, u32 node, struct fdt_console *console) {
    console->compatible = fdt_string_or_empty(f, node, "compatible");
    console->kind = FDT_UART_NONE;
    // A DesignWare UART also lists itself as a 16550 on some boards: check it first.
    if (fdt_stringlist_contains(f, node, "compatible", "snps,dw-apb-uart")) {
        console->kind = FDT_UART_DW_APB;
    } else if (fdt_stringlist_contains(f, node, "compatible", "ns16550a") ||
               fdt_stringlist_contains(f, node, "compatible", "ns16550")) {
        console->kind = FDT_UART_NS16550A;
    }
}

// /chosen/stdout-path names the console; a path that names nothing leaves the
// console absent (the platform then falls back to the SBI console).
static enum fdt_error fdt_machine_console(const struct fdt *f, struct fdt_machine *m, u32 chosen) {
    struct fdt_console *console = &m->console;
    const char *stdout_path = fdt_string_or_empty(f, chosen, "stdout-path");
    if (stdout_path[0] == '\0') stdout_path = fdt_string_or_empty(f, chosen, "linux,stdout-path");
    console->options = "";
    for (const char *c = stdout_path; *c != '\0'; c++) {
        if (*c == ':') {
            console->options = c + 1;
            break;
        }
    }
    u32 node = 0;
    if (stdout_path[0] == '\0' || fdt_find_path(f, stdout_path, &node) != FDT_OK) return FDT_OK;
    enum fdt_error error = fdt_node_path(f, node, console->path, FDT_PATH_LEN_MAX);
    if (error == FDT_OK) error = fdt_reg(f, node, 0, &console->base, &console->size_bytes);
    if (error == FDT_OK) error = fdt_u32_or(f, node, "reg-shift", 0, &console->reg_shift);
    if (error == FDT_OK) {
        error = fdt_u32_or(f, node, "reg-io-width", 1, &console->reg_io_width_bytes);
    }
    if (error == FDT_OK) {
        error = fdt_u32_or(f, node, "clock-frequency", 0, &console->clock_frequency_hz);
    }
    if (error != FDT_OK) return error;
    fdt_console_kind(f, node, console);
    console->present = true;
    return FDT_OK;
}

static enum fdt_error fdt_machine_chosen(const struct fdt *f, struct fdt_machine *m) {
    m->bootargs = "";
    m->console.options = "";
    m->console.compatible = "";
    u32 chosen = 0;
    enum fdt_error error = fdt_subnode(f, f->root, "chosen", &chosen);
    if (error == FDT_ERR_NOT_FOUND) return FDT_OK;
    if (error != FDT_OK) return error;
    m->bootargs = fdt_string_or_empty(f, chosen, "bootargs");
    enum fdt_error start = fdt_property_u64(f, chosen, "linux,initrd-start", &m->initrd_start);
    enum fdt_error end = fdt_property_u64(f, chosen, "linux,initrd-end", &m->initrd_end);
    if (start == FDT_OK && end == FDT_OK) {
        if (m->initrd_end < m->initrd_start) return FDT_ERR_BAD_VALUE;
        m->initrd_present = true;
    } else if (start != FDT_ERR_NOT_FOUND || end != FDT_ERR_NOT_FOUND) {
        return start != FDT_OK ? start : end; // one without the other, or malformed
    }
    return fdt_machine_console(f, m, chosen);
}

static void fdt_virtio_insert(struct fdt_machine *m, struct fdt_virtio_slot slot) {
    if (m->virtio_count == FDT_VIRTIO_SLOTS_MAX) {
        m->entries_dropped++;
        return;
    }
    // Sorted by address, so slot numbers do not depend on the order nodes appear in.
    u32 index = m->virtio_count;
    while (index > 0 && m->virtio[index - 1].base > slot.base) {
        m->virtio[index] = m->virtio[index - 1];
        index--;
    }
    m->virtio[index] = slot;
    m->virtio_count++;
}

static enum fdt_error fdt_machine_virtio(const struct fdt *f, struct fdt_machine *m) {
    u32 node = FDT_NODE_NONE;
    for (;;) {
        enum fdt_error error = fdt_find_compatible(f, node, "virtio,mmio", &node);
        if (error == FDT_ERR_NOT_FOUND) return FDT_OK;
        if (error != FDT_OK) return error;
        if (!fdt_node_enabled(f, node)) continue;
        struct fdt_virtio_slot slot = {0};
        struct fdt_property interrupts;
        error = fdt_reg(f, node, 0, &slot.base, &slot.size_bytes);
        if (error == FDT_OK) error = fdt_property(f, node, "interrupts", &interrupts);
        if (error != FDT_OK) return error;
        if (interrupts.size_bytes < 4u) return FDT_ERR_BAD_VALUE;
        slot.irq = fdt_property_cell(&interrupts, 0); // the PLIC's one-cell specifier
        fdt_virtio_insert(m, slot);
    }
}

static enum fdt_error fdt_machine_rtc(const struct fdt *f, struct fdt_machine *m) {
    u32 node = 0;
    u64 size_bytes = 0;
    enum fdt_error error = fdt_find_compatible(f, FDT_NODE_NONE, "google,goldfish-rtc", &node);
    if (error == FDT_ERR_NOT_FOUND || (error == FDT_OK && !fdt_node_enabled(f, node))) {
        return FDT_OK;
    }
    if (error == FDT_OK) error = fdt_reg(f, node, 0, &m->rtc_base, &size_bytes);
    if (error != FDT_OK) return error;
    m->rtc_present = true;
    return FDT_OK;
}

enum fdt_error fdt_machine_read(const struct fdt *f, struct fdt_machine *machine) {
    assert(f != NULL);
    assert(f->blob != NULL);
    assert(machine != NULL);
    *machine = (struct fdt_machine){0};
    machine->model = fdt_string_or_empty(f, f->root, "model");
    enum fdt_error error = fdt_machine_chosen(f, machine);
    if (error == FDT_OK) error = fdt_machine_memory(f, machine);
    if (error == FDT_OK) error = fdt_machine_reserved(f, machine);
    if (error == FDT_OK) error = fdt_machine_cpus(f, machine);
    if (error == FDT_OK) error = fdt_machine_plic(f, machine);
    if (error == FDT_OK) error = fdt_machine_virtio(f, machine);
    if (error == FDT_OK) error = fdt_machine_rtc(f, machine);
    return error;
}
