// The hardware platform: boot from OpenSBI, the machine read from the device
// tree, memory, power and boot inputs. The one struct kernel and struct platform
// of this machine live here (src/kernel keeps no globals; hw/ may).
#include "csr.h"
#include "hw.h"
#include "kernel/format.h"
#include "sbi.h"

#define FDT_ALIGN_BYTES 8u // the specification's alignment for the blob

struct platform hw_platform;
struct kernel hw_kernel;
static bool hw_panicking;

// Linker symbols (hw/kernel.ld, hw/initrd_blob.S).
extern const u8 __kernel_start[];
extern const u8 __kernel_end[];
extern const u8 hw_initrd_start[];
extern const u8 hw_initrd_end[];

void hw_main(u64 hart_id, u64 dtb_pa);

_Noreturn void hw_stop(void) {
    CSR_CLEAR(sstatus, SSTATUS_SIE);
    CSR_WRITE(sie, 0);
    for (;;) hw_wfi();
}

_Noreturn void platform_panic(const char *file, u32 line, const char *what) {
    if (hw_panicking) hw_stop(); // a panic while panicking: stop quietly
    hw_panicking = true;
    char message[HW_LOG_LINE_LEN_MAX];
    u64 length = format(message, sizeof message, "panic: %s:%u: %s\n", file, line, what);
    hw_console_write_raw(&hw_platform, message, length);
    hw_stop();
}

static void hw_traps_init(void) {
    // sscratch is 0 whenever the kernel runs: the vector tells kernel traps by it.
    CSR_WRITE(sscratch, 0);
    CSR_WRITE(stvec, (u64)(uintptr_t)hw_trap_vector);
    CSR_WRITE(sie, 0);
    CSR_CLEAR(sstatus, SSTATUS_SIE | SSTATUS_SUM | SSTATUS_FS);
    // No counters for U-mode: rdtime/rdcycle are illegal there, as in the interpreter.
    CSR_WRITE(scounteren, 0);
}

static void hw_sbi_probe(struct hw_sbi *sbi) {
    sbi->spec_version = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0).value;
    sbi->impl_id = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID, 0, 0, 0).value;
    sbi->impl_version = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_VERSION, 0, 0, 0).value;
    sbi->time = sbi_probe(SBI_EXT_TIME);
    sbi->srst = sbi_probe(SBI_EXT_SRST);
    sbi->hsm = sbi_probe(SBI_EXT_HSM);
    sbi->dbcn = sbi_probe(SBI_EXT_DBCN);
}

// The device tree is the only description of the machine: without it we can only
// say so on the SBI console and stop.
static void hw_machine_read(struct platform *p) {
    enum fdt_error error = FDT_ERR_BAD_LAYOUT;
    if (p->dtb_pa != 0 && p->dtb_pa % FDT_ALIGN_BYTES == 0) {
        error = fdt_init(&p->fdt, (const void *)(uintptr_t)p->dtb_pa, FDT_SIZE_MAX);
    }
    if (error == FDT_OK) error = fdt_machine_read(&p->fdt, &p->machine);
    if (error != FDT_OK) {
        hw_log(p, "device tree at 0x%llx unusable: %s", (unsigned long long)p->dtb_pa,
               fdt_error_name(error));
        platform_halt(p);
    }
}

static void hw_log_sbi(struct platform *p) {
    const struct hw_sbi *sbi = &p->sbi;
    hw_log(p, "SBI v%llu.%llu, implementation %llu (%s) version 0x%llx; extensions:%s%s%s%s",
           (unsigned long long)(sbi->spec_version >> 24 & 0x7f),
           (unsigned long long)(sbi->spec_version & 0xffffff),
           (unsigned long long)sbi->impl_id,
           sbi->impl_id == SBI_IMPL_OPENSBI ? "OpenSBI" : "other",
           (unsigned long long)sbi->impl_version, sbi->time ? " TIME" : "",
           sbi->srst ? " SRST" : "", sbi->hsm ? " HSM" : "", sbi->dbcn ? " DBCN" : "");
}

