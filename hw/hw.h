// The hardware platform's own state and the helpers its files share. There is one
// machine, so unlike src/kernel this folder may keep globals (in platform_hw.c).
#pragma once

#include "kernel/fdt.h"
#include "kernel/kernel.h"
#include "kernel/platform.h"

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

struct hw_sbi {
    u64 spec_version; // major << 24 | minor
    u64 impl_id;
    u64 impl_version;
    bool time;  // TIME extension (else the legacy set_timer)
    bool srst;  // system reset (else the legacy shutdown; no reboot)
    bool hsm;
    bool dbcn;
};

struct platform {
    u64 boot_hart_id;
    u64 dtb_pa;
    struct fdt fdt;
    struct fdt_machine machine;
    struct hw_sbi sbi;
    bool uart_present; // else the legacy SBI console
    struct hw_uart uart;
    u64 timebase_hz;
    u64 boot_ticks;       // rdtime at entry: monotonic time counts from here
    u64 realtime_boot_ns; // Unix time at boot_ticks (0 without an RTC)
    u64 entropy_state;
    u64 kernel_start_pa;
    u64 kernel_end_pa;
};

// Console (console_hw.c). The raw writer works before and after the UART is known.
void hw_console_init(struct platform *p);
void hw_console_write_raw(struct platform *p, const char *bytes, u64 count);
void hw_log(struct platform *p, const char *format, ...) __attribute__((format(printf, 2, 3)));

// Time (clock_hw.c).
void hw_clock_init(struct platform *p);
void hw_timer_set(struct platform *p, u64 ticks);
u64 hw_ticks_to_ns(u64 ticks, u64 hz);
u64 hw_ns_to_ticks_ceil(u64 ns, u64 hz);
u64 hw_deadline_ticks(struct platform *p, u64 deadline_ns);

// Stops this hart for good: interrupts off, wfi forever.
_Noreturn void hw_stop(void);

// trap.S
struct platform_trap hw_user_enter(struct user_context *ctx, u64 satp);
void hw_trap_vector(void);
