// Boot: hw/entry.S has relocated the image and calls hw_main on whichever hart the
// firmware or U-Boot handed over. Everything about the machine comes from the
// device tree in a1; the boot log says what was found, so that a console
// capture from a board we cannot reach tells what the kernel saw there.
#include "hw/csr.h"
#include "hw/hw.h"
#include "kernel/lib/format.h"
#include "hw/sbi.h"

#define FDT_ALIGN_BYTES 8u // the specification's alignment for the blob
#define HART_LIST_LEN_MAX 96u
#define SBI_LIST_LEN_MAX 96u
#define HART_ID_DIGITS_MAX 10u

extern struct platform hw_platform;
extern struct kernel hw_kernel;
extern const u8 __kernel_start[];
extern const u8 __kernel_end[];

bool hw_sbi_has(const struct platform *p, u32 extension) {
    assert(p != NULL);
    assert(extension < SBI_X_COUNT);
    return (p->sbi.extensions >> extension & 1u) != 0;
}

static void hw_traps_init(void) {
    // sscratch is 0 whenever the kernel runs: the vector tells kernel traps by it.
    CSR_WRITE(sscratch, 0);
    CSR_WRITE(stvec, (u64)(uintptr_t)hw_trap_vector);
    CSR_WRITE(sie, 0);
    CSR_CLEAR(sstatus, SSTATUS_SIE | SSTATUS_SUM | SSTATUS_FS);
    // No counters for U-mode: rdcycle and rdinstret trap as illegal instructions. A
    // trapped rdtime is different: OpenSBI emulates the time CSR for any mode without
    // looking at scounteren, so user mode reads the time; the interpreter does the
    // same (src/sim/machine/rv64.c, tests t_qemu and t_sim_counters).
    CSR_WRITE(scounteren, 0);
}

// SBI v0.1 firmware has no base extension: its ecall answers "not supported".
static void hw_sbi_probe(struct hw_sbi *sbi) {
    struct sbi_result version = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0);
    *sbi = (struct hw_sbi){.base = version.error == SBI_SUCCESS};
    if (!sbi->base) return;
    sbi->spec_version = version.value;
    sbi->impl_id = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID, 0, 0, 0).value;
    sbi->impl_version = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_VERSION, 0, 0, 0).value;
    sbi->extensions = sbi_probe_all();
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
    if (!sbi->base) {
        hw_log(p, "SBI v0.1: legacy calls only; extensions: none");
        return;
    }
    char list[SBI_LIST_LEN_MAX] = "", missing[SBI_LIST_LEN_MAX] = "";
    u64 length = 0, missing_length = 0;
    for (u32 i = 0; i < SBI_X_COUNT; i++) {
        if (hw_sbi_has(p, i)) {
            length += format(list + length, sizeof list - length, " %s", sbi_extension_name(i));
        } else {
            missing_length += format(missing + missing_length, sizeof missing - missing_length,
                                     " %s", sbi_extension_name(i));
        }
    }
    char impl[SBI_LIST_LEN_MAX];
    const char *impl_name = sbi_implementation_name(sbi->impl_id);
    if (impl_name != NULL) {
        // OpenSBI's version is major << 16 | minor; other implementations' may differ.
        (void)format(impl, sizeof impl, "%s v%llu.%llu", impl_name,
                     (unsigned long long)(sbi->impl_version >> 16),
                     (unsigned long long)(sbi->impl_version & 0xffffu));
    } else {
        (void)format(impl, sizeof impl, "implementation %llu version 0x%llx",
                     (unsigned long long)sbi->impl_id, (unsigned long long)sbi->impl_version);
    }
    hw_log(p, "SBI v%llu.%llu, %s; extensions:%s; absent:%s",
           (unsigned long long)(sbi->spec_version >> SBI_SPEC_MAJOR_SHIFT & SBI_SPEC_MAJOR_MASK),
           (unsigned long long)(sbi->spec_version & SBI_SPEC_MINOR_MASK), impl,
           length ? list : " none", missing_length ? missing : " none");
}

// "harts 1 2 3 4 usable, 0 disabled": the JH7110's S7 core (hart 0) never runs us.
static void hw_log_harts(struct platform *p) {
    const struct fdt_machine *m = &p->machine;
    char usable[HART_LIST_LEN_MAX] = "", unusable[HART_LIST_LEN_MAX] = "";
    u64 usable_length = 0, unusable_length = 0;
    bool boot_hart_usable = false;
    for (u32 i = 0; i < m->harts_count; i++) {
        const struct fdt_hart *h = &m->harts[i];
        if (h->usable) {
            usable_length += format(usable + usable_length, sizeof usable - usable_length,
                                    " %u", h->id);
            if (h->id == p->boot_hart_id) boot_hart_usable = true;
        } else {
            unusable_length += format(unusable + unusable_length,
                                      sizeof unusable - unusable_length, " %u(%s)", h->id,
                                      h->enabled ? "no MMU" : "disabled");
        }
    }
    hw_log(p, "harts usable:%s; not usable:%s; booted on hart %llu%s", usable,
           unusable_length ? unusable : " none", (unsigned long long)p->boot_hart_id,
           boot_hart_usable ? "" : " (not a usable hart in the device tree!)");
}