static void hw_log_machine(struct platform *p) {
    const struct fdt_machine *m = &p->machine;
    const struct fdt_console *c = &m->console;
    hw_log(p, "hart %llu, device tree at 0x%llx (%u bytes): %s",
           (unsigned long long)p->boot_hart_id, (unsigned long long)p->dtb_pa,
           p->fdt.size_bytes, m->model);
    hw_log_sbi(p);
    if (p->uart_present) {
        hw_log(p, "console %s at 0x%llx (%s, reg-shift %u, io-width %u)",
               c->kind == FDT_UART_DW_APB ? "snps,dw-apb-uart" : "ns16550a",
               (unsigned long long)c->base, c->path, c->reg_shift, c->reg_io_width_bytes);
    } else {
        hw_log(p, "console: legacy SBI (no supported UART in /chosen/stdout-path)");
    }
    u64 base_pa = 0, size_bytes = 0;
    platform_ram_usable(p, &base_pa, &size_bytes);
    hw_log(p, "timebase %llu Hz; RAM 0x%llx + %llu MiB; usable 0x%llx + %llu KiB",
           (unsigned long long)p->timebase_hz, (unsigned long long)m->memory[0].base,
           (unsigned long long)(m->memory[0].size_bytes >> 20), (unsigned long long)base_pa,
           (unsigned long long)(size_bytes >> 10));
}

