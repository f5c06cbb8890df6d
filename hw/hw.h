// The hardware platform's own state and the helpers its files share. There is one
// machine, so unlike src/kernel this folder may keep globals (in platform_hw.c).
#pragma once

#include "lib/fdt/fdt.h"
#include "kernel/kernel.h"
#include "kernel/platform.h"
#include "hw/entropy.h"

#define HW_LOG_LINE_LEN_MAX 256
#define HW_NS_PER_S 1000000000ull
#define HW_TIMER_NEVER 0xffffffffffffffffull // an SBI deadline that clears the timer
#define HW_GIGAPAGE_BYTES (1ull << 30)
#define HW_PAGE_BYTES 4096ull

struct hw_uart {
    u64 base;
    u32 reg_shift;          // register i lives at base + (i << reg_shift)
    u32 reg_io_width_bytes; // 1: byte accesses; 4: 32-bit accesses (DesignWare)
};

// Where console bytes go. The zero value is the one that works before anything
// is known: every SBI firmware serves the legacy putchar (or ignores it).
enum hw_console_kind {
    HW_CONSOLE_SBI_LEGACY = 0, // legacy SBI putchar/getchar (SBI v0.1)
    HW_CONSOLE_SBI_DBCN,       // SBI debug console extension (SBI v2.0)
    HW_CONSOLE_UART,           // the UART /chosen/stdout-path names
};

struct hw_sbi {
    bool base;        // the v0.2+ base extension answers (else legacy calls only)
    u64 spec_version; // major << 24 | minor
    u64 impl_id;
    u64 impl_version;
    u32 extensions;   // bit SBI_X_* set when present (sbi.h)
};

struct platform {
    u64 boot_hart_id;
    u64 dtb_pa;
    u64 image_pa;             // where the boot loader put the Image (hw/entry.S)
    u64 image_relocations;    // R_RISCV_RELATIVE entries entry.S applied
    struct fdt fdt;
    struct fdt_machine machine;
    struct hw_sbi sbi;
    enum hw_console_kind console;
    struct hw_uart uart;      // when console is HW_CONSOLE_UART
    const u8 *initrd;         // the archive the kernel reads (initrd_hw.c)
    u64 initrd_size_bytes;
    bool initrd_from_dt;      // else the archive embedded in the image
    u64 timebase_hz;
    u64 boot_ticks;       // rdtime at entry: monotonic time counts from here
    u64 realtime_boot_ns; // Unix time at boot_ticks (0 without an RTC)
    struct hw_entropy entropy; // the sources platform_entropy gathers from
    u64 kernel_start_pa;
    u64 kernel_end_pa;
};

// Boot (boot_hw.c): hw/entry.S calls hw_main once the image is relocated.
void hw_main(u64 hart_id, u64 dtb_pa, u64 image_pa, u64 relocations, u64 foreign_relocations);

// SBI helpers (boot_hw.c).
bool hw_sbi_has(const struct platform *p, u32 extension);

// Console (console_hw.c). The raw writer works before and after the UART is known.
void hw_console_init(struct platform *p);
const char *hw_console_describe(const struct platform *p, char *text, u64 capacity);
void hw_console_write_raw(struct platform *p, const char *bytes, u64 count);
void hw_log(struct platform *p, const char *format, ...) __attribute__((format(printf, 2, 3)));

// The initial archive (initrd_hw.c): the boot loader's initrd from /chosen when it
// holds a cpio archive, else the one embedded in the image.
void hw_initrd_init(struct platform *p);
// Chooses the disk (virtio-blk, a RAM disk over the initrd, or none) before the
// kernel reads the initrd, since hw.ramdisk=1 moves the programs to the embedded archive.
void hw_block_init(struct platform *p);

// Entropy (entropy_hw.c): finds the sources (virtio-rng, Zkr, the cycle counter,
// /chosen/rng-seed) and says on the boot log which there are.
void hw_entropy_init(struct platform *p);

// Network (platform_hw.c): the first virtio-net device that starts, said on the boot log.
void hw_net_init(struct platform *p);

// Time (clock_hw.c).
void hw_clock_init(struct platform *p);
void hw_timer_set(struct platform *p, u64 ticks);
u64 hw_ticks_to_ns(u64 ticks, u64 hz);
u64 hw_ns_to_ticks_ceil(u64 ns, u64 hz);
u64 hw_deadline_ticks(struct platform *p, u64 deadline_ns);

// Boot arguments (platform_hw.c): does /chosen/bootargs hold the word `word`?
// hw_bootargs_value: what follows `prefix` in the first word starting with it.
bool hw_bootargs_has(const struct platform *p, const char *word);
const char *hw_bootargs_value(const struct platform *p, const char *prefix);

// Stops this hart for good: interrupts off, wfi forever.
_Noreturn void hw_stop(void);

// entry.S: starts hart_id at a fresh entry and stops this hart; returns the SBI
// error only if the firmware would not start it.
i64 hw_handover(u64 hart_id, u64 dtb_pa);

// trap.S
struct platform_trap hw_user_enter(struct user_context *ctx, u64 satp);
void hw_trap_vector(void);