static void hw_log_machine(struct platform *p) {
    const struct fdt_machine *m = &p->machine;
    hw_log(p, "image at 0x%llx, %llu relocations applied (linked at 0, %llu KiB with bss)",
           (unsigned long long)p->image_pa, (unsigned long long)p->image_relocations,
           (unsigned long long)((p->kernel_end_pa - p->kernel_start_pa) >> 10));
    hw_log(p, "device tree at 0x%llx (%u bytes): %s", (unsigned long long)p->dtb_pa,
           p->fdt.size_bytes, m->model);
    hw_log_sbi(p);
    hw_log_harts(p);
    char text[HW_LOG_LINE_LEN_MAX];
    hw_log(p, "console: %s", hw_console_describe(p, text, sizeof text));
    u64 base_pa = 0, size_bytes = 0;
    platform_ram_usable(p, &base_pa, &size_bytes);
    hw_log(p, "timebase %llu Hz; RAM 0x%llx + %llu MiB; usable 0x%llx + %llu KiB; "
              "virtio-mmio slots: %u",
           (unsigned long long)p->timebase_hz, (unsigned long long)m->memory[0].base,
           (unsigned long long)(m->memory[0].size_bytes >> 20), (unsigned long long)base_pa,
           (unsigned long long)(size_bytes >> 10), m->virtio_count);
    hw_log(p, "initrd: %llu bytes at 0x%llx, %s", (unsigned long long)p->initrd_size_bytes,
           (unsigned long long)(uintptr_t)p->initrd,
           p->initrd_from_dt ? "from the device tree (/chosen linux,initrd-start)"
                             : "embedded in the image");
}

// hw.boot_hart=N: move to hart N before anything else happens, the way a board
// hands the kernel a hart other than 0 (the JH7110 never boots on hart 0). On
// QEMU OpenSBI almost always boots hart 0, so this is how tests make sure.
static void hw_boot_hart_choose(struct platform *p) {
    const char *text = hw_bootargs_value(p, "hw.boot_hart=");
    if (text == NULL) return;
    u64 wanted = 0;
    u32 digits = 0;
    for (; *text >= '0' && *text <= '9' && digits < HART_ID_DIGITS_MAX; text++, digits++) {
        wanted = wanted * 10 + (u64)(*text - '0');
    }
    if (wanted == p->boot_hart_id) return;
    bool usable = false;
    for (u32 i = 0; i < p->machine.harts_count; i++) {
        if (p->machine.harts[i].id == wanted && p->machine.harts[i].usable) usable = true;
    }
    if (digits == 0 || (*text != ' ' && *text != '\0') || !usable) {
        hw_log(p, "hw.boot_hart: no usable hart by that number; staying on hart %llu",
               (unsigned long long)p->boot_hart_id);
        return;
    }
    if (!hw_sbi_has(p, SBI_X_HSM)) {
        hw_log(p, "hw.boot_hart: the firmware has no SBI HSM; staying on this hart");
        return;
    }
    hw_log(p, "hw.boot_hart: handing over from hart %llu to hart %llu",
           (unsigned long long)p->boot_hart_id, (unsigned long long)wanted);
    i64 error = hw_handover(wanted, p->dtb_pa);
    hw_log(p, "hw.boot_hart: the firmware did not start hart %llu (SBI error %lld)",
           (unsigned long long)wanted, (long long)error);
}

void hw_main(u64 hart_id, u64 dtb_pa, u64 image_pa, u64 relocations, u64 foreign_relocations) {
    struct platform *p = &hw_platform;
    p->boot_ticks = hw_rdtime();
    p->boot_hart_id = hart_id;
    p->dtb_pa = dtb_pa;
    p->image_pa = image_pa;
    p->image_relocations = relocations;
    p->kernel_start_pa = (u64)(uintptr_t)__kernel_start;
    p->kernel_end_pa = (u64)(uintptr_t)__kernel_end;
    hw_traps_init();
    // hw/image_check.sh refuses such an image at build time; this catches a
    // build that skipped it. Nothing absolute can be trusted after such entries.
    if (foreign_relocations != 0 || p->kernel_start_pa != image_pa) {
        platform_panic(__FILE__, __LINE__, "image relocation incomplete");
    }
    hw_sbi_probe(&p->sbi);
    hw_machine_read(p);
    hw_console_init(p);
    hw_boot_hart_choose(p);
    hw_clock_init(p);
    hw_initrd_init(p);
    hw_block_init(p);
    hw_entropy_init(p);
    hw_net_init(p);
    hw_log_machine(p);
    kernel_boot(&hw_kernel, p);
    while (kernel_step(&hw_kernel) != KERNEL_STEP_STOPPED) {
    }
    // Halt, reboot and power-off do not return on hardware: only a bug gets here.
    hw_log(p, "kernel stopped in state %u", (u32)hw_kernel.run_state);
    hw_stop();
}