// No RNG device here (QEMU virt has none unless asked; the JH7110's TRNG has no
// driver yet), so entropy is the firmware's /chosen/rng-seed when present, then
// rdtime jitter, mixed through splitmix64. Not cryptographic: good enough for
// what Phase 1 asks of it (user-visible random bytes that differ per boot).
static u64 hw_mix(u64 *state, u64 value) {
    *state += value + 0x9e3779b97f4a7c15ull;
    u64 z = *state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void hw_entropy_init(struct platform *p) {
    p->entropy_state = p->boot_hart_id;
    u32 chosen = 0;
    struct fdt_property seed;
    if (fdt_find_path(&p->fdt, "/chosen", &chosen) == FDT_OK &&
        fdt_property(&p->fdt, chosen, "rng-seed", &seed) == FDT_OK) {
        for (u32 i = 0; i < seed.size_bytes; i++) (void)hw_mix(&p->entropy_state, seed.value[i]);
    }
    (void)hw_mix(&p->entropy_state, hw_rdtime());
}

void platform_entropy(struct platform *p, u8 *bytes, u64 count) {
    assert(p != NULL);
    assert(bytes != NULL || count == 0);
    u64 word = 0;
    for (u64 i = 0; i < count; i++) {
        if (i % 8 == 0) word = hw_mix(&p->entropy_state, hw_rdtime());
        bytes[i] = (u8)(word >> (8 * (i % 8)));
    }
}

void hw_main(u64 hart_id, u64 dtb_pa) {
    struct platform *p = &hw_platform;
    p->boot_ticks = hw_rdtime();
    p->boot_hart_id = hart_id;
    p->dtb_pa = dtb_pa;
    p->kernel_start_pa = (u64)(uintptr_t)__kernel_start;
    p->kernel_end_pa = (u64)(uintptr_t)__kernel_end;
    hw_traps_init();
    hw_sbi_probe(&p->sbi);
    hw_machine_read(p);
    hw_console_init(p);
    hw_clock_init(p);
    hw_entropy_init(p);
    hw_log_machine(p);
    kernel_boot(&hw_kernel, p);
    while (kernel_step(&hw_kernel) != KERNEL_STEP_STOPPED) {
    }
    // Halt, reboot and power-off do not return on hardware: only a bug gets here.
    hw_log(p, "kernel stopped in state %u", (u32)hw_kernel.run_state);
    hw_stop();
}

// ---- memory ----------------------------------------------------------------------

static u64 hw_align_up(u64 value, u64 alignment) {
    return (value + alignment - 1) & ~(alignment - 1);
}

// [*base, end) loses whatever overlaps [start, stop): the part below an obstacle
// that begins inside is kept, an obstacle covering the start pushes it up.
static void hw_ram_avoid(u64 *base, u64 *end, u64 start, u64 stop) {
    if (stop <= *base || start >= *end) return;
    if (start > *base) {
        *end = start;
    } else {
        *base = hw_align_up(stop, HW_PAGE_BYTES);
        if (*base > *end) *base = *end;
    }
}

// The RAM after the kernel image in the memory range holding it, minus the device
// tree, an initrd the boot loader placed, and every reserved range.
void platform_ram_usable(struct platform *p, u64 *base_pa, u64 *size_bytes) {
    assert(p != NULL && base_pa != NULL && size_bytes != NULL);
    const struct fdt_machine *m = &p->machine;
    u64 base = hw_align_up(p->kernel_end_pa, HW_PAGE_BYTES), end = base;
    for (u32 i = 0; i < m->memory_count; i++) {
        u64 range_end = m->memory[i].base + m->memory[i].size_bytes;
        if (m->memory[i].base <= p->kernel_start_pa && p->kernel_start_pa < range_end) {
            end = range_end;
        }
    }
    // Each cut can only shrink the range, so a second pass catches obstacles
    // that became relevant after the first moved the base.
    for (u32 pass = 0; pass < 2; pass++) {
        hw_ram_avoid(&base, &end, p->dtb_pa, p->dtb_pa + p->fdt.size_bytes);
        if (m->initrd_present) hw_ram_avoid(&base, &end, m->initrd_start, m->initrd_end);
        for (u32 i = 0; i < m->reserved_count; i++) {
            hw_ram_avoid(&base, &end, m->reserved[i].base,
                         m->reserved[i].base + m->reserved[i].size_bytes);
        }
    }
    assert(end > base);
    *base_pa = base;
    *size_bytes = (end - base) & ~(HW_PAGE_BYTES - 1);
}

void *platform_pa_to_ptr(struct platform *p, u64 pa) {
    assert(p != NULL);
    assert(pa != 0);
    return (void *)(uintptr_t)pa; // the kernel runs identity-mapped
}

static u32 hw_region_add(struct platform_region *regions, u32 count, u32 capacity, u64 base,
                         u64 size_bytes) {
    assert(count < capacity);
    u64 first = base & ~(HW_GIGAPAGE_BYTES - 1);
    u64 end = hw_align_up(base + size_bytes, HW_GIGAPAGE_BYTES);
    regions[count] = (struct platform_region){.base_pa = first, .size_bytes = end - first};
    return count + 1;
}

// The first gigabyte holds both boards' devices (UART, PLIC, CLINT, virtio, RTC);
// then every RAM range, and the console wherever it is.
u32 platform_kernel_regions(struct platform *p, struct platform_region *regions,
                            u32 regions_capacity) {
    assert(p != NULL && regions != NULL);
    assert(regions_capacity >= 2);
    const struct fdt_machine *m = &p->machine;
    u32 count = hw_region_add(regions, 0, regions_capacity, 0, HW_GIGAPAGE_BYTES);
    for (u32 i = 0; i < m->memory_count && count < regions_capacity; i++) {
        count = hw_region_add(regions, count, regions_capacity, m->memory[i].base,
                              m->memory[i].size_bytes);
    }
    if (p->uart_present && p->uart.base >= HW_GIGAPAGE_BYTES && count < regions_capacity) {
        count = hw_region_add(regions, count, regions_capacity, p->uart.base, HW_PAGE_BYTES);
    }
    return count;
}

// ---- boot inputs --------------------------------------------------------------------

const u8 *platform_initrd(struct platform *p, u64 *size_bytes) {
    assert(p != NULL && size_bytes != NULL);
    u64 start = (u64)(uintptr_t)hw_initrd_start, end = (u64)(uintptr_t)hw_initrd_end;
    assert(end >= start);
    *size_bytes = end - start;
    return hw_initrd_start;
}

const char *platform_bootargs(struct platform *p) {
    assert(p != NULL);
    assert(p->machine.bootargs != NULL);
    return p->machine.bootargs;
}

// ---- power ------------------------------------------------------------------------------

void platform_halt(struct platform *p) {
    assert(p != NULL);
    hw_log(p, "halted");
    hw_stop();
}

void platform_power_off(struct platform *p) {
    assert(p != NULL);
    hw_log(p, "power off");
    if (p->sbi.srst) {
        (void)sbi_call(SBI_EXT_SRST, 0, SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_NONE, 0);
    }
    (void)sbi_legacy_call(SBI_EXT_LEGACY_SHUTDOWN, 0);
    hw_log(p, "firmware did not power off; halting");
    hw_stop();
}

// Cold reboot first: the JH7110's OpenSBI implements only that one.
void platform_reboot(struct platform *p) {
    assert(p != NULL);
    hw_log(p, "reboot");
    if (p->sbi.srst) {
        (void)sbi_call(SBI_EXT_SRST, 0, SBI_SRST_TYPE_COLD_REBOOT, SBI_SRST_REASON_NONE, 0);
        (void)sbi_call(SBI_EXT_SRST, 0, SBI_SRST_TYPE_WARM_REBOOT, SBI_SRST_REASON_NONE, 0);
    }
    hw_log(p, "firmware cannot reboot (no SBI SRST); halting");
    hw_stop();
}

// ---- observation ----------------------------------------------------------------------

// Hardware keeps no trace: the simulator is where traces are hashed and replayed.
void platform_trace(struct platform *p, u32 kind, u64 a, u64 b, u64 c) {
    (void)p;
    (void)kind;
    (void)a;
    (void)b;
    (void)c;
}

bool platform_bug_active(struct platform *p, u32 bug) {
    (void)p;
    (void)bug;
    return false; // planted_bug() is the constant false in this build; never called
}
